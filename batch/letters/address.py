"""How a letter greets its reader: a title and the family name, the given name, or the user's own words.

"Dr. Helen Park" is greeted "Dear Dr. Park," in English and "Dre Julie Tremblay" "Bonjour Docteure
Tremblay," in Québec ("Bonjour Madame Tremblay," in France). A title the language cannot say for this
person (French "Docteur" when the name does not say she is a woman) is left out, and `check` suggests
the words (Madame or Monsieur and the family name); a title is never
said alone, and a name that does not say which word is the family name (three words or more, such as
"Mary Ann Smith") is greeted by the whole of it, and `check` asks for `greeting:`.
"""

from __future__ import annotations

from typing import NamedTuple

from batch.model.interview import Interviewer
from batch.model.languages import base_language


class Title(NamedTuple):
    """A title a name may start with: whom it is for (f, m, or None for either) and what it is."""

    gender: str | None
    rank: str  # doctor | professor | civil | licensed | engineer | master | architect


# Each title as written (casefolded, without its dot), in every language we write.
TITLES = {
    "dr": Title(None, "doctor"), "dra": Title("f", "doctor"), "dre": Title("f", "doctor"),
    "doctor": Title(None, "doctor"), "me": Title(None, "counsel"), "maître": Title(None, "counsel"),
    "lcda": Title("f", "licensed"), "licda": Title("f", "licensed"), "lcdo": Title("m", "licensed"),
    "licdo": Title("m", "licensed"),
    "prof": Title(None, "professor"), "pr": Title(None, "professor"),
    "mr": Title("m", "civil"), "ms": Title("f", "civil"), "mrs": Title("f", "civil"),
    "miss": Title("f", "civil"), "mx": Title(None, "civil"),
    "m": Title("m", "civil"), "mme": Title("f", "civil"), "mlle": Title("f", "civil"),
    "monsieur": Title("m", "civil"), "madame": Title("f", "civil"),
    "sr": Title("m", "civil"), "sra": Title("f", "civil"), "srta": Title("f", "civil"),
    "lic": Title(None, "licensed"), "ing": Title(None, "engineer"), "mtro": Title("m", "master"),
    "mtra": Title("f", "master"), "arq": Title(None, "architect"),
}  # fmt: skip

# How each language writes a title before a family name: (rank, gender) → words; None: it has none.
_EN = {("civil", "m"): "Mr.", ("civil", "f"): "Ms.", ("civil", None): "Mx.", ("doctor", None): "Dr.",
       ("doctor", "f"): "Dr.", ("professor", None): "Professor"}  # fmt: skip
# French has no title for a doctor or professor whose gender the name does not say ("Docteur" to a
# woman is noticed at once), and "Professeur Roy" is a calque: those are greeted without a title.
_FR = {("civil", "m"): "Monsieur", ("civil", "f"): "Madame", ("doctor", "f"): "Docteure",
       ("counsel", None): "Maître"}  # fmt: skip
# France greets a doctor outside medicine as anyone else: Madame.
_FR_FR = {**_FR, ("doctor", "f"): "Madame"}
_ES = {("civil", "m"): "Sr.", ("civil", "f"): "Sra.", ("doctor", None): "Dr.", ("doctor", "m"): "Dr.",
       ("doctor", "f"): "Dra.", ("professor", None): "Prof.", ("licensed", None): "Lic.",
       ("engineer", None): "Ing.", ("master", "m"): "Mtro.", ("master", "f"): "Mtra.",
       ("architect", None): "Arq.", ("licensed", "f"): "Lic.", ("licensed", "m"): "Lic."}  # fmt: skip
# Spain writes no Lic., Ing., Mtro. or Arq. before a surname: those names are greeted without them.
_ES_ES = {key: words for key, words in _ES.items() if key[0] in ("civil", "doctor", "professor")}


_WHOLE = 4  # the most words of a name a greeting says whole when it cannot tell the family name


class Parsed(NamedTuple):
    """A name taken apart: its title (if it starts with one) and the words after it."""

    title: Title | None
    written: str  # the title as the name writes it ("Dra."), "" without one
    words: tuple[str, ...]


def parse(name: str) -> Parsed:
    """The title a name starts with, if any, and the rest of its words."""
    words = tuple(name.split())
    if len(words) >= 2:
        title = TITLES.get(words[0].rstrip(".").casefold())
        if title is not None and (words[0].endswith(".") or len(words[0]) > 2 or words[0][0].isupper()):
            return Parsed(title, words[0], words[1:])
    return Parsed(None, "", words)


def known(person: Interviewer, language: str) -> bool:
    """Whether the greeting can be sure of its words: greeting: given, or at most two words after any
    title (and a title the language can say, if only a family name follows it). Three or more cannot say
    which are the family name, in any language: France and Spanish greet the whole name (or, past _WHOLE
    words, the first), which may still not be how the person is called."""
    parsed = parse(person.name)
    if person.greeting is None and (_bare(parsed, language) or _left_out(parsed, language)):
        return False
    return person.greeting is not None or len(parsed.words) <= 2


def _left_out(parsed: Parsed, language: str) -> bool:
    """A title the language cannot say to this person ("Dr. Hélène Dubois" in French): the letter greets
    without it, less formally than a colleague named with Mme, so `check` suggests the words."""
    return parsed.title is not None and not _title_words(parsed, language)[0]


def _bare(parsed: Parsed, language: str) -> bool:
    """A title the language cannot say before a lone family name ("Dr. Park" in French): hello alone."""
    return parsed.title is not None and len(parsed.words) == 1 and not _title_words(parsed, language)[0]


def _formal(language: str) -> bool:
    return language.lower() in ("fr-fr", "es-es", "es-mx")


def addressed(person: Interviewer, language: str) -> tuple[str, str | None]:
    """The title as the letter's language writes it ("" when it has none for it) and the gender it implies."""
    return _title_words(parse(person.name), language)


def _title_words(parsed: Parsed, language: str) -> tuple[str, str | None]:
    if parsed.title is None:
        return "", None
    code = language.lower()
    table = {"fr": _FR_FR if code == "fr-fr" else _FR, "es": _ES_ES if code == "es-es" else _ES}.get(
        base_language(language), _EN
    )
    rank, gender = parsed.title.rank, parsed.title.gender
    # A rank the language does not write (Spain's Lic., Ing.) falls back to the civil title its gender says.
    words = table.get((rank, gender)) or table.get((rank, None)) or table.get(("civil", gender or "?"))
    return words or "", gender


def greeting(person: Interviewer, language: str) -> str:
    """The letter's first line: the user's `greeting:`, else by the language's custom (see the docstring)."""
    if person.greeting:
        return person.greeting
    parsed = parse(person.name)
    title, gender = addressed(person, language)
    base, code = base_language(language), language.lower()
    if _bare(parsed, language):  # never a surname alone: "Bonjour," (check asks for greeting:)
        return {"fr": "Bonjour,", "es": "Buen día:" if code == "es-mx" else "Buenos días:"}.get(
            base, "Hello,"
        )
    name = _whom(parsed, title, language)
    if base == "fr":
        return f"Bonjour {name},"
    if base == "es":
        if gender in ("m", "f"):
            return f"{'Estimado' if gender == 'm' else 'Estimada'} {name}:"
        return f"{'Buen día' if code == 'es-mx' else 'Buenos días'}, {name}:"  # no gender to agree with
    return f"Dear {name},"


def _whom(parsed: Parsed, title: str, language: str) -> str:
    words = parsed.words
    if len(words) > _WHOLE:  # a name too long to say whole: its first word, as a person might (check asks)
        return words[0]
    if len(words) > 2:  # which word is the family name? the whole name, then (check asks for greeting:)
        return " ".join(([title] if title else []) + list(words))
    if title:
        return f"{title} {words[-1]}"
    return " ".join(words) if _formal(language) else words[0]  # France, Spanish: the given name is too close


def greeting_hint(person: Interviewer, language: str) -> str | None:
    """What `check` says of a greeting it cannot be sure of, with a suggestion; None when it is sure."""
    if known(person, language):
        return None
    parsed = parse(person.name)
    if _bare(parsed, language):
        return (
            f"name: {_short(person.name)!r} starts with a title this language cannot say to this person, so "
            f"the letter greets '{greeting(person, language)}' alone; say it with greeting: "
            f'(e.g. greeting: "{_BARE_EXAMPLE[base_language(language)].format(parsed.words[-1])}")'
        )
    if _left_out(parsed, language) and len(parsed.words) == 2:
        civil = [
            _short(greeting(Interviewer(name=f"{title} {parsed.words[-1]}"), language))
            for title in ("Mme", "M.")
        ]
        return (
            f"name: {_short(person.name)!r} starts with a title this language leaves out for this person, "
            f"so the letter greets '{_short(greeting(person, language))}'; say it with greeting: "
            f'(e.g. greeting: "{civil[0]}" or "{civil[1]}")'
        )
    name = person.name if len(person.name) <= 60 else person.name[:57] + "…"
    return (
        f"name: {name!r} does not say which words are the family name, so the letter greets "
        f"'{_short(greeting(person, language))}'; say it with greeting: (e.g. {_example(parsed, language)})"
    )


_BARE_EXAMPLE = {"fr": "Bonjour Madame {},", "es": "Estimada Sra. {}:", "en": "Dear Mr. {},"}


def _example(parsed: Parsed, language: str) -> str:
    """A greeting: that reads well in the variant, with a guess at the family name (see _family)."""
    words = parsed.words
    start = _family(words, language)
    family = " ".join(words[start[0] : start[1]])
    if parsed.title and not _left_out(parsed, language):
        return f'greeting: "{_short(greeting(Interviewer(name=f"{parsed.written} {family}"), language))}"'
    if not _formal(language):  # English, Québec: the given names, which may be several (Mary Ann)
        given = words[: start[0]] if len(words) <= _WHOLE else words[:1]
        return f'greeting: "{_short(_given(" ".join(given), language))}"'
    # France, Spanish: a title and the family name; the name does not say which title
    civil = [_short(greeting(Interviewer(name=f"{title} {family}"), language)) for title in ("Mme", "M.")]
    return f'greeting: "{civil[0]}" or "{civil[1]}"'


def _family(words: tuple[str, ...], language: str) -> tuple[int, int]:
    """Where a guess at the family name starts and ends among a name's words: the last word with a
    capital, with the particles before it (van der Berg, de la Cruz); in Spanish, of four such words or
    more, the first of the two surnames (María José Fernández López)."""
    capital = [n for n, word in enumerate(words) if word[:1].isupper()] or [len(words) - 1]
    at = capital[-2] if base_language(language) == "es" and len(capital) >= 4 else capital[-1]
    start = at
    while start > 1 and not words[start - 1][:1].isupper():
        start -= 1
    return start, at + 1


def _short(text: str) -> str:
    return text if len(text) <= 70 else text[:67] + "…"


def _given(name: str, language: str) -> str:
    """The greeting of a person by given names that are several words (Mary Ann)."""
    return f"Bonjour {name}," if base_language(language) == "fr" else f"Dear {name},"
