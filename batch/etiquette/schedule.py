"""The planner: interviews and a moment in time → every follow-up the etiquette calls for, and when.

A pure function of its arguments; working time (windows, business days, holidays) is `workdays`'s.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from batch.data.fields import zone
from batch.etiquette.workdays import (
    add_business_days,
    at,
    holidays_between,
    home_policy,
    is_open,
    next_opening,
    recipient_policy,
    thank_you_deadline,
)
from batch.model.interview import Dataset, Interview, Interviewer, Me
from batch.model.keys import (
    Known,
    Match,
    address_key,
    apart_from_own,
    check_in_person,
    follow_up_key,
    interview_conflict,
    known_from,
    match_thank_yous,
    name_key,
)
from batch.model.policy import DEFAULT, Policy
from batch.model.rounds import next_round
from batch.model.twins import Elsewhere, Twins, held_for, twin_line

UTC_ZONE = ZoneInfo("UTC")
# waiting: due, but the recipient is not at work now; held: it waits for the user's word (see keys.py);
# replied and bounced: see replies.py. Ledger states (sent, failed, uncertain …) win over these.
STATES = ("scheduled", "due", "waiting", "held", "expired", "cancelled", "done", "replied", "bounced")


class FollowUp(NamedTuple):  # a NamedTuple, as every record of the idle cron path (see errors.Problem)
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
    zone: ZoneInfo = UTC_ZONE  # where the working-hours gate looks: the recipient's, or yours for a reminder
    rules: Policy = DEFAULT  # the working days and hours of that place
    opens_at: datetime | None = None  # waiting: the next moment the recipient is at work
    supersedes: str | None = None  # an earlier key whose delivery failed to an address since corrected
    replaced_by: str | None = None  # the later round (its interview id) that took this check-in's place

    @property
    def recipient(self) -> str:
        """The interviewer's email, or their name where they have none."""
        return self.interviewer.email or self.interviewer.name

    @property
    def sends_email(self) -> bool:
        """Whether the job emails the interviewer (else it reminds the candidate)."""
        return self.method == "email"

    @property
    def sends_at(self) -> datetime:
        """When it goes, as far as the plan knows: the next opening while it waits, else its due time."""
        return self.opens_at or self.due_at


def plan(
    data: Dataset,
    now: datetime,
    delivered: Known | Mapping[str, str] | None = None,
    *,
    exact: bool = True,
) -> list[FollowUp]:
    """Every follow-up of every interview, with its state at `now`, soonest to go first (a waiting one
    at its next opening, as the plan shows it).

    `delivered` is the ledger (keys.Known, or {key: state}); its states win over the plan's. With
    exact=False (a `send` run) an interview whose follow-ups are all settled without public holidays is
    not placed on the holiday calendars: holidays only ever move a time later, so one not yet due
    without them is not due with them. That keeps the holiday data off a cron run that finds nothing.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    moment = now.astimezone(UTC)
    known = apart_from_own(known_from(delivered), data.interviews, data.me.email)  # a test sent to you
    found: list[FollowUp] = []
    twins, elsewhere = Twins(data.interviews), Elsewhere(known, (i.id for i in data.interviews))
    for interview in data.interviews:
        items = list(follow_ups(interview, data.me, data.policy, known, holidays=exact))
        matches = _matches(interview, items, known) if known else {}
        _hold_twins(interview, items, elsewhere, twins, matches)
        if not exact and any(_unsettled(item, moment, matches.get(item.key)) for item in items):
            items = list(follow_ups(interview, data.me, data.policy, known))
        later = next_round(interview, data.interviews)
        placed = [_in_round(item, _with_state(item, moment, matches.get(item.key)), later) for item in items]
        found.extend(_held_by_bounce(placed, known))
    found.sort(key=lambda item: (item.sends_at.astimezone(UTC), item.key))
    return found


def _matches(interview: Interview, items: list[FollowUp], known: Known) -> dict[str, Match]:
    conflict = interview_conflict(interview, known)
    if conflict is not None:
        return {item.key: Match(state=_recorded(item.key, known), held=conflict) for item in items}
    thanks = ((i.key, i.interviewer) for i in items if i.kind == "thank-you")
    found = match_thank_yous(interview, thanks, known)
    for item in items:
        if item.kind == "check-in" and item.key in known.by_key:
            found[item.key] = Match(state=known.by_key[item.key].state)
    return found


def _hold_twins(
    interview: Interview, items: list[FollowUp], elsewhere: Elsewhere, twins: Twins, matches: dict[str, Match]
) -> None:
    """Hold each follow-up that another id already had delivered, or that an earlier interview of the
    data calls for: the same interview again (twins.py)."""
    for item in items:
        match = matches.get(item.key)
        if match is not None and (match.state is not None or match.held is not None):
            continue  # the ledger knows it under its own id, or it is held already
        row = elsewhere.delivered(interview, item.interviewer, item.kind)
        first = None if row is not None else twins.earlier(interview, item.interviewer, item.kind)
        keep = match.supersedes if match is not None else None
        if row is not None:
            matches[item.key] = Match(supersedes=keep, held=held_for(row, interview, item.interviewer))
        elif first is not None:
            matches[item.key] = Match(supersedes=keep, held=twin_line(first, item.interviewer))


# Public holidays never hold a follow-up back longer than this (the longest runs of days off are a week).
_HOLIDAY_SLACK = timedelta(days=21)


def _unsettled(item: FollowUp, moment: datetime, match: Match | None) -> bool:
    """Whether this follow-up's state at `moment` could depend on the holidays it was placed without."""
    if match is not None and match.state is not None and match.state != "deferred":
        return False
    if item.state != "scheduled" or moment < item.due_at:
        return False
    return moment < item.expires_at + _HOLIDAY_SLACK


def _recorded(key: str, known: Known) -> str | None:
    row = known.by_key.get(key)
    return row.state if row is not None else None


def follow_ups(
    interview: Interview, me: Me, policy: Policy, known: Known | None = None, *, holidays: bool = True
) -> Iterator[FollowUp]:
    """The follow-ups one interview calls for, each with the state it has by the calendar alone
    (placed without public holidays when `holidays` is false: see plan)."""
    yours = zone(me.timezone)
    mine = home_policy(policy, me.timezone) if holidays else _without_holidays(policy)
    home = zone(interview.where(me))
    end = _local(interview.end, home)
    for person in interview.interviewers:
        where = person.timezone or interview.where(me)
        there = zone(where)
        rules = _rules(policy, interview, person, where, holidays)
        earliest, why = _thank_you_earliest(end, interview.delay, there, rules)
        due = next_opening(earliest, there, rules)
        if due != earliest:
            why += f", moved to the next opening of {person.name.split()[0]}'s working day"
        if rules.country:
            why += _thank_you_holidays(interview.delay, end, earliest, due, there, rules)
        done = "thank-you" in interview.done or "thank-you" in person.done
        expires = thank_you_deadline(end, there, rules)
        gate = (there, rules) if (person.method or interview.method) == "email" else (yours, mine)
        yield _follow_up(interview, person, "thank-you", due, expires, why, done, gate)
    if interview.decision_by is not None and interview.interviewers:
        person = check_in_person(interview, known or Known())
        where = person.timezone or interview.where(me)
        there = zone(where)
        rules = _rules(policy, interview, person, where, holidays)
        day = add_business_days(interview.decision_by, rules.check_in_after_business_days, rules)
        due = next_opening(at(day, rules.check_in_at, there), there, rules)
        why = f"{rules.check_in_after_business_days} business days after decision_by"
        if rules.country:
            why += _check_in_holidays(interview.decision_by, due, rules)
        if known is not None and interview.id in known.away:  # held until they are back: all of it moves
            back, said = known.away[interview.id]
            if datetime.fromisoformat(back) > due:  # in their zone again: the ledger keeps an offset
                due, why = datetime.fromisoformat(back).astimezone(there), said
        lapse = due + timedelta(days=rules.check_in_expire_after_days)
        done = "check-in" in interview.done or "check-in" in person.done
        gate = (there, rules) if person.email else (yours, mine)
        yield _follow_up(interview, person, "check-in", due, lapse, why, done, gate)


def _rules(policy: Policy, interview: Interview, person: Interviewer, where: str, holidays: bool) -> Policy:
    rules = recipient_policy(policy, interview, person, where)
    return rules if holidays else _without_holidays(rules)


@cache
def _without_holidays(policy: Policy) -> Policy:
    return policy if not policy.country else policy._replace(country="", subdivision=None)


def _thank_you_holidays(
    delay: str, end: datetime, earliest: datetime, due: datetime, there: ZoneInfo, rules: Policy
) -> str:
    """What the plan adds about the holidays that held a thank-you back, from the first day that counted."""
    moved = due != earliest
    if delay == "same-day" and not moved:
        return ""
    if delay == "same-day":
        first = earliest.astimezone(there).date()
    else:
        first = end.astimezone(there).date() + timedelta(days=1)
    passed = holidays_between(first, due.date(), rules)
    if not passed:
        return ""
    return f", past {passed}" if moved else f", moved past {passed}"


def _check_in_holidays(decided: date, due: datetime, rules: Policy) -> str:
    """What the plan adds about the holidays that held a check-in back."""
    passed = holidays_between(decided + timedelta(days=1), due.date(), rules)
    return f", moved past {passed}" if passed else ""


def _follow_up(
    interview: Interview,
    person: Interviewer,
    kind: str,
    due: datetime,
    expires: datetime,
    why: str,
    done: bool,
    gate: tuple[ZoneInfo, Policy],
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
    return FollowUp(key, interview, person, kind, method, due, expires, state, why, *gate)


def _with_state(item: FollowUp, moment: datetime, match: Match | None) -> FollowUp:
    recorded = match.state if match is not None else None
    if recorded is not None and recorded != "deferred":
        return _replace(item, state=recorded)
    if item.state != "scheduled":  # done or cancelled by the data
        return item
    if moment >= item.expires_at or item.due_at >= item.expires_at:
        return _replace(item, state="expired")
    if match is not None and match.held is not None:
        return _replace(item, state="held", why=f"{item.why}; held: {match.held}")
    supersedes = match.supersedes if match is not None else None
    if moment < item.due_at:
        return item if supersedes is None else _replace(item, supersedes=supersedes)
    if is_open(moment, item.zone, item.rules):
        return _replace(item, state="due", supersedes=supersedes)
    opening = next_opening(moment, item.zone, item.rules)
    if opening >= item.expires_at:
        return _replace(item, state="expired", why=f"{item.why}; no working hours left before it drops")
    whose = "your" if not item.sends_email else f"{item.interviewer.name.split()[0]}'s"
    why = f"{item.why}; waits for {whose} next working hours, {opening:%a %d %b %H:%M %Z}"
    if item.rules.country:
        passed = holidays_between(moment.astimezone(item.zone).date(), opening.date(), item.rules)
        why += f", past {passed}" if passed else ""
    return _replace(item, state="waiting", why=why, opens_at=opening, supersedes=supersedes)


def _held_by_bounce(items: list[FollowUp], known: Known) -> list[FollowUp]:
    """A check-in never goes to someone whose thank-you bounced and never reached them: to the address it
    bounced from it would bounce too, and to a corrected one (too late for the thank-you) it would be the
    first they hear from you. It shows `bounced`, whether or not the mailbox is read this time."""
    rows = known.by_interview.get(items[0].interview.id, ()) if items else ()
    bounced = [r for r in rows if r.kind == "thank-you" and r.state == "bounced"]
    if not bounced:
        return items
    addresses = {address_key(r.recipient) for r in bounced}
    names = {name_key(r.name) for r in bounced}
    went = ("done", "sent", "replied")  # the plan's word for a delivered one, or the ledger's where shown
    reached = {name_key(i.interviewer.name) for i in items if i.kind == "thank-you" and i.state in went}

    def unreached(person: Interviewer) -> bool:
        by_address = person.email is not None and address_key(person.email) in addresses
        return by_address or (name_key(person.name) in names and name_key(person.name) not in reached)

    return [
        _replace(item, state="bounced", why=f"held: the thank-you to {item.interviewer.name} bounced and "
                 "never reached them; correct the address in your interviews file")
        if item.kind == "check-in" and item.state in ("scheduled", "due", "waiting")
        and unreached(item.interviewer)
        else item
        for item in items
    ]  # fmt: skip


# States of a follow-up still to go: a later round's check-in takes the place of one of these.
_PENDING = frozenset({"scheduled", "due", "waiting", "held"})
_REPLACEABLE = _PENDING | {"expired"}  # a check-in the calendar alone leaves undelivered


def _in_round(item: FollowUp, placed: FollowUp, later: str | None) -> FollowUp:
    """A check-in not yet delivered of an interview that a later round of its process followed:
    cancelled, as the later round's own follow-ups ask the news now. It keeps its own time and reason
    whatever the clock says (neither moved to an opening nor expired), so the plan reads the same."""
    if later is None or item.kind != "check-in" or placed.state not in _REPLACEABLE:
        return placed
    why = f"{item.why}; replaced by the later round {later}"
    return _replace(item, state="cancelled", why=why, replaced_by=later)


def _replace(item: FollowUp, **changes: object) -> FollowUp:
    """A copy with some fields changed (plan makes one per follow-up: NamedTuple._replace is quick)."""
    return item._replace(**changes)  # type: ignore[arg-type]  # each change is of its field's type


def _thank_you_earliest(end: datetime, delay: str, there: ZoneInfo, policy: Policy) -> tuple[datetime, str]:
    if delay == "same-day":
        minutes = policy.same_day_after_minutes
        return end + timedelta(minutes=minutes), f"same day, {minutes} min after the interview"
    days = 1 if delay == "next-day" else 2
    local_day = end.astimezone(there).date()
    day = add_business_days(local_day, days, policy)
    label = "next business day" if days == 1 else "second business day"
    return at(day, policy.next_day_at, there), f"{label}, {policy.next_day_at:%H:%M}"


def _local(naive: datetime, there: ZoneInfo) -> datetime:
    return naive.replace(tzinfo=there).astimezone(UTC).astimezone(there)


def next_change(items: Iterable[FollowUp], now: datetime) -> datetime | None:
    """The earliest moment after `now` at which the time alone can change a follow-up's state.

    With nothing due, a state moves only when a due time, an expiry or a waiting follow-up's next
    opening passes (see _with_state); the plan is the same until then unless the data or the ledger
    changes. None: nothing left to happen by time. `now` itself when something is due (it turns to
    waiting when the working day ends). A plan made without holidays (exact=False) gives earlier moments.
    """
    items = list(items)
    if any(item.state == "due" for item in items):
        return now
    moments = (m for item in items for m in (item.due_at, item.expires_at, item.opens_at) if m is not None)
    return min((m for m in moments if m > now), default=None)


def select(items: Iterable[FollowUp], states: tuple[str, ...] = ("due",)) -> list[FollowUp]:
    """The follow-ups in the given states."""
    return [item for item in items if item.state in states]
