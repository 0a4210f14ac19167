"""What a mail server said, made fit to show and to store: one line, no control characters, and nothing
of what we sent it to log in.

Every SMTP and IMAP answer passes through `Cleaner` before it reaches an exception, the terminal or the
ledger: some servers repeat the AUTH argument (user and password in base64) in their refusal, and any
server may send escape sequences or many lines.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

# What common SMTP answers mean, and what to do about them: the one table `send`'s lines, `doctor` and
# the ledger's replies take their words from (the server's own words are shown beside them).
MEANINGS = {
    421: "the server is busy or sees too many connections (Gmail answers many logins in a row so); "
    "it will be tried again",
    454: "too many connections or logins, or a temporary login/TLS problem at the server; it will be tried "
    "again",
    530: "the server wants a login first: set FOLLOWUP_SMTP_USER and a password",
    534: "an app password is needed: with Gmail, turn on 2-step verification, make an app password "
    "and use it instead of the account password",
    535: "wrong user or password: the server refused the user name or password; FOLLOWUP_SMTP_USER is the "
    "full address, and with Gmail the password is an app password",
    550: "the mailbox does not exist or refuses mail",
    554: "the server refused the message",
}

HIDDEN = "[hidden]"
PART = 4  # a run this long of anything we sent to log in counts as a part of it
LIMIT = 400  # characters of a server's answer worth showing


def login_forms(user: str | None, password: str | None) -> list[str]:
    """The password as a login puts it on the wire: plain (IMAP LOGIN, AUTH LOGIN decoded), and the base64
    of AUTH LOGIN and AUTH PLAIN (with and without an authorization identity)."""
    if not password:
        return []
    user = user or ""
    said = [password, f"\0{user}\0{password}", f"{user}\0{user}\0{password}"]
    return [password, *(base64.b64encode(text.encode("utf-8")).decode("ascii") for text in said)]


class Cleaner:
    """Turns a server's answer into one safe line, hiding the given secrets and any part of them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.forms = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.parts = {f[i : i + PART] for f in self.forms for i in range(len(f) - PART + 1)}

    def __call__(self, reply: bytes | str | object) -> str:
        """The answer as one line of printable text, secrets hidden."""
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return one_line(self.hide(text))

    def hide(self, text: str) -> str:
        """The text with every secret, and every run of PART or more characters of one, replaced."""
        for form in self.forms:
            text = text.replace(form, HIDDEN)
        if not self.parts:  # no login: nothing to hide (the server's every answer passes here)
            return text
        covered = [False] * len(text)
        for i in range(len(text) - PART + 1):
            if text[i : i + PART] in self.parts:
                covered[i : i + PART] = [True] * PART
        if not any(covered):
            return text
        out, hiding = [], False
        for char, secret in zip(text, covered, strict=True):
            if secret and not hiding:
                out.append(HIDDEN)
            elif not secret:
                out.append(char)
            hiding = secret
        return "".join(out)


def one_line(text: str, limit: int = LIMIT) -> str:
    """Lines joined by a space, other control and format characters escaped (never raw on a terminal)."""
    text = " ".join(text.split())
    if not text.isprintable():
        text = "".join(c if c.isprintable() else _escaped(c) for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def explain(code: int, reply: str) -> str:
    """A server's answer with what it means, on one line (`reply` already cleaned)."""
    words = one_line(reply)
    if code < 0:  # a line with no reply code at all
        return f"a reply with no code: {words!r}" if words else "an empty reply"
    meaning = MEANINGS.get(code)
    return f"{code} {words}" + (f" ({meaning})" if meaning else "")


def tls_reason(exc: BaseException) -> str:
    """What went wrong in a TLS handshake, in OpenSSL's words (no Python class, no _ssl.c line)."""
    reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)
    return re.sub(r"\s*\(_ssl\.c:\d+\)", "", str(reason)).strip("[] ") or "the handshake failed"
