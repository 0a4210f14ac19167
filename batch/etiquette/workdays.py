"""Working time, in one place: the recipient's window, their working days and their public holidays.

Times are wall-clock times in the recipient's zone, so a Monday 08:00 after a daylight-saving change
carries that Monday's offset. A public holiday where the recipient works is not a working day; its
calendar (the `holidays` package, deterministic and cached per country, region and year) is looked up
only when a policy names a country.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import groupby
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from batch.model.calendars import holiday_entity
from batch.model.policy import LocalPolicy, Policy

if TYPE_CHECKING:
    from holidays import HolidayBase

    from batch.model.interview import Interview, Interviewer


def is_open(moment: datetime, there: ZoneInfo, policy: Policy) -> bool:
    """Whether the recipient is at work at that moment: a working day, inside their window."""
    local = moment.astimezone(there)
    if not policy.window_start <= local.time() < policy.window_end:
        return False
    return is_working_day(local.date(), policy)


def next_opening(moment: datetime, there: ZoneInfo, policy: Policy) -> datetime:
    """The moment itself if it falls inside the recipient's working hours, else the next opening."""
    local = moment.astimezone(there)
    day, clock = local.date(), local.time()
    working = day.weekday() in policy.workdays and (not policy.country or is_working_day(day, policy))
    if working and clock < policy.window_end:
        if clock >= policy.window_start:
            return local
        return at(day, policy.window_start, there)
    return at(add_business_days(day, 1, policy), policy.window_start, there)


def add_business_days(day: date, count: int, policy: Policy) -> date:
    """The date `count` working days after `day` (days off and public holidays are skipped)."""
    if not policy.workdays:
        raise ValueError("policy.workdays is empty")
    workdays, country = policy.workdays, policy.country
    while count > 0:
        day += timedelta(days=1)
        # the country test first spares the call where none is set (the idle cron run, the benchmark)
        if day.weekday() in workdays and (not country or is_working_day(day, policy)):
            count -= 1
    return day


def is_working_day(day: date, policy: Policy) -> bool:
    """Whether the recipient works that day: one of the workdays, and no public holiday where they are."""
    if day.weekday() not in policy.workdays:
        return False
    return not policy.country or day not in holiday_calendar(policy.country, policy.subdivision, day.year)


def holidays_between(first: date, last: date, policy: Policy) -> str:
    """The public holidays on workdays from `first` up to `last` (excluded), named with their place."""
    found: dict[tuple[str, str], None] = {}  # in date order, each once (a festival may last days)
    day = first
    while day < last:
        if day.weekday() in policy.workdays and (holiday := _holiday(day, policy)) is not None:
            found[holiday] = None
        day += timedelta(days=1)
    if not found:
        return ""
    groups = groupby(found, key=lambda holiday: holiday[1])
    return ", ".join(" and ".join(name for name, _ in names) + f" ({place})" for place, names in groups)


def _holiday(day: date, policy: Policy) -> tuple[str, str] | None:
    """('Canada Day', 'CA'); ('Family Day', 'CA-ON') for a holiday of the region alone; None on other days."""
    country, region = policy.country, policy.subdivision
    if not country:
        return None
    name = holiday_calendar(country, region, day.year).get(day)
    if name is None:
        return None
    national = region is None or day in holiday_calendar(country, None, day.year)
    return name, country if national else f"{country}-{region}"


def at(day: date, clock: time, there: ZoneInfo) -> datetime:
    """That wall-clock time on that day in that zone; a time skipped by DST moves forward."""
    naive = datetime.combine(day, clock)
    local = naive.replace(tzinfo=there)
    return local.astimezone(UTC).astimezone(there)


def recipient_policy(
    policy: Policy, interview: Interview, person: Interviewer, there: str | None = None
) -> Policy:
    """The policy for one recipient: their own holidays, else the interview's, else those of the place
    their time zone names (`there`), the top level's country refining it (its region) where it is the
    same country, and standing in where the zone names no country."""
    local = person.policy or interview.policy
    if local is None and there is not None:
        local = _zone_place(policy, there)
    return policy if local is None else _placed(policy, local)


def home_policy(policy: Policy, there: str) -> Policy:
    """The policy for your own reminders: the holidays of where you are (your time zone), refined by the
    top level's country where you are in it."""
    local = _zone_place(policy, there)
    return policy if local is None else _placed(policy, local)


def _zone_place(policy: Policy, there: str) -> LocalPolicy | None:
    """The place whose holidays a zone's people keep, or None where the top level's policy says it.

    The top level's country is where you expect most of the panel, not a calendar for the world: a
    recipient whose zone lies in another country keeps their own (a Los Angeles reader has US
    Thanksgiving off, whatever `country: CA` says). `country: none` (no holidays) is for everyone.
    """
    if policy.country == "":
        return None
    placed = place_of_zone(there)
    if placed is None or policy.country == placed.country:
        return None if policy.country is not None else placed
    return placed


def top_country_disagrees(policy: Policy, there: str) -> str | None:
    """The country a zone lies in, when the top level names another (whose holidays it then does not keep)."""
    placed = place_of_zone(there) if policy.country else None
    return placed.country if placed is not None and placed.country != policy.country else None


# Zones whose country has regional holidays, and the region the zone's city is in. A zone that spans
# several regions names the one of its namesake city (America/Toronto also covers most of Quebec:
# there, set `policy: {country: CA, subdivision: QC}`). Zones not listed get the national holidays
# of the country tzdata's zone.tab gives them.
ZONE_REGIONS: dict[str, str] = {
    "America/Toronto": "ON", "America/Vancouver": "BC", "America/Edmonton": "AB",
    "America/Winnipeg": "MB", "America/Regina": "SK", "America/Halifax": "NS",
    "America/St_Johns": "NL", "America/Moncton": "NB",
    "America/New_York": "NY", "America/Chicago": "IL", "America/Denver": "CO",
    "America/Phoenix": "AZ", "America/Los_Angeles": "CA", "America/Anchorage": "AK",
    "Pacific/Honolulu": "HI", "America/Detroit": "MI",
    "Europe/Berlin": "BE", "Europe/London": "ENG", "Europe/Madrid": "MD", "Europe/Zurich": "ZH",
    "Europe/Vienna": "9",
    "Australia/Sydney": "NSW", "Australia/Melbourne": "VIC", "Australia/Brisbane": "QLD",
    "Australia/Perth": "WA", "Australia/Adelaide": "SA", "Australia/Hobart": "TAS",
    "Australia/Darwin": "NT",
}  # fmt: skip


# Zones of their own in the tz database that are no place, but name the rules of one (fields warns).
_RULE_ZONES = {"EST5EDT": "America/New_York", "CST6CDT": "America/Chicago", "MST7MDT": "America/Denver",
               "PST8PDT": "America/Los_Angeles", "posixrules": "America/New_York"}  # fmt: skip


@cache
def place_of_zone(name: str) -> LocalPolicy | None:
    """The country (and region, where ZONE_REGIONS knows it) whose holidays a time zone implies."""
    countries = _zone_countries()
    # zone.tab lists canonical zones only: an alias (US/Eastern, GB, Asia/Calcutta) is looked up as
    # the zone it links to, read only then, so the idle run's lookups of city zones never parse links;
    # posix/ holds a copy of every zone, and the old US rule names stand for a US city's rules
    zone_name = name.removeprefix("posix/")
    zone_name = _RULE_ZONES.get(zone_name, zone_name)
    if zone_name not in countries:
        zone_name = _zone_links().get(zone_name, zone_name)
    country = countries.get(zone_name)
    if country is None:
        return None
    return LocalPolicy(country, ZONE_REGIONS.get(zone_name))


@cache
def _zone_countries() -> dict[str, str]:
    """Each zone's country code, from tzdata's zone.tab (the one country a zone is first listed for)."""
    text = _tzdata_file("zone.tab")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, zone_name, *_ = line.split("\t")
            found.setdefault(zone_name, code)
    return found


@cache
def _zone_links() -> dict[str, str]:
    """Each link name's zone, from tzdata.zi's `L TARGET LINK` lines, a chain of links followed to its end."""
    direct: dict[str, str] = {}
    for line in _tzdata_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, link, *_ = line.split()
            direct[link] = target
    return {link: _link_end(link, direct) for link in direct}


def _link_end(link: str, direct: dict[str, str]) -> str:
    seen = {link}
    target = direct[link]
    while target in direct and target not in seen:  # a loop (never in tzdata) stops where it closes
        seen.add(target)
        target = direct[target]
    return target


def _tzdata_file(name: str) -> str:
    """One file of the tz database: the tzdata package's copy, else the system's; "" where neither is."""
    # The package's copy first (the same on every machine), found without importlib.resources,
    # whose import (zipfile, tempfile, random) costs more than the rest of the idle run's planning.
    from importlib.util import find_spec

    try:
        spec = find_spec("tzdata")
    except (ImportError, ValueError):  # ValueError: a tzdata module in sys.modules with no spec
        spec = None
    # ValueError: a file that is not UTF-8 text is no tz database's (someone's stand-in package)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        with contextlib.suppress(OSError, ValueError):
            return Path(folder, "zoneinfo", name).read_text(encoding="utf-8")
    if spec is not None:  # installed some other way (a zip): let importlib.resources find it
        # late: importlib.resources pulls in zipfile and tempfile (~8 ms); rarely needed
        from importlib.resources import files

        # A tzdata package that fails to import (with whatever error its code raises) is no reason
        # to stop: the system has the same files
        with contextlib.suppress(Exception):
            return (files("tzdata") / "zoneinfo" / name).read_text(encoding="utf-8")
    try:  # the system's tzdata, where the package is not installed
        return Path("/usr/share/zoneinfo", name).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return ""


@cache
def _placed(policy: Policy, local: LocalPolicy) -> Policy:
    return policy._replace(country=local.country, subdivision=local.subdivision)


def thank_you_deadline(end: datetime, there: ZoneInfo, policy: Policy) -> datetime:
    """When an unsent thank-you is dropped: N days after the interview ended, at the same clock time.

    Counted from the interview, not from when the thank-you fell due, and in days of the calendar: a
    late delay, a weekend or a run of holidays cannot push it to a week after (the article's line).
    """
    local = end.astimezone(there)
    return at(local.date() + timedelta(days=policy.thank_you_within_days), local.time(), there)


@cache
def holiday_calendar(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    """The public holidays of a country (or of one of its regions) in one year, by date, named in English;
    none for a country the `holidays` package has no calendar of (a zone may imply one)."""
    try:
        entity = holiday_entity(country)
    except AttributeError:
        return MappingProxyType({})
    language = _english(entity)
    try:
        return MappingProxyType(dict(entity(subdiv=subdivision, years=year, language=language)))
    except NotImplementedError:  # a region the country has not: implied by a zone table that says so
        return MappingProxyType(dict(entity(years=year, language=language)))  # (a check refuses typed ones)


def _english(entity: type[HolidayBase]) -> str | None:
    # Named explicitly: left to itself, the package follows the locale of whoever runs the job.
    default: str | None = getattr(entity, "default_language", None)
    if default is None or default.startswith("en"):
        return default
    english = [lang for lang in getattr(entity, "supported_languages", ()) if lang.startswith("en")]
    return english[0] if english else default
