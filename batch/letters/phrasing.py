"""What makes each letter its own: the interview's day as the reader says it, and a phrasing per panelist.

The day words come from CLDR through Babel (weekday and month names, "today", "yesterday", "last
Thursday"); only the little words that join them to a sentence ("on", "de", "del") are ours, one short
rule per shipped language. Babel is imported here, inside the functions: rendering needs it, the idle
cron run never renders.

A stock template holds several phrasings of its parts (opening, interest, close). Each interviewer of a
panel gets a different combination: a stable hash of the interview id and the person ranks the panel,
and the rank walks the combinations so that the first few panelists differ in every part. The places
run on across the rounds of one hiring process (batch/model/rounds.py): a person new in a later round
takes the next place after everyone met before, so their letter is none of their colleagues'.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from batch.model.interview import Interview, Interviewer
from batch.model.languages import base_language, locale_name
from batch.model.rounds import person_keys, rounds


@dataclass(frozen=True, slots=True)
class DayWords:
    """The interview's day as the reader says it at the moment they read: in a sentence and before a noun."""

    when: str  # "today", "yesterday", "on Monday", "last Thursday", "on February 8"
    of: str  # "today's", "Monday's", "our February 8" (en); "d’hier", "du 8 février" (fr); "del lunes" (es)
    weekday: str  # "Tuesday"
    date: str  # "February 8"
    relative: str  # today | yesterday | weekday | last | date


def relative_day(held: date, read: date, spoken_soon: bool = True) -> str:
    """How far the reader is from the interview's day: today, yesterday, weekday (this week), last, date.

    A card arrives days after it is written, so `spoken_soon=False` never says today or yesterday.
    """
    days = (read - held).days
    if days < 0 or days > 6:
        return "date"
    if spoken_soon and days <= 1:
        return ("today", "yesterday")[days]
    if held.weekday() < read.weekday() or not spoken_soon:
        return "weekday"  # the same week: "on Monday" is unambiguous
    return "last"


@lru_cache(maxsize=4096)  # a batch says a few days in a few languages, thousands of times
def day_words(language: str, held: date, read: date, spoken_soon: bool = True) -> DayWords:
    """The interview's day `held` as said on day `read` in that language (a BCP 47 code such as fr-CA)."""
    # late: Babel's CLDR data is heavy; the idle cron run renders nothing
    from babel import Locale
    from babel.dates import format_date, format_skeleton

    locale = Locale.parse(locale_name(language))
    relative = relative_day(held, read, spoken_soon)
    fields = locale._data["date_fields"]  # CLDR's relative words; Babel has no public call for them
    weekday = format_date(held, "EEEE", locale=locale)
    on_date = _first_of_month(
        language, held, format_skeleton("MMMMd" if held.year == read.year else "yMMMMd", held, locale=locale)
    )
    if relative in ("today", "yesterday"):
        word = fields["day"]["relative"][0 if relative == "today" else -1]
    elif relative == "last":
        word = fields[("mon", "tue", "wed", "thu", "fri", "sat", "sun")[held.weekday()]]["relative"][-1]
    else:
        word = weekday if relative == "weekday" else on_date
    when, of = _GLUE.get(base_language(language), _bare)(word, relative)
    return DayWords(when, of, weekday, on_date, relative)


@lru_cache(maxsize=1024)
def decision_words(language: str, decided: date, read: date) -> str:
    """The day a decision was hoped for, as a date ("December 4", "4 décembre"; with its year when
    it is not the reader's year): never a relative word, which would be false a week later."""
    # late: as in day_words
    from babel.dates import format_skeleton

    skeleton = "MMMMd" if decided.year == read.year else "yMMMMd"
    return _first_of_month(
        language, decided, str(format_skeleton(skeleton, decided, locale=locale_name(language)))
    )


def _first_of_month(language: str, day: date, said: str) -> str:
    """French writes the first of a month as an ordinal: 1er décembre (CLDR gives 1 décembre)."""
    if day.day == 1 and base_language(language) == "fr" and said.startswith("1 "):
        return "1er " + said[2:]
    return said


def _bare(word: str, relative: str) -> tuple[str, str]:
    """A language we ship no templates for: the CLDR words as they are, for the user's own template."""
    return word, word


def _english(word: str, relative: str) -> tuple[str, str]:
    if relative in ("weekday", "date"):
        return f"on {word}", (f"{word}'s" if relative == "weekday" else f"our {word}")
    return word, f"{word}'s"


def _french(word: str, relative: str) -> tuple[str, str]:
    if relative == "date":
        return f"le {word}", f"du {word}"
    elided = word[:1] in "aeiouhâéè"  # d’hier, d’aujourd’hui
    return word, (f"d’{word}" if elided else f"de {word}")


def _spanish(word: str, relative: str) -> tuple[str, str]:
    if relative in ("weekday", "date"):
        word = f"el {word}"
    if word.startswith("el "):  # el lunes, el jueves pasado: del lunes
        return word, "del " + word[3:]
    return word, f"de {word}"


_GLUE = {"en": _english, "fr": _french, "es": _spanish}


# --- one phrasing per panelist -------------------------------------------------------------------


def _digest(*parts: str) -> bytes:
    # hashlib, never hash(): Python salts str hashes per process, and a re-render must be identical
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()


@lru_cache(maxsize=4096)
def rank(interview_id: str, panel: tuple[str, ...], person: str) -> int:
    """The person's place in the panel, in an order fixed by the interview id and each person alone."""
    if len(panel) == 1:  # the first, whatever the order (or 0 for someone not on it, as below)
        return 0
    order = sorted(panel, key=lambda who: (_digest(interview_id, who), who))
    return order.index(person) if person in order else 0


@lru_cache(maxsize=4096)
def combination(interview_id: str, place: int, counts: tuple[int, ...]) -> tuple[int, ...]:
    """The phrasing of each part for the panelist at `place`: all distinct while place < the product.

    The place, written in mixed radix over the counts, is spread over every part (each part adds the
    digits before it), so the first min(counts) panelists differ in every part, not only in one.
    """
    start = _digest(interview_id, "phrasing")
    total = 1
    for count in counts:
        total *= count
    place %= max(total, 1)
    chosen, carried = [], 0
    for n, count in enumerate(counts):
        digit = place % count
        place //= count
        carried += digit
        chosen.append((start[n] + carried) % count)
    return tuple(chosen)


def phrasing(
    interview_id: str, panel: tuple[str, ...], person: str, parts: tuple[tuple[str, int], ...]
) -> dict[str, int]:
    """Which phrasing of each part (by name) this person's letter uses."""
    if not parts:
        return {}
    counts = tuple(count for _, count in parts)
    chosen = combination(interview_id, rank(interview_id, panel, person), counts)
    return {name: index for (name, _), index in zip(parts, chosen, strict=True)}


def who(person: Interviewer) -> str:
    """A panelist as the phrasing choice knows them (cheaper than keys.handle, and as stable)."""
    return (person.email or person.name).casefold()


def process_place(
    interview: Interview, person: Interviewer, interviews: Sequence[Interview]
) -> tuple[str, int]:
    """The seed (the process's first interview id) and the person's place across the hiring process.

    Each round's people not met before take the next places, in the order `rank` gives that round;
    someone met again keeps their first place. The first round's places are its ranks, as for a panel
    alone, so a process of one interview reads as it always did.
    """
    found = rounds(interviews).get(interview.id) if interviews else None
    if found is None or len(found.process) == 1:
        return interview.id, rank(interview.id, tuple(who(p) for p in interview.interviewers), who(person))
    by_id = {earlier.id: earlier for earlier in interviews}
    places: dict[str, int] = {}
    for step in found.process:
        held = interview if step == interview.id else by_id[step]
        new = [p for p in held.interviewers if person_keys(p).isdisjoint(places)]
        for one in sorted(new, key=lambda p: (_digest(step, who(p)), who(p))):
            places.update(dict.fromkeys(person_keys(one), len({*places.values()})))
        if step == interview.id:
            break
    return found.process[0], next((places[key] for key in person_keys(person) if key in places), 0)


def process_phrasing(
    interview: Interview,
    person: Interviewer,
    interviews: Sequence[Interview],
    parts: tuple[tuple[str, int], ...],
) -> dict[str, int]:
    """Which phrasing of each part this person's letter uses, no one earlier in the process's (while
    there are enough combinations)."""
    if not parts:
        return {}
    seed, place = process_place(interview, person, interviews)
    chosen = combination(seed, place, tuple(count for _, count in parts))
    return {name: index for (name, _), index in zip(parts, chosen, strict=True)}
