"""The ledger open for writing: claims, records, notices, the lock. Nothing is ever delivered twice.

A follow-up is claimed (state `sending`, its Message-ID) in a committed transaction before it goes
out, and recorded as `sent`, `failed` or `deferred` after. A claim still `sending` when the next run
starts means a run died in between: it becomes `uncertain` and is never sent again by itself.

Past 400 lines: the `Ledger` class is the one writer of the file, and its durability rules (which
commit syncs, how a claim is undone) read best in one place; the file's shape is in `schema`, the
read-only side in `reads`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from batch.errors import FollowUpError, LockedError
from batch.ledger.private import create_file, make_folder, narrow
from batch.ledger.reads import chunks, known_of, zones_of
from batch.ledger.schema import (
    COLUMN_LIST,
    CREATE,
    ENTRIES_QUERY,
    ENTRY_QUERY,
    MIGRATE,
    SCHEMA,
    STATES,
    UNDO_QUERY,
    VERSION,
    DamagedLedger,
    Entry,
    check_columns,
    database_files,
    entry_of,
    failure,
    iso,
    reading,
)
from batch.ledger.wake import write_heartbeat
from batch.model.keys import Known


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
            make_folder(path.parent)
            create_file(path)  # SQLite makes its log and journal with the database's own mode: 0600
            for kept in (*database_files(path), path.with_name(path.name + "-shm")):
                narrow(kept)  # a ledger made before, world-readable
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            # Each of these writes (and syncs) the file even when it changes nothing: skip them then.
            if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.db.execute("PRAGMA journal_mode = WAL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version in (1, 2):
                create = CREATE.replace("IF NOT EXISTS ", "")
                self.db.executescript("BEGIN;" + MIGRATE.format(create=create) + "COMMIT;")
            if version != VERSION:
                self.db.executescript(SCHEMA)
                self.wrote = True
            check_columns(self.db, path)
        except (OSError, sqlite3.Error, FollowUpError) as exc:
            self._close_quietly()
            raise failure(path, "open", exc) from None

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

    def states(self, interviews: Iterable[str] | None = None, starts: Iterable[str] = ()) -> Known:
        """What the plan needs to know of the rows of these interviews (all rows when None) and of those
        that started at `starts`; keys.py and twins.py match today's people against it. Reading only
        the plan's interviews keeps an idle run's read from growing with the ledger."""
        with reading(self.path):
            return known_of(self.db, self.path, interviews, starts)

    def entries(self) -> list[Entry]:
        """Every row, oldest claim first."""
        with reading(self.path):
            return [entry_of(row, self.path) for row in self.db.execute(ENTRIES_QUERY)]

    def entry(self, key: str) -> Entry | None:
        """The row of one key, if any."""
        with reading(self.path):
            row = self.db.execute(ENTRY_QUERY, (key,)).fetchone()
            return entry_of(row, self.path) if row else None

    def message_ids(self, keys: Iterable[str]) -> dict[str, str]:
        """The Message-ID each of these keys already has in the ledger (a retry keeps its own)."""
        found: dict[str, str] = {}
        with reading(self.path):
            for where, chunk in chunks(keys):
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
        row = self.db.execute(UNDO_QUERY, (entry.key,)).fetchone()
        if row is not None and row[0] != "deferred":
            return None
        self.db.execute(
            f"INSERT INTO deliveries ({COLUMN_LIST}) VALUES (?,?,?,?,?,?,?,?,'sending',1,?,NULL,NULL,?,?) "
            "ON CONFLICT(key) DO UPDATE SET state = 'sending', attempts = attempts + 1, "
            "claimed_at = excluded.claimed_at",
            (entry.key, entry.interview, entry.kind, entry.method, entry.recipient, entry.name,
             entry.subject, entry.message_id, iso(now), entry.company, entry.start),
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

    def zones(self) -> dict[str, str]:
        """The zone each interview was planned in, by id (places.py holds the data against it)."""
        with reading(self.path):
            return zones_of(self.db)

    def remember_zones(self, zones: Mapping[str, str], now: datetime) -> None:
        """Note the zone of these interviews (one first seen, or one the interview now names itself)."""
        if not zones:
            return  # nothing new: no write (an idle run syncs nothing)
        with self._write():
            self.db.executemany(
                "INSERT OR REPLACE INTO zones VALUES (?,?,?)", [(i, z, iso(now)) for i, z in zones.items()]
            )

    def notice_once(self, key: str, what: str, now: datetime) -> bool:
        """True the first time (key, what) is noticed, False after: a line the user needs to read once."""
        with reading(self.path):
            if self.db.execute("SELECT 1 FROM notices WHERE key = ? AND what = ?", (key, what)).fetchone():
                return False  # noticed before: no write (an idle run holding this one syncs nothing)
        with self._write():
            cursor = self.db.execute("INSERT OR IGNORE INTO notices VALUES (?,?,?)", (key, what, iso(now)))
        return cursor.rowcount == 1

    def note_away(self, key: str, due: datetime, why: str, now: datetime) -> bool:
        """Remember that a check-in waits for its recipient's return (due then, its window moved with
        it), so that runs after its first expiry still know; True the first time."""
        return self.notice_once(key, f"away {due.isoformat()} {why}", now)

    def note_replied(self, entry: Entry, reply: str, now: datetime) -> None:
        """Record that a check-in will never go because the interviewer wrote back (kept, so the
        mailbox is not searched again for it)."""
        with self._write():
            self.db.execute(
                f"INSERT OR IGNORE INTO deliveries ({COLUMN_LIST}) "
                "VALUES (?,?,?,?,?,?,'','','replied',0,?,?,?,?,?)",
                (entry.key, entry.interview, entry.kind, entry.method, entry.recipient, entry.name,
                 iso(now), iso(now), reply, entry.company, entry.start),
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
                [(state, reply, iso(now), key) for key, state, reply in records],
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO copies VALUES (?,?,?)", [(k, m, iso(now)) for k, m in copies]
            )
            for key, was in undo:
                self._undo_one(key, was)
        for key, _, _ in records:
            self._undo.pop(key, None)

    def owed_copies(self) -> list[tuple[str, bytes, datetime]]:
        """The delivered messages not yet filed in your Sent folder: (key, bytes, when it went)."""
        with reading(self.path):
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
        with reading(self.path):
            found = [row[0] for row in self.db.execute("PRAGMA quick_check(1)")]
        if found != ["ok"]:
            said = str(found[0] if found else "no answer").replace("*** in database main ***", "")
            raise DamagedLedger(self.path, " ".join(said.split())[:100])  # one line, however SQLite puts it

    def count_since(self, moment: datetime) -> int:
        """How many deliveries were claimed at or after that moment (for the rolling daily cap)."""
        with reading(self.path):
            row = self.db.execute(
                "SELECT COUNT(*) FROM deliveries WHERE state IN ('sending','sent','uncertain') "
                "AND claimed_at >= ?",
                (iso(moment),),
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
            raise failure(self.path, "write", exc) from None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the run lock beside the ledger; LockedError at once if another run has it."""
    real = Path(os.path.realpath(path))  # one ledger, one lock, whichever link names it
    lock_path = real.with_name(real.name + ".lock")
    try:
        make_folder(lock_path.parent)
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


def day_ago(now: datetime) -> datetime:
    """The start of the rolling 24 hours that end now."""
    return now - timedelta(hours=24)
