"""The scene the mailbox tests share: Monday's thank-yous sent through aiosmtpd, the private dovecot on
127.0.0.1 beside it, and what a test does there (put mail in the mailbox, point the job at it or at
nothing, run `send` or `plan`). One fixture, `mailbox`, instead of the same five in every test.

A test module imports `mailbox`, `thanked` and `work` from here (the last two are the fixtures of
tests/inbox/test_replies.py: its data, not the shipped example's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from tests.inbox.test_replies import (
    FRIDAY,
    PANEL,
    TUESDAY,
    deliver,
    plan_states,
    run,
    sample,
    send_lines,
    thank_you_id,
    thanked,
    use_imap,
    work,
)
from tests.servers import ImapServer, SmtpServer, free_port

__all__ = ["MAILBOX", "Mailbox", "corpus", "mailbox", "run", "thanked", "work"]

# Odd mail, fictional: messages that broke the readers once or are known to break mail parsers
MAILBOX = Path(__file__).parents[1] / "corpus" / "mailbox"


def corpus(path: Path, thank_you: str = "<t@example.com>", recipient: str = PANEL[0]) -> bytes:
    """A message of a corpus file, answering the thank-you with that Message-ID (CRLF, as on the wire)."""
    raw = (
        path.read_bytes()
        .replace(b"{THANK_YOU}", thank_you.encode())
        .replace(b"{RECIPIENT}", recipient.encode())
    )
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@dataclass
class Mailbox:
    """The workspace after Monday's thank-yous, its SMTP server, and the dovecot mailbox to read."""

    work: Path
    smtp: SmtpServer
    imap: ImapServer
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def look(self, **extra: str) -> None:
        """Point the job's IMAP settings at dovecot (FOLLOWUP_IMAP_<name> for each extra)."""
        use_imap(self.monkeypatch, self.imap, **extra)

    def shut(self) -> None:
        """Point the job's IMAP settings at a port where nothing answers."""
        use_imap(self.monkeypatch, self.imap, PORT=str(free_port()))

    def smtp_away(self) -> None:
        """Point the job's SMTP settings at a port where nothing answers: what is due stays due."""
        self.monkeypatch.setenv("FOLLOWUP_SMTP_PORT", str(free_port()))

    def smtp_back(self) -> None:
        """Point the job's SMTP settings at the server again."""
        self.monkeypatch.setenv("FOLLOWUP_SMTP_PORT", str(self.smtp.port))

    def thank_you(self, recipient: str = PANEL[0]) -> str:
        """The Message-ID of the thank-you Monday's run sent to that recipient."""
        return thank_you_id(self.work, recipient)

    def put(self, raw: bytes, at: datetime = TUESDAY) -> None:
        """Into the mailbox's INBOX, arrived at `at`."""
        deliver(self.imap, raw, at=at)

    def put_odd(self, name: str) -> None:
        """An odd message of tests/corpus/mailbox/ answering Priya's thank-you."""
        self.put(corpus(MAILBOX / name, self.thank_you()))

    def put_sample(self, name: str, at: datetime = TUESDAY) -> None:
        """A message of tests/corpus/replies/ answering Priya's thank-you, arrived at `at`."""
        self.put(sample(name, self.thank_you()), at=at)

    def bounce(self, at: datetime) -> None:
        """Postfix's delivery report for Priya's thank-you (550 5.1.1), arrived at `at`."""
        self.put_sample("bounce-postfix.eml", at=at)

    def run(self, *args: str, now: str = FRIDAY) -> int:
        """The command `followup <args>` on this workspace at `now`: its exit code."""
        return run(self.work, *args, now=now)

    def recipients(self) -> list[str]:
        """Whom the SMTP server has received mail for, in the order it came (Monday's thank-yous first)."""
        return [r.rcpt_tos[0] for r in self.smtp.received]

    def send(self, now: str = FRIDAY) -> tuple[int, str, str]:
        """`send` at `now`: its exit code, and what it printed (stamps left out)."""
        return send_lines(self.work, self.capsys, now=now)

    def plan(self, now: str = FRIDAY) -> dict[str, dict[str, str]]:
        """`plan --json` at `now` (exit 0, asserted), by key."""
        return plan_states(self.work, self.capsys, now=now)


@pytest.fixture
def mailbox(
    work: Path,
    thanked: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Mailbox:
    """Monday's thank-yous sent; dovecot running, not yet set for the job (`look` does that)."""
    return Mailbox(work, thanked, imap_server, monkeypatch, capsys)
