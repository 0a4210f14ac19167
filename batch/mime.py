"""Rendered follow-ups → finished mail: headers set once each, a text and an HTML part, as bytes.

The bytes are written with the standard library's encoders but without building an EmailMessage,
which costs more than the rest of rendering put together; the tests prove that what `email` parses
back equals a message built the slow way.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.header import Header
from email.utils import format_datetime, formataddr

from .errors import InputError

Address = tuple[str, str]  # (display name, address)
_CRLF = "\r\n"


@dataclass(frozen=True, slots=True)
class Message:
    """A finished email: who it goes to on the envelope, its Message-ID and its bytes."""

    key: str
    sender: str  # envelope sender
    recipient: str  # envelope recipient
    message_id: str
    subject: str
    data: bytes


def new_message_id(sender: str, moment: datetime) -> str:
    """A unique Message-ID on the sender's domain (made once, kept in the ledger for retries)."""
    domain = ascii_address(sender).rpartition("@")[2]
    return f"<{moment:%Y%m%d%H%M%S}.{secrets.token_hex(8)}@{domain}>"


def ascii_address(address: str) -> str:
    """The address with an internationalised domain in its ASCII (IDNA) form."""
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        raise InputError(f"{address}: a non-ASCII name before the @ needs SMTPUTF8, which is not supported")
    if domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise InputError(f"{address}: the domain is not a valid internationalised name") from None


def build(
    *,
    key: str,
    sender: Address,
    to: Address,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date: datetime,
    reply_to: Address | None = None,
) -> Message:
    """The message as bytes ready for SMTP (CRLF line ends, 7-bit clean)."""
    for value in (*sender, *to, subject, message_id, *(reply_to or ())):
        if "\r" in value or "\n" in value:
            raise InputError(f"{key}: a line break in {value!r} would split the mail headers")
    sender_addr, to_addr = ascii_address(sender[1]), ascii_address(to[1])
    boundary = "=_followup_" + secrets.token_hex(12)
    headers = [
        "From: " + formataddr((sender[0], sender_addr), charset="utf-8"),
        "To: " + formataddr((to[0], to_addr), charset="utf-8"),
    ]
    if reply_to:
        headers.append("Reply-To: " + formataddr((reply_to[0], ascii_address(reply_to[1])), "utf-8"))
    headers += [
        "Subject: " + encode_subject(subject),
        "Date: " + format_datetime(date),
        "Message-ID: " + message_id,
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    parts = [_part("plain", text), _part("html", html)]
    body = "".join(f"--{boundary}{_CRLF}{part}{_CRLF}" for part in parts) + f"--{boundary}--{_CRLF}"
    data = _CRLF.join(headers) + _CRLF + _CRLF + body
    return Message(key, sender_addr, to_addr, message_id, subject, data.encode("ascii"))


def encode_subject(subject: str) -> str:
    """The subject as a header value: as it is when short ASCII, else RFC 2047 encoded and folded."""
    if subject.isascii() and len(subject) < 70:
        return subject
    charset = "us-ascii" if subject.isascii() else "utf-8"
    return Header(subject, charset, header_name="Subject").encode(linesep=_CRLF)


def _part(subtype: str, content: str) -> str:
    lines = content.splitlines()
    head = f'Content-Type: text/{subtype}; charset="utf-8"{_CRLF}'
    if content.isascii() and all(len(line) <= 998 for line in lines):
        return f"{head}Content-Transfer-Encoding: 7bit{_CRLF}{_CRLF}" + _CRLF.join(lines) + _CRLF
    latin = content.encode("utf-8").decode("latin-1")
    encoded = quoprimime.body_encode(latin, maxlinelen=76, eol=_CRLF)
    if not encoded.endswith(_CRLF):
        encoded += _CRLF
    return f"{head}Content-Transfer-Encoding: quoted-printable{_CRLF}{_CRLF}{encoded}"
