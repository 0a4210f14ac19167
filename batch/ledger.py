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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .errors import FollowUpError, LockedError
from .keys import Delivery, Known

# superseded: a failed delivery whose address the user corrected (the new one went under its own key);
# bounced: a delivery report came back for it (replies.py).
STATES = ("sending", "sent", "failed", "deferred", "uncertain", "replied", "superseded", "bounced")
_CREATE = """
CREATE TABLE IF NOT EXISTS deliveries (
    key         TEXT PRIMARY KEY,
    interview   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    method      TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    name        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ({states})),
    attempts    INTEGER NOT NULL DEFAULT 1,
    claimed_at  TEXT NOT NULL,
    finished_at TEXT,
    reply       TEXT,
    company     TEXT NOT NULL DEFAULT '',
    start       TEXT NOT NULL DEFAULT ''
)""".format(states=",".join(f"'{state}'" for state in STATES))
_SCHEMA = (
    _CREATE
    + """;
CREATE TABLE IF NOT EXISTS check_in_to (
    interview   TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notices (
    key         TEXT NOT NULL,
    what        TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (key, what)
);
PRAGMA user_version = 3;
"""
)
# Versions 1 and 2 lacked states, the interview's company and start, and the two small tables; their
# rows move over unchanged (company and start empty: keys.py then skips the id-reuse check for them).
_MIGRATE = """
ALTER TABLE deliveries RENAME TO deliveries_old;
{create};
INSERT INTO deliveries (key, interview, kind, method, recipient, name, subject, message_id, state, attempts,
                        claimed_at, finished_at, reply)
    SELECT key, interview, kind, method, recipient, name, subject, message_id, state, attempts,
           claimed_at, finished_at, reply FROM deliveries_old;
DROP TABLE deliveries_old;
"""
_COLUMNS = (
    "key, interview, kind, method, recipient, name, subject, message_id, state, attempts, claimed_at, "
    "finished_at, reply, company, start"
)


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
    company: str = ""
    start: str = ""  # the interview's start, YYYY-MM-DD HH:MM


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
                create = _CREATE.replace("IF NOT EXISTS ", "")
                self.db.executescript("BEGIN;" + _MIGRATE.format(create=create) + "COMMIT;")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"{path}: cannot open the ledger ({_reason(exc)})") from None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def beat(self, now: datetime) -> None:
        """Leave the time of this run beside the ledger, so `status` can show that cron does run."""
        write_heartbeat(self.path, now)

    def close(self) -> None:
        """Close the database (the last record is made durable by the checkpoint on the way out)."""
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA wal_checkpoint(FULL)")
        self.db.close()

    def states(self) -> Known:
        """What the plan needs to know of every row (keys.py matches today's people against it)."""
        return _known(self.db)

    def entries(self) -> list[Entry]:
        """Every row, oldest claim first."""
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM deliveries ORDER BY claimed_at, key")
        return [Entry(*row) for row in rows]

    def entry(self, key: str) -> Entry | None:
        """The row of one key, if any."""
        row = self.db.execute(f"SELECT {_COLUMNS} FROM deliveries WHERE key = ?", (key,)).fetchone()
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

    def claim(
        self,
        entry: Entry,
        now: datetime,
        *,
        supersedes: str | None = None,
        check_in_to: tuple[str, str] | None = None,
    ) -> bool:
        """Claim a follow-up before sending it; False when it is not free to send (already claimed).

        In the same transaction: an earlier key it replaces becomes `superseded`, and the interview's
        check-in recipient is fixed (the first thank-you claimed fixes it; see keys.check_in_person).
        """
        with self._write():
            row = self.db.execute("SELECT state FROM deliveries WHERE key = ?", (entry.key,)).fetchone()
            if row is not None and row[0] != "deferred":
                return False
            self.db.execute(
                f"INSERT INTO deliveries ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,'sending',1,?,NULL,NULL,?,?) "
                "ON CONFLICT(key) DO UPDATE SET state = 'sending', attempts = attempts + 1, "
                "claimed_at = excluded.claimed_at",
                (entry.key, entry.interview, entry.kind, entry.method, entry.recipient, entry.name,
                 entry.subject, entry.message_id, _iso(now), entry.company, entry.start),
            )  # fmt: skip
            if supersedes is not None:
                self.db.execute(
                    "UPDATE deliveries SET state = 'superseded', reply = ? WHERE key = ? "
                    "AND state IN ('failed','deferred','bounced')",
                    (f"replaced by {entry.key}", supersedes),
                )
            if check_in_to is not None:
                self.db.execute(
                    "INSERT OR IGNORE INTO check_in_to VALUES (?,?,?)", (entry.interview, *check_in_to)
                )
        return True

    def notice_once(self, key: str, what: str, now: datetime) -> bool:
        """True the first time (key, what) is noticed, False after: a line the user needs to read once."""
        with self._write():
            cursor = self.db.execute("INSERT OR IGNORE INTO notices VALUES (?,?,?)", (key, what, _iso(now)))
        return cursor.rowcount == 1

    def note_replied(self, entry: Entry, reply: str, now: datetime) -> None:
        """Record that a check-in will never go because the interviewer wrote back (kept, so the
        mailbox is not searched again for it)."""
        with self._write():
            self.db.execute(
                f"INSERT OR IGNORE INTO deliveries ({_COLUMNS}) "
                "VALUES (?,?,?,?,?,?,'','','replied',0,?,?,?,?,?)",
                (entry.key, entry.interview, entry.kind, entry.method, entry.recipient, entry.name,
                 _iso(now), _iso(now), reply, entry.company, entry.start),
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


def read_states(path: Path) -> Known:
    """What the plan needs of a ledger, without creating or changing it (an absent ledger is empty)."""
    if not path.exists():
        return Known()
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return _known(db)
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
            rows = db.execute(f"SELECT {_COLUMNS} FROM deliveries ORDER BY claimed_at, key")
            return [Entry(*row) for row in rows]
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise LedgerError(f"{path}: cannot read the ledger ({_reason(exc)})") from None


def _known(db: sqlite3.Connection) -> Known:
    known = Known()
    version = db.execute("PRAGMA user_version").fetchone()[0]
    extra = ", company, start" if version >= 3 else ""
    query = f"SELECT key, state, interview, kind, method, recipient, name{extra} FROM deliveries"
    for row in db.execute(query):
        known.add(Delivery(*row))
    if version >= 3:
        known.check_in_to.update((i, (n, e)) for i, n, e in db.execute("SELECT * FROM check_in_to"))
    return known


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


def heartbeat_path(path: Path) -> Path:
    """The file beside the ledger that holds the time of the last `send` run."""
    return path.with_name(path.name + ".last-run")


def write_heartbeat(path: Path, now: datetime) -> None:
    """Record the time of a run (best effort: a heartbeat that cannot be written stops nothing)."""
    beat = heartbeat_path(path)
    with contextlib.suppress(OSError):
        partial = beat.with_name(beat.name + ".partial")
        partial.write_text(_iso(now) + "\n", encoding="ascii")
        os.replace(partial, beat)


def read_heartbeat(path: Path) -> datetime | None:
    """The time of the last `send` run, if one left it."""
    try:
        return datetime.fromisoformat(heartbeat_path(path).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def day_ago(now: datetime) -> datetime:
    """The start of the rolling 24 hours that end now."""
    return now - timedelta(hours=24)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
