"""Account refusals stop, nothing is lost: a provider's refusal of the account (Microsoft's SendAsDenied,
Amazon SES's unverified address, Gmail's daily limit...) at any stage, the end of DATA included, stops the
batch with one line naming the fix, and every follow-up stays due; only a reply about the recipient fails
a follow-up. Against aiosmtpd on 127.0.0.1 answering as those providers do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.mail.test_send import ledger_rows, send
from tests.servers import Faults, SmtpServer, use_smtp

LATER = "2026-11-24T16:15:00-05:00"
SEND_AS = (
    "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; "
    "Failed to process message due to a permanent exception with message Cannot submit message."
)
SES = (
    "554 Message rejected: Email address is not verified. The following identities failed the check "
    "in region US-EAST-1: sam.rivera@example.com"
)
GMAIL_QUOTA = "550 5.4.5 Daily user sending limit exceeded. For more information go to the help page. - gsmtp"
WASCL = (
    "554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException; WASCL UserAction verdict is not None. "
    "Actual verdict is RefuseQuota, ShowTierUpgrade."
)


def states(work: Path) -> list[str]:
    return sorted(state for state, _ in ledger_rows(work).values())


@pytest.mark.parametrize(
    ("faults", "fix"),
    [
        (Faults(data=SEND_AS), "Send As"),
        (Faults(data=SES), "verify the address"),
        (Faults(data=GMAIL_QUOTA), "wait a day"),
        (Faults(data=WASCL), "sign in at outlook.com"),
        (Faults(data="454 Throttling failure: Maximum sending rate exceeded."), "wait"),
        (
            Faults(data="550 5.7.1 You have exceeded your daily sending limit. Please try again later."),
            "wait",
        ),
        (
            Faults(rcpt={"*": "550 5.7.60 SMTP; Client does not have permissions to send as this sender"}),
            "Send As",
        ),
        (Faults(mail="550 5.7.0 From address is not one of your addresses"), "iCloud"),
    ],
    ids=[
        "m365-sendas",
        "ses-unverified",
        "gmail-quota",
        "outlook-wascl",
        "ses-throttle",
        "icloud-quota",
        "m365-sendas-rcpt",
        "icloud-from",
    ],
)
def test_an_account_refusal_stops_the_batch_with_its_fix_and_every_follow_up_stays_due(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    faults: Faults,
    fix: str,
) -> None:
    server = make_smtp(faults=faults)
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fix in err and "stays due" in err, err
    assert states(work) == ["deferred"]  # the one tried waits, as the two never tried: none failed
    assert server.received == []
    server.faults = Faults()  # the account put right
    assert send(work, now=LATER) == 0
    assert states(work) == ["sent"] * 3 and len(server.received) == 3


@pytest.mark.parametrize(
    "reply",
    [
        "550 5.1.1 The email account that you tried to reach does not exist. - gsmtp",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
    ],
    ids=["gmail-no-such-user", "m365-not-found"],
)
def test_a_refusal_about_the_recipient_after_the_message_fails_each_follow_up_and_the_batch_goes_on(
    work: Path, make_smtp: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch, reply: str
) -> None:
    server = make_smtp(faults=Faults(data=reply))
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    assert states(work) == ["failed"] * 3  # each refused for its recipient; none stopped the others


def test_an_account_refusal_after_some_messages_went_says_how_many_went_and_which_wait(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    send_as = "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
    server = make_smtp(faults=Faults(rcpt={"marcus.chen@northwind.example": send_as}))  # the last to go
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    out, err = capsys.readouterr()
    went = [line for line in out.splitlines() if " sent  " in line or " reminded  " in line]
    assert len(went) == 2 and states(work) == ["deferred", "sent", "sent"], out
    [line] = err.splitlines()
    assert "nothing was sent" not in line, line
    assert "2 sent before it; 1 stays due for the next run: thank-you to Marcus Chen (" in line, line
    server.faults = Faults()  # the account put right
    assert send(work, now=LATER) == 0
    assert states(work) == ["sent"] * 3 and len(server.received) == 3
