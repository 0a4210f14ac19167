"""The guide's test with yourself first: a copy of the data whose every email goes to you (plus-addresses,
you+1@…) never makes the real follow-ups read as sent, whether or not `--state` is given."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.runs import EXAMPLE, FOLLOWUP, NOW, send_env
from tests.servers.smtp import SmtpServer


def followup(cwd: Path, server: SmtpServer, *args: str) -> subprocess.CompletedProcess[str]:
    """`followup ARGS` as a process run from `cwd`, pointed at the server."""
    return subprocess.run([*FOLLOWUP, *args], cwd=cwd, env=send_env(server), capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def to_myself(text: str) -> str:
    """The data with each interviewer's email replaced by a plus-address of mine (you+1@, you+2@ …)."""
    count = iter(range(1, 100))
    return re.sub(r"(?m)^( {6,}email: )\S+@\S+$", lambda m: f"{m[1]}sam.rivera+{next(count)}@example.com",
                  text)  # fmt: skip


def recipients(server: SmtpServer) -> list[str]:
    return [r.rcpt_tos[0] for r in server.received]


@pytest.mark.parametrize("state", [[], ["--state", "var/followup.db"]], ids=["no --state", "the real ledger"])
def test_a_test_sent_to_myself_never_makes_the_real_thank_yous_read_as_sent(
    tmp_path: Path, smtp_server: SmtpServer, state: list[str]
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "interviews.yaml")
    test = tmp_path / "test.yaml"
    test.write_text(to_myself(EXAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
    early = (NOW - timedelta(days=30)).isoformat()
    assert followup(tmp_path, smtp_server, "--now", early, "send").returncode == 0  # the real ledger starts
    tried = followup(tmp_path, smtp_server, "--data", "test.yaml", *state, "--now", NOW.isoformat(), "send",
                     "--new-ledger")  # fmt: skip
    assert tried.returncode == 0, tried.stderr
    tried_to = recipients(smtp_server)
    mine = [r for r in tried_to if r.startswith("sam.rivera+")]  # the rest: reminders of calls, to me
    assert mine and all(r.startswith("sam.rivera") for r in tried_to)
    real = followup(tmp_path, smtp_server, "--now", (NOW + timedelta(minutes=10)).isoformat(), "send")
    assert real.returncode == 0, real.stderr
    theirs = [r for r in recipients(smtp_server)[len(tried_to) :] if not r.startswith("sam.rivera")]
    assert len(theirs) == len(mine), real.stdout + real.stderr  # each letter I tried goes to its interviewer
