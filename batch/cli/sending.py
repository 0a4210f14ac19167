"""followup send: the command cron runs. Its imports come late, in order: an idle run stops at the
wake-up note before the data is even read, and a run with nothing due never loads jinja2 or smtplib.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from batch.cli.common import (
    DEFAULT_TEST_STATE,
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_OK,
    data_home,
    interrupted,
    now_of,
    os_error_line,
    secret_files,
    state_of,
    zone,
)
from batch.cli.terminal import Stamp, Stamped, error_lines
from batch.errors import FollowUpError, InputError, one_line
from batch.ledger import wake

if TYPE_CHECKING:
    from batch.account.settings import SmtpSettings
    from batch.inbox.sentcopy import SentCopies
    from batch.letters.compose import Composed
    from batch.mail.outcome import Outcome
    from batch.mail.transport import Transport
    from batch.model import interview as model


def cmd_send(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup send: deliver what is due now; silent when nothing is; each line it writes says when."""
    if _asleep(args):
        return EXIT_OK
    stamp = Stamp(lambda: datetime.now(UTC))
    if getattr(args, "now", None) is not None:  # acting as another moment: say that moment, also on errors
        with contextlib.suppress(FollowUpError):
            stamp.clock = _clock(now_of(args, None), args)
    # Stamped has all of TextIO that the commands use (write, flush, isatty), not the rest
    out, err = Stamped(out, stamp), Stamped(err, stamp)  # type: ignore[assignment]
    # late: past the wake-up note; an idle run never sets a deadline
    from batch.account.settings import run_deadline
    from batch.cli.alarm import Alarm

    alarm = Alarm()
    try:
        with alarm.set(run_deadline(os.environ)):
            return _send(args, out, err, stamp)
    except FollowUpError as exc:  # printed here rather than by main(), so that cron.log has its time too
        print(error_lines(exc), file=err)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # the same
        if alarm.rang is not None:
            print(f"stopped: the run took longer than FOLLOWUP_RUN_DEADLINE ({alarm.rang:g} s); a delivery "
                  "under way is settled on the next run, the rest stay due", file=err)  # fmt: skip
            return EXIT_FAILED
        return interrupted(exc, err)
    except OSError as exc:  # the same: a path or file the system refuses, as one line
        print(one_line(os_error_line(exc)), file=err)
        return EXIT_INPUT


def _asleep(args: argparse.Namespace) -> bool:
    """Whether the note an idle run left says this run has nothing to do either (wake.py), so that it
    stops here, before anything is loaded. A --now without an offset needs the data's zone: not here."""
    if getattr(args, "dry_run", False):  # a preview asked for always writes its page (views/preview.py)
        return False
    text = getattr(args, "now", None)
    try:
        now = datetime.now(UTC) if text is None else datetime.fromisoformat(text)
    except ValueError:
        return False  # the full run says what is wrong with it
    return now.tzinfo is not None and wake.asleep(state_of(args), now, lambda salt: _wake_key(args, salt))


def _wake_key(args: argparse.Namespace, salt: str) -> str:
    options = {name: value for name, value in vars(args).items() if name != "now"}
    return wake.settings_key(options, os.environ, Path.cwd(), salt)


def _watched(args: argparse.Namespace, files: list[Path]) -> list[Path]:
    """What an idle run's plan rests on besides the clock: the data files, the places more could appear
    (the folder, the default files), the ledger and the files the settings name."""
    # late: sqlite3 is not needed to find the wake-up note's files
    from batch.ledger.schema import database_files

    data = getattr(args, "data", None)
    cwd = Path.cwd()
    places = [data] if data is not None else [cwd / "interviews.yaml", cwd / "interviews"]
    ledger = database_files(state_of(args))
    named = [
        Path(value)
        for name, value in sorted(os.environ.items())
        if name.startswith("FOLLOWUP_") and name.endswith("_FILE")
    ]
    return [*places, *files, *ledger, *named]


def _send(args: argparse.Namespace, out: TextIO, err: TextIO, stamp: Stamp) -> int:
    # late: past the wake-up note now; what follows loads the data, then only what the run needs
    from batch.data.load import DataError, data_files, load
    from batch.mail.deliver import send_due

    files = data_files(getattr(args, "data", None), Path.cwd())
    watched, wall_ns = wake.watch(_watched(args, files)), time.time_ns()  # before reading: an edit shows
    try:
        data = load(files, secret_files())
    except DataError as exc:  # its lines in your zone, as every other line of the run
        _stamp_in(stamp, exc.timezone, args)
        raise
    _keep_tests_apart(args, data, err)
    templates = {Path(i.source).parent / i.template for i in data.interviews if i.template is not None}
    watched += wake.watch(sorted(templates))  # read by the load: one changed since shows as racy
    now = now_of(args, data)
    stamp.home, stamp.clock = zone(data.me.timezone), _clock(now, args)
    smtp, copies = _mail_settings()  # every mail setting checked first, also on a dry run: a typo fails now
    settings = None if args.dry_run else smtp
    dry_run = settings is None
    if getattr(args, "until", None) is not None and not dry_run:
        raise InputError("--until only shapes a dry run's preview page: add --dry-run")
    if settings is not None:
        _refuse_the_starters_name(data)
        _refuse_another_moment(args, now, settings)
        _check_ledger(args, data, now)
    progress = err.isatty()
    said_dry = False
    if args.dry_run:  # the page and the outbox show this run alone, even when nothing is due
        _clear_outbox(args.outbox, out)

    def transport() -> Transport:
        nonlocal said_dry
        # late: smtplib and ssl only when something is to go
        from batch.mail.transport import Outbox, Smtp

        if settings is not None:
            return Smtp(settings)
        why = "--dry-run" if args.dry_run else "no SMTP settings (FOLLOWUP_SMTP_HOST is not set)"
        print(f"dry run, {why}: writing to {args.outbox}/new/, sending and recording nothing", file=out)
        said_dry = True
        if not args.dry_run:  # an asked-for dry run cleared its outbox before planning
            _clear_outbox(args.outbox, out)
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
        data, now, state=state_of(args), transport=transport, dry_run=dry_run, clock=stamp.clock,
        env=os.environ, limit=args.limit, sleep=_sleep, announce=announce, report=report,
        copies=None if settings is None else copies,
    )  # fmt: skip
    if settings is not None and result.outcomes:  # what went is known by its interviews (ledgers.py)
        # late: as in _check_ledger
        from batch.cli.ledgers import record_sent, registry_path

        record_sent(registry_path(os.environ), state_of(args))
    if args.dry_run:  # asked for: no wake-up note of its own, and the real run's note still holds
        pass
    elif result.idle and not said:  # the next runs may stop early until something can change
        salt = wake.new_salt()
        wake.write_note(state_of(args), made=now, until=result.next_change, key=(salt, _wake_key(args, salt)),
                        watched=watched, wall_ns=wall_ns, beat=settings is not None)  # fmt: skip
    else:
        wake.forget(state_of(args))
    if said_dry or args.dry_run:  # asked for, the page is written even when nothing is due
        for line in _write_preview(args, result.composed, data, now):
            print(line, file=out)
    if any(outcome.state == "rejected" for outcome in result.outcomes):
        return EXIT_INPUT  # the data or a template needs fixing (the rest of the batch went on)
    return EXIT_OK if result.ok else EXIT_FAILED


def _stamp_in(stamp: Stamp, name: str | None, args: argparse.Namespace) -> None:
    """Stamp the run's lines in the zone your me: names (and read a --now without an offset in it), when
    the data could not be loaded but its me: could."""
    if name is None:
        return
    home = zone(name)
    stamp.home = home
    text = getattr(args, "now", None)
    with contextlib.suppress(ValueError, TypeError):
        moment = datetime.fromisoformat(text) if text is not None else None
        if moment is not None and moment.tzinfo is None:
            stamp.clock = _clock(moment.replace(tzinfo=home), args)


def _clear_outbox(outbox: Path, out: TextIO) -> None:
    """Take away the letters earlier dry runs wrote (never a file they did not write), and say so."""
    # late: only a dry run touches the outbox
    from batch.mail.outbox import clear

    removed = clear(outbox)
    if removed:
        letters = f"{removed} letter{'s' * (removed != 1)}"
        print(f"removed from {outbox}/new/ the {letters} an earlier dry run wrote", file=out)


def _keep_tests_apart(args: argparse.Namespace, data: model.Dataset, err: TextIO) -> None:
    """A copy of the data whose every email goes to you (the guide's test with yourself) is recorded in
    a ledger of its own unless --state names one: never in the real ledger, where your letters to
    yourself would read as the real thank-yous sent."""
    # late: keys is loaded with the data by now
    from batch.model.keys import is_self_test

    if getattr(args, "state", None) is None and is_self_test(data.interviews, data.me.email):
        args.state = data_home(getattr(args, "data", None)) / DEFAULT_TEST_STATE
        print(f"a test: every email goes to you ({data.me.email}), so this run is recorded in "
              f"{args.state}, never in your ledger", file=err)  # fmt: skip


def _refuse_the_starters_name(data: model.Dataset) -> None:
    """Letters signed "Your Name" from you@example.com never go: the starter's me: was left as it was."""
    # late: spec is loaded with the data by now; at the top it would weigh on the run the note stops
    from batch.data.spec import STARTER_ME

    if data.me.name == STARTER_ME[0] or data.me.email == STARTER_ME[1]:
        raise InputError(
            f"{data.files[0] if data.files else 'interviews.yaml'}: me: is still the starter's example "
            f"({data.me.name}, {data.me.email}): put your own name and address in before a real send"
        )


# How far --now may stand from the clock on a real send to a mail server elsewhere (a minute of drift, or a
# cron run a little late, is the same moment).
NOW_SLACK = timedelta(minutes=10)


def _refuse_another_moment(args: argparse.Namespace, now: datetime, settings: SmtpSettings) -> None:
    """A real send acts at the real moment: with --now elsewhere it would date real mail at that moment and
    record it as sent, so the follow-up never goes when it is really due. A server on this machine (a
    test sink, a local relay) may still be driven through time, as the tests do."""
    if getattr(args, "now", None) is None or abs(now - datetime.now(UTC)) <= NOW_SLACK:
        return
    # late: the loopback test lives with the settings, already loaded by now
    from batch.account.settings import is_loopback

    if not is_loopback(settings.host):
        raise InputError(
            f"--now {args.now}: a real send to {settings.host} happens now, not then; it would date real "
            "mail at that moment and record it as sent (use send --dry-run --now … to see what would go)"
        )


def _check_ledger(args: argparse.Namespace, data: model.Dataset, now: datetime) -> None:
    """A real run needs the right ledger: not one moved away, nor a new one while follow-ups are past due
    (ledgerplace.py; a run on a ledger that is there, as every cron run, stops at two stats), nor a second
    one for the same interviews (ledgers.py)."""
    state = state_of(args)
    new = getattr(args, "state", None) is None and not args.new_ledger and not state.exists()
    if new or state.with_name(state.name + ".moved").exists():
        # late: only a run that may be refused loads it (and the planner it asks)
        from batch.cli.ledgerplace import refuse_if_moved, refuse_new_ledger_if_overdue

        refuse_if_moved(state)
        if new:
            refuse_new_ledger_if_overdue(state, data, now)
    # late: a real send past the wake-up note only (json, hashlib and the ledger's reads)
    from batch.cli.ledgers import refuse_another_ledger, registry_path

    refuse_another_ledger(registry_path(os.environ), state, data, args.new_ledger)


def _mail_settings() -> tuple[SmtpSettings | None, SentCopies | None]:
    # late: read once the data is loaded; an idle run never gets here
    from batch.account.settings import mail_settings
    from batch.inbox.sentcopy import sent_copies

    smtp, imap = mail_settings(os.environ)
    return smtp, sent_copies(os.environ, smtp, imap)


def _clock(now: datetime, args: argparse.Namespace) -> Callable[[], datetime]:
    """The time at each moment of a run: the clock, or --now moving on as the run takes time."""

    if getattr(args, "now", None) is None:
        return lambda: datetime.now(UTC)
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


def _sleep(seconds: float) -> None:

    time.sleep(seconds)


def _write_preview(
    args: argparse.Namespace, composed: list[Composed], data: model.Dataset, now: datetime
) -> list[str]:
    """Write the preview page of what is due now and what comes next; the lines that say so."""
    # late: only a dry run writes the preview page
    from batch.cli.planning import parse_when
    from batch.etiquette.schedule import plan
    from batch.ledger.reads import read_entries, read_states
    from batch.views.preview import nothing_due_line, window_lines, write_preview
    from batch.views.window import window_of

    until = parse_when(getattr(args, "until", None), "--until", zone(data.me.timezone), now)
    items = plan(data, now, read_states(state_of(args)))
    window = window_of(composed, items, data, now, until, read_entries(state_of(args)))
    nothing = nothing_due_line(window, data)
    page = write_preview(args.outbox, window, data, now)
    return [*window_lines(window, data, now), *([nothing] if nothing else []), f"preview: {page}"]
