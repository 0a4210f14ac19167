"""Rendered follow-ups → finished mail: headers set once each, a text and an HTML part, as bytes.

The bytes are written with the standard library's encoders but without building an EmailMessage,
which costs more than the rest of rendering put together; the tests prove that what `email` parses
back equals a message built the slow way.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.utils import format_datetime, formataddr

from .errors import InputError

Address = tuple[str, str]  # (display name, address)
_CRLF = "\r\n"
_FOLD_AT = 78  # the line length RFC 5322 recommends; longer headers are folded
_MAX_LINE = 998  # the line length RFC 5322 requires
_ORDINARY_NAME = re.compile(r"\S+(?: \S+)*")  # words parted by single spaces
# Only CR and LF end a line in mail; str.splitlines would also break at \f, \v and \x1c-\x1e.
_EOL = re.compile(r"\r\n|\r|\n")


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
    headers = [address_header("From", (sender[0], sender_addr)), address_header("To", (to[0], to_addr))]
    if reply_to:
        headers.append(address_header("Reply-To", (reply_to[0], ascii_address(reply_to[1]))))
    headers += [
        subject_header(subject),
        "Date: " + format_datetime(date),
        "Message-ID: " + message_id,
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    parts = [_part("plain", text), _part("html", html)]
    body = "".join(f"--{boundary}{_CRLF}{part}{_CRLF}" for part in parts) + f"--{boundary}--{_CRLF}"
    data = _CRLF.join(headers) + _CRLF + _CRLF + body
    return Message(key, sender_addr, to_addr, message_id, subject, data.encode("ascii"))


def address_header(name: str, address: Address) -> str:
    """A From, To or Reply-To header: written directly when plain, else folded by `email`."""
    display, addr = address
    if not display or (_ORDINARY_NAME.fullmatch(display) and "=?" not in display):
        line = f"{name}: " + formataddr(address, charset="utf-8")
        if len(line) <= _FOLD_AT or (display.isascii() and len(line) <= _MAX_LINE):
            return line  # a long ASCII name may stay on one line; a line past 998 may not
        # formataddr writes the name as one encoded word: fine while it stays within 75 characters.
        phrase = line[: -len(addr) - 3]
        if not display.isascii() and len(phrase) <= _FOLD_AT:
            return f"{phrase}{_CRLF} <{addr}>"
    # Odd spacing, text that looks encoded, or a name too long for one word: only `email` folds
    # these the way its parser (and the readers it mirrors) reads them back.
    from email.headerregistry import Address as HeaderAddress

    return _fold(name, [HeaderAddress(display_name=display, addr_spec=addr)])


def subject_header(subject: str) -> str:
    """The Subject header: as it is when short ASCII, else RFC 2047 encoded and folded by `email`."""
    if subject.isascii() and len(subject) < _FOLD_AT - len("Subject: "):
        return "Subject: " + subject
    return _fold("Subject", subject)


def _fold(name: str, value: object) -> str:
    # The email package's own folding: slow, so only for the rare long or non-ASCII header.
    from email.policy import SMTP

    return SMTP.header_factory(name, value).fold(policy=SMTP).removesuffix(_CRLF)


def _part(subtype: str, content: str) -> str:
    lines = _EOL.split(content)
    if lines[-1] == "":
        lines.pop()  # the final line end, as splitlines drops it
    head = f'Content-Type: text/{subtype}; charset="utf-8"{_CRLF}'
    if content.isascii() and all(len(line) <= _MAX_LINE for line in lines):
        return f"{head}Content-Transfer-Encoding: 7bit{_CRLF}{_CRLF}" + _CRLF.join(lines) + _CRLF
    latin = content.encode("utf-8").decode("latin-1")
    encoded = quoprimime.body_encode(latin, maxlinelen=76, eol=_CRLF)
    if not encoded.endswith(_CRLF):
        encoded += _CRLF
    return f"{head}Content-Transfer-Encoding: quoted-printable{_CRLF}{_CRLF}{encoded}"
