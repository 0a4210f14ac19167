"""Reading a ledger without ever writing it: the plan's states, every entry, a thank-you's thread,
what doctor and status report. An absent ledger reads as empty; nothing here creates one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple, TypeVar
from urllib.parse import quote

from batch.errors import FollowUpError
from batch.ledger.schema import (
    ENTRIES_QUERY,
    ZONES_QUERY,
    DamagedLedger,
    Entry,
    check_columns,
    database_files,
    entry_of,
    old_or_new,
    reading,
)
from batch.model.keys import Delivery, Known, address_key
from batch.model.twins import near_days

_T = TypeVar("_T")


def absent(path: Path) -> bool:
    """Whether there is no ledger at that path yet; a FollowUpError when the path cannot be looked at
    (a folder on the way you may not enter, a name too long): never taken for an empty ledger."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise FollowUpError(f"{path}: cannot look at the ledger ({exc.strerror})") from None
    return False


def read_states(path: Path, interviews: Iterable[str] | None = None, starts: Iterable[str] = ()) -> Known:
    """What the plan needs of a ledger (the rows of these interviews and of these starts, or all), without
    creating or changing it (an absent ledger is empty)."""
    if absent(path):
        return Known()
    return _read(path, lambda db: known_of(db, path, interviews, starts))


def read_zones(path: Path) -> dict[str, str]:
    """The zone each interview was planned in, by id, without creating or changing the ledger."""
    if not path.exists():
        return {}
    return _read(path, zones_of)


def zones_of(db: sqlite3.Connection) -> dict[str, str]:
    """The zones table (none in a ledger older than version 5)."""
    if db.execute("PRAGMA user_version").fetchone()[0] < 5:  # the version that added it
        return {}
    return {str(interview): str(zone) for interview, zone in db.execute(ZONES_QUERY)}


def read_entries(path: Path) -> list[Entry]:
    """Every row of a ledger, oldest claim first, without creating or changing it (absent: none)."""
    if absent(path):
        return []
    return _read(path, lambda db: [entry_of(row, path) for row in db.execute(old_or_new(db, ENTRIES_QUERY))])


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


def known_of(
    db: sqlite3.Connection, path: Path, interviews: Iterable[str] | None = None, starts: Iterable[str] = ()
) -> Known:
    """The rows of these interviews (all when None), and of every interview that started at one of
    `starts` (YYYY-MM-DD HH:MM), or within a day of one: the same interview under another id (twins.py)."""
    known = Known()
    current = db.execute("PRAGMA user_version").fetchone()[0] >= 3
    query = "SELECT key, state, interview, kind, method, recipient, name, company, start FROM deliveries"
    if not current:  # a ledger of version 1 or 2 (read, not yet migrated) has no company, start
        query = query.replace(", company, start", ", '', ''")
    wanted = None if interviews is None else set(interviews)
    at = near_days(starts) if current else set()
    # A few interviews: SQLite picks their rows (one scan, no row reaches Python for nothing). Many
    # (a big plan): one scan for all, filtered here, rather than a scan per chunk of parameters.
    few = wanted is not None and len(wanted) + len(at) <= _MANY
    where, chunk = _where(sorted(wanted or ()), sorted(at)) if few else ("", ())
    for row in db.execute(query + where, chunk):
        if wanted is not None and row[2] not in wanted and row[8][:10] not in at:
            continue
        if not all(type(value) is str for value in row):
            raise DamagedLedger(path, f"a row holds values of the wrong kind near {str(row[0])[:60]!r}")
        known.add(Delivery(*row))
    if current:
        where, chunk = _where(sorted(wanted or ()), ()) if few else ("", ())
        rows = db.execute("SELECT interview, name, email FROM check_in_to" + where, chunk)
        known.check_in_to.update((i, (n, e)) for i, n, e in rows if wanted is None or i in wanted)
    _read_away(db, known, wanted)
    return known


SKIPPED = "skipped "  # a notice's key prefix: a message in the mailbox that could not be read, said once


def read_skipped(path: Path) -> list[str]:
    """The lines said about messages in the mailbox that could not be read, in the order said (read-only)."""
    if absent(path):
        return []

    def lines(db: sqlite3.Connection) -> list[str]:
        try:
            query = "SELECT what FROM notices WHERE key LIKE ? ORDER BY at, what"
            return [str(what) for (what,) in db.execute(query, (f"{SKIPPED}%",))]
        except sqlite3.OperationalError:  # no notices table in a ledger of an old version
            return []

    return _read(path, lines)


AWAY = "away "  # a notice's prefix: a check-in moved to its recipient's return (see Ledger.note_away)


def _read_away(db: sqlite3.Connection, known: Known, wanted: set[str] | None) -> None:
    """The latest return each check-in waits for, from the notices (a ledger too old has none)."""
    try:
        rows = db.execute("SELECT key, what FROM notices WHERE what LIKE 'away %'").fetchall()
    except sqlite3.OperationalError:  # no notices table in a ledger of an old version
        return
    for key, what in sorted(rows, key=lambda row: str(row[1])):  # ISO moments in order: the latest wins
        interview = str(key).partition("/")[0]
        due, _, why = str(what).removeprefix(AWAY).partition(" ")
        if wanted is None or interview in wanted:
            known.away[interview] = (due, why)


_MANY = 900  # parameters in one query, well below SQLite's limit


def _where(interviews: Sequence[str], starts: Sequence[str]) -> tuple[str, Sequence[str]]:
    where = " WHERE interview IN (" + ",".join("?" * len(interviews)) + ")"
    if starts:
        where += " OR substr(start, 1, 10) IN (" + ",".join("?" * len(starts)) + ")"
    return where, [*interviews, *starts]


def chunks(values: Iterable[str], size: int = _MANY) -> Iterator[tuple[str, Sequence[str]]]:
    """(a WHERE clause, its parameters) for rows whose column is one of the values, a chunk at a time
    (SQLite takes a bounded number of parameters)."""
    unique = sorted(set(values))
    for start in range(0, len(unique), size):
        chunk = unique[start : start + size]
        yield " WHERE {column} IN (" + ",".join("?" * len(chunk)) + ")", chunk


def _read(path: Path, query: Callable[[sqlite3.Connection], _T]) -> _T:
    """The answer of a query on a read-only connection to the ledger (see _open_read_only)."""
    with reading(path):
        db = _open_read_only(path)
        try:
            check_columns(db, path)
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
    if absent(path):
        return 0

    def count(db: sqlite3.Connection) -> int:
        if db.execute("PRAGMA user_version").fetchone()[0] < 4:
            return 0
        return int(db.execute("SELECT COUNT(*) FROM copies").fetchone()[0])

    return _read(path, count)
