"""A real aiosmtpd on 127.0.0.1 for the tests: plain, STARTTLS or SMTPS, with scripted faults.

Fixtures: ``smtp_server``, ``smtp_tls_server``, ``smtp_ssl_server`` and ``make_smtp`` (build one with
``Faults``). Outside a fixture, ``start_smtp(...)`` returns a running ``SmtpServer``; call ``.stop()``.
``smtp_env`` is the FOLLOWUP_SMTP_* settings that point `followup` at one, ``use_smtp`` sets them.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import email.parser
import email.policy
import socket
import ssl
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword

from .net import HOST
from .tls import authority, server_context

SMTP_USER = "tester@example.test"  # with an "@": yagmail appends "@gmail.com" to a bare user name
SMTP_PASSWORD = "secret"
SMTP_TOKEN = "ya29.Tk-7fQ2xLmZp9RvB3sWdHc8nJe4uYa"  # the access token the servers take (OAuth2 logins)
OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")
Security = Literal["none", "starttls", "ssl"]

# Where a fault may strike: the point names are the SMTP commands, plus the greeting and the moment
# after a message was kept.
STALL_POINTS = frozenset({"greeting", "AUTH", "MAIL", "RCPT", "DATA"})
DROP_POINTS = STALL_POINTS | {"after_DATA"}
TLS_FAULTS = frozenset({"untrusted", "garbage"})
# A dropped session waits to be cancelled by its own connection_lost; this only bounds a wait that
# should never run out.
_DROP_WAIT = 30.0


@dataclass(frozen=True)
class Faults:
    """What the scripted server does wrong; the default does nothing wrong.

    greeting: a reply sent instead of the 220 greeting, then the server hangs up ("421 4.3.2 go away").
    auth, mail, data: the reply to every AUTH, MAIL FROM or end of DATA (a refused DATA keeps nothing).
    rcpt: replies per recipient address (case-insensitive); the key "*" answers every other recipient.
    drop: hang up without a reply at a point of STALL_POINTS, or "after_DATA": the message is kept
        (in .received) but its 250 never reaches the client, the case that can deliver twice.
    stall: (point, seconds): say nothing for that long at the point, then go on as usual.
    tls: "untrusted" (the certificate is issued by a CA other than .ca_file) or "garbage" (the answer to
        the TLS handshake is not TLS). Fixed for the server's life, with or without `times`.
    final: the message is kept (in .received), then this line (or lines, joined by CRLF) is the answer
        instead of 250: "221 2.0.0 bye", "252 2.1.5 ok", or a line with no code at all.
    dribble: (point, seconds): the reply at that point goes out one byte at a time, a pause after each.
    echo_auth: "PLAIN" or "LOGIN": only that mechanism is offered, and every login is refused with a
        535 that repeats what the client sent (as base64, and decoded), as some servers do.
    times: the faults hit only the first `times` connections after they were set; None: every one.
    """

    greeting: str | None = None
    auth: str | None = None
    mail: str | None = None
    rcpt: Mapping[str, str] = field(default_factory=dict)
    data: str | None = None
    drop: str | None = None
    stall: tuple[str, float] | None = None
    tls: str | None = None
    final: str | None = None
    dribble: tuple[str, float] | None = None
    echo_auth: str | None = None
    times: int | None = None

    def __post_init__(self) -> None:
        # A misspelt point would quietly test nothing.
        if self.drop is not None and self.drop not in DROP_POINTS:
            raise ValueError(f"drop={self.drop!r}: expected one of {sorted(DROP_POINTS)}")
        if self.stall is not None and self.stall[0] not in STALL_POINTS:
            raise ValueError(f"stall={self.stall!r}: expected (one of {sorted(STALL_POINTS)}, seconds)")
        if self.tls is not None and self.tls not in TLS_FAULTS:
            raise ValueError(f"tls={self.tls!r}: expected one of {sorted(TLS_FAULTS)}")
        if self.dribble is not None and self.dribble[0] not in STALL_POINTS:
            raise ValueError(f"dribble={self.dribble!r}: expected (one of {sorted(STALL_POINTS)}, seconds)")
        if self.echo_auth not in (None, "PLAIN", "LOGIN"):
            raise ValueError(f"echo_auth={self.echo_auth!r}: expected PLAIN or LOGIN")

    def rcpt_reply(self, address: str) -> str | None:
        """The scripted reply to RCPT TO for this address, if any."""
        replies = {key.lower(): value for key, value in self.rcpt.items()}
        return replies.get(address.lower(), replies.get("*"))


NO_FAULTS = Faults()


@dataclass(frozen=True)
class Received:
    """One accepted message: the envelope, the DATA bytes as received (dot-unstuffed), the session."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    message_id: str | None
    peer: tuple[str, int]
    ehlo: str | None
    login: str | None
    tls: bool


class _ScriptedSMTP(SMTP):
    """aiosmtpd's SMTP session, with the faults that its handler hooks cannot express."""

    faults: Faults = NO_FAULTS
    owner: SmtpServer | None = None

    async def auth_XOAUTH2(self, _: Any, args: list[str]) -> AuthResult:
        return await _oauth(self, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, _: Any, args: list[str]) -> AuthResult:
        return await _oauth(self, args, "OAUTHBEARER")

    tls_fault: str | None = None
    dribbling: float | None = None  # the next reply goes out a byte at a time, this many seconds apart

    async def _handle_client(self) -> None:
        if self.faults.stall and self.faults.stall[0] == "greeting":
            await asyncio.sleep(self.faults.stall[1])
        if self.faults.dribble and self.faults.dribble[0] == "greeting":
            self.dribbling = self.faults.dribble[1]
        if self.faults.drop == "greeting":
            await _drop(self)
        if self.faults.greeting:
            await self.push(self.faults.greeting)
            self.transport.close()
            return
        await super()._handle_client()

    async def push(self, status: str | bytes) -> None:
        if self.dribbling is None:
            await super().push(status)
            return
        pause, self.dribbling = self.dribbling, None
        data = (status.encode() if isinstance(status, str) else status) + b"\r\n"
        for byte in data:
            if self.transport is None or self.transport.is_closing():  # the client gave up
                return
            self._writer.write(bytes([byte]))
            await self._writer.drain()
            await asyncio.sleep(pause)

    async def smtp_STARTTLS(self, arg: str) -> None:
        if self.tls_fault != "garbage":
            await super().smtp_STARTTLS(arg)
            return
        await self.push("220 2.0.0 Ready to start TLS")
        # Wait for the ClientHello so that the client reads our answer rather than a reset.
        await asyncio.wait_for(self._reader.read(4096), timeout=5)
        self.transport.write(b"this is not TLS\r\n")
        self.transport.close()


async def _oauth(session: _ScriptedSMTP, args: list[str], mechanism: str) -> AuthResult:
    """Take the server's token for its user; else Google's way: a JSON error challenge, then 535."""
    owner = session.owner
    assert owner is not None
    raw = args[1] if len(args) > 1 else await session.challenge_auth("")
    text = base64.b64decode(raw).decode("utf-8", "replace") if isinstance(raw, str) else bytes(raw).decode()
    pairs = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part and "," not in part[:2])
    user = pairs.get("user") if mechanism == "XOAUTH2" else text.split(",")[1].removeprefix("a=")
    owner.oauth_logins.append((mechanism, user or "", pairs.get("auth", "")))
    if user == owner.user and pairs.get("auth") == f"Bearer {owner.token}":
        return AuthResult(success=True, auth_data=LoginPassword(owner.user.encode(), b"(token)"))
    error = b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}'
    owner.oauth_answers.append(await session.challenge_auth(error))
    return AuthResult(success=False, handled=False, message="535 5.7.8 Username and Password not accepted")


async def _drop(session: SMTP) -> Any:
    session.transport.abort()
    await asyncio.sleep(_DROP_WAIT)  # connection_lost cancels this task
    return "421 4.4.2 dropped"


async def _scripted(session: _ScriptedSMTP, point: str, reply: str | None) -> Any:
    faults = session.faults
    if faults.stall and faults.stall[0] == point:
        await asyncio.sleep(faults.stall[1])
    if faults.drop == point:
        return await _drop(session)
    if faults.dribble and faults.dribble[0] == point:
        session.dribbling = faults.dribble[1]
    return MISSING if reply is None else reply


async def _echo_auth(session: _ScriptedSMTP, args: list[str]) -> bytes:
    """Refuse the login with a 535 that repeats the credentials, as base64 and decoded."""
    sent = [args[1].encode()] if len(args) > 1 else []
    if args[0].upper() == "LOGIN":
        password = await session.challenge_auth("Password:")
        if isinstance(password, bytes):
            sent.append(base64.b64encode(password))
    decoded = [base64.b64decode(item).replace(b"\0", b" ") for item in sent]
    lines = [b"535-5.7.8 you sent " + item for item in sent] + [b"535-5.7.8 that is " + d for d in decoded]
    return b"\r\n".join([*lines, b"535 5.7.8 Authentication credentials invalid"])


class _Handler:
    """aiosmtpd handler hooks: faults first, then the ordinary behaviour, then the record."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def _at(self, session: _ScriptedSMTP, point: str, reply: str | None) -> Any:
        self.server._reached[point].set()  # for tests that wait on a session being at this point
        return await _scripted(session, point, reply)

    async def handle_AUTH(self, session: _ScriptedSMTP, _s: Any, _e: Any, args: list[str]) -> Any:
        if session.faults.echo_auth:
            return await _echo_auth(session, args)
        return await self._at(session, "AUTH", session.faults.auth)

    async def handle_MAIL(self, session: _ScriptedSMTP, sess: Any, _e: Any, _addr: str, _o: list) -> Any:
        reply = await self._at(session, "MAIL", session.faults.mail)
        if reply is MISSING and self.server.auth and not sess.authenticated:
            return "530 5.7.0 Authentication required"
        return reply

    async def handle_RCPT(self, session: _ScriptedSMTP, _s: Any, _e: Any, address: str, _o: list) -> Any:
        return await self._at(session, "RCPT", session.faults.rcpt_reply(address))

    async def handle_DATA(self, session: _ScriptedSMTP, sess: Any, envelope: Any) -> Any:
        reply = await self._at(session, "DATA", session.faults.data)
        if reply is not MISSING:
            return reply
        self.server.received.append(_record(session, sess, envelope))
        if session.faults.drop == "after_DATA":
            return await _drop(session)
        return session.faults.final or "250 2.0.0 OK: queued"


def _record(session: SMTP, sess: Any, envelope: Any) -> Received:
    data = bytes(envelope.original_content)
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
    login = sess.auth_data.login.decode("utf-8", "replace") if sess.authenticated else None
    return Received(
        mail_from=envelope.mail_from,
        rcpt_tos=tuple(envelope.rcpt_tos),
        data=data,
        message_id=headers["Message-ID"].strip() if headers["Message-ID"] else None,
        peer=tuple(sess.peer),
        ehlo=sess.host_name,
        login=login,
        tls=session.transport.get_extra_info("ssl_object") is not None,
    )


class _Controller(Controller):
    """aiosmtpd's threaded controller, serving on a socket we bound ourselves (no race for the port)."""

    def __init__(self, server: SmtpServer, sock: socket.socket, **kwargs: Any) -> None:
        self.owner = server  # not .server: the base class keeps its asyncio server there
        self.sock = sock
        super().__init__(_Handler(server), hostname=HOST, port=sock.getsockname()[1], **kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self.sock, ssl=self.ssl_context)

    def factory(self) -> SMTP:
        return self.owner._new_session(_ScriptedSMTP(self.handler, **self.SMTP_kwargs))


class SmtpServer:
    """A running aiosmtpd on 127.0.0.1 that keeps every message it accepts in ``.received``."""

    def __init__(
        self, tmp_path: Path, security: Security, auth: bool, faults: Faults, user: str, password: str
    ):
        self.host, self.port = HOST, 0
        self.security, self.auth, self.user, self.password = security, auth, user, password
        self.received: list[Received] = []
        self.token = SMTP_TOKEN
        self.oauth = OAUTH_MECHANISMS  # the OAuth2 mechanisms offered (after TLS, with auth on)
        self.oauth_logins: list[tuple[str, str, str]] = []  # (mechanism, user, "Bearer ...") as received
        self.oauth_answers: list[object] = []  # what clients said to the error challenge
        self.connections = 0  # sessions opened by clients since start
        self.ca_file: Path | None = None
        self._faults, self._faulted = faults, 0
        self._armed = False  # the controller's own start-up probe gets no faults
        self._lock = threading.Lock()
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._reached = {point: threading.Event() for point in ("AUTH", "MAIL", "RCPT", "DATA")}
        self._controller: _Controller | None = None
        if security != "none":
            self.ca_file = tmp_path / f"smtp-ca-{uuid.uuid4().hex[:8]}.pem"
            authority("trusted")[0].cert_pem.write_to_path(str(self.ca_file))

    @property
    def faults(self) -> Faults:
        """The faults for the next connections; assign to change them (their `times` count restarts)."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults, self._faulted = faults, 0

    def reached(self, point: str, timeout: float = 5) -> bool:
        """Wait until a session has come to this command (AUTH, MAIL, RCPT, or DATA once the message is
        in), before any fault there; False when none did within the timeout."""
        return self._reached[point].wait(timeout)

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts this server's CA (and checks the host name)."""
        if self.ca_file is None:
            raise ValueError("this server has no TLS")
        return ssl.create_default_context(cafile=str(self.ca_file))

    def message_id_counts(self) -> collections.Counter[str | None]:
        """How many times each Message-ID was accepted (one per transaction, whatever the recipients)."""
        return collections.Counter(message.message_id for message in list(self.received))

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.security == "none":
            return None
        return server_context("untrusted" if self._faults.tls == "untrusted" else "trusted")

    def _new_session(self, session: _ScriptedSMTP) -> SMTP:
        with self._lock:
            if self._armed:
                self.connections += 1
                self._faulted += 1
                times = self._faults.times
                session.faults = self._faults if times is None or self._faulted <= times else NO_FAULTS
        session.tls_fault = self._faults.tls
        session.owner = self
        for mechanism in OAUTH_MECHANISMS:
            if mechanism not in self.oauth:
                session._auth_methods.pop(mechanism, None)
        if session.faults.echo_auth:  # offer only the mechanism whose echo is under test
            methods = session._auth_methods
            session._auth_methods = {k: v for k, v in methods.items() if k == session.faults.echo_auth}
        self._sessions.add(session)
        return session

    def start(self) -> None:
        """Bind 127.0.0.1 port 0, then serve there (implicit TLS, STARTTLS or plain)."""
        tls = self._tls_context()
        implicit = self.security == "ssl" and self._faults.tls != "garbage"
        sock = socket.socket(
            socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
        )  # asyncio sets TCP_NODELAY only then
        sock.bind((HOST, 0))
        self.port = sock.getsockname()[1]
        self._controller = _Controller(
            self,
            sock,
            server_hostname="mail.followup.test",  # else aiosmtpd asks DNS for the FQDN
            ssl_context=tls if implicit else None,
            tls_context=tls if self.security == "starttls" else None,
            require_starttls=self.security == "starttls",
            auth_require_tls=self.security == "starttls",  # implicit TLS is TLS already
            authenticator=self._authenticate,
            timeout=60,
        )
        self._controller.start()
        self._armed = True

    def _authenticate(self, _session: Any, _sess: Any, _env: Any, _mechanism: str, data: Any) -> AuthResult:
        expected = LoginPassword(self.user.encode(), self.password.encode())
        return AuthResult(success=self.auth and data == expected, handled=False, auth_data=data)

    def stop(self) -> None:
        """Hang up on every client (a stalled session too) and stop listening; safe to call twice."""
        controller, self._controller = self._controller, None
        if controller is None:
            return

        def abort_sessions() -> None:
            for session in list(self._sessions):
                if session.transport is not None:
                    session.transport.abort()

        controller.loop.call_soon_threadsafe(abort_sessions)
        controller.stop()


def smtp_env(server: SmtpServer, timeout: float = 3, **extra: str) -> dict[str, str]:
    """The FOLLOWUP_SMTP_* settings that point `followup` at this server (its CA, and its login if any),
    and `extra` settings over them."""
    env = {
        "FOLLOWUP_SMTP_HOST": server.host,
        "FOLLOWUP_SMTP_PORT": str(server.port),
        "FOLLOWUP_SMTP_SECURITY": server.security,
        "FOLLOWUP_SMTP_TIMEOUT": str(timeout),
    }
    if server.ca_file:
        env["FOLLOWUP_SMTP_CA_FILE"] = str(server.ca_file)
    if server.auth:
        env |= {"FOLLOWUP_SMTP_USER": server.user, "FOLLOWUP_SMTP_PASSWORD": server.password}
    return env | extra


def use_smtp(monkeypatch: pytest.MonkeyPatch, server: SmtpServer, **extra: str) -> None:
    """Point `followup` in this process at the server for the test (smtp_env, set with monkeypatch)."""
    for name, value in smtp_env(server, **extra).items():
        monkeypatch.setenv(name, value)


def start_smtp(
    tmp_path: Path,
    *,
    security: Security = "none",
    auth: bool | None = None,
    faults: Faults | None = None,
    user: str = SMTP_USER,
    password: str = SMTP_PASSWORD,
) -> SmtpServer:
    """Start an aiosmtpd on 127.0.0.1; AUTH (PLAIN, LOGIN) is on by default whenever TLS is.

    security: "none", "starttls" (required before anything but EHLO/NOOP/QUIT) or "ssl" (TLS on
    connect). With auth, MAIL FROM before a successful AUTH gets 530.
    """
    server = SmtpServer(
        tmp_path,
        security,
        security != "none" if auth is None else auth,
        faults or NO_FAULTS,
        user,
        password,
    )
    server.start()
    return server


@pytest.fixture
def make_smtp(tmp_path: Path) -> Iterator[Callable[..., SmtpServer]]:
    """``make_smtp(security=..., auth=..., faults=Faults(...))``: start_smtp, stopped at teardown."""
    servers: list[SmtpServer] = []

    def make(**kwargs: Any) -> SmtpServer:
        servers.append(start_smtp(tmp_path, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(make_smtp: Callable[..., SmtpServer]) -> SmtpServer:
    """Plain SMTP: no TLS, no AUTH."""
    return make_smtp()


@pytest.fixture
def smtp_tls_server(make_smtp: Callable[..., SmtpServer]) -> SmtpServer:
    """STARTTLS required, then AUTH as SMTP_USER/SMTP_PASSWORD; trust ``.ca_file``."""
    return make_smtp(security="starttls")


@pytest.fixture
def smtp_ssl_server(make_smtp: Callable[..., SmtpServer]) -> SmtpServer:
    """TLS on connect (SMTPS), then AUTH as SMTP_USER/SMTP_PASSWORD; trust ``.ca_file``."""
    return make_smtp(security="ssl")
