"""The idle cron run: `followup send` over 200 interviews with nothing due, against `python` + `import
yaml` + a parse of the same file (goal ≤ 1.5×), each in a fresh process; the heavy modules imported
on that path (goal: none), and the fsyncs it makes (strace, when installed).
"""

from __future__ import annotations

import shutil
import subprocess

from . import generate
from .harness import Row, print_table, python_env
from .plan import SCRATCH, STATE, idle_rows

IDLE_COUNT = 200


def main(quick: bool = False) -> None:
    """Measure the idle run, print the table."""
    notes: list[str] = []
    SCRATCH.mkdir(parents=True, exist_ok=True)
    rows = idle_rows(5 if quick else 20, notes)
    rows += fsync_rows(notes)
    notes.append("each command in a fresh process, stdout to /dev/null; runs taken in turn, medians shown")
    print_table("idle: a cron run that finds nothing due, against python + import yaml + parse", notes, rows)


def fsync_rows(notes: list[str]) -> list[Row]:
    """How many fsync/fdatasync calls the idle cron run makes (strace -f -c), if strace is installed."""
    from .harness import followup
    from .plan import IDLE_SMTP

    strace = shutil.which("strace")
    if strace is None:
        notes.append("fsyncs: strace is not installed (apt-get install strace), not counted")
        return []
    path = generate.interviews_file(IDLE_COUNT, idle=True)
    command = [*followup(), "--data", str(path), "--now", generate.IDLE_NOW, *STATE, "send"]
    subprocess.run(command, cwd=SCRATCH, env={**python_env(), **IDLE_SMTP}, capture_output=True, check=False)
    traced = [strace, "-f", "-e", "trace=fsync,fdatasync", "-c", *command]
    env = {**python_env(), **IDLE_SMTP}
    done = subprocess.run(traced, cwd=SCRATCH, env=env, capture_output=True, text=True, check=False)
    lines = [line.split() for line in done.stderr.splitlines()]
    calls = sum(int(cells[3]) for cells in lines if len(cells) >= 5 and cells[-1] in ("fsync", "fdatasync"))
    return [Row("  fsync + fdatasync calls (strace -f -c)", str(calls), "-", "-", "-", None)]
