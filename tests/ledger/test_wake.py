"""The wake-up note (batch/wake.py): an idle `send` leaves it, the next idle run stops at it before
loading anything, and every change the plan rests on (time passing, an edit, a new file, the ledger,
the settings) makes the next run a full one again. The note never holds a secret."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from batch.data.load import data_files, load
from batch.etiquette.schedule import next_change, plan
from batch.ledger import wake
from tests.runs import EXAMPLE, clean_env, send_env
from tests.servers import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
IDLE = datetime.fromisoformat("2026-11-24T11:00:00-05:00")  # the example: nothing due; a reminder at 11:30
FALLS_DUE = datetime.fromisoformat("2026-11-24T11:30:00-05:00")
# One `send` in a fresh process; prints its exit code and whether it got as far as loading the data.
PROBE = (
    "import sys\nfrom batch.cli.main import main\nprint(main(sys.argv[1:]), 'batch.data.load' in sys.modules)"
)


def send(work: Path, now: datetime, env: dict[str, str], *more: str) -> tuple[int, bool, str]:
    """`followup send` at `now` in `work` (its interviews.yaml and var/): exit code, loaded?, stderr."""
    args = ["--now", now.isoformat(), "send", *more]
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=work, env=env, capture_output=True,
                          text=True, check=False, timeout=60)  # fmt: skip
    code, loaded = done.stdout.split()[-2:]
    return int(code), loaded == "True", done.stderr


def age(*paths: Path) -> None:
    """Make files look edited a minute ago: past the note's racy window, as a cron run a while later sees."""
    old = time.time_ns() - 60_000_000_000
    for path in paths:
        if path.exists():
            os.utime(path, ns=(old, old))


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A user's folder: the example interviews and a var/ for the ledger."""
    shutil.copy(EXAMPLE, tmp_path / "interviews.yaml")
    (tmp_path / "var").mkdir()
    return tmp_path


def settle(work: Path, env: dict[str, str], now: datetime = IDLE) -> None:
    """An idle run that makes the ledger, files aged, then the run that leaves the note."""
    send(work, now, env)
    age(work / "interviews.yaml", work / "var" / "followup.db")
    code, loaded, err = send(work, now, env)
    assert (code, loaded, err) == (0, True, "")
    assert wake.note_path(work / "var" / "followup.db").exists()


def test_an_idle_run_after_an_idle_run_stops_before_loading_anything(
    work: Path, smtp_server: SmtpServer
) -> None:
    env = send_env(smtp_server)
    settle(work, env)
    assert send(work, IDLE + timedelta(minutes=15), env) == (0, False, "")
    assert smtp_server.received == []


def test_the_run_after_the_next_change_sends_what_fell_due(work: Path, smtp_server: SmtpServer) -> None:
    env = send_env(smtp_server)
    settle(work, env)
    assert send(work, FALLS_DUE - timedelta(seconds=1), env)[:2] == (0, False)
    code, loaded, _ = send(work, FALLS_DUE, env)
    assert (code, loaded) == (0, True)
    assert len(smtp_server.received) == 1  # the voicemail script, to you


def test_a_note_is_trusted_an_hour_at_most(work: Path) -> None:
    env = clean_env()
    settle(work, env, IDLE - timedelta(hours=3))  # the next change is 3.5 hours away
    assert send(work, IDLE - timedelta(hours=2, minutes=1), env)[1] is False
    assert send(work, IDLE - timedelta(hours=2), env)[1] is True


def test_a_clock_set_back_before_the_note_runs_in_full(work: Path) -> None:
    env = clean_env()
    settle(work, env)
    assert send(work, IDLE - timedelta(minutes=1), env)[1] is True


def test_an_edit_that_keeps_the_size_and_the_mtime_is_still_seen(work: Path, smtp_server: SmtpServer) -> None:
    env = send_env(smtp_server)
    settle(work, env)
    data = work / "interviews.yaml"
    before = data.stat()
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("done: [thank-you]", "done: []         ", 1), encoding="utf-8")
    os.utime(data, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert data.stat().st_size == before.st_size and data.stat().st_mtime_ns == before.st_mtime_ns
    code, loaded, _ = send(work, IDLE + timedelta(minutes=5), env)
    assert (code, loaded) == (0, True)
    assert [m.rcpt_tos for m in smtp_server.received] == [("dana.okafor@contoso.example",)]


def test_a_new_file_in_the_interviews_folder_is_seen(work: Path) -> None:
    env = clean_env()
    settle(work, env)
    (work / "interviews").mkdir()
    (work / "interviews" / "more.yaml").write_text("interviews: []\n", encoding="utf-8")
    assert send(work, IDLE + timedelta(minutes=5), env)[1] is True


def test_a_setting_changed_since_the_note_is_checked_again(work: Path) -> None:
    env = clean_env()
    settle(work, env)
    code, loaded, err = send(
        work, IDLE + timedelta(minutes=5), {**env, "FOLLOWUP_SMTP_HOTS": "smtp.example.com"}
    )
    assert (code, loaded) == (2, True)
    assert "FOLLOWUP_SMTP_HOTS" in err


def test_the_note_holds_no_password(work: Path, smtp_server: SmtpServer) -> None:
    env = send_env(smtp_server, FOLLOWUP_SMTP_USER="me", FOLLOWUP_SMTP_PASSWORD="pw-7f3a-never-stored")
    settle(work, env)
    note = wake.note_path(work / "var" / "followup.db").read_text(encoding="utf-8")
    assert "pw-7f3a-never-stored" not in note
    assert send(work, IDLE + timedelta(minutes=5), {**env, "FOLLOWUP_SMTP_PASSWORD": "other"})[1] is False


def test_a_run_stopped_at_the_note_still_leaves_its_heartbeat(work: Path, smtp_server: SmtpServer) -> None:
    env = send_env(smtp_server)
    settle(work, env)
    later = IDLE + timedelta(minutes=15)
    assert send(work, later, env)[1] is False
    assert wake.read_heartbeat(work / "var" / "followup.db") == later


def test_a_dry_run_stopped_at_the_note_leaves_no_heartbeat(work: Path) -> None:
    env = clean_env()
    settle(work, env)
    assert send(work, IDLE + timedelta(minutes=15), env)[1] is False
    assert wake.read_heartbeat(work / "var" / "followup.db") is None


def test_a_file_changed_in_the_last_two_seconds_leaves_no_note(work: Path) -> None:
    send(work, IDLE, clean_env())  # interviews.yaml was just copied
    assert not wake.note_path(work / "var" / "followup.db").exists()


def test_a_run_that_says_something_leaves_no_note(work: Path, smtp_server: SmtpServer) -> None:
    env = send_env(smtp_server)
    settle(work, env)
    code, loaded, _ = send(work, FALLS_DUE, env)  # sends the reminder
    assert (code, loaded) == (0, True)
    assert not wake.note_path(work / "var" / "followup.db").exists()


@pytest.mark.parametrize("change", ["size", "inode", "missing"])
def test_the_note_is_void_when_a_watched_file_changes(tmp_path: Path, change: str) -> None:
    state, data = tmp_path / "followup.db", tmp_path / "data.yaml"
    data.write_text("a: 1\n", encoding="utf-8")
    age(data)
    made = datetime.fromisoformat("2026-11-24T11:00:00+00:00")
    wake.write_note(state, made=made, until=None, key=("salt", "k"), watched=wake.watch([data]),
                    wall_ns=time.time_ns(), beat=False)  # fmt: skip
    assert wake.asleep(state, made, lambda salt: "k")
    assert not wake.asleep(state, made, lambda salt: "other key")
    stat = data.stat()
    if change == "size":
        data.write_text("a: 12\n", encoding="utf-8")
    elif change == "inode":
        (tmp_path / "new.yaml").write_text("a: 2\n", encoding="utf-8")
        os.replace(tmp_path / "new.yaml", data)
    else:
        data.unlink()
    if data.exists():
        os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert not wake.asleep(state, made, lambda salt: "k")


def test_a_note_that_is_not_ours_is_ignored(tmp_path: Path) -> None:
    state = tmp_path / "followup.db"
    for text in ("", "{", "[]", json.dumps({"made": "x"}), json.dumps({"made": "2026-01-01", "until": 3})):
        wake.note_path(state).write_text(text, encoding="utf-8")
        assert not wake.asleep(state, datetime.fromisoformat("2026-06-01T00:00:00+00:00"), lambda salt: "k")


CORPUS = [EXAMPLE, *sorted((ROOT / "tests" / "corpus").glob("*.yaml"))]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
@settings(max_examples=40, deadline=None)
@given(start=st.integers(0, 60 * 24 * 60), fraction=st.floats(0, 1, exclude_max=True))
@example(start=83640, fraction=0.9999999999999999)  # found by a newcomer's run: the fraction rounded to 1
def test_nothing_changes_state_before_next_change(path: Path, start: int, fraction: float) -> None:
    data = load(data_files(path, path.parent))
    now = datetime.fromisoformat("2026-10-15T00:00:00+00:00") + timedelta(minutes=start)
    for exact in (True, False):
        items = plan(data, now, exact=exact)
        change = next_change(items, now)
        if any(item.state == "due" for item in items):
            assert change == now  # being acted on: no note
            continue
        if change is None:
            later = [now + timedelta(days=400)]
        else:
            last = change - timedelta(microseconds=1)  # a fraction near 1 rounds to the change itself
            later = [min(now + (change - now) * fraction, last), last]
        for moment in later:
            assert {i.key: i.state for i in plan(data, moment, exact=exact)} == {
                i.key: i.state for i in items
            }


# --- what the trial from outside found (each once a failing test) -------------------------------------


def test_a_template_the_data_names_is_watched(work: Path) -> None:
    env = clean_env()
    shutil.copy(ROOT / "batch" / "templates" / "en" / "thank-you.md", work / "thanks.md")
    data = work / "interviews.yaml"
    text = data.read_text(encoding="utf-8")
    data.write_text(
        text.replace("    role: Product Analyst\n", "    role: Product Analyst\n    template: thanks.md\n")
    )
    age(work / "thanks.md")
    settle(work, env)
    (work / "thanks.md").unlink()
    code, loaded, err = send(work, IDLE + timedelta(minutes=5), env)
    assert (code, loaded) == (2, True)
    assert "template: cannot read" in err


def test_no_setting_is_written_to_the_note_in_clear_and_only_you_can_read_it(work: Path) -> None:
    env = clean_env(FOLLOWUP_TOKEN="tok-5e3b-never-stored", FOLLOWUP_SMTP_USER="user-5e3b@example.com")
    settle(work, env)
    note = wake.note_path(work / "var" / "followup.db")
    assert "5e3b" not in note.read_text(encoding="utf-8")
    assert note.stat().st_mode & 0o077 == 0
    assert send(work, IDLE + timedelta(minutes=5), env)[1] is False
    assert send(work, IDLE + timedelta(minutes=5), {**env, "FOLLOWUP_TOKEN": "other"})[1] is True


@pytest.mark.parametrize("name", ["followup.db.wake.partial", "followup.db.last-run.partial"])
def test_a_planted_link_beside_the_ledger_is_not_written_through(
    work: Path, smtp_server: SmtpServer, name: str
) -> None:
    victim = work / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (work / "var" / name).symlink_to(victim)
    env = send_env(smtp_server)
    settle(work, env)
    send(work, IDLE + timedelta(minutes=5), env)
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not wake.note_path(work / "var" / "followup.db").is_symlink()


@pytest.mark.parametrize("kind", ["fifo", "endless", "folder"])
def test_a_note_that_is_no_file_of_ours_means_a_full_run(work: Path, kind: str) -> None:
    note = wake.note_path(work / "var" / "followup.db")
    if kind == "fifo":
        os.mkfifo(note)
    elif kind == "endless":
        note.symlink_to("/dev/zero")
    else:
        note.mkdir()
        (note / "x").write_text("x", encoding="utf-8")
    began = time.monotonic()
    assert send(work, IDLE, clean_env())[:2] == (0, True)
    assert time.monotonic() - began < 20
    assert not list((work / "var").glob("*.partial"))


def test_a_note_made_on_the_night_the_clocks_go_back_is_trusted_one_real_hour(tmp_path: Path) -> None:
    state = tmp_path / "followup.db"
    made = datetime(2026, 11, 1, 1, 10, tzinfo=ZoneInfo("America/Toronto"))  # 01:10 EDT; 01:10 EST follows
    wake.write_note(state, made=made, until=None, key=("salt", "k"), watched=[["/nonexistent"]],
                    wall_ns=time.time_ns(), beat=False)  # fmt: skip
    real = made.astimezone(UTC)
    assert wake.asleep(state, real + timedelta(minutes=59), lambda salt: "k")
    assert not wake.asleep(state, real + timedelta(minutes=61), lambda salt: "k")


def test_a_note_whose_moment_was_edited_is_still_trusted_one_hour_at_most(tmp_path: Path) -> None:
    state = tmp_path / "followup.db"
    made = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    wake.write_note(state, made=made, until=None, key=("salt", "k"), watched=[["/nonexistent"]],
                    wall_ns=time.time_ns(), beat=False)  # fmt: skip
    note = json.loads(wake.note_path(state).read_text(encoding="utf-8"))
    note["until"] = "2099-01-01T00:00:00+00:00"
    wake.note_path(state).write_text(json.dumps(note), encoding="utf-8")
    assert wake.asleep(state, made + timedelta(minutes=30), lambda salt: "k")
    assert not wake.asleep(state, made + timedelta(minutes=61), lambda salt: "k")


def test_an_install_or_upgrade_of_a_package_changes_the_key(tmp_path: Path) -> None:
    import site

    before = wake.settings_key({}, {}, tmp_path, "salt")
    folder = Path(site.getsitepackages()[0])
    stat = folder.stat()
    try:
        os.utime(folder, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert wake.settings_key({}, {}, tmp_path, "salt") != before
    finally:
        os.utime(folder, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize("module", ["errors.py", "cli/sending.py", "letters/render.py", "mail/deliver.py"])
def test_an_edit_of_any_module_of_the_tool_changes_the_key(tmp_path: Path, module: str) -> None:
    # the tool's code is watched in every package, not only the ledger's own folder
    path = ROOT / "batch" / module
    before = wake.settings_key({}, {}, tmp_path, "salt")
    stat = path.stat()
    try:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert wake.settings_key({}, {}, tmp_path, "salt") != before
    finally:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
