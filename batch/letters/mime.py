"""Rendered follow-ups → finished mail: headers set once each, a text and an HTML part, as bytes.

The bytes are written with the standard library's encoders but without building an EmailMessage,
which costs more than the rest of rendering put together; the tests prove that what `email` parses
back equals a message built the slow way. Past 400 lines: each message is built and then verified
against what was meant (`verify`), and the building and the checking of a header belong side by side.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import base64mime, quoprimime
from email.errors import MultipartInvariantViolationDefect
from email.utils import format_datetime
from functools import cache, lru_cache

from batch.errors import InputError

Address = tuple[str, str]  # (display name, address)
_CRLF = "\r\n"
_FOLD_AT = 78  # the line length RFC 5322 recommends; longer headers are folded
_MAX_LINE = 998  # the line length RFC 5322 requires
_ORDINARY_NAME = re.compile(r"\S+(?: \S+)*")  # words parted by single spaces
_SINGLE_SPACE = re.compile(r"(?<=\S) (?=\S)")
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")  # RFC 5322 atext
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')  # what makes a display name need quotes (as formataddr)
_WORD_MAX = 75  # the longest encoded word RFC 2047 allows
_LONGEST_WORD = 900  # a plain subject word longer than this cannot fit a line: it is encoded instead
# send composes every due message before it builds the first: the checks of a whole batch are kept
# until build needs them (a few hundred bytes each).
_BATCH = 16_384
# One boundary per run: random, so no template can hold it, and the same Content-Type all batch long.
_BOUNDARY = "=_followup_" + secrets.token_hex(12)
# Only CR and LF end a line in mail; str.splitlines would also break at \f, \v and \x1c-\x1e.
_EOL = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Message:
    """A finished email: who it goes to on the envelope, its Message-ID and its bytes."""

    key: str
    envelope_from: str  # MAIL FROM: always you
    envelope_to: (
        str  # RCPT TO: the interviewer, or you for a reminder (FollowUp.recipient is the interviewer)
    )
    message_id: str
    subject: str
    data: bytes


def dated(message: Message, moment: datetime) -> Message:
    """The message with its Date set to `moment`, the one it goes at: composed ahead of the sender, it
    was dated when written, up to minutes before with a slow server. format_datetime's Date is always
    the same length, and the rest stays as `verify` passed it."""
    data = message.data
    head = data.find(b"\r\n\r\n")
    at = data.rfind(b"\r\nDate: ", 0, head) + 2  # ours: the user's headers come before it (verify)
    if at < 2:
        return message
    end = data.index(b"\r\n", at)
    line = _date_line(moment.replace(microsecond=0))
    if data[at:end] == line:
        return message
    return Message(message.key, message.envelope_from, message.envelope_to, message.message_id,
                   message.subject, data[:at] + line + data[end:])  # fmt: skip


@lru_cache(maxsize=4)  # a batch goes within a few seconds: each second's line is made once
def _date_line(moment: datetime) -> bytes:
    return ("Date: " + format_datetime(moment)).encode("ascii")


def new_message_id(sender: str, moment: datetime) -> str:
    """A unique Message-ID on the sender's domain (made once, kept in the ledger for retries)."""
    domain = ascii_address(sender).rpartition("@")[2]
    return f"<{moment:%Y%m%d%H%M%S}.{_random_hex()}@{domain}>"


# Eight random bytes a Message-ID, as secrets.token_hex(8) gives them, read from the OS 512 at a time:
# a getrandom call per message cost more than building it (and gave up the GIL to wait for it back).
_RANDOM: list[str] = []
os.register_at_fork(after_in_child=_RANDOM.clear)  # a forked child never repeats its parent's ids


def _random_hex() -> str:
    try:
        return _RANDOM.pop()  # atomic: the composer thread and the sender may both ask
    except IndexError:
        raw = secrets.token_hex(8 * 512)
        _RANDOM.extend(raw[n : n + 16] for n in range(0, len(raw), 16))
        return _RANDOM.pop()


def ascii_address(address: str) -> str:
    """The address with an internationalised domain in its ASCII form (as email-validator gives it)."""
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        raise InputError(f"{address}: a non-ASCII name before the @ needs SMTPUTF8, which is not supported")
    if domain.isascii():
        return address
    return f"{local}@{_ascii_domain(domain)}"


@lru_cache(maxsize=256)
def _ascii_domain(domain: str) -> str:
    # The loader checked the address with email-validator (IDNA 2008, UTS 46); Python's own 'idna'
    # codec is IDNA 2003 and gives another name for some (straße.example → strasse.example).
    from email_validator import EmailNotValidError, validate_email

    try:
        found = validate_email(f"x@{domain}", check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise InputError(f"{domain}: the domain is not a valid internationalised name") from None
    return str(found.ascii_domain)


@dataclass(frozen=True, slots=True)
class Intended:
    """What a message's headers must read back as: who it is from and to, and its subject."""

    sender: Address
    to: Address
    subject: str
    reply_to: Address | None = None
    in_reply_to: str | None = None  # the Message-ID this one answers: In-Reply-To and References name it


class HeaderError(InputError):
    """A header that would not read back as intended: that message is not made."""


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
    in_reply_to: str | None = None,
) -> Message:
    """The message as bytes ready for SMTP (CRLF line ends, 7-bit clean), checked by `verify`.

    With `in_reply_to` (a Message-ID) it answers that message: In-Reply-To and References name it.
    """
    intended = Intended(sender, to, subject, reply_to, in_reply_to)
    for value in (*sender, *to, subject, message_id, *(reply_to or ()), in_reply_to or ""):
        if "\r" in value or "\n" in value:
            raise InputError(f"{key}: a line break in {value!r} would split the mail headers")
    headers = [
        *header_lines(intended),
        "Date: " + format_datetime(date),
        "Message-ID: " + message_id,
        *_thread_lines(in_reply_to),
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{_BOUNDARY}"',
    ]
    parts = [_part("plain", text), _part("html", html)]
    body = "".join(f"--{_BOUNDARY}{_CRLF}{part}{_CRLF}" for part in parts) + f"--{_BOUNDARY}--{_CRLF}"
    try:
        data = (_CRLF.join(headers) + _CRLF + _CRLF + body).encode("ascii")
    except UnicodeEncodeError:  # only a header could hold non-ASCII here (the parts are encoded)
        raise HeaderError(f"{key}: a header holds text that mail cannot carry as it is") from None
    problems = verify(data, intended)
    if problems:
        raise HeaderError(f"{key}: " + "; ".join(problems))
    sender_addr, to_addr = ascii_address(sender[1]), ascii_address(to[1])
    return Message(
        key, envelope_from=sender_addr, envelope_to=to_addr, message_id=message_id, subject=subject, data=data
    )


def _thread_lines(in_reply_to: str | None) -> list[str]:
    # The thank-you had no References of its own, so the whole chain is its Message-ID (RFC 5322 3.6.4).
    return [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"] if in_reply_to else []


@lru_cache(maxsize=_BATCH)  # compose writes them to check them, then build writes the same again
def header_lines(intended: Intended) -> tuple[str, ...]:
    """The From, To, Reply-To (when set) and Subject headers, folded, without their final CRLF."""
    lines = [
        _batch_header("From", intended.sender),
        address_header("To", (intended.to[0], ascii_address(intended.to[1]))),
    ]
    if intended.reply_to:
        lines.append(_batch_header("Reply-To", intended.reply_to))
    lines.append(_subject_header(intended.subject))
    return tuple(lines)


@lru_cache(maxsize=256)  # you, the same in every message of a batch
def _batch_header(name: str, address: Address) -> str:
    return address_header(name, (address[0], ascii_address(address[1])))


def address_header(name: str, address: Address) -> str:
    """A From, To or Reply-To header, its display name written so that it reads back as it is."""
    display, addr = address
    if not display:
        return f"{name}: {addr}"
    if _plain_ascii(display):
        if _SPECIALS.search(display):  # quoted, as formataddr would
            display = '"' + display.replace("\\", "\\\\").replace('"', '\\"') + '"'
        words = display.split(" ")  # a fold may go at any of these spaces, inside quotes too
    else:
        words = _phrase_words(display)
    return _fold_words(f"{name}:", [*words, f"<{addr}>"])


def subject_header(subject: str) -> str:
    """The Subject header: as it is when plain ASCII, else RFC 2047 encoded words; folded either way."""
    if not subject:
        return "Subject: "
    if _plain_ascii(subject) and max(map(len, subject.split(" "))) <= _LONGEST_WORD:
        return _fold_words("Subject:", subject.split(" "))
    return _fold_words("Subject:", _encoded_chunks(subject))


_subject_header = lru_cache(maxsize=256)(subject_header)  # a batch has a few subjects


def _plain_ascii(text: str) -> bool:
    # Printable ASCII words parted by single spaces, and nothing a reader would decode (=?...?=).
    return text.isascii() and text.isprintable() and "=?" not in text and bool(_ORDINARY_NAME.fullmatch(text))


def _phrase_words(display: str) -> list[str]:
    """A display name as words: plain atoms as they are, every other run as one encoded word.

    Between two encoded words a reader drops the space (RFC 2047) while Python's parser reads one, so
    a run that needs encoding stays one encoded word, its spaces inside, even past 75 characters: a
    longer word reads back the same everywhere, a split one does not.
    """
    words: list[str] = []
    run: list[str] = []
    for token in _SINGLE_SPACE.split(display):
        if _ATOM.fullmatch(token) and "=?" not in token:
            if run:
                words.append(_encoded_word(" ".join(run)))
                run = []
            words.append(token)
        else:
            run.append(token)
    if run:
        words.append(_encoded_word(" ".join(run)))
    return words


def _encoded_word(text: str) -> str:
    raw = text.encode("utf-8")
    q, b = quoprimime.header_encode(raw, "utf-8"), base64mime.header_encode(raw, "utf-8")
    return q if len(q) <= len(b) else b


def _encoded_chunks(text: str) -> list[str]:
    """Unstructured text as encoded words of at most 75 characters (a reader joins them without a space)."""
    words: list[str] = []
    current = ""
    for char in text:
        if current and len(_encoded_word(current + char)) > _WORD_MAX:
            words.append(_encoded_word(current))
            current = char
        else:
            current += char
    return [*words, _encoded_word(current)] if current else words


def _fold_words(head: str, words: list[str]) -> str:
    """`head` and the words parted by spaces, folded before a word that would pass 78 characters."""
    lines: list[str] = []
    line = head
    for word in words:
        if line != head and len(line) + 1 + len(word) > _FOLD_AT:
            lines.append(line)
            line = ""
        line += " " + word
    return _CRLF.join([*lines, line])


# --- the gate: what Python's email parser reads back from the bytes ------------------------------------

_OURS = ("Date", "Message-ID", "MIME-Version", "Content-Type")
_UNIQUE = frozenset(
    {"To", "Message-ID", "In-Reply-To", "References"}
)  # headers that differ in every message of a batch
# What new_message_id makes; its registry parse is a quarter of the gate's cost, and it holds no user text.
# A msg-id as RFC 5322 writes it, printable ASCII without brackets or spaces inside: what a thread
# header may name (the ledger's Message-IDs are ours; anything else is refused, not written).
_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_OUR_MESSAGE_ID = re.compile(r"<[0-9]{14}\.[0-9a-f]{16}@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?>")


class _Plain(str):
    """A header value read as it is, with no defects."""

    defects: tuple[Exception, ...] = ()


def verify(data: bytes, intended: Intended) -> list[str]:
    """What is wrong with a finished message's headers as `email` (default policy) reads them back.

    Exactly the intended From, To, Reply-To and Subject, our own four headers, In-Reply-To and
    References naming the message it answers when it answers one, and no other; each once, no
    defects, and no line over 998 bytes. An empty list when all is as intended.
    """
    head, sep, body = data.partition(b"\r\n\r\n")
    problems = [] if sep else ["the headers do not end in a blank line"]
    thread = _thread_meant(intended.in_reply_to)
    if intended.in_reply_to is not None and not _MESSAGE_ID.fullmatch(intended.in_reply_to):
        problems.append(f"In-Reply-To: {intended.in_reply_to!r} is not a Message-ID (<left@right>)")
    longest = max(map(len, body.split(b"\r\n")), default=0)
    if longest > _MAX_LINE:
        problems.append(f"a body line of {longest:,} bytes (mail allows {_MAX_LINE})")
    head += b"\r\n"
    # A header ends where a line does not start with a space: the block reads as the user's headers
    # then ours, each part on its own. The user's part is the one compose already checked (remembered).
    cut = head.rfind(b"\r\nDate: ") + 2
    if cut < 2:
        return problems + _head_problems(head, _meant(intended) | thread, _OURS)
    return [*problems, *_user_problems(head[:cut], intended), *_our_problems(head[cut:], thread)]


# Our own four headers as build writes them for a message that answers nothing, its Message-ID one
# of new_message_id's (the registry reads those as they are: no defect, whatever the value).
_OUR_BLOCK = re.compile(
    rb"Date: [^\r\n]{1,80}\r\nMessage-ID: (<[0-9]{14}\.[0-9a-f]{16}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,250}"
    rb"[A-Za-z0-9])?>)\r\nMIME-Version: [^\r\n]{1,80}\r\nContent-Type: [^\r\n]{1,200}\r\n"
)
_STAND_IN_ID = b"<20000101000000.0000000000000000@stand-in.example>"


def _our_problems(head: bytes, thread: dict[str, object]) -> list[str]:
    """What the gate finds in our own headers: read back once per Date (a batch shares a few), as the
    Message-ID, which differs in every message, cannot change what the parse finds (see _OUR_BLOCK)."""
    found = None if thread else _OUR_BLOCK.fullmatch(head)
    if found is None:
        return _head_problems(head, thread, _OURS)
    return list(_ours_read_back(head[: found.start(1)] + _STAND_IN_ID + head[found.end(1) :]))


@lru_cache(maxsize=64)
def _ours_read_back(head: bytes) -> tuple[str, ...]:
    return tuple(_head_problems(head, {}, _OURS))


def _thread_meant(in_reply_to: str | None) -> dict[str, object]:
    return {"In-Reply-To": in_reply_to, "References": in_reply_to} if in_reply_to is not None else {}


def check_headers(intended: Intended) -> list[str]:
    """What `verify` would refuse in these From, To, Reply-To and Subject headers (for `check`)."""
    try:
        head = (_CRLF.join(header_lines(intended)) + _CRLF).encode("ascii")
    except InputError as exc:
        return [str(exc)]
    except UnicodeError:
        return ["a header holds text that mail cannot carry as it is"]
    return list(_user_problems(head, intended))


@lru_cache(maxsize=_BATCH)  # compose checks the headers, build checks them again in the bytes
def _user_problems(head: bytes, intended: Intended) -> tuple[str, ...]:
    """What the gate finds in the From, To, Reply-To and Subject headers `head`.

    A To of plain words and a plain address (see _plain_to) reads back as written: proven in the tests
    against the parse, for every such name. Its block is then read back as the block with a stand-in
    To, the same for the whole batch, rather than parsed again for each interviewer.
    """
    if _plain_to(intended.to) and intended.to != _STAND_IN_TO and head == _user_head(intended):
        stand_in = Intended(intended.sender, _STAND_IN_TO, intended.subject, intended.reply_to)
        written = _user_head(stand_in)
        if written is not None:
            return _user_read_back(written, stand_in)
    return _user_read_back(head, intended)


@lru_cache(maxsize=_BATCH)
def _user_read_back(head: bytes, intended: Intended) -> tuple[str, ...]:
    return tuple(_head_problems(head, _meant(intended), ()))


# Latin letters (an apostrophe or a hyphen inside a word), words parted by single spaces; an ASCII
# dot-atom address on a host name. Short enough that a folded line stays far below 998 bytes.
_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_PLAIN_NAME = re.compile(rf"[{_LETTERS}]+(?:['-][{_LETTERS}]+)*(?: [{_LETTERS}]+(?:['-][{_LETTERS}]+)*)*")
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9]+(?:[._+-][A-Za-z0-9]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
_STAND_IN_TO = ("Stand In", "stand.in@example.com")


def _plain_to(to: Address) -> bool:
    """Whether a To is of the form proven to read back as written (tests/letters/test_mime.py)."""
    name, address = to
    return (
        len(name) <= 80
        and len(address) <= 254
        and _PLAIN_NAME.fullmatch(name) is not None
        and _PLAIN_ADDRESS.fullmatch(address) is not None
    )


def _user_head(intended: Intended) -> bytes | None:
    """The From, To, Reply-To and Subject lines build writes, as bytes (None: it would write none)."""
    try:
        return (_CRLF.join(header_lines(intended)) + _CRLF).encode("ascii")
    except (InputError, UnicodeError):
        return None


def _meant(intended: Intended) -> dict[str, object]:
    meant: dict[str, object] = {"From": intended.sender, "To": intended.to}
    if intended.reply_to:
        meant["Reply-To"] = intended.reply_to
    meant["Subject"] = intended.subject
    return meant


def _head_problems(head: bytes, meant: dict[str, object], ours: tuple[str, ...]) -> list[str]:
    longest = max(map(len, head.split(b"\r\n")))
    problems = []
    if longest > _MAX_LINE:
        problems.append(
            f"a header line of {longest:,} bytes (mail allows {_MAX_LINE}): shorten the name or subject"
        )
    msg = _parser().parsebytes(head + b"\r\n")
    # The head alone is parsed: a multipart type with no parts after it is expected, and Python before
    # 3.11.4 (Debian 12's 3.11.2) calls it a defect, which stopped every message there.
    problems += [
        f"the headers: {_defect(defect)}"
        for defect in msg.defects
        if not isinstance(defect, MultipartInvariantViolationDefect)
    ]
    expected = [*meant, *ours]
    names = msg.keys()
    for name in dict.fromkeys(names):
        count = names.count(name)
        if name not in expected:
            problems.append(f"a header we did not set: {name}")
        elif count > 1:
            problems.append(f"{name} appears {count} times")
    problems += [f"{name} is missing" for name in expected if name not in names]
    for name in expected:
        if name in names:
            try:
                problems += _header_problems(name, msg[name], meant.get(name))
            except Exception as exc:  # e.g. a decoded line break the header classes refuse
                problems.append(f"{name} cannot be read back ({exc})")
    return problems


def _header_problems(name: str, header: object, meant: object) -> list[str]:
    found = [f"{name}: {_defect(defect)}" for defect in header.defects]  # type: ignore[attr-defined]
    if isinstance(meant, tuple):
        want = [(meant[0], ascii_address(meant[1]))]
        got = [(a.display_name, a.addr_spec) for a in header.addresses]  # type: ignore[attr-defined]
        if got != want:
            shown = ", ".join(f"{n!r} <{a}>" if n else a for n, a in got) or "nothing"
            found.append(f"{name} reads back as {shown}, not {want[0][0]!r} <{want[0][1]}>")
    elif isinstance(meant, str) and str(header) != meant:
        found.append(f"{name} reads back as {str(header)!r}, not {meant!r}")
    return found


def _defect(defect: Exception) -> str:
    text = str(defect) or type(defect).__name__
    return text[0].lower() + text[1:]


@cache
def _parser():  # type: ignore[no-untyped-def]
    """Python's header parser with the default policy, each header's parse remembered."""
    # late: the email package's parser, for the rare address that needs it
    from email.headerregistry import HeaderRegistry
    from email.parser import BytesHeaderParser
    from email.policy import default

    class Remembering(HeaderRegistry):
        """The default policy's headers, each parse remembered: a batch repeats From, Date, subjects."""

        def __init__(self) -> None:
            super().__init__()
            self.classes: dict[str, type] = {}
            self.parsed: dict[tuple[str, str], object] = {}

        def __getitem__(self, name: str) -> type:
            # The registry makes a new class on every call; one per header name does the same work.
            found = self.classes.get(name.lower())
            if found is None:
                found = self.classes[name.lower()] = super().__getitem__(name)
            return found

        def __call__(self, name: str, value: str):  # type: ignore[no-untyped-def]
            if name in _UNIQUE:  # kept, they would only age into the collector's oldest generation
                if name == "Message-ID" and _OUR_MESSAGE_ID.fullmatch(value):
                    return _Plain(value)  # id-left@id-right as dot-atoms: RFC 5322's msg-id, no defect
                return super().__call__(name, value)
            found = self.parsed.get((name, value))
            if found is None:
                if len(self.parsed) >= 4096:
                    self.parsed.clear()
                found = self.parsed[name, value] = super().__call__(name, value)
            return found

    return BytesHeaderParser(policy=default.clone(header_factory=Remembering()))


def _part(subtype: str, content: str) -> str:
    lines = content.split("\n") if "\r" not in content else _EOL.split(content)  # the same, faster
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
