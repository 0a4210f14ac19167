"""How one due follow-up ended in a run: the record the sender, the composer ahead of it and the CLI share."""

from __future__ import annotations

from typing import NamedTuple


class Outcome(NamedTuple):  # a NamedTuple, as every record of the idle cron path (see errors.Problem)
    """How one due follow-up ended in this run, with the line the user reads."""

    key: str
    state: str  # sent written deferred failed uncertain rejected held waiting expired replied bounced
    line: str

    @property
    def ok(self) -> bool:
        """Whether this outcome needs no attention."""
        return self.state in ("sent", "written", "held", "waiting", "expired", "replied")
