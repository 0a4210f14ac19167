"""The command line: arguments, the clock, the environment, the terminal and exit codes, and nothing else.

Past 300 lines on purpose: it is the whole edge of eight commands, so that the core reads no clock, no
environment and prints nothing; the streams it writes through and the table shape are in `terminal`.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from .errors import FollowUpError, InputError, Problem
from .terminal import Output, Stamp, Stamped, finish, write_rows, write_table

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from . import model, schedule
    from .compose import Composed
    from .deliver import Outcome
    from .keys import Known
    from .ledger import Entry
    from .sentcopy import SentCopies
    from .settings import SmtpSettings
    from .transport import Transport

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_LOCKED = 0, 1, 2, 75
DEFAULT_STATE = Path("var/followup.db")
DEFAULT_OUTBOX = Path("var/outbox")
DEFAULT_CALENDAR = Path("var/followups.ics")


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose help is laid out for the terminal's width measured once.

    argparse makes a formatter for each argument it adds, and each asks shutil for the terminal's size:
    ~40 asks and the import of shutil (with its compression modules) on every run, help or not.
    """

    def _get_formatter(self) -> argparse.HelpFormatter:
        return self.formatter_class(prog=self.prog, width=_columns() - 2)  # type: ignore[call-arg]  # all take it


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
        "--state", type=Path, default=argparse.SUPPRESS, help=f"the ledger file (default: {DEFAULT_STATE})"
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


class Terminated(KeyboardInterrupt):
    """SIGTERM (a shutdown, `timeout`, systemd stopping the job): stopped as Ctrl-C stops a run."""


def _terminate(number: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (the console script exits with it)."""
    import gc

    # Loading and planning build many small objects and no cycles: the collector's default, a pass
    # every 700 new containers, cost ~3% of the idle cron run (bench idle) and more on a big file.
    # Cycles are still collected, a pass every 100,000.
    gc.set_threshold(100_000, 50, 100)
    args = _parser().parse_args(argv)
    out, err = Output(sys.stdout), Output(sys.stderr)
    import signal

    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (a caller's own thread): only the main one may set a handler
        previous = None
    try:
        code = COMMANDS[args.command](args, cast(TextIO, out), cast(TextIO, err))
    except FollowUpError as exc:
        print(exc, file=err)
        code = exc.exit_code
    except KeyboardInterrupt as exc:
        code = _interrupted(exc, cast(TextIO, err))
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


def _interrupted(exc: KeyboardInterrupt, err: TextIO) -> int:
    """Say that Ctrl-C or SIGTERM stopped the command; its exit code."""
    print("interrupted; a delivery under way is settled on the next run", file=err)
    return 143 if isinstance(exc, Terminated) else 130


def _load(args: argparse.Namespace) -> model.Dataset:
    from .load import data_files, load

    return load(data_files(getattr(args, "data", None), Path.cwd()))


def zone(name: str) -> ZoneInfo:
    """The time zone of that name (fields.zone; imported when needed, so that an idle `send` stops sooner)."""
    from .fields import zone

    return zone(name)


def _print_warnings(data: model.Dataset, err: TextIO) -> None:
    """The data's warnings, a line each (check, plan and calendar; a cron send stays quiet about them)."""
    for warning in data.warnings:
        print(warning, file=err)


def _state(args: argparse.Namespace) -> Path:
    return getattr(args, "state", None) or DEFAULT_STATE


def _now(args: argparse.Namespace, data: model.Dataset | None) -> datetime:
    text = getattr(args, "now", None)
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--now: {text!r} is not an ISO-8601 time (e.g. 2026-11-24T18:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(data.me.timezone) if data else UTC)
    if not 1900 <= moment.year <= 2999:  # far enough for any interview; date arithmetic stays in range
        raise InputError(f"--now: {text!r} is outside the years 1900-2999")
    return moment


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup check: the data, then the lint over every message it would produce (and hints)."""
    from . import lint
    from .compose import review
    from .ledger import read_states
    from .load import place_of
    from .schedule import plan

    data = _load(args)
    _print_warnings(data, err)
    now = _now(args, data)
    items = plan(data, now)
    found = review(data, items)
    try:
        known = read_states(_state(args))
    except FollowUpError:  # the ledger's own trouble is status's and doctor's to report, not the data's
        known = None
    for item in plan(data, now, known) if known else ():  # what the ledger holds against it
        if item.state == "held":
            place = place_of(item.interview, item.interviewer)
            print(
                Problem(*place, f"warning: {item.key} is held: {item.why.partition('; held: ')[2]}"), file=err
            )
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


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup plan"""
    from .ledger import read_entries, read_states
    from .schedule import plan

    data = _load(args)
    _print_warnings(data, err)
    now, states = _now(args, data), read_states(_state(args))
    items = plan(data, now, states)
    items, problem = _with_replies(data, now, states, items, lambda: read_entries(_state(args)))
    if problem:
        print(f"cannot look for replies, so due check-ins show as due (send holds them): {problem}", file=err)
    if args.next or args.since or args.until:
        return _write_agenda(args, data, now, items, out)
    if args.json:
        write_json_rows((plan_row(item) for item in items), out)
    else:
        write_table(items, out, zone(data.me.timezone))
    return EXIT_OK


def _write_agenda(
    args: argparse.Namespace, data: model.Dataset, now: datetime, items: list[schedule.FollowUp], out: TextIO
) -> int:
    """plan --since/--until/--next: what goes in that span (or the next one), in their time and yours."""
    from .agenda import both_times, next_line, span_text, upcoming

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


def cmd_send(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup send: deliver what is due now; silent when nothing is; each line it writes says when."""
    if _asleep(args):
        return EXIT_OK
    stamp = Stamp(lambda: datetime.now(UTC))
    if getattr(args, "now", None) is not None:  # acting as another moment: say that moment, also on errors
        with contextlib.suppress(FollowUpError):
            stamp.clock = _clock(_now(args, None), args)
    # Stamped has all of TextIO that the commands use (write, flush, isatty), not the rest
    out, err = Stamped(out, stamp), Stamped(err, stamp)  # type: ignore[assignment]
    try:
        return _send(args, out, err, stamp)
    except FollowUpError as exc:  # printed here rather than by main(), so that cron.log has its time too
        print(exc, file=err)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # the same
        return _interrupted(exc, err)


def _asleep(args: argparse.Namespace) -> bool:
    """Whether the note an idle run left says this run has nothing to do either (wake.py), so that it
    stops here, before anything is loaded. A --now without an offset needs the data's zone: not here."""
    from .wake import asleep

    text = getattr(args, "now", None)
    try:
        now = datetime.now(UTC) if text is None else datetime.fromisoformat(text)
    except ValueError:
        return False  # the full run says what is wrong with it
    return now.tzinfo is not None and asleep(_state(args), now, lambda salt: _wake_key(args, salt))


def _wake_key(args: argparse.Namespace, salt: str) -> str:
    from .wake import settings_key

    options = {name: value for name, value in vars(args).items() if name != "now"}
    return settings_key(options, os.environ, Path.cwd(), salt)


def _watched(args: argparse.Namespace, files: list[Path]) -> list[Path]:
    """What an idle run's plan rests on besides the clock: the data files, the places more could appear
    (the folder, the default files), the ledger and the files the settings name."""
    from .ledger import database_files

    data = getattr(args, "data", None)
    cwd = Path.cwd()
    places = [data] if data is not None else [cwd / "interviews.yaml", cwd / "interviews"]
    ledger = database_files(_state(args))
    named = [
        Path(value)
        for name, value in sorted(os.environ.items())
        if name.startswith("FOLLOWUP_") and name.endswith("_FILE")
    ]
    return [*places, *files, *ledger, *named]


def _send(args: argparse.Namespace, out: TextIO, err: TextIO, stamp: Stamp) -> int:
    import time

    from . import wake
    from .deliver import send_due
    from .load import data_files, load

    files = data_files(getattr(args, "data", None), Path.cwd())
    watched, wall_ns = wake.watch(_watched(args, files)), time.time_ns()  # before reading: an edit shows
    data = load(files)
    templates = {Path(i.source).parent / i.template for i in data.interviews if i.template is not None}
    watched += wake.watch(sorted(templates))  # read by the load: one changed since shows as racy
    now = _now(args, data)
    stamp.home, stamp.clock = zone(data.me.timezone), _clock(now, args)
    smtp, copies = _mail_settings()  # every mail setting checked first, also on a dry run: a typo fails now
    settings = None if args.dry_run else smtp
    dry_run = settings is None
    progress = err.isatty()
    said_dry = False

    def transport() -> Transport:
        nonlocal said_dry
        from .transport import Outbox, Smtp

        if settings is not None:
            return Smtp(settings)
        why = "--dry-run" if args.dry_run else "no SMTP settings (FOLLOWUP_SMTP_HOST is not set)"
        print(f"dry run, {why}: writing to {args.outbox}/new/, sending and recording nothing", file=out)
        said_dry = True
        return Outbox(args.outbox)

    def report(outcome: Outcome) -> None:
        if progress:
            err.write("\r\033[K")
        print(outcome.line, file=out if outcome.ok else err)

    said: list[str] = []

    def announce(line: str) -> None:
        said.append(line)
        print(line, file=err)

    result = send_due(
        data, now, state=_state(args), transport=transport, dry_run=dry_run, clock=stamp.clock,
        env=os.environ, limit=args.limit, sleep=_sleep, announce=announce, report=report,
        copies=None if settings is None else copies,
    )  # fmt: skip
    if result.idle and not said:  # the next runs may stop early until something can change
        salt = wake.new_salt()
        wake.write_note(_state(args), made=now, until=result.next_change, key=(salt, _wake_key(args, salt)),
                        watched=watched, wall_ns=wall_ns, beat=settings is not None)  # fmt: skip
    else:
        wake.forget(_state(args))
    if said_dry:
        print(f"preview: {_write_preview(args.outbox, result.composed, data, now)}", file=out)
    if any(outcome.state == "rejected" for outcome in result.outcomes):
        return EXIT_INPUT  # the data or a template needs fixing (the rest of the batch went on)
    return EXIT_OK if result.ok else EXIT_FAILED


def _mail_settings() -> tuple[SmtpSettings | None, SentCopies | None]:
    from .sentcopy import sent_copies
    from .settings import mail_settings

    smtp, imap = mail_settings(os.environ)
    return smtp, sent_copies(os.environ, smtp, imap)


def _clock(now: datetime, args: argparse.Namespace) -> Callable[[], datetime]:
    """The time at each moment of a run: the clock, or --now moving on as the run takes time."""
    import time

    if getattr(args, "now", None) is None:
        return lambda: datetime.now(UTC)
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


def _sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def _with_replies(
    data: model.Dataset,
    now: datetime,
    states: Known,
    items: list[schedule.FollowUp],
    entries: Callable[[], list[Entry]],
) -> tuple[list[schedule.FollowUp], str | None]:
    """The plan after a look for replies (replies.plan_with_replies), made only when a check-in is due."""
    if not any(item.kind == "check-in" and item.state == "due" for item in items):
        return items, None
    from .replies import plan_with_replies

    return plan_with_replies(data, now, states, items, entries, os.environ)


def _write_preview(outbox: Path, composed: list[Composed], data: model.Dataset, now: datetime) -> Path:
    from .preview import write_preview

    return write_preview(outbox, composed, data, now)


def cmd_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup status: every delivery the ledger holds, and when `send` last ran."""
    from .ledger import count_owed_copies, read_entries
    from .wake import read_heartbeat

    state = _state(args)
    last = read_heartbeat(state)
    entries = read_entries(state)
    data = _data_or_none(args, err)
    known = None if data is None else {i.id for i in data.interviews}
    home = zone(data.me.timezone if data else "UTC")
    rows = [dict(vars_of(e), in_data=known is None or e.interview in known) for e in entries]
    if args.json:
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    ran = (
        f"{last.astimezone(home):%a %Y-%m-%d %H:%M %Z}"
        if last
        else "never (no heartbeat yet: only a send with mail settings leaves one, not a dry run)"
    )
    print(f"last send run: {ran}", file=out)
    if owed := count_owed_copies(state):
        print(f"copies owed to your Sent folder: {owed} (filed by the next run that reaches it)", file=out)
    if not entries:
        print(f"nothing delivered yet ({state} holds no deliveries)", file=out)
        return EXIT_OK
    table = [("KEY", "STATE", f"WHEN ({home.key})", "KIND", "TO", "INTERVIEW", "SERVER'S REPLY")]
    for row in rows:
        interview = str(row["interview"]) + ("" if row["in_data"] else " (no longer in the data)")
        when = datetime.fromisoformat(str(row["finished_at"] or row["claimed_at"])).astimezone(home)
        to = f"{row['name']} (reminder to you)" if row["method"] != "email" else str(row["recipient"])
        table.append((str(row["key"]), str(row["state"]), f"{when:%Y-%m-%d %H:%M}", str(row["kind"]), to,
                      interview, _one_line(str(row["reply"] or ""))))  # fmt: skip
    write_rows(table, out)
    return EXIT_OK


def _one_line(text: str) -> str:
    """A server's reply on one line, with no control characters left to reach the terminal."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def vars_of(entry: Entry) -> dict[str, object]:
    """A ledger entry as a plain dict."""
    return entry._asdict()


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _data_or_none(args: argparse.Namespace, err: TextIO) -> model.Dataset | None:
    try:
        return _load(args)
    except InputError:
        print("(the data has problems, see followup check; listing the ledger alone, times in UTC)", file=err)
        return None


def cmd_calendar(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup calendar: every follow-up as an event, in a file a calendar app imports or subscribes to."""
    from .calendar import export_calendar, write_calendar
    from .ledger import read_states
    from .schedule import plan

    data = _load(args)
    _print_warnings(data, err)
    now = _now(args, data)
    items = plan(data, now, read_states(_state(args)))
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
        f"calendar: {args.output}: {_count(counts.to_do, 'call or card', 'calls and cards')} to do, "
        f"{_count(counts.emails, 'email', 'emails')}, "
        f"{counts.cancelled} cancelled",
        file=out,
    )
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup doctor: a line per check of what a cron run needs; exits as that run would; sends nothing."""
    from .doctor import run_checks, verdict

    findings = run_checks(lambda: _load(args), lambda data: _now(args, data), _state(args), os.environ)
    for finding in findings:
        print(finding.line, file=out)
    print(verdict(findings), file=out)
    return max(finding.exit_code for finding in findings)


def cmd_resolve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup resolve KEY --sent|--retry"""
    from .ledger import Ledger, locked

    state = _state(args)
    if not state.exists():
        raise FollowUpError(f"{state}: no ledger yet, so nothing to resolve")
    with locked(state), Ledger(state) as ledger:
        entry = ledger.resolve(args.key, sent=args.sent, now=_now(args, None))
    what = "recorded as sent" if args.sent else "will be sent again on the next run, with the same Message-ID"
    print(f"{entry.key}: {what}", file=out)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup schema: the JSON Schema an editor checks interviews.yaml with, made from the model."""
    from .schema import schema_text

    out.write(schema_text())
    return EXIT_OK


COMMANDS = {
    "check": cmd_check,
    "plan": cmd_plan,
    "send": cmd_send,
    "status": cmd_status,
    "resolve": cmd_resolve,
    "doctor": cmd_doctor,
    "calendar": cmd_calendar,
    "schema": cmd_schema,
}
