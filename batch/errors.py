"""The one base error of the job, and the input error that carries its place."""

from __future__ import annotations

from typing import NamedTuple


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
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


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
