"""A look in the mailbox for the bounce of a thank-you while it matters: soon after it went, not on the
day its check-in falls due (watch.py says when). A delivery report for one marks it `bounced` in the
ledger with one line naming the fix, said once; the check-in to that address is held from then on.
`doctor` makes the same search over every email sent, and only reads (bounces_seen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from batch.account.settings import ImapSettings, imap_settings
from batch.errors import InputError
from batch.etiquette.schedule import FollowUp, plan
from batch.inbox import watch
from batch.inbox.imap import MailboxError
from batch.inbox.replies import Bounced, Watch, find_replies, record_replies, same_form
from batch.inbox.skipped import remembered
from batch.ledger import wake
from batch.ledger.schema import Entry
from batch.ledger.store import Ledger
from batch.model.interview import Dataset
from batch.model.keys import Known


def look_for_bounces(
    data: Dataset,
    now: datetime,
    known: Known,
    items: list[FollowUp],
    ledger: Ledger,
    env: Mapping[str, str],
    announce: Callable[[str], None],
) -> tuple[list[FollowUp], Known, list[str]]:
    """The plan, the ledger's states and a line for each thank-you a delivery report names, after one
    look (remembered, so the next is LOOK_EVERY later); a mailbox that cannot be read is said once."""
    wake.write_look(ledger.path, now)
    rows = {entry.key: entry for entry in ledger.entries()}
    watches = watches_of(rows[item.key] for item in watch.watched(items, now) if item.key in rows)
    try:
        settings = imap_settings(env)
        found = find_replies(settings, watches) if settings is not None else None
    except (MailboxError, InputError) as exc:
        problem = " ".join(str(exc).split())
        # with a check-in due, the look for replies meets the same mailbox and says so in its own line
        said_there = any(item.kind == "check-in" and item.state == "due" for item in items)
        if not said_there and ledger.notice_once("bounces", problem, now):
            announce(
                f"bounces  cannot look for bounces of the thank-yous sent (tried every 30 min): {problem}"
            )
        return items, known, []
    if found is None:
        return items, known, []
    said = remembered(ledger, now)
    for skipped in found.skipped:
        if said(skipped):
            announce(skipped.line)
    by_id = {entry.message_id: entry for entry in rows.values() if entry.message_id}
    why = {by_id[b.message_id].key: f"bounced: the server said {b.diagnostic}" for b in found.bounces}
    if not why:
        return items, known, []
    after = known.with_states(dict.fromkeys(why, "bounced"))
    items = [
        item._replace(why=why[item.key]) if item.key in why and item.state == "bounced" else item
        for item in plan(data, now, after, exact=False)
    ]
    return items, after, record_replies(ledger, items, known, now)


def watches_of(entries: Iterable[Entry]) -> list[Watch]:
    """One watch per interview for the delivery reports of these emails (those with a Message-ID)."""
    sent: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.message_id:
            sent.setdefault(entry.interview, []).append(entry)
    return [
        Watch(interview, tuple((e.message_id, same_form(e.recipient)) for e in entries), (),
              min(datetime.fromisoformat(e.claimed_at) for e in entries))
        for interview, entries in sent.items()
    ]  # fmt: skip


def bounces_seen(settings: ImapSettings, entries: Iterable[Entry]) -> list[tuple[Entry, Bounced]]:
    """The delivery reports in the mailbox for these emails, each with its ledger row; only reads (doctor:
    no look is remembered, nothing is recorded)."""
    sent = [e for e in entries if e.method == "email" and e.state in watch.SENT and e.message_id]
    by_id = {entry.message_id: entry for entry in sent}
    found = find_replies(settings, watches_of(sent))
    return [(by_id[b.message_id], b) for b in found.bounces if b.message_id in by_id]
