"""The mailbox's OAuth2 login: FOLLOWUP_IMAP_OAUTH2_COMMAND's token goes as XOAUTH2 or OAUTHBEARER,
whichever the server's CAPABILITY offers; a refused token is ended as the mechanism asks and never shown.
Through `followup doctor`, against a scripted IMAP server on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.servers.raw import ImapScript
from tests.views.test_doctor import doctor

USER = "sam.rivera@example.com"
TOKEN = "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA"


@pytest.fixture
def imap_script() -> Iterator[Callable[[str], ImapScript]]:
    servers: list[ImapScript] = []

    def make(capabilities: str) -> ImapScript:
        servers.append(ImapScript(capabilities, USER, TOKEN))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def use(monkeypatch: pytest.MonkeyPatch, work: Path, server: ImapScript, token: str) -> None:
    script = work / "token.py"
    script.write_text(f"print({token!r})\n")
    settings = {"HOST": "127.0.0.1", "PORT": str(server.port), "SECURITY": "none", "USER": USER,
                "TIMEOUT": "3", "OAUTH2_COMMAND": f"{sys.executable} {script}"}  # fmt: skip
    for name, value in settings.items():
        monkeypatch.setenv(f"FOLLOWUP_IMAP_{name}", value)


@pytest.mark.parametrize(
    ("capabilities", "mechanism", "said"),
    [
        (
            "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER",
            "XOAUTH2",
            f"user={USER}\x01auth=Bearer {TOKEN}",
        ),
        ("IMAP4rev1 AUTH=OAUTHBEARER", "OAUTHBEARER", f"n,a={USER},\x01host=127.0.0.1\x01"),
    ],
    ids=["xoauth2", "oauthbearer"],
)
def test_the_mailbox_logs_in_with_the_token_by_the_mechanism_the_server_offers(
    work: Path,
    imap_script: Callable[[str], ImapScript],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    capabilities: str,
    mechanism: str,
    said: str,
) -> None:
    server = imap_script(capabilities)
    use(monkeypatch, work, server, TOKEN)
    _, lines, _ = doctor(work, capsys)
    assert lines["imap"].startswith("ok") and f"logged in as {USER}" in lines["imap"], lines["imap"]
    assert f"AUTHENTICATE {mechanism}".encode() in bytes(server.received)
    assert b" LOGIN " not in bytes(server.received)
    assert server.sasl[0].decode().startswith(said) and f"auth=Bearer {TOKEN}" in server.sasl[0].decode()


@pytest.mark.parametrize(
    ("capabilities", "answer"),
    [("IMAP4rev1 AUTH=XOAUTH2", b""), ("IMAP4rev1 AUTH=OAUTHBEARER", b"\x01")],
    ids=["xoauth2", "oauthbearer"],
)
def test_a_refused_mailbox_token_is_ended_as_the_mechanism_asks_and_never_shown(
    work: Path,
    imap_script: Callable[[str], ImapScript],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    capabilities: str,
    answer: bytes,
) -> None:
    server = imap_script(capabilities)
    stale = "ya29.stale-Qw8LzKp"
    use(monkeypatch, work, server, stale)
    code, lines, _ = doctor(work, capsys)
    assert code == 1 and lines["imap"].startswith("problem") and "login refused" in lines["imap"]
    assert stale not in lines["imap"]
    assert server.sasl[1] == answer


def test_a_server_offering_no_oauth2_login_gets_no_login_at_all(
    work: Path,
    imap_script: Callable[[str], ImapScript],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = imap_script("IMAP4rev1 AUTH=PLAIN")
    use(monkeypatch, work, server, TOKEN)
    code, lines, _ = doctor(work, capsys)
    assert code == 1 and "no OAuth2 login" in lines["imap"]
    assert b"AUTHENTICATE" not in bytes(server.received) and b"LOGIN" not in bytes(server.received)
    assert TOKEN.encode() not in bytes(server.received)
