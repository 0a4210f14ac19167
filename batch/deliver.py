"""Deliver what is due: compose every message first, then claim, send and record each in turn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .compose import Composed, compose, to_mail
from .errors import InputError
from .ledger import Entry, Ledger, day_ago
from .mime import new_message_id
from .model import Dataset
from .schedule import FollowUp
from .transport import Refused, Transport, Uncertain, Unreachable


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one due follow-up ended in this run, with the line the user reads."""

    key: str
    state: str  # sent | written | deferred | failed | uncertain | rejected | held
    line: str

    @property
    def ok(self) -> bool:
        """Whether this outcome needs no attention."""
        return self.state in ("sent", "written", "held")


def deliver_due(
    items: list[FollowUp],
    data: Dataset,
    transport: Transport,
    ledger: Ledger | None,
    now: datetime,
    *,
    limit: int | None = None,
    sleep: Callable[[float], None] = lambda seconds: None,
    report: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Deliver every due follow-up at most once; lint failures are reported and the rest go on."""
    outcomes: list[Outcome] = []
    ready: list[Composed] = []
    for composed in (compose(item, data) for item in items if item.state == "due"):
        if composed.problems:
            outcomes.append(_rejected(composed))
            report(outcomes[-1])
        else:
            ready.append(composed)
    room = _room(ledger, data, now, limit)
    try:
        for index, composed in enumerate(ready):
            if index >= room:
                outcomes.append(_held(ready[index:], room, limit))
                report(outcomes[-1])
                break
            if index and data.policy.pause_seconds and not transport.dry_run:
                sleep(data.policy.pause_seconds)
            outcome = _deliver_one(composed, data, transport, ledger, now)
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
    earlier = ledger.entry(item.key) if ledger is not None else None
    what = describe(composed)
    try:
        message_id = earlier.message_id if earlier else new_message_id(data.me.email, now)
        mail = to_mail(composed, data, message_id, now)
    except InputError as exc:  # an address mail cannot carry: this one is not sent, the batch goes on
        return Outcome(item.key, "rejected", f"not sent  {what}: {exc}")
    if ledger is None:
        reply = transport.send(mail)
        return Outcome(item.key, "written", f"dry run  {what}  {reply}")
    entry = Entry(item.key, item.interview.id, item.kind, item.method, mail.recipient,
                  item.interviewer.name, mail.subject, message_id, "sending", 1, "", None, None)  # fmt: skip
    if not ledger.claim(entry, now):
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
    problems = "; ".join(composed.problems)
    return Outcome(
        composed.item.key,
        "rejected",
        f"not sent  {describe(composed)}: {problems} (template {composed.words.template})",
    )


def _held(waiting: list[Composed], room: int, limit: int | None) -> Outcome:
    why = f"--limit {limit}" if limit is not None and room == limit else "the daily cap (policy.daily_cap)"
    keys = ", ".join(c.item.key for c in waiting)
    return Outcome(keys, "held", f"held  {len(waiting)} more left for a later run by {why}")
