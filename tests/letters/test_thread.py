"""The check-in answers the thank-you: the same thread, "Re: " its subject; after a voicemail, its own.

Both go through `send` to a real aiosmtpd on 127.0.0.1 with a real ledger; a real IMAP server (the
private dovecot) threads what was received with THREAD REFERENCES.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.ledger.reads import thank_you_thread
from batch.ledger.schema import Entry
from tests.servers import ImapServer, SmtpServer, imap_login, use_smtp

ME = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  timezone: America/Toronto
interviews:
"""
# Tuesday 24 Nov 14:00-14:45 in Toronto: the same-day thank-you is due at 15:45; decision_by Friday
# 4 Dec, so the check-in is due two business days later, Tuesday 8 Dec, in working hours.
INTERVIEW = """\
  - id: globex-analyst
    company: Globex
    role: Analyst
    start: 2026-11-24 14:00
    duration: 45m
    timezone: America/Toronto
    method: {method}
    decision_by: 2026-12-04
    interviewers:
      - name: Zoe Adams
        email: zoe.adams@globex.test
        phone: "+1 416 555 0100"
        topics: [the data platform]
"""
THANK_YOU_AT = "2026-11-24T15:50:00-05:00"
CHECK_IN_AT = "2026-12-08T10:30:00-05:00"
CHECK_IN_KEY = "globex-analyst/check-in"


def write(folder: Path, method: str = "email") -> None:
    (folder / "interviews.yaml").write_text(ME + INTERVIEW.format(method=method), encoding="utf-8")


def run(folder: Path, now: str, *args: str) -> int:
    return main(["--data", str(folder / "interviews.yaml"), "--state", str(folder / "var" / "followup.db"),
                 "--now", now, *args])  # fmt: skip


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


@pytest.fixture
def smtp(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, work: Path) -> SmtpServer:
    use_smtp(monkeypatch, smtp_server)
    return smtp_server


def top_level(answer: str) -> list[str]:
    """The threads of a THREAD answer, "(1 2)(3)" or "(1 (2)(4))(3)": its top-level parentheses."""
    threads, depth, start = [], 0, 0
    for at, char in enumerate(answer):
        if char == "(":
            depth += 1
            start = at if depth == 1 else start
        elif char == ")":
            depth -= 1
            if depth == 0:
                threads.append(answer[start + 1 : at])
    return threads


def send_both(work: Path, smtp: SmtpServer) -> tuple[EmailMessage, EmailMessage]:
    """The thank-you at its due time, then the check-in after decision_by: both through `send`."""
    write(work)
    assert run(work, THANK_YOU_AT, "send") == 0
    assert len(smtp.received) == 1
    assert run(work, CHECK_IN_AT, "send") == 0
    assert len(smtp.received) == 2
    return parse(smtp.received[0].data), parse(smtp.received[1].data)


def test_a_check_in_after_a_thank_you_answers_it_in_the_same_thread(work: Path, smtp: SmtpServer) -> None:
    thank_you, check_in = send_both(work, smtp)
    assert thank_you["In-Reply-To"] is None and thank_you["References"] is None
    thanked_id = thank_you["Message-ID"]
    assert check_in.get_all("In-Reply-To") == [thanked_id]
    assert check_in.get_all("References") == [thanked_id]
    assert check_in["Subject"] == "Re: " + thank_you["Subject"]
    assert check_in["Message-ID"] != thanked_id
    db = sqlite3.connect(work / "var" / "followup.db")
    try:
        (subject,) = db.execute("SELECT subject FROM deliveries WHERE key = ?", (CHECK_IN_KEY,)).fetchone()
    finally:
        db.close()
    assert subject == check_in["Subject"]  # the ledger holds what was sent


def test_an_imap_client_threads_the_check_in_under_the_thank_you(
    work: Path, smtp: SmtpServer, imap_server: ImapServer
) -> None:
    send_both(work, smtp)
    unrelated = (
        b"From: someone@else.test\r\nTo: sam.rivera@example.com\r\nSubject: Lunch?\r\n"
        b"Message-ID: <lunch@else.test>\r\nDate: Tue, 08 Dec 2026 09:00:00 -0500\r\n\r\nHi\r\n"
    )
    for raw in (smtp.received[0].data, unrelated, smtp.received[1].data):
        imap_server.deliver(raw)
    client = imap_login(imap_server)
    try:
        client.select("INBOX", readonly=True)
        status, found = client.uid("THREAD", "REFERENCES", "UTF-8", "ALL")
        assert status == "OK", found
        status, ids = client.uid("SEARCH", "HEADER", "Message-ID", str(smtp.received[0].message_id))
        thanked_uid = ids[0].decode()
        status, ids = client.uid("SEARCH", "HEADER", "In-Reply-To", str(smtp.received[0].message_id))
        check_in_uid = ids[0].decode()
    finally:
        client.logout()
    as_sets = [set(re.findall(r"\d+", thread)) for thread in top_level(found[0].decode())]
    assert {thanked_uid, check_in_uid} in as_sets, found  # one thread holds both, and nothing else
    assert len(as_sets) == 2  # the unrelated message is a thread of its own


def test_a_check_in_after_a_voicemail_starts_its_own_thread(work: Path, smtp: SmtpServer) -> None:
    write(work, method="voicemail")  # the thank-you is a call: the reminder goes to you, not to Zoe
    assert run(work, THANK_YOU_AT, "send") == 0
    assert run(work, CHECK_IN_AT, "send") == 0
    check_ins = [parse(r.data) for r in smtp.received if "zoe.adams@globex.test" in r.rcpt_tos]
    assert len(check_ins) == 1
    check_in = check_ins[0]
    assert check_in["In-Reply-To"] is None and check_in["References"] is None
    assert not str(check_in["Subject"]).startswith("Re:")


def test_a_dry_run_reads_the_ledger_and_shows_the_thread_without_writing(
    work: Path, smtp: SmtpServer
) -> None:
    write(work)
    assert run(work, THANK_YOU_AT, "send") == 0
    thanked = parse(smtp.received[0].data)
    ledger = work / "var" / "followup.db"
    before = ledger.read_bytes()
    outbox = work / "outbox"
    assert run(work, CHECK_IN_AT, "send", "--dry-run", "--outbox", str(outbox)) == 0
    (written,) = (outbox / "new").iterdir()
    check_in = parse(written.read_bytes())
    assert check_in["In-Reply-To"] == thanked["Message-ID"]
    assert check_in["Subject"] == "Re: " + thanked["Subject"]
    assert ledger.read_bytes() == before
    assert html.escape("Re: " + thanked["Subject"]) in (outbox / "index.html").read_text(encoding="utf-8")


def entry(**fields: object) -> Entry:
    values: dict[str, object] = dict(
        key="globex-analyst/thank-you/zoe.adams@globex.test", interview="globex-analyst", kind="thank-you",
        method="email", recipient="zoe.adams@globex.test", name="Zoe Adams", subject="Thank you",
        message_id="<1@example.com>", state="sent", attempts=1, claimed_at="2026-11-24T20:50:00+00:00",
        finished_at=None, reply="250 ok",
    )  # fmt: skip
    return Entry(**(values | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("row", "answered"),
    [
        (entry(), True),
        (entry(recipient="Zoe.Adams@GLOBEX.test"), True),  # the same address, written otherwise
        (entry(state="uncertain"), False),  # may never have arrived: a reply to it would puzzle her
        (entry(state="failed"), False),
        (entry(state="bounced"), False),
        (entry(state="superseded"), False),
        (entry(state="deferred"), False),
        (entry(recipient="ann@globex.test"), False),  # another person of the panel
        (entry(interview="initech-analyst"), False),
        (entry(method="note", recipient="Zoe Adams"), False),
        (entry(kind="check-in"), False),
    ],
)
def test_only_a_thank_you_email_sent_to_the_same_address_is_answered(row: Entry, answered: bool) -> None:
    found = thank_you_thread([row], "globex-analyst", "zoe.adams@globex.test")
    assert (found is not None) == answered
    if answered:
        assert found == (row.message_id, row.subject)


def test_the_latest_thank_you_sent_to_that_address_is_the_one_answered() -> None:
    older = entry(key="a", message_id="<old@example.com>", claimed_at="2026-11-24T20:50:00+00:00")
    newer = entry(key="b", message_id="<new@example.com>", claimed_at="2026-11-25T14:00:00+00:00")
    assert (
        thank_you_thread([newer, older], "globex-analyst", "zoe.adams@globex.test")[0] == "<new@example.com>"
    )
