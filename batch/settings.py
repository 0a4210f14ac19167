"""Mail settings from the environment: SMTP for sending, and the password rules IMAP shares.

Kept apart from the transports so that reading them imports nothing heavy: `send` reads them on every
cron run, also when nothing is due.
"""

from __future__ import annotations

import math
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

SECURITIES = ("ssl", "starttls", "none")
_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
MAX_SECONDS = 3600  # a longer wait is a mistake; socket timeouts overflow somewhere above 1e9
_OAUTH2_KEYS = ("google_client_id", "google_client_secret", "google_refresh_token")
NON_ASCII_PASSWORD = (
    "the password has characters outside ASCII, which SMTP AUTH PLAIN/LOGIN cannot carry here; "
    "use a password of ASCII letters, digits and signs (an app password is one)"
)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the SMTP server (from FOLLOWUP_SMTP_* in the environment)."""

    host: str
    port: int
    security: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    oauth2_file: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    """The SMTP settings in an environment, or None when FOLLOWUP_SMTP_HOST is not set."""
    host = env.get("FOLLOWUP_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("FOLLOWUP_SMTP_SECURITY", "ssl").strip().lower()
    if security not in SECURITIES:
        raise InputError(f"FOLLOWUP_SMTP_SECURITY: {security!r} is not one of ssl, starttls, none")
    port = port_setting(env, "FOLLOWUP_SMTP_PORT", _PORTS[security])
    timeout = seconds_setting(env, "FOLLOWUP_SMTP_TIMEOUT")
    user = env.get("FOLLOWUP_SMTP_USER", "").strip() or None
    password, source = env.get("FOLLOWUP_SMTP_PASSWORD") or None, "FOLLOWUP_SMTP_PASSWORD"
    password_file = env.get("FOLLOWUP_SMTP_PASSWORD_FILE", "").strip()
    if password_file:
        password, source = read_password_file(Path(password_file)), "FOLLOWUP_SMTP_PASSWORD_FILE"
    if user is not None:
        _check_ascii_login(user, password, source)
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        user=user,
        password=password,
        oauth2_file=oauth2_setting(env),
        ca_file=env.get("FOLLOWUP_SMTP_CA_FILE", "").strip() or None,
        timeout=timeout,
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
    import json

    name, path = "FOLLOWUP_SMTP_OAUTH2_FILE", Path(text).expanduser()
    try:
        if not path.is_file():  # a folder or a FIFO: reading it fails or waits forever
            raise InputError(f"{name}: {path} is not a file (yagmail's OAuth2 JSON file)")
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


def read_password_file(path: Path, setting: str = "FOLLOWUP_SMTP_PASSWORD_FILE") -> str:
    """The first line of a password file that only its owner can read (`setting` names it in errors)."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InputError(f"{setting}: {path} can be read by others (run: chmod 600 {path})")
        if not stat.S_ISREG(mode):
            raise InputError(f"{setting}: {path} is not a file")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{setting}: cannot read {path} ({exc.strerror})") from None
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:  # its message would show the byte and where it sits in the password
        raise InputError(
            f"{setting}: {path} is not UTF-8 text; save it as UTF-8 (or use a password of ASCII characters)"
        ) from None
    if not lines or not lines[0].strip():
        raise InputError(f"{setting}: {path} is empty")
    return lines[0].strip()


def keyring_password(user: str) -> str | None:
    """yagmail's keyring entry for the user, if a keyring is there to ask."""
    try:
        import keyring

        password: str | None = keyring.get_password("yagmail", user)  # keyring is untyped here
        return password
    except Exception:  # no keyring package or no backend: both mean "no entry"
        return None
