"""Rounds: the interviews of one hiring process, in the order they start; a later one is its next round.

One hiring process is the interviews at the same company (its name compared as people write it: case,
accents, punctuation and a legal form such as SAS, Inc. or S.A. de C.V. aside) for the same role or with
any of the same people, together with an interview that shares an interviewer's address with one of
them under a name that shares a word ("Atelier" and "Atelier Numérique": the same person at two wholly
different names is an agency's recruiter, two processes; `check` warns of the first). A later round
cancels every check-in of the earlier rounds still to go (the plan says which round took its place),
and its letters speak of a further conversation only to the people met before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import combinations, pairwise
from typing import NamedTuple

from batch.model.interview import Interview, Interviewer
from batch.model.keys import address_key, company_key, name_key

# Marks a job advert adds to a title ("(H/F)", "(m/w/d)"): the same role either way.
_ROLE_MARKS = frozenset({"hf", "fh", "mf", "fm", "mwd", "mfd", "wmd", "fhx", "hfx"})
_WORD = re.compile(r"[^\W_]+")


class Round(NamedTuple):
    """An interview's place in its process: its round (1 for the first), the id of the round right after
    it (None for the latest), who was met in the earlier rounds (person_keys), and the ids of the
    process's interviews, first to last."""

    number: int
    later: str | None
    met: frozenset[str]
    process: tuple[str, ...]


def _words(text: str) -> list[str]:
    """A name's words, accents, case and punctuation aside, runs of single letters joined (S.A.S. → sas)."""
    bare = text
    if not text.isascii():
        bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words: list[str] = []
    letters = False  # whether the last word is a run of single letters
    for word in _WORD.findall(bare.casefold()):
        if len(word) == 1 and letters:
            words[-1] += word
        else:
            words.append(word)
            letters = len(word) == 1
    return words


@lru_cache(maxsize=4096)
def role_key(role: str) -> str:
    """A role in one comparable form: "Ingénieure Données (H/F)" = "ingenieure donnees"."""
    return " ".join(word for word in _words(role) if word not in _ROLE_MARKS)


def person_keys(person: Interviewer) -> frozenset[str]:
    """Who a person is across interviews: their address, and their name (accents and case aside)."""
    name = "name:" + (
        " ".join(person.name.casefold().split()) if person.name.isascii() else name_key(person.name)
    )
    return frozenset({address_key(person.email), name}) if person.email else frozenset({name})


def _people(interview: Interview) -> frozenset[str]:
    return frozenset().union(*(person_keys(p) for p in interview.interviewers))


def _by_address(interviews: Sequence[Interview]) -> dict[str, list[tuple[int, Interview]]]:
    """The interviews each interviewer's address is in (by position in the list)."""
    found: dict[str, list[tuple[int, Interview]]] = {}
    for n, interview in enumerate(interviews):
        for address in {address_key(p.email) for p in interview.interviewers if p.email}:
            found.setdefault(address, []).append((n, interview))
    return found


# Words too common in company names to tell that two names are one company.
_COMMON = frozenset(
    {"the", "of", "de", "la", "le", "les", "el", "los", "las", "del", "des", "du", "and", "et", "y", "e",
     "group", "groupe", "grupo"}
)  # fmt: skip


def _related(one: str, other: str) -> bool:
    """Whether two company names may be one company written two ways (they share a word of substance):
    the same person at two wholly different names is an agency's recruiter, two processes."""
    return not (set(company_key(one).split()) & set(company_key(other).split())) <= _COMMON


class _Joined:
    """Interviews joined into processes (a union-find over their positions)."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, n: int) -> int:
        while self.parent[n] != n:
            self.parent[n] = self.parent[self.parent[n]]
            n = self.parent[n]
        return n

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


# The last list of interviews asked about and its rounds: a batch asks once per message, of one list.
_LAST: list[tuple[Sequence[Interview], dict[str, Round]]] = []


def _same(one: Sequence[Interview], other: Sequence[Interview]) -> bool:
    """Whether two lists hold the very same interviews (the loader's list and the data's tuple of it)."""
    return one is other or (len(one) == len(other) and all(a is b for a, b in zip(one, other, strict=True)))


def rounds(interviews: Sequence[Interview]) -> dict[str, Round]:
    """Each interview's Round, by id. Joined through dictionaries, so a data file of many companies
    stays linear."""
    if _LAST and _same(_LAST[0][0], interviews):
        _LAST[:] = [(interviews, _LAST[0][1])]  # the next ask of this list is then `is`, not a walk of it
        return _LAST[0][1]
    joined = _Joined(len(interviews))
    first: dict[tuple[str, ...], int] = {}
    people = {interview.id: _people(interview) for interview in interviews}
    for n, interview in enumerate(interviews):
        company = company_key(interview.company)
        marks = [("role", company, role_key(interview.role))]
        marks += [("person", company, one) for one in people[interview.id]]
        for mark in marks:
            joined.join(n, first.setdefault(mark, n))
    for shared in _by_address(interviews).values():  # one person at two names of a company: one process
        for (a, one), (b, other) in combinations(shared, 2):
            if _related(one.company, other.company):
                joined.join(a, b)
    groups: dict[int, list[Interview]] = {}
    for n, interview in enumerate(interviews):
        groups.setdefault(joined.find(n), []).append(interview)
    found: dict[str, Round] = {}
    for group in groups.values():
        found.update(_numbered(sorted(group, key=lambda i: i.start), people))
    _LAST[:] = [(interviews, found)]
    return found


def _numbered(ordered: list[Interview], people: dict[str, frozenset[str]]) -> dict[str, Round]:
    """The rounds of one process, its interviews in the order they start (two at one time share a round)."""
    ids = tuple(i.id for i in ordered)
    if len(ordered) == 1:  # most processes: one interview
        return {ordered[0].id: Round(1, None, frozenset(), ids)}
    found: dict[str, Round] = {}
    for n, interview in enumerate(ordered):
        earlier = [i for i in ordered[:n] if i.start < interview.start]
        later = next((i.id for i in ordered[n + 1 :] if i.start > interview.start), None)
        met = frozenset().union(*(people[i.id] for i in earlier))
        found[interview.id] = Round(len({i.start for i in earlier}) + 1, later, met, ids)
    return found


def round_of(interview: Interview, interviews: Sequence[Interview]) -> int:
    """The interview's round in its hiring process: 1, or one more than the rounds that started before it."""
    found = rounds(interviews).get(interview.id)
    return found.number if found is not None else 1


def round_for(interview: Interview, person: Interviewer, interviews: Sequence[Interview]) -> int:
    """The round a letter to this person speaks of: the interview's, when they were met in an earlier
    round; 1 for someone met for the first time (a later round's words would tell them otherwise)."""
    found = rounds(interviews).get(interview.id)
    if found is None or found.met.isdisjoint(person_keys(person)):
        return 1
    return found.number


def next_round(interview: Interview, interviews: Sequence[Interview]) -> str | None:
    """The id of the later round that takes this interview's place, or None."""
    found = rounds(interviews).get(interview.id)
    return found.later if found is not None else None


class Doubt(NamedTuple):
    """Two interviews that may or may not be one hiring process, and what was taken: `person` is the
    shared interviewer that joined two company names, None when one company's two roles were kept apart."""

    later: Interview
    earlier: Interview
    person: Interviewer | None


def doubts(interviews: Sequence[Interview]) -> list[Doubt]:
    """Where the processes rest on a guess `check` should show: a shared address joining two company
    names, or the same company for another role with none of the same people (kept apart)."""
    found = rounds(interviews)
    by_company: dict[str, list[Interview]] = {}
    by_address: dict[str, list[tuple[Interview, Interviewer]]] = {}
    for interview in sorted(interviews, key=lambda i: i.start):
        by_company.setdefault(company_key(interview.company), []).append(interview)
        for person in interview.interviewers:
            if person.email:
                by_address.setdefault(address_key(person.email), []).append((interview, person))
    said: dict[str, Doubt] = {}
    for seen in by_address.values():
        for (earlier, _), (later, person) in pairwise(seen):
            names = company_key(earlier.company), company_key(later.company)
            if names[0] != names[1] and _related(*names) and earlier.start < later.start:
                said.setdefault(later.id, Doubt(later, earlier, person))
    for group in by_company.values():
        for n, later in enumerate(group):
            apart = (e for e in group[:n] if e.id not in found[later.id].process and e.start < later.start)
            if (first := next(apart, None)) is not None:
                said.setdefault(later.id, Doubt(later, first, None))
    return list(said.values())
