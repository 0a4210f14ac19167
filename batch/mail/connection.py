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
from typing import Any

from batch.account.settings import SmtpSettings

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


def open_client(settings: SmtpSettings, password: str | None, watchdog: Watchdog) -> Any:
    """A yagmail client, connected and logged in, whose connection the watchdog can cut."""
    # late: smtplib and yagmail load ssl and email; only a real delivery needs them
    import smtplib

    import yagmail

    s = settings

    # misc: a base chosen at run time (SMTPS or SMTP) is one mypy cannot check the class against
    class Watched(smtplib.SMTP_SSL if s.security == "ssl" else smtplib.SMTP):  # type: ignore[misc]
        def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
            sock = socket.create_connection((host, port), timeout, self.source_address)
            watchdog.watch(sock)  # before the TLS handshake of SMTPS, which may dribble too
            context = getattr(self, "context", None)  # SMTP_SSL's
            return context.wrap_socket(sock, server_hostname=self._host) if context is not None else sock

    class Client(yagmail.SMTP):  # type: ignore[misc]  # yagmail has no types: its SMTP is Any
        @property
        def connection(self) -> type[smtplib.SMTP]:
            return Watched

    # loading the system's certificates takes ~20 ms: only a connection that uses TLS pays it
    context = ssl.create_default_context(cafile=s.ca_file) if s.security != "none" else None
    options: dict[str, object] = {"timeout": s.timeout}
    if s.security == "ssl":
        options["context"] = context
    client = Client(
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
    try:
        client.login()
    except BaseException:
        if client.smtp is not None:
            with contextlib.suppress(Exception):
                client.smtp.close()
        raise
    return client


def smtplib_disconnected(why: str) -> Exception:
    """smtplib's error for a connection that is gone."""
    # late: smtplib stays off the idle cron path
    import smtplib

    return smtplib.SMTPServerDisconnected(why)


def whole_reply(smtp: Any) -> tuple[int, bytes]:
    """smtplib's getreply, except that a line cut short by a closed connection (or by the watchdog) is
    no answer: "250 2.0" without its line end must not count as an acceptance."""
    if smtp.file is None:
        smtp.file = smtp.sock.makefile("rb")
    lines = []
    while True:
        line = smtp.file.readline(_MAX_LINE + 1)
        if not line.endswith(b"\n"):
            smtp.close()
            raise smtplib_disconnected("the connection ended in the middle of the reply")
        code = int(line[:3]) if line[:3].isdigit() else -1
        lines.append((line[4:] if code >= 0 else line).strip(b" \t\r\n"))  # a line with no code is all text
        if code < 0 or line[3:4] != b"-":
            return code, b"\n".join(lines)
