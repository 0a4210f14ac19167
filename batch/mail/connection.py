"""The SMTP connection under a deadline: a yagmail login whose socket a watchdog can cut, and a reply
reader that takes only whole lines.

A server that dribbles its answers a byte at a time never trips a socket's timeout; only a clock over
the whole exchange stops it. Imported by the transport only, so smtplib and yagmail stay off the idle path.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

from batch.account.settings import SmtpSettings
from batch.account.token import choose_mechanism, error_answer, sasl_string

_MAX_LINE = 8192  # smtplib's limit on a reply line


class Watchdog:
    """Shuts a connection down when its deadline passes, so that a blocked read ends at once.

    It keeps a duplicate of the socket's descriptor: STARTTLS replaces smtplib's socket object, and
    the duplicate still reaches the same connection. One thread watches for the watchdog's whole life:
    a thread started per message cost more than the message's own exchange when another thread composes.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._sock: socket.socket | None = None
        self._deadline: float | None = None  # when the armed block must have ended
        self._waking: float | None = None  # when the watcher will look again (None: when notified)
        self._thread: threading.Thread | None = None
        self.expired = False

    def watch(self, sock: socket.socket) -> None:
        """Watch this connection (the one being opened) from now on."""
        duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        with self._lock:
            self._close()
            self._sock = duplicate
            if self.expired:
                self._shut()

    @contextlib.contextmanager
    def armed(self, seconds: float) -> Iterator[None]:
        """Shut the watched connection down if the block takes longer than `seconds`."""
        with self._lock:
            self.expired = False
            self._deadline = time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, daemon=True)
                self._thread.start()
            elif self._waking is None or self._deadline < self._waking:
                self._lock.notify()  # the watcher sleeps past this deadline: wake it (rare)
        try:
            yield
        finally:
            with self._lock:
                self._deadline = None

    def release(self) -> None:
        """Let go of the duplicate (the connection is closed only once every descriptor is), and of the
        watching thread (the next armed block starts another)."""
        with self._lock:
            self._close()
            self._thread = None
            self._lock.notify()

    def _watch(self) -> None:
        with self._lock:
            while self._thread is threading.current_thread():
                now = time.monotonic()
                if self._deadline is not None and now >= self._deadline:
                    self.expired = True
                    self._shut()
                    self._deadline = None
                self._waking = self._deadline
                self._lock.wait(None if self._deadline is None else self._deadline - now)

    def _shut(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class Login(NamedTuple):
    """What the connection logs in with: a password, or an OAuth2 access token (never both)."""

    user: str
    password: str | None = None
    token: str | None = None


class NotPrivate(Exception):
    """The connection is not TLS where a login was about to cross it: nothing secret was sent."""


# A multi-line reply may have at most this many lines and bytes: a server sending "250-" lines forever
# once took a run past a gigabyte of memory (smtplib caps a line's length, not their number).
MAX_REPLY_LINES = 200
MAX_REPLY_BYTES = 64 * 1024


def open_client(settings: SmtpSettings, login: Login | None, watchdog: Watchdog) -> Any:
    """A yagmail client, connected and logged in, whose connection the watchdog can cut.

    yagmail opens the connection only: STARTTLS and the login are ours, so that the login goes only
    over a connection we have seen to be TLS (yagmail upgrades only when its flag is exactly True, and
    its OAuth2 login never did), or in clear to a server on this machine when FOLLOWUP_SMTP_SECURITY=none.
    """
    # late: smtplib and yagmail load ssl and email; only a real delivery needs them
    import yagmail

    s = settings
    base = watched_class(s.security == "ssl", watchdog)

    class Client(yagmail.SMTP):  # type: ignore[misc]  # yagmail has no types: its SMTP is Any
        @property
        def connection(self) -> type:
            return base

    # loading the system's certificates takes ~20 ms: only a connection that uses TLS pays it
    context = ssl.create_default_context(cafile=s.ca_file) if s.security != "none" else None
    options: dict[str, object] = {"timeout": s.timeout}
    if s.security == "ssl":
        options["context"] = context
    client = Client(
        user=s.user or "", password=None, host=s.host, port=s.port, smtp_ssl=s.security == "ssl",
        smtp_starttls=False, smtp_skip_login=True, soft_email_validation=False, **options,
    )  # fmt: skip
    client.user = s.user or ""  # yagmail appends @gmail.com to a user without @; keep ours
    try:
        client.login()  # connects (TLS from the first byte for ssl); no STARTTLS, no AUTH: ours follow
        if s.security == "starttls":
            _starttls(client.smtp, context)
        if login is not None:
            require_private(client.smtp, s.security)
            _authenticate(client.smtp, login, s)
    except BaseException:
        if client.smtp is not None:
            with contextlib.suppress(Exception):
                client.smtp.close()
        raise
    return client


def google_token(oauth2_file: str) -> str:
    """A fresh access token from yagmail's Google OAuth2 file (its refresh token, over HTTPS to Google)."""
    # late: yagmail's oauth2 loads urllib; only this login needs it
    import json

    from yagmail.oauth2 import refresh_authorization

    with open(oauth2_file, encoding="utf-8") as handle:  # checked by settings.oauth2_setting
        info = json.load(handle)
    keys = ("google_client_id", "google_client_secret", "google_refresh_token")
    token, _expires = refresh_authorization(*(str(info[key]) for key in keys))
    return str(token)


def watched_class(implicit_tls: bool, watchdog: Watchdog) -> type:
    """smtplib's SMTP (or SMTP_SSL) whose socket the watchdog sees, and whose replies are bounded."""
    # late: smtplib stays off the idle cron path
    import smtplib

    # misc: a base chosen at run time (SMTPS or SMTP) is one mypy cannot check the class against
    class Watched(smtplib.SMTP_SSL if implicit_tls else smtplib.SMTP):  # type: ignore[misc]
        def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
            sock = socket.create_connection((host, port), timeout, self.source_address)
            watchdog.watch(sock)  # before the TLS handshake of SMTPS, which may dribble too
            context = getattr(self, "context", None)  # SMTP_SSL's
            return context.wrap_socket(sock, server_hostname=self._host) if context is not None else sock

        def getreply(self) -> tuple[int, bytes]:
            return bounded_reply(self)

    return Watched


def _starttls(smtp: Any, context: ssl.SSLContext | None) -> None:
    """EHLO, STARTTLS, EHLO again; refused, with nothing secret sent, when the server offers no STARTTLS."""
    smtp.ehlo()
    if not smtp.has_extn("starttls"):
        raise NotPrivate(
            "no STARTTLS offered by the server, so the connection cannot be encrypted and the login and "
            "mail would cross in clear; nothing was sent (use FOLLOWUP_SMTP_SECURITY=ssl on port 465, or "
            "the provider's STARTTLS port, 587)"
        )
    smtp.starttls(context=context)
    smtp.ehlo()


def require_private(smtp: Any, security: str) -> None:
    """NotPrivate unless the live connection is TLS, or (security none) reaches this machine only."""
    sock = smtp.sock
    if isinstance(sock, ssl.SSLSocket):
        return
    if security == "none" and sock is not None and _peer_is_loopback(sock):
        return
    raise NotPrivate(
        "the connection is not encrypted, so the login would cross in clear; nothing was sent "
        "(set FOLLOWUP_SMTP_SECURITY to ssl or starttls)"
    )


def _peer_is_loopback(sock: socket.socket) -> bool:
    # late: ipaddress only for a connection without TLS
    import ipaddress

    try:
        return ipaddress.ip_address(sock.getpeername()[0]).is_loopback
    except (OSError, ValueError):
        return False


def _authenticate(smtp: Any, login: Login, settings: SmtpSettings) -> None:
    """AUTH with the password (smtplib picks the mechanism) or with the token (XOAUTH2 or OAUTHBEARER,
    whichever the server's EHLO offers, XOAUTH2 first)."""
    if login.token is None:
        smtp.login(login.user, login.password or "")
        return
    smtp.ehlo_or_helo_if_needed()
    mechanism = choose_mechanism(smtp.esmtp_features.get("auth", "").split())
    if mechanism is None:
        offered = smtp.esmtp_features.get("auth", "").strip() or "no AUTH at all"
        raise NotPrivate(
            f"the server offers no OAuth2 login (XOAUTH2 or OAUTHBEARER; it offers {offered[:80]}): "
            "use a password or an app password instead"
        )
    said = sasl_string(mechanism, login.user, login.token, settings.host, settings.port)

    def answer(challenge: bytes | None = None) -> str:
        return said if challenge is None else error_answer(mechanism)  # an error challenge: end it

    smtp.auth(mechanism, answer, initial_response_ok=True)


def smtplib_disconnected(why: str) -> Exception:
    """smtplib's error for a connection that is gone."""
    # late: smtplib stays off the idle cron path
    import smtplib

    return smtplib.SMTPServerDisconnected(why)


def whole_reply(smtp: Any) -> tuple[int, bytes]:
    """smtplib's getreply, except that a line cut short by a closed connection (or by the watchdog) is
    no answer: "250 2.0" without its line end must not count as an acceptance."""
    return bounded_reply(smtp)


def bounded_reply(smtp: Any) -> tuple[int, bytes]:
    """One reply, whole lines only, of at most MAX_REPLY_LINES lines and MAX_REPLY_BYTES bytes: past
    either, the connection is closed (a server that never ends its reply holds no run)."""
    if smtp.file is None:
        smtp.file = smtp.sock.makefile("rb")
    lines: list[bytes] = []
    size = 0
    while True:
        line = smtp.file.readline(_MAX_LINE + 1)
        if not line:  # as smtplib says it: the server hung up between replies
            smtp.close()
            raise smtplib_disconnected("Connection unexpectedly closed")
        if not line.endswith(b"\n"):
            smtp.close()
            raise smtplib_disconnected("the connection ended in the middle of the reply")
        size += len(line)
        if len(lines) >= MAX_REPLY_LINES or size > MAX_REPLY_BYTES:
            smtp.close()
            raise smtplib_disconnected(
                f"the server's reply ran past {MAX_REPLY_LINES} lines or {MAX_REPLY_BYTES // 1024} KiB, "
                "so we hung up"
            )
        code = int(line[:3]) if line[:3].isdigit() else -1
        lines.append((line[4:] if code >= 0 else line).strip(b" \t\r\n"))  # a line with no code is all text
        if code < 0 or line[3:4] != b"-":
            return code, b"\n".join(lines)
