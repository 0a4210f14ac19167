"""French letters write the typographic apostrophe (l’équipe): a straight one in your values joins it.

The stock French letters use ’ throughout; a role, a company or a topic typed with a straight ' (the
keyboard's) would sit beside it ("l'organisation" next to "l’équipe"). In a French letter each ' between
two letters of a value becomes ’, except in an address or a link, where it is part of what is typed.
"""

from __future__ import annotations

import re

_STRAIGHT = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
_KEEP = ("email", "phone")  # values that are typed, not read: left as they are


def curly(text: str) -> str:
    """The text with each ' between two letters made ’, but in a word that is an address or a link."""
    if "'" not in text:
        return text
    return " ".join(
        word if "@" in word or "://" in word else _STRAIGHT.sub("’", word) for word in text.split(" ")
    )


def curly_values(context: dict[str, object]) -> dict[str, object]:
    """The context with every text value (and each in a list or a mapping) curled, but addresses."""
    return {key: value if key in _KEEP else _curled(value) for key, value in context.items()}


def _curled(value: object) -> object:
    if isinstance(value, str):
        return curly(value)
    if isinstance(value, list):
        return [_curled(item) for item in value]
    if isinstance(value, dict):
        return curly_values(value)
    return value
