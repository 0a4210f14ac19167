"""Hostile input: every case of tests/hostile_cases.py, counted with the other trials."""

from __future__ import annotations

from pathlib import Path

from tests import hostile_cases
from tests.reliability.outcome import Outcome


def hostile_trials(root: Path, quick: bool) -> list[Outcome]:
    """Every case of tests/hostile_cases.py (the slow ones only in a full run)."""
    outcomes = []
    for case in hostile_cases.CASES:
        if quick and case.slow:
            continue
        reason = case.skip_reason()
        if reason:
            outcomes.append(Outcome(case.name, f"skipped: {reason}", extra={"skipped": "1"}))
            continue
        work = root / f"hostile-{len(outcomes):02d}"
        work.mkdir(parents=True)
        result = hostile_cases.run_case(case, work)
        outcome = Outcome(case.name, result.summary, problems=result.problems, tracebacks=result.tracebacks)
        outcomes.append(outcome)
    return outcomes
