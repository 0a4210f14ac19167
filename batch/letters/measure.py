"""What a letter's limits charge: its own words and characters, each value the user put in counted at most
an allowance (the policy's value_max_words and value_max_chars).

A stock check-in with a two-word role sits near its word limit; with "Senior Data Platform Engineer,
Analytics Infrastructure" at "Fondation Québécoise pour l'Innovation Numérique" it would pass it, and the
lint would refuse a letter the user did not write. The limits are about the letter's length, so a name,
the role, the company, a topic or your own contact details are charged as a value of at most the
allowance, whatever its length; `note:` is prose of your own and counts in full, as do the day and the
decision date, which the letter itself words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import cast

from batch.letters.words import value_words

# The values of a letter's context that are the user's names for things, by their place in the context.
INSERTED = frozenset({
    ("interview", "role"), ("interview", "company"), ("interviewer", "name"), ("interviewer", "first_name"),
    ("interviewer", "title"), ("interviewer", "email"), ("interviewer", "phone"), ("interviewer", "topics"),
    ("me",), ("topics",), ("greeting",),
})  # fmt: skip


def inserted(shape: tuple[object, ...]) -> frozenset[int]:
    """The indexes of the values (see render._tokenize) that are the user's names for things."""
    try:
        return _inserted(shape)
    except TypeError:  # a value that cannot be hashed: worked out without the cache
        return _inserted.__wrapped__(shape)


@lru_cache(maxsize=256)  # a batch has few shapes
def _inserted(shape: tuple[object, ...]) -> frozenset[int]:
    found: set[int] = set()
    for key, value in cast("tuple[tuple[str, object], ...]", shape):
        _walk((key,), value, found)
    return frozenset(found)


def _walk(path: tuple[str, ...], value: object, found: set[int]) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        if path[:1] in INSERTED or path[:2] in INSERTED:
            found.add(value)
        return
    if not isinstance(value, tuple) or not value or value[0] not in ("dict", "list"):
        return  # "" (an empty text) or ("raw", type, value): nothing to charge
    if value[0] == "dict":
        for key, inner in value[-1]:
            _walk((*path, str(key)), inner, found)
    else:
        for inner in value[-1]:
            _walk(path, inner, found)


def body_values(used: Iterable[int], values: Sequence[str], names: frozenset[int]) -> tuple[int, ...]:
    """The words of each inserted value where the body says it (once per time it is said)."""
    return tuple(value_words(values[index]) for index in used if index in names)


def subject_values(
    parts: Sequence[str | int], values: Sequence[str], names: frozenset[int]
) -> tuple[int, ...]:
    """The characters of each inserted value where the subject (split at its values) says it."""
    return tuple(_chars(values[i]) for i in parts[1::2] if isinstance(i, int) and i in names)


def _chars(value: str) -> int:
    return len(" ".join(value.split()))  # as the subject says it: on one line


def charged(total: int, each: Iterable[int], allowance: int) -> int:
    """A total with every inserted value's part of it cut to the allowance."""
    return total - sum(max(0, size - allowance) for size in each)
