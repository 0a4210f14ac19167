"""Replies in the user's mailbox: a reply from anyone at an interview stops its pending check-ins.

A reply is a message whose In-Reply-To or References names one of our thank-yous (from whoever
writes it), or one from an address on the panel since the first thank-you. The server's searches
match substrings, so every hit is checked again on its headers (BODY.PEEK, in a folder opened
read-only: see imap.py). Not every such message is a reply (autoreply.py tells them apart):
- a delivery report for a thank-you marks that thank-you `bounced` (and holds a check-in to the same
  address); the report is found by its threading headers or by the thank-you's Message-ID anywhere in
  its text (TEXT, which also reaches the headers of a quoted message/rfc822 original);
- an auto-reply is no reply; when it names a return date and speaks for the check-in's recipient,
  the check-in waits for their first working day back;
- mail from the user's own addresses is never a reply.
Addresses are compared in one form: lower case, an international domain in Unicode.
Past 400 lines: finding replies, reading bounces and weighing auto-replies are one pass over one mailbox.
"""

from __future__ import annotations

import contextlib
import encodings.idna
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

from batch.account.settings import ImapSettings, imap_settings
from batch.data.fields import zone
from batch.data.load import place_of
from batch.errors import InputError
from batch.etiquette import workdays
from batch.etiquette.schedule import FollowUp, plan
from batch.etiquette.workdays import recipient_policy
from batch.inbox import autoreply, plainbounce
from batch.inbox.imap import (
    MailboxError,
    SearchRefused,
    describe_problem,
    fetch,
    hang_up,
    log_out,
    open_mailbox,
    search,
    uid_validity,
)
from batch.inbox.skipped import Once, Skipped, every_time, mailbox_of, mark_of
from batch.ledger.schema import Entry
from batch.ledger.store import Ledger
from batch.model.interview import Dataset
from batch.model.keys import Known, address_key, known_from

if TYPE_CHECKING:
    import imaplib

_FIELDS = (
    "(BODY.PEEK[HEADER.FIELDS (FROM IN-REPLY-TO REFERENCES MESSAGE-ID DATE SUBJECT CONTENT-TYPE "
    f"{' '.join(autoreply.HEADERS).upper()})])"
)
_START, _WHOLE = 65536, 2 * 1024 * 1024  # a message's start, and as much as a report is read to
_BODY = "(BODY.PEEK[]<0.{size}>)"  # enough for a report's parts or an auto-reply's text, never \Seen
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
PENDING = ("scheduled", "due", "waiting")  # check-in states a reply cancels
_WAITS = "waits for "  # how the why of a check-in moved to its recipient's return begins


@dataclass(frozen=True, slots=True)
class Watch:
    """What answers one interview looks like: our thank-yous, the panel, the check-in's recipient."""

    interview: str
    thank_yous: tuple[tuple[str, str], ...]  # (Message-ID, recipient in one form)
    senders: tuple[str, ...]  # the panel's addresses, in one form
    since: datetime  # the first thank-you (or the interview's end when none went through the ledger)
    check_in_to: str = ""  # the check-in's recipient, in one form

    @property
    def message_ids(self) -> tuple[str, ...]:
        """Our thank-yous' Message-IDs."""
        return tuple(message_id for message_id, _ in self.thank_yous)


@dataclass(frozen=True, slots=True)
class Reply:
    """A message in the mailbox that answers an interview."""

    interview: str
    sender: str
    date: str
    how: str  # In-Reply-To | References | From


@dataclass(frozen=True, slots=True)
class Away:
    """An auto-reply for the check-in's recipient that names the first day they are back."""

    interview: str
    back: date  # as written; `how` says whether it is the day back or the last day away
    how: str  # back | until


@dataclass(frozen=True, slots=True)
class Bounced:
    """A delivery report for one of our thank-yous."""

    interview: str
    message_id: str
    diagnostic: str


@dataclass(slots=True)
class Findings:
    """What the mailbox says about the watched interviews."""

    replies: list[Reply] = field(default_factory=list)
    away: list[Away] = field(default_factory=list)
    bounces: list[Bounced] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # each message that could not be read
    mailbox: str = ""  # which mailbox, for the skipped messages' marks (skipped.mailbox_of)
    incomplete: set[str] = field(default_factory=set)  # interviews a found message was not sent for


def same_form(address: str) -> str:
    """An address in the one form matching uses: the ledger's, keys.address_key (the form mail goes to)."""
    return address_key(address)


def _unicode_form(address: str) -> str:
    """An address in lower case with its domain's IDNA labels in Unicode (a spelling to search by)."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address.strip().lower()
    labels = []
    for label in domain.rstrip(".").lower().split("."):
        with contextlib.suppress(UnicodeError):  # a label that is no valid IDNA stays as written
            label = encodings.idna.ToUnicode(label) if label.startswith("xn--") else label
        labels.append(label)
    return f"{local.lower()}@{'.'.join(labels)}"


def _spellings(address: str) -> set[str]:
    """An address as a server's FROM search needs it: its domain in Unicode and in ASCII (IDNA)."""
    local, _, domain = address.rpartition("@")
    spellings = {address, same_form(address), _unicode_form(address)}
    with contextlib.suppress(UnicodeError):
        spellings.add(f"{local}@{domain.encode('idna').decode('ascii')}")
    return spellings


def watches_for(items: Iterable[FollowUp], entries: Iterable[Entry], data: Dataset) -> list[Watch]:
    """One watch per interview that has a check-in due now."""
    check_ins = {i.interview.id: i for i in items if i.kind == "check-in" and i.state == "due"}
    thanked: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.kind == "thank-you" and entry.state in ("sent", "uncertain"):
            thanked.setdefault(entry.interview, []).append(entry)
    watches = []
    for check_in in check_ins.values():
        interview = check_in.interview
        sent = thanked.get(interview.id, [])
        if sent:
            since = min(datetime.fromisoformat(e.claimed_at) for e in sent)
        else:
            since = interview.end.replace(tzinfo=zone(interview.where(data.me)))
        senders = tuple(sorted({same_form(p.email) for p in interview.interviewers if p.email}))
        thank_yous = tuple((e.message_id, same_form(e.recipient)) for e in sent)
        to = same_form(check_in.interviewer.email) if check_in.interviewer.email else ""
        watches.append(Watch(interview.id, thank_yous, senders, since, to))
    return watches


def replied_states(items: Iterable[FollowUp], replies: Iterable[Reply]) -> dict[str, str]:
    """key → 'replied' for every pending check-in of an interview that was answered."""
    answered = {reply.interview for reply in replies}
    return {
        item.key: "replied"
        for item in items
        if item.kind == "check-in" and item.state in PENDING and item.interview.id in answered
    }


def find_replies(settings: ImapSettings, watches: list[Watch], own: Iterable[str] = ()) -> Findings:
    """Replies, auto-replies with a return date and bounces for the watched interviews (mail from
    `own` addresses never counts)."""
    found = Findings()
    watches = [watch for watch in watches if watch.message_ids or watch.senders]
    if not watches:  # nothing to look for: the mailbox is not opened
        return found
    mine = {same_form(address) for address in own}
    client = open_mailbox(settings)
    try:
        found.mailbox = mailbox_of(settings, uid_validity(client))
        wide: dict[str, set[bytes]] = {}  # everything since a day, searched once when a search is refused
        for watch in watches:
            _look(client, watch, mine, found, wide)
    except (OSError, client.error) as exc:  # client.abort is a subclass of client.error
        log_out(client)
        raise MailboxError(f"{settings.where}: {describe_problem(exc, settings)}") from None
    except BaseException:  # Ctrl-C or the run's deadline (cli/alarm.py): no LOGOUT, whose answer a
        hang_up(client)  # server dripping its last answer could stretch for hours
        raise
    log_out(client)
    return found


def _look(
    client: imaplib.IMAP4, watch: Watch, mine: set[str], found: Findings, wide: dict[str, set[bytes]]
) -> None:
    """Search, fetch headers, and sort each hit: report, auto-reply, reply or neither."""
    since = watch.since.astimezone(UTC) - timedelta(days=1)  # SINCE is a date in the server's zone
    day = f"{since.day}-{_MONTHS[since.month - 1]}-{since.year}"

    def hits(criteria: tuple[str, ...], value: str) -> set[bytes]:
        try:
            return search(client, criteria, value)
        except SearchRefused:
            # a server without UTF-8 search (RFC 3501 asks only for US-ASCII), or without a criterion:
            # everything since the day stands in for this search, each hit read as every hit is
            if day not in wide:
                wide[day] = search(client, ("SINCE",), day)  # refused too: the mailbox cannot be read
            return wide[day]

    uids: set[bytes] = set()
    for message_id in watch.message_ids:
        bare = message_id.strip().strip("<>")
        uids |= hits(("HEADER", "In-Reply-To"), bare)
        uids |= hits(("HEADER", "References"), bare)
        uids |= hits(("SINCE", day, "TEXT"), bare)  # a bounce, in RFC 3464's form or in plain text
    for sender in watch.senders:
        for spelling in sorted(_spellings(sender), key=lambda s: not s.isascii()):  # ASCII forms first
            uids |= hits(("SINCE", day, "FROM"), spelling)
    answered = fetch(client, sorted(uids, key=int), _FIELDS)
    for uid in sorted(uids - {uid for uid, _ in answered}, key=int):  # never passed over in silence
        found.incomplete.add(watch.interview)  # it may have been the reply: its check-in waits a run
        why = "the search found it but the server did not send it (deleted meanwhile?)"
        found.skipped.append(
            Skipped(mark_of(found.mailbox, uid), _skipped(uid, b"", autoreply.Unreadable(why)))
        )
    for uid, raw in answered:
        try:
            if raw is None:
                raise autoreply.Unreadable("the server sent NIL for its headers")
            _sort(client, uid, raw, watch, mine, found)
        except autoreply.UNREADABLE as exc:  # outside mail is data: a message we cannot read is skipped
            # (OSError and imaplib's errors end the look)
            found.skipped.append(Skipped(mark_of(found.mailbox, uid), _skipped(uid, raw or b"", exc)))


def _sort(
    client: imaplib.IMAP4, uid: bytes, raw: bytes, watch: Watch, mine: set[str], found: Findings
) -> None:
    """One hit: a report, an auto-reply, a reply or neither."""
    headers = HeaderParser().parsestr(raw.decode("utf-8", "replace"))  # SMTPUTF8 headers are raw UTF-8
    if autoreply.is_delivery_report(headers):  # first: real bounces also say Auto-Submitted
        found.bounces += _bounce(client, uid, watch, autoreply.read_report)
        return
    if plainbounce.is_plain_bounce(headers):  # a mailer daemon's mail is never a reply
        found.bounces += _bounce(client, uid, watch, plainbounce.read_plain_bounce)
        return
    reply = _match(headers, watch, mine)
    if reply is None:
        return
    if autoreply.is_auto_reply(headers):
        found.away += _away(client, uid, headers, reply, watch)
    elif all(r.interview != watch.interview for r in found.replies):
        found.replies.append(reply)


def _skipped(uid: bytes, raw: bytes, exc: Exception) -> str:
    """The line that says which message was skipped and why."""
    said = {}
    for line in raw.decode("utf-8", "replace").splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() in ("from", "subject") and name.strip().lower() not in said:
            said[name.strip().lower()] = autoreply.one_line(value, 60)
    which = ", ".join(f"{k} {v!r}" for k, v in said.items())
    why = str(exc) if isinstance(exc, autoreply.Unreadable) else f"cannot read it ({type(exc).__name__})"
    return (
        f"skipped  message UID {uid.decode('ascii', 'replace')} in the mailbox "
        f"({which or 'no From or Subject'}): {autoreply.one_line(why, 160)}; the run goes on without it"
    )


def _bounce(
    client: imaplib.IMAP4, uid: bytes, watch: Watch, read: Callable[[bytes], autoreply.Bounce | None]
) -> list[Bounced]:
    raw = _body(client, uid)
    try:
        report = read(raw) if raw is not None else None
    except autoreply.Unreadable:
        if raw is None or len(raw) < _START:
            raise
        # cut short: an explanation (Exchange's HTML) may fill the start, the status part after it
        raw = _body(client, uid, _WHOLE)
        report = read(raw) if raw is not None else None
    if report is None:  # a delay or success notice, or one we cannot read
        return []
    ours = [message_id for message_id in watch.message_ids if message_id in report.cited]
    return [Bounced(watch.interview, ours[0], report.diagnostic)] if ours else []


def _away(client: imaplib.IMAP4, uid: bytes, headers: Message, reply: Reply, watch: Watch) -> list[Away]:
    """The return date of an auto-reply that speaks for the check-in's recipient (by its sender, or
    for a postmaster@ or a shared sender, by the thank-you it answers)."""
    person = same_form(reply.sender)  # shown in Unicode; compared in the form mail goes to
    if person not in watch.senders:
        cited = set(_MESSAGE_ID.findall(" ".join(str(v) for v in headers.get_all(reply.how, []))))
        person = next((to for message_id, to in watch.thank_yous if message_id in cited), "")
    if not person or person != watch.check_in_to:
        return []
    raw = _body(client, uid)
    if raw is None:
        return []
    written = _date_of(reply.date) or watch.since
    found = autoreply.return_date(autoreply.body_text(raw), written.date())
    return [Away(watch.interview, found[0], found[1])] if found else []


def _body(client: imaplib.IMAP4, uid: bytes, size: int = _START) -> bytes | None:
    """The start of one message (None if it is gone since the search); Unreadable if the server sent NIL."""
    fetched = fetch(client, [uid], _BODY.format(size=size))
    if fetched and fetched[0][1] is None:
        raise autoreply.Unreadable("the server sent NIL for its text")
    return fetched[0][1] if fetched else None


def _match(headers: Message, watch: Watch, mine: set[str]) -> Reply | None:
    """Whether one message's headers answer the watch (the server's search matches substrings)."""
    senders = [
        same_form(address) for _, address in getaddresses([str(v) for v in headers.get_all("From", [])])
    ]
    if not senders or any(address in mine for address in senders):
        return None
    sender, date = senders[0], str(headers.get("Date", "")).strip()
    shown = _unicode_form(sender)  # the sender as people read it; compared in the form mail goes to
    for name in ("In-Reply-To", "References"):
        cited = set(_MESSAGE_ID.findall(" ".join(str(v) for v in headers.get_all(name, []))))
        if cited & set(watch.message_ids):
            return Reply(watch.interview, shown, date, name)
    if sender not in watch.senders:
        return None
    when = _date_of(date)
    if when is None:  # a reply by its sender alone must come after the thank-you: unknowable here
        said = f"cannot read its date {autoreply.one_line(date, 60)!r}" if date else "it has no date"
        raise autoreply.Unreadable(f"{said}, so nothing tells it came after the thank-you")
    return Reply(watch.interview, shown, date, "From") if when >= watch.since else None


def _date_of(text: str) -> datetime | None:
    """A Date header's moment; None when it cannot be read, or names a year no mail was written in
    (9999 left no room for the days counted from it)."""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if not 1970 <= when.year <= 2200:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def stop_on_reply(
    items: list[FollowUp], data: Dataset, entries: Iterable[Entry], settings: ImapSettings
) -> tuple[dict[str, str], Findings]:
    """Look in the mailbox about the interviews with a check-in due; the check-ins replies cancel."""
    own = [data.me.email, *([data.me.reply_to] if data.me.reply_to else [])]
    if "@" in settings.user:
        own.append(settings.user)
    found = find_replies(settings, watches_for(items, entries, data), own)
    return replied_states(items, found.replies), found


def with_reasons(items: list[FollowUp], replies: Iterable[Reply]) -> list[FollowUp]:
    """The follow-ups, each `replied` one saying who answered and how (for plan's `why`)."""
    by_interview = {reply.interview: reply for reply in replies}
    found = []
    for item in items:
        reply = by_interview.get(item.interview.id)
        if item.state == "replied" and reply is not None:
            how = "by sender address" if reply.how == "From" else f"{reply.how} our thank-you"
            item = item._replace(why=f"{reply.sender} replied ({how}, {reply.date or 'no date'})")
        found.append(item)
    return found


def plan_with_replies(
    data: Dataset,
    now: datetime,
    states: Known | Mapping[str, str],
    items: list[FollowUp],
    entries: Callable[[], Iterable[Entry]],
    env: Mapping[str, str],
    notice: Callable[[str], None] = lambda line: None,
    once: Once = every_time,
) -> tuple[list[FollowUp], str | None]:
    """The plan after a look in the mailbox: check-ins a reply cancelled as `replied`, thank-yous a
    delivery report names as `bounced`, check-ins that wait for an out-of-office's return date; and the
    problem, in one line, when the mailbox could not be read. IMAP is opened only when a check-in is
    due and FOLLOWUP_IMAP_HOST is set. A message that cannot be read is skipped with a line to `notice`
    (when `once` says it is new: send says each once, plan at every look)."""
    if not any(item.kind == "check-in" and item.state == "due" for item in items):
        return items, None
    known = list(entries())
    items = _hold_check_ins(items, _bounced_addresses(known), data)
    if not any(item.kind == "check-in" and item.state == "due" for item in items):
        return items, None
    try:
        settings = imap_settings(env)
        if settings is None:
            return items, None
        replied, found = stop_on_reply(items, data, known, settings)
    except (MailboxError, InputError) as exc:  # a wrong FOLLOWUP_IMAP_* setting holds the check-ins too
        return items, " ".join(str(exc).split())
    for skipped in found.skipped:
        if once(skipped):
            notice(skipped.line)
    if not (replied or found.bounces or found.away):
        return _hold_unsearched(items, found.incomplete), None
    by_id = {entry.message_id: entry for entry in known}
    bounced = {by_id[b.message_id].key: f"bounced: the server said {b.diagnostic}" for b in found.bounces}
    items = plan(data, now, known_from(states).with_states({**replied, **dict.fromkeys(bounced, "bounced")}))
    items = [
        i._replace(why=bounced[i.key]) if i.state == "bounced" and i.key in bounced else i for i in items
    ]
    new = {
        same_form(by_id[b.message_id].recipient): f"bounced: the server said {b.diagnostic}"
        for b in found.bounces
    }
    items = _hold_check_ins(with_reasons(items, found.replies), {**_bounced_addresses(known), **new}, data)
    items = _hold_unsearched(_wait_for_returns(items, found.away, data, now), found.incomplete)
    return sorted(items, key=lambda item: (item.due_at.astimezone(UTC), item.key)), None


def _hold_unsearched(items: list[FollowUp], incomplete: set[str]) -> list[FollowUp]:
    """A due check-in whose look for replies missed a message (found, then not sent) waits for the next
    run's look: the missing message may be the reply."""
    return [
        item._replace(state="held", why=f"{item.why}; held: {_UNSEARCHED}")
        if item.kind == "check-in" and item.state == "due" and item.interview.id in incomplete
        else item
        for item in items
    ]


_UNSEARCHED = "a message the search for replies found was not sent by the server; looked for again next run"


def _bounced_addresses(entries: Iterable[Entry]) -> dict[str, str]:
    """Addresses a thank-you bounced from, in one form, with what the ledger says about it."""
    return {
        same_form(e.recipient): e.reply or "bounced"
        for e in entries
        if e.kind == "thank-you" and e.state == "bounced"
    }


def _hold_check_ins(items: list[FollowUp], bounced: Mapping[str, str], data: Dataset) -> list[FollowUp]:
    """A check-in to an address a thank-you bounced from would bounce too: it shows `bounced` instead."""
    if not bounced:
        return items
    held = []
    for item in items:
        address = same_form(item.interviewer.email) if item.interviewer.email else ""
        if item.kind == "check-in" and item.state in PENDING and address in bounced:
            path = place_of(item.interview, item.interviewer)[0]
            said = bounced[address].removeprefix("bounced: ")
            why = f"held: the thank-you to {address} bounced ({said}); correct the address in {path}"
            item = item._replace(state="bounced", why=why)
        held.append(item)
    return held


def _wait_for_returns(
    items: list[FollowUp], away: Iterable[Away], data: Dataset, now: datetime
) -> list[FollowUp]:
    """Each pending check-in whose recipient is away waits for the first working day they are back."""
    latest: dict[str, Away] = {}
    for found in away:
        if found.interview not in latest or found.back > latest[found.interview].back:
            latest[found.interview] = found
    return [
        _after_return(item, latest[item.interview.id], data, now)
        if item.kind == "check-in" and item.state in PENDING and item.interview.id in latest
        else item
        for item in items
    ]


def _after_return(item: FollowUp, away: Away, data: Dataset, now: datetime) -> FollowUp:
    """The check-in moved to their first working day back; unchanged when that day cannot be counted
    (a return date at the end of the calendar)."""
    try:
        return _moved(item, away, data, now)
    except (OverflowError, ValueError):
        return item


def _moved(item: FollowUp, away: Away, data: Dataset, now: datetime) -> FollowUp:
    """The check-in moved to their first working day back, at the check-in time, when that is later."""
    person, interview = item.interviewer, item.interview
    rules = recipient_policy(data.policy, interview, person)
    there = zone(person.timezone or interview.where(data.me))
    first = away.back if away.how == "back" else workdays.add_business_days(away.back, 1, rules)
    if not workdays.is_working_day(first, rules):
        first = workdays.add_business_days(first, 1, rules)
    due = workdays.next_opening(datetime.combine(first, rules.check_in_at, tzinfo=there), there, rules)
    if due <= item.due_at:
        return item
    why = f"{_WAITS}{person.name}'s return on {first:%a} {first.day} {first:%b} (out-of-office reply)"
    state = "due" if now >= due else "scheduled"
    return item._replace(due_at=due, expires_at=due + (item.expires_at - item.due_at), state=state, why=why)


def record_returns(ledger: Ledger, items: Iterable[FollowUp], now: datetime) -> None:
    """Each check-in moved to its recipient's return is remembered in the ledger: its window moved
    with it, also for the runs after its first expiry, which do not open the mailbox."""
    for item in items:
        if item.kind == "check-in" and item.state in PENDING and item.why.startswith(_WAITS):
            ledger.note_away(item.key, item.due_at, item.why, now)


def record_replies(
    ledger: Ledger, items: Iterable[FollowUp], states: Known | Mapping[str, str], now: datetime
) -> list[str]:
    """Check-ins a reply cancelled and thank-yous that bounced go into the ledger, so later runs need
    not search the mailbox; one line for each, said on this run only."""
    lines = []
    for item in items:
        person = item.interviewer
        who = f"{person.name} <{person.email}>" if person.email else person.name
        if item.kind == "check-in" and item.state == "replied" and item.key not in states:
            entry = Entry(
                key=item.key, interview=item.interview.id, kind=item.kind, method=item.method,
                recipient=person.email or "", name=person.name, subject="", message_id="", state="replied",
                attempts=0, claimed_at="", finished_at=None, reply=None,
            )  # fmt: skip
            ledger.note_replied(entry, item.why, now)
            lines.append(f"replied  check-in to {who} ({item.interview.id}) not sent: {item.why}")
        elif item.kind == "thank-you" and item.state == "bounced" and states.get(item.key) != "bounced":
            ledger.note_bounced(item.key, item.why)
            path = place_of(item.interview, person)[0]
            said = item.why.removeprefix("bounced: ")
            lines.append(
                f"bounced  thank-you to {who} ({item.interview.id}): {said}; correct the address in {path}"
            )
    return lines
