"""How a scripted trial (overlap, clock, fault, secret, hostile input) ended: one shape for all."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    """How one scripted trial (overlap, clock, fault, secret, hostile) ended."""

    name: str
    summary: str
    problems: list[str] = field(default_factory=list)
    duplicates: int = 0
    lost: int = 0
    tracebacks: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not (self.problems or self.duplicates or self.lost or self.tracebacks)
