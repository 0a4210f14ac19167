"""Where finished mail goes: a Maildir outbox (dry run) or an SMTP server through yagmail.

yagmail makes the connection and handles the credentials (TLS, STARTTLS, keyring, Gmail OAuth2);
the mail itself is ours, sent over that one connection with the SMTP steps taken one by one, so a
failure is known to come before the message was handed over (safe to retry) or after (uncertain).

Past 400 lines: the two transports share one Protocol, and the SMTP side keeps in one
place every decision about what a server's answer means for the ledger (sent, deferred, failed,
uncertain, the account refused).
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

from batch.account.refusals import ACCOUNT, judge
from batch.account.settings import NON_ASCII_PASSWORD, SmtpSettings, keyring_password
from batch.account.token import TokenError, fetch_token, token_forms
from batch.account.wire import Cleaner, explain, login_forms, tls_reason
from batch.errors import FollowUpError
from batch.ledger.private import FILE_MODE, make_folder
from batch.letters.mime import Message
from batch.mail.connection import (
    Login,
    NotPrivate,
    Watchdog,
    google_token,
    open_client,
    smtplib_disconnected,
    whole_reply,
)
from batch.mail.outbox import remember

# One message's exchange (or the connection and login) may take this many timeouts in all.
DEADLINE_FACTOR = 3
# Refusals that mean the login, not the message: no message can go until the account is put right.
_LOGIN_CODES = frozenset({530, 534, 535})
# The answers that take a command (and the message) on; a 221 says the server is closing instead.
_ACCEPTED = frozenset({250, 251, 252})


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
    """No definite answer after the message was handed over: it may or may not have arrived."""


class Unreachable(FollowUpError):
    """No usable connection: nothing more can be sent in this run. `code` and `reply`: the server's
    refusal, if one was the reason (the reply already cleaned of control characters and secrets);
    `cause`: the socket or TLS error, if that was it (kept for doctor's advice, never chained)."""

    exit_code = 1

    def __init__(
        self, message: str, code: int | None = None, reply: str = "", cause: BaseException | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.reply, self.cause = code, reply, cause


class AccountRefused(Unreachable):
    """The server refused the login or the sender: no message can go until the account is put right,
    so the batch stops and every follow-up stays due."""

    def after(self, sent: int, waiting: list[str]) -> AccountRefused:
        """The same refusal, said after `sent` messages of this run went: how many, and which wait."""
        names = ", ".join(waiting[:_NAMED]) + (
            f" and {len(waiting) - _NAMED} more" if len(waiting) > _NAMED else ""
        )
        stay = "stays" if len(waiting) == 1 else "stay"
        said = f"{sent} sent before it; {len(waiting)} {stay} due for the next run"
        said += f": {names}" if names else ""
        text, count = _NOTHING_SENT.subn(said, str(self), count=1)
        return AccountRefused(text if count else f"{text}; {said}", self.code, self.reply, self.cause)


# How an account's refusal says that nothing went (true at the first message only), and how many of the
# follow-ups that wait the line names
_NOTHING_SENT = re.compile(
    r"nothing (?:was )?sent, (?:every follow-up stays due|the follow-ups wait) for the next run"
)
_NAMED = 5


class Transport(Protocol):
    """Something that delivers finished mail."""

    dry_run: bool
    handed_over: bool  # whether the message of the last send had left, whatever stopped that send

    def send(self, message: Message) -> str:
        """Deliver one message; return the receiver's answer, or raise Refused/Uncertain/Unreachable."""
        ...

    def close(self) -> None:
        """Let go of any connection."""
        ...


class Outbox:
    """A Maildir on disk (any mail client opens it): the dry run's destination.

    Files are written to tmp/ and renamed into new/, as Maildir asks, but not fsynced: a dry run
    records nothing, and the fsync per file that `mailbox.Maildir.add` makes was most of its time.
    Each file is three calls and a rename relative to the two folders, held open (`open().write`
    adds an fstat, an ioctl and the path's lookup to each of 10,000 files).
    """

    dry_run = True
    handed_over = False

    def __init__(self, folder: Path) -> None:
        try:
            for part in ("tmp", "new", "cur"):
                make_folder(folder / part)  # a fresh clone has no var/ yet; 0700: it holds whole messages
            self.tmp = os.open(folder / "tmp", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            self.new = os.open(folder / "new", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise FollowUpError(f"{folder}: cannot create the outbox ({exc.strerror})") from None
        self.folder = folder
        self.shown = str(folder / "new")
        self.stem = f"{int(time.time())}.P{os.getpid()}R{secrets.token_hex(4)}"
        self.count = 0
        self.written: list[tuple[str, int]] = []  # for the next dry run to take away (mail/outbox.py)

    def send(self, message: Message) -> str:
        """Write the message into new/."""
        self.handed_over = True  # a file begun is as good as sent: nothing is claimed in a dry run
        self.count += 1
        name = f"{self.stem}Q{self.count}.followup"
        try:
            _write_file(name, self.tmp, message.data)
            os.rename(name, name, src_dir_fd=self.tmp, dst_dir_fd=self.new)
        except OSError as exc:
            raise FollowUpError(f"{self.folder}: cannot write to the outbox ({exc.strerror})") from None
        self.written.append((name, len(message.data)))
        return f"written to {self.shown}/{name}"

    def close(self) -> None:
        """Record what was written, and let go of the two folders."""
        written, self.written = self.written, []
        remember(self.folder, written)
        for fd in (self.tmp, self.new):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.tmp = self.new = -1


def _write_file(name: str, folder: int, data: bytes) -> None:
    """A new file of these bytes in the folder (as open(path, "wb").write: created or emptied), readable
    by you alone: a whole message."""
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE, dir_fd=folder)
    try:
        view = memoryview(data)
        while view:  # a regular file takes all at once, unless the disk fills
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class Smtp:
    """One yagmail connection for the whole batch, opened at the first message.

    Each message's exchange, and the connection with its login, must end within DEADLINE_FACTOR times
    the timeout: a server that dribbles its answers a byte at a time never trips the socket's timeout.
    """

    dry_run = False
    handed_over = False
    # A command of ours is out and its answer not yet read (Ctrl-C came while the server thought):
    # a polite QUIT then would wait out that answer and take it for QUIT's, so close() just hangs up.
    midway = False

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client = None
        self.clean = Cleaner(login_forms(settings.user, settings.password))
        self.deadline = DEADLINE_FACTOR * settings.timeout
        self.watchdog = Watchdog()
        self.stopped: str | None = None  # why the rest of the batch waits for the next run
        self.unsettled = 0  # hand-overs in this run that ended with no definite answer
        self.where = f"SMTP {settings.host}:{settings.port}"

    def probe_sender(self, sender: str) -> None:
        """MAIL FROM, then RSET, on the open connection: the server's word on the login and the sender
        (yagmail never reads the answer to an OAuth2 AUTH; a refusal shows here); nothing is handed over.
        Refused, with the reply cleaned of what the login sent, when the server will not take it."""
        # late: mime loads the email package; only a login that needs the address form does
        from batch.letters.mime import ascii_address

        smtp = self.client.smtp  # type: ignore[attr-defined]  # yagmail's client holds smtplib's
        self.midway = True
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(ascii_address(sender))
        smtp.rset()
        self.midway = False
        if code != 250:
            raise Refused(code, self.clean(reply))

    def open(self) -> None:
        """Connect and log in now rather than at the first message (followup doctor); sends nothing."""
        if self.client is None:
            self._connect()

    def _connect(self) -> None:
        login = self._login()
        error: Exception | None = None
        try:
            with self.watchdog.armed(self.deadline):
                self.client = open_client(self.settings, login, self.watchdog)
        except Exception as exc:  # raised below, outside this handler: no chained server text
            error = exc
        expired = self.watchdog.expired  # also after a "success" on a greeting cut short
        if error is None and not expired:
            return
        self._drop()
        if expired:
            raise Unreachable(
                f"{self.where}: no complete answer within {self.deadline:g} s while connecting and "
                "logging in; the follow-ups wait for the next run"
            )
        assert error is not None
        raise self._unreachable(error)

    def _login(self) -> Login | None:
        """What to log in with: the password, a fresh OAuth2 token, or yagmail's keyring entry."""
        s = self.settings
        if not s.user:
            return None
        if s.oauth2_command is not None or s.oauth2_file is not None:
            token = self._token()
            forms = token_forms(s.user, token, s.host, s.port)
            self.clean = Cleaner([*login_forms(s.user, s.password), *forms])
            return Login(s.user, token=token)
        if s.password is not None:
            return Login(s.user, password=s.password)
        password = keyring_password(s.user)
        if password is None:
            raise Unreachable(
                f"no password for {s.user}: set FOLLOWUP_SMTP_PASSWORD_FILE (a chmod 600 file), "
                "FOLLOWUP_SMTP_PASSWORD, FOLLOWUP_SMTP_OAUTH2_COMMAND, or yagmail's keyring entry"
            )
        self.clean = Cleaner(login_forms(s.user, password))
        if not password.isascii():
            raise AccountRefused(f"{self.where}: yagmail's keyring entry for {s.user}: {NON_ASCII_PASSWORD}")
        return Login(s.user, password=password)

    def _token(self) -> str:
        """A fresh access token, from the command or yagmail's Google file; one line if none comes."""
        s = self.settings
        try:
            if s.oauth2_command is not None:
                return fetch_token(s.oauth2_command, "FOLLOWUP_SMTP_OAUTH2_COMMAND", s.timeout)
            assert s.oauth2_file is not None
            return google_token(s.oauth2_file)
        except TokenError as exc:
            raise AccountRefused(str(exc)) from None
        except Exception as exc:  # Google's refresh over HTTPS: refused, offline, or a changed answer
            raise AccountRefused(
                f"FOLLOWUP_SMTP_OAUTH2_FILE: no access token from Google ({self.problem(exc)}); "
                "nothing sent, the follow-ups wait for the next run"
            ) from None

    def _unreachable(self, exc: BaseException) -> Unreachable:
        """The failed connection or login as one line; a refused login is the account's problem."""
        if isinstance(exc, NotPrivate):
            return AccountRefused(f"{self.where}: {exc}; the follow-ups wait for the next run")
        code = getattr(exc, "smtp_code", None)
        if code is None:
            return Unreachable(f"{self.where}: {self.problem(exc)}", cause=exc)
        reply = self.clean(getattr(exc, "smtp_error", b""))
        text = f"{self.where}: {explain(int(code), reply)}"
        if exc.__class__.__name__ == "SMTPAuthenticationError" or int(code) in _LOGIN_CODES:
            text += "; nothing was sent, the follow-ups wait for the next run"
            return AccountRefused(text, int(code), reply)
        return Unreachable(text, int(code), reply)

    def send(self, message: Message) -> str:
        """Deliver over the batch's connection; reconnect once if it dropped before the hand-over."""
        self.handed_over = False  # until its last line goes out: a Ctrl-C before then leaves it unsent
        if self.stopped is not None:
            raise Unreachable(self.stopped)
        for attempt in (1, 2):
            if self.client is None:
                self._connect()
            try:
                with self.watchdog.armed(self.deadline):
                    return self._send(message)
            except (smtplib_errors(), OSError) as exc:
                expired = self.watchdog.expired
                self._drop()
                if expired:
                    raise Unreachable(
                        f"{self.where}: no complete answer within {self.deadline:g} s before the message "
                        "was handed over; it and the rest wait for the next run"
                    ) from None
                if attempt == 2:  # broken twice in a row: stop the run rather than wait out every message
                    closing = getattr(exc, "smtp_code", None) == 421  # said so, twice (_refused)
                    said = (
                        f"the server closed the connection twice before the message was handed over "
                        f"(421 {getattr(exc, 'smtp_error', '')})" if closing else
                        f"the connection broke twice before the message was handed over ({self.problem(exc)})"
                    )  # fmt: skip
                    raise Unreachable(f"{self.where}: {said}; it and the rest will be tried again") from None
        raise AssertionError("unreachable")

    def _send(self, message: Message) -> str:
        smtp = self.client.smtp  # type: ignore[attr-defined]
        self.midway = True
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.docmd("MAIL", f"FROM:{_path(message.envelope_from)}")
        if code not in _ACCEPTED:
            self._refused(smtp, code, reply, sender=message.envelope_from)
        code, reply = smtp.docmd("RCPT", f"TO:{_path(message.envelope_to)}")
        if code not in _ACCEPTED:
            self._refused(smtp, code, reply)
        code, reply = smtp.docmd("DATA")
        if code != 354:
            self._refused(smtp, code, reply, wanted="354 to DATA")
        # a line that starts with a dot gets a second one (RFC 5321 4.5.2); most have none
        data = message.data
        payload = re.sub(rb"(?m)^\.", b"..", data) if data.startswith(b".") or b"\n." in data else data
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        if self.watchdog.expired:  # the 354 may have been cut short: the message never left
            raise smtplib_disconnected("the deadline passed before the message was handed over")
        try:  # from here on the message may have arrived: only a definite final reply decides
            self.handed_over = True
            smtp.send(payload + b".\r\n")
            code, reply = whole_reply(smtp)
        except (smtplib_errors(), OSError) as exc:
            raise self._broke_after_hand_over(exc) from None
        self.midway = False
        return self._final(code, reply)

    def _refused(
        self, smtp: object, code: int, reply: bytes, sender: str | None = None, wanted: str = "a 2xx"
    ) -> None:
        """A refusal before the hand-over: the message's own (Refused), or the account's (AccountRefused).
        An answer that is no refusal (a 250 to DATA, a 354 to MAIL, no code at all) means the server and
        we are out of step: a command of ours may be taken as a message's text, so the connection goes
        and the batch stops, nothing of this message handed over."""
        words = self.clean(reply)
        if code == 421:  # the server closes the channel (RFC 5321 3.8), often said while we were away
            self._drop()  # nothing of this message went: send() connects again, once
            raise smtplib_closing(code, words)
        if code == 503:  # "bad sequence of commands": the server lost our step, nobody refused anything
            self._drop()  # a new connection starts clean: send() connects again, once
            raise smtplib_closing(code, words)
        if not 400 <= code < 600:
            self._drop()
            said = explain(code, words)
            self.stopped = (
                f"{self.where}: the server answered out of step ({said} where {wanted} was due); "
                "the rest wait for the next run"
            )
            raise Unreachable(f"{self.stopped}; this one was not handed over", code, words)
        _reset(smtp)
        self.midway = False
        stage = "MAIL" if sender is not None else "RCPT" if wanted == "a 2xx" else "DATA"
        self._account_refusal(stage, code, words)
        raise Refused(code, words)

    def _account_refusal(self, stage: str, code: int, words: str) -> None:
        """AccountRefused, and the rest of the batch stopped, when the refusal is the account's (the table
        in account/refusals.py decides): the message was refused, so it stays due, as do the others."""
        verdict = judge(stage, code, words)
        if verdict.scope != ACCOUNT:
            return
        self.stopped = (
            f"{self.where}: the server refuses mail from this account ({verdict.line()}); nothing was "
            f"sent, every follow-up stays due for the next run [{code} {words}]"
        )
        raise AccountRefused(self.stopped, code, words)

    def _broke_after_hand_over(self, exc: BaseException) -> Uncertain:
        expired = self.watchdog.expired
        self._drop()
        if not expired and isinstance(exc, TimeoutError):  # no answer within the timeout: nor will the next
            self.stopped = (
                f"{self.where}: no answer within {self.settings.timeout:g} s after a message was handed "
                "over; the rest wait for the next run"
            )
            return Uncertain(
                f"no final answer within {self.settings.timeout:g} s after the message was handed over "
                "(the rest of the batch waits for the next run)"
            )
        if not expired:
            self._unsettled_again("the connection broke twice after a message was handed over")
            return Uncertain(f"the connection broke after the message was handed over ({self.problem(exc)})")
        self.stopped = (
            f"{self.where}: the server took more than {self.deadline:g} s over the message before; "
            "the rest wait for the next run"
        )
        return Uncertain(
            f"no final answer within {self.deadline:g} s after the message was handed over "
            "(the rest of the batch waits for the next run)"
        )

    def _final(self, code: int, reply: bytes) -> str:
        """The answer to the message: 250-252 sent, 4xx deferred, 5xx failed, anything else uncertain."""
        words = self.clean(reply)
        if code in _ACCEPTED:
            return f"{code} {words}"
        if 400 <= code < 600:
            self._account_refusal("END", code, words)
            # the transaction is over, but some servers keep its envelope after a failure of their own
            # (aiosmtpd's 500 when its handler fails): a reset puts the next message on a clean start
            _reset(self.client.smtp)  # type: ignore[attr-defined]
            raise Refused(code, words)
        self._drop()  # a 221, a line with no code: what the server does next is anyone's guess
        said = f"{code} {words}" if code >= 0 else f"a line with no reply code: {words!r}"
        self._unsettled_again("two answers after a hand-over were neither yes nor no")
        raise Uncertain(f"the server's answer to the message was neither yes nor no ({said})")

    def _unsettled_again(self, twice: str) -> None:
        """One more hand-over with no definite answer: once may be a blip; at the second the batch stops,
        or each of its messages could end uncertain in turn (`twice` says what happened)."""
        self.unsettled += 1
        if self.unsettled >= 2:
            self.stopped = f"{self.where}: {twice}; the rest wait for the next run"

    def problem(self, exc: BaseException) -> str:
        """What broke, in plain words, with any server text cleaned."""
        return _connect_problem(exc, self.clean)

    def _drop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # a broken socket may fail to close; it is gone anyway
                self.client.smtp.close()
        self.client = None
        self.midway = False
        self.watchdog.release()

    def close(self) -> None:
        """Say QUIT and close."""
        if self.client is not None and not self.midway:
            # the server may have gone already, or answer slowly: QUIT gets a deadline too
            with contextlib.suppress(Exception), self.watchdog.armed(self.deadline):
                self.client.smtp.quit()
        self._drop()


# A plain address (a dot-atom at a host name), as the loader and mime.ascii_address leave every one.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


def _path(address: str) -> str:
    """The address as MAIL FROM and RCPT TO take it, <a@b>. smtplib's mail() and rcpt() parse it again
    with email.utils first: ~25 µs each, a tenth of a message's time with a local server (bench send);
    anything but a plain address still goes through smtplib's own quoting."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    # late: smtplib stays off the idle cron path
    import smtplib

    return smtplib.quoteaddr(address)


def smtplib_closing(code: int, words: str) -> Exception:
    """smtplib's error for a server's answer that it is closing the connection."""
    # late: smtplib stays off the idle cron path
    import smtplib

    return smtplib.SMTPResponseException(code, words)


def smtplib_errors() -> type[Exception]:
    """smtplib's base error (imported late: smtplib stays off the idle path)."""
    # late: smtplib stays off the idle cron path
    import smtplib

    return smtplib.SMTPException


def _reset(smtp: object) -> None:
    with contextlib.suppress(Exception):  # a server that refused may also hang up; we reconnect
        smtp.rset()  # type: ignore[attr-defined]


def _connect_problem(exc: BaseException, clean: Cleaner) -> str:
    code = getattr(exc, "smtp_code", None)
    if code is not None:
        return explain(int(code), clean(getattr(exc, "smtp_error", b"")))
    if isinstance(exc, UnicodeError):  # its text names a character of the password and its position
        return "a login name or password with characters outside ASCII, which SMTP AUTH cannot carry here"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS failed ({tls_reason(exc)}); check FOLLOWUP_SMTP_SECURITY, the port and the CA file"
    if isinstance(exc, socket.timeout | TimeoutError) or "timed out" in str(exc):  # smtplib wraps timeouts
        return "no answer in time (is the host or port right?)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the host or port right?)"
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(exc, ConnectionError | EOFError) or "closed" in str(exc).lower():
        return "the server closed the connection (if at once: is the port right for FOLLOWUP_SMTP_SECURITY?)"
    return clean(exc) or "the connection failed for a reason the system did not give"


# END
