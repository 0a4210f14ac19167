"""Parsers for single YAML values: each takes the raw value and returns it typed or raises ValueError.

Past 300 lines: one short function per kind of value (text, address, zone, dates, counts …), each
with the wording of its own errors; splitting them by kind would only scatter the list `spec` reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from batch.model.calendars import holiday_entity

# A dot-atom before the @ and letters-digits-hyphens labels after, with a letters-only top level: an
# address email-validator accepts as it is. Anything else is for email-validator to decide.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_EMAIL = re.compile(
    rf"{_ATEXT}(?:\.{_ATEXT})*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z]{{2,63}}"
)
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion"})  # refused; .test is allowed
_DURATION = re.compile(r"^\s*(?:([0-9]{1,4})\s*h)?\s*(?:([0-9]{1,5})\s*m(?:in)?)?\s*$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# C0 and C1 controls and the Unicode line separators: any of them could split a mail header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Dates outside these years are typos; refusing them keeps date arithmetic far from its limits.
FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_COUNT = 10_000
_KINDS: dict[type, str] = {dict: "a mapping", list: "a list", str: "text"}


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to a mistyped word, if one is near enough."""
    import difflib  # only a mistake needs it: kept off the path of a file with none

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def parse_text(raw: object) -> str:
    """A one-line piece of text: names, companies, roles (they end up in headers and greetings)."""
    if not isinstance(raw, str):
        raise ValueError(f"expected text, found {_kind(raw)}")
    value = raw.strip()
    if not value:
        raise ValueError("must not be empty")
    # isprintable() is False for every character _CONTROL matches; it is the cheap test of the two
    if not value.isprintable() and _CONTROL.search(value):
        raise ValueError("must be one line with no control characters")
    return value


def parse_long_text(raw: object) -> str:
    """Free text that may span lines (notes)."""
    if not isinstance(raw, str):
        raise ValueError(f"expected text, found {_kind(raw)}")
    return raw.strip()


MAX_ADDRESS_LINES = 6  # what an envelope holds: name, organisation, two street lines, town, country


def parse_address(raw: object) -> str:
    """A postal address: text of at most six lines, each trimmed, blank lines dropped."""
    if not isinstance(raw, str):
        raise ValueError(f"expected text, found {_kind(raw)} (write the lines under `address: |`)")
    lines = [line.strip() for line in raw.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError("must not be empty")
    if len(lines) > MAX_ADDRESS_LINES:
        raise ValueError(f"{len(lines)} lines; an address has at most {MAX_ADDRESS_LINES} lines")
    for number, line in enumerate(lines, start=1):
        found = _CONTROL.search(line)
        if found:
            raise ValueError(f"a control character (U+{ord(found[0]):04X}) on line {number}; take it out")
    return "\n".join(lines)


def parse_id(raw: object) -> str:
    """An interview id: letters, digits, dot, dash and underscore; the ledger keys on it."""
    value = parse_text(raw)
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not a valid id (use letters, digits, '-', '_' or '.')")
    return value


def parse_email(raw: object) -> str:
    """An email address as mail can carry it: the syntax and the domain checked by email-validator.

    The address is kept as written (the ledger's keys are made from it); mime writes an
    internationalised domain in the ASCII form email-validator gives it.
    """
    value = parse_text(raw)
    if _PLAIN_EMAIL.fullmatch(value) and _plainly_valid(value):
        return value  # the everyday address, decided without importing the validator (~25 ms)
    local, at, _ = value.rpartition("@")
    if at and not local.isascii():  # it would need SMTPUTF8, which few servers and no yagmail path offer
        raise ValueError(f"{value!r}: letters outside ASCII before the @ cannot be sent (ask for another)")
    # late: email-validator loads idna and dnspython; only a non-ASCII address needs it
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False, test_environment=True, allow_smtputf8=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise ValueError(f"{value!r} is not an email address ({reason[:1].lower()}{reason[1:]})") from None
    return value


def _plainly_valid(value: str) -> bool:
    # The lengths and domains email-validator refuses that the pattern cannot see; the rest go to it.
    local, _, domain = value.rpartition("@")
    tld = domain.rpartition(".")[2].lower()
    return len(local) <= 64 and len(value) <= 254 and "--" not in domain and tld not in _SPECIAL_USE


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name (cached: the same few zones recur in every file)."""
    return ZoneInfo(name)


def parse_zone(raw: object) -> str:
    """An IANA time zone name such as America/Toronto."""
    value = parse_text(raw)
    try:
        zone(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as 'America'
        hint = closest(value, _zone_names())
        more = f" (did you mean {hint!r}?)" if hint else " (an IANA name such as Europe/Berlin)"
        raise ValueError(f"unknown time zone {value!r}{more}") from None
    return value


# Zone names that are valid but rarely what a person means: a fixed offset that never moves for daylight
# time (EST is UTC-5 in July too), or the old US rule names. Each with the city zone to write instead.
_CITY_ZONES = {
    "EST": "America/New_York",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST": "America/Denver, or America/Phoenix where daylight time is not kept",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
    "posixrules": "America/New_York",
}
# Valid names that say nothing of where the person is (this machine's zone, or none set at all).
_NO_PLACE = ("localtime", "Factory")


def zone_warning(name: str) -> str | None:
    """Why a valid zone name is likely not what was meant, naming the city zone to use; None if it is fine."""
    if name.startswith("right/"):
        return (f"warning: timezone {name!r} counts leap seconds, so its clock runs half a minute off; "
                f"write {name.removeprefix('right/')}")  # fmt: skip
    if name in _NO_PLACE:
        return (f"warning: timezone {name!r} names no place (this machine's zone, or none); write the "
                "city zone where the person lives, e.g. America/New_York or Europe/Berlin")  # fmt: skip
    city = _CITY_ZONES.get(name)
    if city is None and re.fullmatch(r"Etc/GMT[+-](?:[1-9]|1[0-4])", name):
        city = "the city zone where the person lives, e.g. America/New_York or Europe/Berlin"
    if city is None:
        return None
    if name == "posixrules":
        what = "the tz database's default rules (New York's), whatever the place"
    elif name.isalpha() or name.startswith("Etc/"):
        what = "a fixed offset from UTC that never changes for daylight time"
    else:
        what = "an old name for United States rules, whatever the place"
    return f"warning: timezone {name!r} is {what}; write {city}"


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_country(raw: object) -> str:
    """A country as its two-letter ISO 3166 code, such as CA or GB; `none` (kept as "") for no holidays."""
    value = parse_text(raw)
    if value.casefold() == "none":  # no public holidays at all, not even those the time zone implies
        return ""
    if _countries().get(value.casefold()) == value.upper():
        return value.upper()
    hint = _nearest(_letters(value), _countries(), 0.8)  # CAN, Canada, Canda and UK all have a code
    more = f"did you mean {hint!r}?" if hint else "a two-letter code such as CA, GB or US"
    raise ValueError(f"unknown country {value!r} ({more})")


def parse_subdivision(country: str, raw: object) -> str:
    """A province, state or region of that country by its code, such as ON in CA or ENG in GB."""
    value = parse_text(raw)
    entity = holiday_entity(country)
    codes: tuple[str, ...] = tuple(getattr(entity, "subdivisions", ()))
    found = {code.casefold(): code for code in codes}
    if value.casefold() in found:
        return found[value.casefold()]
    if not codes:
        raise ValueError(f"the holiday calendar of {country} has no subdivisions (leave subdivision: out)")
    names = {name.casefold(): code for name, code in getattr(entity, "subdivisions_aliases", {}).items()}
    hint = _nearest(value.casefold(), names, 0.7) or _nearest(value.casefold(), found, 0.6)
    listed = ", ".join(codes) if len(codes) <= 30 else ", ".join(codes[:10]) + f" … ({len(codes)} in all)"
    more = (f"did you mean {hint!r}? " if hint else "") + f"{country} has {listed}"
    raise ValueError(f"unknown subdivision {value!r} of {country} ({more})")


@cache
def _countries() -> dict[str, str]:
    """The code of every country the holiday calendars know, by its code, alpha-3 code and name, squeezed."""
    from holidays.registry import COUNTRIES  # the list alone: listing the calendars imports all 250

    found: dict[str, str] = {}
    for key, (name, code, *others) in COUNTRIES.items():
        for word in (code, key, name, *others):
            found.setdefault(_letters(word), code)
    return found


def _letters(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.casefold())


def _nearest(word: str, table: Mapping[str, str], cutoff: float) -> str | None:
    """The value of the key equal or nearest to word, if one is near enough."""
    if word in table:
        return table[word]
    import difflib  # only a mistake needs it

    near = difflib.get_close_matches(word, list(table), n=1, cutoff=cutoff)
    return table[near[0]] if near else None


def _check_year(moment: date, value: str) -> None:
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"{value!r} is not a plausible date (the year must be {FIRST_YEAR}–{LAST_YEAR})")


_Day = TypeVar("_Day", bound=date)  # a date, or a datetime
_YMD = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip


def _no_such_day(value: str) -> str | None:
    """Why a value that starts YYYY-MM-DD names no day of the calendar, in words; None if it does."""
    match = _YMD.match(value)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        date(year, month, day)
    except ValueError as exc:  # datetime says which part is out of range; we say it in words
        if "month" in str(exc) and not 1 <= month <= 12:
            return f"there is no month {month} (write YYYY-MM-DD)"
        if "day is out of range" in str(exc) and year >= 1:
            last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
            return f"{_MONTHS[month - 1]} {year} has no {_ordinal(day)} (it has {last} days)"
    return None


def _read_day(value: str, read: Callable[[str], _Day], form: str) -> _Day:
    """`read(value)`; else a ValueError naming the part of the calendar that is not there, or `form`."""
    try:
        return read(value)
    except ValueError:
        why = _no_such_day(value)
        raise ValueError(f"{value!r}: {why}" if why else f"{value!r} is not {form}") from None


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def parse_wall_time(raw: object) -> datetime:
    """A local date and time, 'YYYY-MM-DD HH:MM', without an offset."""
    value = parse_text(raw)
    moment = _read_day(value, datetime.fromisoformat, "a date and time (write YYYY-MM-DD HH:MM)")
    if moment.tzinfo is not None:
        raise ValueError("write the local time without an offset; the zone comes from timezone:")
    if len(value) <= 10:
        raise ValueError(f"{value!r} has no time of day (write YYYY-MM-DD HH:MM)")
    _check_year(moment, value)
    return moment


def parse_date(raw: object) -> date:
    """A calendar date, 'YYYY-MM-DD'."""
    value = parse_text(raw)
    day = _read_day(value, date.fromisoformat, "a date (write YYYY-MM-DD)")
    _check_year(day, value)
    return day


def parse_duration(raw: object) -> timedelta:
    """A length such as 45m, 1h or 1h30m."""
    value = parse_text(raw)
    match = _DURATION.match(value)
    if not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration (write 45m, 1h or 1h30m)")
    length = timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))
    if not timedelta(0) < length <= timedelta(hours=24):
        raise ValueError("a duration must be more than 0 and at most 24h")
    return length


def parse_clock(raw: object) -> time:
    """A time of day, 'HH:MM'."""
    value = parse_text(raw)
    try:
        clock = time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day (write HH:MM)") from None
    if clock.tzinfo is not None:  # the clock is read in the recipient's zone, never a fixed offset
        raise ValueError(f"{value!r}: write the time of day without an offset")
    return clock


def parse_flag(raw: object) -> bool:
    """true or false (also yes/no, as YAML 1.1 writes them)."""
    value = parse_text(raw).casefold()
    if value in ("true", "yes", "on"):
        return True
    if value in ("false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def parse_count(raw: object) -> int:
    """A whole number, zero or more (at most MAX_COUNT: larger numbers are typos)."""
    value = parse_text(raw)
    if not value.isascii() or not value.isdigit():
        raise ValueError(f"{value!r} is not a whole number")
    if len(value.lstrip("0")) > 5 or int(value) > MAX_COUNT:
        raise ValueError(f"{value} is too large (at most {MAX_COUNT})")
    return int(value)


def parse_seconds(raw: object) -> float:
    """A number of seconds, zero or more."""
    value = parse_text(raw)
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number of seconds") from None
    if not 0 <= number <= 3600:
        raise ValueError("must be between 0 and 3600 seconds")
    return number


def parse_mapping(raw: object) -> dict[str, object]:
    """A mapping of keys and values."""
    if not isinstance(raw, dict):
        raise ValueError(f"expected a mapping of keys and values, found {_kind(raw)}")
    return raw


def _kind(raw: object) -> str:
    if raw is None:
        return "nothing"
    return _KINDS.get(type(raw), type(raw).__name__)
