"""The etiquette, checked on every rendered follow-up before anything is sent."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from batch.etiquette.schedule import FollowUp
from batch.letters.address import greeting_hint
from batch.letters.measure import charged
from batch.letters.reading import hola_with_usted, language_hint, relative_day_word, repeats
from batch.letters.render import STOCK, Rendered
from batch.letters.words import control_problem, count_words, join_words
from batch.model.interview import Interview
from batch.model.languages import base_language
from batch.model.policy import Policy

_THANKS = re.compile(r"\b(thank|thanks|grateful|appreciate[ds]?)\b", re.IGNORECASE)
# How each shipped language says thanks; a language without an entry is checked for the English words.
THANKS = {
    "en": _THANKS,
    "fr": re.compile(r"\b(merci|remerci\w*|reconnaissan\w*|gratitude)\b", re.IGNORECASE),
    "es": re.compile(r"\b(gracias|agradec\w*|agradezco|gratitud)\b", re.IGNORECASE),
}
# TODO and XXX only in capitals: "todo" is a Spanish word.
_PLACEHOLDER = re.compile(
    r"\{\{|\}\}|\{%|%\}|\[(?:name|company|role|date|your [a-z ]+)\]|(?-i:\bTODO\b|\bXXX\b)", re.IGNORECASE
)
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
# A phrase is in the text only if its longest word is (a word holds no space): most letters hold none.
_FILLER_WORDS = tuple({max(phrase.split(), key=len) for phrase in FILLER})


_PLACEHOLDER_HINTS = ("{{", "}}", "{%", "%}", "[", "todo", "xxx")  # each match holds one of these


@lru_cache(maxsize=256)  # the template's own words are the same for every message of one shape
def _has_placeholder(text: str) -> bool:
    """Whether an unfilled placeholder is left (a substring test first: the regex is the slow part)."""
    lowered = text.lower()
    return any(hint in lowered for hint in _PLACEHOLDER_HINTS) and _PLACEHOLDER.search(text) is not None


def word_limits(method: str, policy: Policy, kind: str = "thank-you") -> tuple[int, int]:
    """The fewest and most words a body of that method (and kind: a check-in email is shorter) may have."""
    if method == "voicemail":
        return 1, policy.voicemail_max_words
    if method == "note":
        return 1, policy.note_max_words
    if kind == "check-in":
        return min(policy.email_min_words, policy.check_in_max_words), policy.check_in_max_words
    return policy.email_min_words, policy.email_max_words


def _subject_too_long(rendered: Rendered, policy: Policy, chars: int) -> str:
    """The subject's length, the limit and how to keep to it: your template's subject is yours to
    shorten; a stock one already took its shortest form, so only the limit can give."""
    how = _values_note(chars, len(rendered.subject), policy, "characters")
    said = f"subject is {chars} characters{how}; keep it to {policy.subject_max_chars} or fewer"
    if _in_stock(rendered):
        return f"{said} (raise policy: subject_max_chars, or write the interview's own template:)"
    return (f"{said} (shorten the template's subject:, leaving out a long value such as interview.role, "
            "or raise policy: subject_max_chars)")  # fmt: skip


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
    if (said := relative_day_word(rendered.subject)) is not None:
        found.append(f"the subject says {said!r}: a reply to it weeks later would still say so; "
                     "name the role or the interview instead")  # fmt: skip
    if _in_stock(rendered) and (again := repeats(rendered)):
        found.append(f"it says {again!r} twice: a letter reads once")
    if _in_stock(rendered) and hola_with_usted(text, rendered.language):
        found.append(_HOLA)
    if (chars := subject_chars(rendered, policy)) > policy.subject_max_chars:
        found.append(_subject_too_long(rendered, policy, chars))
    words = rendered.words if rendered.words is not None else count_words(text)
    low, high = word_limits(method, policy, rendered.kind)
    what = "check-in" if rendered.kind == "check-in" and method == "email" else method
    article = "an" if what[0] in "aeiou" else "a"
    if words < low:  # the fewest: every word the reader reads counts
        found.append(f"{words} word{'s' * (words != 1)}; {article} {what} says enough in {low} to {high}")
    elif (counted := counted_words(rendered, policy)) > high:
        said = f"{counted} words{_values_note(counted, words, policy, 'words')}"
        found.append(f"{said}; keep {article} {what} to {high} or fewer")
    if not THANKS.get(base_language(rendered.language), _THANKS).search(text):
        found.append("it does not thank the reader")
    lowered = text.lower()
    if any(word in lowered for word in _FILLER_WORDS):
        opening = " ".join(lowered.split())
        for phrase in FILLER:
            if phrase in opening:
                found.append(f"filler phrase {phrase!r}: say why you are writing instead")
    return found


def counted_words(rendered: Rendered, policy: Policy) -> int:
    """The body's words as its most-words limit charges them: each name, role, company or topic put in
    counts at most policy.value_max_words (see measure)."""
    words = rendered.words if rendered.words is not None else count_words(rendered.text)
    return charged(words, rendered.body_values, policy.value_max_words)


def subject_chars(rendered: Rendered, policy: Policy) -> int:
    """The subject's characters as its limit charges them (each value at most policy.value_max_chars)."""
    return charged(len(rendered.subject), rendered.subject_values, policy.value_max_chars)


def _values_note(counted: int, total: int, policy: Policy, unit: str) -> str:
    """How a count was made, when the values put in were cut to their allowance."""
    if counted == total:
        return ""
    most = policy.value_max_words if unit == "words" else policy.value_max_chars
    return f" (of {total}: each name, role, company or topic put in counts as at most {most} {unit})"


_HOLA = "it greets with 'Hola' and then says usted: write {{ greeting }} (Estimada …:) or keep to tú"


def advice(item: FollowUp, rendered: Rendered) -> list[str]:
    """What works but a reader would notice: a greeting the name cannot tell, a value in another
    language, a user's template that says a thing twice (each a warning, never a refusal)."""
    found = []
    person = item.interviewer
    spoken = item.method == "voicemail" or (item.kind == "check-in" and not person.email)  # no greeting line
    if not spoken and (hint := greeting_hint(person, rendered.language)) is not None:
        found.append(hint)
    for what, values in (("topics", person.topics), ("note", (person.note,) if person.note else ())):
        for value in values:
            if (hint := language_hint(value, rendered.language)) is not None:
                found.append(f"{what}: {value!r} {hint}")
    if not _in_stock(rendered) and (again := repeats(rendered)):
        found.append(f"your template says {again!r} twice: a letter reads once")
    if not _in_stock(rendered) and hola_with_usted(rendered.text, rendered.language):
        found.append(_HOLA)
    return found


# --- across the messages of one interview ---------------------------------------------------------


def _in_stock(rendered: Rendered) -> bool:

    return Path(rendered.template).is_relative_to(STOCK)


def _letter(item: FollowUp, rendered: Rendered) -> str:
    """A body with the reader's own values taken out: what is left is the letter everyone would get."""
    person = item.interviewer
    text = rendered.text
    values = [person.note or "", join_words(list(person.topics), rendered.language), *person.topics,
              person.name, person.name.split()[0]]  # fmt: skip
    for value in sorted(filter(None, values), key=len, reverse=True):
        text = text.replace(value, "")
    return " ".join(text.split())


def panel_problems(messages: list[tuple[FollowUp, Rendered]]) -> list[tuple[FollowUp, str, bool]]:
    """Two panelists of one interview who would get the same letter, names and topics aside.

    Each finding is (the later follow-up, what is wrong, whether it is an error): an error when the
    letters come from the stock templates (they are written to differ), a warning for a user's own.
    """
    seen: dict[tuple[str, str, str], tuple[FollowUp, Rendered]] = {}
    found = []
    for item, rendered in messages:
        key = (item.interview.id, item.kind, _letter(item, rendered))
        first = seen.setdefault(key, (item, rendered))
        if first[0] is item:
            continue
        stock = _in_stock(rendered) and _in_stock(first[1])
        said = (f"the same letter as {first[0].interviewer.name}'s, names and topics aside: "
                "panelists compare notes (give each a note:, or vary your template)")  # fmt: skip
        found.append((item, said, stock))
    return found


def note_hints(interviews: tuple[Interview, ...]) -> list[tuple[Interview, str]]:
    """Panels still to be thanked where no interviewer has a `note:` (a suggestion, never a problem)."""
    return [
        (interview, f"{interview.id}: a panel of {len(interview.interviewers)} and no note: yet; a line in "
                    "your own words for each (something they said, an answer you want to add) makes "
                    "each letter theirs")
        for interview in interviews
        if len(interview.interviewers) >= 2 and interview.status == "open"
        and "thank-you" not in interview.done and not any(p.note for p in interview.interviewers)
    ]  # fmt: skip
