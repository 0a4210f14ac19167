"""The day an out-of-office reply says its writer is back, read in the languages people write.

Month and weekday names come from Babel's CLDR data for English, French, German (and Austria's Jänner),
Spanish, Portuguese, Italian and Dutch, in every form it gives (wide, abbreviated; format, stand-alone),
also without their accents. A phrase such as "back on 8 December", "de retour le 8 décembre", "ab dem
8.12. wieder", "regreso el martes 5 de enero", "me reincorporo el 21 de diciembre", "rientro il 5
gennaio", "vanaf 5 januari weer" names the day they are back, and so does a date followed in its clause
by a word that says so where the verb comes last ("am 21.12. wieder im Büro", "5 januari weer op
kantoor"); "until 7 December", "jusqu'au 7 décembre", "bis 7. Dezember", "hasta el 4 de enero", "até 4
de janeiro", "fino al 4 gennaio", "tot en met 4 januari" their last day away. An English ordinal alone
("I return on the 14th") is the nearest such day ahead. A phrase of the first
kind wins over one of the second. A short joining word ("to", "au", "al", "tot") counts only right
before its date: "je reviens au bureau le 5 janvier" is a return, not an absence until the 5th.

A date without a year, or a numeric date whose day and month could be swapped (`08/12/2026`, `12/8`),
takes the reading that is on or after the day the auto-reply was written and nearest to it (within half
a year); a weekday named just before it ("mardi 08/12") picks the reading that falls on that weekday
when one does. A date with the month in words, in ISO form or in the dotted European form (`8.12.`) is
not ambiguous. A date already past when written says nothing.

Babel loads on the first reading (the mailbox path only, never the idle cron run).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

LOCALES = ("en", "fr", "de", "de_AT", "es", "pt", "pt_PT", "it", "nl")
# Abbreviations that are everyday English words ("out" is Portuguese for October): never a month
_NOT_MONTHS = frozenset({"out", "set", "ago"})
_BACK = (
    "back", "return", "returns", "returning", "in the office again", "available again",
    "de retour", "retour", "reviens", "rentre", "reprendrai", "à partir du", "dès le",
    "zurück", "wieder", "ab dem", "ab",
    "regreso", "regresaré", "regresare", "de vuelta", "vuelvo", "volveré", "volvere", "de regreso",
    "me reincorporo", "me reincorporaré", "me reincorporare", "me incorporo", "me incorporaré",
    "me incorporare", "reincorporo", "reincorporaré", "reincorporare", "a partir del",
    "de volta", "retorno", "retornarei", "regresso", "regressarei", "volto", "voltarei", "a partir de",
    "rientro", "rientrerò", "rientrero", "di ritorno", "di nuovo", "torno", "tornerò", "tornero",
    "a partire dal",
    "terug", "vanaf", "weer",
)  # fmt: skip
# Words that say "back" after their date, where the verb comes last: "am 21.12. wieder im Büro",
# "ik ben 5 januari weer op kantoor"; looked for between a date and the end of its clause
_BACK_AFTER = ("wieder", "zurück", "zurueck", "weer", "terug")
_UNTIL = (
    "until", "till", "til", "through", "thru", "to", "jusqu'au", "jusqu’au", "jusqu'à", "jusqu’à", "au",
    "bis", "bis zum", "einschließlich", "hasta", "hasta el", "al", "até", "ate", "até o", "fino al",
    "fino a", "tot en met", "t/m", "tot",
)  # fmt: skip
_SHORT = frozenset({"to", "au", "al", "tot"})  # joining words that count only right before their date
_CONTEXT = 60  # characters before a date in which its keyword is looked for
_HORIZON = timedelta(days=183)  # a later reading is more likely a misreading than an absence


@dataclass(frozen=True, slots=True)
class _Words:
    """The names and patterns, made once from Babel's data."""

    months: dict[str, int]
    weekdays: dict[str, int]  # Monday is 0, as date.weekday()
    date: re.Pattern[str]
    keyword: re.Pattern[str]
    weekday_before: re.Pattern[str]
    joined: re.Pattern[str]  # what may stand between a short joining word and its date


def _plain(name: str) -> set[str]:
    """A name as written and without accents (décembre, decembre; märz, marz, maerz)."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return {name, bare, name.replace("ä", "ae")}


@cache
def _words() -> _Words:
    # late: Babel's data is loaded only when an auto-reply is read
    from babel.dates import get_day_names, get_month_names

    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    for locale in LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    for form in _plain(name.lower().rstrip(".")):
                        months.setdefault(form, number)
                for number, name in get_day_names(width, context, locale).items():
                    for form in _plain(name.lower().rstrip(".")):
                        weekdays.setdefault(form, number)
                        weekdays.setdefault(form.partition("-")[0], number)  # terça-feira, terça
    months.setdefault("sept", 9)  # English writers use it too
    for word in _NOT_MONTHS:
        months.pop(word, None)
    joined = re.compile(
        rf"\W*(?:(?:le|el|the|il|o|de|den|dem)\W+)?(?:(?:{_alternatives(weekdays)})\W*)?", re.IGNORECASE
    )
    return _Words(
        months, weekdays, _date_pattern(months), _keyword_pattern(), _weekday_pattern(weekdays), joined
    )


def _alternatives(names: Iterable[str]) -> str:
    """A regex alternation of the names, longest first (a regex takes the first that matches)."""
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


def _date_pattern(months: dict[str, int]) -> re.Pattern[str]:
    month = _alternatives(months)
    return re.compile(
        r"(?<![\w./-])(?:"
        r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
        rf"|(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er|e|º|°|\.)?\s+(?:of\s+|de\s+)?(?P<m1>{month})\.?"
        rf"(?:,?\s+(?:de\s+)?(?P<y1>\d{{4}}))?"
        rf"|(?P<m2>{month})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
        r"|(?P<d3>\d{1,2})\.(?P<m3>\d{1,2})\.(?:(?P<y3>\d{4}|\d{2})(?!\d))?"
        r"|(?P<a4>\d{1,2})/(?P<b4>\d{1,2})(?:/(?P<y4>\d{4}|\d{2}))?"
        r"|(?P<d5>\d{1,2})(?:st|nd|rd|th)"  # the day alone, as an English ordinal: "on the 14th"
        r")(?![\w/])",
        re.IGNORECASE,
    )


def _keyword_pattern() -> re.Pattern[str]:
    return re.compile(
        rf"(?<!\w)(?:(?P<back>{_alternatives(_BACK)})|(?P<until>{_alternatives(_UNTIL)}))(?!\w)",
        re.IGNORECASE,
    )


def _weekday_pattern(weekdays: dict[str, int]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?P<day>{_alternatives(weekdays)})\W{{0,3}}$", re.IGNORECASE)


def read_return_date(text: str, written: date) -> tuple[date, str] | None:
    """The date an auto-reply names, and whether it is the day they are `back` or the last day `until`
    which they are away; None when it names no such date."""
    words = _words()
    back: date | None = None
    until: list[date] = []
    for match in words.date.finditer(text):
        keyword = _keyword_before(words, text, match.start()) or _keyword_after(text, match.end())
        if keyword is None:
            continue
        day = _resolve(words, match, written, _weekday_before(words, text, match.start()))
        if day is None:
            continue
        if keyword == "back":
            back = back or day
        else:
            until.append(day)
    if back is not None:
        return back, "back"
    return (max(until), "until") if until else None


def _keyword_before(words: _Words, text: str, start: int) -> str | None:
    """`back` or `until`, from the keyword nearest before a date in the same sentence (a short joining
    word only right before it)."""
    before = re.split(r"[\n!?;]|\.\s", text[max(0, start - _CONTEXT) : start])[-1]
    for found in reversed(list(words.keyword.finditer(before))):
        if found.group(0).lower() in _SHORT and not words.joined.fullmatch(before[found.end() :]):
            continue
        return "back" if found.group("back") else "until"
    return None


def _keyword_after(text: str, end: int) -> str | None:
    """`back` when a word that says so follows a date in its own clause, before any other number."""
    after = re.split(r"[\n!?;,:\d]|\.\s", text[end : end + _CONTEXT])[0]
    return "back" if _AFTER.search(after) else None


_AFTER = re.compile(rf"(?<!\w)(?:{'|'.join(_BACK_AFTER)})(?!\w)", re.IGNORECASE)


def _weekday_before(words: _Words, text: str, start: int) -> int | None:
    """The weekday named just before a date ("martes 5", "Tuesday, 08/12"), if one is."""
    found = words.weekday_before.search(text[max(0, start - 20) : start])
    return words.weekdays.get(found["day"].lower()) if found else None


def _resolve(words: _Words, match: re.Match[str], written: date, weekday: int | None) -> date | None:
    """The reading of a date that is on or after `written` and nearest to it (within half a year), on
    the weekday named before it when a reading is."""
    group = match.groupdict()
    if group["iy"]:
        readings = [(int(group["iy"]), int(group["im"]), int(group["id"]))]
    else:
        year = group["y1"] or group["y2"] or group["y3"] or group["y4"]
        years = [_full_year(year)] if year else [written.year, written.year + 1]
        readings = [(y, m, d) for y in years for m, d in _month_days(words, group)]
    found = []
    for y, m, d in readings:
        try:
            found.append(date(y, m, d))
        except ValueError:
            continue
    last = written + _HORIZON if written < date.max - _HORIZON else date.max
    ahead = [day for day in found if written <= day <= last]
    on_the_day = [day for day in ahead if day.weekday() == weekday]
    return min(on_the_day or ahead) if ahead else None


def _month_days(words: _Words, group: dict[str, str | None]) -> list[tuple[int, int]]:
    if group["m1"] or group["m2"]:
        name = str(group["m1"] or group["m2"]).lower()
        return [(words.months[name], int(str(group["d1"] or group["d2"])))]
    if group["d3"]:
        return [(int(str(group["m3"])), int(str(group["d3"])))]
    if group["d5"]:  # no month: every month's, the nearest ahead wins
        return [(month, int(str(group["d5"]))) for month in range(1, 13)]
    first, second = int(str(group["a4"])), int(str(group["b4"]))
    return [(second, first), (first, second)]  # day/month and month/day: both are in use


def _full_year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)
