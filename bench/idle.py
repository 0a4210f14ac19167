"""The idle cron run: `followup send` over 200 interviews with nothing due, against `python` + `import
yaml` + a parse of the same file (goal ≤ 1.5×), each in a fresh process; the heavy modules imported
on that path (goal: none), and the fsyncs it makes (strace, when installed).

Two cases of each: nothing changed since the last run (cron's usual case: the run stops at the wake-up
note the last one left, batch/wake.py), and the first run after an edit (no note: the full load and plan).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from . import generate
from .harness import PYTHON, Row, checked, compare, followup, print_table, python_env, run
from .plan import BARE_LOAD, HEAVY, IDLE_GOAL, IDLE_SMTP, SCRATCH, STATE, imported, states, timed

IDLE_COUNT = 200
# Light, but each measured on this path and left out of it (the ms each cost it): dataclasses with
# inspect ~8 + 0.5 a class, hashlib's OpenSSL 3, importlib.resources 8, shutil 2, the idna codec 1.
UNNEEDED = (
    "dataclasses",
    "inspect",
    "hashlib",
    "importlib.resources",
    "shutil",
    "encodings.idna",
    "threading",
)
UNCHANGED, EDITED = "nothing changed since the last run", "the first run after an edit (no note)"


def main(quick: bool = False) -> None:
    """Measure the idle run, print the table."""
    notes: list[str] = []
    SCRATCH.mkdir(parents=True, exist_ok=True)
    rows = idle_rows(5 if quick else 20, notes)
    rows += fsync_rows(notes)
    notes.append("each command in a fresh process, stdout to /dev/null; runs taken in turn, medians shown")
    print_table("idle: a cron run that finds nothing due, against python + import yaml + parse", notes, rows)


def idle_rows(repeats: int, notes: list[str]) -> list[Row]:
    """An idle cron run (nothing due), with and without the last run's note, vs `import yaml` + a parse."""
    path = generate.interviews_file(IDLE_COUNT, idle=True)
    common = [*followup(), "--data", str(path), "--now", generate.IDLE_NOW]
    notes.append(f"idle: {IDLE_COUNT} interviews, --now {generate.IDLE_NOW}: {states([*common, *STATE])}")
    plain = python_env({k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")})
    modes = {"send, SMTP set (cron)": {**plain, **IDLE_SMTP}, "send, no SMTP (dry run)": plain}
    commands, envs, before = {}, {}, {}
    for mode, env in modes.items():
        for case in (UNCHANGED, EDITED):
            name, ledger = f"{mode}, {case}", SCRATCH / f"idle-{len(commands)}.db"
            own = {"XDG_STATE_HOME": str(ledger.with_name(ledger.name + ".state"))}  # one ledger per registry
            commands[name], envs[name] = [*common, "--state", str(ledger), "send"], {**env, **own}
            if case == EDITED:
                before[name] = lambda ledger=ledger: _forget(ledger)
            else:
                _settle(commands[name], envs[name], [path, ledger])
    runs = compare({**commands, "bare": [PYTHON, "-c", BARE_LOAD, str(path)]}, repeats,
                   envs=envs, before=before, env=plain, cwd=SCRATCH)  # fmt: skip
    smtp = " ".join(f"{k}={v}" for k, v in IDLE_SMTP.items())
    notes.append(f"idle: {repeats} runs each after a warm-up; SMTP set: {smtp} (never contacted)")
    rows = []
    for name, command in commands.items():
        rows += timed(f"idle run: {name}", runs[name], runs["bare"], IDLE_GOAL)
        before.get(name, lambda: None)()
        modules = imported(command, envs[name])
        heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
        rows.append(Row("  heavy modules imported", ", ".join(heavy) or "none", "-", "-",
                        "none of " + ", ".join(HEAVY), not heavy))  # fmt: skip
        spare = sorted(m for m in modules if m in UNNEEDED)
        rows.append(Row("  modules it has no use for", ", ".join(spare) or "none", "-", "-",
                        "none of " + ", ".join(UNNEEDED), not spare))  # fmt: skip
        if UNCHANGED in name:  # the proof that the timed runs were the short ones
            loaded = "batch.data.load" in modules
            rows.append(Row("  stopped at the note (batch.load not imported)", "no" if loaded else "yes",
                            "-", "-", "yes", not loaded))  # fmt: skip
        slowest = ", ".join(f"{m} {us / 1000:.0f} ms" for m, us in modules.most_common(5))
        notes.append(f"idle, {name}: {len(modules)} modules imported; slowest (cumulative): {slowest}")
    return rows


def _settle(command: list[str], env: dict[str, str], files: list[Path]) -> None:
    """One run to make the ledger, then its files aged past the note's racy window (wake.RACY_NS), so the
    warm-up run leaves a note, as a cron run does a few seconds after the last edit."""
    checked(run(command, cwd=SCRATCH, env=env), "idle settle")
    old = time.time_ns() - 60_000_000_000
    for file in files:
        if file.exists():
            os.utime(file, ns=(old, old))


def _forget(ledger: Path) -> None:
    ledger.with_name(ledger.name + ".wake").unlink(missing_ok=True)


def fsync_rows(notes: list[str]) -> list[Row]:
    """How many fsync/fdatasync calls the idle cron run makes (strace -f -c), if strace is installed."""
    strace = shutil.which("strace")
    if strace is None:
        notes.append("fsyncs: strace is not installed (apt-get install strace), not counted")
        return []
    path = generate.interviews_file(IDLE_COUNT, idle=True)
    command = [*followup(), "--data", str(path), "--now", generate.IDLE_NOW, *STATE, "send"]
    env = {**python_env(), **IDLE_SMTP}
    subprocess.run(command, cwd=SCRATCH, env=env, capture_output=True, check=False)
    _forget(Path(STATE[1]))  # the full run's fsyncs: the short one opens no ledger
    traced = [strace, "-f", "-e", "trace=fsync,fdatasync", "-c", *command]
    done = subprocess.run(traced, cwd=SCRATCH, env=env, capture_output=True, text=True, check=False)
    lines = [line.split() for line in done.stderr.splitlines()]
    calls = sum(int(cells[3]) for cells in lines if len(cells) >= 5 and cells[-1] in ("fsync", "fdatasync"))
    return [Row("  fsync + fdatasync calls (strace -f -c)", str(calls), "-", "-", "-", None)]
