"""Follow-ups → an iCalendar file: one event per follow-up, in the recipient's zone, with stable UIDs.

Every follow-up is a VEVENT, never a VTODO: Google Calendar and Outlook drop VTODOs from an imported
file, and a call, a card or an email has a time of day, which an event shows where the user looks.
Calls and cards carry an alarm and block the time; emails (the job sends those) are free time.

A calendar app replaces an event it already holds only when the UID matches and SEQUENCE has grown.
So the file keeps every follow-up, those that will no longer happen as STATUS:CANCELLED, and the
previous export at the same path is read back: an event whose content changed gets SEQUENCE + 1, and an
event whose follow-up has left the data is carried forward as cancelled, so a re-import removes it.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar

from batch.data.load import place_of
from batch.errors import FollowUpError
from batch.etiquette.schedule import FollowUp
from batch.etiquette.workdays import recipient_policy
from batch.ledger.private import make_folder, write_file
from batch.letters.compose import compose
from batch.model.interview import Dataset

PRODID = "-//Follow Up//followup calendar//EN"
LENGTHS = {"voicemail": timedelta(minutes=15), "note": timedelta(minutes=30), "email": timedelta(minutes=15)}
# States in which the follow-up still happens (ledger states included: a sent reminder still asks for
# the call; a failed or uncertain email is still the user's business). Any other state cancels it.
LIVE = frozenset({"scheduled", "due", "sending", "sent", "deferred", "failed", "uncertain"})
CANCELLED_WHY = {
    "done": "Marked done in your interviews file: nothing left to do.",
    "expired": "Expired: the window for it closed before it went out, so it will not be sent.",
    "cancelled": "The interview is no longer open ({status}), so it will not be sent.",
    "replied": "They replied, so this follow-up will not be sent.",
    "bounced": "It came back undelivered: correct the address in your interviews file, and while it is "
    "still timely it goes to the new one.",
}
GONE_WHY = "This follow-up is no longer in your interviews data."
_REVISION = "X-FOLLOWUP-REVISION"
_MAX_SEQUENCE = 2**31 - 1  # RFC 5545's integers are 32-bit: one past the largest could not be written


@dataclass(frozen=True, slots=True)
class Previous:
    """An event of the previous export: its SEQUENCE, content fingerprint and the event itself."""

    sequence: int
    revision: str
    event: icalendar.Event


@dataclass(frozen=True, slots=True)
class Counts:
    """What an export holds, for the line the CLI prints."""

    to_do: int  # calls and cards, still to happen
    emails: int  # emails the job sends (or sent)
    cancelled: int
    unreadable: int = 0  # events of the previous export without a UID or a usable SEQUENCE, left out


class Text(icalendar.vText):
    """A TEXT value escaped as RFC 5545 says, every character kept: icalendar's own escaping first turns
    a written backslash-N into a line end (a name such as 'R\\Nova' would lose its letters)."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n").encode("utf-8")


def event_uid(key: str) -> str:
    """The UID of a follow-up's event: a hash of its stable key, so re-imports update in place."""
    return hashlib.sha1(f"{key}@followup".encode()).hexdigest() + "@followup"


def summary_of(item: FollowUp) -> str:
    """The event's title, such as 'Call Jordan Blake (Fabrikam)'."""
    name, company = item.interviewer.name, item.interview.company
    if item.method == "voicemail":
        return f"Call {name} ({company})"
    if item.method == "note":
        return f"Write a card to {name} ({company})"
    bounced = ": bounced" if item.state == "bounced" else ""
    return f"{item.kind.capitalize()} email to {name} ({company}){bounced}"


def export_calendar(
    items: Iterable[FollowUp], data: Dataset, now: datetime, previous: Mapping[str, Previous] | None = None
) -> tuple[bytes, Counts]:
    """The iCalendar bytes for every follow-up (DTSTAMP is `now`), and what they hold."""

    before = previous or {}
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Follow-ups of {data.me.name}")
    tally = {"to_do": 0, "emails": 0, "cancelled": 0}
    seen: set[str] = set()
    for item in items:
        event = event_for(item, data)
        if event["STATUS"] == "CANCELLED":
            tally["cancelled"] += 1
        else:
            tally["emails" if item.sends_email else "to_do"] += 1
        seen.add(str(event["UID"]))
        calendar.add_component(_stamp(event, before.get(str(event["UID"])), now))
    for uid, old in before.items():
        if uid not in seen:
            calendar.add_component(_stamp(_gone(old.event), old, now))
            tally["cancelled"] += 1
    _add_timezones(calendar)
    return calendar.to_ical(), Counts(**tally)


def event_for(item: FollowUp, data: Dataset) -> icalendar.Event:
    """One follow-up as an event, without DTSTAMP or SEQUENCE (those depend on the export)."""

    event = icalendar.Event()
    event.add("uid", event_uid(item.key))
    event.add("dtstart", item.due_at)
    event.add("duration", LENGTHS.get(item.method, timedelta(minutes=15)))
    event.add("summary", Text(summary_of(item)))
    event.add("class", "PRIVATE")
    event.add("categories", ["Follow Up", item.kind])
    event.add("x-followup-key", item.key)
    if item.method == "voicemail" and item.interviewer.phone:
        event.add("location", Text(item.interviewer.phone))
    if item.method == "note" and item.interviewer.address:  # one line: calendars show LOCATION as one
        event.add("location", Text(", ".join(item.interviewer.address.splitlines())))
    if item.state not in LIVE:
        why = CANCELLED_WHY.get(item.state, f"It is {item.state}, so it will not happen.")
        if item.state == "bounced" and item.interviewer.email:
            why = bounced_why(item, data)
        event.add("status", "CANCELLED")
        event.add("transp", "TRANSPARENT")
        event.add("description", Text(why.format(status=item.interview.status)))
        return event
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT" if item.sends_email else "OPAQUE")
    event.add("description", Text(describe(item, data)))
    if not item.sends_email:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(0))
        alarm.add("description", Text(summary_of(item)))
        event.add_component(alarm)
    return event


def bounced_why(item: FollowUp, data: Dataset) -> str:
    """What bounced, to which address, and what to do: a thank-you goes again to a corrected address while
    it is within thank_you_within_days; a check-in waits until a thank-you reached them."""
    person = item.interviewer
    path, line, _ = place_of(item.interview, person)
    to = f"{person.name} <{person.email}>"
    if item.kind != "thank-you":
        return (
            f"Held: the thank-you email to {to} came back undelivered (bounced), and a check-in never "
            f"goes to someone who did not get the thank-you. Correct the address in {path}:{line}."
        )
    days = recipient_policy(data.policy, item.interview, person).thank_you_within_days
    return (
        f"The thank-you email to {to} came back undelivered (bounced), so {person.name} never got it. "
        f"Correct the address in {path}:{line}: the next send sends the thank-you to the new address "
        f"while it is still within thank_you_within_days ({days} days after the interview), that is "
        f"until {item.expires_at:%a %d %b %Y %H:%M %Z}. After that it is not sent again, and no check-in "
        "goes to them either."
    )


def describe(item: FollowUp, data: Dataset) -> str:
    """The event's description: what to do, then the script, the draft or the email, verbatim."""
    composed = compose(item, data)
    person, interview = item.interviewer, item.interview
    about = ", ".join(filter(None, [person.title, interview.company]))
    deadline = f"{item.expires_at:%a %d %b %Y %H:%M %Z}"
    if item.method == "voicemail":
        phone = f" on {person.phone}" if person.phone else ""
        head = (f"Call {person.name}{phone} ({about}). If the call goes to voicemail, leave this "
                f"message (about 30 seconds). Best done by {deadline}.")  # fmt: skip
    elif item.method == "note":
        head = (f"Write a {item.kind} card to {person.name} ({about}) and post it the same day. "
                f"A draft to copy out by hand; best posted by {deadline}.")  # fmt: skip
    else:
        state = "sent it" if item.state == "sent" else "sends it at this time"
        head = (f"Follow Up {state} (state: {item.state}).\n"
                f"To: {person.name} <{person.email}>\nSubject: {composed.words.subject}")  # fmt: skip
    parts = [head, composed.words.text.strip()]
    if item.method == "note" and person.address:
        parts.append(f"Post it to:\n{person.address}")
    if composed.problems:
        problems = "; ".join(composed.problems)
        parts.append(f"Fix before it is due: {problems} (template {composed.words.template}).")
    return "\n\n".join(parts)


def _gone(old: icalendar.Event) -> icalendar.Event:
    """An event of the previous export whose follow-up left the data, as a cancellation."""

    event = icalendar.Event()
    for name in ("uid", "dtstart", "duration", "dtend", "summary", "x-followup-key"):
        if name in old:
            event.add(name, old.decoded(name) if name in ("dtstart", "duration", "dtend") else str(old[name]))
    event.add("class", "PRIVATE")
    event.add("status", "CANCELLED")
    event.add("transp", "TRANSPARENT")
    event.add("description", GONE_WHY)
    return event


def _stamp(event: icalendar.Event, old: Previous | None, now: datetime) -> icalendar.Event:
    """DTSTAMP, and a SEQUENCE that grows only when the content differs from the previous export."""
    revision = hashlib.sha1(event.to_ical()).hexdigest()
    sequence = 0 if old is None else old.sequence + (old.revision != revision)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", sequence)
    event.add(_REVISION, revision)
    return event


def _add_timezones(calendar: icalendar.Calendar) -> None:
    """A VTIMEZONE for every TZID, covering a year either side of the events."""
    starts = [e.decoded("dtstart") for e in calendar.walk("VEVENT")]
    if not starts:
        return
    year = timedelta(days=366)
    calendar.add_missing_timezones(first_date=min(starts).date() - year, last_date=max(starts).date() + year)


def read_previous(path: Path) -> dict[str, Previous]:
    """The events of an earlier export at that path, by UID; empty when there is none."""
    return _read_previous(path)[0]


def _read_previous(path: Path) -> tuple[dict[str, Previous], int]:
    """The events of an earlier export by UID, and how many of its events were left out as unknown."""

    try:
        raw = _read_earlier(path)
    except FileNotFoundError:
        return {}, 0
    except OSError as exc:
        raise FollowUpError(f"{path}: cannot read the previous calendar ({exc.strerror})") from None
    try:
        calendar = icalendar.Calendar.from_ical(raw)
        if not isinstance(calendar, icalendar.Calendar):
            raise ValueError("not one calendar")
    except Exception:  # the parser meets a hand-edited or foreign file: whatever it raises, one line
        # never the parser's words: they quote the file's text, and the file may be one of secrets
        raise FollowUpError(
            f"{path}: not an iCalendar file (its text does not read as one); remove it or choose another "
            "--output"
        ) from None
    if str(calendar.get("PRODID", "")) != PRODID:
        raise FollowUpError(f"{path}: not written by followup calendar; choose another --output or remove it")
    found: dict[str, Previous] = {}
    unknown = 0
    for event in calendar.events:  # walk("VEVENT"), typed
        uid, previous = _previous(event)
        if previous is None:
            unknown += 1
        else:
            found[uid] = previous
    return found, unknown


MAX_EARLIER_BYTES = 256 << 20  # an export of 200,000 follow-ups is well under this


def _read_earlier(path: Path) -> bytes:
    """The bytes of an earlier export: a regular file of an export's size (never a folder, a pipe that
    would block, or a file too large to be one of ours)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "it is not a regular file (a pipe or a device)")
        if info.st_size > MAX_EARLIER_BYTES:
            raise OSError(errno.EFBIG, f"larger than {MAX_EARLIER_BYTES >> 20} MB: not an export of ours")
        return handle.read(MAX_EARLIER_BYTES + 1)


def _previous(event: icalendar.Event) -> tuple[str, Previous | None]:
    """An earlier event by its UID; None when it has no UID or a SEQUENCE we could not raise by one.

    Such an event (edited by hand, or by another program) is treated as unknown: a follow-up that is
    still in the data starts again at SEQUENCE 0.
    """
    try:
        uid = str(event.get("UID", "")).strip()
        sequence = int(event.get("SEQUENCE", 0))
        for name in ("DTSTART", "DURATION", "DTEND"):
            if name in event:
                event.decoded(name)  # _gone copies them when the follow-up has left the data
        _gone(event).to_ical()  # what a follow-up that left the data becomes must be writable
    except Exception:  # a hand-edited event, whatever the parser makes of it: unknown, started afresh
        return str(event.get("UID", "") or ""), None
    if not uid or not 0 <= sequence < _MAX_SEQUENCE or "DTSTART" not in event:  # every event of ours has one
        return uid, None
    return uid, Previous(sequence, str(event.get(_REVISION, "")), event)


def write_calendar(path: Path, items: Iterable[FollowUp], data: Dataset, now: datetime) -> Counts:
    """Export to a file, updating the previous export there (written whole, then moved into place)."""
    previous, unknown = _read_previous(path)
    data_bytes, counts = export_calendar(items, data, now, previous)
    counts = dataclasses.replace(counts, unreadable=unknown)
    try:
        make_folder(path.parent)
        write_file(path, data_bytes)  # 0600: names, numbers and whole letters
    except OSError as exc:
        raise FollowUpError(f"{path}: cannot write the calendar ({exc.strerror})") from None
    return counts
