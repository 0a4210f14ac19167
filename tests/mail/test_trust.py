"""The promises that broke when the tool was tried from outside: working hours at the moment of sending,
and the right person, once, across edits of the YAML. Real aiosmtpd on 127.0.0.1, a real ledger."""

from __future__ import annotations

import email
import email.policy
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data import load as loader
from batch.mail import deliver
from batch.mail.transport import Outbox
from tests.servers import Faults, SmtpServer, use_smtp

ME = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  timezone: America/Toronto
"""


def write(folder: Path, interviews: str) -> Path:
    path = folder / "interviews.yaml"
    path.write_text(ME + "interviews:\n" + interviews, encoding="utf-8")
    return path


def run(folder: Path, now: str, *args: str) -> int:
    return main(["--data", str(folder / "interviews.yaml"), "--state", str(folder / "var" / "followup.db"),
                 "--now", now, *args])  # fmt: skip


def plan_rows(folder: Path, now: str, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, str]]:
    capsys.readouterr()
    assert run(folder, now, "plan", "--json") == 0
    return {row["key"]: row for row in json.loads(capsys.readouterr().out)}


def rows(folder: Path) -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(folder / "var" / "followup.db")
    try:
        return {k: (s, r) for k, s, r in db.execute("SELECT key, state, recipient FROM deliveries")}
    finally:
        db.close()


@pytest.fixture
def smtp(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, work: Path) -> SmtpServer:
    use_smtp(monkeypatch, smtp_server)
    return smtp_server


FRIDAY = """\
  - id: globex-analyst
    company: Globex
    role: Analyst
    start: 2026-11-27 14:00
    duration: 45m
    timezone: America/Toronto
    interviewers:
      - name: Zoe Adams
        email: zoe.adams@globex.test
        topics: [the data platform]
"""


# --- Gate 1: working hours at the moment of sending -------------------------------------------------


def test_a_thank_you_missed_on_friday_waits_for_monday_morning_not_sunday_night(
    work: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    write(work, FRIDAY)  # due Fri 15:45; cron did not run until Sunday 03:00
    assert run(work, "2026-11-29T03:00:00-05:00", "send") == 0
    assert smtp.received == []
    row = plan_rows(work, "2026-11-29T03:00:00-05:00", capsys)[
        "globex-analyst/thank-you/zoe.adams@globex.test"
    ]
    assert row["state"] == "waiting"
    assert row["sends_at"] == "2026-11-30T08:00:00-05:00"
    assert "Mon 30 Nov 08:00" in row["why"]
    assert run(work, "2026-11-30T08:05:00-05:00", "send") == 0
    [received] = smtp.received
    date = email.message_from_bytes(received.data, policy=email.policy.default)["Date"]
    assert date.startswith("Mon, 30 Nov 2026 08:05")


def test_the_gate_reads_the_clock_at_the_moment_of_sending_not_the_start_of_the_run(work: Path) -> None:
    write(work, FRIDAY)
    data = loader.load([work / "interviews.yaml"])
    start = datetime.fromisoformat("2026-11-27T17:59:00-05:00")  # due and open when the run starts …
    late = start + timedelta(minutes=2)  # … closed by the time the message would go
    result = deliver.send_due(
        data, start, state=work / "var" / "followup.db", transport=lambda: Outbox(work / "out"),
        dry_run=False, clock=lambda: late, env={},
    )  # fmt: skip
    assert [o.state for o in result.outcomes] == ["waiting"]
    assert "next opening Mon 30 Nov 08:00" in result.outcomes[0].line
    assert not (work / "out" / "new").exists() or not any((work / "out" / "new").iterdir())
    assert rows(work) == {}


def test_a_reminder_to_you_waits_for_your_own_working_hours(
    work: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        work,
        """\
  - id: adatum-engineer
    company: A. Datum
    role: Engineer
    start: 2026-11-25 22:00
    duration: 30m
    timezone: America/Toronto
    method: voicemail
    interviewers:
      - name: Arjun Mehta
        phone: "+91 80 5550 1234"
        timezone: Asia/Kolkata
""",
    )
    night = "2026-11-25T23:30:00-05:00"  # 10:00 on Thursday in Kolkata, but 23:30 at home
    assert run(work, night, "send") == 0
    assert smtp.received == []
    row = plan_rows(work, night, capsys)["adatum-engineer/thank-you/arjun-mehta"]
    assert (row["state"], row["sends_at"]) == ("waiting", "2026-11-26T08:00:00-05:00")


# --- The right person, once --------------------------------------------------------------------------


def test_correcting_a_name_and_its_address_in_one_edit_does_not_thank_them_twice(
    work: Path, smtp: SmtpServer
) -> None:
    write(work, FRIDAY)
    assert run(work, "2026-11-27T15:50:00-05:00", "send") == 0
    assert len(smtp.received) == 1
    text = (work / "interviews.yaml").read_text(encoding="utf-8")
    edited = text.replace("Zoe Adams", "Zoë Adams").replace("globex.test", "globex-corp.test")
    (work / "interviews.yaml").write_text(edited, encoding="utf-8")
    assert run(work, "2026-11-27T16:30:00-05:00", "send") == 0
    assert len(smtp.received) == 1


def test_a_newcomer_who_replaces_a_thanked_interviewer_is_held_until_you_say(
    work: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    write(work, FRIDAY)
    assert run(work, "2026-11-27T15:50:00-05:00", "send") == 0
    text = (work / "interviews.yaml").read_text(encoding="utf-8")
    edited = text.replace("Zoe Adams", "Yusuf Park").replace("zoe.adams@", "y.park@")
    (work / "interviews.yaml").write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert run(work, "2026-11-27T16:30:00-05:00", "send") == 0
    err = capsys.readouterr().err
    assert len(smtp.received) == 1
    assert err.count("held  thank-you to Yusuf Park") == 1 and "new_person: true" in err
    assert run(work, "2026-11-27T16:45:00-05:00", "send") == 0
    assert "held" not in capsys.readouterr().err  # said once, not on every cron run
    key = "globex-analyst/thank-you/y.park@globex.test"
    assert plan_rows(work, "2026-11-27T16:45:00-05:00", capsys)[key]["state"] == "held"
    (work / "interviews.yaml").write_text(edited + "        new_person: true\n", encoding="utf-8")
    assert run(work, "2026-11-27T17:00:00-05:00", "send") == 0
    assert [r.rcpt_tos[0] for r in smtp.received[1:]] == ["y.park@globex.test"]


def test_a_second_person_of_the_same_name_is_a_second_person(work: Path, smtp: SmtpServer) -> None:
    write(work, FRIDAY.replace("Zoe Adams", "Chris Lee").replace("zoe.adams@", "chris.lee@"))
    assert run(work, "2026-11-27T15:50:00-05:00", "send") == 0
    text = (work / "interviews.yaml").read_text(encoding="utf-8")
    text += "      - name: Chris Lee\n        email: c.lee@globex.test\n"
    (work / "interviews.yaml").write_text(text, encoding="utf-8")
    assert run(work, "2026-11-27T16:00:00-05:00", "send") == 0
    assert [r.rcpt_tos[0] for r in smtp.received] == ["chris.lee@globex.test", "c.lee@globex.test"]


def test_an_id_reused_by_another_interview_holds_its_follow_ups_and_says_why(
    work: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    write(work, FRIDAY)
    assert run(work, "2026-11-27T15:50:00-05:00", "send") == 0
    other = FRIDAY.replace("company: Globex", "company: Initech").replace(
        "2026-11-27 14:00", "2026-12-01 14:00"
    )
    write(
        work, other.replace("Zoe Adams", "Ivan Ortiz").replace("zoe.adams@globex.test", "ivan@initech.test")
    )
    assert run(work, "2026-12-01T15:50:00-05:00", "send") == 0
    assert len(smtp.received) == 1
    row = plan_rows(work, "2026-12-01T15:50:00-05:00", capsys)["globex-analyst/thank-you/ivan@initech.test"]
    assert row["state"] == "held"
    assert "was for Globex on 2026-11-27" in row["why"] and "id of its own" in row["why"]
    capsys.readouterr()
    assert run(work, "2026-12-01T15:50:00-05:00", "check") == 0  # the data is fine; the ledger disagrees
    err = capsys.readouterr().err
    assert "interviews.yaml:" in err and "warning: globex-analyst/thank-you/ivan@initech.test is held" in err


PANEL = """\
  - id: northwind-analyst
    company: Northwind
    role: Analyst
    start: 2026-11-24 14:00
    duration: 45m
    timezone: America/Toronto
    decision_by: 2026-12-04
    interviewers:
      - name: Marcus Chen
        email: marcus@northwind.test
      - name: Ada Brown
        email: ada@northwind.test
"""


def test_check_in_goes_to_the_interviewer_marked_check_in(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(work, PANEL + "        check_in: true\n")
    row = plan_rows(work, "2026-11-24T16:00:00-05:00", capsys)["northwind-analyst/check-in"]
    assert row["recipient"] == "ada@northwind.test"


def test_two_interviewers_marked_check_in_is_an_error_with_its_place(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = PANEL.replace(
        "email: marcus@northwind.test", "email: marcus@northwind.test\n        check_in: true"
    )
    write(work, text + "        check_in: true\n")
    assert run(work, "2026-11-24T16:00:00-05:00", "check") == 2
    err = capsys.readouterr().err
    assert "interviews.yaml:19:" in err and "only one interviewer gets the check-in" in err


def test_reordering_the_panel_after_the_thank_yous_keeps_the_check_in_with_the_same_person(
    work: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    write(work, PANEL)
    assert run(work, "2026-11-24T16:00:00-05:00", "send") == 0
    assert len(smtp.received) == 2
    marcus = "      - name: Marcus Chen\n        email: marcus@northwind.test\n"
    ada = "      - name: Ada Brown\n        email: ada@northwind.test\n"
    write(work, PANEL.replace(marcus + ada, ada + marcus))
    row = plan_rows(work, "2026-12-08T10:30:00-05:00", capsys)["northwind-analyst/check-in"]
    assert row["recipient"] == "marcus@northwind.test"


def test_after_a_550_a_corrected_address_gets_the_thank_you_and_the_old_row_is_superseded(
    work: Path, make_smtp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = make_smtp(faults=Faults(rcpt={"zoe.adams@globex.test": "550 5.1.1 no such user"}))
    use_smtp(monkeypatch, server)
    write(work, FRIDAY)
    assert run(work, "2026-11-27T15:50:00-05:00", "send") == 1
    old = "globex-analyst/thank-you/zoe.adams@globex.test"
    assert rows(work)[old][0] == "failed"
    text = (work / "interviews.yaml").read_text(encoding="utf-8")
    (work / "interviews.yaml").write_text(text.replace("zoe.adams@globex.test", "zoe@globex.test"))
    assert run(work, "2026-11-27T16:10:00-05:00", "send") == 0
    assert [r.rcpt_tos[0] for r in server.received] == ["zoe@globex.test"]
    assert rows(work)[old][0] == "superseded"
    assert rows(work)["globex-analyst/thank-you/zoe@globex.test"][0] == "sent"
    capsys.readouterr()
    assert run(work, "2026-11-27T16:20:00-05:00", "status") == 0
    out = capsys.readouterr().out
    assert "superseded" in out and "replaced by globex-analyst/thank-you/zoe@globex.test" in out


def test_a_thank_you_that_went_to_a_wrong_address_is_sent_again_to_the_corrected_one_after_resolve(
    work: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    write(work, FRIDAY.replace("zoe.adams@globex.test", "zoe.adamz@globex.test"))  # a typo the server takes
    assert run(work, "2026-11-27T15:50:00-05:00", "send") == 0
    text = (work / "interviews.yaml").read_text(encoding="utf-8")
    (work / "interviews.yaml").write_text(text.replace("zoe.adamz@", "zoe.adams@"), encoding="utf-8")
    assert run(work, "2026-11-27T16:00:00-05:00", "send") == 0  # the same person: not sent again by itself
    assert len(smtp.received) == 1
    old = "globex-analyst/thank-you/zoe.adamz@globex.test"
    assert run(work, "2026-11-27T16:05:00-05:00", "resolve", old, "--retry") == 0
    assert run(work, "2026-11-27T16:10:00-05:00", "send") == 0
    assert run(work, "2026-11-27T16:20:00-05:00", "send") == 0
    assert [r.rcpt_tos[0] for r in smtp.received] == ["zoe.adamz@globex.test", "zoe.adams@globex.test"]
    assert rows(work)[old][0] == "superseded"


def test_status_shows_the_key_resolve_takes_local_times_and_whom_a_reminder_is_about(
    work: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(work, "2026-11-24T16:00:00-05:00", "send") == 0
    capsys.readouterr()
    assert run(work, "2026-11-24T16:05:00-05:00", "status") == 0
    out = capsys.readouterr().out
    ran, header, *lines = out.splitlines()
    assert ran == "last send run: Tue 2026-11-24 16:00 EST"
    assert header.split()[:2] == ["KEY", "STATE"]
    assert "WHEN (America/Toronto)" in header
    assert any(
        line.startswith("northwind-data-analyst/thank-you/marcus.chen@northwind.example ") for line in lines
    )
    assert any("2026-11-24 16:00" in line for line in lines)  # local time, not 21:00 UTC
    assert any("Elena Torres (reminder to you)" in line for line in lines)


def test_status_shows_when_send_last_ran_even_when_nothing_was_due(
    work: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    write(work, FRIDAY)
    assert run(work, "2026-11-20T10:00:00-05:00", "send") == 0  # nothing due: silent
    assert capsys.readouterr().out == ""
    assert run(work, "2026-11-20T10:01:00-05:00", "status") == 0
    assert "last send run: Fri 2026-11-20 10:00" in capsys.readouterr().out
