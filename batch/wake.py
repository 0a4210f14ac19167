"""What a `send` run leaves beside the ledger for the next one: the heartbeat (when it last ran) and
the wake-up note.

The note is left by a run that found nothing to do. It holds the earliest moment at which the time
alone could change the plan (schedule.next_change), the run's settings, and the state (inode, size,
mtime, ctime) of every file the plan read: the data, its folder, the ledger and the tool's own code.
The next run that finds all of them as they were, and a time before that moment, has nothing to do
either, and stops before it loads anything: the cron run every quarter of an hour costs little more
than Python's start. Anything else, and the run does its full work, which leaves a new note.

The note only ever skips a run that would have done nothing: it never sends, so it cannot send twice.
What it does not watch (a template deleted, new holiday data) is looked at again within TRUST.
Only the standard library's lightest modules are imported here: this is the idle cron path.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

TRUST = timedelta(hours=1)  # the longest a note is believed, whatever its moment says
RACY_NS = 2_000_000_000  # a file changed this recently may change again within its mtime's resolution
VERSION = 1


def heartbeat_path(path: Path) -> Path:
    """The file beside the ledger that holds the time of the last `send` run."""
    return path.with_name(path.name + ".last-run")


def write_heartbeat(path: Path, now: datetime) -> None:
    """Record the time of a run (best effort: a heartbeat that cannot be written stops nothing)."""
    _write_beside(heartbeat_path(path), now.astimezone(UTC).isoformat(timespec="seconds") + "\n")


def read_heartbeat(path: Path) -> datetime | None:
    """The time of the last `send` run, if one left it."""
    try:
        return datetime.fromisoformat(heartbeat_path(path).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def note_path(state: Path) -> Path:
    """The wake-up note beside the ledger."""
    return state.with_name(state.name + ".wake")


def settings_key(args: Mapping[str, object], env: Mapping[str, str], cwd: Path) -> str:
    """Everything besides the files that shapes a run, as one string: the options, the FOLLOWUP_
    settings (a password only as present, never its value), the folder, Python and the tool's code."""
    settings = {
        name: "(set)" if "PASSWORD" in name and not name.endswith("_FILE") else value
        for name, value in sorted(env.items())
        if name.startswith("FOLLOWUP_")
    }
    return json.dumps([VERSION, sys.version, str(cwd), dict(args), settings, _code()], default=str)


def watch(paths: Iterable[Path]) -> list[list[object]]:
    """The state of each path now: [path, inode, size, mtime, ctime], or [path] when it is missing."""
    found: list[list[object]] = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            found.append([str(path)])
            continue
        found.append([str(path), info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns])
    return found


def write_note(
    state: Path,
    *,
    made: datetime,
    until: datetime | None,
    key: str,
    watched: list[list[object]],
    wall_ns: int,
    beat: bool,
) -> None:
    """Leave the note for the next run (best effort), unless a watched file changed so recently that a
    change within its timestamp's resolution could go unseen (then the next run looks again)."""
    if any(len(entry) == 5 and int(str(entry[3])) > wall_ns - RACY_NS for entry in watched):
        return
    latest = made + TRUST if until is None else min(until, made + TRUST)
    note = {
        "made": made.isoformat(),
        "until": latest.isoformat(),
        "key": key,
        "beat": beat,
        "watched": watched,
    }
    _write_beside(note_path(state), json.dumps(note))


def asleep(state: Path, now: datetime, key: str) -> bool:
    """Whether the note says nothing can be due at `now`: made before it, for these settings, over
    files all as they were. If so, the heartbeat is left as the full run would have left it."""
    try:
        note = json.loads(note_path(state).read_text(encoding="utf-8"))
        made, until = datetime.fromisoformat(note["made"]), datetime.fromisoformat(note["until"])
        if not (made <= now < until and note["key"] == key):
            return False
        watched = note["watched"]
        if not watched or watch(Path(str(entry[0])) for entry in watched) != watched:
            return False
        beat = note["beat"] is True
    except (OSError, ValueError, TypeError, KeyError, IndexError):  # no note, or not one we wrote
        return False
    if beat:
        write_heartbeat(state, now)
    return True


def forget(state: Path) -> None:
    """Drop the note (a run that did something leaves none until it finds nothing again)."""
    with contextlib.suppress(OSError):
        os.unlink(note_path(state))


def _code() -> list[list[object]]:
    """The tool's own modules as they are on disk: an update of the code is a change like any other."""
    folder = os.path.dirname(__file__)
    modules = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".py"))
    return [entry[:1] + entry[2:4] for entry in watch(Path(module) for module in modules)]


def _write_beside(path: Path, text: str) -> None:
    with contextlib.suppress(OSError):
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
