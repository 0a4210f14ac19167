"""The command line: arguments, the clock, the environment, the terminal and exit codes, and nothing else."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from . import model, schedule
from .errors import FollowUpError, InputError
from .fields import zone

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_LOCKED = 0, 1, 2, 75


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data",
        type=Path,
        default=argparse.SUPPRESS,
        help="a YAML file or a folder of them (default: interviews.yaml and interviews/*.yaml)",
    )
    common.add_argument(
        "--now",
        default=argparse.SUPPRESS,
        help="act as if it were this ISO-8601 time (default: the clock)",
    )
    common.add_argument(
        "--state",
        type=Path,
        default=argparse.SUPPRESS,
        help="the ledger file (default: var/followup.db)",
    )
    parser = argparse.ArgumentParser(
        prog="followup",
        parents=[common],
        description="Interview follow-ups, due by the etiquette, delivered exactly once.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "check", parents=[common], help="validate the data and lint every message it would produce"
    )
    plan = commands.add_parser("plan", parents=[common], help="list every follow-up and its state")
    plan.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (the console script exits with it)."""
    args = _parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        return COMMANDS[args.command](args, out, err)
    except FollowUpError as exc:
        print(exc, file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130


def _load(args: argparse.Namespace) -> model.Dataset:
    data = getattr(args, "data", None)
    files = model.data_files(data, Path.cwd())
    return model.load(files)


def _now(args: argparse.Namespace, data: model.Dataset) -> datetime:
    text = getattr(args, "now", None)
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--now: {text!r} is not an ISO-8601 time (e.g. 2026-11-24T18:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(data.me.timezone))
    return moment


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup check"""
    data = _load(args)
    items = schedule.plan(data, _now(args, data))
    files = len(data.files)
    print(
        f"ok: {len(data.interviews)} interviews, {len(items)} follow-ups in {files} file{'s' * (files != 1)}",
        file=out,
    )
    return EXIT_OK


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup plan"""
    data = _load(args)
    items = schedule.plan(data, _now(args, data))
    if args.json:
        json.dump([plan_row(item) for item in items], out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        write_table(items, out)
    return EXIT_OK


def plan_row(item: schedule.FollowUp) -> dict[str, str]:
    """One follow-up as the JSON object `plan --json` prints."""
    return {
        "key": item.key,
        "interview": item.interview.id,
        "company": item.interview.company,
        "kind": item.kind,
        "method": item.method,
        "recipient": item.recipient,
        "name": item.interviewer.name,
        "due_at": item.due_at.isoformat(),
        "expires_at": item.expires_at.isoformat(),
        "state": item.state,
        "why": item.why,
    }


def write_table(items: list[schedule.FollowUp], out: TextIO) -> None:
    """The plan as an aligned table, one follow-up a line."""
    rows = [("DUE (recipient's time)", "STATE", "KIND", "METHOD", "TO", "INTERVIEW")]
    for item in items:
        due = item.due_at.strftime("%a %Y-%m-%d %H:%M %Z")
        rows.append((due, item.state, item.kind, item.method, item.interviewer.name, item.interview.id))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")
    if len(rows) == 1:
        out.write("(no interviews yet: add one to interviews.yaml)\n")


COMMANDS = {"check": cmd_check, "plan": cmd_plan}
