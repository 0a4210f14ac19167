"""Where the people are, apart from where you are: the zone each interview is in, held against the one the
ledger saw it in, and the recipients a top-level holiday country does not describe.

Your own `me.timezone` is where you are now (your reminders, your Date header, your log). An interview
with no `timezone:` of its own is in `me.home` (by default `me.timezone`); the ledger remembers the zone
it was planned in, so that editing `me.timezone` for a trip cannot move anyone else's mail unnoticed.
The zone is noted under the interview's id and under its company and start (twins.py's identity), so a
renamed id, or a respelled company, still finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from batch.data.load import places_of
from batch.errors import Problem
from batch.etiquette.schedule import FollowUp
from batch.etiquette.workdays import top_country_disagrees
from batch.model.interview import Dataset, Interview, Interviewer
from batch.model.keys import name_key
from batch.model.twins import start_key

# Follow-ups that may still go: a zone that moves under them would move when they go.
_LIVE = ("scheduled", "due", "waiting", "held")


def zones_of(data: Dataset) -> dict[str, tuple[str, bool]]:
    """Each interview's zone, and whether the interview names it itself (else it is your home's)."""
    return {i.id: (i.where(data.me), i.timezone is not None) for i in data.interviews}


def _keys(interview: Interview) -> tuple[str, str]:
    """The names the ledger notes an interview's zone under: its id, and its company and start."""
    return interview.id, f"@{name_key(interview.company)} {start_key(interview)}"


def noted(interview: Interview, remembered: Mapping[str, str]) -> str | None:
    """The zone the ledger noted for this interview, under its id or else its company and start."""
    return next((remembered[key] for key in _keys(interview) if key in remembered), None)


def zones_to_remember(data: Dataset, remembered: Mapping[str, str]) -> dict[str, str]:
    """What the ledger should note: a zone first seen, one the interview itself now names, and the zone
    already noted under the interview's other name (so either name alone finds it later)."""
    found: dict[str, str] = {}
    for interview in data.interviews:
        was = noted(interview, remembered)
        zone = interview.where(data.me) if interview.timezone is not None or was is None else was
        found |= {key: zone for key in _keys(interview) if remembered.get(key) != zone}
    return found


def zone_moves(data: Dataset, items: Iterable[FollowUp], remembered: Mapping[str, str]) -> list[Problem]:
    """A problem at each interview with follow-ups still to go whose zone, taken from your `me:` because
    it names none, is no longer the one the ledger planned it in (it would move their mail)."""
    live = {item.interview.id for item in items if item.state in _LIVE}
    moved = [
        (i, was)
        for i in data.interviews
        if i.timezone is None
        and i.id in live
        and (was := noted(i, remembered)) is not None
        and was != i.where(data.me)
    ]
    places = places_of([(interview, None) for interview, _ in moved])
    return [
        _moved(interview, was, data, place) for (interview, was), place in zip(moved, places, strict=True)
    ]


def unnoted(
    data: Dataset, items: Iterable[FollowUp], remembered: Mapping[str, str], why: str
) -> list[Problem]:
    """A warning at each interview with follow-ups still to go whose zone is only your `me.timezone` (it
    names none, and no `me.home` is set) with nothing noted to hold it to: an edit of me.timezone for a
    trip would move its people's mail unnoticed. `why` says why nothing is noted (no ledger yet)."""
    if data.me.home:
        return []
    live = {item.interview.id for item in items if item.state in _LIVE}
    found = [
        i for i in data.interviews if i.timezone is None and i.id in live and noted(i, remembered) is None
    ]
    places = places_of([(interview, None) for interview in found])
    here = data.me.timezone
    return [
        Problem(
            *place,
            f"warning: {interview.id} names no timezone: of its own, so it takes me.timezone ({here}), "
            f"where you are now, and {why}: an edit of me.timezone for a trip would move when its people "
            f"get mail (add timezone: {here} to the interview, or set me.home: {here})",
        )
        for interview, place in zip(found, places, strict=True)
    ]


def _moved(interview: Interview, was: str, data: Dataset, place: tuple[str, int, int]) -> Problem:
    now = data.me.home_zone
    which = "me.home" if data.me.home else "me.timezone"
    return Problem(
        *place,
        f"{interview.id} names no timezone: and was planned in {was}; {which} now puts it in {now}, "
        f"which would move when its people get mail (add timezone: {was} to the interview, "
        f"or set me.home: {was} and keep me.timezone for where you are)",
    )


def holiday_warnings(data: Dataset) -> list[Problem]:
    """A warning at each recipient whose zone lies outside the top-level policy's country: its holidays
    are not theirs, and they keep their own unless the interview or they name a country."""
    top = data.policy.country
    found: list[tuple[Interview, Interviewer, str]] = []
    for interview in data.interviews if top else ():
        for person in interview.interviewers:
            if person.policy is not None or interview.policy is not None:
                continue
            where = person.timezone or interview.where(data.me)
            theirs = top_country_disagrees(data.policy, where)
            if theirs is not None:
                found.append((interview, person, f"{where} ({theirs})"))
    places = places_of([(interview, person) for interview, person, _ in found])
    return [
        Problem(
            *place,
            f"warning: {person.name} reads mail in {where}, outside the top-level policy's country "
            f"{top}: the public holidays of where they are apply to them, not {top}'s (if they keep "
            f"{top}'s, add policy: {{country: {top}}} to them or to the interview)",
        )
        for (_, person, where), place in zip(found, places, strict=True)
    ]
