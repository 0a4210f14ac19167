"""When the mailbox is looked at for the bounce of a thank-you: after a thank-you email goes, while it
could still be sent again (before its expiry), at most every LOOK_EVERY, and only with FOLLOWUP_IMAP_HOST
set. The last look is remembered beside the ledger (ledger/wake.py), and an idle run's wake-up note
wakes no later than the next look.

Light on purpose: this is on the idle cron path (the look itself, and imaplib, load only when one is due).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from batch.ledger import wake

if TYPE_CHECKING:
    from batch.etiquette.schedule import FollowUp

LOOK_EVERY = timedelta(minutes=30)
SENT = ("sent", "uncertain")  # ledger states of a thank-you that went (or may have gone)


def watched(items: Iterable[FollowUp], now: datetime) -> list[FollowUp]:
    """The thank-you emails that went and could still go again: a bounce now is worth knowing."""
    return [
        item
        for item in items
        if item.kind == "thank-you"
        and item.method == "email"
        and item.state in SENT
        and now < item.expires_at
    ]


def next_look(
    items: Iterable[FollowUp], state: Path, now: datetime, env: Mapping[str, str]
) -> datetime | None:
    """When the mailbox is next to be looked at for bounces; None when no thank-you is watched."""
    if not str(env.get("FOLLOWUP_IMAP_HOST", "")).strip() or not watched(items, now):
        return None
    last = wake.read_look(state)
    return now if last is None or last > now else last + LOOK_EVERY


def sooner(first: datetime | None, second: datetime | None) -> datetime | None:
    """The earlier of two moments, either of which may be missing."""
    return min(first, second) if first is not None and second is not None else first or second
