"""What a dry run wrote into its outbox, so that the next dry run can take it away again.

The outbox shows one run: after a demo on the example and a preview of your own data, the demo's
letters must not sit beside yours. Each Outbox lists the files it wrote in `.followup-written` at
the outbox's root (a name and a size a line); the next dry run removes exactly those, and only
while each is still the size it was written at. A file someone else put there, or one edited
since, stays; so does anything a mail client moved into cur/.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from batch.errors import FollowUpError
from batch.ledger.private import FILE_MODE

RECORD = ".followup-written"
# The names Outbox gives its files (mail/transport.py): never a path, never a name of another's.
_OURS = re.compile(r"\d+\.P\d+R[0-9a-f]+Q\d+\.followup")


def remember(folder: Path, written: Iterable[tuple[str, int]]) -> None:
    """Add the files a run wrote into new/ (name, size) to the outbox's record."""
    lines = "".join(f"{name} {size}\n" for name, size in written)
    if not lines:
        return
    try:
        fd = os.open(folder / RECORD, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     FILE_MODE)  # fmt: skip
        try:
            os.write(fd, lines.encode("ascii"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise FollowUpError(f"{folder / RECORD}: cannot write the outbox's record ({exc.strerror})") from None


def clear(folder: Path) -> int:
    """Remove what earlier dry runs wrote into new/ and left as written; how many files went."""
    try:
        text = (folder / RECORD).read_text("ascii", errors="replace")
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise FollowUpError(f"{folder / RECORD}: cannot read the outbox's record ({exc.strerror})") from None
    removed = 0
    for line in text.splitlines():
        name, _, size = line.partition(" ")
        if _OURS.fullmatch(name) and size.isdigit() and _remove_if(folder / "new" / name, int(size)):
            removed += 1
    with contextlib.suppress(FileNotFoundError):
        (folder / RECORD).unlink()
    return removed


def _remove_if(path: Path, size: int) -> bool:
    """Remove a regular file that is still the size it was written at; whether it went."""
    try:
        found = path.lstat()
        if not stat.S_ISREG(found.st_mode) or found.st_size != size:
            return False
        path.unlink()
    except OSError:
        return False  # gone already, or not ours to remove: it stays as it is
    return True
