"""A bounced thank-you in the calendar says what bounced, to which address, and what to do: correct the
address, and the thank-you goes again while it is within thank_you_within_days. Found the real way: a
thank-you sent through aiosmtpd, its delivery report in dovecot, the bounce watch of the next `send`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import icalendar
import pytest

from batch.cli.main import main
from tests.inbox.mailbox import Mailbox, mailbox, thanked, work  # noqa: F401  (fixtures)
from tests.inbox.test_replies import NORTHWIND, PANEL

SENT = datetime.fromisoformat("2026-11-23T13:45:00-05:00")  # the report arrives; the thank-you went 13:30
LOOK = "2026-11-23T14:15:00-05:00"  # the bounce watch's next look finds it


def calendar_events(folder: Path, capsys: pytest.CaptureFixture[str], now: str) -> dict[str, icalendar.Event]:
    capsys.readouterr()
    argv = ["--data", str(folder / "interviews.yaml"), "--state", str(folder / "var" / "followup.db"),
            "--now", now]  # fmt: skip
    assert main([*argv, "calendar", "--output", "-"]) == 0
    calendar = icalendar.Calendar.from_ical(capsys.readouterr().out)
    return {str(event["X-FOLLOWUP-KEY"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def bounced(
    mailbox: Mailbox,  # noqa: F811
) -> Path:
    """Priya's thank-you bounced, and `send` has recorded it."""
    mailbox.look()
    mailbox.bounce(SENT)
    code, _, err = mailbox.send(LOOK)
    assert code == 1 and err.startswith("bounced  thank-you to Priya Shah"), err
    return mailbox.work


def test_a_bounced_thank_you_says_what_bounced_to_whom_and_what_to_do(
    bounced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = calendar_events(bounced, capsys, LOOK)[f"{NORTHWIND}/thank-you/{PANEL[0]}"]
    text = " ".join(str(event["DESCRIPTION"]).split())
    assert "thank-you email to Priya Shah <priya.shah@northwind.example>" in text
    assert "came back undelivered" in text
    assert f"correct the address in {bounced / 'interviews.yaml'}:" in text.lower()
    assert "thank_you_within_days" in text and "5 days after the interview" in text
    assert "Sat 28 Nov 2026" in text  # until when it can still go again
    assert "bounced" in str(event["SUMMARY"]).lower()


def test_the_check_in_held_by_the_bounce_says_why_and_what_to_do(
    bounced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = calendar_events(bounced, capsys, LOOK)[f"{NORTHWIND}/check-in"]
    text = " ".join(str(event["DESCRIPTION"]).split())
    assert "priya.shah@northwind.example" in text and "bounced" in text
    assert f"{bounced / 'interviews.yaml'}:" in text
