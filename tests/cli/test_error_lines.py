"""An error is one line that never echoes a file's content: a path given for output that names a file of
secrets (or any file of the user's) is refused without a word of its text, and a control character in
anything the user typed (a newline in an argument) is written as its escape, never as a line break.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from batch.ledger.store import Ledger
from tests.runs import EXAMPLE, FOLLOWUP, NOW, clean_env

SECRET = "SuperSecret-Planted-42"


def followup(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`followup ARGS` as a process run from `cwd`, without SMTP settings (nothing is sent)."""
    return subprocess.run([*FOLLOWUP, *args], cwd=cwd, env=clean_env(**env), capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


# Each: a command whose output path is a file of the user's that is no output of ours.
OUTPUTS = {
    "calendar --output": ["calendar", "--output", "{file}"],
    "send --dry-run --outbox": ["send", "--dry-run", "--outbox", "{file}"],
    "--state (plan)": ["--state", "{file}", "plan"],
    "--state (status)": ["--state", "{file}", "status"],
    "--state (doctor)": ["--state", "{file}", "doctor"],
}


@pytest.mark.parametrize("secret", [True, False], ids=["the password file", "a notes file"])
@pytest.mark.parametrize("args", OUTPUTS.values(), ids=OUTPUTS.keys())
def test_an_output_path_naming_a_file_of_yours_never_echoes_its_content(
    tmp_path: Path, args: list[str], secret: bool
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "interviews.yaml")
    file = tmp_path / "pw"
    file.write_text(f"{SECRET}\nsecond line\n", encoding="utf-8")
    file.chmod(0o600)
    env = {"FOLLOWUP_SMTP_PASSWORD_FILE": str(file)} if secret else {}
    run = followup(tmp_path, "--now", NOW.isoformat(), *(a.format(file=file) for a in args), **env)
    assert SECRET not in run.stdout + run.stderr
    assert file.read_text(encoding="utf-8").startswith(SECRET)  # and never written over


X = "x\ny\tz\rw"

# Each: a command given a value with control characters where it quotes it back in an error.
TYPED = {
    "resolve KEY": ["resolve", X, "--retry"],
    "--data": ["--data", X, "check"],
    "--data FILE": ["--data", f"{X}.yaml", "plan"],
    "--state": ["--state", f"{X}/f.db", "status"],
    "send --outbox": ["send", "--dry-run", "--outbox", f"{X}/out"],
    "calendar --output": ["calendar", "--output", f"{X}/a.ics"],
    "a command": [X],
    "an argument too many": ["plan", X],
}


@pytest.mark.parametrize("args", TYPED.values(), ids=TYPED.keys())
def test_a_newline_or_tab_typed_in_an_argument_is_escaped_in_its_one_line_error(
    tmp_path: Path, args: list[str]
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "interviews.yaml")
    (tmp_path / X).write_text("a file, where a folder would be\n", encoding="utf-8")  # the error names it
    Ledger(tmp_path / "var" / "followup.db").close()  # resolve looks the key up
    run = followup(tmp_path, "--now", NOW.isoformat(), *args)
    assert run.returncode == 2, run.stderr
    last = run.stderr.splitlines()[-1]
    assert "x\\u000ay\\u0009z\\u000dw" in last or "'x\\ny\\tz\\rw'" in last, run.stderr
    for line in run.stderr.splitlines():
        assert not line.startswith(("y", "\tz", "z", "w")), run.stderr
    assert "\r" not in run.stderr and "\t" not in run.stderr


def test_a_data_file_named_with_a_newline_is_named_on_one_line_in_each_problem(tmp_path: Path) -> None:
    folder = tmp_path / "interviews"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "a.yaml")
    (folder / "bad\nname.yaml").write_text("interviews:\n  - id: [not, an, id]\n", encoding="utf-8")
    run = followup(tmp_path, "--data", str(folder), "--now", NOW.isoformat(), "check")
    assert run.returncode == 2, run.stderr
    assert "bad\\u000aname.yaml" in run.stderr
    assert all(line.startswith(str(folder)) for line in run.stderr.splitlines()), run.stderr


def test_a_warning_about_a_file_named_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "interviews"
    folder.mkdir()
    me = "me:\n  name: Sam Rivera\n  email: sam@example.com\n  timezone: America/Toronto\n"
    one = (
        "  - id: {id}\n    company: Acme\n    role: Analyst\n    start: 2026-11-24 14:00\n    duration: 45m\n"
        "    interviewers:\n      - name: Ann Lee\n        email: ann.lee@acme.example\n"
    )
    (folder / "a.yaml").write_text(me + "interviews:\n" + one.format(id="acme"), encoding="utf-8")
    (folder / "b\nc.yaml").write_text("interviews:\n" + one.format(id="acme-copy"), encoding="utf-8")
    run = followup(tmp_path, "--data", str(folder), "--now", NOW.isoformat(), "check")
    warnings = [line for line in run.stderr.splitlines() if "the same interview as" in line]
    assert warnings and "b\\u000ac.yaml" in warnings[0], run.stderr
    assert all(line.startswith(str(folder)) for line in run.stderr.splitlines()), run.stderr
