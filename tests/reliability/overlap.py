"""Overlapping runs over one ledger, and runs at moments before, after and far from a real send."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from tests.reliability.outcome import Outcome
from tests.runs import (
    NOW,
    Spawned,
    due_keys,
    duplicates,
    ledger_rows,
    run_followup,
    send_args,
    send_env,
    smtp,
    write_batch,
)


def overlap_trial(root: Path, processes: int = 8, size: int = 20) -> Outcome:
    """`processes` sends started together over one batch and ledger: each message delivered once."""
    work = root / "overlap"
    work.mkdir(parents=True)
    data = write_batch(work / "batch.yaml", size)
    keys, state = due_keys(data), work / "followup.db"
    outcome = Outcome("overlap", "")
    with smtp(work) as server:
        env = send_env(server)
        spawned = [Spawned(send_args(data, state, NOW), cwd=work, env=env, streams=work / "streams")
                   for _ in range(processes)]  # fmt: skip
        try:
            runs = [one.finish(timeout=60) for one in spawned]
        finally:
            for one in spawned:
                one.stop()
        codes = Counter(run.code for run in runs)
        outcome.tracebacks = sum(run.traceback for run in runs)
        outcome.duplicates = duplicates(server)
        rows = ledger_rows(state)
        outcome.lost = sum(rows.get(key, ("",))[0] != "sent" for key in keys)
        if set(codes) - {0, 75} or len(server.received) != len(keys):
            outcome.problems.append(
                f"exit codes {dict(codes)}, {len(server.received)} received of {len(keys)}"
            )
        for run in runs:
            if run.code == 75 and (len(run.err_lines) != 1 or "another followup run" not in run.err):
                outcome.problems.append(f"a loser said: {run.err!r}")
    outcome.summary = (
        f"{processes} at once: {codes[0]} exited 0, {codes[75]} exited 75 (lock held); "
        f"{len(server.received)} of {len(keys)} delivered"
    )
    return outcome


CLOCK = {
    # NOW is the one real send; every other moment comes before or after it and must send nothing.
    "backwards": ["NOW", "2026-11-24T15:50:00-05:00", "2026-11-21T16:00:00-05:00", "NOW"],
    "far past": [
        "1970-01-01T00:00:00+00:00",
        "1900-01-01T00:00:00+00:00",
        "NOW",
        "1970-01-01T00:00:00+00:00",
    ],
    "far future": [
        "2100-01-01T00:00:00+00:00",
        "2999-12-31T23:59:59+00:00",
        "NOW",
        "2999-12-31T23:59:59+00:00",
    ],
    "out of range": ["0001-01-01T00:00:00+00:00", "NOW", "9999-12-31T23:59:59+00:00"],
}


def clock_trial(root: Path, name: str, size: int = 5) -> Outcome:
    """Runs at the moments of CLOCK[name] over one ledger: only the first run at NOW delivers."""
    work = root / f"clock-{name.replace(' ', '-')}"
    work.mkdir(parents=True)
    data = write_batch(work / "batch.yaml", size)
    state = work / "followup.db"
    outcome = Outcome(f"clock {name}", "")
    with smtp(work) as server:
        env = send_env(server)
        first_now = CLOCK[name].index("NOW")
        for step, moment in enumerate(CLOCK[name]):
            when = NOW if moment == "NOW" else datetime.fromisoformat(moment)
            before = len(server.received)
            run = run_followup(send_args(data, state, when), cwd=work, env=env)
            outcome.tracebacks += run.traceback
            arrived = len(server.received) - before
            code = 2 if name == "out of range" and moment != "NOW" else 0
            if run.code != code or (code == 2 and len(run.err_lines) != 1):
                outcome.problems.append(f"--now {moment}: exit {run.code}: {run.err.strip()}")
            if arrived != (size if step == first_now else 0):
                outcome.problems.append(f"--now {moment}: {arrived} messages arrived")
        outcome.duplicates = duplicates(server)
        rows = ledger_rows(state)
        outcome.lost = size - sum(st == "sent" for st, _, _ in rows.values())
        resent = len(server.received) - size
    moments = ", ".join(m[:16].replace("T", " ") for m in dict.fromkeys(CLOCK[name]) if m != "NOW")
    outcome.summary = f"runs at {moments} around a real send: {resent} resent, exit codes as documented"
    return outcome
