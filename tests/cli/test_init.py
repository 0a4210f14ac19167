"""followup init: a private workspace, committed, apart from the tool; --from moves a checkout's data
and ledger in, and nothing is sent twice after the move."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data import spec
from batch.data.starter import starter_yaml
from tests.runs import EXAMPLE, NOW
from tests.servers.smtp import Faults, SmtpServer, use_smtp

WORKSPACE_FILES = {"interviews.yaml", "interviews.schema.json", "Makefile", "README.md", ".gitignore",
                   ".pre-commit-config.yaml", "hooks/pre-commit"}  # fmt: skip


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own (the mail settings' template goes there), no FOLLOWUP_* set."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    return folder


def tracked(folder: Path) -> set[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=folder, capture_output=True, text=True, check=True)
    return set(listed.stdout.split())


def in_folder(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.chdir(folder)
    return main(list(args))


def test_init_makes_a_committed_workspace_whose_starter_checks_clean(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "job-search"
    assert main(["init", str(ws)]) == 0
    said = capsys.readouterr().out
    assert "committed in" in said and "mail settings: wrote" in said
    assert tracked(ws) == WORKSPACE_FILES
    assert (ws / "var" / "followup.db").exists(), "a new workspace starts its ledger, empty"
    assert (
        (ws / "interviews.yaml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=./interviews.schema.json")
    )
    env = home / ".config" / "followup" / "env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert "FOLLOWUP_SMTP_HOST" in env.read_text(encoding="utf-8")
    assert in_folder(ws, monkeypatch, "check") == 0
    capsys.readouterr()
    assert in_folder(ws, monkeypatch, "plan", "--json") == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan and {item["state"] for item in plan} == {"cancelled"}, "the example never goes"


def test_init_refuses_a_folder_that_is_not_empty_and_never_writes_over_a_file(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "interviews.yaml").write_text("mine\n", encoding="utf-8")
    assert main(["init", str(ws)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert sorted(p.name for p in ws.iterdir()) == ["interviews.yaml"]
    assert main(["init", str(ws), "--force"]) == 0
    assert "kept as they were (never written over): interviews.yaml" in capsys.readouterr().out
    assert (ws / "interviews.yaml").read_text(encoding="utf-8") == "mine\n"
    assert (ws / "Makefile").exists()


def test_init_leaves_existing_mail_settings_as_they_are(home: Path, tmp_path: Path) -> None:
    env = home / ".config" / "followup" / "env"
    env.parent.mkdir(parents=True)
    env.write_text("export FOLLOWUP_SMTP_HOST=mail.example.com\n", encoding="utf-8")
    assert main(["init", str(tmp_path / "ws")]) == 0
    assert env.read_text(encoding="utf-8") == "export FOLLOWUP_SMTP_HOST=mail.example.com\n"


def test_the_starter_shows_every_key_of_the_spec_with_its_meaning() -> None:
    text = starter_yaml("Europe/Paris", date(2026, 12, 8))
    for table in (spec.ME, spec.INTERVIEW, spec.INTERVIEWER):
        for name, key in table.items():
            assert f"{name}:" in text, name
            assert key.meaning.split()[0] in text, name
    assert "EXAMPLE" in text and "status: closed" in text


def test_init_from_moves_data_and_ledger_and_nothing_is_sent_twice(
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_smtp: Callable[..., SmtpServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, ws = tmp_path / "checkout", tmp_path / "ws"
    old.mkdir()
    shutil.copy(EXAMPLE, old / "interviews.yaml")
    server = make_smtp(faults=Faults(drop="after_DATA", times=1))  # the first one ends uncertain
    use_smtp(monkeypatch, server)
    assert in_folder(old, monkeypatch, "--now", NOW.isoformat(), "send", "--new-ledger") == 1
    rows = sorted(sqlite3.connect(old / "var" / "followup.db").execute("SELECT key, state FROM deliveries"))
    assert {state for _, state in rows} == {"sent", "uncertain"}
    received = len(server.received)
    capsys.readouterr()

    monkeypatch.chdir(tmp_path)
    assert main(["init", str(ws), "--from", str(old)]) == 0
    said = capsys.readouterr().out
    assert "checked in both places: ok:" in said and "the same" in said
    assert (ws / "interviews.yaml").read_bytes() == (old / "interviews.yaml").read_bytes()
    assert "interviews.yaml" in tracked(ws) and "var/followup.db" not in tracked(ws)
    assert (
        sorted(sqlite3.connect(ws / "var" / "followup.db").execute("SELECT key, state FROM deliveries"))
        == rows
    )

    later = "2026-11-24T16:30:00-05:00"
    assert in_folder(ws, monkeypatch, "--now", later, "send") == 0
    assert len(server.received) == received, "the moved ledger knew what was sent, and what is uncertain"
    assert in_folder(old, monkeypatch, "--now", later, "send") == 2
    assert "moved to" in capsys.readouterr().err
    assert len(server.received) == received
    assert main(["init", str(tmp_path / "again"), "--from", str(old)]) == 2


def test_the_workspace_and_its_data_are_readable_by_you_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    old = os.umask(0o022)  # the usual umask, under which files are made readable by everyone
    try:
        assert main(["init", str(tmp_path / "ws")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "ws").stat().st_mode & 0o077 == 0
    assert (tmp_path / "ws" / "interviews.yaml").stat().st_mode & 0o077 == 0


# A folder name with everything a shell or cron reads specially: spaces, both quotes, %, a backslash
# before a %, $ and a backquote.
ODD_NAME = "job search 'q' \"d\" 100% \\%x $HOME `id` é"


def cron_runs(line: str) -> tuple[str, str]:
    """What cron makes of a crontab line, as cronie's do_command does: the command after the five time
    fields, cut at its first bare % (the rest is the command's input), each \\% made a %."""
    fields = line.split(None, 5)
    assert fields[:5] == ["*/15", "*", "*", "*", "*"], line
    command, ran, escaped = fields[5], "", False
    for at, char in enumerate(command):
        if escaped:
            ran = ran[:-1] + "%" if char == "%" else ran + char
            escaped = False
        elif char == "%":
            return ran, command[at + 1 :]
        else:
            ran += char
            escaped = char == "\\"
    return ran, ""


def test_the_cron_line_of_a_folder_with_an_odd_name_runs_send_there(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tools = os.path.dirname(sys.executable)  # the installed followup, as make's `command -v` finds it
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    ws = tmp_path / ODD_NAME
    assert main(["init", str(ws)]) == 0
    settings = tmp_path / "my settings 50%" / "env"  # FOLLOWUP_ENV may be odd too
    settings.parent.mkdir()
    settings.write_text("export FOLLOWUP_SMTP_HOTS=smtp.example.com\n", encoding="utf-8")  # a typo send names
    made = subprocess.run(["make", "-s", "cron", f"FOLLOWUP_ENV={settings}"], cwd=ws, capture_output=True,
                          text=True, check=False, timeout=60)  # fmt: skip
    assert made.returncode == 0 and made.stdout.count("\n") == 1, made.stdout + made.stderr
    command, given = cron_runs(made.stdout.rstrip("\n"))
    assert given == "", "a bare % cut the command short"
    plain = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # what cron gives a job
    ran = subprocess.run(["/bin/sh", "-c", command], cwd=home, env=plain, capture_output=True, text=True,
                         check=False, timeout=120)  # fmt: skip
    assert ran.returncode == 2 and ran.stderr == "", ran.stderr  # the settings read, send run, its log kept
    assert "FOLLOWUP_SMTP_HOTS" in (ws / "var" / "cron.log").read_text(encoding="utf-8")
    assert (ws / "var" / "cron.log").stat().st_mode & 0o077 == 0  # names and addresses: yours alone


@pytest.mark.parametrize("name", ["two\nlines", "a\ttab", "bell\x07", "escape\x1b[31m", "line\u2028sep"])
def test_init_refuses_a_folder_name_cron_could_not_hold_on_one_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["init", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "choose another folder name" in err, err
    assert not (tmp_path / name).exists()


def test_the_workspace_makefile_takes_the_same_knobs_as_the_guide_says(home: Path, tmp_path: Path) -> None:
    """The guide's `make preview UNTIL=…` and `ARGS="…"` work in a workspace as in a checkout."""
    ws = tmp_path / "job-search"
    assert main(["init", str(ws)]) == 0
    ran = subprocess.run(["make", "-n", "preview", "UNTIL=2027-01-15", "ARGS=--limit 1"], cwd=ws,
                         capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "--until 2027-01-15" in ran.stdout and "--limit 1" in ran.stdout, ran.stdout
    for target in ("plan", "preview", "check"):  # NOW= looks ahead, as the guide's weeks ahead need
        ran = subprocess.run(["make", "-n", target, "NOW=2027-01-15T10:00"], cwd=ws, capture_output=True,
                             text=True, check=False, timeout=60)  # fmt: skip
        assert f"--now 2027-01-15T10:00 {'send' if target == 'preview' else target}" in ran.stdout, ran.stdout
    shown = subprocess.run(["make", "-s", "help"], cwd=ws, capture_output=True, text=True, check=False,
                           timeout=60)  # fmt: skip
    assert "UNTIL=" in shown.stdout, shown.stdout


def test_the_workspace_readme_names_pages_of_the_guide_and_no_address_it_cannot_vouch_for(
    home: Path, tmp_path: Path
) -> None:
    assert main(["init", str(tmp_path / "ws")]) == 0
    readme = (tmp_path / "ws" / "README.md").read_text("utf-8")
    nav = (Path(__file__).resolve().parents[2] / "mkdocs.yml").read_text("utf-8")
    titles = set(re.findall(r"^\s*- ([^:\n]+): \S+\.md$", nav, re.M))
    named = re.findall(r"\*([^*\n]+)\*", readme)
    assert named and set(named) <= titles, set(named) - titles
    assert re.findall(r"https?://[^\s)]+/", readme) == ["http://127.0.0.1:8000/"]


@pytest.mark.parametrize("target", ["plan", "preview", "check"])
def test_the_checkouts_makefile_takes_now_and_args_for_looking_ahead(target: str) -> None:
    root = Path(__file__).resolve().parents[2]
    args = "ARGS=--json" if target == "plan" else "ARGS="
    ran = subprocess.run(["make", "-n", target, "NOW=2027-01-15T10:00", args], cwd=root, capture_output=True,
                         text=True, check=False, timeout=60)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    said = next(line for line in ran.stdout.splitlines() if "--now 2027-01-15T10:00" in line)
    assert said.split("--now 2027-01-15T10:00 ")[1].startswith("send" if target == "preview" else target)
    assert target != "plan" or said.rstrip().endswith("plan --json"), said
