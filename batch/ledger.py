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
from typing import TypeVar
from urllib.parse import quote

from .errors import FollowUpError, LockedError

_T = TypeVar("_T")
STATES = ("sending", "sent", "failed", "deferred", "uncertain", "replied")
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
                CHECK (state IN ('sending','sent','failed','deferred','uncertain','replied')),
    attempts    INTEGER NOT NULL DEFAULT 1,
    claimed_at  TEXT NOT NULL,
    finished_at TEXT,
    reply       TEXT
);
PRAGMA user_version = 2;
"""
# Version 1 lacked the `replied` state; its rows move over unchanged.
_MIGRATE_FROM_1 = """
ALTER TABLE deliveries RENAME TO deliveries_v1;
{create}
INSERT INTO deliveries SELECT * FROM deliveries_v1;
DROP TABLE deliveries_v1;
"""


COLUMNS = ("key", "interview", "kind", "method", "recipient", "name", "subject", "message_id", "state",
           "attempts", "claimed_at", "finished_at", "reply")  # fmt: skip
# What each column of a sound row holds: text, a whole number, or text that may be missing.
_KINDS = (str,) * 9 + (int, str, (str, type(None)), (str, type(None)))
_ENTRIES_QUERY = f"SELECT {', '.join(COLUMNS)} FROM deliveries ORDER BY claimed_at, key"
_ENTRY_QUERY = f"SELECT {', '.join(COLUMNS)} FROM deliveries WHERE key = ?"
# Said whenever the ledger cannot be read as written: the remedy, and what the second one costs.
REMEDY = (
    "restore it from a backup, or move it aside; without it every follow-up reads as unsent, "
    "so send would deliver again what was already sent"
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


class LedgerError(FollowUpError):
    """The ledger file cannot be opened or written (a setting or the disk, not the data)."""


class DamagedLedger(LedgerError):
    """The ledger opens but does not hold what followup writes: damaged, or changed by hand."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path}: the ledger is damaged ({what}): {REMEDY}")


class Ledger:
    """The SQLite ledger at one path; open it with `open_ledger` or `read_states`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = FULL")
            if self.db.execute("PRAGMA user_version").fetchone()[0] == 1:
                create = _SCHEMA.split(";")[0].replace("IF NOT EXISTS ", "") + ";"
                self.db.executescript("BEGIN;" + _MIGRATE_FROM_1.format(create=create) + "COMMIT;")
            self.db.executescript(_SCHEMA)
            _check_columns(self.db, path)
        except (OSError, sqlite3.Error, LedgerError) as exc:
            self._close_quietly()
            raise _failure(path, "open", exc) from None

    def _close_quietly(self) -> None:
        if hasattr(self, "db"):
            with contextlib.suppress(sqlite3.Error):
                self.db.close()

    def close(self) -> None:
        """Close the database (the last record is made durable by the checkpoint on the way out)."""
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA wal_checkpoint(FULL)")
        self.db.close()

    def states(self) -> dict[str, str]:
        """Every key with its state, and each thank-you also under its interviewer's name and email."""
        with _reading(self.path):
            return _with_aliases(_sound_states(self.db.execute(_STATES_QUERY), self.path))

    def entries(self) -> list[Entry]:
        """Every row, oldest claim first."""
        with _reading(self.path):
            return [_entry(row, self.path) for row in self.db.execute(_ENTRIES_QUERY)]

    def entry(self, key: str) -> Entry | None:
        """The row of one key, if any."""
        with _reading(self.path):
            row = self.db.execute(_ENTRY_QUERY, (key,)).fetchone()
            return _entry(row, self.path) if row else None

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
        self.check_intact()  # a write into a damaged file could spread the damage
        entry = self.entry(key)
        if entry is None:
            raise FollowUpError(f"{key}: not in the ledger (followup status lists what is)")
        if entry.state not in ("uncertain", "failed", "deferred"):
            raise FollowUpError(f"{key}: is {entry.state}; only uncertain or failed ones can be resolved")
        reply = "marked sent by hand" if sent else "to be retried, by hand"
        self.record(key, "sent" if sent else "deferred", reply, now)
        return self.entry(key)  # type: ignore[return-value]

    def check_intact(self) -> None:
        """DamagedLedger when SQLite's quick check finds the file damaged (it reads every page)."""
        with _reading(self.path):
            found = [row[0] for row in self.db.execute("PRAGMA quick_check(1)")]
        if found != ["ok"]:
            said = str(found[0] if found else "no answer").replace("*** in database main ***", "")
            raise DamagedLedger(self.path, " ".join(said.split())[:100])  # one line, however SQLite puts it

    def count_since(self, moment: datetime) -> int:
        """How many deliveries were claimed at or after that moment (for the rolling daily cap)."""
        with _reading(self.path):
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
            raise _failure(self.path, "write", exc) from None


def read_states(path: Path) -> dict[str, str]:
    """The states in a ledger, without creating or changing it (an absent ledger is empty)."""
    if not path.exists():
        return {}
    return _read(path, lambda db: _with_aliases(_sound_states(db.execute(_STATES_QUERY), path)))


def read_entries(path: Path) -> list[Entry]:
    """Every row of a ledger, oldest claim first, without creating or changing it (absent: none)."""
    if not path.exists():
        return []
    return _read(path, lambda db: [_entry(row, path) for row in db.execute(_ENTRIES_QUERY)])


def _read(path: Path, query: Callable[[sqlite3.Connection], _T]) -> _T:
    """The answer of a query on a read-only connection to the ledger (see _open_read_only)."""
    with _reading(path):
        db = _open_read_only(path)
        try:
            _check_columns(db, path)
            return query(db)
        finally:
            db.close()


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes: not the ledger, nor its folder.

    A ledger in WAL mode needs a -shm file beside it even to be read; in a folder we may not write
    that file cannot be made. When there is no write-ahead log either, the file alone holds every
    row, and SQLite may read it as immutable, without the -shm.
    """
    uri = "file:" + quote(str(path.absolute()))
    db = sqlite3.connect(uri + "?mode=ro", uri=True)
    try:
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return db
    except sqlite3.OperationalError:
        db.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
    return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """SQLite's errors while reading, as one line that says what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _failure(path, "read", exc) from None


def _check_columns(db: sqlite3.Connection, path: Path) -> None:
    """DamagedLedger unless the table has exactly the columns followup writes, in order."""
    found = tuple(row[1] for row in db.execute("PRAGMA table_info(deliveries)"))
    if found and found != COLUMNS:
        extra = [name for name in found if name not in COLUMNS]
        missing = [name for name in COLUMNS if name not in found]
        what = ", ".join(
            [f"unknown column {name!r}" for name in extra] + [f"no column {name!r}" for name in missing]
        )
        raise DamagedLedger(path, what or "its columns are out of order")


def _entry(row: tuple[object, ...], path: Path) -> Entry:
    """A row as an Entry; DamagedLedger when a value is not of its column's kind (a damaged page)."""
    if not all(isinstance(value, kind) for value, kind in zip(row, _KINDS, strict=True)):
        raise DamagedLedger(path, f"a row holds values of the wrong kind near {str(row[0])[:60]!r}")
    return Entry(*row)  # type: ignore[arg-type]


def _sound_states(rows: Iterable[tuple[object, ...]], path: Path) -> Iterator[tuple[str, ...]]:
    for row in rows:
        if not all(type(value) is str for value in row):
            raise DamagedLedger(path, f"a row holds values of the wrong kind near {str(row[0])[:60]!r}")
        yield row  # type: ignore[misc]


def _failure(path: Path, verb: str, exc: BaseException) -> LedgerError:
    """The one line for an error of SQLite or the disk: damage (with its remedy), or what failed."""
    if isinstance(exc, LedgerError):
        return exc
    reason = _reason(exc)
    # SQLITE_CORRUPT and SQLITE_NOTADB arrive as a bare DatabaseError; text that is not UTF-8 is damage too
    damaged = type(exc) is sqlite3.DatabaseError or "Could not decode" in reason
    if damaged:
        return DamagedLedger(path, reason.split(" with text ")[0])
    return LedgerError(f"{path}: cannot {verb} the ledger ({reason})")


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
