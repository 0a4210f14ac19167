"""The ledger file's shape: its tables, their versions and migration, a row as an Entry, and its errors.

Every other module of the ledger builds on these; none of them writes SQL that names a column this
module does not list.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from batch.errors import FollowUpError

# superseded: a failed delivery whose address the user corrected (the new one went under its own key);
# bounced: a delivery report came back for it (replies.py).
STATES = ("sending", "sent", "failed", "deferred", "uncertain", "replied", "superseded", "bounced")

# Every move a row makes, (from, to, what makes it); "" is no row at all. The guide's picture of the
# states is drawn from this table, and tests/ledger/test_moves.py drives a real ledger through each.
MOVES: tuple[tuple[str, str, str], ...] = (
    ("", "sending", "claimed, just before it goes"),
    ("deferred", "sending", "claimed again on a later run"),
    ("sending", "", "never handed over: taken back"),
    ("sending", "sent", "the server took it"),
    ("sending", "deferred", "a refusal for now (4xx): tried again"),
    ("sending", "failed", "a refusal for good (5xx)"),
    ("sending", "uncertain", "the run stopped mid-send"),
    ("uncertain", "sent", "resolve --sent"),
    ("uncertain", "deferred", "resolve --retry"),
    ("failed", "sent", "resolve --sent"),
    ("failed", "deferred", "resolve --retry"),
    ("deferred", "sent", "resolve --sent"),
    ("sent", "deferred", "resolve --retry"),
    ("sent", "bounced", "a delivery report came back"),
    ("uncertain", "bounced", "a delivery report came back"),
    ("failed", "superseded", "its address corrected: a new key goes"),
    ("deferred", "superseded", "its address corrected: a new key goes"),
    ("bounced", "superseded", "its address corrected: a new key goes"),
    ("", "replied", "they wrote first: the check-in never goes"),
)


CREATE = """
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


SCHEMA = (
    CREATE
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
CREATE TABLE IF NOT EXISTS zones (
    interview   TEXT PRIMARY KEY,
    zone        TEXT NOT NULL,
    since       TEXT NOT NULL
);
PRAGMA user_version = 5;
"""
)


# Versions 1 and 2 lacked states, the interview's company and start, and the two small tables; their
# rows move over unchanged (company and start empty: keys.py then skips the id-reuse check for them).
MIGRATE = """
ALTER TABLE deliveries RENAME TO deliveries_old;
{create};
INSERT INTO deliveries (key, interview, kind, method, recipient, name, subject, message_id, state, attempts,
                        claimed_at, finished_at, reply)
    SELECT key, interview, kind, method, recipient, name, subject, message_id, state, attempts,
           claimed_at, finished_at, reply FROM deliveries_old;
DROP TABLE deliveries_old;
"""


COLUMNS = ("key", "interview", "kind", "method", "recipient", "name", "subject", "message_id", "state",
           "attempts", "claimed_at", "finished_at", "reply", "company", "start")  # fmt: skip


OLD_COLUMNS = COLUMNS[:13]  # versions 1 and 2, read as they are until a write migrates them


COLUMN_LIST = ", ".join(COLUMNS)


_Kind = type | tuple[type, ...]  # what isinstance takes


# What each column of a sound row holds: text, a whole number, or text that may be missing.
KINDS: tuple[_Kind, ...] = (str,) * 9 + (int, str, (str, type(None)), (str, type(None)), str, str)


ENTRIES_QUERY = f"SELECT {COLUMN_LIST} FROM deliveries ORDER BY claimed_at, key"


ENTRY_QUERY = f"SELECT {COLUMN_LIST} FROM deliveries WHERE key = ?"


ZONES_QUERY = "SELECT interview, zone FROM zones"


# What a claim changes in a row it takes over (a deferred one), so that a release can put it back.
UNDO_QUERY = "SELECT state, attempts, claimed_at, finished_at, reply FROM deliveries WHERE key = ?"


VERSION = 5  # PRAGMA user_version of the schema above (4 added the copies owed to your Sent folder;
# 5 the zone each interview was planned in, so that a move of your own zone cannot move it: places.py)


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


class DamagedLedger(FollowUpError):
    """The ledger opens but does not hold what followup writes: damaged, or changed by hand."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path}: the ledger is damaged ({what}): {REMEDY}")


def old_or_new(db: sqlite3.Connection, query: str) -> str:
    """The query for this file: a ledger of version 1 or 2 (read, not yet migrated) has no company, start."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= 3:
        return query
    return query.replace(", company, start", ", '', ''")


def database_files(path: Path) -> list[Path]:
    """The ledger's file and the two SQLite keeps beside it while it writes (the log, the journal)."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]


@contextlib.contextmanager
def reading(path: Path) -> Iterator[None]:
    """SQLite's errors while reading, as one line that says what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        raise failure(path, "read", exc) from None


def check_columns(db: sqlite3.Connection, path: Path) -> None:
    """DamagedLedger unless the table has exactly the columns followup writes (or wrote), in order."""
    found = tuple(row[1] for row in db.execute("PRAGMA table_info(deliveries)"))
    if found and found not in (COLUMNS, OLD_COLUMNS):
        extra = [name for name in found if name not in COLUMNS]
        missing = [name for name in COLUMNS if name not in found]
        what = ", ".join(
            [f"unknown column {name!r}" for name in extra] + [f"no column {name!r}" for name in missing]
        )
        raise DamagedLedger(path, what or "its columns are out of order")


def entry_of(row: tuple[object, ...], path: Path) -> Entry:
    """A row as an Entry; DamagedLedger when a value is not of its column's kind (a damaged page)."""
    if not all(isinstance(value, kind) for value, kind in zip(row, KINDS, strict=True)):
        raise DamagedLedger(path, f"a row holds values of the wrong kind near {str(row[0])[:60]!r}")
    return Entry(*row)  # type: ignore[arg-type]  # each value's kind is checked just above


def failure(path: Path, verb: str, exc: BaseException) -> FollowUpError:
    """The one line for an error of SQLite or the disk: damage (with its remedy), or what failed."""
    if isinstance(exc, FollowUpError):
        return exc
    reason = reason_of(exc)
    # SQLITE_CORRUPT and SQLITE_NOTADB arrive as a bare DatabaseError; text that is not UTF-8 is damage too
    damaged = type(exc) is sqlite3.DatabaseError or "Could not decode" in reason
    if damaged:
        return DamagedLedger(path, reason.split(" with text ")[0])
    return FollowUpError(f"{path}: cannot {verb} the ledger ({reason})")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def reason_of(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
