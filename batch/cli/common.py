"""What every command shares: exit codes, default paths, the data loaded, the moment to act as, Ctrl-C."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from batch.errors import InputError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from batch.data.secrets import Secrets
    from batch.model import interview as model


EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_LOCKED = 0, 1, 2, 75


DEFAULT_STATE = Path("var/followup.db")  # under the data's home (data_home), never the current directory


DEFAULT_TEST_STATE = Path("var/test.db")  # a send of data whose every email goes to you (sending.py)


DEFAULT_OUTBOX = Path("var/outbox")


DEFAULT_CALENDAR = Path("var/followups.ics")


class Terminated(KeyboardInterrupt):
    """SIGTERM (a shutdown, `timeout`, systemd stopping the job): stopped as Ctrl-C stops a run."""


def interrupted(exc: KeyboardInterrupt, err: TextIO) -> int:
    """Say that Ctrl-C or SIGTERM stopped the command; its exit code."""
    print("interrupted; a delivery under way is settled on the next run", file=err)
    return 143 if isinstance(exc, Terminated) else 130


def os_error_line(exc: OSError) -> str:
    """An error of the system (a permission, a name too long, a full disk) as one line with its place."""
    said = exc.strerror or str(exc) or type(exc).__name__
    where = f"{exc.filename}: " if exc.filename is not None else ""
    return f"{where}{said} ({type(exc).__name__}); nothing more was done"


def load_data(args: argparse.Namespace) -> model.Dataset:
    # late: the loader and PyYAML stay off an idle `send`, which stops at the wake-up note
    from batch.data.load import data_files, load

    return load(data_files(getattr(args, "data", None), Path.cwd()), secret_files())


def secret_files() -> Secrets:
    """Where the settings keep secrets (a password or token file, the settings' folder; a CA file is
    public): never a letter's template, never read as data (data/secrets.py)."""
    # late: as load_data
    from batch.data.secrets import from_settings

    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no HOME and no passwd entry (a bare container): no folder of yours
        home = Path("/nonexistent")
    return from_settings(os.environ, home)


def zone(name: str) -> ZoneInfo:
    """The time zone of that name (fields.zone; imported when needed, so that an idle `send` stops sooner)."""
    # late: as load_data
    from batch.data.fields import zone

    return zone(name)


def print_warnings(data: model.Dataset, err: TextIO) -> None:
    """The data's warnings, a line each (check, plan and calendar; a cron send stays quiet about them)."""
    for warning in data.warnings:
        print(warning, file=err)


def state_of(args: argparse.Namespace) -> Path:
    """The ledger: --state, else var/followup.db in the data's home, wherever the command runs from."""
    given: Path | None = getattr(args, "state", None)
    return given if given is not None else data_home(getattr(args, "data", None)) / DEFAULT_STATE


def data_home(data: Path | None) -> Path:
    """The folder the data belongs to: the data file's folder, or the folder given; a folder named
    interviews/ (and a file in it) belongs to the folder above, as in the layout. Without --data, the
    default data's (interviews.yaml, else interviews/), else here. Links are followed to the real place,
    so that the same data reached by a link from another folder has one ledger, beside the data itself."""
    if data is None:
        data = next((Path(name) for name in ("interviews.yaml", "interviews") if os.path.lexists(name)), None)
        if data is None:
            return Path(os.path.realpath("."))
    real = Path(os.path.realpath(data))
    home = real if real.is_dir() else real.parent
    return home.parent if home.name == "interviews" else home


def now_of(args: argparse.Namespace, data: model.Dataset | None) -> datetime:
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


def count_of(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def data_or_none(args: argparse.Namespace, err: TextIO) -> tuple[model.Dataset | None, str]:
    """The data, or None when it has problems; and the zone to show times in: your me.timezone whenever
    the me: section could be read, else UTC."""
    # late: as load_data
    from batch.data.load import DataError

    try:
        data = load_data(args)
    except InputError as exc:
        name = (exc.timezone if isinstance(exc, DataError) else None) or "UTC"
        print(f"(the data has problems, see followup check; listing the ledger alone, times in {name})",
              file=err)  # fmt: skip
        return None, name
    return data, data.me.timezone
