"""Messages in the mailbox that could not be read: each is said once, not at every run.

Cron runs `send` every half hour, and while a check-in is due or a thank-you is watched for its bounce
each run reads the mailbox again, meeting the same message. Each one is known by a mark: a digest of
the mailbox (host, user, folder), its UIDVALIDITY and the message's UID, which together name one
message for as long as the server keeps its UIDs. The ledger remembers the marks said (a notice per
message, ledger.reads.SKIPPED), and `status` lists them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from batch.account.settings import ImapSettings
from batch.ledger.reads import SKIPPED
from batch.ledger.store import Ledger


@dataclass(frozen=True, slots=True)
class Skipped:
    """A message that could not be read: its mark, and the line that says which and why."""

    mark: str
    line: str


Once = Callable[[Skipped], bool]  # whether a skipped message is to be said now (new), or was before


def mailbox_of(settings: ImapSettings, validity: str) -> str:
    """What names the mailbox opened: the server, the login, the folder and its UIDVALIDITY."""
    return "\0".join((settings.host.lower(), str(settings.port), settings.user, settings.folder, validity))


def mark_of(mailbox: str, uid: bytes) -> str:
    """One message's mark: short, and saying nothing of the mailbox it stands for."""
    return hashlib.sha256(f"{mailbox}\0{uid.decode('ascii', 'replace')}".encode()).hexdigest()[:24]


def every_time(skipped: Skipped) -> bool:
    """Said at every look (plan, which reads and never writes the ledger)."""
    return True


def remembered(ledger: Ledger, now: datetime) -> Once:
    """Said the first time only: the ledger keeps the mark (written once, then only read)."""
    return lambda skipped: ledger.notice_once(f"{SKIPPED}{skipped.mark}", skipped.line, now)
