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
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

try:  # hashlib loads OpenSSL at import (~3 ms of every idle run); its own BLAKE2 module alone is enough
    from _blake2 import blake2b as _blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b as _blake2b

TRUST = timedelta(hours=1)  # the longest a note is believed, whatever its moment says
RACY_NS = 2_000_000_000  # a file changed this recently may change again within its mtime's resolution
LARGEST = 4 << 20  # bytes: a note larger than this is none of ours (it lists one line per watched file)
VERSION = 2


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


def look_path(state: Path) -> Path:
    """The file beside the ledger that holds when the mailbox was last looked at for bounces."""
    return state.with_name(state.name + ".last-look")


def write_look(state: Path, now: datetime) -> None:
    """Record a look in the mailbox (best effort: one that cannot be written means another look)."""
    _write_beside(look_path(state), now.astimezone(UTC).isoformat(timespec="seconds") + "\n")


def read_look(state: Path) -> datetime | None:
    """When the mailbox was last looked at for bounces, if it was."""
    try:
        return datetime.fromisoformat(look_path(state).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def note_path(state: Path) -> Path:
    """The wake-up note beside the ledger."""
    return state.with_name(state.name + ".wake")


def settings_key(args: Mapping[str, object], env: Mapping[str, str], cwd: Path, salt: str) -> str:
    """Everything besides the files that shapes a run, as one salted digest: the options, the FOLLOWUP_
    settings, the folder, Python, the tool's code and the installed packages (an upgrade of the holiday
    data is a change too). Only the digest is kept, so no setting is written down; a password's value
    does not even enter it (only whether one is set)."""
    settings = {
        name: "(set)" if "PASSWORD" in name and not name.endswith("_FILE") else value
        for name, value in sorted(env.items())
        if name.startswith("FOLLOWUP_")
    }
    material = [VERSION, sys.version, str(cwd), dict(args), settings, _code(), _packages()]
    return _blake2b((salt + json.dumps(material, default=str)).encode("utf-8")).hexdigest()


def new_salt() -> str:
    """The salt of a new note's digest."""
    return os.urandom(16).hex()


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
    key: tuple[str, str],
    watched: list[list[object]],
    wall_ns: int,
    beat: bool,
) -> None:
    """Leave the note for the next run (best effort), unless a watched file changed so recently that a
    change within its timestamp's resolution could go unseen (then the next run looks again). `key` is
    (salt, settings_key with that salt)."""
    if any(len(entry) == 5 and int(str(entry[3])) > wall_ns - RACY_NS for entry in watched):
        return
    made = made.astimezone(UTC)  # an hour is an hour, also on the night the clocks go back
    latest = made + TRUST if until is None else min(until.astimezone(UTC), made + TRUST)
    salt, digest = key
    note = {"made": made.isoformat(), "until": latest.isoformat(), "salt": salt, "key": digest, "beat": beat,
            "watched": watched}  # fmt: skip
    _write_beside(note_path(state), json.dumps(note))


def asleep(state: Path, now: datetime, key: Callable[[str], str]) -> bool:
    """Whether the note says nothing can be due at `now`: made before it and at most TRUST ago, for
    these settings (`key(salt)`), over files all as they were. If so, the heartbeat is left as the full
    run would have left it."""
    try:
        note = json.loads(_read_note(note_path(state)))
        made, until = datetime.fromisoformat(note["made"]), datetime.fromisoformat(note["until"])
        if not (made <= now < min(until, made + TRUST) and note["key"] == key(str(note["salt"]))):
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


def _read_note(path: Path) -> str:
    """The note's text, if it is a regular file of a note's size (never a pipe that would block the
    run, a device without end, or a link someone put in its place)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > LARGEST:
            raise ValueError("not a note")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(LARGEST + 1).decode("utf-8")
    finally:
        os.close(fd)


def forget(state: Path) -> None:
    """Drop the note (a run that did something leaves none until it finds nothing again)."""
    with contextlib.suppress(OSError):
        os.unlink(note_path(state))


def _code() -> list[list[object]]:
    """The tool's own modules as they are on disk: an update of the code is a change like any other."""
    root = os.path.dirname(os.path.dirname(__file__))  # batch/, whose packages are one level deep
    folders = [root] + [e.path for e in os.scandir(root) if e.is_dir() and e.name != "__pycache__"]
    modules = sorted(
        os.path.join(folder, name) for folder in folders for name in os.listdir(folder) if name[-3:] == ".py"
    )
    return [entry[:1] + entry[2:4] for entry in watch(Path(module) for module in modules)]


def _packages() -> list[list[object]]:
    """The folders packages are installed in: pip's every install or upgrade changes them."""
    # late: only a note's first write asks where packages live
    import site

    return [entry[:1] + entry[3:4] for entry in watch(Path(folder) for folder in site.getsitepackages())]


def _write_beside(path: Path, text: str) -> None:
    """Replace a file beside the ledger, readable by you alone, through a new file of this process's
    own (never through a name someone may have left there, such as a link)."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with contextlib.suppress(OSError):
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(partial, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(partial)  # left only when it could not take the file's place
