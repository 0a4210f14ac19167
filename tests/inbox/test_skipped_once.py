"""A message the mailbox readers cannot read is said once, not at every run: cron runs `send` every half
hour, and while a check-in stays due (the SMTP server down, say) each run reads the mailbox again. The
ledger remembers which message was said (by the mailbox's UIDVALIDITY and the message's UID, hashed);
`status` still lists them. Against dovecot and aiosmtpd on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inbox.test_replies import (  # noqa: F401  (work and thanked are fixtures)
    PANEL,
    deliver,
    free_port,
    run,
    send_lines,
    thank_you_id,
    thanked,
    use_imap,
    work,
)
from tests.inbox.test_unreadable import MAILBOX, corpus
from tests.servers import ImapServer, SmtpServer

# Friday, the check-ins due: three cron runs half an hour apart, the SMTP server away for the first two
RUNS = ("2026-11-27T10:30:00-05:00", "2026-11-27T11:00:00-05:00", "2026-11-27T11:30:00-05:00")


def skipped_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("skipped  ")]


@pytest.mark.parametrize("name", ["ooo-charset-star.eml", "ooo-boundary-star.eml"])
def test_a_message_that_cannot_be_read_is_said_at_the_first_run_only(
    name: str,
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, corpus(MAILBOX / name, thank_you_id(work, PANEL[0])))
    use_imap(monkeypatch, imap_server)
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", str(free_port()))  # down: the check-ins stay due
    said = []
    for now in RUNS[:2]:
        _, _, err = send_lines(work, capsys, now=now)
        said.append(skipped_lines(err))
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", str(thanked.port))  # back: the check-ins go
    code, _, err = send_lines(work, capsys, now=RUNS[2])
    said.append(skipped_lines(err))
    assert code == 0
    assert [len(lines) for lines in said] == [1, 0, 0], said
    assert "in the mailbox (from 'Priya Shah <priya.shah@northwind.example>'" in said[0][0]
    assert len(thanked.received) > 3  # the third run sent the check-ins: the mailbox was read each time

    assert run(work, "status", now=RUNS[2]) == 0
    out = capsys.readouterr().out
    assert said[0][0].removeprefix("skipped  ") in out  # status still lists it


def test_a_second_message_that_cannot_be_read_is_said_when_it_arrives(
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    thank_you = thank_you_id(work, PANEL[0])
    deliver(imap_server, corpus(MAILBOX / "ooo-charset-star.eml", thank_you))
    use_imap(monkeypatch, imap_server)
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", str(free_port()))
    _, _, first = send_lines(work, capsys, now=RUNS[0])
    deliver(imap_server, corpus(MAILBOX / "ooo-boundary-star.eml", thank_you))
    _, _, second = send_lines(work, capsys, now=RUNS[1])
    assert len(skipped_lines(first)) == 1
    [new] = skipped_lines(second)
    assert "Out of Office" in new and new not in first
