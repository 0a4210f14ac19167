"""The etiquette, checked on every rendered follow-up before anything is sent."""

from __future__ import annotations

import re

from .policy import Policy
from .render import Rendered

_WORD = re.compile(r"\w[\w'’-]*")  # a dash or quote on its own is no word
_THANKS = re.compile(r"\b(thank|thanks|grateful|appreciate[ds]?)\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{%|%\}|\[(?:name|company|role|date|your [a-z ]+)\]|\bTODO\b|\bXXX\b",
                          re.IGNORECASE)  # fmt: skip
FILLER = (
    "just checking in",
    "just following up",
    "just wanted to",
    "touching base",
    "sorry to bother",
    "i hope this email finds you well",
    "i hope this finds you well",
    "per my last email",
)


_PLACEHOLDER_HINTS = ("{{", "}}", "{%", "%}", "[", "todo", "xxx")  # each match holds one of these


def _has_placeholder(text: str) -> bool:
    """Whether an unfilled placeholder is left (a substring test first: the regex is the slow part)."""
    lowered = text.lower()
    return any(hint in lowered for hint in _PLACEHOLDER_HINTS) and _PLACEHOLDER.search(text) is not None


def count_words(text: str) -> int:
    """Words as a reader counts them (hyphenated and apostrophe words are one)."""
    return len(_WORD.findall(text))


def word_limits(method: str, policy: Policy) -> tuple[int, int]:
    """The fewest and most words a body of that method may have."""
    if method == "voicemail":
        return 1, policy.voicemail_max_words
    if method == "note":
        return 1, policy.note_max_words
    return policy.email_min_words, policy.email_max_words


def lint(rendered: Rendered, method: str, policy: Policy, is_reminder: bool = False) -> list[str]:
    """What is wrong with one rendered follow-up by the etiquette; an empty list when nothing is."""
    found: list[str] = []
    text = rendered.text
    if _has_placeholder(text) or _has_placeholder(rendered.subject):
        found.append("an unfilled placeholder is left in the message")
    if method == "email" and not rendered.subject:
        found.append("an email needs a subject (front matter 'subject: …')")
    if is_reminder:
        return found  # the user's own reminder: only what would make it unreadable matters
    if len(rendered.subject) > policy.subject_max_chars:
        found.append(f"subject is {len(rendered.subject)} characters; keep it to "
                     f"{policy.subject_max_chars} or fewer")  # fmt: skip
    words = count_words(text)
    low, high = word_limits(method, policy)
    if words < low:
        found.append(f"{words} words; a {method} says enough in {low} to {high}")
    elif words > high:
        found.append(f"{words} words; keep a {method} to {high} or fewer")
    if not _THANKS.search(text):
        found.append("it does not thank the reader")
    opening = " ".join(text.lower().split())
    for phrase in FILLER:
        if phrase in opening:
            found.append(f"filler phrase {phrase!r}: say why you are writing instead")
    return found
