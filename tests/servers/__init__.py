"""Real local mail servers for the tests: aiosmtpd (plain, STARTTLS, SMTPS, scripted faults) and dovecot.

Everything listens on 127.0.0.1 on a port chosen at run time: `smtp` (its fixtures, `Faults`,
`start_smtp`, `smtp_env`), `imap` (dovecot), `tls` (the certificates), `net` (the address and a free
port). conftest registers `smtp` and `imap` as pytest plugins; tests import from here.
"""

from __future__ import annotations

from .imap import IMAP_PASSWORD, IMAP_USER, ImapServer, imap_login
from .net import HOST, free_port
from .smtp import (
    DROP_POINTS,
    NO_FAULTS,
    SMTP_PASSWORD,
    SMTP_USER,
    STALL_POINTS,
    TLS_FAULTS,
    Faults,
    Received,
    SmtpServer,
    smtp_env,
    start_smtp,
    use_smtp,
)

__all__ = [
    "DROP_POINTS",
    "HOST",
    "IMAP_PASSWORD",
    "IMAP_USER",
    "NO_FAULTS",
    "SMTP_PASSWORD",
    "SMTP_USER",
    "STALL_POINTS",
    "TLS_FAULTS",
    "Faults",
    "ImapServer",
    "Received",
    "SmtpServer",
    "free_port",
    "imap_login",
    "smtp_env",
    "start_smtp",
    "use_smtp",
]
