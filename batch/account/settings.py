"""Mail settings from the environment, SMTP for sending and IMAP for reading: one reader for both.

Kept apart from the transports so that reading them imports nothing heavy: `send` reads them on every
cron run, also when nothing is due, and refuses a misspelt or unknown FOLLOWUP_SMTP_*/FOLLOWUP_IMAP_*
name there and then (a typo would otherwise be a setting silently not set).

Past 400 lines: one reader for both services' settings, each check beside the value it checks (the
login's safety rules too: no control characters, no login in clear but to this machine).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from batch.errors import InputError

SECURITIES = ("ssl", "starttls", "none")
_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
_IMAP_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
_COMMON = ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "PASSWORD_FILE", "CA_FILE", "TIMEOUT")
KNOWN = frozenset(
    [f"FOLLOWUP_SMTP_{name}" for name in (*_COMMON, "OAUTH2_FILE", "OAUTH2_COMMAND")]
    + [f"FOLLOWUP_IMAP_{name}" for name in (*_COMMON, "OAUTH2_COMMAND", "FOLDER", "SENT_COPY", "SENT_FOLDER")]
)
# Where a login may cross without TLS (FOLLOWUP_*_SECURITY=none): a server on this machine only.
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
# A host name or an address: letters, digits, dots, hyphens (colons for IPv6), nothing that could
# split a line or carry a second word.
_HOST = re.compile(r"[A-Za-z0-9_.:-]+")
PASSWORD_FILE_MAX = 64 * 1024  # a password is a line: a larger file is a wrong path, never read whole
MAX_SECONDS = 3600  # a longer wait is a mistake; socket timeouts overflow somewhere above 1e9
_OAUTH2_KEYS = ("google_client_id", "google_client_secret", "google_refresh_token")
NON_ASCII_PASSWORD = (
    "the password has characters outside ASCII, which SMTP AUTH PLAIN/LOGIN cannot carry here; "
    "use a password of ASCII letters, digits and signs (an app password is one)"
)


# NamedTuples, as every record of the idle cron path (see errors.Problem). As a tuple, one would show its
# password in its repr and in a list that json.dumps made of it: the repr leaves it out (as the dataclass's
# field(repr=False) did), and neither is ever written as JSON.
class SmtpSettings(NamedTuple):
    """How to reach the SMTP server (from FOLLOWUP_SMTP_* in the environment)."""

    host: str
    port: int
    security: str
    user: str | None = None
    password: str | None = None  # never in the repr
    oauth2_file: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0
    oauth2_command: str | None = None  # prints an access token (token.py)

    def __repr__(self) -> str:
        return _repr_without_password(self)

    @property
    def has_login(self) -> bool:
        """Whether anything secret crosses: a user name means a password, a keyring entry or a token."""
        return self.user is not None


class ImapSettings(NamedTuple):
    """How to reach the mailbox (from FOLLOWUP_IMAP_* in the environment)."""

    host: str
    port: int
    security: str
    user: str
    password: str | None = None  # never in the repr
    folder: str = "INBOX"
    ca_file: str | None = None
    timeout: float = 30.0
    oauth2_command: str | None = None  # prints an access token (token.py)

    def __repr__(self) -> str:
        return _repr_without_password(self)

    @property
    def where(self) -> str:
        """The server, as messages name it."""
        return f"IMAP {self.host}:{self.port} ({self.security})"


def _repr_without_password(settings: SmtpSettings | ImapSettings) -> str:
    shown = ", ".join(f"{name}={value!r}" for name, value in settings._asdict().items() if name != "password")
    return f"{type(settings).__name__}({shown})"


def check_names(env: Mapping[str, str]) -> None:
    """InputError for a FOLLOWUP_SMTP_* or FOLLOWUP_IMAP_* name that is no setting (a typo, or one we
    do not read), with the nearest real one."""
    for name in sorted(env):
        if name.startswith(("FOLLOWUP_SMTP_", "FOLLOWUP_IMAP_")) and name not in KNOWN:
            # late: only a misspelt name needs a suggestion
            import difflib

            near = difflib.get_close_matches(name, sorted(KNOWN), n=1, cutoff=0.8)
            hint = f"did you mean {near[0]}?" if near else "the guide's SMTP page lists the settings"
            raise InputError(f"{name}: not a setting ({hint})")


def mail_settings(env: Mapping[str, str]) -> tuple[SmtpSettings | None, ImapSettings | None]:
    """Every mail setting, checked at once: what `send` needs before it does anything."""
    check_names(env)
    return smtp_settings(env), imap_settings(env)


def check_controls(env: Mapping[str, str]) -> None:
    """InputError for a FOLLOWUP_* value holding a control character (a CR LF in a user name or password
    would end our command and start another on the server's side), naming the setting, never the value."""
    for name in sorted(env):
        if not name.startswith("FOLLOWUP_"):
            continue
        value = env[name]
        bad = next((i for i, c in enumerate(value) if ord(c) < 32 or 127 <= ord(c) < 160), None)
        if bad is not None:
            code = ord(value[bad])
            raise InputError(
                f"{name}: holds a control character (0x{code:02x}, at character {bad + 1}); a line break "
                "or the like in a setting is never part of a login, host or address: remove it"
            )


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine (127.0.0.0/8, ::1, localhost)."""
    # late: ipaddress only when a server without TLS is set
    import ipaddress

    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_clear_login(name: str, host: str, security: str, has_login: bool) -> None:
    """A login without TLS only to this machine (a test server, a local relay, Proton Mail Bridge)."""
    if security == "none" and has_login and not is_loopback(host):
        raise InputError(
            f"{name}: none would send the login in clear to {host}; it is allowed only for a "
            "server on this machine (127.0.0.1, ::1, localhost): use ssl or starttls"
        )


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    """The SMTP settings in an environment, or None when FOLLOWUP_SMTP_HOST is not set."""
    check_controls(env)
    server = _server(env, ("FOLLOWUP_SMTP_HOST", "FOLLOWUP_SMTP_SECURITY", "FOLLOWUP_SMTP_PORT"), _PORTS)
    if server is None:
        return None
    host, security, port = server
    timeout = seconds_setting(env, "FOLLOWUP_SMTP_TIMEOUT")
    user = env.get("FOLLOWUP_SMTP_USER", "").strip() or None
    password, source = env.get("FOLLOWUP_SMTP_PASSWORD") or None, "FOLLOWUP_SMTP_PASSWORD"
    password_file = env.get("FOLLOWUP_SMTP_PASSWORD_FILE", "").strip()
    if password_file:
        password, source = read_password_file(Path(password_file)), "FOLLOWUP_SMTP_PASSWORD_FILE"
    if user is not None:
        _check_ascii_login(user, password, source)
    _check_clear_login("FOLLOWUP_SMTP_SECURITY", host, security, user is not None)
    command = command_setting(env, "FOLLOWUP_SMTP_OAUTH2_COMMAND", needs="FOLLOWUP_SMTP_USER", user=user)
    oauth2_file = oauth2_setting(env)
    if oauth2_file is not None and user is None:
        raise InputError("FOLLOWUP_SMTP_OAUTH2_FILE: needs FOLLOWUP_SMTP_USER (the Gmail address it is for)")
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        user=user,
        password=password,
        oauth2_file=oauth2_file,
        ca_file=ca_file_setting(env, "FOLLOWUP_SMTP_CA_FILE"),
        timeout=timeout,
        oauth2_command=command,
    )


def imap_settings(env: Mapping[str, str]) -> ImapSettings | None:
    """The IMAP settings in an environment, or None when FOLLOWUP_IMAP_HOST is not set."""
    check_controls(env)
    server = _server(env, ("FOLLOWUP_IMAP_HOST", "FOLLOWUP_IMAP_SECURITY", "FOLLOWUP_IMAP_PORT"), _IMAP_PORTS)
    if server is None:
        return None
    host, security, port = server
    user = env.get("FOLLOWUP_IMAP_USER", "").strip()
    if not user:
        raise InputError("FOLLOWUP_IMAP_USER: not set (the mailbox's login, often your address)")
    _check_clear_login("FOLLOWUP_IMAP_SECURITY", host, security, True)
    timeout = seconds_setting(env, "FOLLOWUP_IMAP_TIMEOUT")
    folder = env.get("FOLLOWUP_IMAP_FOLDER", "").strip() or "INBOX"
    if not folder.isascii() or not folder.isprintable():
        raise InputError(f"FOLLOWUP_IMAP_FOLDER: {folder!r}: give the folder's IMAP name (ASCII)")
    password = env.get("FOLLOWUP_IMAP_PASSWORD") or None
    password_file = env.get("FOLLOWUP_IMAP_PASSWORD_FILE", "").strip()
    if password_file:
        password = read_password_file(Path(password_file), "FOLLOWUP_IMAP_PASSWORD_FILE")
    return ImapSettings(
        host=host,
        port=port,
        security=security,
        user=user,
        password=password,
        folder=folder,
        ca_file=ca_file_setting(env, "FOLLOWUP_IMAP_CA_FILE"),
        timeout=timeout,
        oauth2_command=command_setting(env, "FOLLOWUP_IMAP_OAUTH2_COMMAND"),
    )


def _server(
    env: Mapping[str, str], names: tuple[str, str, str], ports: Mapping[str, int]
) -> tuple[str, str, int] | None:
    """Host, security and port (by default the security's) under these three names; None without a host.

    The names are spelled out by the callers, so that a search for a setting finds where it is read.
    """
    host_name, security_name, port_name = names
    host = host_setting(env, host_name)
    if not host:
        return None
    security = security_setting(env, security_name)
    return host, security, port_setting(env, port_name, ports[security])


def host_setting(env: Mapping[str, str], name: str) -> str:
    """A server's name or address, or "" when not set; one word of host characters."""
    text = env.get(name, "").strip()
    if text and not _HOST.fullmatch(text):
        shown = text.encode("unicode_escape").decode("ascii")  # a control character stays on this line
        raise InputError(f"{name}: {shown!r} is not a host name (e.g. smtp.example.com; an IDN as xn--…)")
    return text


def security_setting(env: Mapping[str, str], name: str) -> str:
    """ssl, starttls or none (default ssl)."""
    security = env.get(name, "ssl").strip().lower()
    if security not in SECURITIES:
        shown = security.encode("unicode_escape").decode("ascii")
        raise InputError(f"{name}: {shown!r} is not one of ssl, starttls, none")
    return security


CA_FILE_MAX = 16 << 20  # bytes: a few hundred certificates take well under one


def ca_file_setting(env: Mapping[str, str], name: str) -> str | None:
    """A certificate file to trust, which must be a file we can read (checked now, not at the handshake)."""
    text = env.get(name, "").strip()
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_file():
        raise InputError(f"{name}: {path} is not a file (a PEM file of the certificate to trust)")
    with contextlib.suppress(OSError):  # unreadable: _check_certificates says so
        if path.stat().st_size > CA_FILE_MAX:  # loading it would take minutes and gigabytes
            raise InputError(f"{name}: {path} is too large for a certificate file (more than "
                             f"{CA_FILE_MAX >> 20} MiB; the whole system store is under 1 MiB)")  # fmt: skip
    _check_certificates(path, name)
    return str(path)  # the file checked is the file the handshake loads, also when given as ~/...


def _check_certificates(path: Path, name: str) -> None:
    """Refuse a CA file without a certificate: found at the handshake, it looked like a server fault."""
    import ssl  # only when a CA file is set: the idle cron run without one never pays for it

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=str(path))
        found = context.cert_store_stats()["x509"]  # an empty file loads without a word, as does a CRL alone
    except ssl.SSLError:  # garbage, a key alone, DER, a broken block: the same refusal at every handshake
        found = 0
    except OSError as exc:
        raise InputError(f"{name}: cannot read {path} ({exc.strerror})") from None
    if not found:
        raise InputError(
            f"{name}: {path} holds no certificate that can be read (give a PEM file with the certificate to "
            "trust, the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----)"
        )


def port_setting(env: Mapping[str, str], name: str, default: int) -> int:
    """A port number setting: ASCII digits, 1-65535 (str.isdigit alone takes "²" and "١")."""
    text = env.get(name, "").strip() or str(default)
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 65536):
        raise InputError(f"{name}: {text!r} is not a port number (1-65535)")
    return int(text)


def seconds_setting(env: Mapping[str, str], name: str, default: float = 30.0) -> float:
    """A timeout setting: a number of seconds above 0 and at most MAX_SECONDS (no nan, no inf)."""
    text = env.get(name, "").strip() or f"{default:g}"
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_SECONDS:  # nan fails every comparison
        raise InputError(
            f"{name}: {text!r} is not a number of seconds above 0 and at most {MAX_SECONDS} (e.g. 30)"
        )
    return seconds


RUN_DEADLINE = 3600.0  # seconds a whole `send` may take by default (FOLLOWUP_RUN_DEADLINE)
RUN_DEADLINE_MAX = 86400.0


def run_deadline(env: Mapping[str, str]) -> float:
    """FOLLOWUP_RUN_DEADLINE: seconds the whole run may take (default an hour, at most a day)."""
    name = "FOLLOWUP_RUN_DEADLINE"
    text = env.get(name, "").strip() or f"{RUN_DEADLINE:g}"
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= RUN_DEADLINE_MAX:  # nan fails every comparison
        shown = text.encode("unicode_escape").decode("ascii")
        raise InputError(f"{name}: {shown!r} is not a number of seconds above 0 and at most "
                         f"{RUN_DEADLINE_MAX:g} (default {RUN_DEADLINE:g}, an hour)")  # fmt: skip
    return seconds


def _check_ascii_login(user: str, password: str | None, source: str) -> None:
    # smtplib encodes AUTH as ASCII; its UnicodeEncodeError would name the character and its position.
    if not user.isascii():
        raise InputError(
            "FOLLOWUP_SMTP_USER: the login has characters outside ASCII, which SMTP AUTH PLAIN/LOGIN cannot "
            "carry here; give its ASCII form (a domain as xn--...)"
        )
    if password is not None and not password.isascii():
        raise InputError(f"{source}: {NON_ASCII_PASSWORD}")


def oauth2_setting(env: Mapping[str, str]) -> str | None:
    """FOLLOWUP_SMTP_OAUTH2_FILE, checked now: yagmail asks at the terminal for whatever the file lacks,
    which under cron ends in EOFError."""
    text = env.get("FOLLOWUP_SMTP_OAUTH2_FILE", "").strip()
    if not text:
        return None
    # late: only an OAuth2 file is JSON; most runs read none
    import json

    name, path = "FOLLOWUP_SMTP_OAUTH2_FILE", Path(text).expanduser()
    try:
        if not path.is_file():  # a folder or a FIFO: reading it fails or waits forever
            raise InputError(f"{name}: {path} is not a file (yagmail's OAuth2 JSON file)")
        _check_password_file(path.stat(), path, name)  # a client secret and a refresh token: yours alone
        info = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{name}: cannot read {path} ({exc.strerror})") from None
    except ValueError:  # not UTF-8, or not JSON
        raise InputError(f"{name}: {path} is not a JSON file (yagmail's OAuth2 file)") from None
    missing = [
        key for key in _OAUTH2_KEYS if not isinstance(info, dict) or not str(info.get(key) or "").strip()
    ]
    if missing:
        raise InputError(
            f"{name}: {path} lacks {', '.join(missing)} (make it once by hand with yagmail, then point here)"
        )
    return text


def command_setting(
    env: Mapping[str, str], name: str, needs: str | None = None, user: str | None = None
) -> str | None:
    """An OAuth2 token command, checked to parse now (it runs at the login, when a token is needed)."""
    text = env.get(name, "").strip()
    if not text:
        return None
    # late: token.py parses with shlex; only a set command needs it
    from batch.account.token import parse_command

    parse_command(text, name)
    if needs is not None and user is None:
        raise InputError(f"{name}: needs {needs} (the account the token is for, your address)")
    return text


def read_password_file(path: Path, setting: str = "FOLLOWUP_SMTP_PASSWORD_FILE") -> str:
    """The first line of a password file that only its owner can read (`setting` names it in errors)."""
    try:
        _check_password_file(os.stat(path), path, setting)  # a folder or a device: no chmod advice for them
        # Non-blocking: a FIFO put there after the check never waits for a writer; fstat sees what was opened.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        with open(fd, "rb") as handle:
            _check_password_file(os.fstat(fd), path, setting)
            raw = handle.read(PASSWORD_FILE_MAX + 1)  # never the whole file: it may be gigabytes
    except OSError as exc:
        raise InputError(f"{setting}: cannot read {path} ({exc.strerror})") from None
    if len(raw) > PASSWORD_FILE_MAX:  # it grew after fstat
        raise InputError(_too_large(setting, path))
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:  # its message would show the byte and where it sits in the password
        raise InputError(
            f"{setting}: {path} is not UTF-8 text; save it as UTF-8 (or use a password of ASCII characters)"
        ) from None
    if not lines or not lines[0].strip():
        raise InputError(f"{setting}: {path} is empty")
    return lines[0].strip()


def _check_password_file(status: os.stat_result, path: Path, setting: str) -> None:
    """A regular file, of a password's size, that its owner alone can read (in that order)."""
    if not stat.S_ISREG(status.st_mode):
        raise InputError(f"{setting}: {path} is not a regular file (give the file that holds the password)")
    if status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(f"{setting}: {path} can be read by others (run: chmod 600 {path})")
    if status.st_size > PASSWORD_FILE_MAX:
        raise InputError(_too_large(setting, path))


def _too_large(setting: str, path: Path) -> str:
    return (
        f"{setting}: {path} is too large for a password file (more than {PASSWORD_FILE_MAX // 1024} KiB); "
        "it holds the password alone, on its first line"
    )


def keyring_password(user: str) -> str | None:
    """yagmail's keyring entry for the user, if a keyring is there to ask."""
    try:
        # late: keyring loads its backends (slow), and most users set a password file
        import keyring

        password: str | None = keyring.get_password("yagmail", user)  # keyring is untyped here
        return password
    except Exception:  # no keyring package or no backend: both mean "no entry"
        return None
