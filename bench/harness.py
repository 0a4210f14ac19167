"""What every benchmark module shares: timing a command in a fresh process, and printing the table.

A command's peak RSS comes from `os.wait4`, which reports the resource use of that one child (the
same figure as `/usr/bin/time -v`'s "Maximum resident set size"), so runs never blur into each other.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
MB = 1_000_000  # figures are in MB of 10^6 bytes: the stricter reading of a goal such as "300 MB"


def python_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment in which Python caches compiled modules, as on a user's machine.

    PYTHONDONTWRITEBYTECODE (set in some sandboxes) would make every run compile the project's
    modules again; the cache goes to var/bench/pycache, out of the source tree.
    """
    env = {k: v for k, v in (os.environ if base is None else base).items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(ROOT / "var" / "bench" / "pycache")
    return env


def followup() -> list[str]:
    """The command users run: the installed console script, else `python -m batch`."""
    script = VENV_BIN / "followup"
    return [str(script)] if script.exists() else [PYTHON, "-m", "batch"]


@dataclass(frozen=True, slots=True)
class Run:
    """One finished command: wall-clock seconds, peak resident memory in bytes, exit code, stderr.

    `cpu` (user + system seconds) is the steadier figure when other work shares the machine.
    """

    seconds: float
    peak_rss: int
    returncode: int
    stderr: str
    cpu: float = 0.0


def run(cmd: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run a command in a fresh process, stdout to /dev/null, and measure it."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: Popen must not wait
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, usage.ru_maxrss * 1024, proc.returncode, text, cpu)  # ru_maxrss: KiB on Linux


def checked(result: Run, what: str) -> Run:
    """The run itself, or SystemExit with its stderr when it failed (a failed run measures nothing)."""
    if result.returncode != 0:
        raise SystemExit(f"bench: {what} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return result


def compare(
    commands: dict[str, Sequence[str]],
    repeats: int,
    *,
    warmup: int = 1,
    envs: dict[str, dict[str, str]] | None = None,
    before: dict[str, Callable[[], None]] | None = None,
    **options,
) -> dict[str, list[Run]]:
    """Run the commands in turn, `repeats` rounds (after `warmup` untimed ones), so drift hits all alike.

    `envs` gives some commands an environment of their own; `before` something to do, untimed, before
    each run of a command; `options` go to every `run`.
    """
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for round_ in range(warmup + repeats):
        for name, cmd in commands.items():
            (before or {}).get(name, lambda: None)()
            env = (envs or {}).get(name, options.get("env"))
            result = checked(run(cmd, **{**options, "env": env}), name)
            if round_ >= warmup:
                runs[name].append(result)
    return runs


def median_seconds(runs: list[Run]) -> float:
    """The median wall-clock time of some runs."""
    return statistics.median(r.seconds for r in runs)


def median_cpu(runs: list[Run]) -> float:
    """The median CPU time (user + system) of some runs."""
    return statistics.median(r.cpu for r in runs)


def peak(runs: list[Run]) -> int:
    """The highest peak RSS of some runs."""
    return max(r.peak_rss for r in runs)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a benchmark's table."""

    name: str
    figure: str
    baseline: str
    ratio: str
    goal: str
    met: bool | None  # None: a figure without a goal

    @property
    def verdict(self) -> str:
        """ok, MISSED, or a dash for an informative figure."""
        return "-" if self.met is None else ("ok" if self.met else "MISSED")


def print_table(title: str, notes: Sequence[str], rows: Sequence[Row]) -> None:
    """Print a benchmark's title, its notes and its rows as an aligned table."""
    print(f"\n{title}")
    for note in notes:
        print(f"  {note}")
    cells = [("name", "figure", "baseline", "ratio", "goal", "verdict")]
    cells += [(r.name, r.figure, r.baseline, r.ratio, r.goal, r.verdict) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    for row in cells:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    missed, parent = [], ""
    for r in rows:
        parent = parent if r.name.startswith(" ") else r.name  # an indented row details the one above
        if r.met is False:
            missed.append(f"{parent}: {r.name.strip()}" if r.name is not parent else r.name)
    print(f"  {'missed: ' + '; '.join(missed) if missed else 'all goals met'}")
    sys.stdout.flush()


def seconds(value: float) -> str:
    """A duration for the table: milliseconds below a second."""
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def megabytes(value: int) -> str:
    """A size for the table, in MB of 10^6 bytes."""
    return f"{value / MB:,.0f} MB"


def ratio(ours: float, baseline: float) -> str:
    """ours / baseline, as the table shows it."""
    return f"{ours / baseline:.2f}x"
