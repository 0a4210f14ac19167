"""The etiquette, checked on every rendered follow-up before anything is sent."""

from __future__ import annotations

import re
from functools import lru_cache

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
# Control and invisible format characters: C0 but tab and line ends, DEL, C1, the line and paragraph
# separators, bidirectional overrides, zero-width spaces and joiners of words, a BOM inside the text.
# Zero-width (non-)joiners stay: emoji sequences and some scripts need them.
CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|\r(?!\n)"
)


@lru_cache(maxsize=256)  # the template's own words are the same for every message of one shape
def _has_placeholder(text: str) -> bool:
    """Whether an unfilled placeholder is left (a substring test first: the regex is the slow part)."""
    lowered = text.lower()
    return any(hint in lowered for hint in _PLACEHOLDER_HINTS) and _PLACEHOLDER.search(text) is not None


def control_problem(text: str) -> str | None:
    """The first control or invisible format character in a text, described; None when there is none."""
    if text.isascii() and text.isprintable():
        return None
    found = CONTROL.search(text)
    return None if found is None else f"U+{ord(found[0][0]):04X}"


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
    # Only the template's own words: a company called XXX Media or a topic with TODO is the user's value.
    own = rendered.own if rendered.own is not None else f"{rendered.subject}\n{text}"
    if _has_placeholder(own):
        found.append("an unfilled placeholder is left in the message")
    control = control_problem(rendered.subject) or control_problem(text)
    if control:  # a literal one is refused when the template loads; this one an expression made
        found.append(f"a control character ({control}) is in the message: take it out of the template")
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
