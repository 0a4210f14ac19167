"""The user's mailbox over IMAP, read-only: the settings, a logged-in session on one folder, and what
went wrong in plain words when there is none.

The folder is opened with EXAMINE, so nothing in it can change; the callers fetch headers only, with
BODY.PEEK. imaplib is imported late, so the idle cron path never loads it.

What a server sends is bounded: a literal larger than LITERAL_LIMIT, or more than SESSION_LIMIT bytes in
one session, ends the session with one plain line (imaplib would try to hold a literal of any announced
size in memory); imaplib itself caps a line at 1 MB.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from batch.account.settings import ImapSettings, is_loopback, keyring_password
from batch.account.token import TokenError, fetch_token, token_forms
from batch.account.wire import Cleaner, login_forms, tls_reason
from batch.errors import FollowUpError
from batch.inbox.login import LoginRefused, private_login
from batch.inbox.responses import fetched, searched

if TYPE_CHECKING:
    import imaplib
    import io

LITERAL_LIMIT = 4 * 1024 * 1024  # one message's headers or first 64 KiB, with room to spare
SESSION_LIMIT = 64 * 1024 * 1024  # all a session may bring in, lines and literals together
LOGOUT_WAIT = 5.0  # seconds a LOGOUT's answer is awaited, whatever the server sends meanwhile
_MAXLINE = 1_000_000  # imaplib's own cap on a line
_SECURE_PORTS = {"SMTP": "ssl on 465, starttls on 587", "IMAP": "ssl on 993, starttls on 143"}


class MailboxError(FollowUpError):
    """The mailbox could not be read: refused login, no connection, no such folder."""

    exit_code = 1


class SearchRefused(MailboxError):
    """The server refused one search (NO or BAD, say a charset it lacks); the session goes on."""


def log_in(settings: ImapSettings, on_this_machine: Callable[[str], bool] = is_loopback) -> imaplib.IMAP4:
    """Connect and log in, no folder open yet; a MailboxError says in plain words why not. A login
    crosses without TLS only to an address `on_this_machine` (login.py)."""
    # late: imaplib and ssl load only when the mailbox is opened
    import imaplib

    token = _token(settings)
    password = settings.password or (None if token else keyring_password(settings.user))
    if password is None and token is None:
        raise MailboxError(
            f"{settings.where}: no password for {settings.user}: set FOLLOWUP_IMAP_PASSWORD_FILE "
            "(a chmod 600 file), FOLLOWUP_IMAP_PASSWORD, FOLLOWUP_IMAP_OAUTH2_COMMAND, or yagmail's keyring "
            "entry"
        )
    try:
        client = _connect(settings)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"{settings.where}: {describe_problem(exc, settings)}") from None
    secret = token if token is not None else password or ""
    forms = token_forms(settings.user, token, settings.host, settings.port) if token else []
    speaks_clean(client, Cleaner([*login_forms(settings.user, password), *forms]))
    try:
        private_login(client, settings, secret, token is not None, on_this_machine)
    except LoginRefused as exc:
        log_out(client)
        raise MailboxError(f"{settings.where}: {exc}") from None
    except imaplib.IMAP4.abort as exc:
        log_out(client)
        raise MailboxError(f"{settings.where}: {describe_problem(exc, settings)}") from None
    except imaplib.IMAP4.error as exc:
        log_out(client)
        said = _words(exc, cleaner_of(client))  # a server may echo the login
        raise MailboxError(
            f"{settings.where}: login refused ({said}): wrong user or password "
            "(Gmail: an app password, which needs 2-step verification, and IMAP turned on)"
        ) from None
    except OSError as exc:
        log_out(client)
        raise MailboxError(f"{settings.where}: {describe_problem(exc, settings)}") from None
    return client


def _token(settings: ImapSettings) -> str | None:
    """A fresh access token from FOLLOWUP_IMAP_OAUTH2_COMMAND, if set; MailboxError if none comes."""
    if settings.oauth2_command is None:
        return None
    try:
        return fetch_token(settings.oauth2_command, "FOLLOWUP_IMAP_OAUTH2_COMMAND", settings.timeout)
    except TokenError as exc:
        raise MailboxError(f"{settings.where}: {exc}") from None


def open_mailbox(settings: ImapSettings) -> imaplib.IMAP4:
    """Connect, log in and EXAMINE the folder (read-only); a MailboxError says in plain words why not."""
    # late: imaplib and ssl load only when the mailbox is opened
    import imaplib

    client = log_in(settings)
    try:
        kind, data = client.select(quoted(settings.folder), readonly=True)
    except (OSError, imaplib.IMAP4.error) as exc:
        log_out(client)
        raise MailboxError(f"{settings.where}: {describe_problem(exc, settings)}") from None
    if kind != "OK":
        log_out(client)
        raise MailboxError(
            f"{settings.where}: no folder {settings.folder!r} ({text_of(data, cleaner_of(client))}); "
            "set FOLLOWUP_IMAP_FOLDER to the folder's IMAP name"
        )
    return client


def search(client: imaplib.IMAP4, criteria: tuple[str, ...], value: str) -> set[bytes]:
    """UID SEARCH in the examined folder; a value that is not ASCII goes as a UTF-8 literal (last).
    SearchRefused when the server refuses this search (RFC 3501 asks only for US-ASCII)."""
    try:
        if value.isascii():
            kind, data = client.uid("SEARCH", *criteria, quoted(value))
        else:
            # typeshed says str, but imaplib sends the literal as it is: it must be bytes
            client.literal = value.encode("utf-8")  # type: ignore[assignment]
            kind, data = client.uid("SEARCH", "CHARSET", "UTF-8", *criteria)
    except client.abort:  # the session is gone: not one search's refusal
        raise
    except client.error as exc:  # a BAD: the command ended, the session goes on
        raise SearchRefused(f"the server refused a search ({_words(exc, cleaner_of(client))})") from None
    if kind != "OK":
        raise SearchRefused(f"the server refused a search ({text_of(data, cleaner_of(client))})")
    return searched(data)


def fetch(client: imaplib.IMAP4, uids: list[bytes], what: str) -> list[tuple[bytes, bytes | None]]:
    """(UID, bytes) of each message asked for, for a BODY.PEEK item (nothing is marked \\Seen); None for
    a message whose body the server sent as NIL. The answer is read in any order RFC 3501 allows
    (responses.py)."""
    if not uids:
        return []
    kind, data = client.uid("FETCH", b",".join(uids).decode("ascii"), what)
    if kind != "OK":
        raise MailboxError(f"the server refused to fetch messages ({text_of(data, cleaner_of(client))})")
    asked = set(uids)
    return [(uid, body) for uid, body in fetched(data) if uid in asked]


def uid_validity(client: imaplib.IMAP4) -> str:
    """The examined folder's UIDVALIDITY (a UID names one message while it stays); "" if none was sent."""
    _, data = client.response("UIDVALIDITY")
    return text_of(data, cleaner_of(client)) if data and data[-1] else ""  # it is kept in the ledger


def message_count(client: imaplib.IMAP4) -> int:
    """How many messages the examined folder holds."""
    kind, data = client.uid("SEARCH", "ALL")
    return len(searched(data)) if kind == "OK" else 0


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    # late: imaplib and ssl load only when the mailbox is opened
    import imaplib

    if settings.security == "ssl":
        context = ssl.create_default_context(cafile=settings.ca_file)
        return bounded(
            imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context, timeout=settings.timeout)
        )
    client = bounded(imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout))
    if (
        settings.security == "starttls"
    ):  # the certificates are loaded (~20 ms) only for a connection that uses them
        try:
            client.starttls(ssl_context=ssl.create_default_context(cafile=settings.ca_file))
        except BaseException:
            log_out(client)
            raise
    return client


def bounded(client: imaplib.IMAP4) -> imaplib.IMAP4:
    """The client, its reads capped: a literal past LITERAL_LIMIT or a session past SESSION_LIMIT aborts
    it (the greeting, read before, is one line that imaplib caps itself); and once a deadline is set
    (`until`), no read ends after it, however slowly the server drips its answer."""
    read, readline = client.read, client.readline
    total = [0]

    def take(size: int) -> None:
        total[0] += size
        if total[0] > SESSION_LIMIT:
            raise client.abort(f"the server sent more than {SESSION_LIMIT // 2**20} MB in one session")

    def read_bounded(size: int) -> bytes:
        if size > LITERAL_LIMIT:
            raise client.abort(f"the server announced {size} bytes in one answer (at most {LITERAL_LIMIT})")
        take(size)
        ends = getattr(client, "_followup_until", None)
        return read(size) if ends is None else _before(client, ends, size, b"")

    def readline_bounded() -> bytes:
        ends = getattr(client, "_followup_until", None)
        line = readline() if ends is None else _before(client, ends, _MAXLINE, b"\n")
        take(len(line))
        return line

    # imaplib reads every line and literal through these two methods of the instance
    client.read = read_bounded  # type: ignore[method-assign]
    client.readline = readline_bounded  # type: ignore[method-assign]
    return client


def until(client: imaplib.IMAP4, seconds: float) -> None:
    """From now on, every read of this client ends within `seconds` (bounded); a sooner deadline set
    before stays."""
    ends = time.monotonic() + seconds
    client._followup_until = min(ends, getattr(client, "_followup_until", None) or ends)  # type: ignore[attr-defined]


def _before(client: imaplib.IMAP4, ends: float, size: int, stop: bytes) -> bytes:
    """Up to `size` bytes (up to and with `stop`, when given), each socket read given only the time
    left before `ends`: a server dripping a byte a second cannot stretch one line past the deadline."""
    stream = cast("io.BufferedReader", client.file)
    timeout = client.sock.gettimeout()
    got = bytearray()
    while len(got) < size and not (stop and got.endswith(stop)):
        left = ends - time.monotonic()
        if left <= 0:
            raise client.abort("no complete answer before the deadline")
        client.sock.settimeout(left if timeout is None else min(timeout, left))
        ahead = stream.peek(1)[: size - len(got)]  # at most one read of the socket
        if not ahead:
            break  # the server hung up: imaplib says so
        end = ahead.find(stop) if stop else -1
        got += stream.read(end + 1 if end >= 0 else len(ahead))
    if stop and len(got) >= size and not got.endswith(stop):
        raise client.error(f"got more than {size} bytes")
    return bytes(got)


def speaks_clean(client: imaplib.IMAP4, clean: Cleaner) -> None:
    """From now on every error this client raises carries the server's words cleaned of the login (a
    server may echo the LOGIN line in a BYE, a NO or a BAD, at any command), and cleaner_of(client) gives
    the cleaner for the words of a NO it returns. The one place the IMAP server's words are made safe:
    whoever shows an error of this client (send, plan, doctor, cron.log) shows it clean."""

    base_error, base_abort, base_readonly = client.error, client.abort, client.readonly

    class Error(base_error):  # type: ignore[misc,valid-type]
        def __init__(self, *args: object) -> None:
            super().__init__(*(clean(a) if isinstance(a, str | bytes) else a for a in args))

    class Abort(base_abort, Error):  # type: ignore[misc,valid-type]
        pass

    class ReadOnly(base_readonly, Abort):  # type: ignore[misc,valid-type]
        pass

    # imaplib raises and catches through the instance (self.abort(...), except self.abort): subclasses
    # of its own classes, so every except clause, ours or imaplib's, still matches
    client.error, client.abort, client.readonly = Error, Abort, ReadOnly
    client._followup_clean = clean  # type: ignore[attr-defined]


def cleaner_of(client: imaplib.IMAP4) -> Cleaner:
    """The cleaner for this client's words (speaks_clean), or one that only makes them one line."""
    found = getattr(client, "_followup_clean", None)
    return found if isinstance(found, Cleaner) else Cleaner()


def log_out(client: imaplib.IMAP4) -> None:
    """LOGOUT, its answer awaited LOGOUT_WAIT at most (a server may drip it), then the socket closed."""
    with contextlib.suppress(Exception):  # the server may have hung up already
        until(client, LOGOUT_WAIT)
        client.logout()
    hang_up(client)


def hang_up(client: imaplib.IMAP4) -> None:
    """Close the connection without a word: after Ctrl-C or the run's deadline, no LOGOUT is awaited."""
    with contextlib.suppress(Exception):  # closed already, or never fully open
        client.shutdown()


def describe_problem(exc: BaseException, settings: ImapSettings) -> str:
    """What went wrong reaching the IMAP server, in plain words."""
    return connection_problem(exc, "IMAP", settings.timeout)


def connection_problem(exc: BaseException, service: str, timeout: float) -> str:
    """Why a connection to an SMTP or IMAP server failed, in plain words naming the setting to check."""
    prefix, ports = f"FOLLOWUP_{service}", _SECURE_PORTS[service]
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS failed: the server's certificate is not trusted ({exc.verify_message}); "
            f"set {prefix}_CA_FILE for a private CA, or check the host name"
        )
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS failed ({tls_reason(exc)}); {prefix}_SECURITY may not match the port ({ports})"
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"no answer within {timeout:g} s; check the host, the port and {prefix}_SECURITY ({ports})"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused: nothing answers there; check {prefix}_HOST and {prefix}_PORT"
    if isinstance(exc, socket.gaierror):
        return f"the host name does not resolve; check {prefix}_HOST"
    words = str(exc).lower()
    if "tls not supported" in words or "starttls extension" in words or "establish tls" in words:
        return f"the server offers no STARTTLS here; {prefix}_SECURITY does not match this port ({ports})"
    if isinstance(exc, ConnectionError | EOFError) or "closed" in words:
        return f"the server closed the connection; if at once, check the port and {prefix}_SECURITY ({ports})"
    return Cleaner()(exc) or "the connection failed for a reason the system did not give"


def _words(exc: BaseException, clean: Cleaner) -> str:
    """imaplib's error text without the bytes repr around the server's words, cleaned."""
    args = exc.args[0] if exc.args else ""
    return text_of(args if isinstance(args, bytes) else str(exc), clean)


def quoted(text: str) -> str:
    """A string as an IMAP quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_of(data: object, clean: Cleaner | None = None) -> str:
    """imaplib's response data (bytes, or a list of them) as one line of text without control characters
    (and, given a cleaner made with the login, without anything the login sent)."""
    if isinstance(data, list | tuple):
        data = b" ".join(d for d in data if isinstance(d, bytes))
    return (clean or Cleaner())(data)
