"""A message the mailbox readers cannot read is said once, not at every run: cron runs `send` every half
hour, and while a check-in stays due (the SMTP server down, say) each run reads the mailbox again. The
ledger remembers which message was said (by the mailbox's UIDVALIDITY and the message's UID, hashed);
`status` still lists them. Against dovecot and aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.inbox.mailbox import MAILBOX, Mailbox, corpus, mailbox, thanked, work  # noqa: F401  (fixtures)

# Friday, the check-ins due: three cron runs half an hour apart, the SMTP server away for the first two
RUNS = ("2026-11-27T10:30:00-05:00", "2026-11-27T11:00:00-05:00", "2026-11-27T11:30:00-05:00")


def skipped_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("skipped  ")]


@pytest.mark.parametrize("name", ["ooo-charset-star.eml", "ooo-boundary-star.eml"])
def test_a_message_that_cannot_be_read_is_said_at_the_first_run_only(
    name: str,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.put_odd(name)
    mailbox.look()
    mailbox.smtp_away()  # down: the check-ins stay due
    said = []
    for now in RUNS[:2]:
        _, _, err = mailbox.send(now)
        said.append(skipped_lines(err))
    mailbox.smtp_back()  # back: the check-ins go
    code, _, err = mailbox.send(RUNS[2])
    said.append(skipped_lines(err))
    assert code == 0
    assert [len(lines) for lines in said] == [1, 0, 0], said
    assert "in the mailbox (from 'Priya Shah <priya.shah@northwind.example>'" in said[0][0]
    assert len(mailbox.smtp.received) > 3  # the third run sent the check-ins: the mailbox was read each time

    assert mailbox.run("status", now=RUNS[2]) == 0
    out = mailbox.capsys.readouterr().out
    assert said[0][0].removeprefix("skipped  ") in out  # status still lists it


def test_a_second_message_that_cannot_be_read_is_said_when_it_arrives(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    thank_you = mailbox.thank_you()
    mailbox.put(corpus(MAILBOX / "ooo-charset-star.eml", thank_you))
    mailbox.look()
    mailbox.smtp_away()
    _, _, first = mailbox.send(RUNS[0])
    mailbox.put(corpus(MAILBOX / "ooo-boundary-star.eml", thank_you))
    _, _, second = mailbox.send(RUNS[1])
    assert len(skipped_lines(first)) == 1
    [new] = skipped_lines(second)
    assert "Out of Office" in new and new not in first
