"""Files readable by you alone: the ledger, the outbox, the preview, the calendar and the notes beside the
ledger hold recipients and whole messages. Each file is created 0600 and each folder we make 0700,
whatever the umask (a mode given at creation is only ever narrowed by the umask, never widened).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_folder(folder: Path) -> None:
    """Make a folder and any missing parents, each 0700; the folders already there are left as they are."""
    missing: list[Path] = []
    here = folder
    while not _exists(here) and here != here.parent:
        missing.append(here)
        here = here.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another run: theirs is as good
            os.mkdir(path, FOLDER_MODE)


def _exists(path: Path) -> bool:
    try:
        os.stat(path)
    except FileNotFoundError:
        return False
    return True  # or it cannot be looked at: mkdir then says why


def create_file(path: Path) -> None:
    """Create an empty file readable by you alone, unless there is one (as SQLite would, but 0600)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE))


def narrow(path: Path) -> None:
    """Take group's and others' access away from a file of ours made before (best effort: a file we
    cannot change is left as it is, and a missing one is no matter)."""
    with contextlib.suppress(OSError):
        info = os.stat(path, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077 and info.st_uid == os.geteuid():
            os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)


def write_file(path: Path, data: bytes) -> None:
    """Replace a file with these bytes through a new file of this process's own, 0600, moved into place
    (never written through a name someone may have left there, such as a link)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with contextlib.suppress(FileNotFoundError):  # left by an earlier process of the same number
        os.unlink(partial)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(partial)  # left only when it could not take the file's place
