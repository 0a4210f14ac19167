"""The one send path: what is due now, composed, passed through the gates, delivered at most once.

Past 400 lines: the order of the steps (lock, settle, plan, replies, compose, gate, claim,
send, record, copies) is the promise of exactly once, and it reads best as one sequence; the
composer ahead of the sender (ahead.py) and the chunked sender (_Run) are that sequence made fast.
"""

from __future__ import annotations

import contextlib
import re
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from batch.data.fields import zone
from batch.data.load import place_of
from batch.errors import InputError
from batch.etiquette.places import zone_moves, zones_to_remember
from batch.etiquette.schedule import FollowUp, next_change, plan, select
from batch.etiquette.workdays import is_open, next_opening
from batch.inbox.watch import next_look, sooner
from batch.ledger.reads import read_entries, read_states, read_zones
from batch.ledger.schema import Entry
from batch.ledger.store import Claim, Ledger, day_ago, locked
from batch.mail.outcome import Outcome
from batch.mail.pace import next_size
from batch.model.interview import Dataset
from batch.model.keys import Known

if TYPE_CHECKING:  # composing and transports are imported only once something is due
    from batch.inbox.sentcopy import SentCopies
    from batch.letters.compose import Composed
    from batch.mail.ahead import Ready
    from batch.mail.transport import Transport


class Result(NamedTuple):
    """What one `send` run did: each outcome, and the messages it composed (the preview shows them)."""

    outcomes: list[Outcome]
    composed: list[Composed]
    mailbox_problem: str | None = None  # replies could not be looked for: due check-ins were held
    idle: bool = False  # nothing was due and nothing is owed: the plan stays as it is until next_change
    next_change: datetime | None = None  # schedule.next_change of an idle run's plan

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
    copies: SentCopies | None = None,
) -> Result:
    """The one send path: lock, settle interrupted claims, plan, stop on reply, compose, gate, deliver,
    record, file copies in your Sent folder (when `copies` says where). A dry run reads the ledger
    without writing it or taking the lock, and records nothing."""
    interviews = [interview.id for interview in data.interviews]  # the plan reads these rows only
    starts = {f"{interview.start:%Y-%m-%d %H:%M}" for interview in data.interviews}  # and these (twins.py)
    if dry_run:
        known = read_states(state, interviews, starts)
        return _run(data, now, known, None, transport, clock, env, limit, sleep, announce, report,
                    lambda: read_entries(state), zones=read_zones(state))  # fmt: skip
    with locked(state), Ledger(state) as ledger:
        ledger.mark_interrupted(
            lambda key: announce(f"uncertain  {key}: a run stopped between claim and record; {_hint(key)}")
        )
        ledger.beat(now)
        known = ledger.states(interviews, starts)
        result = _run(data, now, known, ledger, transport, clock, env, limit, sleep, announce, report,
                      ledger.entries, keep_copies=copies is not None, zones=ledger.zones())  # fmt: skip
        if copies is not None and result.mailbox_problem is None:  # a mailbox just found failing: next run
            filed = _file_copies(copies, ledger, announce)
            result = result if filed else result._replace(idle=False)  # owed: again next run
        return result


def _file_copies(copies: SentCopies, ledger: Ledger, announce: Callable[[str], None]) -> bool:
    """File what this run and earlier ones owe your Sent folder; a line when some must wait, said once
    for each new reason (a cron log does not repeat it every quarter of an hour). Whether all are filed."""
    owed = ledger.owed_copies()
    if not owed:
        return True
    # late: imaplib stays off a run that owes no Sent copy
    from batch.inbox.sentcopy import file_copies

    problem = file_copies(copies, owed, ledger.copy_filed)
    if problem is not None and ledger.notice_once("copies", same_reason(problem), owed[-1][2]):
        left = len(ledger.owed_copies())
        announce(f"copies  {left} sent message(s) not yet in your Sent folder (tried each run): {problem}")
    return problem is None


def same_reason(problem: str) -> str:
    """A problem as the ledger remembers it was said: without the timings some servers add to each
    answer (dovecot's "(0.002 + 0.000 + 0.001 secs)", two or three of them), which made it new on
    almost every run."""

    return re.sub(r" ?\((?:[0-9.]+ \+ )*[0-9.]+ secs\)", "", problem)


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
    keep_copies: bool = False,
    zones: Mapping[str, str] | None = None,
) -> Result:
    items = plan(data, now, known, exact=False)
    if moved := zone_moves(data, items, zones or {}):  # never guessed: nothing goes until you say
        raise InputError(moved)
    if ledger is not None:  # each interview's zone, first seen: one write, once (later runs only read)
        ledger.remember_zones(zones_to_remember(data, zones or {}), now)
    _announce_held(items, ledger, now, announce)
    told: list[Outcome] = []
    if ledger is not None and (look := next_look(items, ledger.path, now, env)) is not None and look <= now:
        # late: imaplib only when a thank-you just sent is looked for in the mailbox (every 30 min at most)
        from batch.inbox.bounces import look_for_bounces

        items, known, lines = look_for_bounces(data, now, known, items, ledger, env, announce)
        told = [Outcome("bounced", "bounced", line) for line in lines]
        for outcome in told:
            report(outcome)
    if not select(items):
        looks = next_look(items, ledger.path, now, env) if ledger is not None else None
        return Result(told, [], idle=not told, next_change=sooner(next_change(items, now), looks))
    problem = None
    if any(item.kind == "check-in" and item.state == "due" for item in items):
        # late: imaplib stays off a run with no check-in due
        from batch.inbox.replies import plan_with_replies
        from batch.inbox.skipped import every_time, remembered  # late: as plan_with_replies

        once = every_time if ledger is None else remembered(ledger, now)  # an unreadable message, said once
        items, problem = plan_with_replies(data, now, known, items, entries, env, announce, once)
        if ledger is not None:
            from batch.inbox.replies import record_returns  # late: as plan_with_replies, loaded above

            record_returns(ledger, items, now)
        if problem is not None:
            announce(f"held  due check-ins, not sent blindly: cannot look for replies: {problem}")
            items = [i for i in items if not (i.kind == "check-in" and i.state == "due")]
    if ledger is not None and any(
        i.state in ("replied", "bounced") and known.get(i.key) != i.state for i in items
    ):
        # late: imaplib stays off a run with no check-in due
        from batch.inbox.replies import record_replies

        for line in record_replies(ledger, items, known, now):
            told.append(Outcome(line.split()[0], line.split()[0], line))  # replied | bounced
            report(told[-1])
    if not select(items):
        return Result(told, [], problem)
    # late: jinja2, markdown and MIME stay off a run with nothing to send
    from batch.letters.compose import compose, thread_of

    # A check-in answers the thank-you email the ledger holds (read-only in a dry run); the words are
    # those of the moment it goes
    rows = entries() if any(i.kind == "check-in" for i in select(items)) else []
    composed: list[Composed] = []

    def compose_one(item: FollowUp) -> Composed:
        return compose(item, data, now, thread_of(item, rows))

    outcomes = deliver_due(
        select(items), data, transport(), ledger, now, clock=clock, limit=limit, sleep=sleep, report=report,
        composed=composed, compose_one=compose_one, keep_copies=keep_copies,
    )  # fmt: skip
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
            path, line, _ = place_of(item.interview, item.interviewer)  # where to say the word
            announce(f"held  {item.kind} to {item.interviewer.name} ({item.interview.id}) at {path}:{line}: "
                     f"{item.why.partition('; held: ')[2]}")  # fmt: skip


def deliver_due(
    ready: Sequence[Composed | FollowUp],
    data: Dataset,
    transport: Transport,
    ledger: Ledger | None,
    now: datetime,
    *,
    clock: Callable[[], datetime] | None = None,
    limit: int | None = None,
    sleep: Callable[[float], None] = lambda seconds: None,
    report: Callable[[Outcome], None] = lambda outcome: None,
    composed: list[Composed] | None = None,
    compose_one: Callable[[FollowUp], Composed] | None = None,
    keep_copies: bool = False,
) -> list[Outcome]:
    """Deliver follow-ups (composed here if not yet) at most once each; lint failures are reported and
    the rest go on. Outcomes come in the order of `ready`; `composed` collects every message composed.

    The next messages are composed ahead (ahead.py) while the server answers the current one; claims,
    records and reports stay here.
    """
    clock = clock or (lambda: now)
    room = _room(ledger, data, now, limit)
    ids = ledger.message_ids(_key(r) for r in ready) if ledger is not None else {}
    pause = data.policy.pause_seconds if not transport.dry_run else 0.0
    run = _Run(data, transport, ledger, clock, report)
    run.keep_copies = keep_copies and ledger is not None
    size = 1  # the first, which also connects, says how fast the server is; with a pause, always 1
    # late: jinja2, markdown and MIME stay off a run with nothing to send
    from batch.letters.compose import compose
    from batch.mail.ahead import compose_ahead
    from batch.mail.transport import AccountRefused  # loaded already with the transport we were given

    one = compose_one or (lambda item: compose(item, data))

    def make(item: Composed | FollowUp, index: int) -> Ready:
        # the pause before composing, not before the claim: the email is dated when it goes, and a
        # crash during the pause strands nothing
        if pause and index < room and run.handed > run.paused:
            sleep(pause)
            run.paused = run.handed
        return _made(one(item) if isinstance(item, FollowUp) else item, data, ids, clock, index, room)

    # With a pause nothing is composed ahead: the sender has time to spare, and a message made ahead
    # would carry the Date of a moment a pause or more before it went.
    stream = compose_ahead(ready, make, ahead=not pause)
    pending: list[Ready] = []
    mails = 0  # of pending, those with a message to send
    held: list[Composed] = []
    try:
        for made in stream:
            if composed is not None:
                composed.append(made.composed)
            if made.counted and made.index >= room:
                held.append(made.composed)
                continue
            pending.append(made)
            mails += made.mail is not None
            if mails >= size:
                began = time.monotonic()
                run.chunk(pending)
                size = 1 if pause else next_size(time.monotonic() - began, mails)
                pending, mails = [], 0
        run.chunk(pending)
    except AccountRefused as exc:  # after some went, the line says how many, and which wait
        sent = sum(o.state == "sent" for o in run.outcomes)
        if not sent:
            raise
        done = {o.key for o in run.outcomes}
        waiting = [_named(i) for i in ready if _key(i) not in done]
        raise exc.after(sent, waiting) from None
    finally:
        stream.close()
        transport.close()
    if held:
        run.emit([_held(held, room, limit)])
    return run.outcomes


def _key(item: Composed | FollowUp) -> str:
    return item.key if isinstance(item, FollowUp) else item.item.key


def _named(item: Composed | FollowUp) -> str:
    """A follow-up in the fewest words that tell it from the others: what, to whom, which interview."""
    follow_up = item if isinstance(item, FollowUp) else item.item
    return f"{follow_up.kind} to {follow_up.interviewer.name} ({follow_up.interview.id})"


def _room(ledger: Ledger | None, data: Dataset, now: datetime, limit: int | None) -> int:
    room = data.policy.daily_cap
    if ledger is not None:
        room = max(0, room - ledger.count_since(day_ago(now)))
    return room if limit is None else min(room, limit)


def _made(
    composed: Composed, data: Dataset, ids: Mapping[str, str], clock: Callable[[], datetime], index: int,
    room: int,
) -> Ready:  # fmt: skip
    """A composed follow-up with its mail, or the outcome that keeps it from being sent."""
    # late: the composer ahead (os.fork, marshal) only when something goes
    from batch.mail.ahead import Ready

    if composed.problems:
        return Ready(composed, None, _rejected(composed), index, False)
    if index >= room:  # held by the cap: no mail needed
        return Ready(composed, None, None, index, True)
    # late: MIME only when something goes
    from batch.letters.compose import to_mail
    from batch.letters.mime import new_message_id

    item, when = composed.item, clock()  # the Date is set again, in your own zone, as it goes (_Run.chunk)
    try:
        message_id = ids.get(item.key) or new_message_id(data.me.email, when)
        mail = to_mail(composed, data, message_id, when)
    except InputError as exc:  # an address mail cannot carry: this one is not sent, the batch goes on
        return Ready(composed, None, Outcome(item.key, "rejected", f"not sent  {describe(composed)}: {exc}"),
                      index, True)  # fmt: skip
    return Ready(composed, mail, None, index, True)


class _Run:
    """The sender's side: claims a chunk, hands each message over, records and reports the chunk."""

    def __init__(
        self,
        data: Dataset,
        transport: Transport,
        ledger: Ledger | None,
        clock: Callable[[], datetime],
        report: Callable[[Outcome], None],
    ) -> None:

        self.data, self.transport, self.ledger = data, transport, ledger
        self.clock, self.report = clock, report
        self.home = zone(data.me.timezone)  # an email is dated in your own zone, as your own mail is
        self.outcomes: list[Outcome] = []
        self.handed = 0  # messages handed to the transport so far (the pause goes between two)
        self.paused = 0  # how many had been handed over at the last pause
        self.keep_copies = False  # keep each delivered email's bytes for your Sent folder (sentcopy)

    def emit(self, outcomes: Iterable[Outcome | None]) -> None:
        """Keep and report outcomes, in order."""
        for outcome in outcomes:
            if outcome is not None:
                self.outcomes.append(outcome)
                self.report(outcome)

    def chunk(self, chunk: list[Ready]) -> None:
        """Claim the chunk's messages in one transaction, send them, record them in one transaction.

        On any stop before a message was handed over (a lost connection, a refused login, Ctrl-C, a
        full disk), its claim is released: it stays as due as it was, with the same Message-ID.
        """
        if not chunk:
            return
        # late: MIME only when something goes
        from batch.letters.mime import dated

        results: list[Outcome | None] = [m.outcome for m in chunk]
        now = self.clock()
        claims = []
        for n, made in enumerate(chunk):
            if made.mail is not None:
                results[n] = _closed(made.composed, now)  # the gate, before claiming
                if results[n] is None:
                    claims.append((n, made))
        granted: set[str] = set()
        unsent: list[str] = []  # claimed, not handed over: released at the end, whatever stops the chunk
        records: list[tuple[str, str, str]] = []
        copies: list[tuple[str, bytes]] = []
        try:
            with _ctrl_c_waits():  # the claims and the note of what to release are made together
                granted = set(self._claim([made for _, made in claims], now))
                unsent = [made.composed.item.key for _, made in claims if made.composed.item.key in granted]
            for n, made in claims:
                key = made.composed.item.key
                if self.ledger is not None and key not in granted:
                    continue  # claimed already: never twice
                when = self.clock()
                results[n] = _closed(made.composed, when)  # the gate again, right before sending
                if results[n] is not None:
                    continue  # its claim is released with the rest
                assert made.mail is not None  # claimed: it has a mail
                made.mail = dated(made.mail, when.astimezone(self.home))
                self.handed += 1
                try:
                    results[n] = self._send(made, records)
                finally:  # once it may have arrived (or has its own record), it is never released
                    if key in unsent and (self.transport.handed_over or (records and records[-1][0] == key)):
                        unsent.remove(key)
                if self.keep_copies and made.composed.item.sends_email and records[-1][1] == "sent":
                    copies.append((key, made.mail.data))
        finally:
            if self.ledger is not None:
                with _ctrl_c_waits():  # a second Ctrl-C does not cut the record short
                    self.ledger.record_many(records, self.clock(), release=unsent, copies=copies)
            self.emit(results)

    def _claim(self, chunk: list[Ready], now: datetime) -> list[str]:
        if self.ledger is None or not chunk:
            return []

        claims = []
        for made in chunk:
            item, mail = made.composed.item, made.mail
            assert mail is not None
            entry = Entry(
                key=item.key, interview=item.interview.id, kind=item.kind, method=item.method,
                recipient=mail.envelope_to, name=item.interviewer.name, subject=mail.subject,
                message_id=mail.message_id, state="sending", attempts=1, claimed_at="", finished_at=None,
                reply=None, company=item.interview.company, start=f"{item.interview.start:%Y-%m-%d %H:%M}",
            )  # fmt: skip
            fixes = _check_in_to(item) if item.kind == "thank-you" else None
            claims.append(Claim(entry, item.supersedes, fixes))
        return self.ledger.claim_many(claims, now)

    def _send(self, made: Ready, records: list[tuple[str, str, str]]) -> Outcome:
        """Hand one claimed message over; its record joins the chunk's (Unreachable: deferred, raised)."""
        # late: smtplib only when something goes
        from batch.mail.transport import Refused, Uncertain, Unreachable

        item, mail, what = made.composed.item, made.mail, describe(made.composed)
        assert mail is not None
        if self.ledger is None:
            reply = self.transport.send(mail)
            return Outcome(item.key, "written", f"dry run  {what}  {reply}")
        try:
            reply = self.transport.send(mail)
        except Refused as exc:
            state = "deferred" if exc.temporary else "failed"
            records.append((item.key, state, str(exc)))
            later = " (tried again on the next run)" if exc.temporary else ""
            return Outcome(item.key, state, f"{state}  {what}: {exc}{later}")
        except Uncertain as exc:
            records.append((item.key, "uncertain", str(exc)))
            return Outcome(
                item.key, "uncertain", f"uncertain  {what}: {exc}; {RESOLVE_HINT.format(key=item.key)}"
            )
        except Unreachable as exc:
            records.append((item.key, "deferred", str(exc)))
            raise
        records.append((item.key, "sent", reply))
        verb = "sent" if item.sends_email else "reminded"
        return Outcome(item.key, "sent", f"{verb}  {what}  [{reply}]")


@contextlib.contextmanager
def _ctrl_c_waits() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM take effect when the block is over, not inside it: a claim committed
    but not yet noted for release would otherwise be left `sending`, then flagged uncertain though it
    never went. Only the main thread can hold a signal; elsewhere the block runs as it is."""
    # late: threading only while a chunk is being sent
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda signum, frame: caught.append(signum)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for first in caught[:1]:  # as if it came now
            handler = previous[signal.Signals(first)]
            if callable(handler):
                handler(first, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(first)


def _closed(composed: Composed, now: datetime) -> Outcome | None:
    """The send-time gate as an outcome: waiting or expired, or None when the message may go now."""
    closed = _outside_hours(composed.item, now)
    if closed is None:
        return None
    return Outcome(composed.item.key, closed[0], f"{closed[0]}  {describe(composed)}: {closed[1]}")


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
    # late: compose (jinja2, markdown) stays off a run with nothing to send
    from batch.letters.compose import is_placed

    item = composed.item
    own = [problem for problem in composed.problems if is_placed(problem)]
    if own:  # a template that failed: its own place first, then what it holds back
        return Outcome(item.key, "rejected", f"{'; '.join(own)}; not sent  {describe(composed)}")
    path, line, col = place_of(item.interview, item.interviewer)
    problems = "; ".join(composed.problems)
    what = f"not sent  {describe(composed)}: {problems} (template {composed.words.template})"
    return Outcome(item.key, "rejected", f"{path}:{line}:{col}: {what}")


def _held(waiting: list[Composed], room: int, limit: int | None) -> Outcome:
    why = f"--limit {limit}" if limit is not None and room == limit else "the daily cap (policy.daily_cap)"
    keys = ", ".join(c.item.key for c in waiting)
    return Outcome(keys, "held", f"held  {len(waiting)} more left for a later run by {why}")
