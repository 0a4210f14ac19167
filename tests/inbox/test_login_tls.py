"""Our own check, not imaplib's, keeps the mailbox's login off a connection that is not encrypted: a
password or an OAuth2 token crosses in clear only to this machine, and only with FOLLOWUP_IMAP_SECURITY
none. Against a scripted IMAP server on 127.0.0.1 that offers no STARTTLS; the login's seam
(`on_this_machine`, which every run sets to settings.is_loopback) makes that server stand for one
elsewhere, so the refusal seen is ours: imaplib itself would send LOGIN in clear without a word."""

from __future__ import annotations

import imaplib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from batch.account.settings import ImapSettings, is_loopback
from batch.inbox.imap import MailboxError, log_in
from batch.inbox.login import LoginRefused, private_login
from tests.servers.raw import ImapScript

USER = "sam.rivera@example.com"
PASSWORD = "correct-horse-battery-555"
TOKEN = "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA"
NO_STARTTLS = "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER"


def elsewhere(address: str) -> bool:
    """The seam's other answer: no address is this machine (the server could be anywhere)."""
    return False


@pytest.fixture
def script() -> Iterator[ImapScript]:
    server = ImapScript(NO_STARTTLS, USER, TOKEN)
    yield server
    server.stop()


def settings_for(server: ImapScript, tmp_path: Path, login: str, security: str = "none") -> ImapSettings:
    command = None
    if login == "oauth2":
        (tmp_path / "token.py").write_text(f"print({TOKEN!r})\n")
        command = f"{sys.executable} {tmp_path / 'token.py'}"
    return ImapSettings(
        host="127.0.0.1", port=server.port, security=security, user=USER,
        password=PASSWORD if login == "password" else None, timeout=3, oauth2_command=command,
    )  # fmt: skip


def logins_sent(server: ImapScript) -> list[bytes]:
    """The login commands the server read (LOGIN or AUTHENTICATE), and any line holding a secret."""
    lines = bytes(server.received).splitlines()
    return [
        line
        for line in lines
        if b" LOGIN " in line.upper() or b" AUTHENTICATE " in line.upper() or PASSWORD.encode() in line
    ] + [said for said in server.sasl if TOKEN.encode() in said]


@pytest.mark.parametrize("login", ["password", "oauth2"])
def test_no_login_is_sent_over_a_plain_connection_to_a_server_elsewhere(
    login: str, script: ImapScript, tmp_path: Path
) -> None:
    with pytest.raises(MailboxError) as refused:
        log_in(settings_for(script, tmp_path, login), on_this_machine=elsewhere)
    assert "not encrypted" in str(refused.value) and "nothing was sent" in str(refused.value)
    assert "FOLLOWUP_IMAP_SECURITY" in str(refused.value)
    assert logins_sent(script) == []
    assert bytes(script.received)  # the connection was made: the refusal came after the greeting


@pytest.mark.parametrize("login", ["password", "oauth2"])
def test_the_same_plain_connection_to_this_machine_logs_in_as_every_run_does(
    login: str, script: ImapScript, tmp_path: Path
) -> None:
    client = log_in(settings_for(script, tmp_path, login))  # the seam as production sets it
    client.logout()
    assert logins_sent(script) != []  # the check above refused because of where, not because of how


@pytest.mark.parametrize("security", ["ssl", "starttls"])
@pytest.mark.parametrize("login", ["password", "oauth2"])
def test_a_plain_socket_is_refused_whatever_the_setting_promised_even_to_this_machine(
    security: str, login: str, script: ImapScript, tmp_path: Path
) -> None:
    client = imaplib.IMAP4("127.0.0.1", script.port, timeout=3)  # plain, whatever the setting says
    try:
        with pytest.raises(LoginRefused, match="not encrypted"):
            settings = settings_for(script, tmp_path, login, security)
            private_login(client, settings, TOKEN if login == "oauth2" else PASSWORD, login == "oauth2",
                          on_this_machine=is_loopback)  # fmt: skip
    finally:
        client.logout()
    assert logins_sent(script) == []
