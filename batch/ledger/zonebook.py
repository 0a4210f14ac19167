"""The zone each interview was first seen in, noted by `check` and `plan` too, not only by `send`.

`send` notes zones in the ledger it holds open (store.Ledger.remember_zones). The commands that only
read get this one small write instead, the first time they see an interview: into a ledger that is
already there and of this version, never a new one (a run that starts a ledger decides about follow-ups
past due: cli/ledgerplace.py), never an older one (the next send migrates it), never after a wait (a
ledger busy or read-only is left as it is, and the caller says what is not noted yet).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from batch.ledger.schema import VERSION, iso


def note_zones(path: Path, zones: Mapping[str, str], now: datetime) -> bool:
    """Note these zones (by interview id) in the ledger at `path` if it is there and may be written now;
    whether they are noted."""
    if not zones:
        return True
    try:
        if not path.is_file():
            return False
        # mode=rw: SQLite opens the file that is there and never makes one
        db = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=rw", uri=True, timeout=1.0,
                             isolation_level=None)  # fmt: skip
    except (OSError, sqlite3.Error):
        return False
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] != VERSION:
            return False
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT OR REPLACE INTO zones VALUES (?,?,?)", [(i, z, iso(now)) for i, z in zones.items()]
        )
        db.execute("COMMIT")
        return True
    except sqlite3.Error:
        return False
    finally:
        db.close()
