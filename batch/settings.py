"""Mail settings from the environment: SMTP for sending, and the password rules IMAP shares.

Kept apart from the transports so that reading them imports nothing heavy: `send` reads them on every
cron run, also when nothing is due.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

SECURITIES = ("ssl", "starttls", "none")
_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


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
    port_text = env.get("FOLLOWUP_SMTP_PORT", "").strip() or str(_PORTS[security])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(f"FOLLOWUP_SMTP_PORT: {port_text!r} is not a port number")
    timeout_text = env.get("FOLLOWUP_SMTP_TIMEOUT", "30")
    try:
        timeout = float(timeout_text)
    except ValueError:
        raise InputError(f"FOLLOWUP_SMTP_TIMEOUT: {timeout_text!r} is not a number of seconds") from None
    password = env.get("FOLLOWUP_SMTP_PASSWORD") or None
    password_file = env.get("FOLLOWUP_SMTP_PASSWORD_FILE", "").strip()
    if password_file:
        password = read_password_file(Path(password_file))
    return SmtpSettings(
        host=host,
        port=int(port_text),
        security=security,
        user=env.get("FOLLOWUP_SMTP_USER", "").strip() or None,
        password=password,
        oauth2_file=env.get("FOLLOWUP_SMTP_OAUTH2_FILE", "").strip() or None,
        ca_file=env.get("FOLLOWUP_SMTP_CA_FILE", "").strip() or None,
        timeout=timeout,
    )


def read_password_file(path: Path, setting: str = "FOLLOWUP_SMTP_PASSWORD_FILE") -> str:
    """The first line of a password file that only its owner can read (`setting` names it in errors)."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InputError(f"{setting}: {path} can be read by others (run: chmod 600 {path})")
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{setting}: cannot read {path} ({exc.strerror})") from None
    if not lines or not lines[0].strip():
        raise InputError(f"{setting}: {path} is empty")
    return lines[0].strip()


def keyring_password(user: str) -> str | None:
    """yagmail's keyring entry for the user, if a keyring is there to ask."""
    try:
        import keyring

        return keyring.get_password("yagmail", user)
    except Exception:  # no keyring package or no backend: both mean "no entry"
        return None
