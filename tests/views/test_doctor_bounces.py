"""`followup doctor` looks for bounces of the emails sent (when IMAP is set): each one that still needs you
is a line saying what bounced, to whom, and what to do; the mailbox and the ledger are only read.
Against aiosmtpd and dovecot on 127.0.0.1, after a real send."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from tests.inbox.mailbox import Mailbox, mailbox, thanked, work  # noqa: F401  (fixtures)
from tests.inbox.test_replies import NORTHWIND, PANEL
from tests.servers import SmtpServer

ARRIVED = datetime.fromisoformat("2026-11-23T13:45:00-05:00")  # the thank-yous went at 13:30
SOON = "2026-11-23T13:50:00-05:00"  # before the bounce watch's next look: the ledger knows nothing yet
LATER = "2026-11-23T14:15:00-05:00"  # send's bounce watch has recorded it


def doctor_lines(work: Path, capsys: pytest.CaptureFixture[str], now: str) -> tuple[int, list[str]]:  # noqa: F811
    capsys.readouterr()
    code = main(["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db"),
                 "--now", now, "doctor"])  # fmt: skip
    out, err = capsys.readouterr()
    assert err == "" and "Traceback" not in out
    return code, out.splitlines()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bounce_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.split()[1:2] == ["bounces"]]


def test_a_bounce_in_the_mailbox_is_said_with_what_to_do_and_nothing_is_written(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.look()
    mailbox.bounce(ARRIVED)
    ledger = mailbox.work / "var" / "followup.db"
    before = digest(ledger)
    code, lines = doctor_lines(mailbox.work, mailbox.capsys, SOON)
    [line] = bounce_lines(lines)
    assert line.startswith("problem  bounces"), line
    assert f"thank-you to Priya Shah <{PANEL[0]}> ({NORTHWIND}) bounced" in line
    assert "550 5.1.1" in line  # the server's words
    assert f"correct the address in {mailbox.work / 'interviews.yaml'}:" in line
    assert "thank_you_within_days" in line and "Sat 28 Nov" in line  # until when it goes again
    assert code == 1  # as the next send, which says the bounce and exits 1
    assert digest(ledger) == before  # read-only: the ledger is as send left it
    assert mailbox.send(LATER)[0] == 1  # so send still finds it new, and says it


def test_a_bounce_the_ledger_recorded_is_still_said_until_the_address_is_corrected(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.look()
    mailbox.bounce(ARRIVED)
    assert mailbox.send(LATER)[0] == 1  # recorded as bounced
    code, lines = doctor_lines(mailbox.work, mailbox.capsys, LATER)
    [line] = bounce_lines(lines)
    assert line.startswith("problem  bounces") and "correct the address" in line, line
    assert code == 0  # a cron run now says nothing more about it and exits 0
    data = mailbox.work / "interviews.yaml"
    data.write_text(data.read_text().replace(PANEL[0], "priya.shah@northwind-traders.example"))
    code, lines = doctor_lines(mailbox.work, mailbox.capsys, LATER)
    [line] = bounce_lines(lines)
    assert line.startswith("ok       bounces"), line  # corrected: nothing left to do about it


def test_without_a_bounce_the_row_says_what_was_looked_at(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.look()
    code, lines = doctor_lines(mailbox.work, mailbox.capsys, SOON)
    [line] = bounce_lines(lines)
    assert line.startswith("ok       bounces") and "3 emails sent" in line, line
    assert code == 0


def test_without_imap_no_bounce_is_looked_for(
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, lines = doctor_lines(work, capsys, SOON)
    assert bounce_lines(lines) == []
    assert code == 0
