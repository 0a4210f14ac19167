"""The terminal side of `cli`: the streams its commands write to, and the shapes they write.

`cli` stays the one module that touches stdout, stderr, the clock and the environment; it hands these
its streams (and `Stamp` its clock). Here: a stream a failed write cannot stop (`Output`), nothing that
could hide or rewrite what the terminal shows (`visible`), a time at the start of each line `send`
writes (`Stamp`, `Stamped`), and the plan's aligned table.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from batch.errors import FollowUpError, one_line

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from batch.etiquette import schedule


class Output:
    """A text stream whose writes cannot stop the run: after a write fails (a full disk, a reader that
    went away), the rest is dropped and `failed` holds why, so a batch goes on delivering and recording."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream if stream is not None else open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        self.failed: OSError | None = None
        self.closed = stream is None  # started with the descriptor closed (`>&-`): Python gives None

    def write(self, text: str) -> int:
        """Write, or drop the text once a write has failed; a character that could move, hide or reverse
        what the terminal shows (from a name, a server's reply …) is written as its escape instead."""
        if self.closed and text and self.failed is None:  # only what had to be said and could not be counts
            self.failed = OSError(errno.EBADF, "the stream was closed when the run started")
        if self.failed is None:
            try:
                try:
                    self.stream.write(visible(text))
                except UnicodeEncodeError:  # a terminal that cannot show it (ASCII only): its escapes instead
                    self.stream.write(_encodable(visible(text), getattr(self.stream, "encoding", None)))
                return len(text)
            except OSError as exc:  # ENOSPC, EPIPE (BrokenPipeError), EIO …
                self.failed = exc
        return len(text)

    def flush(self) -> None:
        """Flush, noting a failure as write does."""
        if self.failed is None:
            try:
                self.stream.flush()
            except OSError as exc:
                self.failed = exc

    def isatty(self) -> bool:
        """Whether the stream is a terminal (False once it failed)."""
        return self.failed is None and self.stream.isatty()

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


# C0 and C1 controls but tab and newline, and the invisible format characters (bidi overrides and
# isolates, zero-width marks): what reaches the terminal is what the text says.
_HIDDEN = re.compile(
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff]|\\r(?!\\n)"
)  # a CR before LF is a line end (an .ics on stdout), any other CR could overwrite the line
_ERASE = "\r\x1b[K"  # our own: a progress line erased in place


def _escaped(exc: UnicodeError) -> tuple[str, int]:
    """An encoding's error handler: each character the terminal cannot show as \\uXXXX (a pair of them
    past the first plane), which reads plainly and is still valid inside a JSON string."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    units = exc.object[exc.start : exc.end].encode("utf-16-be", "surrogatepass")
    said = "".join(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2))
    return said, exc.end


ESCAPED = "followup-escaped"
codecs.register_error(ESCAPED, _escaped)


def _encodable(text: str, encoding: str | None) -> str:
    """The text with every character the stream's encoding lacks written as its escape (\\u00e9)."""
    codec = encoding or "ascii"
    return text.encode(codec, ESCAPED).decode(codec, "replace")


def visible(text: str) -> str:
    """The text with each hidden or control character written as its escape (our own erase kept)."""
    if not _HIDDEN.search(text):
        return text
    parts = text.split(_ERASE)
    # written as \\uXXXX, which reads the same in a terminal and is still valid inside a JSON string
    shown = [_HIDDEN.sub(lambda m: f"\\u{ord(m[0]):04x}", part) for part in parts]
    return _ERASE.join(shown)


def error_lines(exc: BaseException) -> str:
    """An error as the lines it is made of (one per problem), each kept to one line by one_line."""
    lines = exc.lines() if isinstance(exc, FollowUpError) else [str(exc)]
    return "\n".join(one_line(line) for line in lines)


def finish(code: int, out: Output, err: Output, failed_code: int) -> int:
    """The exit code once the output is flushed: at least `failed` when some of it could not be written."""
    out.flush()
    err.flush()
    failed = [(name, stream) for name, stream in (("output", out), ("error output", err)) if stream.failed]
    for _, stream in failed:  # what is still buffered goes nowhere, so the exit's own flush cannot fail
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.stream.fileno())
    if not failed:
        return code
    if err.failed is None and not isinstance(out.failed, BrokenPipeError):  # `plan | head` is no news
        reason = out.failed.strerror if out.failed else ""
        print(f"could not write all of the output ({reason}); the run went on to its end regardless",
              file=err)  # fmt: skip
        err.flush()
    return max(code, failed_code)


class Stamp:
    """The date, time and zone that start each line `send` writes: in your zone once the data names it."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.home: ZoneInfo | None = None  # until the data is read (or if it cannot be): the machine's zone
        self.clock = clock

    def __call__(self) -> str:
        moment = self.clock()
        # with its zone: the log of a run made abroad reads right at home (10:00 CET, not a bare 10:00)
        return f"{moment.astimezone(self.home) if self.home else moment.astimezone():%Y-%m-%d %H:%M %Z} "


class Stamped:
    """A text stream whose every line starts with a stamp, so that var/cron.log says when things happened."""

    def __init__(self, stream: TextIO, stamp: Callable[[], str]) -> None:
        self.stream, self.stamp, self.at_start = stream, stamp, True

    def write(self, text: str) -> int:
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            # a terminal's in-place update (\r…) is no line of its own: the line written after it is stamped
            if piece and self.at_start and not piece.startswith("\r"):
                self.stream.write(self.stamp())
                self.at_start = False
            self.stream.write(piece if i == len(pieces) - 1 else piece + "\n")
            self.at_start = self.at_start or i < len(pieces) - 1
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


def write_table(
    items: list[schedule.FollowUp], out: TextIO, goes: Callable[[schedule.FollowUp], str]
) -> None:
    """The plan as an aligned table, one follow-up a line, in time order: when it goes, on the recipient's
    clock = yours (`goes`, as the preview page says it)."""
    rows = [("GOES (their time = yours)", "STATE", "KIND", "METHOD", "TO", "INTERVIEW")]
    for item in items:
        interview = item.interview.id
        if item.replaced_by:  # a later round asks the news now
            interview += f" (replaced by the later round {item.replaced_by})"
        rows.append((goes(item), item.state, item.kind, item.method, item.interviewer.name, interview))
    write_rows(rows, out)
    if len(rows) == 1:
        out.write("(no interviews yet: add one to interviews.yaml)\n")


def write_rows(rows: Sequence[tuple[str, ...]], out: TextIO) -> None:
    """Rows of cells as aligned columns, two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")
