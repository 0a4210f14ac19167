"""The table of refusals: whose fault a reply is, by the providers' words, the enhanced code and the stage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.account.refusals import ACCOUNT, MESSAGE, RECIPIENT, STAGES, judge


@pytest.mark.parametrize(
    ("stage", "code", "text", "scope"),
    [
        (
            "END",
            554,
            "5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied",
            ACCOUNT,
        ),
        ("END", 554, "5.2.252 SendAsDenied; sam@example.com not allowed to send as ann@example.com", ACCOUNT),
        (
            "END",
            554,
            "Message rejected: Email address is not verified. The following identities failed the check",
            ACCOUNT,
        ),
        ("END", 550, "5.4.5 Daily user sending quota exceeded. - gsmtp", ACCOUNT),
        ("END", 554, "5.2.2 STOREDRV.Submission; Submission quota exceeded", ACCOUNT),
        ("END", 552, "5.2.2 The email account that you tried to reach is over quota", RECIPIENT),
        ("RCPT", 550, "5.1.1 user unknown", RECIPIENT),
        ("END", 550, "5.1.1 user unknown", RECIPIENT),
        ("RCPT", 550, "5.7.1 Delivery not authorized, message refused", RECIPIENT),
        ("RCPT", 554, "5.7.1 Relay access denied", ACCOUNT),
        ("END", 550, "5.7.1 Delivery not authorized, message refused", ACCOUNT),
        ("MAIL", 550, "5.7.1 sender not owned by this login", ACCOUNT),
        ("MAIL", 553, "sorry, that domain isn't in my list of allowed rcpthosts", ACCOUNT),
        ("RCPT", 535, "5.7.3 Authentication unsuccessful", ACCOUNT),
        ("END", 552, "5.3.4 Your message exceeded Google's message size limits", MESSAGE),
        ("END", 451, "4.3.0 try again later", MESSAGE),
        ("RCPT", 450, "4.2.1 The user you are trying to contact is receiving mail too quickly", RECIPIENT),
        ("END", 454, "Throttling failure: Daily message quota exceeded.", ACCOUNT),
        ("END", 421, "4.7.0 unusual rate of unsolicited mail originating from your IP address", ACCOUNT),
        ("END", 554, "spam detected", MESSAGE),
        ("RCPT", 550, "no such user here", RECIPIENT),
    ],
)
def test_a_refusal_is_the_account_s_the_recipient_s_or_the_message_s(
    stage: str, code: int, text: str, scope: str
) -> None:
    assert judge(stage, code, text).scope == scope


def test_every_account_verdict_names_a_fix_in_plain_words() -> None:
    verdict = judge("END", 554, "5.2.0 SendAsDenied")
    assert (
        verdict.provider.startswith("Microsoft") and "Send As" in verdict.line() and "fix:" in verdict.line()
    )


@given(st.sampled_from(STAGES), st.integers(400, 599), st.text(max_size=300))
def test_any_reply_a_server_sends_gets_a_verdict_and_never_an_error(stage: str, code: int, text: str) -> None:
    verdict = judge(stage, code, text)
    assert verdict.scope in {ACCOUNT, RECIPIENT, MESSAGE} and verdict.fix
