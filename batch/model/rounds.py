"""Rounds: a later interview at the same company with any of the same people is that process's next round.

Round 2's letters say it is a further conversation, and round 1's check-in, still to go, gives way to
round 2's (the plan says which).
"""

from __future__ import annotations

from collections.abc import Sequence

from batch.model.interview import Interview, Interviewer

# The last list of interviews asked about and its rounds: a batch asks once per message, of one list.
_LAST: list[tuple[Sequence[Interview], dict[str, tuple[int, str | None]]]] = []


def _person(who: Interviewer) -> str:
    return (who.email or who.name).casefold()


def rounds(interviews: Sequence[Interview]) -> dict[str, tuple[int, str | None]]:
    """Each interview's round (1 for the first) and the id of the round right after it (None for the
    latest). Interviews are grouped by company first: a data file of many companies stays linear."""
    if _LAST and _LAST[0][0] is interviews:
        return _LAST[0][1]
    companies: dict[str, list[Interview]] = {}
    for interview in interviews:
        companies.setdefault(interview.company.casefold(), []).append(interview)
    found: dict[str, tuple[int, str | None]] = {}
    for group in companies.values():
        if len(group) == 1:
            found[group[0].id] = (1, None)
            continue
        ordered = sorted(group, key=lambda i: i.start)
        people = [frozenset(_person(p) for p in i.interviewers) for i in ordered]
        for n, later in enumerate(ordered):
            number = 1
            for m, earlier in enumerate(ordered[:n]):
                if earlier.start < later.start and not people[m].isdisjoint(people[n]):
                    number = max(number, found[earlier.id][0] + 1)
                    if found[earlier.id][1] is None:  # the round right after it
                        found[earlier.id] = (found[earlier.id][0], later.id)
            found[later.id] = (number, None)
    _LAST[:] = [(interviews, found)]
    return found


def round_of(interview: Interview, interviews: Sequence[Interview]) -> int:
    """The interview's round in its company's process: 1, or one more than the latest earlier round."""
    return rounds(interviews).get(interview.id, (1, None))[0]


def next_round(interview: Interview, interviews: Sequence[Interview]) -> str | None:
    """The id of the later round that takes this interview's place, or None."""
    return rounds(interviews).get(interview.id, (1, None))[1]
