"""Nothing world-readable: the ledger (and SQLite's files beside it), the lock, the notes, the outbox, the
preview and the calendar are made 0600 and their folders 0700, under the most permissive umask."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

from tests.hostile_cases import PERSON, data_yaml
from tests.runs import NOW, clean_env, run_followup, send_env
from tests.servers import SmtpServer


def _open_umask() -> None:
    os.umask(0)


def _modes(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` that group or others may read, with its mode."""
    loose = {}
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            loose[str(path.relative_to(folder.parent))] = oct(mode)
    return loose


def test_every_file_the_job_writes_is_yours_alone_whatever_the_umask(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    data = tmp_path / "interviews.yaml"
    data.write_text(data_yaml([PERSON]), encoding="utf-8")
    var = tmp_path / "var"
    state = var / "deep" / "followup.db"
    at = ["--data", str(data), "--state", str(state), "--now"]
    later = NOW.replace(minute=5).isoformat()
    runs = [
        (["--data", str(data), "--state", str(var / "dry" / "followup.db"), "--now", NOW.isoformat(), "send",
          "--dry-run", "--outbox", str(var / "outbox")], clean_env()),
        ([*at, NOW.isoformat(), "send"], send_env(smtp_server)),
        ([*at, later, "send"], send_env(smtp_server)),  # nothing left: leaves the wake-up note
        ([*at, later, "calendar", "--output", str(var / "cal" / "followups.ics")], clean_env()),
    ]  # fmt: skip
    for n, (args, env) in enumerate(runs):
        if n == 2:  # the note is left only once the files it watches are two seconds old (wake.RACY_NS)
            time.sleep(2.1)
        run = run_followup(args, cwd=tmp_path, env=env, preexec=_open_umask)
        assert run.code == 0 and not run.traceback, run.err
    assert len(smtp_server.received) == 1
    made = {p.name for p in var.rglob("*")}
    assert {"followup.db", "followup.db.lock", "followup.db.wake", "index.html", "followups.ics"} <= made
    assert any(p.parent.name == "new" for p in var.rglob("*"))  # the dry run's message
    assert _modes(var) == {}


def test_a_ledger_made_world_readable_before_is_narrowed_when_it_is_next_written(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    state = tmp_path / "followup.db"
    sqlite3.connect(state).close()
    state.chmod(0o644)
    data = tmp_path / "interviews.yaml"
    data.write_text(data_yaml([PERSON]), encoding="utf-8")
    run = run_followup(["--data", str(data), "--state", str(state), "--now", NOW.isoformat(), "send"],
                       cwd=tmp_path, env=send_env(smtp_server), preexec=_open_umask)  # fmt: skip
    assert run.code == 0, run.err
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in tmp_path.glob("followup.db*")} == {
        name: "0o600" for name in ("followup.db", "followup.db-wal", "followup.db-shm", "followup.db.lock",
                                   "followup.db.last-run")
    } or all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in tmp_path.glob("followup.db*"))  # fmt: skip
