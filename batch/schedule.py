"""The planner: interviews and a moment in time → every follow-up the etiquette calls for, and when.

A pure function of its arguments. Times are computed as wall-clock times in the recipient's zone,
so a Monday 08:00 after a daylight-saving change carries that Monday's offset.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .fields import zone
from .model import Dataset, Interview, Interviewer, Me, interviewer_handle
from .policy import Policy

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
    expires = end + timedelta(days=policy.expire_after_days)
    for person in interview.interviewers:
        there = zone(person.timezone or interview.timezone or me.timezone)
        earliest, why = _thank_you_earliest(end, interview.delay, there, policy)
        due = next_opening(earliest, there, policy)
        if due != earliest:
            why += f", moved to the next opening of {person.name.split()[0]}'s working day"
        done = "thank-you" in interview.done or "thank-you" in person.done
        yield _follow_up(interview, person, "thank-you", due, expires, why, done)
    if interview.decision_by is not None and interview.interviewers:
        person = interview.interviewers[0]
        there = zone(person.timezone or interview.timezone or me.timezone)
        day = add_business_days(interview.decision_by, policy.check_in_after_business_days, policy)
        due = next_opening(_at(day, policy.check_in_at, there), there, policy)
        lapse = due + timedelta(days=policy.check_in_expire_after_days)
        why = f"{policy.check_in_after_business_days} business days after decision_by"
        done = "check-in" in interview.done or "check-in" in person.done
        yield _follow_up(interview, person, "check-in", due, lapse, why, done)


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
    if day.weekday() in policy.workdays and clock < policy.window_end:
        if clock >= policy.window_start:
            return local
        return _at(day, policy.window_start, there)
    return _at(add_business_days(day, 1, policy), policy.window_start, there)


def add_business_days(day: date, count: int, policy: Policy) -> date:
    """The date `count` working days after `day` (days off are skipped)."""
    if not policy.workdays:
        raise ValueError("policy.workdays is empty")
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() in policy.workdays:
            count -= 1
    return day


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
