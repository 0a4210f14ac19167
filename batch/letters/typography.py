"""The rules of a language that act on the words put into a letter: elision, contraction, punctuation.

A template writes `{{ interview.role | de }}` where French says "de" before a value: the value may start
with a vowel ("d’Ingénieur"), with an article ("du Louvre", "des Halles"). The rule is the language's,
not the word's, so it is applied to the value as it is inserted, whatever the value is.

A filter cannot see the value while the letter's skeleton is rendered (values are inert tokens then,
see render.py), so it leaves a mark (two private-use characters around its name) before the value,
and `resolve` applies the rule once the value is in place: in the text, its HTML and the subject.

A job title is a common noun in French and Spanish: said mid-sentence it takes no capital ("le poste
d’analyste", "el puesto de jefe de producto"), so `{{ interview.role | noun | de }}` lowers the first
letter of a title typed with one. Only that letter, and only when the first word is not an acronym or
written in mixed case (BI, SQL, iOS): a proper noun later in the title ("Analyste BI", "Jefe de producto
en Google") is the user's to write, and stays as typed. A title in title case throughout, with no word
in lower case but the small ones ("Data Analyst", "Head of Product", often English in a French letter),
reads as a name and stays whole rather than become "data Analyst". English keeps the title as typed.

Typography is the variant's: France puts a narrow no-break space before ; ! ? and inside « », and a
no-break space before a colon; Québec a no-break space before a colon and inside « », none before ; ! ?.
"""

from __future__ import annotations

import re

from batch.model.languages import base_language

_OPEN, _CLOSE = "\ue000", "\ue001"
_END = "\ue002"  # where the value of a rule that reads all of it (noun) ends
FILTERS = ("de", "le", "del", "al", "noun")  # the filters a letter's template may use
_MARK = re.compile(f"{_OPEN}({'|'.join(FILTERS)}){_CLOSE}")
_VOWEL = "aeiouàâäéèêëîïôöùûüœæAEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ"
_APOSTROPHE = "’"


def mark(name: str) -> str:
    """The mark a filter leaves before its value (see the module's docstring)."""
    return f"{_OPEN}{name}{_CLOSE}"


def filters() -> dict[str, object]:
    """The template filters, each leaving its mark before the value it is given."""
    return {name: _marker(name) for name in FILTERS}


def _marker(name: str) -> object:
    def leave_mark(value: object) -> str:
        return mark(name) + str(value) + (_END if name == "noun" else "")

    leave_mark.__name__ = name
    return leave_mark


def has_marks(text: str) -> bool:
    """Whether a text still holds a filter's mark."""
    return _OPEN in text


def resolve(text: str, language: str) -> str:
    """Every mark replaced by its word joined to the value after it, by the rules of the language."""
    if _OPEN not in text:
        return text
    base = base_language(language)
    parts = _MARK.split(text)
    # From the last mark back: each rule reads the start of what follows it, which the marks after it
    # (`role | noun | de` leaves de's mark, then noun's) have already made.
    text = parts[-1]
    for at in range(len(parts) - 2, 0, -2):  # parts: text, name, text, name, …, text
        name = parts[at]
        text = parts[at - 1] + (_noun_until_end(text, base) if name == "noun" else _join(name, text, base))
    return text.replace(_END, "")  # an end whose mark was lost (none should be)


def _noun_until_end(text: str, base: str) -> str:
    value, end, rest = text.partition(_END)
    return _noun(value, base) + rest if end else _noun(text, base)


def _noun(value: str, base: str) -> str:
    """A job title said mid-sentence: its first letter lowered in French and Spanish, unless its first
    word is an acronym, a symbol or mixed case (see the module's docstring)."""
    if base not in ("fr", "es") or not value[:1].isupper():
        return value
    words = value.split()
    if not _titled(words[0]):  # C, BI, SQL, iOS, McKinsey, Co-Founder: as typed
        return value
    big = [word for word in words if word.casefold().strip(",;") not in _SMALL]
    if sum(map(_titled, big)) >= 2 and not any(word[:1].islower() for word in big):
        return value  # Data Analyst, Head of Product: a name in title case, kept whole as typed
    return value[0].lower() + value[1:]


# The small words title case leaves in lower case ("Head of Product", "Jefe de Producto").
_SMALL = frozenset(
    {"of", "and", "the", "for", "in", "on", "at", "to", "a", "an", "with", "by", "from"}  # English
    | {"de", "la", "le", "les", "du", "des", "et", "en", "sur", "pour", "au", "aux", "à"}  # French
    | {"y", "del", "el", "los", "las", "para", "por", "con"}  # Spanish
)


def _titled(word: str) -> bool:
    """Whether a word is written with one capital, first (Analyste), not as an acronym or in mixed case."""
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and letters[0].isupper() and not any(c.isupper() for c in letters[1:])


def _elides(value: str) -> bool:
    """Whether a French word elides what comes before it: a vowel, or a y before a consonant (Yves).
    An h is left alone: whether it is mute is the word's, and we do not know the word."""
    if not value:
        return False
    if value[0] in _VOWEL:
        return True
    return value[0] in "yY" and len(value) > 1 and value[1].isalpha() and value[1] not in _VOWEL


def _join(name: str, value: str, base: str) -> str:
    if base == "fr":
        return _french(name, value)
    if base == "es":
        return _spanish(name, value)
    word = {"de": "of", "le": "the", "del": "of", "al": "to"}[name]
    return f"{word} {value}"


def _french(name: str, value: str) -> str:
    if name == "le":
        return f"l{_APOSTROPHE}{value}" if _elides(value) else f"le {value}"
    # de (del and al have no French meaning: read as de)
    for article, joined in (("le ", "du "), ("Le ", "du "), ("les ", "des "), ("Les ", "des ")):
        if value.startswith(article):
            return joined + value[len(article) :]
    return f"d{_APOSTROPHE}{value}" if _elides(value) else f"de {value}"


def _spanish(name: str, value: str) -> str:
    # A capital El belongs to a proper name and stays whole (de El Salvador); a lower-case one contracts.
    word = "a" if name == "al" else ("el" if name == "le" else "de")
    if value.startswith("el ") and word in ("a", "de"):
        return ("al " if word == "a" else "del ") + value[3:]
    return f"{word} {value}"


# --- punctuation ---------------------------------------------------------------------------------

NNBSP, NBSP = "\u202f", "\u00a0"
_HTML_SPLIT = re.compile(r"(<[^>]*>|&#?\w+;)")
_HIGH = re.compile(r"(?<=\S)[ \u00a0\u202f]?([;!?])(?=\s|$|[»)\"”’])")  # ; ! ? ending a word or sentence
_COLON = re.compile(r"(?<=\S)[ \u00a0\u202f]?:(?=\s|$)")  # a colon before a space, not 10:30 or https:
_GUILLEMETS = re.compile(r"«[ \u00a0\u202f]?(.*?)[ \u00a0\u202f]?»")
_QUOTES = re.compile(r"[\"“]([^\"“”\n]+)[\"”]")


def typeset(text: str, language: str, html: bool = False) -> str:
    """The text with the variant's spaces around its punctuation (France, Québec); others as they are."""
    code = language.lower()
    if base_language(code) != "fr":
        return text
    if not html:
        return _french_marks(text, code == "fr-ca")
    pieces = _HTML_SPLIT.split(text)  # tags and entities keep their own colons and semicolons
    pieces[0::2] = [_french_marks(piece, code == "fr-ca") for piece in pieces[0::2]]
    return "".join(pieces)


def _french_marks(text: str, quebec: bool) -> str:
    text = _QUOTES.sub(r"«\1»", text)
    inside = NBSP if quebec else NNBSP
    text = _GUILLEMETS.sub(f"«{inside}\\1{inside}»", text)
    text = _COLON.sub(f"{NBSP}:", text)
    return _HIGH.sub(r"\1" if quebec else f"{NNBSP}\\1", text)
