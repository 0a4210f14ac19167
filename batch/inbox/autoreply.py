"""Mail that answers a thank-you without a person writing it: delivery reports and auto-replies.

Pure functions over what the mailbox gave (headers, or the first bytes of a message). A delivery
report is recognised by its content type first: Google's and Microsoft's bounces also carry
`Auto-Submitted: auto-replied`, and a Microsoft 365 out-of-office comes from `postmaster@` without
being a bounce.

A return date is read from the text part of an auto-reply, from a phrase such as "back on 8 December",
"de retour le 8 décembre", "ab dem 8.12. wieder", "returning 2026-12-08" (the day they are back) or
"until 7 December", "jusqu'au 7 décembre", "bis 7. Dezember" (their last day away). A phrase of the
first kind wins over one of the second. A date without a year, or a numeric date whose day and month
could be swapped (`08/12/2026`, `12/8`), takes the reading that is on or after the day the auto-reply
was written and nearest to it (within half a year); a date with the month in words, in ISO form or in
the dotted European form (`8.12.`) is not ambiguous. A date already past when written says nothing.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from functools import wraps
from typing import ParamSpec, TypeVar

TEXT_LIMIT = 4000  # characters of the text part read for a return date: it is said near the top
_MONTH_NAMES = {
    1: "january jan janvier janv januar jänner",
    2: "february feb février fevrier févr fevr februar",
    3: "march mar mars märz maerz mär",
    4: "april apr avril avr",
    5: "may mai",
    6: "june jun juin juni",
    7: "july jul juillet juil juli",
    8: "august aug août aout",
    9: "september sep sept septembre",
    10: "october oct octobre oktober okt",
    11: "november nov novembre",
    12: "december dec décembre decembre déc dezember dez",
}
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    r"(?<![\w./-])(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    rf"|(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er|e|\.)?\s+(?:of\s+)?(?P<m1>{_MONTH})\.?(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
    r"|(?P<d3>\d{1,2})\.(?P<m3>\d{1,2})\.(?:(?P<y3>\d{4}|\d{2})(?!\d))?"
    r"|(?P<a4>\d{1,2})/(?P<b4>\d{1,2})(?:/(?P<y4>\d{4}|\d{2}))?"
    r")(?![\w/])",
    re.IGNORECASE,
)
_BACK = (
    r"back|return|returns|returning|in the office again|de retour|retour|reviens|rentre|zurück|wieder|"
    r"ab dem|ab"
)
_UNTIL = r"until|till|til|through|thru|to|jusqu'au|jusqu’au|jusqu'à|jusqu’à|au|bis|bis zum|einschließlich"
_KEYWORD = re.compile(rf"(?<!\w)(?:(?P<back>{_BACK})|(?P<until>{_UNTIL}))(?!\w)", re.IGNORECASE)
_CONTEXT = 60  # characters before a date in which its keyword is looked for
_HORIZON = timedelta(days=183)  # a later reading is more likely a misreading than an absence
_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[ -]?reply|autoreply|auto|out of (?:the )?office|ooo|"
    r"réponse automatique|reponse automatique|absence|abwesenheitsnotiz|automatische antwort|"
    r"respuesta automática|risposta automatica)\b|\bout of (?:the )?office\b",
    re.IGNORECASE,
)


# What the email package and date arithmetic raise on mail they cannot read (a fuzzer found IndexError
# and TypeError in parameter parsing, OverflowError in a date at the calendar's end)
UNREADABLE = (
    ArithmeticError,
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
    AssertionError,
    MessageError,
)
_P = ParamSpec("_P")
_R = TypeVar("_R")


class Unreadable(ValueError):
    """A message the readers here cannot read, with what part of it and why, in plain words."""


def reads(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A reader of outside mail made total: it returns its answer or raises Unreadable naming `what`."""

    def wrap(reader: Callable[_P, _R]) -> Callable[_P, _R]:
        @wraps(reader)
        def total(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return reader(*args, **kwargs)
            except Unreadable:
                raise
            except UNREADABLE as exc:
                raise Unreadable(
                    f"cannot read {what} ({type(exc).__name__}: {one_line(str(exc), 80)})"
                ) from None

        return total

    return wrap


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery report that says a message could not be delivered, and to whom."""

    recipient: str
    diagnostic: str  # the server's words, on one line
    cited: frozenset[str]  # the Message-IDs of the message that bounced


@reads("its Content-Type")
def is_delivery_report(headers: Message) -> bool:
    """Whether the message is a delivery status report (RFC 3464), whatever else its headers say."""
    kind = str(headers.get_param("report-type", "", header="content-type") or "")
    return headers.get_content_type() == "multipart/report" and kind.lower() == "delivery-status"


@reads("its headers")
def is_auto_reply(headers: Message) -> bool:
    """Whether a machine wrote the message for a person: Auto-Submitted, X-Autoreply, Precedence, subject."""
    submitted = str(headers.get("Auto-Submitted", "")).strip().lower()
    if submitted and not submitted.startswith("no"):
        return True
    for name in ("X-Autoreply", "X-Autorespond"):
        value = str(headers.get(name, "")).strip().lower()
        if value and value != "no":
            return True
    if str(headers.get("Precedence", "")).strip().lower() in ("auto_reply", "auto-reply", "bulk", "junk"):
        return True
    return bool(_SUBJECT.search(subject_of(headers)))


def subject_of(headers: Message) -> str:
    """The Subject header, its encoded words decoded."""
    raw = str(headers.get("Subject", ""))
    try:
        return str(make_header(decode_header(raw)))
    except (UnicodeError, LookupError, ValueError, MessageError):  # an unknown or non-ASCII charset name
        return raw


@reads("its delivery report")
def read_report(raw: bytes) -> Bounce | None:
    """The failure a delivery report gives (first recipient whose Action is failed), or None for a
    delay notice, a success notice or a report that cannot be read."""
    message = email.message_from_bytes(raw)
    cited = set(_message_ids(message, ("In-Reply-To", "References")))
    failure: tuple[str, str] | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status" and failure is None:
            failure = _failure(part)
        elif kind == "message/rfc822" and (inner := _first_part(part)) is not None:
            cited |= set(_message_ids(inner, ("Message-ID",)))
        elif kind in ("text/rfc822-headers", "text/rfc822-header"):
            text = part.get_payload(decode=True)  # bytes for a part that is not multipart
            text = text if isinstance(text, bytes) else b""
            cited |= set(
                _message_ids(HeaderParser().parsestr(text.decode("utf-8", "replace")), ("Message-ID",))
            )
    if failure is None:
        return None
    return Bounce(failure[0], failure[1], frozenset(cited))


def _first_part(part: Message) -> Message | None:
    """The message a message/rfc822 part holds, if the parser made one of it."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _failure(part: Message) -> tuple[str, str] | None:
    blocks = part.get_payload()
    for block in blocks[1:] if isinstance(blocks, list) else []:
        if not isinstance(block, Message):  # the parser makes each field block a Message
            continue
        if str(block.get("Action", "")).strip().lower() != "failed":
            continue
        recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
        words = str(block.get("Diagnostic-Code", "") or block.get("Status", ""))
        return _after_type(recipient), one_line(_after_type(words))
    return None


def _after_type(field: str) -> str:
    """`rfc822; x@y` → `x@y`, `smtp; 550 …` → `550 …` (RFC 3464's type prefix)."""
    head, _, tail = field.partition(";")
    return tail.strip() if tail and " " not in head.strip() else field.strip()


def _message_ids(headers: Message, names: tuple[str, ...]) -> list[str]:
    found = " ".join(str(value) for name in names for value in headers.get_all(name, []))
    return re.findall(r"<[^<>\s]+>", found)


def one_line(text: str, limit: int = 300) -> str:
    """Text from a server on one line, without control characters, at most `limit` characters."""
    words = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


@reads("its text")
def body_text(raw: bytes) -> str:
    """The start of a message's text part (plain, else HTML without its tags), as far as it was fetched."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(("plain", "html")) if message.is_multipart() else message
    if part is None:
        return ""
    try:
        text = str(part.get_content())
    except (LookupError, ValueError, AssertionError, KeyError):  # a truncated part, an unknown charset
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return text[:TEXT_LIMIT]


@reads("its return date")
def return_date(text: str, written: date) -> tuple[date, str] | None:
    """The date an auto-reply names, and whether it is the day they are `back` or the last day `until`
    which they are away; None when it names no such date."""
    back: date | None = None
    until: list[date] = []
    for match in _DATE.finditer(text):
        keyword = _keyword_before(text, match.start())
        if keyword is None:
            continue
        day = _resolve(match, written)
        if day is None:
            continue
        if keyword == "back":
            back = back or day
        else:
            until.append(day)
    if back is not None:
        return back, "back"
    return (max(until), "until") if until else None


def _keyword_before(text: str, start: int) -> str | None:
    """`back` or `until`, from the keyword nearest before a date in the same sentence."""
    before = re.split(r"[\n!?;]|\.\s", text[max(0, start - _CONTEXT) : start])[-1]
    found = list(_KEYWORD.finditer(before))
    if not found:
        return None
    return "back" if found[-1].group("back") else "until"


def _resolve(match: re.Match[str], written: date) -> date | None:
    """The reading of a date that is on or after `written` and nearest to it (within half a year)."""
    group = match.groupdict()
    if group["iy"]:
        readings = [(int(group["iy"]), int(group["im"]), int(group["id"]))]
    else:
        year = group["y1"] or group["y2"] or group["y3"] or group["y4"]
        years = [_full_year(year)] if year else [written.year, written.year + 1]
        readings = [(y, m, d) for y in years for m, d in _month_days(group)]
    found = []
    for y, m, d in readings:
        try:
            found.append(date(y, m, d))
        except ValueError:
            continue
    last = written + _HORIZON if written < date.max - _HORIZON else date.max
    ahead = [day for day in found if written <= day <= last]
    return min(ahead) if ahead else None


def _month_days(group: dict[str, str | None]) -> list[tuple[int, int]]:
    if group["m1"] or group["m2"]:
        name = str(group["m1"] or group["m2"]).lower()
        return [(MONTHS[name], int(str(group["d1"] or group["d2"])))]
    if group["d3"]:
        return [(int(str(group["m3"])), int(str(group["d3"])))]
    first, second = int(str(group["a4"])), int(str(group["b4"]))
    return [(second, first), (first, second)]  # day/month and month/day: both are in use


def _full_year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)
