"""Bounces that are no RFC 3464 report: qmail's "failure notice", Exim's "Mail delivery failed", and the
like, written in plain text by a mail server with the original message (or its headers) copied below.

Such a message is known by who sent it (MAILER-DAEMON, mailer-daemon@…; postmaster@… only with a
bounce's subject, as a Microsoft 365 out-of-office comes from postmaster@ too) or by an
X-Failed-Recipients header. Mail from a mailer daemon is never a reply, whatever it cites. The message
that bounced is named by In-Reply-To / References, or by a Message-ID line in the copy; the failure is
the first line giving a permanent (5xx) reply, and a notice with only temporary (4xx) codes is a delay.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message
from email.utils import getaddresses

from batch.inbox.autoreply import Bounce, one_line, reads, subject_of

DAEMONS = ("mailer-daemon", "mailer_daemon", "mail-daemon", "maildaemon")
_BOUNCE_SUBJECT = re.compile(
    r"failure notice|undeliver|not delivered|delivery (?:status notification|failure|failed|has failed)|"
    r"mail delivery (?:failed|failure|system)|returned mail|returning message|non[- ]?delivery",
    re.IGNORECASE,
)
_PERMANENT = re.compile(r"(?<![\d.])5[0-5]\d(?:[ -]5\.\d{1,3}\.\d{1,3})?(?![\d.])")
_TEMPORARY = re.compile(r"(?<![\d.])4[2-5]\d(?:[ -]4\.\d{1,3}\.\d{1,3})?(?![\d.])")
_GAVE_UP = re.compile(r"permanent error|could not be delivered|wasn't able to deliver|undeliverable",
                      re.IGNORECASE)  # fmt: skip
_COPIED_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
TEXT_LIMIT = 60_000  # characters of a bounce read: the copy of a thank-you sits well within


@reads("its headers")
def is_plain_bounce(headers: Message) -> bool:
    """Whether a mail server wrote the message about a message it could not deliver (not RFC 3464)."""
    if headers.get("X-Failed-Recipients") is not None:
        return True
    senders = getaddresses([str(v) for v in headers.get_all("From", [])])
    locals_ = [address.rpartition("@")[0].lower() or address.lower() for _, address in senders]
    if any(local in DAEMONS for local in locals_):
        return True
    return "postmaster" in locals_ and bool(_BOUNCE_SUBJECT.search(subject_of(headers)))


@reads("its bounce notice")
def read_plain_bounce(raw: bytes) -> Bounce | None:
    """The failure a plain-text bounce gives, with the Message-IDs it cites; None for a delay notice or
    one that says nothing of a failure."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    cited = set(_MESSAGE_ID.findall(" ".join(str(v) for n in ("In-Reply-To", "References")
                                             for v in message.get_all(n, []))))  # fmt: skip
    text = _all_text(message)[:TEXT_LIMIT]
    cited |= set(_COPIED_ID.findall(text))
    own = str(message.get("Message-ID", "")).strip()
    cited.discard(own)  # the notice's own Message-ID, when the copy quotes the headers
    code = next((found for line in text.splitlines() if (found := _PERMANENT.search(line))), None)
    failed = code.string[code.start() :] if code else None  # from the code on: "550 5.1.1 User unknown"
    if failed is None:
        if _TEMPORARY.search(text) or not _GAVE_UP.search(text):
            return None  # a delay, or no word of a failure
        failed = "the mail server could not deliver it"
    recipient = str(message.get("X-Failed-Recipients", "")).strip()
    return Bounce(recipient, one_line(failed.strip()), frozenset(cited))


def _all_text(message: Message) -> str:
    """Every text part, the copy of the message below included, as one text."""
    parts = []
    for part in message.walk():
        inner = part.get_payload()
        if (
            part.get_content_type() == "message/rfc822"
            and isinstance(inner, list)
            and inner
            and isinstance(inner[0], Message)
        ):
            parts.append(f"Message-ID: {inner[0].get('Message-ID', '')}")  # the copy's headers, as a line
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            try:
                parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
            except LookupError:  # a charset Python does not know
                parts.append(payload.decode("utf-8", "replace"))
    return "\n".join(parts)
