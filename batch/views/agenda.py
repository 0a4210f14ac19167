"""The days ahead: from a plan, what goes in a span of time and the next follow-up to go, with when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from batch.etiquette.schedule import FollowUp
from batch.etiquette.workdays import next_opening

# The states that still go by themselves; `held` waits for the user's word, the rest are settled.
PENDING = ("due", "waiting", "scheduled")


def goes_at(item: FollowUp, now: datetime) -> datetime | None:
    """When a pending follow-up goes: the first opening from its planned time (or now); None if never."""
    if item.state not in PENDING:
        return None
    moment = next_opening(max(item.sends_at, now), item.zone, item.rules)
    return moment if moment < item.expires_at else None


def upcoming(
    items: Iterable[FollowUp], now: datetime, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[FollowUp, datetime]]:
    """The follow-ups that go from since (default: now) until until (excluded), each with when, in order."""
    found = []
    for item in items:
        moment = goes_at(item, now)
        if (
            moment is None
            or (since is not None and moment < since)
            or (until is not None and moment >= until)
        ):
            continue
        found.append((item, moment))
    found.sort(key=lambda pair: (pair[1], pair[0].due_at, pair[0].key))
    return found


def their_time(item: FollowUp, moment: datetime) -> datetime:
    """A moment on the clock of the person the follow-up is for (their zone is the one due_at carries)."""
    return moment.astimezone(item.due_at.tzinfo)


def countdown(delta: timedelta) -> str:
    """How long until then, in the two largest units: 40 min, 9 h 40 min, 2 days 3 h."""
    minutes = max(0, round(delta.total_seconds() / 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' * (days != 1)}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


def both_times(item: FollowUp, moment: datetime, home: ZoneInfo) -> str:
    """'Wed 25 Nov 08:00 CET = 02:00 EST': their clock, then yours (with the day when it differs)."""
    theirs, yours = their_time(item, moment), moment.astimezone(home)
    shown = f"{theirs:%a %d %b %H:%M %Z}"
    if theirs.utcoffset() == yours.utcoffset() and theirs.tzname() == yours.tzname():
        return shown
    day = "" if yours.date() == theirs.date() else f"{yours:%a %d %b} "
    return f"{shown} = {day}{yours:%H:%M %Z}"


def goes_text(item: FollowUp, now: datetime, home: ZoneInfo) -> str:
    """When a follow-up goes, said as plan and the preview both say it: the moment it will be sent (the
    planned moment, once it is settled or dropped), on their clock = yours."""
    return both_times(item, goes_at(item, now) or item.sends_at, home)


def what(item: FollowUp) -> str:
    """'thank-you to Priya Shah (northwind-data-analyst)', saying so when it comes to you as a reminder."""
    how = "" if item.sends_email else f" ({item.method}: a reminder to you)"
    return f"{item.kind}{how} to {item.interviewer.name} ({item.interview.id})"


def span_text(since: datetime, until: datetime | None, home: ZoneInfo) -> str:
    """'from Tue 24 Nov 16:20 to the end of Wed 25 Nov (America/Toronto)', in your time."""
    start, text = since.astimezone(home), ""
    if until is not None:
        end = until.astimezone(home)
        whole = end.time() == datetime.min.time()  # a date given: to its end
        text = (
            f" to the end of {end - timedelta(days=1):%a %d %b}" if whole else f" until {end:%a %d %b %H:%M}"
        )
    return f"from {start:%a %d %b %H:%M}{text} ({home.key})"


def next_line(found: tuple[FollowUp, datetime] | None, now: datetime, home: ZoneInfo) -> str:
    """The one line `plan --next` prints."""
    if found is None:
        return "nothing scheduled"
    item, moment = found
    if moment <= now:
        return f"next: {what(item)}, due since {both_times(item, item.sends_at, home)}: the next send run"
    return f"next: {what(item)} {both_times(item, moment, home)}, in {countdown(moment - now)}"
