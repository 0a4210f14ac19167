"""The ledger: what was delivered, in SQLite, so that nothing is ever delivered twice.

A follow-up is claimed (state `sending`, its Message-ID) in a committed transaction before it goes
out, and recorded as `sent`, `failed` or `deferred` after. A claim still `sending` when the next run
starts means a run died in between: it becomes `uncertain` and is never sent again by itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .errors import FollowUpError, LockedError

STATES = ("sending", "sent", "failed", "deferred", "uncertain", "replied", "bounced")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    key         TEXT PRIMARY KEY,
    interview   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    method      TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    name        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL
                CHECK (state IN ('sending','sent','failed','deferred','uncertain','replied','bounced')),
    attempts    INTEGER NOT NULL DEFAULT 1,
    claimed_at  TEXT NOT NULL,
    finished_at TEXT,
    reply       TEXT
);
PRAGMA user_version = 3;
"""
# Version 1 lacked the `replied` state, version 2 `bounced`; their rows move over unchanged.
_MIGRATE = """
ALTER TABLE deliveries RENAME TO deliveries_v1;
{create}
INSERT INTO deliveries SELECT * FROM deliveries_v1;
DROP TABLE deliveries_v1;
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the ledger."""

    key: str
    interview: str
    kind: str
    method: str
    recipient: str
    name: str
    subject: str
    message_id: str
    state: str
    attempts: int
    claimed_at: str
    finished_at: str | None
    reply: str | None


class LedgerError(FollowUpError):
    """The ledger file cannot be opened or written (a setting or the disk, not the data)."""


class Ledger:
    """The SQLite ledger at one path; open it with `open_ledger` or `read_states`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = FULL")
            if self.db.execute("PRAGMA user_version").fetchone()[0] in (1, 2):
                create = _SCHEMA.split(";")[0].replace("IF NOT EXISTS ", "") + ";"
                self.db.executescript("BEGIN;" + _MIGRATE.format(create=create) + "COMMIT;")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"{path}: cannot open the ledger ({_reason(exc)})") from None

    def close(self) -> None:
        """Close the database (the last record is made durable by the checkpoint on the way out)."""
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA wal_checkpoint(FULL)")
        self.db.close()

    def states(self) -> dict[str, str]:
        """Every key with its state, and each thank-you also under its interviewer's name and email."""
        return _with_aliases(self.db.execute(_STATES_QUERY))

    def entries(self) -> list[Entry]:
        """Every row, oldest claim first."""
        rows = self.db.execute("SELECT * FROM deliveries ORDER BY claimed_at, key")
        return [Entry(*row) for row in rows]

    def entry(self, key: str) -> Entry | None:
        """The row of one key, if any."""
        row = self.db.execute("SELECT * FROM deliveries WHERE key = ?", (key,)).fetchone()
        return Entry(*row) if row else None

    def mark_interrupted(self, announce: Callable[[str], None] = lambda key: None) -> list[str]:
        """Claims left `sending` by a run that died become `uncertain`; returns their keys.

        Each key is announced before the change commits, so a run killed in between says it again.
        """
        with self._write():
            keys = [k for (k,) in self.db.execute("SELECT key FROM deliveries WHERE state = 'sending'")]
            for key in keys:
                announce(key)
            self.db.execute("UPDATE deliveries SET state = 'uncertain' WHERE state = 'sending'")
        return keys

    def claim(self, entry: Entry, now: datetime) -> bool:
        """Claim a follow-up before sending it; False when it is not free to send (already claimed)."""
        with self._write():
            row = self.db.execute("SELECT state FROM deliveries WHERE key = ?", (entry.key,)).fetchone()
            if row is not None and row[0] != "deferred":
                return False
            self.db.execute(
                "INSERT INTO deliveries VALUES (?,?,?,?,?,?,?,?,'sending',1,?,NULL,NULL) "
                "ON CONFLICT(key) DO UPDATE SET state = 'sending', attempts = attempts + 1, "
                "claimed_at = excluded.claimed_at",
                (entry.key, entry.interview, entry.kind, entry.method, entry.recipient, entry.name,
                 entry.subject, entry.message_id, _iso(now)),
            )  # fmt: skip
        return True

    def note_replied(self, entry: Entry, reply: str, now: datetime) -> None:
        """Record that a check-in will never go because the interviewer wrote back (kept, so the
        mailbox is not searched again for it)."""
        with self._write():
            self.db.execute(
                "INSERT OR IGNORE INTO deliveries VALUES (?,?,?,?,?,?,'','','replied',0,?,?,?)",
                (entry.key, entry.interview, entry.kind, entry.method, entry.recipient, entry.name,
                 _iso(now), _iso(now), reply),
            )  # fmt: skip

    def note_bounced(self, key: str, report: str) -> None:
        """Record that a delivered thank-you came back in a delivery report (kept, so the mailbox is not
        searched again for it); when it went out stays as it was."""
        with self._write():
            self.db.execute(
                "UPDATE deliveries SET state = 'bounced', reply = ? "
                "WHERE key = ? AND state IN ('sent', 'uncertain')",
                (report, key),
            )

    def record(self, key: str, state: str, reply: str, now: datetime) -> None:
        """Record how a claimed delivery ended: sent, failed, deferred or uncertain."""
        assert state in STATES and state != "sending"
        # The record needs no fsync of its own: in WAL mode the next claim's (FULL) fsync makes it
        # durable too. A power cut before that leaves the row `sending`: uncertain, never resent.
        self.db.execute("PRAGMA synchronous = NORMAL")
        try:
            self._record(key, state, reply, now)
        finally:
            self.db.execute("PRAGMA synchronous = FULL")

    def _record(self, key: str, state: str, reply: str, now: datetime) -> None:
        with self._write():
            self.db.execute(
                "UPDATE deliveries SET state = ?, reply = ?, finished_at = ? WHERE key = ?",
                (state, reply, _iso(now), key),
            )

    def resolve(self, key: str, sent: bool, now: datetime) -> Entry:
        """Settle an uncertain (or failed) delivery by hand: sent, or free to retry with its Message-ID."""
        entry = self.entry(key)
        if entry is None:
            raise FollowUpError(f"{key}: not in the ledger (followup status lists what is)")
        if entry.state not in ("uncertain", "failed", "deferred"):
            raise FollowUpError(f"{key}: is {entry.state}; only uncertain or failed ones can be resolved")
        reply = "marked sent by hand" if sent else "to be retried, by hand"
        self.record(key, "sent" if sent else "deferred", reply, now)
        return self.entry(key)  # type: ignore[return-value]

    def count_since(self, moment: datetime) -> int:
        """How many deliveries were claimed at or after that moment (for the rolling daily cap)."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE state IN ('sending','sent','uncertain') "
            "AND claimed_at >= ?",
            (_iso(moment),),
        ).fetchone()
        return int(row[0])

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot write the ledger ({_reason(exc)})") from None


def read_states(path: Path) -> dict[str, str]:
    """The states in a ledger, without creating or changing it (an absent ledger is empty)."""
    if not path.exists():
        return {}
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return _with_aliases(db.execute(_STATES_QUERY))
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise LedgerError(f"{path}: cannot read the ledger ({_reason(exc)})") from None


def read_entries(path: Path) -> list[Entry]:
    """Every row of a ledger, oldest claim first, without creating or changing it (absent: none)."""
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return [Entry(*row) for row in db.execute("SELECT * FROM deliveries ORDER BY claimed_at, key")]
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise LedgerError(f"{path}: cannot read the ledger ({_reason(exc)})") from None


_STATES_QUERY = "SELECT key, state, interview, kind, method, recipient, name FROM deliveries"


def _with_aliases(rows: Iterable[tuple[str, ...]]) -> dict[str, str]:
    """Keys with states, plus `interview/kind/name:NAME` and `interview/kind/EMAIL` for each thank-you.

    A later edit of the interviewer's name or email changes the follow-up's key; the plan finds the
    delivery under the part that did not change (schedule.alias_keys).
    """
    states: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for key, state, interview, kind, method, recipient, name in rows:
        states[key] = state
        if kind != "check-in":
            aliases.setdefault(f"{interview}/{kind}/name:{name.casefold()}", state)
            if method == "email":
                aliases.setdefault(f"{interview}/{kind}/{recipient.lower()}", state)
    return {**aliases, **states}


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the run lock beside the ledger; LockedError at once if another run has it."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LedgerError(f"{lock_path}: cannot create the lock ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"{lock_path}: another followup run is under way; nothing done") from None
        yield
    finally:
        os.close(fd)


def day_ago(now: datetime) -> datetime:
    """The start of the rolling 24 hours that end now."""
    return now - timedelta(hours=24)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
