"""The SQLite ledger: claims, records, interrupted runs, hand resolution, the cap and the lock."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.errors import FollowUpError, LockedError
from batch.ledger.reads import read_entries, read_states
from batch.ledger.schema import Entry
from batch.ledger.store import Ledger, day_ago, locked

NOW = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "interviews.yaml"
DEMO_NOW = "2026-11-24T16:00:00-05:00"


def entry(key: str = "acme/thank-you/ann@acme.example", message_id: str = "<1@example.com>") -> Entry:
    return Entry(key, "acme", "thank-you", "email", "ann@acme.example", "Ann", "Thank you", message_id,
                 "sending", 1, "", None, None)  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path):
    opened = Ledger(tmp_path / "var" / "followup.db")
    yield opened
    opened.close()


def test_a_claim_is_granted_once_and_never_again(ledger: Ledger) -> None:
    assert ledger.claim(entry(), NOW) is True
    assert ledger.claim(entry(), NOW) is False
    ledger.record(entry().key, "sent", "250 OK", NOW)
    assert ledger.claim(entry(), NOW + timedelta(days=1)) is False
    assert ledger.states()[entry().key] == "sent"


def test_a_claim_is_committed_before_the_send_so_another_connection_sees_it(ledger: Ledger) -> None:
    ledger.claim(entry(), NOW)
    other = sqlite3.connect(ledger.path)
    assert other.execute("SELECT state, message_id FROM deliveries").fetchall() == [
        ("sending", "<1@example.com>")
    ]
    other.close()


def test_a_deferred_delivery_may_be_claimed_again_and_keeps_its_message_id(ledger: Ledger) -> None:
    ledger.claim(entry(), NOW)
    ledger.record(entry().key, "deferred", "451 4.3.0 try later", NOW)
    assert ledger.claim(entry(message_id="<2@example.com>"), NOW + timedelta(minutes=15)) is True
    row = ledger.entry(entry().key)
    assert row is not None
    assert (row.state, row.message_id, row.attempts) == ("sending", "<1@example.com>", 2)


@pytest.mark.parametrize("final", ["failed", "uncertain"])
def test_failed_and_uncertain_deliveries_are_never_claimed_again(ledger: Ledger, final: str) -> None:
    ledger.claim(entry(), NOW)
    ledger.record(entry().key, final, "550 no such user", NOW)
    assert ledger.claim(entry(), NOW + timedelta(hours=1)) is False


def test_a_claim_left_sending_by_a_dead_run_becomes_uncertain(ledger: Ledger) -> None:
    ledger.claim(entry(), NOW)
    assert ledger.mark_interrupted() == [entry().key]
    assert ledger.states()[entry().key] == "uncertain"
    assert ledger.mark_interrupted() == []


def test_resolve_sent_settles_an_uncertain_delivery_for_good(ledger: Ledger) -> None:
    ledger.claim(entry(), NOW)
    ledger.mark_interrupted()
    settled = ledger.resolve(entry().key, sent=True, now=NOW)
    assert settled.state == "sent"
    assert ledger.claim(entry(), NOW) is False


def test_resolve_retry_frees_an_uncertain_delivery_with_the_same_message_id(ledger: Ledger) -> None:
    ledger.claim(entry(), NOW)
    ledger.mark_interrupted()
    assert ledger.resolve(entry().key, sent=False, now=NOW).state == "deferred"
    assert ledger.claim(entry(message_id="<other@example.com>"), NOW) is True
    assert ledger.entry(entry().key).message_id == "<1@example.com>"  # type: ignore[union-attr]


@pytest.mark.parametrize("key, message", [("nope", "not in the ledger"), (entry().key, "only uncertain")])
def test_resolve_refuses_unknown_keys_and_finished_deliveries(ledger: Ledger, key: str, message: str) -> None:
    ledger.claim(entry(), NOW)
    ledger.record(entry().key, "sent", "250 OK", NOW)
    with pytest.raises(FollowUpError, match=message):
        ledger.resolve(key, sent=True, now=NOW)


def test_the_rolling_day_counts_claims_of_the_last_24_hours_only(ledger: Ledger) -> None:
    for hours, name in ((30, "old"), (20, "recent"), (1, "fresh")):
        ledger.claim(entry(key=name), NOW - timedelta(hours=hours))
    ledger.record("old", "sent", "250", NOW)
    ledger.record("recent", "sent", "250", NOW)
    ledger.record("fresh", "deferred", "451", NOW)
    assert ledger.count_since(day_ago(NOW)) == 1


def test_states_keep_who_each_delivery_went_to_and_for_which_interview(ledger: Ledger) -> None:
    ledger.claim(entry()._replace(company="Acme", start="2026-11-24 14:00"), NOW, check_in_to=("Ann", "a@x"))
    ledger.record(entry().key, "sent", "250 OK", NOW)
    known = ledger.states()
    row = known.by_key[entry().key]
    assert (row.state, row.name, row.recipient, row.company, row.start) == (
        "sent",
        "Ann",
        "ann@acme.example",
        "Acme",
        "2026-11-24 14:00",
    )
    assert known.check_in_to == {"acme": ("Ann", "a@x")}
    assert known == read_states(ledger.path)


def test_read_states_never_creates_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "followup.db"
    assert not read_states(path)
    assert not path.exists()
    assert not path.parent.exists()


def test_a_ledger_in_a_folder_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(FollowUpError, match="cannot open the ledger"):
        Ledger(blocker / "followup.db")


def test_a_file_that_is_not_sqlite_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "followup.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(FollowUpError, match=str(path)):
        Ledger(path)


def test_the_lock_turns_a_second_holder_away_at_once(tmp_path: Path) -> None:
    path = tmp_path / "followup.db"
    with locked(path), pytest.raises(LockedError), locked(path):
        pass  # pragma: no cover
    with locked(path):
        pass  # free again once the first holder let go


def test_the_lock_holds_whichever_name_the_ledger_is_reached_by(tmp_path: Path) -> None:
    # --state through a symlink to the ledger file: one file, so one lock (a second run through the
    # link once sent beside the first and flagged its live claims uncertain)
    path = tmp_path / "followup.db"
    Ledger(path).close()
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "elsewhere" / "linked.db"
    link.symlink_to(path)
    with locked(path), pytest.raises(LockedError), locked(link):
        pass  # pragma: no cover
    with locked(link), pytest.raises(LockedError), locked(path):
        pass  # pragma: no cover


def test_the_lock_holds_against_another_process(tmp_path: Path) -> None:
    path = tmp_path / "followup.db"
    code = (
        "import sys; from pathlib import Path; from batch.ledger.store import locked\n"
        "from batch.errors import LockedError\n"
        f"try:\n    with locked(Path({str(path)!r})): sys.exit(0)\n"
        "except LockedError: sys.exit(75)\n"
    )
    with locked(path):
        busy = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2])
    free = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2])
    assert (busy.returncode, free.returncode) == (75, 0)


def test_a_version_1_ledger_keeps_its_rows_and_learns_the_replied_state(tmp_path: Path) -> None:
    path = tmp_path / "followup.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE deliveries (key TEXT PRIMARY KEY, interview TEXT NOT NULL, kind TEXT NOT NULL,"
        " method TEXT NOT NULL, recipient TEXT NOT NULL, name TEXT NOT NULL, subject TEXT NOT NULL,"
        " message_id TEXT NOT NULL, state TEXT NOT NULL"
        " CHECK (state IN ('sending','sent','failed','deferred','uncertain')),"
        " attempts INTEGER NOT NULL DEFAULT 1, claimed_at TEXT NOT NULL, finished_at TEXT, reply TEXT);"
        "INSERT INTO deliveries VALUES ('k', 'acme', 'thank-you', 'email', 'a@acme.example', 'Ann', 'Hi',"
        " '<1@x>', 'sent', 1, '2026-11-24T21:00:00+00:00', NULL, '250 OK');"
        "PRAGMA user_version = 1;"
    )
    old.close()
    ledger = Ledger(path)
    try:
        assert ledger.entry("k").message_id == "<1@x>"  # type: ignore[union-attr]
        ledger.note_replied(entry(key="acme/check-in"), "Ann replied", NOW)
        assert ledger.states()["acme/check-in"] == "replied"
        assert ledger.db.execute("PRAGMA user_version").fetchone()[0] == 5
        assert ledger.zones() == {}  # version 5's table, empty until a send remembers a zone
    finally:
        ledger.close()


# --- a ledger that is damaged, changed by hand, or in a folder we may not write ----------------------


def filled_ledger(path: Path, rows: int = 300) -> list[str]:
    """A ledger of that many sent thank-yous, closed; their keys."""
    ledger = Ledger(path)
    keys = []
    for i in range(rows):
        one = Entry(f"k{i}/thank-you/a{i}@x.example", f"k{i}", "thank-you", "email", f"a{i}@x.example",
                    "Ann", "Thank you " * 20, f"<{i}@x>", "sending", 1, "", None, None)  # fmt: skip
        ledger.claim(one, NOW)
        ledger.record(one.key, "sent", "250 OK", NOW)
        keys.append(one.key)
    ledger.close()
    return keys


def damage(path: Path) -> None:
    """Random bytes over a quarter of the file, from its middle (the same bytes every run)."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2)
        file.write(random.Random(1).randbytes(size // 4))


def assert_one_line_with_the_remedy(code: int, err: str, path: Path) -> None:
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"{path}: the ledger is damaged (")
    assert "restore it from a backup, or move it aside" in err
    assert "every follow-up reads as unsent" in err


@pytest.mark.parametrize(
    "command", [["status"], ["status", "--json"], ["plan"], ["resolve", "KEY", "--retry"]]
)
def test_a_ledger_damaged_mid_file_is_one_line_naming_it_and_the_remedy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    path = tmp_path / "followup.db"
    keys = filled_ledger(path)
    damage(path)
    command = [keys[150] if word == "KEY" else word for word in command]
    code = main(["--data", str(EXAMPLE), "--state", str(path), "--now", DEMO_NOW, *command])
    assert_one_line_with_the_remedy(code, capsys.readouterr().err, path)


@pytest.mark.parametrize(
    "command", [["status"], ["plan"], ["resolve", "k1/thank-you/a1@x.example", "--sent"]]
)
def test_a_ledger_with_an_extra_column_is_one_line_naming_it_and_the_remedy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    path = tmp_path / "followup.db"
    filled_ledger(path, rows=3)
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE deliveries ADD COLUMN note TEXT")
    db.commit()
    db.close()
    code = main(["--data", str(EXAMPLE), "--state", str(path), "--now", DEMO_NOW, *command])
    err = capsys.readouterr().err
    assert_one_line_with_the_remedy(code, err, path)
    assert "unknown column 'note'" in err


def test_a_row_of_the_wrong_kind_is_damage_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "followup.db"
    filled_ledger(path, rows=2)
    db = sqlite3.connect(path)
    db.execute("UPDATE deliveries SET name = x'ff00', claimed_at = 7 WHERE key = 'k1/thank-you/a1@x.example'")
    db.commit()
    db.close()
    with pytest.raises(FollowUpError, match="the ledger is damaged"):
        read_states(path)
    with pytest.raises(FollowUpError, match="the ledger is damaged"):
        read_entries(path)


def test_a_missing_ledger_reads_as_empty_and_nothing_is_made(tmp_path: Path) -> None:
    path = tmp_path / "var" / "followup.db"
    assert not read_states(path) and read_entries(path) == []
    assert main(["--data", str(EXAMPLE), "--state", str(path), "--now", DEMO_NOW, "plan"]) == 0
    assert list(tmp_path.iterdir()) == []


def test_reading_a_closed_ledger_needs_no_write_to_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "state" / "followup.db"
    keys = filled_ledger(path, rows=2)
    before = sorted(p.name for p in path.parent.iterdir())
    code = (
        "import sys; from pathlib import Path; from batch.ledger.reads import read_states, read_entries\n"
        f"p = Path({str(path)!r}); print(len(read_entries(p)), read_states(p)[{keys[0]!r}])\n"
    )
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                              preexec_fn=unprivileged)  # fmt: skip
    finally:
        path.parent.chmod(0o755)
    assert (done.returncode, done.stdout, done.stderr) == (0, "2 sent\n", "")
    assert sorted(p.name for p in path.parent.iterdir()) == before


def unprivileged() -> None:
    """In the child: obey file modes even as root (root drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH)."""
    from tests.hostile_cases import drop_dac

    drop_dac()
