"""The IMAP login, only over a connection seen to be TLS (or to this machine with security none): a
password (LOGIN, or SASL PLAIN for UTF-8) or an OAuth2 token (XOAUTH2 or OAUTHBEARER, whichever the
server's CAPABILITY offers, XOAUTH2 first).

What counts as this machine is passed in (`on_this_machine`): every run passes settings.is_loopback, the
rule the settings check applies to FOLLOWUP_IMAP_HOST; a test passes one that knows no such address, so
that a server on 127.0.0.1 stands for one elsewhere and the refusal it sees is this module's own."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

from batch.account.settings import ImapSettings
from batch.account.token import choose_mechanism, error_answer, sasl_string

if TYPE_CHECKING:
    import imaplib


class LoginRefused(Exception):
    """No login was tried: the connection is not private, or the server offers no OAuth2 login."""


def private_login(
    client: imaplib.IMAP4,
    settings: ImapSettings,
    secret: str,
    oauth: bool,
    on_this_machine: Callable[[str], bool],
) -> None:
    """Log in with the password or token, once the live connection is known to be private."""
    require_private(client, settings.security, on_this_machine)
    if oauth:
        _oauth(client, settings, secret)
    elif settings.user.isascii() and secret.isascii():
        client.login(_quoted(settings.user), secret)  # imaplib quotes the password, not the user
    else:  # LOGIN takes ASCII only; SASL PLAIN carries UTF-8
        client.authenticate("PLAIN", lambda _: f"\0{settings.user}\0{secret}".encode())


def require_private(client: imaplib.IMAP4, security: str, on_this_machine: Callable[[str], bool]) -> None:
    """LoginRefused unless the socket is TLS, or (security none) its peer's address is this machine."""
    sock = getattr(client, "sock", None)
    if isinstance(sock, ssl.SSLSocket):
        return
    if security == "none" and sock is not None:
        try:
            if on_this_machine(str(sock.getpeername()[0])):
                return
        except (OSError, ValueError):
            pass
    raise LoginRefused(
        "the connection is not encrypted, so the login would cross in clear; nothing was sent "
        "(set FOLLOWUP_IMAP_SECURITY to ssl or starttls)"
    )


def _oauth(client: imaplib.IMAP4, settings: ImapSettings, token: str) -> None:
    offered = [c.split("=", 1)[1] for c in client.capabilities if c.upper().startswith("AUTH=")]
    mechanism = choose_mechanism(offered)
    if mechanism is None:
        raise LoginRefused(
            "the server offers no OAuth2 login (AUTH=XOAUTH2 or AUTH=OAUTHBEARER); use a password instead"
        )
    said = sasl_string(mechanism, settings.user, token, settings.host, settings.port).encode()
    answered: list[bool] = []

    def answer(challenge: bytes) -> bytes:
        if answered:  # an error challenge: end the exchange as the mechanism asks
            return error_answer(mechanism).encode()
        answered.append(True)
        return said

    client.authenticate(mechanism, answer)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
