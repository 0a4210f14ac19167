"""Proof of the promises (issue 5): crash, overlap, clock, SMTP-fault, hostile-input and secret trials.

The long form of the trials, every kind in turn (the pytest files run the short form):

    python -m tests.reliability [--trials N] [--quick] [--seed S] [--figures PATH] [--keep]

It prints the figures and writes them as Markdown to figures/reliability.md (a full run only, or
wherever --figures says), and exits 1 when anything was delivered twice, lost, or ended in a traceback,
or when any other trial did not end as documented.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.reliability.crash import Trial, crash_trials
from tests.reliability.faults import FAULT_CASES, fault_trial
from tests.reliability.figures import FIGURES, Figures, format_markdown, format_text
from tests.reliability.hostile import hostile_trials
from tests.reliability.outcome import Outcome
from tests.reliability.overlap import CLOCK, clock_trial, overlap_trial
from tests.reliability.secrets import SECRET_CASES, secret_trial
from tests.runs import quiet_servers


def run_all(root: Path, trials: int, seed: int, quick: bool, command: str, progress: bool = True) -> Figures:
    """Every kind of trial, in turn."""
    started = time.monotonic()

    def tick(trial: Trial) -> None:
        if progress:
            mark = "." if trial.ok else "X"
            print(mark, end="\n" if (trial.index + 1) % 50 == 0 else "", file=sys.stderr, flush=True)

    crash, window = crash_trials(root / "crash", trials, seed, report=tick)
    if progress:
        print(file=sys.stderr)
    scripted: dict[str, list[Outcome]] = {
        "overlap": [overlap_trial(root)],
        "clock": [clock_trial(root, name) for name in CLOCK],
        "fault": [fault_trial(root, case) for case in FAULT_CASES],
        "secret": [secret_trial(root, case) for case in SECRET_CASES],
        "hostile": hostile_trials(root, quick),
    }
    figures = Figures(command, seed, crash, window, scripted)
    figures.seconds = time.monotonic() - started
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """python -m tests.reliability: run the trials, print the figures, write them for the guide."""
    parser = argparse.ArgumentParser(prog="python -m tests.reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="crash trials (default 200)")
    parser.add_argument("--quick", action="store_true", help="15 crash trials and no slow hostile input")
    parser.add_argument("--seed", type=int, default=5, help="the seed of the kill delays (default 5)")
    parser.add_argument("--figures", type=Path, help=f"write the Markdown here (a full run: {FIGURES})")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and say where it is")
    args = parser.parse_args(argv)
    trials = min(args.trials, 15) if args.quick else args.trials
    command = "python -m tests.reliability " + " ".join(argv if argv is not None else sys.argv[1:])
    quiet_servers()
    root = Path(tempfile.mkdtemp(prefix="followup-reliability-"))
    try:
        figures = run_all(root, trials, args.seed, args.quick, command.strip())
    finally:
        if args.keep:
            print(f"work folder kept: {root}", file=sys.stderr)
        else:
            _remove(root)
    print(format_text(figures), end="")
    target = args.figures or (None if args.quick else FIGURES)
    if target is not None:
        target.write_text(format_markdown(figures), encoding="utf-8")
        print(f"\nfigures written to {target}")
    failures = figures.failures
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


def _remove(root: Path) -> None:
    for path in root.rglob("*"):  # a case may leave a folder we made read-only
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
