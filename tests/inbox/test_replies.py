"""Stop on reply: a reply in a real mailbox (dovecot on 127.0.0.1) cancels the check-ins of its interview.

Two runs of `followup send` against a real SMTP server: the thank-yous on Monday (the ledger keeps their
Message-IDs), then Friday, when the check-ins are due and the mailbox is read first.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import imaplib
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.inbox.autoreply import return_date
from tests.servers import ImapServer, SmtpServer, free_port, imap_login
from tests.stamps import unstamped

MONDAY = "2026-11-23T13:30:00-05:00"  # both thank-yous of the panel and Dana's are due
FRIDAY = "2026-11-27T10:30:00-05:00"  # the check-ins are due; so is Arjun's thank-you
TUESDAY = datetime.fromisoformat("2026-11-24T09:15:00-05:00")  # when the replies arrive
NORTHWIND = "northwind-data-analyst"
CONTOSO = "contoso-bi-developer"
PANEL = ("priya.shah@northwind.example", "marcus.chen@northwind.example")
ARJUN = "arjun.mehta@adatum.example"
DATA = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  timezone: America/Toronto

interviews:
  - id: northwind-data-analyst
    company: Northwind Traders
    role: Data Analyst
    start: 2026-11-23 10:00
    duration: 1h
    timezone: America/Toronto
    decision_by: 2026-11-25
    interviewers:
      - name: Priya Shah
        email: priya.shah@northwind.example
        topics: [the churn dashboard]
      - name: Marcus Chen
        email: marcus.chen@northwind.example
        topics: [the nightly load into the warehouse]
  - id: contoso-bi-developer
    company: Contoso
    role: BI Developer
    start: 2026-11-23 11:00
    duration: 1h
    timezone: America/Toronto
    decision_by: 2026-11-25
    interviewers:
      - name: Dana Okafor
        email: dana.okafor@contoso.example
        topics: [the Power BI migration]
  - id: adatum-analytics-engineer
    company: A. Datum
    role: Analytics Engineer
    start: 2026-11-27 08:00
    duration: 1h
    timezone: America/Toronto
    interviewers:
      - name: Arjun Mehta
        email: arjun.mehta@adatum.example
        topics: [testing dbt models]
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data above, and no FOLLOWUP_* settings from the machine."""
    (tmp_path / "interviews.yaml").write_text(DATA)
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture
def thanked(work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    """Monday's run has sent the three thank-yous; the ledger holds their Message-IDs."""
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("FOLLOWUP_SMTP_SECURITY", "none")
    assert run(work, "send", now=MONDAY) == 0
    assert len(smtp_server.received) == 3
    return smtp_server


def use_imap(monkeypatch: pytest.MonkeyPatch, server: ImapServer, **extra: str) -> None:
    settings = {"HOST": server.host, "PORT": str(server.port), "SECURITY": "none", "USER": server.user,
                "PASSWORD": server.password, "TIMEOUT": "5", "FOLDER": "INBOX",
                "SENT_COPY": "no", **extra}  # fmt: skip  # copies in Sent: tests/inbox/test_sentcopy.py
    for name, value in settings.items():
        monkeypatch.setenv(f"FOLLOWUP_IMAP_{name}", value)


def run(work: Path, *args: str, now: str = FRIDAY) -> int:
    return main(["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db"),
                 "--now", now, *args])  # fmt: skip


def thank_you_id(work: Path, recipient: str) -> str:
    db = sqlite3.connect(work / "var" / "followup.db")
    try:
        query = "SELECT message_id FROM deliveries WHERE kind = 'thank-you' AND recipient = ?"
        return db.execute(query, (recipient,)).fetchone()[0]
    finally:
        db.close()


def mail(sender: str, at: datetime = TUESDAY, subject: str = "Re: Thank you", **headers: str) -> bytes:
    lines = [
        f"From: {sender}",
        "To: Sam Rivera <sam.rivera@example.com>",
        f"Subject: {subject}",
        f"Date: {email.utils.format_datetime(at)}",
        f"Message-ID: {email.utils.make_msgid(domain='mail.example')}",
    ]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\nThanks, Sam. We will be in touch next week.\r\n").encode()


def deliver(server: ImapServer, raw: bytes, at: datetime = TUESDAY) -> None:
    """Into INBOX, arrived at `at` (dovecot takes a Maildir file's mtime as the arrival date)."""
    path = server.deliver(raw)
    os.utime(path, (at.timestamp(), at.timestamp()))


def plan_states(
    work: Path, capsys: pytest.CaptureFixture[str], now: str = FRIDAY
) -> dict[str, dict[str, str]]:
    assert run(work, "plan", "--json", now=now) == 0
    return {row["key"]: row for row in json.loads(capsys.readouterr().out)}


# A check-in's subject: threaded under its thank-you ("Re: …"), or one of the stock check-in subjects.
CHECK_IN = re.compile(r"^(Re: |.*(any news\?|Following up on|Any update on))")


def check_ins_sent(server: SmtpServer) -> list[str]:
    subjects = [
        (r, email.message_from_bytes(r.data, policy=email.policy.default)["Subject"]) for r in server.received
    ]
    return sorted(r.rcpt_tos[0] for r, subject in subjects if CHECK_IN.search(str(subject or "")))


# What each reply looks like: built from the Message-IDs of Monday's thank-yous.
REPLIES: dict[str, Callable[[Path], bytes]] = {
    "in-reply-to from another address": lambda work: mail(
        "Lee Recruiter <lee@northwind.example>", In_Reply_To=thank_you_id(work, PANEL[1])
    ),
    "references, among others": lambda work: mail(
        "someone@elsewhere.example", References=f"<a@b.example> {thank_you_id(work, PANEL[0])} <c@d.example>"
    ),
    "sender address of the panel member with no check-in": lambda work: mail(
        "Marcus Chen <Marcus.Chen@northwind.example>", subject="Next steps"
    ),
}


@pytest.mark.parametrize("reply", REPLIES.values(), ids=REPLIES.keys())
def test_a_reply_cancels_the_check_ins_of_that_interview_and_no_other(
    reply: Callable[[Path], bytes],
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, reply(work))
    deliver(imap_server, mail("news@jobs.example", subject="Ten jobs for you"))
    use_imap(monkeypatch, imap_server)
    capsys.readouterr()

    rows = plan_states(work, capsys)
    northwind = [row for row in rows.values() if row["interview"] == NORTHWIND and row["kind"] == "check-in"]
    assert northwind and {row["state"] for row in northwind} == {"replied"}
    assert "replied" in northwind[0]["why"]
    assert rows[f"{CONTOSO}/check-in"]["state"] == "due"

    assert run(work, "send") == 0
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]  # Northwind's check-in was not sent
    assert ARJUN in [r.rcpt_tos[0] for r in thanked.received]
    assert run(work, "send", now="2026-11-27T11:30:00-05:00") == 0
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]


NOT_REPLIES: dict[str, Callable[[Path], bytes]] = {
    "someone else": lambda work: mail("Pat Other <pat@other.example>", subject="Hello"),
    "an address that contains a panel address": lambda work: mail("xmarcus.chen@northwind.example.org"),
    "a panel member, before the thank-you": lambda work: mail(
        PANEL[1], at=datetime.fromisoformat("2026-11-23T09:00:00-05:00"), subject="Directions to the office"
    ),
    "the candidate's own copy of the thread": lambda work: mail(
        "sam.rivera@example.com", In_Reply_To=thank_you_id(work, PANEL[0])
    ),
    "a reply to some other message": lambda work: mail(
        "lee@northwind.example", In_Reply_To="<not-ours@northwind.example>"
    ),
}


@pytest.mark.parametrize("other", NOT_REPLIES.values(), ids=NOT_REPLIES.keys())
def test_mail_that_is_no_reply_leaves_the_check_ins_to_go(
    other: Callable[[Path], bytes],
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = other(work)
    deliver(imap_server, raw, at=email.utils.parsedate_to_datetime(email.message_from_bytes(raw)["Date"]))
    use_imap(monkeypatch, imap_server)
    capsys.readouterr()
    rows = plan_states(work, capsys)
    assert {rows[f"{i}/check-in"]["state"] for i in (NORTHWIND, CONTOSO)} == {"due"}
    assert run(work, "send") == 0
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example", PANEL[0]]


def mailbox_snapshot(server: ImapServer) -> tuple[int, dict[bytes, bytes]]:
    client = imap_login(server)
    try:
        _, count = client.select("INBOX", readonly=True)
        _, data = client.fetch("1:*", "(UID FLAGS)")
        return int(count[0]), {line.split(b" FLAGS")[0]: line.split(b" FLAGS")[1] for line in data}
    finally:
        client.logout()


def test_the_mailbox_is_left_exactly_as_it_was(
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, mail(PANEL[0], In_Reply_To=thank_you_id(work, PANEL[0])))
    deliver(imap_server, mail("Pat Other <pat@other.example>", subject="Hello"))
    deliver(imap_server, mail("dana.okafor@contoso.example", at=datetime.fromisoformat(MONDAY)))
    before = mailbox_snapshot(imap_server)
    assert before[0] == 3 and all(b"\\Seen" not in flags for flags in before[1].values())
    use_imap(monkeypatch, imap_server)
    plan_states(work, capsys)
    assert run(work, "send") == 0
    assert mailbox_snapshot(imap_server) == before
    assert check_ins_sent(thanked) == []  # both interviews were answered


def test_without_imap_settings_the_check_ins_go_out_as_before(
    work: Path, thanked: SmtpServer, imap_server: ImapServer, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(imap_server, mail(PANEL[1], In_Reply_To=thank_you_id(work, PANEL[1])))
    assert run(work, "send") == 0
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example", PANEL[0]]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"PASSWORD": "not-the-password"}, "login refused"),
        ({"PORT": "closed"}, "connection refused"),
        ({"SECURITY": "ssl"}, "TLS failed"),
        ({"SECURITY": "starttls"}, "no STARTTLS"),
        ({"FOLDER": "Replies"}, "no folder 'Replies'"),
    ],
    ids=["wrong password", "nothing listening", "TLS to a plain server", "no STARTTLS", "no such folder"],
)
def test_a_mailbox_that_cannot_be_read_holds_the_check_ins_with_one_line_and_the_rest_goes(
    settings: dict[str, str],
    words: str,
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, mail(PANEL[1]))
    if settings.get("PORT") == "closed":
        settings = {"PORT": str(free_port())}
    use_imap(monkeypatch, imap_server, **settings)
    capsys.readouterr()
    assert run(work, "send") == 1
    err = unstamped(capsys.readouterr().err)
    assert err.count("\n") == 1 and err.startswith("held") and words in err
    assert "not-the-password" not in err
    assert check_ins_sent(thanked) == []
    assert thanked.received[-1].rcpt_tos == (ARJUN,)  # the thank-you still went

    use_imap(monkeypatch, imap_server)  # fixed: the next run reads the mailbox and finds Marcus's reply
    assert run(work, "send", now="2026-11-27T10:45:00-05:00") == 0
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]


def test_an_imap_password_file_others_can_read_stops_the_run_and_names_the_setting(
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = work / "imap-password"
    secret.write_text(imap_server.password)
    secret.chmod(0o644)
    use_imap(monkeypatch, imap_server, PASSWORD_FILE=str(secret))
    monkeypatch.delenv("FOLLOWUP_IMAP_PASSWORD")
    capsys.readouterr()
    sent_before = len(thanked.received)
    assert run(work, "send") == 2  # a settings mistake: checked before anything goes, like SMTP's
    err = capsys.readouterr().err
    assert "FOLLOWUP_IMAP_PASSWORD_FILE" in err and "chmod 600" in err and err.count("\n") == 1
    assert len(thanked.received) == sent_before
    secret.chmod(0o600)
    assert run(work, "send", now="2026-11-27T10:45:00-05:00") == 0
    assert len(check_ins_sent(thanked)) == 2


def test_the_mailbox_is_not_opened_when_no_check_in_is_due(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("FOLLOWUP_SMTP_SECURITY", "none")
    mailbox = {"HOST": "127.0.0.1", "PORT": str(free_port()), "USER": "u", "PASSWORD": "p", "SENT_COPY": "no"}
    for name, value in mailbox.items():
        monkeypatch.setenv(f"FOLLOWUP_IMAP_{name}", value)  # nothing listens there: any look would fail
    assert run(work, "plan", now=MONDAY) == 0
    assert run(work, "send", now=MONDAY) == 0  # thank-yous only
    # Sunday: nothing due, and no thank-you could go again (a bounce would matter no more: issue 22;
    # a thank-you may go up to the policy's days after its interview, so the week's end is still open)
    assert run(work, "send", now="2026-11-29T16:00:00-05:00") == 0
    assert capsys.readouterr().err == ""
    assert len(smtp_server.received) == 3


def test_a_dry_run_leaves_out_the_answered_check_ins_too(
    work: Path, thanked: SmtpServer, imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(imap_server, mail(PANEL[0]))
    use_imap(monkeypatch, imap_server)
    outbox = work / "outbox"
    assert run(work, "send", "--dry-run", "--outbox", str(outbox)) == 0
    recipients = sorted(
        email.message_from_bytes(path.read_bytes())["To"] for path in (outbox / "new").iterdir()
    )
    assert recipients == [
        f"Arjun Mehta <{ARJUN}>",
        "Dana Okafor <dana.okafor@contoso.example>",
    ]


def test_the_servers_from_search_matches_substrings_so_every_hit_is_checked_again(
    imap_server: ImapServer,
) -> None:
    """The premise of the second look at each header: the server's FROM search is a substring match."""
    deliver(imap_server, mail("xmarcus.chen@northwind.example.org"))
    client: imaplib.IMAP4 = imap_login(imap_server)
    try:
        client.select("INBOX", readonly=True)
        _, found = client.uid("SEARCH", "FROM", '"marcus.chen@northwind.example"')
    finally:
        client.logout()
    assert found[0].split()  # found, though it is not Marcus


def test_a_reply_from_a_panel_address_that_is_not_ascii_is_found(
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    zoe = "zoe@nordwind-bücher.example"  # an international domain, searched for as a UTF-8 literal
    text = (work / "interviews.yaml").read_text()
    panel_end = "        topics: [the nightly load into the warehouse]\n"
    text = text.replace(
        panel_end, panel_end + f"      - name: Zoë Adler\n        email: {zoe}\n        method: note\n"
    )
    (work / "interviews.yaml").write_text(text)
    for name, value in {"HOST": smtp_server.host, "PORT": str(smtp_server.port), "SECURITY": "none"}.items():
        monkeypatch.setenv(f"FOLLOWUP_SMTP_{name}", value)
    assert run(work, "send", now=MONDAY) == 0
    deliver(imap_server, mail(f"Zoë Adler <{zoe}>", subject="Lovely card"))
    use_imap(monkeypatch, imap_server)
    capsys.readouterr()
    row = plan_states(work, capsys)[f"{NORTHWIND}/check-in"]
    assert row["state"] == "replied" and zoe in row["why"]


def test_the_idle_cron_path_does_not_even_import_the_imap_code(work: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env |= {"FOLLOWUP_IMAP_HOST": "127.0.0.1", "FOLLOWUP_IMAP_PORT": str(free_port()),
            "FOLLOWUP_IMAP_USER": "u", "FOLLOWUP_IMAP_PASSWORD": "p"}  # fmt: skip
    script = (
        "import sys\n"
        "from batch.cli.main import main\n"
        "code = main(['--data', 'interviews.yaml', '--now', '2027-03-01T12:00:00-05:00', 'send'])\n"
        "loaded = sorted(m for m in ('imaplib', 'batch.inbox.replies', 'batch.inbox.imap')"
        " if m in sys.modules)\n"
        "print(code, loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "0 []\n", done.stderr


def test_a_reply_found_by_send_is_kept_so_later_runs_do_not_open_the_mailbox(
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, mail("Marcus Chen <marcus.chen@northwind.example>", subject="Next steps"))
    use_imap(monkeypatch, imap_server)
    assert run(work, "send") == 0
    capsys.readouterr()
    # Now the mailbox cannot be read at all; a run that still searched it would hold and exit 1.
    use_imap(monkeypatch, imap_server, PASSWORD="wrong", PORT="1")
    assert run(work, "send", now="2026-11-27T11:30:00-05:00") == 0
    # only the look for a bounce of Arjun's thank-you, sent at 10:30 (issue 22), finds the mailbox shut
    assert [line.split()[3] for line in capsys.readouterr().err.splitlines()] == ["bounces"]  # after the zone
    assert run(work, "status", "--json") == 0
    rows = {row["key"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows[f"{NORTHWIND}/check-in"]["state"] == "replied"
    assert "replied" in rows[f"{NORTHWIND}/check-in"]["reply"]
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]


# Auto-replies, delivery reports, the user's own mail and international domains (issue 9).
CORPUS = Path(__file__).parents[1] / "corpus" / "replies"


def sample(name: str, thank_you: str, recipient: str = PANEL[0]) -> bytes:
    """A message of the corpus, answering the thank-you with that Message-ID (CRLF, as on the wire)."""
    raw = (CORPUS / name).read_bytes()
    raw = raw.replace(b"{THANK_YOU}", thank_you.encode()).replace(b"{RECIPIENT}", recipient.encode())
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def send_lines(work: Path, capsys: pytest.CaptureFixture[str], now: str = FRIDAY) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(work, "send", now=now)
    out, err = capsys.readouterr()
    return code, unstamped(out), unstamped(err)


@pytest.mark.parametrize(
    "name",
    ["ooo-outlook-en.eml", "ooo-m365-postmaster.eml", "ooo-fr.eml", "ooo-de.eml"],
    ids=[
        "Outlook, back on 8 December",
        "Microsoft 365 from postmaster@, 08/12/2026",
        "de retour le 8 décembre",
        "ab dem 8.12. wieder",
    ],
)
def test_an_out_of_office_with_a_return_date_moves_the_check_in_to_their_first_day_back(
    name: str,
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, sample(name, thank_you_id(work, PANEL[0])))
    use_imap(monkeypatch, imap_server)
    capsys.readouterr()
    rows = plan_states(work, capsys)
    check_in = rows[f"{NORTHWIND}/check-in"]
    assert check_in["state"] == "scheduled"
    assert check_in["due_at"] == "2026-12-08T10:00:00-05:00"
    assert check_in["why"] == "waits for Priya Shah's return on Tue 8 Dec (out-of-office reply)"
    assert rows[f"{NORTHWIND}/thank-you/{PANEL[0]}"]["state"] == "sent"  # no bounce, even from postmaster@

    assert send_lines(work, capsys)[0] == 0
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]
    assert send_lines(work, capsys, now="2026-12-07T10:30:00-05:00")[0] == 0  # still away
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]
    assert send_lines(work, capsys, now="2026-12-08T10:05:00-05:00")[0] == 0
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example", PANEL[0]]


NO_CHANGE: dict[str, Callable[[Path], bytes]] = {
    "an out-of-office without a date": lambda work: sample(
        "ooo-gmail-nodate.eml", thank_you_id(work, PANEL[0])
    ),
    "another panelist's out-of-office, with a date": lambda work: sample(
        "ooo-outlook-en.eml", thank_you_id(work, PANEL[1])
    ).replace(b"Priya Shah <priya.shah@", b"Marcus Chen <marcus.chen@"),
    "a delay notice (still being retried)": lambda work: sample(
        "delay-google.eml", thank_you_id(work, PANEL[0])
    ),
}


@pytest.mark.parametrize("other", NO_CHANGE.values(), ids=NO_CHANGE.keys())
def test_an_auto_reply_that_names_no_return_of_the_recipient_changes_nothing(
    other: Callable[[Path], bytes],
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, other(work))
    use_imap(monkeypatch, imap_server)
    capsys.readouterr()
    rows = plan_states(work, capsys)
    assert rows[f"{NORTHWIND}/check-in"]["state"] == "due"
    assert rows[f"{NORTHWIND}/check-in"]["due_at"] == "2026-11-27T10:00:00-05:00"
    assert {rows[f"{NORTHWIND}/thank-you/{p}"]["state"] for p in PANEL} == {"sent"}
    assert send_lines(work, capsys)[0] == 0
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example", PANEL[0]]


@pytest.mark.parametrize(
    "name",
    [
        "bounce-google.eml",
        "bounce-postfix.eml",
        "bounce-exchange-base64.eml",
        "bounce-global.eml",
        "bounce-global-headers-qp.eml",
        "bounce-qmail-plain.eml",
        "bounce-exim-plain.eml",
    ],
    ids=[
        "Google, threaded and Auto-Submitted",
        "Postfix",
        "Exchange, its status part in base64",
        "RFC 6533 global report and original",
        "RFC 6533 global headers, quoted-printable",
        "qmail, in plain text with the original copied in",
        "Exim, in plain text citing the thank-you in In-Reply-To",
    ],
)
def test_a_delivery_report_marks_the_thank_you_bounced_with_one_line_on_the_next_send(
    name: str,
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, sample(name, thank_you_id(work, PANEL[0])), at=datetime.fromisoformat(MONDAY))
    use_imap(monkeypatch, imap_server)
    capsys.readouterr()
    rows = plan_states(work, capsys)
    thank_you = rows[f"{NORTHWIND}/thank-you/{PANEL[0]}"]
    assert thank_you["state"] == "bounced" and "550 5.1.1" in thank_you["why"]
    assert rows[f"{NORTHWIND}/check-in"]["state"] == "bounced"  # to the same address: held, not replied
    assert "correct the address" in rows[f"{NORTHWIND}/check-in"]["why"]

    code, _, err = send_lines(work, capsys)
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith(
        f"bounced  thank-you to Priya Shah <{PANEL[0]}> ({NORTHWIND}): the server said 550 5.1.1"
    )
    assert err.rstrip().endswith(f"correct the address in {work / 'interviews.yaml'}")
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]

    use_imap(monkeypatch, imap_server, PASSWORD="wrong", PORT="1")  # later runs need not look again
    code, _, err = send_lines(work, capsys, now="2026-11-27T11:30:00-05:00")
    assert code == 0  # only the look for a bounce of Arjun's thank-you (issue 22) finds the mailbox shut
    assert [line.split()[0] for line in err.splitlines()] == ["bounces"]
    assert run(work, "status", "--json") == 0
    ledger = {row["key"]: row for row in json.loads(capsys.readouterr().out)}
    assert ledger[f"{NORTHWIND}/thank-you/{PANEL[0]}"]["state"] == "bounced"
    assert "550 5.1.1" in ledger[f"{NORTHWIND}/thank-you/{PANEL[0]}"]["reply"]
    assert ledger[f"{NORTHWIND}/thank-you/{PANEL[0]}"]["finished_at"].startswith("2026-11-23")
    assert run(work, "status") == 0
    assert "bounced" in capsys.readouterr().out
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]


def test_a_check_in_cancelled_by_a_reply_says_so_once_in_one_line(
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(
        imap_server, mail("Lee Recruiter <lee@northwind.example>", In_Reply_To=thank_you_id(work, PANEL[1]))
    )
    use_imap(monkeypatch, imap_server)
    code, out, err = send_lines(work, capsys)
    assert code == 0 and err == ""
    said = [line for line in out.splitlines() if line.startswith("replied")]
    assert said == [
        f"replied  check-in to Priya Shah <{PANEL[0]}> ({NORTHWIND}) not sent: lee@northwind.example replied "
        f"(In-Reply-To our thank-you, {email.utils.format_datetime(TUESDAY)})"
    ]
    code, out, err = send_lines(work, capsys, now="2026-11-27T11:30:00-05:00")
    assert (code, out, err) == (0, "", "")


def test_mail_from_the_users_own_address_in_its_ascii_form_is_never_a_reply(
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """We send from the ASCII form of an international domain; the copy in Sent shows that form."""
    data = work / "interviews.yaml"
    data.write_text(data.read_text().replace("sam.rivera@example.com", "sam@rivera-bücher.example"))
    for name, value in {"HOST": smtp_server.host, "PORT": str(smtp_server.port), "SECURITY": "none"}.items():
        monkeypatch.setenv(f"FOLLOWUP_SMTP_{name}", value)
    assert run(work, "send", now=MONDAY) == 0
    ascii_form = "sam@" + "rivera-bücher.example".encode("idna").decode()
    assert f"From: Sam Rivera <{ascii_form}>".encode() in smtp_server.received[0].data
    copy = mail(
        f"Sam Rivera <{ascii_form.upper()}>", subject="Re: Thank you", References=thank_you_id(work, PANEL[0])
    )
    deliver(imap_server, copy)  # the threaded check-in, or the thank-you's copy in an All Mail folder
    use_imap(monkeypatch, imap_server)
    capsys.readouterr()
    assert plan_states(work, capsys)[f"{NORTHWIND}/check-in"]["state"] == "due"


@pytest.mark.parametrize(
    "listed, writes",
    [
        ("anna@bücher.example", "anna@xn--bcher-kva.example"),
        ("anna@xn--bcher-kva.example", "anna@bücher.example"),
    ],
    ids=["listed in Unicode, writes in ASCII", "listed in ASCII, writes in Unicode"],
)
def test_a_reply_from_an_international_domain_is_matched_in_either_form(
    listed: str,
    writes: str,
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = work / "interviews.yaml"
    panel_end = "        topics: [the nightly load into the warehouse]\n"
    anna = f"      - name: Anna Bücher\n        email: {listed}\n        method: note\n"
    data.write_text(data.read_text().replace(panel_end, panel_end + anna))
    for name, value in {"HOST": smtp_server.host, "PORT": str(smtp_server.port), "SECURITY": "none"}.items():
        monkeypatch.setenv(f"FOLLOWUP_SMTP_{name}", value)
    assert run(work, "send", now=MONDAY) == 0
    deliver(imap_server, mail(f"Anna Bücher <{writes}>", subject="Thank you for the card"))
    use_imap(monkeypatch, imap_server)
    capsys.readouterr()
    row = plan_states(work, capsys)[f"{NORTHWIND}/check-in"]
    assert row["state"] == "replied" and "anna@bücher.example replied" in row["why"]


@pytest.mark.parametrize(
    "text, found",
    [
        ("I will be back on Tuesday, 8 December.", (date(2026, 12, 8), "back")),
        ("Back on December 8th, 2026.", (date(2026, 12, 8), "back")),
        ("returning 2026-12-08", (date(2026, 12, 8), "back")),
        ("de retour le 1er décembre", (date(2026, 12, 1), "back")),
        ("zurück am 8. Dezember", (date(2026, 12, 8), "back")),
        ("back on 08/12/2026", (date(2026, 12, 8), "back")),  # 12 Aug 2026 is past: 8 Dec
        ("back on 12/8", (date(2026, 12, 8), "back")),  # 8 Dec is nearer than 12 Aug 2027
        ("back on 13/12", (date(2026, 12, 13), "back")),  # no 13th month: day first
        ("back on 12/13/2026", (date(2026, 12, 13), "back")),
        ("back on 5 January", (date(2027, 1, 5), "back")),  # over the new year
        ("out from 30 November to 7 December", (date(2026, 12, 7), "until")),
        ("jusqu'au 4 décembre inclus, et de retour le 8 décembre", (date(2026, 12, 8), "back")),
        ("back on 3 November", None),  # past, and a year ahead is no absence we believe
        ("back on 31/02", None),
        ("Call 555 12/8 about the role", None),  # no word that says away or back
        ("I'm out of the office this week.", None),
    ],
)
def test_a_return_date_is_read_in_the_nearest_future_reading(
    text: str, found: tuple[date, str] | None
) -> None:
    assert return_date(text, date(2026, 11, 24)) == found
