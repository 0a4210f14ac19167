"""The one send path: what is due now, composed, passed through the gates, delivered at most once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .keys import Known
from .ledger import Entry, Ledger, day_ago, locked, read_entries, read_states
from .model import Dataset
from .schedule import FollowUp, plan, select
from .workdays import is_open, next_opening

if TYPE_CHECKING:  # composing and transports are imported only once something is due
    from .compose import Composed
    from .transport import Transport


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one due follow-up ended in this run, with the line the user reads."""

    key: str
    state: str  # sent written deferred failed uncertain rejected held waiting expired replied bounced
    line: str

    @property
    def ok(self) -> bool:
        """Whether this outcome needs no attention."""
        return self.state in ("sent", "written", "held", "waiting", "expired", "replied")


@dataclass(frozen=True, slots=True)
class Result:
    """What one `send` run did: each outcome, and the messages it composed (the preview shows them)."""

    outcomes: list[Outcome]
    composed: list[Composed]
    mailbox_problem: str | None = None  # replies could not be looked for: due check-ins were held

    @property
    def ok(self) -> bool:
        """Whether nothing in the run needs the user's attention."""
        return self.mailbox_problem is None and all(o.ok for o in self.outcomes)


def send_due(
    data: Dataset,
    now: datetime,
    *,
    state: Path,
    transport: Callable[[], Transport],
    dry_run: bool,
    clock: Callable[[], datetime],
    env: Mapping[str, str],
    limit: int | None = None,
    sleep: Callable[[float], None] = lambda seconds: None,
    announce: Callable[[str], None] = lambda line: None,
    report: Callable[[Outcome], None] = lambda outcome: None,
) -> Result:
    """The one send path: lock, settle interrupted claims, plan, stop on reply, compose, gate, deliver,
    record. A dry run reads the ledger without writing it or taking the lock, and records nothing."""
    if dry_run:
        known = read_states(state)
        return _run(data, now, known, None, transport, clock, env, limit, sleep, announce, report,
                    lambda: read_entries(state))  # fmt: skip
    with locked(state), Ledger(state) as ledger:
        ledger.mark_interrupted(
            lambda key: announce(f"uncertain  {key}: a run stopped between claim and record; {_hint(key)}")
        )
        ledger.beat(now)
        return _run(data, now, ledger.states(), ledger, transport, clock, env, limit, sleep, announce,
                    report, ledger.entries)  # fmt: skip


def _run(
    data: Dataset,
    now: datetime,
    known: Known,
    ledger: Ledger | None,
    transport: Callable[[], Transport],
    clock: Callable[[], datetime],
    env: Mapping[str, str],
    limit: int | None,
    sleep: Callable[[float], None],
    announce: Callable[[str], None],
    report: Callable[[Outcome], None],
    entries: Callable[[], list[Entry]],
) -> Result:
    items = plan(data, now, known, exact=False)
    _announce_held(items, ledger, now, announce)
    if not select(items):
        return Result([], [])
    problem = None
    if any(item.kind == "check-in" and item.state == "due" for item in items):
        from .replies import plan_with_replies

        items, problem = plan_with_replies(data, now, known, items, entries, env)
        if problem is not None:
            announce(f"held  due check-ins, not sent blindly: cannot look for replies: {problem}")
            items = [i for i in items if not (i.kind == "check-in" and i.state == "due")]
    told: list[Outcome] = []
    if ledger is not None and any(
        i.state in ("replied", "bounced") and known.get(i.key) != i.state for i in items
    ):
        from .replies import record_replies

        for line in record_replies(ledger, items, known, now):
            told.append(Outcome(line.split()[0], line.split()[0], line))  # replied | bounced
            report(told[-1])
    if not select(items):
        return Result(told, [], problem)
    from .compose import compose, thread_of

    # A check-in answers the thank-you email the ledger holds (read-only in a dry run); the words are
    # those of the moment it goes
    rows = entries() if any(i.kind == "check-in" for i in select(items)) else []
    composed = [compose(item, data, now, thread_of(item, rows)) for item in select(items)]
    outcomes = deliver_due(composed, data, transport(), ledger, now, clock=clock, limit=limit,
                           sleep=sleep, report=report)  # fmt: skip
    written = {o.key for o in outcomes if o.state in ("sent", "written")}
    return Result(told + outcomes, [c for c in composed if c.item.key in written or c.problems], problem)


def _announce_held(
    items: list[FollowUp], ledger: Ledger | None, now: datetime, announce: Callable[[str], None]
) -> None:
    """A line for each follow-up held for the user's word: once in the ledger's memory, every dry run."""
    for item in items:
        if item.state != "held" or now < item.due_at:
            continue
        if ledger is None or ledger.notice_once(item.key, "held", now):
            announce(f"held  {item.kind} to {item.interviewer.name} ({item.interview.id}): "
                     f"{item.why.partition('; held: ')[2]}")  # fmt: skip


def deliver_due(
    ready: list[Composed],
    data: Dataset,
    transport: Transport,
    ledger: Ledger | None,
    now: datetime,
    *,
    clock: Callable[[], datetime] | None = None,
    limit: int | None = None,
    sleep: Callable[[float], None] = lambda seconds: None,
    report: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Deliver composed follow-ups at most once each; lint failures are reported and the rest go on."""
    clock = clock or (lambda: now)
    outcomes: list[Outcome] = []
    for composed in [c for c in ready if c.problems]:
        outcomes.append(_rejected(composed))
        report(outcomes[-1])
    ready = [c for c in ready if not c.problems]
    room = _room(ledger, data, now, limit)
    try:
        for index, composed in enumerate(ready):
            if index >= room:
                outcomes.append(_held(ready[index:], room, limit))
                report(outcomes[-1])
                break
            if index and data.policy.pause_seconds and not transport.dry_run:
                sleep(data.policy.pause_seconds)
            outcome = _deliver_one(composed, data, transport, ledger, clock())
            if outcome is not None:
                outcomes.append(outcome)
                report(outcome)
    finally:
        transport.close()
    return outcomes


def _room(ledger: Ledger | None, data: Dataset, now: datetime, limit: int | None) -> int:
    room = data.policy.daily_cap
    if ledger is not None:
        room = max(0, room - ledger.count_since(day_ago(now)))
    return room if limit is None else min(room, limit)


def _deliver_one(
    composed: Composed, data: Dataset, transport: Transport, ledger: Ledger | None, now: datetime
) -> Outcome | None:
    item = composed.item
    what = describe(composed)
    closed = _outside_hours(item, now)
    if closed is not None:
        return Outcome(item.key, closed[0], f"{closed[0]}  {what}: {closed[1]}")
    from .compose import to_mail
    from .mime import new_message_id
    from .transport import Refused, Uncertain, Unreachable

    earlier = ledger.entry(item.key) if ledger is not None else None
    try:
        message_id = earlier.message_id if earlier else new_message_id(data.me.email, now)
        mail = to_mail(composed, data, message_id, now)
    except InputError as exc:  # an address mail cannot carry: this one is not sent, the batch goes on
        return Outcome(item.key, "rejected", f"not sent  {what}: {exc}")
    if ledger is None:
        reply = transport.send(mail)
        return Outcome(item.key, "written", f"dry run  {what}  {reply}")
    entry = Entry(item.key, item.interview.id, item.kind, item.method, mail.recipient,
                  item.interviewer.name, mail.subject, message_id, "sending", 1, "", None, None,
                  item.interview.company, f"{item.interview.start:%Y-%m-%d %H:%M}")  # fmt: skip
    fixes = _check_in_to(item) if item.kind == "thank-you" else None
    if not ledger.claim(entry, now, supersedes=item.supersedes, check_in_to=fixes):
        return None  # claimed already: never twice
    try:
        reply = transport.send(mail)
    except Refused as exc:
        state = "deferred" if exc.temporary else "failed"
        ledger.record(item.key, state, str(exc), now)
        later = " (tried again on the next run)" if exc.temporary else ""
        return Outcome(item.key, state, f"{state}  {what}: {exc}{later}")
    except Uncertain as exc:
        ledger.record(item.key, "uncertain", str(exc), now)
        return Outcome(
            item.key, "uncertain", f"uncertain  {what}: {exc}; {RESOLVE_HINT.format(key=item.key)}"
        )
    except Unreachable as exc:
        ledger.record(item.key, "deferred", str(exc), now)
        raise
    ledger.record(item.key, "sent", reply, now)
    verb = "sent" if item.sends_email else "reminded"
    return Outcome(item.key, "sent", f"{verb}  {what}  [{reply}]")


def _outside_hours(item: FollowUp, now: datetime) -> tuple[str, str] | None:
    """The send-time gate: (state, why) when this moment is past the drop or outside working hours."""
    if now >= item.expires_at:
        return "expired", f"its time ran out at {item.expires_at:%a %d %b %H:%M %Z}; not sent"
    if is_open(now, item.zone, item.rules):
        return None
    opening = next_opening(now, item.zone, item.rules)
    return "waiting", f"outside working hours there now; next opening {opening:%a %d %b %H:%M %Z}"


def _check_in_to(item: FollowUp) -> tuple[str, str] | None:
    """Who the interview's check-in goes to, fixed when its first thank-you goes out."""
    if item.interview.decision_by is None:
        return None
    person = next((p for p in item.interview.interviewers if p.check_in), item.interview.interviewers[0])
    return person.name, person.email or ""


def _hint(key: str) -> str:
    return RESOLVE_HINT.format(key=key)


RESOLVE_HINT = (
    "look in your Sent folder, then run `followup resolve {key} --sent` or `followup resolve {key} --retry`"
)


def describe(composed: Composed) -> str:
    """A follow-up in a few words: what, to whom, for which interview."""
    item = composed.item
    if item.sends_email:
        who = f"{item.interviewer.name} <{item.interviewer.email}>"
        return f"{item.kind} to {who} ({item.interview.id})"
    return f"{item.method} {item.kind} for {item.interviewer.name}: reminder to you ({item.interview.id})"


def _rejected(composed: Composed) -> Outcome:
    from .model import place_of

    item = composed.item
    path, line, col = place_of(item.interview, item.interviewer)
    problems = "; ".join(composed.problems)
    what = f"not sent  {describe(composed)}: {problems} (template {composed.words.template})"
    return Outcome(item.key, "rejected", f"{path}:{line}:{col}: {what}")


def _held(waiting: list[Composed], room: int, limit: int | None) -> Outcome:
    why = f"--limit {limit}" if limit is not None and room == limit else "the daily cap (policy.daily_cap)"
    keys = ", ".join(c.item.key for c in waiting)
    return Outcome(keys, "held", f"held  {len(waiting)} more left for a later run by {why}")
