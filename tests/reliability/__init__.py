"""Proof of the promises (issue 5): crash, overlap, clock, SMTP-fault, hostile-input and secret trials.

Everything runs `followup` as a real subprocess against real mail servers on 127.0.0.1 (tests/servers/)
and judges what arrived, what the ledger says and what the run printed; tests/runs.py runs the process.
One module per kind of trial: `crash` (SIGKILL, then later runs), `overlap` (runs at once, and the clock),
`faults` (SMTP faults), `secrets` (a planted password), `hostile` (tests/hostile_cases.py); `outcome` is
how a scripted trial ended, `figures` the table they make, `__main__` the command that runs them all:

    python -m tests.reliability [--trials N] [--quick] [--seed S] [--figures PATH] [--keep]

The pytest files (tests/test_reliability.py, tests/test_hostile.py) run the short form; they import from
here.
"""

from __future__ import annotations

from .crash import Trial, Window, crash_trials
from .faults import FAULT_CASES, FaultCase, fault_trial
from .figures import FIGURES, Figures, format_markdown, format_text
from .hostile import hostile_trials
from .outcome import Outcome
from .overlap import CLOCK, clock_trial, overlap_trial
from .secrets import SECRET_CASES, find_secret, secret_trial

__all__ = [
    "CLOCK",
    "FAULT_CASES",
    "FIGURES",
    "SECRET_CASES",
    "FaultCase",
    "Figures",
    "Outcome",
    "Trial",
    "Window",
    "clock_trial",
    "crash_trials",
    "fault_trial",
    "find_secret",
    "format_markdown",
    "format_text",
    "hostile_trials",
    "overlap_trial",
    "secret_trial",
]
