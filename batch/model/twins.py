"""One interview, one identity: the same interview under another id is recognised, whatever its id or file.

An interview is known by its company (accents, case, punctuation and a legal suffix aside: ACME, Inc. is
Acme), its start and the people it was with (their address, where mail goes, or their name). A
thank-you or check-in that the ledger holds as delivered (or on its way, or uncertain) under another id
for the same company, start and person, or that an interview earlier in the data already calls for, is
the same follow-up again: a renamed id, or the interview copied into a second file. So is one whose
start is within a day of the ledger's when that other id is gone from the data: a rename made together
with a correction of the start (a rename alone leaves no trace in the data, so the old id is gone; an
earlier round still listed keeps its id, and its next round the next day is another interview). It is
held, with a line naming the other id, until the user says it is new (`new_person: true` under the
person, as for a newcomer who replaces a thanked person: keys.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from batch.model.keys import DELIVERED, Delivery, Known, address_key, company_key, name_key

if TYPE_CHECKING:
    from batch.model.interview import Interview, Interviewer


# How far apart two starts may be and still be one interview whose start was corrected.
NEAR = timedelta(days=1)


def start_key(interview: Interview) -> str:
    """The interview's start as the ledger keeps it (YYYY-MM-DD HH:MM, its own wall time)."""
    return f"{interview.start:%Y-%m-%d %H:%M}"


def person_keys(person: Interviewer) -> tuple[str, ...]:
    """Who a person is for recognising an interview: their address as mail goes to it, and their name
    (accents and case aside): a renamed interview whose address was corrected in the same edit is still
    recognised by the name."""
    name = "name:" + name_key(person.name)
    return (address_key(person.email), name) if person.email else (name,)


def _row_people(row: Delivery) -> tuple[str, ...]:
    """The person of a ledger row as person_keys says it: a reminder's recipient is you, so its name."""
    name = "name:" + name_key(row.name)
    return (address_key(row.recipient), name) if row.method == "email" and row.recipient else (name,)


class Elsewhere:
    """The ledger's delivered rows by (company, kind, person), made once per plan: each follow-up is then
    looked up at once, however many interviews the ledger holds for that company."""

    __slots__ = ("_listed", "_rows")

    def __init__(self, known: Known, listed: Iterable[str] = ()) -> None:
        self._listed = frozenset(listed)  # the ids of the data: a row of one of them is that interview's
        self._rows: dict[tuple[str, str, str], list[Delivery]] = {}
        for rows in known.by_start.values():
            for row in rows:
                if row.state in DELIVERED:
                    for one in _row_people(row):
                        self._rows.setdefault((company_key(row.company), row.kind, one), []).append(row)

    def delivered(self, interview: Interview, person: Interviewer, kind: str) -> Delivery | None:
        """A row of another id that the ledger holds as delivered for this company, start and person (for
        a check-in, to anyone on this panel); None when there is none or the user said this one is new.
        A start within a day counts when the row's id is no longer in the data (see the docstring)."""
        if person.new_person or not self._rows:
            return None
        company, start = company_key(interview.company), start_key(interview)
        people = [p for p in interview.interviewers if not p.new_person] if kind == "check-in" else [person]
        for one in people:
            for key in person_keys(one):
                for row in self._rows.get((company, kind, key), ()):
                    if row.interview == interview.id:
                        continue
                    renamed = row.interview not in self._listed
                    if row.start[:16] == start or (renamed and _near(row.start, start)):
                        return row
        return None


def _near(one: str, other: str) -> bool:
    """Whether two starts (YYYY-MM-DD HH:MM) are within a day of each other."""
    try:
        gap = datetime.strptime(one[:16], "%Y-%m-%d %H:%M") - datetime.strptime(other, "%Y-%m-%d %H:%M")
    except ValueError:  # a row written by hand: only the exact start compares
        return False
    return abs(gap) <= NEAR


def near_days(starts: Iterable[str]) -> set[str]:
    """The days (YYYY-MM-DD) a ledger row's start may fall on to be near one of these starts."""
    days: set[str] = set()
    for start in starts:
        try:
            day = datetime.strptime(start[:10], "%Y-%m-%d")
        except ValueError:
            continue
        days.update(f"{day + timedelta(days=n):%Y-%m-%d}" for n in (-1, 0, 1))
    return days


def held_for(row: Delivery, interview: Interview, person: Interviewer) -> str:
    """The line that holds a follow-up the ledger delivered under another id."""
    same = "" if row.start[:16] == start_key(interview) else f", {start_key(interview)} within a day of it"
    return (
        f"the same interview as {row.interview!r} ({row.company}, {row.start}{same}), whose {row.kind} to "
        f"{row.name} is {row.state}: give it back its id {row.interview!r}, or if it is another interview "
        f"or {person.name} is someone else, add new_person: true under them"
    )


class Twins:
    """The interviews of the data that repeat an earlier one (same company, start and a person)."""

    __slots__ = ("_first",)

    def __init__(self, interviews: Iterable[Interview]) -> None:
        self._first: dict[tuple[str, str, str], str] = {}  # (company, start, person) -> the first id
        for interview in interviews:
            for person in interview.interviewers:
                for identity in _identities(interview, person):
                    self._first.setdefault(identity, interview.id)

    def earlier(self, interview: Interview, person: Interviewer, kind: str) -> str | None:
        """The id of an interview earlier in the data that is this one again (for this person; for a
        check-in, any person of the panel), or None."""
        if person.new_person:
            return None
        people = interview.interviewers if kind == "check-in" else (person,)
        for one in people:
            for identity in _identities(interview, one):
                first = self._first.get(identity)
                if first is not None and first != interview.id and not one.new_person:
                    return first
        return None


def _identities(interview: Interview, person: Interviewer) -> list[tuple[str, str, str]]:
    company, start = company_key(interview.company), start_key(interview)
    return [(company, start, key) for key in person_keys(person)]


def twin_line(first: str, person: Interviewer) -> str:
    """The line that holds a follow-up an earlier interview of the data already calls for."""
    return (
        f"the same interview as {first!r} earlier in your data (same company, start and {person.name}): "
        f"remove one of them, or if {person.name} is someone else, add new_person: true under them"
    )
