"""The guide's test with yourself first: a copy of the data whose every email goes to you (plus-addresses,
you+1@…) never makes the real follow-ups read as sent, whether or not `--state` is given."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

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


def test_a_test_sent_to_myself_never_makes_the_real_thank_yous_read_as_sent(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    test = data_and_test(tmp_path)
    early = (NOW - timedelta(days=30)).isoformat()
    assert followup(tmp_path, smtp_server, "--now", early, "send").returncode == 0  # the real ledger starts
    tried = followup(tmp_path, smtp_server, "--data", test.name, "--now", NOW.isoformat(), "send")
    assert tried.returncode == 0, tried.stderr
    assert "a test: every email goes to you" in tried.stderr and "var/test.db" in tried.stderr
    mine = tried_on_myself(smtp_server)
    assert_each_goes_to_its_interviewer(tmp_path, smtp_server, mine)


def test_a_test_sent_to_myself_is_refused_in_the_real_ledger(tmp_path: Path, smtp_server: SmtpServer) -> None:
    test = data_and_test(tmp_path)
    early = (NOW - timedelta(days=30)).isoformat()
    assert followup(tmp_path, smtp_server, "--now", early, "send").returncode == 0  # the real ledger starts
    tried = followup(tmp_path, smtp_server, "--data", test.name, "--state", "var/followup.db", "--now",
                     NOW.isoformat(), "send", "--new-ledger")  # fmt: skip
    assert tried.returncode == 2 and tried.stderr.count("\n") == 1, tried.stderr
    assert "ledger of your real data" in tried.stderr and smtp_server.received == []


def test_a_test_already_in_the_real_ledger_never_counts_as_an_interviewers_thank_you(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    test = data_and_test(tmp_path)  # the test made first, into the ledger the real data then uses
    tried = followup(tmp_path, smtp_server, "--data", test.name, "--state", "var/followup.db", "--now",
                     NOW.isoformat(), "send")  # fmt: skip
    assert tried.returncode == 0, tried.stderr
    mine = tried_on_myself(smtp_server)
    assert_each_goes_to_its_interviewer(tmp_path, smtp_server, mine)


def data_and_test(folder: Path) -> Path:
    """The example as interviews.yaml, and test.yaml: the same, each interviewer at an address of mine."""
    shutil.copy(EXAMPLE, folder / "interviews.yaml")
    test = folder / "test.yaml"
    test.write_text(to_myself(EXAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
    return test


def tried_on_myself(server: SmtpServer) -> list[str]:
    """The letters of the test, each to a plus-address of mine (the rest: reminders of calls, to me)."""
    tried_to = recipients(server)
    assert tried_to and all(r.startswith("sam.rivera") for r in tried_to)
    mine = [r for r in tried_to if r.startswith("sam.rivera+")]
    assert mine
    return mine


def assert_each_goes_to_its_interviewer(folder: Path, server: SmtpServer, mine: list[str]) -> None:
    before = len(server.received)
    real = followup(folder, server, "--now", (NOW + timedelta(minutes=10)).isoformat(), "send")
    assert real.returncode == 0, real.stderr
    theirs = [r for r in recipients(server)[before:] if not r.startswith("sam.rivera")]
    assert len(theirs) == len(mine), real.stdout + real.stderr  # each letter I tried goes to its interviewer
