"""The interviews file's values: the candidate, the interviewers, the interviews, the whole data set.

Its keys are read by `data.spec`, checked by `data.checks` and loaded from files by `data.load`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from batch.errors import Problem
from batch.model.policy import LocalPolicy, Policy

KINDS = ("thank-you", "check-in")
METHODS = ("email", "voicemail", "note")
DELAYS = ("same-day", "next-day", "two-days")
STATUSES = ("open", "offer", "rejected", "withdrawn", "closed")


# NamedTuples, as every record of the idle cron path (see errors.Problem): `plan` and the loader make one
# per interview and per person, and nothing compares one kind with another.
class Me(NamedTuple):
    """The candidate: who the follow-ups come from."""

    name: str
    email: str
    timezone: str  # where you are now: your reminders, your Date header, your log
    phone: str | None = None
    reply_to: str | None = None
    language: str | None = None  # the language of your reminders, and of every message by default
    home: str | None = None  # where your interviews are, when they name no zone: by default `timezone`

    @property
    def home_zone(self) -> str:
        """The zone of every interview that names none: `home`, else `timezone`."""
        return self.home or self.timezone


class Interviewer(NamedTuple):
    """One person who interviewed the candidate; each gets a message of their own."""

    name: str
    email: str | None = None
    title: str | None = None
    timezone: str | None = None
    phone: str | None = None
    method: str | None = None
    topics: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    policy: LocalPolicy | None = None  # their public holidays, when not the interview's
    check_in: bool = False  # the check-in goes to them (else to the first interviewer listed)
    new_person: bool = False  # not the thanked person who left the panel (see keys.py)
    address: str | None = None  # where a card is posted: lines parted by newlines (fields.parse_address)
    note: str | None = None  # a line in the user's own words that their message carries
    language: str | None = None  # the language of their messages, when not the interview's
    greeting: str | None = None  # the letter's first line as the user says it ("Dear Mary Ann,")


class Interview(NamedTuple):
    """One interview the candidate is waiting to hear back from."""

    id: str
    company: str
    role: str
    start: datetime  # naive wall time in `timezone`
    end: datetime
    interviewers: tuple[Interviewer, ...]
    timezone: str | None = None
    delay: str = "same-day"
    method: str = "email"
    decision_by: date | None = None
    status: str = "open"
    done: tuple[str, ...] = ()
    template: str | None = None
    notes: str | None = None
    policy: LocalPolicy | None = None  # its interviewers' public holidays, when not the top level's
    language: str | None = None  # the language of its messages, when not yours
    source: str = ""
    index: int = 0  # type: ignore[assignment]  # shadows tuple.index(), never called on a record

    def where(self, me: Me) -> str:
        """The zone the interview took place in: its own, else your home's (never where you are now)."""
        return self.timezone or me.home_zone


class Dataset(NamedTuple):
    """Everything the job reads: the candidate, the etiquette numbers and the interviews."""

    me: Me
    policy: Policy
    interviews: tuple[Interview, ...]
    files: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()  # what works but is likely not what was meant, with its place
