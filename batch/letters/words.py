"""Words as the letters count and join them: what a word is, characters no letter may hold, "a, b and c"."""

from __future__ import annotations

import re
from functools import lru_cache

from batch.model.languages import base_language

_WORD = re.compile(r"\w[\w'’-]*")  # a dash or quote on its own is no word
WORD_CHAR = re.compile(r"[\w'’-]")  # a character a word may hold (a word never crosses any other)

# Control and invisible format characters: C0 but tab and line ends, DEL, C1, the line and paragraph
# separators, bidirectional overrides, zero-width spaces and joiners of words, a BOM inside the text.
# Zero-width (non-)joiners stay: emoji sequences and some scripts need them.
CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|\r(?!\n)"
)


def control_problem(text: str) -> str | None:
    """The first control or invisible format character in a text, described; None when there is none."""
    if text.isascii() and text.isprintable():
        return None
    found = CONTROL.search(text)
    return None if found is None else f"U+{ord(found[0][0]):04X}"


def count_words(text: str) -> int:
    """Words as a reader counts them (hyphenated and apostrophe words are one)."""
    return len(_WORD.findall(text))


@lru_cache(maxsize=4096)  # names, companies and topics recur across a batch
def value_words(value: str) -> int:
    """count_words of one value, remembered."""
    return count_words(value)


_AND = {"en": " and ", "fr": " et ", "es": " y "}


def join_words(words: list[str], language: str = "en") -> str:
    """'a', 'a and b', 'a, b and c' (in French 'a, b et c', in Spanish 'a, b y c')."""
    joiner = _AND.get(base_language(language), " and ")
    if len(words) <= 2:
        return joiner.join(words)
    return ", ".join(words[:-1]) + joiner + words[-1]
