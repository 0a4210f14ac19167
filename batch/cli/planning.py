"""The commands that plan: check, plan (table, JSON, agenda) and calendar.

Imported only when one of them runs, so their imports sit at the top: nothing here is on the idle path.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from batch.cli.common import EXIT_OK, count_of, load_data, now_of, print_warnings, state_of, zone
from batch.cli.terminal import write_rows, write_table
from batch.data.load import place_of
from batch.errors import FollowUpError, InputError, Problem
from batch.etiquette.places import holiday_warnings, unnoted, zone_moves, zones_to_remember
from batch.etiquette.schedule import plan
from batch.ledger.reads import read_entries, read_states, read_zones
from batch.ledger.zonebook import note_zones
from batch.letters import lint
from batch.letters.compose import review
from batch.views.agenda import both_times, goes_text, next_line, span_text, upcoming
from batch.views.calendar import export_calendar, write_calendar

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from batch.etiquette import schedule
    from batch.ledger.schema import Entry
    from batch.model import interview as model
    from batch.model.keys import Known


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup check: the data, then the lint over every message it would produce (and hints)."""

    data = load_data(args)
    print_warnings(data, err)
    for warning in holiday_warnings(data):
        print(warning, file=err)
    now = now_of(args, data)
    items = plan(data, now)
    found = review(data, items)
    try:
        known, zones = read_states(state_of(args)), read_zones(state_of(args))
    except FollowUpError:  # the ledger's own trouble is status's and doctor's to report, not the data's
        known, zones = None, {}
    if moved := zone_moves(data, items, zones):
        raise InputError([*found.problems, *moved])
    hold_zones(args, data, items, zones, now, err)
    print_held(plan(data, now, known) if known else [], err)  # what the ledger holds against it
    problems = found.problems
    for warning in found.warnings:
        print(warning, file=err)
    if problems:
        raise InputError(problems)
    for interview, hint in lint.note_hints(data.interviews):
        print(Problem(*place_of(interview), f"hint: {hint}"), file=out)
    files = len(data.files)
    print(
        f"ok: {len(data.interviews)} interviews, {len(items)} follow-ups, every message within the etiquette "
        f"({files} file{'s' * (files != 1)})",
        file=out,
    )
    return EXIT_OK


def hold_zones(
    args: argparse.Namespace,
    data: model.Dataset,
    items: list[schedule.FollowUp],
    zones: Mapping[str, str],
    now: datetime,
    err: TextIO,
) -> None:
    """Note in the ledger the zone of each interview seen for the first time (one small write, once), so
    that an edit of me.timezone alone cannot move its mail; where none can be noted (no ledger yet), a
    warning at each interview whose zone is only where you are now."""
    state = state_of(args)
    new = zones_to_remember(data, zones)
    if new and note_zones(state, new, now):
        zones = {**zones, **new}
    there = os.path.exists(state)  # False too where it cannot be looked at
    why = (
        f"{state} could not note it" if there else f"no ledger at {state} notes it yet (the first send will)"
    )
    for warning in unnoted(data, items, zones, why):
        print(warning, file=err)


def print_held(items: list[schedule.FollowUp], err: TextIO) -> None:
    """A warning at its place for each follow-up held for the user's word (keys.py, twins.py)."""
    for item in items:
        if item.state == "held":
            place = place_of(item.interview, item.interviewer)
            print(
                Problem(*place, f"warning: {item.key} is held: {item.why.partition('; held: ')[2]}"), file=err
            )


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup plan"""

    data = load_data(args)
    print_warnings(data, err)
    now, states = now_of(args, data), read_states(state_of(args))
    items = plan(data, now, states)
    zones = read_zones(state_of(args))
    for moved in zone_moves(data, items, zones):  # send refuses these: say so here
        print(moved._replace(message=f"warning: {moved.message}; send refuses until then"), file=err)
    hold_zones(args, data, items, zones, now, err)
    items, problem = _with_replies(
        data, now, states, items, lambda: read_entries(state_of(args)), lambda line: print(line, file=err)
    )
    if problem:
        print(f"cannot look for replies, so due check-ins show as due (send holds them): {problem}", file=err)
    print_held(items, err)
    if args.next or args.since or args.until:
        return _write_agenda(args, data, now, items, out)
    if args.json:
        write_json_rows((plan_row(item) for item in items), out)
    else:
        home = zone(data.me.timezone)
        write_table(items, out, lambda item: goes_text(item, now, home))
    return EXIT_OK


def _write_agenda(
    args: argparse.Namespace, data: model.Dataset, now: datetime, items: list[schedule.FollowUp], out: TextIO
) -> int:
    """plan --since/--until/--next: what goes in that span (or the next one), in their time and yours."""

    home = zone(data.me.timezone)
    since = _when(args.since, "--since", home, now, end_of_day=False)
    until = _when(args.until, "--until", home, now, end_of_day=True)
    found = upcoming(items, now, since, until)
    if args.next:
        first = found[0] if found else None
        if args.json:
            out.write(json.dumps(first and plan_row(first[0]), indent=2, ensure_ascii=False) + "\n")
        else:
            print(next_line(first, now, home), file=out)
        return EXIT_OK
    if args.json:
        write_json_rows((plan_row(item) for item, _ in found), out)
        return EXIT_OK
    count = f"{len(found)} follow-up{'s' * (len(found) != 1)}" if found else "nothing"
    print(f"{count} to go {span_text(max(since or now, now), until, home)}", file=out)
    rows = [("GOES (their time = yours)", "STATE", "KIND", "METHOD", "TO", "INTERVIEW")]
    for item, moment in found:
        rows.append((both_times(item, moment, home), item.state, item.kind, item.method,
                     item.interviewer.name, item.interview.id))  # fmt: skip
    if found:
        write_rows(rows, out)
    return EXIT_OK


def parse_when(text: str | None, flag: str, home: ZoneInfo, now: datetime) -> datetime | None:
    """An --until value as a moment (a date runs to its end), for the commands besides plan."""
    return _when(text, flag, home, now, end_of_day=True)


def _when(text: str | None, flag: str, home: ZoneInfo, now: datetime, end_of_day: bool) -> datetime | None:
    """A --since or --until value as a moment: a date starts (or, for --until, ends) in your zone."""
    if text is None:
        return None
    words = {"today": 0, "tomorrow": 1}
    try:
        if text.strip().lower() in words:
            day = now.astimezone(home).date() + timedelta(days=words[text.strip().lower()])
        elif len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
        else:
            moment = datetime.fromisoformat(text.strip())
            return _in_range(moment if moment.tzinfo else moment.replace(tzinfo=home), flag, text)
    except ValueError:
        example = "2026-11-25, 2026-11-25T18:00 or tomorrow"
        raise InputError(f"{flag}: {text!r} is not a date or an ISO-8601 time (e.g. {example})") from None
    day += timedelta(days=1) if end_of_day else timedelta(0)  # until a date: to its very end
    return _in_range(datetime.combine(day, datetime.min.time(), tzinfo=home), flag, text)


def _in_range(moment: datetime, flag: str, text: str) -> datetime:
    if not 1900 <= moment.year <= 2999:  # as --now: date arithmetic stays far from its limits
        raise InputError(f"{flag}: {text!r} is outside the years 1900-2999")
    return moment


def write_json_rows(rows: Iterable[Mapping[str, object]], out: TextIO) -> None:
    """A JSON list written a row at a time (the same text as json.dump with indent=2), so a plan of
    any length never holds all its rows in memory at once.

    json.dumps with an indent falls back to the pure-Python encoder; a row of strings (every row of
    plan) is spelled out here with the C string encoder instead: the same text, about 3x faster.
    """
    from json.encoder import encode_basestring as quoted  # the C one, as json.dumps(ensure_ascii=False)

    separator = "[\n  "
    for row in rows:
        if row and all(type(value) is str for value in row.values()):
            pairs = [quoted(k) + ": " + quoted(str(v)) for k, v in row.items()]  # str(): a no-op, for mypy
            text = "{\n    " + ",\n    ".join(pairs) + "\n  }"
        else:
            text = json.dumps(row, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        out.write(separator + text)
        separator = ",\n  "
    out.write("[]\n" if separator.startswith("[") else "\n]\n")


def plan_row(item: schedule.FollowUp) -> dict[str, str]:
    """One follow-up as the JSON object `plan --json` prints."""
    due, expires = item.due_at.isoformat(), item.expires_at.isoformat()
    return {
        "key": item.key,
        "id": item.key,  # design.md's name for the key
        "interview": item.interview.id,
        "company": item.interview.company,
        "kind": item.kind,
        "method": item.method,
        "recipient": item.recipient,
        "name": item.interviewer.name,
        "due_at": due,
        "expires_at": expires,
        "deadline": expires,  # design.md's name for expires_at
        "sends_at": item.sends_at.isoformat(),  # the next opening while it is waiting, else due_at
        "state": item.state,
        "why": item.why,
    }


def _with_replies(
    data: model.Dataset,
    now: datetime,
    states: Known,
    items: list[schedule.FollowUp],
    entries: Callable[[], list[Entry]],
    notice: Callable[[str], None],
) -> tuple[list[schedule.FollowUp], str | None]:
    """The plan after a look for replies (replies.plan_with_replies), made only when a check-in is due."""
    if not any(item.kind == "check-in" and item.state == "due" for item in items):
        return items, None
    # late: imaplib and ssl only when a check-in is due
    from batch.inbox.replies import plan_with_replies

    return plan_with_replies(data, now, states, items, entries, os.environ, notice)


def cmd_calendar(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup calendar: every follow-up as an event, in a file a calendar app imports or subscribes to."""

    data = load_data(args)
    print_warnings(data, err)
    now = now_of(args, data)
    items = plan(data, now, read_states(state_of(args)))
    if args.output == "-":
        out.write(export_calendar(items, data, now)[0].decode("utf-8"))
        return EXIT_OK
    counts = write_calendar(Path(args.output), items, data, now)
    if counts.unreadable:
        print(
            f"warning: {args.output}: {counts.unreadable} earlier event{'s' * (counts.unreadable != 1)} "
            "had no UID or an unusable SEQUENCE; written afresh (a calendar app may keep its old copy)",
            file=err,
        )
    print(
        f"calendar: {args.output}: {count_of(counts.to_do, 'call or card', 'calls and cards')} to do, "
        f"{count_of(counts.emails, 'email', 'emails')}, "
        f"{counts.cancelled} cancelled",
        file=out,
    )
    return EXIT_OK
