"""The planner: interviews and a moment in time → every follow-up the etiquette calls for, and when.

A pure function of its arguments. Times are computed as wall-clock times in the recipient's zone,
so a Monday 08:00 after a daylight-saving change carries that Monday's offset. A public holiday
where the recipient works is not a working day; its calendar (the `holidays` package, deterministic
and cached per country, region and year) is looked up only when a policy names a country.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import groupby

from .fields import holiday_calendar, zone
from .model import Dataset, Interview, Interviewer, Me, interviewer_handle
from .policy import LocalPolicy, Policy

STATES = ("scheduled", "due", "expired", "cancelled", "done", "replied")  # replied: see replies.py


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One message the etiquette calls for: to whom, how, when it is due and when it lapses."""

    key: str
    interview: Interview
    interviewer: Interviewer
    kind: str  # thank-you | check-in
    method: str  # email | voicemail | note
    due_at: datetime  # aware, in the recipient's zone
    expires_at: datetime
    state: str
    why: str  # how due_at was reached, in a few words

    @property
    def recipient(self) -> str:
        """The interviewer's email, or their name where they have none."""
        return self.interviewer.email or self.interviewer.name

    @property
    def sends_email(self) -> bool:
        """Whether the job emails the interviewer (else it reminds the candidate)."""
        return self.method == "email"


def follow_up_key(interview_id: str, kind: str, interviewer: Interviewer) -> str:
    """The stable key of a follow-up: the ledger keys on it, so it never depends on order."""
    if kind == "check-in":  # one per interview: reordering the panel must not start a second one
        return f"{interview_id}/check-in"
    return f"{interview_id}/{kind}/{interviewer_handle(interviewer)}"


def alias_keys(item: FollowUp) -> tuple[str, ...]:
    """Other keys the ledger knows a thank-you by, so that editing a name or an email never resends it."""
    if item.kind == "check-in":
        return ()
    person, head = item.interviewer, f"{item.interview.id}/{item.kind}/"
    names = (f"{head}name:{person.name.casefold()}",)
    return names + ((head + person.email.lower(),) if person.email else ())


def plan(data: Dataset, now: datetime, delivered: Mapping[str, str] | None = None) -> list[FollowUp]:
    """Every follow-up of every interview, with its state at `now`, sorted by due time.

    `delivered` maps keys to ledger states (sent, failed, uncertain …); those win over the plan's.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    moment = now.astimezone(UTC)
    ledger = delivered or {}
    found = [
        _with_state(item, moment, ledger)
        for interview in data.interviews
        for item in follow_ups(interview, data.me, data.policy)
    ]
    found.sort(key=lambda item: (item.due_at.astimezone(UTC), item.key))
    return found


def follow_ups(interview: Interview, me: Me, policy: Policy) -> Iterator[FollowUp]:
    """The follow-ups one interview calls for, each with the state it has by the calendar alone."""
    home = zone(interview.timezone or me.timezone)
    end = _local(interview.end, home)
    for person in interview.interviewers:
        there = zone(person.timezone or interview.timezone or me.timezone)
        local = person.policy or interview.policy  # as recipient_policy does, without a call per person
        rules = policy if local is None else _placed(policy, local)
        earliest, why = _thank_you_earliest(end, interview.delay, there, rules)
        due = next_opening(earliest, there, rules)
        if due != earliest:
            why += f", moved to the next opening of {person.name.split()[0]}'s working day"
        if rules.country is not None:
            why += _thank_you_holidays(interview.delay, end, earliest, due, there, rules)
        done = "thank-you" in interview.done or "thank-you" in person.done
        expires = thank_you_deadline(due, there, rules)
        yield _follow_up(interview, person, "thank-you", due, expires, why, done)
    if interview.decision_by is not None and interview.interviewers:
        person = interview.interviewers[0]
        there = zone(person.timezone or interview.timezone or me.timezone)
        local = person.policy or interview.policy
        rules = policy if local is None else _placed(policy, local)
        day = add_business_days(interview.decision_by, rules.check_in_after_business_days, rules)
        due = next_opening(_at(day, rules.check_in_at, there), there, rules)
        lapse = due + timedelta(days=rules.check_in_expire_after_days)
        why = f"{rules.check_in_after_business_days} business days after decision_by"
        if rules.country is not None:
            why += _check_in_holidays(interview.decision_by, due, rules)
        done = "check-in" in interview.done or "check-in" in person.done
        yield _follow_up(interview, person, "check-in", due, lapse, why, done)


def thank_you_deadline(due: datetime, there: object, policy: Policy) -> datetime:
    """When an unsent thank-you is dropped: the same clock time, N of the recipient's working days on.

    The article's line is one or two days, never a week: past that a thank-you reads as an afterthought.
    """
    day = add_business_days(due.astimezone(there).date(), policy.expire_after_business_days, policy)  # type: ignore[arg-type]
    return _at(day, due.astimezone(there).time(), there)  # type: ignore[arg-type]


def _thank_you_holidays(
    delay: str, end: datetime, earliest: datetime, due: datetime, there: object, rules: Policy
) -> str:
    """What the plan adds about the holidays that held a thank-you back, from the first day that counted."""
    moved = due != earliest
    if delay == "same-day" and not moved:
        return ""
    if delay == "same-day":
        first = earliest.astimezone(there).date()  # type: ignore[arg-type]
    else:
        first = end.astimezone(there).date() + timedelta(days=1)  # type: ignore[arg-type]
    passed = holidays_between(first, due.date(), rules)
    if not passed:
        return ""
    return f", past {passed}" if moved else f", moved past {passed}"


def _check_in_holidays(decided: date, due: datetime, rules: Policy) -> str:
    """What the plan adds about the holidays that held a check-in back."""
    passed = holidays_between(decided + timedelta(days=1), due.date(), rules)
    return f", moved past {passed}" if passed else ""


def recipient_policy(policy: Policy, interview: Interview, person: Interviewer) -> Policy:
    """The policy for one recipient: their own holidays, else the interview's, else the top level's."""
    local = person.policy or interview.policy
    return policy if local is None else _placed(policy, local)


@cache
def _placed(policy: Policy, local: LocalPolicy) -> Policy:
    return dataclasses.replace(policy, country=local.country, subdivision=local.subdivision)


def _follow_up(
    interview: Interview,
    person: Interviewer,
    kind: str,
    due: datetime,
    expires: datetime,
    why: str,
    done: bool,
) -> FollowUp:
    method = person.method or interview.method
    if kind == "check-in":  # a check-in is a short email; without an address, a call
        method = "email" if person.email else "voicemail"
    if done:
        state = "done"
    elif interview.status != "open":
        state = "cancelled"
    else:
        state = "scheduled"
    key = follow_up_key(interview.id, kind, person)
    why = sys.intern(why)  # a few dozen distinct sentences, shared by every follow-up that says one
    return FollowUp(key, interview, person, kind, method, due, expires, state, why)


def _with_state(item: FollowUp, moment: datetime, ledger: Mapping[str, str]) -> FollowUp:
    recorded = ledger.get(item.key)
    if recorded is None and ledger:  # an empty ledger (a fresh clone, a dry run) knows no alias either
        recorded = next((ledger[k] for k in alias_keys(item) if k in ledger), None)
    if recorded is not None and recorded != "deferred":
        state = recorded
    elif item.state != "scheduled":
        state = item.state
    elif moment >= item.expires_at or item.due_at >= item.expires_at:
        state = "expired"
    elif moment >= item.due_at:
        state = "due"
    else:
        return item
    return _replace_state(item, state)


def _replace_state(item: FollowUp, state: str) -> FollowUp:
    return FollowUp(
        item.key, item.interview, item.interviewer, item.kind, item.method,
        item.due_at, item.expires_at, state, item.why,
    )  # fmt: skip


def _thank_you_earliest(end: datetime, delay: str, there: object, policy: Policy) -> tuple[datetime, str]:
    if delay == "same-day":
        minutes = policy.same_day_after_minutes
        return end + timedelta(minutes=minutes), f"same day, {minutes} min after the interview"
    days = 1 if delay == "next-day" else 2
    local_day = end.astimezone(there).date()  # type: ignore[arg-type]
    day = add_business_days(local_day, days, policy)
    label = "next business day" if days == 1 else "second business day"
    return _at(day, policy.next_day_at, there), f"{label}, {policy.next_day_at:%H:%M}"


def next_opening(moment: datetime, there: object, policy: Policy) -> datetime:
    """The moment itself if it falls inside the recipient's working hours, else the next opening."""
    local = moment.astimezone(there)  # type: ignore[arg-type]
    day, clock = local.date(), local.time()
    working = day.weekday() in policy.workdays and (policy.country is None or is_working_day(day, policy))
    if working and clock < policy.window_end:
        if clock >= policy.window_start:
            return local
        return _at(day, policy.window_start, there)
    return _at(add_business_days(day, 1, policy), policy.window_start, there)


def add_business_days(day: date, count: int, policy: Policy) -> date:
    """The date `count` working days after `day` (days off and public holidays are skipped)."""
    if not policy.workdays:
        raise ValueError("policy.workdays is empty")
    workdays, country = policy.workdays, policy.country
    while count > 0:
        day += timedelta(days=1)
        # the country test first spares the call where none is set (the idle cron run, the benchmark)
        if day.weekday() in workdays and (country is None or is_working_day(day, policy)):
            count -= 1
    return day


def is_working_day(day: date, policy: Policy) -> bool:
    """Whether the recipient works that day: one of the workdays, and no public holiday where they are."""
    if day.weekday() not in policy.workdays:
        return False
    return policy.country is None or day not in holiday_calendar(policy.country, policy.subdivision, day.year)


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
    if country is None:
        return None
    name = holiday_calendar(country, region, day.year).get(day)
    if name is None:
        return None
    national = region is None or day in holiday_calendar(country, None, day.year)
    return name, country if national else f"{country}-{region}"


def _at(day: date, clock: time, there: object) -> datetime:
    """That wall-clock time on that day in that zone; a time skipped by DST moves forward."""
    naive = datetime.combine(day, clock)
    local = naive.replace(tzinfo=there)  # type: ignore[arg-type]
    return local.astimezone(UTC).astimezone(there)  # type: ignore[arg-type]


def _local(naive: datetime, there: object) -> datetime:
    return naive.replace(tzinfo=there).astimezone(UTC).astimezone(there)  # type: ignore[arg-type]


def select(items: Iterable[FollowUp], states: tuple[str, ...] = ("due",)) -> list[FollowUp]:
    """The follow-ups in the given states."""
    return [item for item in items if item.state in states]
