"""Replies in the user's mailbox: a reply from anyone at an interview stops its pending check-ins.

A reply is a message whose In-Reply-To or References names one of our thank-yous (from whoever
writes it), or one from an address on the panel since the first thank-you. The server's searches
match substrings, so every hit is checked again on its headers, which are all that is fetched
(BODY.PEEK, in a folder opened read-only: see mailbox.py).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

from .errors import InputError
from .fields import zone
from .imap import (
    ImapSettings,
    MailboxError,
    describe_problem,
    imap_settings,
    open_mailbox,
    quoted,
    text_of,
)
from .keys import known_from
from .ledger import Entry, Ledger
from .model import Dataset
from .schedule import FollowUp, plan

if TYPE_CHECKING:
    import imaplib

_FIELDS = "(BODY.PEEK[HEADER.FIELDS (FROM IN-REPLY-TO REFERENCES MESSAGE-ID DATE)])"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
PENDING = ("scheduled", "due", "waiting")  # check-in states a reply cancels


@dataclass(frozen=True, slots=True)
class Watch:
    """What a reply to one interview looks like: our thank-yous' Message-IDs, the panel, since when."""

    interview: str
    message_ids: tuple[str, ...]
    senders: tuple[str, ...]  # the panel's addresses, lower-case
    since: datetime  # the first thank-you (or the interview's end when none went through the ledger)


@dataclass(frozen=True, slots=True)
class Reply:
    """A message in the mailbox that answers an interview."""

    interview: str
    sender: str
    date: str
    how: str  # In-Reply-To | References | From


def watches_for(items: Iterable[FollowUp], entries: Iterable[Entry], data: Dataset) -> list[Watch]:
    """One watch per interview that has a check-in due now."""
    interviews = {i.interview.id: i.interview for i in items if i.kind == "check-in" and i.state == "due"}
    thanked: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.kind == "thank-you" and entry.state in ("sent", "uncertain"):
            thanked.setdefault(entry.interview, []).append(entry)
    watches = []
    for interview in interviews.values():
        sent = thanked.get(interview.id, [])
        if sent:
            since = min(datetime.fromisoformat(e.claimed_at) for e in sent)
        else:
            since = interview.end.replace(tzinfo=zone(interview.timezone or data.me.timezone))
        senders = tuple(sorted({p.email.lower() for p in interview.interviewers if p.email}))
        watches.append(Watch(interview.id, tuple(e.message_id for e in sent), senders, since))
    return watches


def replied_states(items: Iterable[FollowUp], replies: Iterable[Reply]) -> dict[str, str]:
    """key → 'replied' for every pending check-in of an interview that was answered."""
    answered = {reply.interview for reply in replies}
    return {
        item.key: "replied"
        for item in items
        if item.kind == "check-in" and item.state in PENDING and item.interview.id in answered
    }


def find_replies(settings: ImapSettings, watches: list[Watch], own: Iterable[str] = ()) -> list[Reply]:
    """The first reply found for each watched interview (mail from `own` addresses never counts)."""
    watches = [watch for watch in watches if watch.message_ids or watch.senders]
    if not watches:  # nothing to look for: the mailbox is not opened
        return []
    mine = {address.lower() for address in own}
    client = open_mailbox(settings)
    try:
        found = []
        for watch in watches:
            reply = _reply_to(client, watch, mine)
            if reply is not None:
                found.append(reply)
        return found
    except (OSError, client.error) as exc:  # client.abort is a subclass of client.error
        raise MailboxError(f"{settings.where}: {describe_problem(exc, settings)}") from None
    finally:
        with contextlib.suppress(Exception):  # logging out of a broken session may fail; it is gone anyway
            client.logout()


def _reply_to(client: imaplib.IMAP4, watch: Watch, mine: set[str]) -> Reply | None:
    uids: set[bytes] = set()
    for message_id in watch.message_ids:
        bare = message_id.strip().strip("<>")
        uids |= _search(client, ("HEADER", "In-Reply-To"), bare)
        uids |= _search(client, ("HEADER", "References"), bare)
    since = watch.since.astimezone(UTC) - timedelta(days=1)  # SINCE is a date in the server's zone
    day = f"{since.day}-{_MONTHS[since.month - 1]}-{since.year}"
    for sender in watch.senders:
        uids |= _search(client, ("SINCE", day, "FROM"), sender)
    for headers in _fetch_headers(client, sorted(uids, key=int)):
        reply = _match(headers, watch, mine)
        if reply is not None:
            return reply
    return None


def _search(client: imaplib.IMAP4, criteria: tuple[str, ...], value: str) -> set[bytes]:
    """UID SEARCH with a value that may not be ASCII (then sent as a UTF-8 literal, which comes last)."""
    if value.isascii():
        kind, data = client.uid("SEARCH", *criteria, quoted(value))
    else:
        client.literal = value.encode("utf-8")
        kind, data = client.uid("SEARCH", "CHARSET", "UTF-8", *criteria)
    if kind != "OK":
        raise MailboxError(f"the server refused a search ({text_of(data)})")
    return set(data[0].split()) if data and data[0] else set()


def _fetch_headers(client: imaplib.IMAP4, uids: list[bytes]) -> list[bytes]:
    if not uids:
        return []
    kind, data = client.uid("FETCH", b",".join(uids).decode("ascii"), _FIELDS)
    if kind != "OK":
        raise MailboxError(f"the server refused to fetch headers ({text_of(data)})")
    return [part[1] for part in data if isinstance(part, tuple) and len(part) == 2]


def _match(raw: bytes, watch: Watch, mine: set[str]) -> Reply | None:
    """Whether one message's headers answer the watch (the server's search matches substrings)."""
    headers = HeaderParser().parsestr(raw.decode("utf-8", "replace"))  # an SMTPUTF8 address is raw UTF-8
    senders = [address.lower() for _, address in getaddresses([str(v) for v in headers.get_all("From", [])])]
    if not senders or any(address in mine for address in senders):
        return None
    sender, date = senders[0], str(headers.get("Date", "")).strip()
    for name in ("In-Reply-To", "References"):
        cited = set(_MESSAGE_ID.findall(" ".join(str(v) for v in headers.get_all(name, []))))
        if cited & set(watch.message_ids):
            return Reply(watch.interview, sender, date, name)
    if sender in watch.senders and not _before(date, watch.since):
        return Reply(watch.interview, sender, date, "From")
    return None


def _before(date: str, moment: datetime) -> bool:
    """Whether a Date header is earlier than the moment; an unreadable date is not (it may be a reply)."""
    try:
        when = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when < moment


def stop_on_reply(
    items: list[FollowUp], data: Dataset, entries: Iterable[Entry], settings: ImapSettings
) -> tuple[dict[str, str], list[Reply]]:
    """Look in the mailbox for replies to the interviews with a check-in due; the check-ins they cancel."""
    own = [data.me.email, *([data.me.reply_to] if data.me.reply_to else [])]
    if "@" in settings.user:
        own.append(settings.user)
    replies = find_replies(settings, watches_for(items, entries, data), own)
    return replied_states(items, replies), replies


def with_reasons(items: list[FollowUp], replies: Iterable[Reply]) -> list[FollowUp]:
    """The follow-ups, each `replied` one saying who answered and how (for plan's `why`)."""
    by_interview = {reply.interview: reply for reply in replies}
    found = []
    for item in items:
        reply = by_interview.get(item.interview.id)
        if item.state == "replied" and reply is not None:
            how = "by sender address" if reply.how == "From" else f"{reply.how} our thank-you"
            item = replace(item, why=f"{reply.sender} replied ({how}, {reply.date or 'no date'})")
        found.append(item)
    return found


def plan_with_replies(
    data: Dataset,
    now: datetime,
    states: Mapping[str, str],
    items: list[FollowUp],
    entries: Callable[[], Iterable[Entry]],
    env: Mapping[str, str],
) -> tuple[list[FollowUp], str | None]:
    """The plan with the check-ins a reply cancelled as `replied`, and the problem, in one line, when the
    mailbox could not be read. IMAP is opened only when a check-in is due and FOLLOWUP_IMAP_HOST is set."""
    if not any(item.kind == "check-in" and item.state == "due" for item in items):
        return items, None
    try:
        settings = imap_settings(env)
        if settings is None:
            return items, None
        replied, replies = stop_on_reply(items, data, entries(), settings)
    except (MailboxError, InputError) as exc:  # a wrong FOLLOWUP_IMAP_* setting holds the check-ins too
        return items, " ".join(str(exc).split())
    if not replied:
        return items, None
    return with_reasons(plan(data, now, known_from(states).with_states(replied)), replies), None


def record_replies(
    ledger: Ledger, items: Iterable[FollowUp], states: Mapping[str, str], now: datetime
) -> None:
    """Check-ins a reply cancelled go into the ledger, so later runs need not search the mailbox."""
    for item in items:
        if item.state == "replied" and item.key not in states:
            person = item.interviewer
            entry = Entry(item.key, item.interview.id, item.kind, item.method, person.email or "",
                          person.name, "", "", "replied", 0, "", None, None)  # fmt: skip
            ledger.note_replied(entry, item.why, now)
