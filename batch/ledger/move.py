"""A ledger copied into a new place as one consistent snapshot (`followup init --from`), under the
run lock, so that no run of the old place can write between the copy and the note that ends it."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from batch.errors import FollowUpError
from batch.ledger.store import locked
from batch.ledger.wake import forget, heartbeat_path


def move_ledger(source: Path, target: Path, leave_note: Callable[[], object]) -> None:
    """Copy the ledger at `source` to `target` (which must not exist), its heartbeat with it, then
    call `leave_note` while the old place is still locked: from then on the old place is the new one's."""
    if target.exists():
        raise FollowUpError(f"{target}: a ledger is already there; nothing moved")
    target.parent.mkdir(parents=True, exist_ok=True)
    with locked(source):
        try:
            with contextlib.closing(sqlite3.connect(source)) as old, \
                    contextlib.closing(sqlite3.connect(target)) as new:  # fmt: skip
                old.backup(new)  # the WAL's committed rows too, as one snapshot
        except sqlite3.Error as exc:
            with contextlib.suppress(OSError):
                target.unlink()
            raise FollowUpError(f"{source}: cannot copy the ledger ({exc})") from None
        with contextlib.suppress(OSError):
            shutil.copy2(heartbeat_path(source), heartbeat_path(target))
        forget(source)  # the old place's next run must look, not sleep on its note
        leave_note()
