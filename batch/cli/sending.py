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
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_OK,
    interrupted,
    now_of,
    os_error_line,
    secret_files,
    state_of,
    zone,
)
from batch.cli.terminal import Stamp, Stamped
from batch.errors import FollowUpError
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
    try:
        return _send(args, out, err, stamp)
    except FollowUpError as exc:  # printed here rather than by main(), so that cron.log has its time too
        print(exc, file=err)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # the same
        return interrupted(exc, err)
    except OSError as exc:  # the same: a path or file the system refuses, as one line
        print(os_error_line(exc), file=err)
        return EXIT_INPUT


def _asleep(args: argparse.Namespace) -> bool:
    """Whether the note an idle run left says this run has nothing to do either (wake.py), so that it
    stops here, before anything is loaded. A --now without an offset needs the data's zone: not here."""
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
    from batch.data.load import data_files, load
    from batch.mail.deliver import send_due

    files = data_files(getattr(args, "data", None), Path.cwd())
    watched, wall_ns = wake.watch(_watched(args, files)), time.time_ns()  # before reading: an edit shows
    data = load(files, secret_files())
    templates = {Path(i.source).parent / i.template for i in data.interviews if i.template is not None}
    watched += wake.watch(sorted(templates))  # read by the load: one changed since shows as racy
    now = now_of(args, data)
    stamp.home, stamp.clock = zone(data.me.timezone), _clock(now, args)
    smtp, copies = _mail_settings()  # every mail setting checked first, also on a dry run: a typo fails now
    settings = None if args.dry_run else smtp
    dry_run = settings is None
    progress = err.isatty()
    said_dry = False

    def transport() -> Transport:
        nonlocal said_dry
        # late: smtplib and ssl only when something is to go
        from batch.mail.transport import Outbox, Smtp

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
        data, now, state=state_of(args), transport=transport, dry_run=dry_run, clock=stamp.clock,
        env=os.environ, limit=args.limit, sleep=_sleep, announce=announce, report=report,
        copies=None if settings is None else copies,
    )  # fmt: skip
    if result.idle and not said:  # the next runs may stop early until something can change
        salt = wake.new_salt()
        wake.write_note(state_of(args), made=now, until=result.next_change, key=(salt, _wake_key(args, salt)),
                        watched=watched, wall_ns=wall_ns, beat=settings is not None)  # fmt: skip
    else:
        wake.forget(state_of(args))
    if said_dry:
        print(f"preview: {_write_preview(args.outbox, result.composed, data, now)}", file=out)
    if any(outcome.state == "rejected" for outcome in result.outcomes):
        return EXIT_INPUT  # the data or a template needs fixing (the rest of the batch went on)
    return EXIT_OK if result.ok else EXIT_FAILED


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


def _write_preview(outbox: Path, composed: list[Composed], data: model.Dataset, now: datetime) -> Path:
    # late: only a dry run writes the preview page
    from batch.views.preview import write_preview

    return write_preview(outbox, composed, data, now)
