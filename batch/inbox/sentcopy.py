"""A copy of each delivered email in your Sent folder, so your mail program shows what went in your name.

SMTP hands a message to the recipient's server only; most providers file nothing in your Sent folder,
so the job appends the exact bytes it delivered there over IMAP, flagged \\Seen, dated when it went.
Gmail and Microsoft 365 file SMTP mail in Sent by themselves: there the default is no copy
(FOLLOWUP_IMAP_SENT_COPY=yes|no overrides; auto is the default). The folder is the one the server
marks \\Sent (RFC 6154), else the one FOLLOWUP_IMAP_SENT_FOLDER names.

A copy never changes a delivery: the ledger keeps the bytes (table `copies`) until the append
succeeds, and a run that cannot file them says so in one line and tries again on the next run.
A server may store an APPEND and drop the connection before its OK: so before each append the folder
is searched for the copy's Message-ID, and a copy already there is counted as filed, not filed again.
A folder name the server gives in raw UTF-8 (not the modified UTF-7 IMAP asks for) is sent back in
modified UTF-7.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from batch.account.settings import ImapSettings, SmtpSettings
from batch.errors import InputError

if TYPE_CHECKING:
    import imaplib

# Providers whose SMTP service files what it sends in the Sent folder itself (a copy would be a second).
FILES_ITS_OWN = ("gmail.com", "googlemail.com", "office365.com", "outlook.com")
# A LIST reply: (flags) "delimiter" name, the name an atom or a quoted string
_LIST = re.compile(rb'^\(([^)]*)\) (?:NIL|"(?:[^"\\]|\\.)*") (.+)$')


class SentCopies(NamedTuple):  # a NamedTuple, as every record of the idle cron path (see errors.Problem)
    """Where the copies go: the mailbox, and the folder when the user named one."""

    imap: ImapSettings
    folder: str | None = None


def sent_copies(
    env: Mapping[str, str], smtp: SmtpSettings | None, imap: ImapSettings | None
) -> SentCopies | None:
    """Whether to file copies (FOLLOWUP_IMAP_SENT_COPY: auto, yes or no) and where; None for no."""
    get = env.get
    choice = str(get("FOLLOWUP_IMAP_SENT_COPY", "auto")).strip().lower() or "auto"
    if choice not in ("auto", "yes", "no"):
        raise InputError(f"FOLLOWUP_IMAP_SENT_COPY: {choice!r} is not one of auto, yes, no")
    folder = str(get("FOLLOWUP_IMAP_SENT_FOLDER", "")).strip() or None
    if folder is not None and not (folder.isascii() and folder.isprintable()):
        raise InputError(f"FOLLOWUP_IMAP_SENT_FOLDER: {folder!r}: give the folder's IMAP name (ASCII)")
    if imap is None or smtp is None or choice == "no":
        if choice == "yes" and imap is None:
            raise InputError(
                "FOLLOWUP_IMAP_SENT_COPY: yes needs the mailbox: set FOLLOWUP_IMAP_HOST and its login"
            )
        return None
    if choice == "auto" and files_its_own(smtp.host):
        return None
    return SentCopies(imap, folder)


def files_its_own(host: str) -> bool:
    """Whether an SMTP host is one that files sent mail in Sent by itself."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in FILES_ITS_OWN)


def file_copies(
    where: SentCopies, owed: list[tuple[str, bytes, datetime]], filed: Callable[[str], None]
) -> str | None:
    """Append each owed copy to the Sent folder, calling `filed(key)` after each; the problem in one
    line when the mailbox or the append fails (what is left stays owed)."""
    # late: imaplib and ssl stay off every run that owes no copy (cli builds SentCopies on each send)
    import imaplib

    from batch.inbox.imap import (
        MailboxError,
        cleaner_of,
        describe_problem,
        log_in,
        log_out,
        quoted,
        search,
        text_of,
    )

    if not owed:
        return None
    try:
        client = log_in(where.imap)
    except MailboxError as exc:
        return str(exc)
    try:
        folder = where.folder or find_sent_folder(client)
        if folder is None:
            return (
                f"{where.imap.where}: no folder is marked \\Sent: set FOLLOWUP_IMAP_SENT_FOLDER to its name "
                "(or FOLLOWUP_IMAP_SENT_COPY=no)"
            )
        name = quoted(utf7_name(folder))
        folder = cleaner_of(client)(folder)  # as shown: a name from LIST is the server's words
        kind, data = client.select(name, readonly=True)  # to search it for copies filed already
        if kind != "OK":
            said = text_of(data, cleaner_of(client))
            return f"{where.imap.where}: could not open {folder!r} to file copies ({said})"
        for key, message, when in owed:
            message_id = message_id_of(message)
            if message_id and search(client, ("HEADER", "Message-ID"), message_id):
                filed(key)  # stored by an earlier run whose connection dropped before the OK
                continue
            kind, answer = client.append(name, r"(\Seen)", imaplib.Time2Internaldate(when), message)
            if kind != "OK":
                said = text_of(answer, cleaner_of(client))
                return f"{where.imap.where}: could not file a copy in {folder!r} ({said})"
            filed(key)
    except (OSError, imaplib.IMAP4.error, MailboxError) as exc:
        return f"{where.imap.where}: {describe_problem(exc, where.imap)}"
    finally:
        log_out(client)
    return None


def find_sent_folder(client: imaplib.IMAP4) -> str | None:
    """The folder the server marks \\Sent (RFC 6154 special use), if one is."""
    kind, data = client.list()
    if kind != "OK":
        return None
    for line in data:
        found = _LIST.match(line.strip()) if isinstance(line, bytes) else None
        if found and b"\\sent" in found[1].lower().split():
            name = found[2]
            if name.startswith(b'"'):
                name = re.sub(rb"\\(.)", rb"\1", name[1:-1])
            return name.decode("utf-8", "replace")
    return None


_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


def message_id_of(message: bytes) -> str | None:
    """The Message-ID in a message's header (ours: one, ASCII, on its line), if there is one."""
    header = message.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    found = _MESSAGE_ID.search(header)
    return found[1].decode("ascii", "replace") if found else None


def utf7_name(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): printable ASCII stays, `&` is `&-`, the
    rest is base64 of UTF-16 with `,` for `/`."""
    if name.isascii():  # a name from LIST is in modified UTF-7 already
        return name
    out: list[str] = []
    run: list[str] = []
    for char in name + "\0":  # a sentinel flushes the last run
        if " " <= char <= "~" or char == "\0":
            if run:
                data = "".join(run).encode("utf-16-be")
                out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-")
                run = []
            if char != "\0":
                out.append("&-" if char == "&" else char)
        else:
            run.append(char)
    return "".join(out)
