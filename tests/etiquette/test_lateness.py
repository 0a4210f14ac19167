"""One truth about lateness: no thank-you ever goes out a week after its interview.

Whatever the delay, the weekends and the public holidays in between, for an interview starting at
every hour of every day of a year (pure planner calls, no files, so the 26,280 cases take seconds).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from batch.etiquette import schedule
from batch.model.interview import Dataset, Interview, Interviewer, Me
from batch.model.policy import DEFAULT, THANK_YOU_NEVER_DAYS

ME = Me(name="Sam Rivera", email="sam.rivera@example.com", timezone="America/Toronto")
PRIYA = Interviewer(name="Priya Shah", email="priya.shah@northwind.example")
WEEK = timedelta(days=THANK_YOU_NEVER_DAYS)
YEAR = 2027  # Good Friday, Victoria Day, Canada Day, Christmas and Boxing Day fall on weekdays


def _interview(start: datetime, delay: str) -> Interview:
    return Interview(
        id="northwind-data-analyst",
        company="Northwind Traders",
        role="Data Analyst",
        start=start,
        end=start + timedelta(minutes=45),
        interviewers=(PRIYA,),
        delay=delay,
    )


def _starts() -> list[datetime]:
    first = datetime(YEAR, 1, 1)
    return [first + timedelta(hours=h) for h in range(365 * 24)]


@pytest.mark.parametrize("delay", ["same-day", "next-day", "two-days"])
def test_no_thank_you_goes_out_a_week_after_its_interview_at_any_hour_of_a_year(delay):
    late: list[str] = []
    for start in _starts():
        data = Dataset(me=ME, policy=DEFAULT, interviews=(_interview(start, delay),))
        begun = start.replace(tzinfo=schedule.zone(ME.timezone))
        (item,) = schedule.plan(data, begun - timedelta(days=1))
        if item.expires_at - begun >= WEEK:
            late.append(f"{start:%a %Y-%m-%d %H:%M}: last moment {item.expires_at:%a %d %b %H:%M}")
            continue
        # a week on, the planner must say expired: never due, never waiting for an opening
        (after,) = schedule.plan(data, begun + WEEK)
        if after.state != "expired":
            late.append(f"{start:%a %Y-%m-%d %H:%M}: {after.state} a week later")
    assert late == [], f"{len(late)} late, first: {late[:3]}"


def test_the_last_moment_is_counted_from_the_interview_not_from_when_it_fell_due():
    # Thu 20 May 2027, 14:00: two working days on is Tue 25 May (Victoria Day, Mon 24 May, is skipped);
    # counted from when it fell due, the old rule let it go until Thu 27 May, a week after.
    start = datetime(YEAR, 5, 20, 14, 0)
    data = Dataset(me=ME, policy=DEFAULT, interviews=(_interview(start, "two-days"),))
    (item,) = schedule.plan(data, datetime(YEAR, 5, 1, tzinfo=UTC))
    assert item.due_at.date() == date(YEAR, 5, 25)
    assert item.expires_at.isoformat() == f"{YEAR}-05-{20 + DEFAULT.thank_you_within_days}T14:45:00-04:00"
