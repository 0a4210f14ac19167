"""The command line's entry: the parser, the signals, and the command that runs.

The commands live in families (`planning`, `sending`, `upkeep`), what they share in `common`, the
streams and tables in `terminal`. Together they are the only code that reads the clock, the
environment and the terminal, so the core does none of it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, NoReturn, TextIO, cast

from batch.cli.common import (
    DEFAULT_CALENDAR,
    DEFAULT_OUTBOX,
    DEFAULT_STATE,
    EXIT_FAILED,
    EXIT_INPUT,
    Terminated,
    interrupted,
    os_error_line,
)
from batch.cli.terminal import ESCAPED, Output, error_lines, finish
from batch.errors import FollowUpError, one_line

if TYPE_CHECKING:
    pass


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose help is laid out for the terminal's width measured once.

    argparse makes a formatter for each argument it adds, and each asks shutil for the terminal's size:
    ~40 asks and the import of shutil (with its compression modules) on every run, help or not.
    """

    def _get_formatter(self) -> argparse.HelpFormatter:
        return self.formatter_class(prog=self.prog, width=_columns() - 2)  # type: ignore[call-arg]  # all take it

    def error(self, message: str) -> NoReturn:
        """argparse's usage error, on one line whatever the arguments it quotes hold (a newline …)."""
        super().error(one_line(message))


@functools.cache
def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size gives it: $COLUMNS, else stdout's, else 80."""
    with contextlib.suppress(ValueError):
        if (columns := int(os.environ.get("COLUMNS", "0"))) > 0:
            return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
        return 80


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--data",
        type=Path,
        default=argparse.SUPPRESS,
        help="a YAML file or a folder of them (default: interviews.yaml and interviews/*.yaml)",
    )
    common.add_argument(
        "--now", default=argparse.SUPPRESS, help="act as if it were this ISO-8601 time (default: the clock)"
    )
    common.add_argument(
        "--state",
        type=Path,
        default=argparse.SUPPRESS,
        help=f"the ledger file (default: {DEFAULT_STATE} beside the data, whatever the current directory)",
    )
    parser = _Parser(
        prog="followup",
        parents=[common],
        description="Interview follow-ups, due by the etiquette, delivered exactly once.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _command(commands, "check", [common], "validate the data and lint every message it would produce")
    plan = _command(commands, "plan", [common], "list every follow-up and its state")
    plan.add_argument("--json", action="store_true", help="print JSON instead of a table")
    plan.add_argument(
        "--until",
        metavar="WHEN",
        help="only what goes before then: a date (to its end), an ISO-8601 time, today or tomorrow; "
        "in your time zone unless it has an offset",
    )
    plan.add_argument(
        "--since", metavar="WHEN", help="only what goes from then on (default: now); as --until"
    )
    plan.add_argument("--next", action="store_true", help="one line: the next follow-up to go, and when")
    send = _command(commands, "send", [common], "deliver what is due now")
    send.add_argument("--dry-run", action="store_true", help="write to the outbox, send and record nothing")
    send.add_argument(
        "--outbox",
        type=Path,
        default=DEFAULT_OUTBOX,
        metavar="FOLDER",
        help=f"the dry run's Maildir (default: {DEFAULT_OUTBOX})",
    )
    send.add_argument(
        "--limit", type=_positive, default=None, metavar="N", help="deliver at most N in this run"
    )
    send.add_argument(
        "--new-ledger",
        action="store_true",
        help="start the default ledger even though follow-ups are past their due time, or make this "
        "ledger the one for this data when another records it (only when none was sent from elsewhere)",
    )
    send.add_argument(
        "--until",
        metavar="WHEN",
        help="a dry run's preview page also shows what goes before then (as plan --until; "
        "default: the next follow-up to go)",
    )
    status = _command(commands, "status", [common], "what the ledger holds")
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")

    _command(commands, "doctor", [common], "would a cron run work? data, state, mail logins; sends nothing")
    calendar = _command(
        commands, "calendar", [common], "write every follow-up as an event in an iCalendar file"
    )
    calendar.add_argument(
        "--output",
        default=str(DEFAULT_CALENDAR),
        help=f"the .ics file, updated in place on each export; - for stdout (default: {DEFAULT_CALENDAR})",
    )
    _command(
        commands,
        "schema",
        [],
        "print the JSON Schema of interviews.yaml (for your editor; see interviews.schema.json)",
    )
    init = _command(commands, "init", [], "make a private workspace for your interviews, apart from the tool")
    init.add_argument("dir", type=Path, metavar="DIR", help="the new workspace's folder (new or empty)")
    init.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="CHECKOUT",
        help="move the data and the ledger of an existing checkout or folder in, instead of a starter",
    )
    init.add_argument(
        "--force", action="store_true", help="write into a folder that is not empty (never over a file)"
    )
    resolve = _command(
        commands, "resolve", [common], "settle an uncertain delivery after checking your Sent folder"
    )
    resolve.add_argument("key", help="the follow-up's key, as status shows it")
    how = resolve.add_mutually_exclusive_group(required=True)
    how.add_argument("--sent", action="store_true", help="it did arrive: never send it again")
    how.add_argument("--retry", action="store_true", help="it did not arrive: send it on the next run")
    return parser


def _command(
    commands: argparse._SubParsersAction[_Parser], name: str, parents: list[_Parser], what: str
) -> _Parser:
    """One command, with what it does in the list of commands and atop its own --help."""
    return commands.add_parser(name, parents=parents, help=what, description=what[0].upper() + what[1:] + ".")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _terminate(number: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (the console script exits with it)."""

    # Loading and planning build many small objects and no cycles: the collector's default, a pass
    # every 700 new containers, cost ~3% of the idle cron run (bench idle) and more on a big file.
    # Cycles are still collected, a pass every 100,000.
    gc.set_threshold(100_000, 50, 100)
    # An ASCII-only terminal (PYTHONIOENCODING=ascii, LC_ALL=C …) shows a name's é as \u00e9, never a
    # traceback; the escape is also valid JSON (plan --json).
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors=ESCAPED)  # type: ignore[union-attr]
    args = _parser().parse_args(argv)
    out, err = Output(sys.stdout), Output(sys.stderr)

    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (a caller's own thread): only the main one may set a handler
        previous = None
    try:
        code = command(args.command)(args, cast(TextIO, out), cast(TextIO, err))
    except FollowUpError as exc:
        print(error_lines(exc), file=err)
        code = exc.exit_code
    except KeyboardInterrupt as exc:
        code = interrupted(exc, cast(TextIO, err))
    except OSError as exc:  # a path or a file the system refuses, wherever it was met: one line, no traceback
        print(one_line(os_error_line(exc)), file=err)
        code = EXIT_INPUT
    except KeyError as exc:  # zoneinfo's ZoneInfoNotFoundError, matched without importing zoneinfo here
        if type(exc).__name__ != "ZoneInfoNotFoundError":
            raise
        said = str(exc.args[0]) if exc.args else exc.__class__.__name__
        print(f"the time zone database cannot be read ({said}): install the tzdata package "
              "(pip install tzdata) or your system's tzdata", file=err)  # fmt: skip
        code = EXIT_INPUT
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return finish(code, out, err, EXIT_FAILED)


# Each command's module, imported when it runs: `send` (what cron runs) loads least.
FAMILIES = {
    "check": "planning",
    "plan": "planning",
    "calendar": "planning",
    "send": "sending",
    "status": "upkeep",
    "resolve": "upkeep",
    "doctor": "upkeep",
    "schema": "upkeep",
    "init": "workspace",
}


def command(name: str) -> Callable[[argparse.Namespace, TextIO, TextIO], int]:
    """The function that runs one command (each family of commands is a module of its own)."""
    # late: only the running command's module is loaded (cron's idle `send` stops before most of batch)
    if FAMILIES[name] == "planning":
        from batch.cli import planning as planning_  # (late, as above)

        family: ModuleType = planning_
    elif FAMILIES[name] == "sending":
        from batch.cli import sending  # (late, as above)

        family = sending
    elif FAMILIES[name] == "workspace":
        from batch.cli import workspace  # (late, as above)

        family = workspace
    else:
        from batch.cli import upkeep  # (late, as above)

        family = upkeep
    run: Callable[[argparse.Namespace, TextIO, TextIO], int] = getattr(family, f"cmd_{name}")
    return run
