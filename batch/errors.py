"""The one base error of the job, and the input error that carries its place."""

from __future__ import annotations

import re
from typing import NamedTuple

# Every control character, line ends and tabs too: inside one line of an error, a name given with a
# newline (an argument, a file's name) must not start a line of its own.
_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]")


def one_line(text: str) -> str:
    """The text with every control character written as its escape (\\u000a): one line, as it was said."""
    return text if text.isprintable() else _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


class FollowUpError(Exception):
    """Anything the job reports to the user as one line instead of a traceback."""

    exit_code = 2

    def lines(self) -> list[str]:
        """What it says, a line each: a newline inside one (a name given with one) is no line of its own."""
        return [str(self)]


# The records of the idle cron path are NamedTuples, not dataclasses: importing dataclasses costs ~8 ms
# (it pulls in inspect, ast and dis) and each @dataclass ~0.5 ms more, a NamedTuple a tenth of that.
# A NamedTuple compares equal to any tuple of the same values: none of these is compared across kinds.
class Problem(NamedTuple):
    """One thing wrong with the input, at path:line:col."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        """The problem on one line: a control character in its path or message (a file named with a
        newline, a tab in a value) is written as its escape (\\u000a)."""
        return one_line(f"{self.path}:{self.line}:{self.col}: {self.message}")


class InputError(FollowUpError):
    """The data, a template or a setting is wrong; nothing was sent."""

    def __init__(self, problems: list[Problem] | list[Problem | str] | Problem | str) -> None:
        said = [problems] if isinstance(problems, (str, Problem)) else list(problems)
        self.problems: list[Problem] = [p for p in said if isinstance(p, Problem)]
        self._lines = [str(p) for p in said]
        super().__init__("\n".join(self._lines))

    def lines(self) -> list[str]:
        """Each problem (or line given) on a line of its own."""
        return self._lines


class LockedError(FollowUpError):
    """Another run holds the lock; this one did nothing."""

    exit_code = 75
