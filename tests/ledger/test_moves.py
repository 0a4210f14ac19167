"""The ledger's table of moves (schema.MOVES) is the code's: a real ledger, driven through every one.

The guide draws its picture of the states from that table; this test keeps the table honest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from batch.ledger.schema import MOVES, STATES, Entry
from batch.ledger.store import Claim, Ledger

NOW = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


def entry(key: str) -> Entry:
    return Entry(key, "acme", "thank-you", "email", f"{key}@acme.example", "Ann", "Thank you", f"<{key}@x>",
                 "sending", 1, "", None, None)  # fmt: skip


def state(ledger: Ledger, key: str) -> str:
    found = ledger.entry(key)
    return "" if found is None else found.state


# Each way to a state, from nothing, through the ledger's own methods.
def _claimed(ledger: Ledger, key: str) -> None:
    assert ledger.claim(entry(key), NOW)


def _recorded(end: str) -> Callable[[Ledger, str], None]:
    def to(ledger: Ledger, key: str) -> None:
        _claimed(ledger, key)
        ledger.record(key, end, "250 ok" if end == "sent" else "a reply", NOW)

    return to


def _bounced(ledger: Ledger, key: str) -> None:
    _recorded("sent")(ledger, key)
    ledger.note_bounced(key, "550 no such user")


SETUP: dict[str, Callable[[Ledger, str], None]] = {
    "": lambda ledger, key: None,
    "sending": _claimed,
    "sent": _recorded("sent"),
    "deferred": _recorded("deferred"),
    "failed": _recorded("failed"),
    "uncertain": _recorded("uncertain"),
    "bounced": _bounced,
}


def _move(ledger: Ledger, key: str, to: str, how: str) -> None:
    """Make the move the table names, the way the job makes it."""
    if to == "sending":
        _claimed(ledger, key)
    elif to == "" and how.startswith("never handed over"):
        ledger.release([key])
    elif how.startswith("resolve"):
        ledger.resolve(key, sent=how.endswith("--sent"), now=NOW)
    elif to == "bounced":
        ledger.note_bounced(key, "550 no such user")
    elif to == "superseded":
        assert ledger.claim_many([Claim(entry(key + "-new"), supersedes=key)], NOW)
    elif to == "replied":
        ledger.note_replied(entry(key), "they wrote on Monday", NOW)
    elif how == "the run stopped mid-send":
        ledger.close()  # the run is gone; the next one finds the claim
        with Ledger(ledger.path) as again:
            again.mark_interrupted()
    else:
        ledger.record(key, to, "a reply", NOW)


@pytest.mark.parametrize(
    ("before", "after", "how"), MOVES, ids=[f"{a or 'none'}-to-{b or 'none'}" for a, b, _ in MOVES]
)
def test_every_move_in_the_ledgers_table_is_one_the_ledger_makes(
    tmp_path: Path, before: str, after: str, how: str
) -> None:
    path = tmp_path / "followup.db"
    ledger = Ledger(path)
    key = f"k-{before or 'none'}-{after or 'none'}"
    SETUP[before](ledger, key)
    assert state(ledger, key) == before
    _move(ledger, key, after, how)
    with Ledger(path) as fresh:
        assert state(fresh, key) == after
    ledger.close()


def test_the_table_of_moves_names_every_state_and_no_other() -> None:
    named = {s for before, after, _ in MOVES for s in (before, after)} - {""}
    assert named == set(STATES)
