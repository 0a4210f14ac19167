"""A copy of each delivered email in the user's Sent folder, over IMAP to the private dovecot: the exact
bytes that went, \\Seen, once; a refused APPEND leaves the delivery sent and the copy owed for the next
run. SMTP is a real aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import imaplib
import re
from pathlib import Path

import pytest

from batch.account.settings import ImapSettings, SmtpSettings
from batch.inbox.sentcopy import SentCopies, files_its_own, find_sent_folder, sent_copies
from batch.mail import deliver
from tests.inbox.mailbox import run
from tests.servers import ImapServer, SmtpServer, imap_login, smtp_env
from tests.servers.imapproxy import imap_proxy
from tests.stamps import unstamped

NOW = "2026-11-24T16:00:00-05:00"  # Marcus's thank-you is due, and two reminders to Sam
MARCUS = "marcus.chen@northwind.example"


def use(monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer, imap: ImapServer, **extra: str) -> None:
    mailbox = {"HOST": imap.host, "PORT": str(imap.port), "SECURITY": "none", "USER": imap.user,
               "PASSWORD": imap.password, "TIMEOUT": "5"}  # fmt: skip
    settings = {**smtp_env(smtp), **{f"FOLLOWUP_IMAP_{k}": v for k, v in mailbox.items()}, **extra}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


def send(work: Path, now: str = NOW) -> int:
    return run(work, "send", now=now)


def folder(imap: ImapServer, name: str) -> list[tuple[bytes, bytes]]:
    """Every message of a folder: (flags, bytes), read without changing them."""
    client = imap_login(imap)
    try:
        kind, _ = client.select(name, readonly=True)
        if kind != "OK":
            return []
        _, data = client.fetch("1:*", "(FLAGS BODY.PEEK[])")
        found = []
        for part in data:
            if isinstance(part, tuple):
                flags = re.search(rb"FLAGS \(([^)]*)\)", part[0])
                found.append((flags[1] if flags else b"", part[1]))
        return found
    except imaplib.IMAP4.error:
        return []
    finally:
        client.logout()


def create(imap: ImapServer, name: str) -> None:
    client = imap_login(imap)
    try:
        client.create(name)
    finally:
        client.logout()


def test_each_delivered_email_is_filed_in_sent_once_with_the_bytes_that_went(
    work: Path, smtp_server: SmtpServer, imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(imap_server, "Sent")
    use(monkeypatch, smtp_server, imap_server, FOLLOWUP_IMAP_SENT_FOLDER="Sent")
    assert send(work) == 0
    [delivered] = [r for r in smtp_server.received if r.rcpt_tos[0] == MARCUS]
    [(flags, copy)] = folder(imap_server, "Sent")  # the reminders to Sam are no mail in his name
    assert b"\\Seen" in flags
    assert copy.replace(b"\r\n", b"\n") == delivered.data.replace(b"\r\n", b"\n")
    assert send(work, "2026-11-24T16:20:00-05:00") == 0
    assert len(folder(imap_server, "Sent")) == 1  # filed once, not on every run


def test_a_refused_append_leaves_the_delivery_sent_and_the_copy_owed_until_the_next_run(
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use(monkeypatch, smtp_server, imap_server, FOLLOWUP_IMAP_SENT_FOLDER="Copies")  # not there yet
    assert send(work) == 0  # the delivery went: a copy that waits is no failure of it
    err = unstamped(capsys.readouterr().err)
    assert "1 sent message(s) not yet in your Sent folder" in err and err.count("\n") == 1
    assert send(work, "2026-11-24T16:05:00-05:00") == 0
    assert "copies" not in capsys.readouterr().err  # the same reason is said once, not every run
    assert len([r for r in smtp_server.received if r.rcpt_tos[0] == MARCUS]) == 1  # never resent
    capsys.readouterr()
    assert run(work, "status", now=NOW) == 0
    assert "copies owed to your Sent folder: 1" in capsys.readouterr().out
    create(imap_server, "Copies")
    assert send(work, "2026-11-24T16:10:00-05:00") == 0
    assert len(folder(imap_server, "Copies")) == 1
    assert send(work, "2026-11-24T16:15:00-05:00") == 0
    assert len(folder(imap_server, "Copies")) == 1


def test_no_copy_where_the_provider_files_its_own_or_the_user_says_no() -> None:
    imap = ImapSettings("imap.example.com", 993, "ssl", "sam")
    gmail = SmtpSettings("smtp.gmail.com", 465, "ssl")
    other = SmtpSettings("mail.example.net", 465, "ssl")
    assert files_its_own("smtp.gmail.com") and files_its_own("SMTP.Office365.com.")
    assert not files_its_own("smtp.notgmail.com.example")
    assert sent_copies({}, gmail, imap) is None
    assert sent_copies({"FOLLOWUP_IMAP_SENT_COPY": "yes"}, gmail, imap) == SentCopies(imap, None)
    assert sent_copies({}, other, imap) == SentCopies(imap, None)
    assert sent_copies({"FOLLOWUP_IMAP_SENT_COPY": "no"}, other, imap) is None
    assert sent_copies({}, other, None) is None


class Listing:
    """What a server's LIST answers, as imaplib hands it over."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines

    def list(self) -> tuple[str, list[bytes]]:
        return "OK", self.lines


@pytest.mark.parametrize(
    ("lines", "found"),
    [
        ([b'(\\HasNoChildren) "/" INBOX', b'(\\HasNoChildren \\Sent) "/" "Sent Items"'], "Sent Items"),
        ([b'(\\Sent) "." Sent', b'(\\Drafts) "." Drafts'], "Sent"),
        ([b'(\\HasNoChildren) "/" "Sent"'], None),  # a folder named Sent that the server does not mark
        ([b'(\\Sent) NIL "Envoy\\"s"'], 'Envoy"s'),  # a quoted name with an escaped quote
    ],
)
def test_the_sent_folder_is_the_one_the_server_marks_sent(lines: list[bytes], found: str | None) -> None:
    assert find_sent_folder(Listing(lines)) == found  # type: ignore[arg-type]


def test_a_reason_said_once_is_the_same_reason_whatever_the_server_timed() -> None:
    # dovecot ends its answers with its own timings, two or three of them: read as a new reason, the
    # copies line came back in the cron log on almost every run
    said = "could not file a copy in 'Copies' ([TRYCREATE] Mailbox doesn't exist: Copies ({}).)"
    first, later = said.format("0.002 + 0.000 + 0.001 secs"), said.format("0.001 + 0.000 secs")
    assert deliver.same_reason(first) == deliver.same_reason(later)
    assert deliver.same_reason(first) != deliver.same_reason(first.replace("'Copies'", "'Sent'"))


def hang_up_after_append(line: bytes) -> bytes | None:
    """The server stored the APPEND; the connection drops before its OK reaches us."""
    return None if re.match(rb"^\S+ OK \[APPENDUID ", line) else line


def test_a_copy_stored_before_the_connection_dropped_is_not_filed_again_on_later_runs(
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    create(imap_server, "Sent")
    with imap_proxy(imap_server, hang_up_after_append) as proxy:
        use(monkeypatch, smtp_server, imap_server, FOLLOWUP_IMAP_SENT_FOLDER="Sent",
            FOLLOWUP_IMAP_PORT=str(proxy.port))  # fmt: skip
        for now in (NOW, "2026-11-24T16:20:00-05:00", "2026-11-24T16:40:00-05:00"):
            assert send(work, now) == 0
    assert proxy.hangups == 1  # the first run's append; later runs found the copy and filed none
    assert len(folder(imap_server, "Sent")) == 1
    capsys.readouterr()
    assert run(work, "status", now=NOW) == 0
    assert "copies owed" not in capsys.readouterr().out


def test_a_sent_folder_listed_in_raw_utf8_gets_its_copy_under_its_imap_name(
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # dovecot names the folder in modified UTF-7 and marks none \Sent: the proxy marks it, in raw UTF-8
    create(imap_server, "Envoy&AOk-s")

    def raw_utf8(line: bytes) -> bytes:
        if line.startswith(b"* LIST ") and b"Envoy&AOk-s" in line:
            return line.replace(b"(\\HasNoChildren", b"(\\HasNoChildren \\Sent").replace(
                b"Envoy&AOk-s", "Envoyés".encode()
            )
        return line

    with imap_proxy(imap_server, raw_utf8) as proxy:
        use(monkeypatch, smtp_server, imap_server, FOLLOWUP_IMAP_PORT=str(proxy.port))
        for now in (NOW, "2026-11-24T16:20:00-05:00"):
            assert send(work, now) == 0
            assert "Traceback" not in capsys.readouterr().err
    assert len(folder(imap_server, "Envoy&AOk-s")) == 1
