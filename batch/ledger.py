"""The ledger: what was delivered, in SQLite, so that nothing is ever delivered twice.

A follow-up is claimed (state `sending`, its Message-ID) in a committed transaction before it goes
out, and recorded as `sent`, `failed` or `deferred` after. A claim still `sending` when the next run
starts means a run died in between: it becomes `uncertain` and is never sent again by itself.

Why one module of this size: every statement that touches the SQLite file is here (schema and
migration, claims and their undoing, records, reads, copies owed, the lock, the heartbeat), so that
no other module writes SQL and the durability rules can be read in one place.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple, TypeVar
from urllib.parse import quote

from .errors import FollowUpError, LockedError
from .keys import Delivery, Known, address_key
from .wake import write_heartbeat

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
CREATE TABLE IF NOT EXISTS copies (
    key         TEXT PRIMARY KEY,
    message     BLOB NOT NULL,
    sent_at     TEXT NOT NULL
);
PRAGMA user_version = 4;
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
_T = TypeVar("_T")
COLUMNS = ("key", "interview", "kind", "method", "recipient", "name", "subject", "message_id", "state",
           "attempts", "claimed_at", "finished_at", "reply", "company", "start")  # fmt: skip
OLD_COLUMNS = COLUMNS[:13]  # versions 1 and 2, read as they are until a write migrates them
_COLUMNS = ", ".join(COLUMNS)
_Kind = type | tuple[type, ...]  # what isinstance takes
# What each column of a sound row holds: text, a whole number, or text that may be missing.
_KINDS: tuple[_Kind, ...] = (str,) * 9 + (int, str, (str, type(None)), (str, type(None)), str, str)
_ENTRIES_QUERY = f"SELECT {_COLUMNS} FROM deliveries ORDER BY claimed_at, key"
_ENTRY_QUERY = f"SELECT {_COLUMNS} FROM deliveries WHERE key = ?"
# What a claim changes in a row it takes over (a deferred one), so that a release can put it back.
_UNDO_QUERY = "SELECT state, attempts, claimed_at, finished_at, reply FROM deliveries WHERE key = ?"
VERSION = 4  # PRAGMA user_version of the schema above (4 added the copies owed to your Sent folder)
# Said whenever the ledger cannot be read as written: the remedy, and what the second one costs.
REMEDY = (
    "restore it from a backup, or move it aside; without it every follow-up reads as unsent, "
    "so send would deliver again what was already sent"
)


class Entry(NamedTuple):  # a NamedTuple, as every record of the idle cron path (see errors.Problem)
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


# Plain classes, not dataclasses: each @dataclass costs ~0.5 ms of import on the idle cron path.
class Claim:
    """One follow-up to claim: its row, an earlier key it replaces, the check-in recipient it fixes."""

    __slots__ = ("check_in_to", "entry", "supersedes")

    def __init__(
        self, entry: Entry, supersedes: str | None = None, check_in_to: tuple[str, str] | None = None
    ) -> None:
        self.entry, self.supersedes, self.check_in_to = entry, supersedes, check_in_to


class _Undo:
    """What one claim changed: the row it took over (None: it made a fresh one), the earlier key it
    marked superseded (key, state, reply), the interview whose check-in recipient it fixed."""

    __slots__ = ("check_in_to", "row", "superseded")

    def __init__(
        self,
        row: tuple[object, ...] | None,
        superseded: tuple[str, str, str | None] | None,
        check_in_to: str | None,
    ) -> None:
        self.row, self.superseded, self.check_in_to = row, superseded, check_in_to


# The ledger's errors are the project's one error type (no caller tells them apart); the name stays for
# readers of the code and the tests.
LedgerError = FollowUpError


class DamagedLedger(FollowUpError):
    """The ledger opens but does not hold what followup writes: damaged, or changed by hand."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path}: the ledger is damaged ({what}): {REMEDY}")


class Ledger:
    """The SQLite ledger at one path, open for writing (`read_states` and `read_entries` only read)."""

    # How a commit syncs. A claim must be on disk before its message goes (FULL: the WAL is fsynced at
    # each commit). A record needs no fsync of its own: in WAL mode the next claim's fsync (or the
    # checkpoint on close) makes it durable too; a power cut before that leaves the row `sending`:
    # uncertain, never resent. The benchmark sets these to compare; nothing else changes them.
    claim_sync = "FULL"
    record_sync = "NORMAL"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wrote = False  # whether this connection changed anything (close checkpoints only then)
        self._sync = ""
        self._undo: dict[str, _Undo] = {}  # claims made by this run, and how to take each back
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            # Each of these writes (and syncs) the file even when it changes nothing: skip them then.
            if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.db.execute("PRAGMA journal_mode = WAL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version in (1, 2):
                create = _CREATE.replace("IF NOT EXISTS ", "")
                self.db.executescript("BEGIN;" + _MIGRATE.format(create=create) + "COMMIT;")
            if version != VERSION:
                self.db.executescript(_SCHEMA)
                self.wrote = True
            _check_columns(self.db, path)
        except (OSError, sqlite3.Error, FollowUpError) as exc:
            self._close_quietly()
            raise _failure(path, "open", exc) from None

    def _close_quietly(self) -> None:
        if hasattr(self, "db"):
            with contextlib.suppress(sqlite3.Error):
                self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def beat(self, now: datetime) -> None:
        """Leave the time of this run beside the ledger, so `status` can show that cron does run."""
        write_heartbeat(self.path, now)

    def close(self) -> None:
        """Close the database (the last record is made durable by the checkpoint on the way out, when
        this run wrote one: a run that changed nothing syncs nothing)."""
        if self.wrote:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("PRAGMA wal_checkpoint(FULL)")
        self.db.close()

    def states(self, interviews: Iterable[str] | None = None) -> Known:
        """What the plan needs to know of the rows of these interviews (all rows when None); keys.py
        matches today's people against it. Reading only the plan's interviews keeps an idle run's
        read from growing with the ledger."""
        with _reading(self.path):
            return _known(self.db, self.path, interviews)

    def entries(self) -> list[Entry]:
        """Every row, oldest claim first."""
        with _reading(self.path):
            return [_entry(row, self.path) for row in self.db.execute(_ENTRIES_QUERY)]

    def entry(self, key: str) -> Entry | None:
        """The row of one key, if any."""
        with _reading(self.path):
            row = self.db.execute(_ENTRY_QUERY, (key,)).fetchone()
            return _entry(row, self.path) if row else None

    def message_ids(self, keys: Iterable[str]) -> dict[str, str]:
        """The Message-ID each of these keys already has in the ledger (a retry keeps its own)."""
        found: dict[str, str] = {}
        with _reading(self.path):
            for where, chunk in _chunks(keys):
                query = "SELECT key, message_id FROM deliveries" + where.format(column="key")
                found.update(self.db.execute(query, chunk))
        return found

    def mark_interrupted(self, announce: Callable[[str], None] = lambda key: None) -> list[str]:
        """Claims left `sending` by a run that died become `uncertain`; returns their keys.

        Each key is announced before the change commits, so a run killed in between says it again.
        """
        if not self.db.execute("SELECT 1 FROM deliveries WHERE state = 'sending' LIMIT 1").fetchone():
            return []  # the usual case: no write transaction, no fsync
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
        return self.claim_many([Claim(entry, supersedes, check_in_to)], now) == [entry.key]

    def claim_many(self, claims: Sequence[Claim], now: datetime) -> list[str]:
        """Claim several follow-ups in one durable transaction (one fsync); the keys granted, in order.

        Each claim is remembered with what it changed, so `release` can take back those not handed over.
        """
        granted: list[str] = []
        undo: dict[str, _Undo] = {}
        with self._write():
            for claim in claims:
                done = self._claim_one(claim, now)
                if done is not None:
                    granted.append(claim.entry.key)
                    undo[claim.entry.key] = done
        self._undo.update(undo)
        return granted

    def _claim_one(self, claim: Claim, now: datetime) -> _Undo | None:
        entry = claim.entry
        row = self.db.execute(_UNDO_QUERY, (entry.key,)).fetchone()
        if row is not None and row[0] != "deferred":
            return None
        self.db.execute(
            f"INSERT INTO deliveries ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,'sending',1,?,NULL,NULL,?,?) "
            "ON CONFLICT(key) DO UPDATE SET state = 'sending', attempts = attempts + 1, "
            "claimed_at = excluded.claimed_at",
            (entry.key, entry.interview, entry.kind, entry.method, entry.recipient, entry.name,
             entry.subject, entry.message_id, _iso(now), entry.company, entry.start),
        )  # fmt: skip
        superseded = None
        if claim.supersedes is not None:
            before = self.db.execute(
                "SELECT state, reply FROM deliveries "
                "WHERE key = ? AND state IN ('failed','deferred','bounced')",
                (claim.supersedes,),
            ).fetchone()
            if before is not None:
                self.db.execute(
                    "UPDATE deliveries SET state = 'superseded', reply = ? WHERE key = ?",
                    (f"replaced by {entry.key}", claim.supersedes),
                )
                superseded = (claim.supersedes, before[0], before[1])
        fixed = False
        if claim.check_in_to is not None:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO check_in_to VALUES (?,?,?)", (entry.interview, *claim.check_in_to)
            )
            fixed = cursor.rowcount == 1
        return _Undo(row, superseded, entry.interview if fixed else None)

    def release(self, keys: Iterable[str]) -> None:
        """Take back claims of this run whose message was never handed over: each follow-up is left
        exactly as it was before (a fresh row deleted, a deferred one deferred again with its
        Message-ID), so the next run sends it as if this one had not tried."""
        undo = [(key, self._undo.pop(key)) for key in keys if key in self._undo]
        if not undo:
            return
        with self._write():
            for key, was in undo:
                self._undo_one(key, was)

    def _undo_one(self, key: str, was: _Undo) -> None:
        if was.row is None:
            self.db.execute("DELETE FROM deliveries WHERE key = ? AND state = 'sending'", (key,))
        else:
            self.db.execute(
                "UPDATE deliveries SET state = ?, attempts = ?, claimed_at = ?, finished_at = ?, reply = ? "
                "WHERE key = ? AND state = 'sending'",
                (*was.row, key),
            )
        if was.superseded is not None:
            earlier, state, reply = was.superseded
            self.db.execute(
                "UPDATE deliveries SET state = ?, reply = ? WHERE key = ? AND state = 'superseded'",
                (state, reply, earlier),
            )
        if was.check_in_to is not None:
            self.db.execute("DELETE FROM check_in_to WHERE interview = ?", (was.check_in_to,))

    def notice_once(self, key: str, what: str, now: datetime) -> bool:
        """True the first time (key, what) is noticed, False after: a line the user needs to read once."""
        with _reading(self.path):
            if self.db.execute("SELECT 1 FROM notices WHERE key = ? AND what = ?", (key, what)).fetchone():
                return False  # noticed before: no write (an idle run holding this one syncs nothing)
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
        self.record_many([(key, state, reply)], now)

    def record_many(
        self,
        records: Sequence[tuple[str, str, str]],
        now: datetime,
        release: Iterable[str] = (),
        copies: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        """Record how several claimed deliveries ended, (key, state, reply) each, in one transaction
        (synced as `record_sync` says); the keys in `release` are taken back in the same one, and the
        bytes of `copies` (key, message) are kept until they are filed in your Sent folder."""
        assert all(state in STATES and state != "sending" for _, state, _ in records)
        undo = [(key, self._undo.pop(key)) for key in release if key in self._undo]
        if not records and not undo:
            return
        with self._write(self.record_sync):
            self.db.executemany(
                "UPDATE deliveries SET state = ?, reply = ?, finished_at = ? WHERE key = ?",
                [(state, reply, _iso(now), key) for key, state, reply in records],
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO copies VALUES (?,?,?)", [(k, m, _iso(now)) for k, m in copies]
            )
            for key, was in undo:
                self._undo_one(key, was)
        for key, _, _ in records:
            self._undo.pop(key, None)

    def owed_copies(self) -> list[tuple[str, bytes, datetime]]:
        """The delivered messages not yet filed in your Sent folder: (key, bytes, when it went)."""
        with _reading(self.path):
            rows = self.db.execute("SELECT key, message, sent_at FROM copies ORDER BY sent_at, key")
            return [(str(k), bytes(m), datetime.fromisoformat(str(at))) for k, m, at in rows]

    def copy_filed(self, key: str) -> None:
        """A copy is in the Sent folder: its bytes are no longer kept."""
        with self._write(self.record_sync):
            self.db.execute("DELETE FROM copies WHERE key = ?", (key,))

    def resolve(self, key: str, sent: bool, now: datetime) -> Entry:
        """Settle an uncertain (or failed) delivery by hand: sent, or free to retry with its Message-ID."""
        self.check_intact()  # a write into a damaged file could spread the damage
        entry = self.entry(key)
        if entry is None:
            raise FollowUpError(f"{key}: not in the ledger (followup status lists what is)")
        # A `sent` one may be retried by hand: it went to an address that was wrong and said nothing
        settles = ("uncertain", "failed", "deferred") if sent else ("uncertain", "failed", "deferred", "sent")
        if entry.state not in settles:
            which = "uncertain or failed" if sent else "uncertain, failed or sent"
            raise FollowUpError(f"{key}: is {entry.state}; only {which} ones can be resolved this way")
        reply = "marked sent by hand" if sent else "to be retried, by hand"
        self.record(key, "sent" if sent else "deferred", reply, now)
        settled = self.entry(key)
        assert settled is not None  # the row was there, and record() only updates it
        return settled

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

    def _synced(self, mode: str) -> None:
        """Set how commits sync, only when it changes (a PRAGMA per transaction costs a statement)."""
        if mode != self._sync:
            self.db.execute(f"PRAGMA synchronous = {mode}")
            self._sync = mode

    @contextlib.contextmanager
    def _write(self, sync: str | None = None) -> Iterator[None]:
        try:
            self._synced(sync or self.claim_sync)
            self.wrote = True
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _failure(self.path, "write", exc) from None


def read_states(path: Path, interviews: Iterable[str] | None = None) -> Known:
    """What the plan needs of a ledger (the rows of these interviews, or all), without creating or
    changing it (an absent ledger is empty)."""
    if not path.exists():
        return Known()
    return _read(path, lambda db: _known(db, path, interviews))


def read_entries(path: Path) -> list[Entry]:
    """Every row of a ledger, oldest claim first, without creating or changing it (absent: none)."""
    if not path.exists():
        return []
    return _read(path, lambda db: [_entry(row, path) for row in db.execute(_old_or_new(db, _ENTRIES_QUERY))])


class Thread(NamedTuple):
    """The thank-you email a check-in answers: its Message-ID and subject."""

    message_id: str
    subject: str


def thank_you_thread(entries: Iterable[Entry], interview: str, address: str) -> Thread | None:
    """The thank-you email of this interview sent to this address (as keys.py matches: the same
    address), the latest if several; None when none was. Only `sent`: an uncertain one may never have
    arrived, and a "Re:" to a message the reader never had would puzzle them; `resolve --sent` says it did."""
    want = address_key(address)
    sent = [
        e for e in entries
        if e.interview == interview and e.kind == "thank-you" and e.method == "email" and e.state == "sent"
        and e.message_id and address_key(e.recipient) == want
    ]  # fmt: skip
    if not sent:
        return None
    last = max(sent, key=lambda e: (e.finished_at or e.claimed_at, e.claimed_at))
    return Thread(last.message_id, last.subject)


def _old_or_new(db: sqlite3.Connection, query: str) -> str:
    """The query for this file: a ledger of version 1 or 2 (read, not yet migrated) has no company, start."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= 3:
        return query
    return query.replace(", company, start", ", '', ''")


def _known(db: sqlite3.Connection, path: Path, interviews: Iterable[str] | None = None) -> Known:
    known = Known()
    current = db.execute("PRAGMA user_version").fetchone()[0] >= 3
    query = "SELECT key, state, interview, kind, method, recipient, name, company, start FROM deliveries"
    if not current:  # a ledger of version 1 or 2 (read, not yet migrated) has no company, start
        query = query.replace(", company, start", ", '', ''")
    wanted = None if interviews is None else set(interviews)
    # A few interviews: SQLite picks their rows (one scan, no row reaches Python for nothing). Many
    # (a big plan): one scan for all, filtered here, rather than a scan per chunk of parameters.
    where, chunk = ("", ()) if wanted is None or len(wanted) > _MANY else _where(sorted(wanted))
    for row in db.execute(query + where, chunk):
        if wanted is not None and row[2] not in wanted:
            continue
        if not all(type(value) is str for value in row):
            raise DamagedLedger(path, f"a row holds values of the wrong kind near {str(row[0])[:60]!r}")
        known.add(Delivery(*row))
    if current:
        rows = db.execute("SELECT interview, name, email FROM check_in_to" + where, chunk)
        known.check_in_to.update((i, (n, e)) for i, n, e in rows if wanted is None or i in wanted)
    return known


_MANY = 900  # parameters in one query, well below SQLite's limit


def _where(interviews: Sequence[str]) -> tuple[str, Sequence[str]]:
    return " WHERE interview IN (" + ",".join("?" * len(interviews)) + ")", interviews


def _chunks(values: Iterable[str], size: int = _MANY) -> Iterator[tuple[str, Sequence[str]]]:
    """(a WHERE clause, its parameters) for rows whose column is one of the values, a chunk at a time
    (SQLite takes a bounded number of parameters)."""
    unique = sorted(set(values))
    for start in range(0, len(unique), size):
        chunk = unique[start : start + size]
        yield " WHERE {column} IN (" + ",".join("?" * len(chunk)) + ")", chunk


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
        wal = database_files(path)[1]
        if wal.exists() and wal.stat().st_size > 0:
            raise
    return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True)


def database_files(path: Path) -> list[Path]:
    """The ledger's file and the two SQLite keeps beside it while it writes (the log, the journal)."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """SQLite's errors while reading, as one line that says what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _failure(path, "read", exc) from None


def _check_columns(db: sqlite3.Connection, path: Path) -> None:
    """DamagedLedger unless the table has exactly the columns followup writes (or wrote), in order."""
    found = tuple(row[1] for row in db.execute("PRAGMA table_info(deliveries)"))
    if found and found not in (COLUMNS, OLD_COLUMNS):
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
    return Entry(*row)  # type: ignore[arg-type]  # each value's kind is checked just above


def _failure(path: Path, verb: str, exc: BaseException) -> FollowUpError:
    """The one line for an error of SQLite or the disk: damage (with its remedy), or what failed."""
    if isinstance(exc, FollowUpError):
        return exc
    reason = _reason(exc)
    # SQLITE_CORRUPT and SQLITE_NOTADB arrive as a bare DatabaseError; text that is not UTF-8 is damage too
    damaged = type(exc) is sqlite3.DatabaseError or "Could not decode" in reason
    if damaged:
        return DamagedLedger(path, reason.split(" with text ")[0])
    return FollowUpError(f"{path}: cannot {verb} the ledger ({reason})")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the run lock beside the ledger; LockedError at once if another run has it."""
    real = Path(os.path.realpath(path))  # one ledger, one lock, whichever link names it
    lock_path = real.with_name(real.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise FollowUpError(f"{lock_path}: cannot create the lock ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"{lock_path}: another followup run is under way; nothing done") from None
        yield
    finally:
        os.close(fd)


class Inspection:
    """What `doctor` reports of a ledger: whether SQLite finds it intact, and its rows by state."""

    __slots__ = ("counts", "integrity")

    def __init__(self, integrity: str, counts: dict[str, int]) -> None:
        self.integrity, self.counts = integrity, counts


def inspect(path: Path) -> Inspection:
    """Check a ledger read-only (SQLite's full integrity check) and count its rows by state."""

    def look(db: sqlite3.Connection) -> Inspection:
        integrity = str(db.execute("PRAGMA integrity_check").fetchone()[0])
        counts = {
            str(k): int(n) for k, n in db.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state")
        }
        return Inspection(integrity, counts)

    return _read(path, look)


def count_owed_copies(path: Path) -> int:
    """How many delivered messages still wait to be filed in your Sent folder (read-only; 0 without one)."""
    if not path.exists():
        return 0

    def count(db: sqlite3.Connection) -> int:
        if db.execute("PRAGMA user_version").fetchone()[0] < 4:
            return 0
        return int(db.execute("SELECT COUNT(*) FROM copies").fetchone()[0])

    return _read(path, count)


def day_ago(now: datetime) -> datetime:
    """The start of the rolling 24 hours that end now."""
    return now - timedelta(hours=24)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
