"""Where the ledger is, and the two ways a run could find the wrong one: a new ledger while follow-ups
are already past their due time (they may have gone from a ledger elsewhere), and a ledger that
`followup init --from` moved into a workspace (the old place must not send on its own again).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from batch.errors import InputError

if TYPE_CHECKING:
    from batch.model.interview import Dataset


def moved_note(state: Path) -> Path:
    """The note `init --from` leaves beside a ledger it moved: it holds the new ledger's path."""
    return state.with_name(state.name + ".moved")


def refuse_if_moved(state: Path) -> None:
    """Stop a run on a ledger that was moved into a workspace, naming where it went."""
    note = moved_note(state)
    try:
        where = note.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError):
        where = "(unreadable note)"
    raise InputError(
        f"{state}: this ledger was moved to {where} by followup init --from; run there "
        f"(and take this folder's cron line out), or delete {note} to use this one again"
    )


def refuse_new_ledger_if_overdue(state: Path, data: Dataset, now: datetime) -> None:
    """A run about to start a ledger at `state` sends nothing while any follow-up is past its due time:
    no ledger here cannot prove it unsent. One that is not due yet cannot have gone from anywhere."""
    if state.exists():
        return
    # late: the plan is made here only on the rare run that would start a ledger
    from batch.etiquette.schedule import plan

    overdue = [item for item in plan(data, now) if item.state in ("due", "waiting")]
    if not overdue:
        return
    first = min(overdue, key=lambda item: item.due_at)
    count = "1 follow-up was" if len(overdue) == 1 else f"{len(overdue)} follow-ups were"
    raise InputError(
        f"{state}: no ledger here yet, and {count} due before now (the first, {first.key}, "
        f"at {first.due_at:%Y-%m-%d %H:%M %Z}): nothing sent, as they may have gone from a ledger "
        "elsewhere (run where your ledger is, or name it with --state; if none was ever sent, start "
        "this ledger once with: followup send --new-ledger, or make send ARGS=--new-ledger)"
    )
