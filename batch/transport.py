"""Where finished mail goes: a Maildir outbox (dry run) or an SMTP server through yagmail.

yagmail makes the connection and handles the credentials (TLS, STARTTLS, keyring, Gmail OAuth2);
the mail itself is ours, sent over that one connection with the SMTP steps taken one by one, so a
failure is known to come before the message was handed over (safe to retry) or after (uncertain).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import ssl
import time
from pathlib import Path
from typing import Protocol

from .errors import FollowUpError
from .mime import Message
from .settings import SmtpSettings, keyring_password

# What common answers mean, in plain words (the server's own words are printed too).
_MEANINGS = {
    421: "the server is busy or closing the connection; it will be tried again",
    454: "too many logins or a temporary TLS/auth problem; it will be tried again",
    534: "the provider wants an app password (Gmail: turn on 2-step verification, make an app password)",
    535: "the server refused the user name or password",
    550: "the mailbox does not exist or refuses mail",
    554: "the server refused the message",
}


class Refused(FollowUpError):
    """The server declined a message; `temporary` for a 4xx answer, which is tried again later."""

    def __init__(self, code: int, reply: str) -> None:
        self.code, self.reply = code, reply
        super().__init__(explain(code, reply))

    @property
    def temporary(self) -> bool:
        """A 4xx answer (or no answer at all): the message may go on a later run."""
        return self.code < 500


class Uncertain(FollowUpError):
    """The connection broke after the message was handed over: it may or may not have arrived."""


class Unreachable(FollowUpError):
    """No usable connection: nothing more can be sent in this run."""

    exit_code = 1


class Transport(Protocol):
    """Something that delivers finished mail."""

    dry_run: bool

    def send(self, message: Message) -> str:
        """Deliver one message; return the receiver's answer, or raise Refused/Uncertain/Unreachable."""
        ...

    def close(self) -> None:
        """Let go of any connection."""
        ...


def explain(code: int, reply: str) -> str:
    """The server's answer with what it means, on one line."""
    words = " ".join(reply.split())
    meaning = _MEANINGS.get(code)
    return f"{code} {words}" + (f" ({meaning})" if meaning else "")


class Outbox:
    """A Maildir on disk (any mail client opens it): the dry run's destination.

    Files are written to tmp/ and renamed into new/, as Maildir asks, but not fsynced: a dry run
    records nothing, and the fsync per file that `mailbox.Maildir.add` makes was most of its time.
    """

    dry_run = True

    def __init__(self, folder: Path) -> None:
        try:
            for part in ("tmp", "new", "cur"):
                (folder / part).mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
        except OSError as exc:
            raise FollowUpError(f"{folder}: cannot create the outbox ({exc.strerror})") from None
        self.folder = folder
        self.stem = f"{int(time.time())}.P{os.getpid()}R{secrets.token_hex(4)}"
        self.count = 0

    def send(self, message: Message) -> str:
        """Write the message into new/."""
        self.count += 1
        name = f"{self.stem}Q{self.count}.followup"
        draft = self.folder / "tmp" / name
        try:
            draft.write_bytes(message.data)
            draft.rename(self.folder / "new" / name)
        except OSError as exc:
            raise FollowUpError(f"{self.folder}: cannot write to the outbox ({exc.strerror})") from None
        return f"written to {self.folder / 'new' / name}"

    def close(self) -> None:
        """Nothing to let go of."""


class Smtp:
    """One yagmail connection for the whole batch, opened at the first message."""

    dry_run = False

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client = None

    def open(self) -> None:
        """Connect and log in now rather than at the first message (followup doctor); sends nothing."""
        if self.client is None:
            self._connect()

    def _connect(self) -> None:
        import yagmail

        s = self.settings
        password = s.password
        if s.user and password is None and s.oauth2_file is None:
            password = keyring_password(s.user)
            if password is None:
                raise Unreachable(
                    f"no password for {s.user}: set FOLLOWUP_SMTP_PASSWORD_FILE (a chmod 600 file), "
                    "FOLLOWUP_SMTP_PASSWORD, or yagmail's keyring entry"
                )
        context = ssl.create_default_context(cafile=s.ca_file)
        options: dict[str, object] = {"timeout": s.timeout}
        if s.security == "ssl":
            options["context"] = context
        try:
            client = yagmail.SMTP(
                user=s.user or "",
                password=password,
                host=s.host,
                port=s.port,
                smtp_ssl=s.security == "ssl",
                smtp_starttls={"context": context} if s.security == "starttls" else False,
                smtp_skip_login=not s.user,
                oauth2_file=s.oauth2_file,
                soft_email_validation=False,
                **options,
            )
            client.user = s.user or ""  # yagmail appends @gmail.com to a user without @; keep ours
            client.login()
        except Exception as exc:
            raise Unreachable(f"SMTP {s.host}:{s.port}: {_connect_problem(exc)}") from None
        self.client = client

    def send(self, message: Message) -> str:
        """Deliver over the batch's connection; reconnect once if it dropped before the hand-over."""
        for attempt in (1, 2):
            if self.client is None:
                self._connect()
            try:
                return self._send(message)
            except (smtplib_errors(), OSError) as exc:
                self._drop()
                if attempt == 2:  # broken twice in a row: stop the run rather than wait out every message
                    where = f"SMTP {self.settings.host}:{self.settings.port}"
                    raise Unreachable(
                        f"{where}: the connection broke twice before the message was handed over "
                        f"({_connect_problem(exc)}); it will be tried again"
                    ) from None
        raise AssertionError("unreachable")

    def _send(self, message: Message) -> str:
        smtp = self.client.smtp  # type: ignore[attr-defined]
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(message.sender)
        if code != 250:
            _reset(smtp)
            raise Refused(code, _text(reply))
        code, reply = smtp.rcpt(message.recipient)
        if code not in (250, 251):
            _reset(smtp)
            raise Refused(code, _text(reply))
        code, reply = smtp.docmd("DATA")
        if code != 354:
            _reset(smtp)
            raise Refused(code, _text(reply))
        payload = re.sub(rb"(?m)^\.", b"..", message.data)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        try:
            smtp.send(payload + b".\r\n")
            code, reply = smtp.getreply()
        except (smtplib_errors(), OSError) as exc:
            self._drop()
            raise Uncertain(f"the connection broke after the message was handed over ({exc})") from None
        if code != 250:
            raise Refused(code, _text(reply))
        return f"{code} {_text(reply)}"

    def _drop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # a broken socket may fail to close; it is gone anyway
                self.client.smtp.close()  # type: ignore[attr-defined]
        self.client = None

    def close(self) -> None:
        """Say QUIT and close."""
        if self.client is not None:
            with contextlib.suppress(Exception):  # the server may have gone already
                self.client.smtp.quit()  # type: ignore[attr-defined]
        self._drop()


def smtplib_errors() -> type[Exception]:
    """smtplib's base error (imported late: smtplib stays off the idle path)."""
    import smtplib

    return smtplib.SMTPException


def _reset(smtp: object) -> None:
    with contextlib.suppress(Exception):  # a server that refused may also hang up; we reconnect
        smtp.rset()  # type: ignore[attr-defined]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _connect_problem(exc: BaseException) -> str:
    code = getattr(exc, "smtp_code", None)
    if code is not None:
        return explain(int(code), _text(getattr(exc, "smtp_error", b"")))
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS failed ({exc.__class__.__name__}: {exc}); check FOLLOWUP_SMTP_SECURITY and the port"
    if isinstance(exc, socket.timeout | TimeoutError) or "timed out" in str(exc):  # smtplib wraps timeouts
        return "no answer in time (is the host or port right?)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the host or port right?)"
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve"
    return f"{exc.__class__.__name__}: {exc}"
