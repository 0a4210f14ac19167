"""How a letter reads to someone who reads it once: a subject that stays true, nothing said twice, one
language throughout (a stopword test: enough to tell English from French from Spanish)."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from batch.model.languages import base_language

# Words that say the day relative to the moment of writing: false in a reply's "Re:" weeks later.
_RELATIVE = re.compile(
    r"\b(today|today's|tonight|yesterday|tomorrow|this morning|this afternoon|aujourd[’']hui|hier|demain|"
    r"ce matin|cet après-midi|hoy|ayer|anoche|pasado mañana|esta mañana|esta tarde)\b",
    re.IGNORECASE,
)


def relative_day_word(subject: str) -> str | None:
    """The first relative day word of a subject, or None."""
    found = _RELATIVE.search(subject)
    return found[0] if found else None


# Words that say "once more": twice in one letter is the echo a reader hears.
_ECHO = {
    "en": ("again", "once more"),
    "fr": ("encore", "de nouveau", "à nouveau", "une nouvelle fois", "une fois de plus"),
    "es": ("otra vez", "de nuevo", "nuevamente", "una vez más"),
}
# Words too common to make a repeated phrase worth a remark ("the role at", "de la").
_STOPWORDS_TEXT = {
    "en": """the a an and or of to in on at for with about by from as is are was be been it its this that
             these those i me my we our you your he she they them their us have has had will would can
             could may might do did so but not very more most any all what how when which who if than
             then there here""",
    "fr": """le la les l un une des du de d et ou à au aux en dans sur pour par avec sans ce cet cette ces
             je j me m moi nous vous il elle ils elles on son sa ses mon ma mes votre vos notre nos leur
             leurs qui que qu quoi dont où est sont être ai a avez avons été ne n pas plus très tout
             tous toute se s y si mais comme""",
    "es": """el la los las lo un una unos unas de del al a y o en con sin por para sobre que quien como
             cuando donde es son ser fue he ha han me mi mis yo nos nosotros usted ustedes su sus le les
             se tu te muy más ya no si pero este esta esto ese esa eso estos estas""",
}
STOPWORDS = {base: frozenset(text.split()) for base, text in _STOPWORDS_TEXT.items()}
_WORDS = re.compile(r"[^\W\d_]+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.casefold())


def repeats(rendered: object) -> str | None:
    """The first word group a letter's own words say twice ("again", "stayed with me"), or None.

    Only the template's own words are read (each stretch between two values apart): a company named
    twice is the letter's subject, not an echo.
    """
    pieces = getattr(rendered, "body_own", None)
    if pieces is None:
        pieces = (str(getattr(rendered, "text", "")),)
    return _repeats(tuple(pieces), base_language(str(getattr(rendered, "language", "en"))))


@lru_cache(maxsize=1024)  # one per template shape and phrasing
def _repeats(pieces: tuple[str, ...], base: str) -> str | None:
    whole = " ".join(" ".join(_words(piece)) for piece in pieces)
    padded = f" {whole} "
    echoes = [phrase for phrase in _ECHO.get(base, ()) if f" {phrase} " in padded]
    if sum(padded.count(f" {phrase} ") for phrase in echoes) >= 2:
        return echoes[0]
    stop = STOPWORDS.get(base, STOPWORDS["en"])
    seen: Counter[tuple[str, ...]] = Counter()
    for piece in pieces:
        for line in piece.splitlines():
            words = _words(line)
            for n in range(len(words) - 2):
                group = tuple(words[n : n + 3])
                if sum(word not in stop for word in group) >= 1 and len(set(group)) == 3:
                    seen[group] += 1
                    if seen[group] == 2:
                        return " ".join(group)
    return None


_USTED = re.compile(
    r"\b(usted|ustedes|le agradezco|le escribo|su tiempo|su atención|le llamo)\b", re.IGNORECASE
)


def hola_with_usted(text: str, language: str) -> bool:
    """Whether a Spanish letter greets with "Hola" and then speaks to the reader as usted: a familiar
    hello beside a formal you reads as a slip."""
    if base_language(language) != "es":
        return False
    first, _, rest = text.lstrip().partition("\n")
    return first.casefold().startswith("hola") and _USTED.search(rest) is not None


# Words only one of the languages we write uses (those shared, such as de, la, en, a, que, are left out).
_OWN_STOPWORDS = {
    base: words - frozenset().union(*(other for name, other in STOPWORDS.items() if name != base))
    for base, words in STOPWORDS.items()
}
_NAMES = {"en": "English", "fr": "French", "es": "Spanish"}


def language_hint(value: str, language: str) -> str | None:
    """What to say of a value (a topic, a note) that reads as another language than its letter's; None
    when it reads as the letter's language or as none of ours (names, figures)."""
    base = base_language(language)
    if base not in _OWN_STOPWORDS:
        return None
    counts = Counter[str]()
    for n, word in enumerate(re.findall(r"[^\W\d_]+", value)):
        if n and not word.islower():  # a capital inside a value starts a name (Los Angeles, Le Monde)
            continue
        for name, words in _OWN_STOPWORDS.items():
            counts[name] += word.casefold() in words
    other = max((name for name in counts if name != base), key=lambda name: counts[name], default=None)
    if other is None or counts[other] == 0 or counts[base] >= counts[other]:
        return None
    return f"reads as {_NAMES[other]}, and the letter is in {_NAMES[base]} (write it in {_NAMES[base]})"
