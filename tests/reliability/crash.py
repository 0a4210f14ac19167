"""Crash trials: SIGKILL a batch send at a seeded point of its progress, let later runs settle it."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from tests.runs import (
    BATCH,
    NOW,
    Run,
    due_keys,
    duplicates,
    integrity,
    ledger_rows,
    run_followup,
    send_args,
    send_env,
    smtp,
    write_batch,
)
from tests.servers import SmtpServer

FINAL = ("sent", "uncertain")  # how every due follow-up of a crash trial must end


@dataclass(frozen=True)
class Window:
    """When an unkilled batch run makes its first and last delivery, and ends (seconds from its start)."""

    first: float
    last: float
    end: float
    size: int

    @property
    def per_message(self) -> float:
        """Seconds from one delivery to the next."""
        return (self.last - self.first) / max(1, self.size - 1)


def calibrate(root: Path, data: Path, size: int, runs: int = 3) -> Window:
    """Time a few unkilled batch runs: where the deliveries start and stop, and where the run ends."""
    firsts, lasts, ends = [], [], []
    for n in range(runs):
        work = root / f"calibrate-{n}"
        work.mkdir(parents=True)
        with smtp(work) as server:
            seen: dict[int, float] = {}

            def note(elapsed: float, server: SmtpServer = server, seen: dict[int, float] = seen) -> bool:
                seen.setdefault(len(server.received), elapsed)
                return False

            run = run_followup(send_args(data, work / "followup.db", NOW), cwd=work, env=_env(server, work),
                               kill_when=note)  # fmt: skip
            if run.code != 0 or len(server.received) != size:
                raise RuntimeError(f"calibration run failed ({run.code}): {run.err.strip()}")
            firsts.append(min(at for count, at in seen.items() if count >= 1))
            lasts.append(seen.get(size, run.seconds))
            ends.append(run.seconds)
    return Window(statistics.median(firsts), statistics.median(lasts), statistics.median(ends), size)


@dataclass
class KillPlan:
    """When to SIGKILL a batch run: at a seeded point of its progress, read from the server as it runs.

    Progress rather than a clock, so that a kill lands where it was aimed however loaded the machine is:
    in the start-up (`phase` "start-up", a fraction of the calibrated time to the first delivery), after
    the server has accepted `after` more messages plus a seeded part of one message's time ("batch"), or
    just after the last delivery ("end").
    """

    phase: str
    server: SmtpServer
    after: int
    delay: float
    reached: float | None = None

    @classmethod
    def draw(cls, rng: random.Random, server: SmtpServer, remaining: int, window: Window) -> KillPlan:
        """A seeded plan over the `remaining` deliveries of a run against `server`."""
        start = len(server.received)
        roll = rng.random()
        if roll < 0.1:
            return cls("start-up", server, 0, rng.uniform(0.3, 1.0) * window.first)
        if roll < 0.92:
            return cls("batch", server, start + rng.randint(1, remaining), rng.uniform(0, window.per_message))
        return cls("end", server, start + remaining, rng.uniform(0, 0.03))

    def __call__(self, elapsed: float) -> bool:
        if self.phase == "start-up":
            return elapsed >= self.delay
        if self.reached is None and len(self.server.received) >= self.after:
            self.reached = elapsed
        return self.reached is not None and elapsed >= self.reached + self.delay


@dataclass
class Trial:
    """What one crash trial found."""

    index: int
    kills: int = 0
    landing: str = ""  # where the first kill landed
    duplicates: int = 0
    lost: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    uncertain_arrived: int = 0  # uncertain ones the server had in fact accepted
    named: set[str] = field(default_factory=set)  # keys a run named as uncertain on stderr
    unannounced: int = 0  # uncertain in the ledger (status shows them) but never named on stderr: a failure
    inflight: str = ""  # the key the first kill caught between its claim and its record
    unclaimed: int = 0  # messages that arrived with no ledger row
    tracebacks: int = 0
    bad_integrity: int = 0
    checks: int = 0  # integrity checks made
    problems: list[str] = field(default_factory=list)
    runs: int = 0
    recovery_killed: bool | None = None  # None: the recovering run was left alone

    @property
    def ok(self) -> bool:
        """No duplicate, nothing lost, no traceback, no other problem."""
        return not (self.duplicates or self.lost or self.unclaimed or self.unannounced or self.tracebacks
                    or self.bad_integrity or self.problems)  # fmt: skip


def crash_trial(
    index: int, rng: random.Random, root: Path, data: Path, keys: list[str], window: Window
) -> Trial:
    """SIGKILL a batch send at a seeded point of its progress, let later runs settle it, judge the result."""
    work = root / f"crash-{index:03d}"
    work.mkdir(parents=True)
    state = work / "followup.db"
    trial = Trial(index)
    with smtp(work) as server:
        env = _env(server, work)
        plan = KillPlan.draw(rng, server, len(keys), window)
        first = _observe(trial, run_followup(send_args(data, state, NOW), cwd=work, env=env, kill_when=plan))
        rows = ledger_rows(state)
        trial.landing = _landing(first, rows, len(keys))
        trial.inflight = next((key for key, (st, _, _) in rows.items() if st == "sending"), "")
        _check_integrity(trial, state)
        if rng.random() < 0.25:  # now and then the recovering run dies too
            plan = KillPlan.draw(rng, server, max(1, len(keys) - len(server.received)), window)
            later = send_args(data, state, NOW + timedelta(minutes=5))
            run = _observe(trial, run_followup(later, cwd=work, env=env, kill_when=plan))
            trial.recovery_killed = run.killed
            _check_integrity(trial, state)
        _settle(trial, work, data, state, env, quiet=index % 5 == 0)
        _judge(trial, server, ledger_rows(state), keys)
    return trial


def _observe(trial: Trial, run: Run) -> Run:
    trial.runs += 1
    trial.kills += run.killed
    trial.named |= {line.split()[1].rstrip(":") for line in run.err_lines if line.startswith("uncertain ")}
    if run.traceback:
        trial.tracebacks += 1
        trial.problems.append(f"run {trial.runs}: {run.err.strip()[-300:]}")
    elif not run.killed and run.code not in (0, 1):
        trial.problems.append(f"run {trial.runs}: exit {run.code}: {run.err.strip()[:200]}")
    return run


def _landing(run: Run, rows: dict[str, tuple[str, str, str]], size: int) -> str:
    """Where in the run a kill struck, read from the ledger it left."""
    if not run.killed:
        return "finished before the kill"
    states = Counter(state for state, _, _ in rows.values())
    if not rows:
        return "before the first claim"
    if states["sending"]:
        return "between a claim and its record"
    if len(rows) == size:
        return "after the last record"
    return "between two messages"


def _check_integrity(trial: Trial, state: Path) -> None:
    verdict = integrity(state)
    trial.checks += 1
    if verdict != "ok":
        trial.bad_integrity += 1
        trial.problems.append(f"integrity_check: {verdict}")


def _env(server: SmtpServer, work: Path) -> dict[str, str]:
    """The environment of one trial's runs: each trial is a machine of its own, whose one ledger sends the
    shared data (its own state folder: the registry of ledgers never sees the other trials')."""
    return send_env(server, XDG_STATE_HOME=str(work / "state"))


def _settle(trial: Trial, work: Path, data: Path, state: Path, env: dict[str, str], quiet: bool) -> None:
    """Unkilled runs, a cron tick apart, until every due follow-up is sent or uncertain.

    With `quiet`, one more run after that, which must send and say nothing.
    """
    for tick in range(1, 5):
        run = _observe(trial, run_followup(send_args(data, state, NOW + timedelta(minutes=15 * tick)),
                                           cwd=work, env=env))  # fmt: skip
        rows = ledger_rows(state)
        if run.code == 0 and rows and all(state_ in FINAL for state_, _, _ in rows.values()):
            break
    if quiet:
        last = _observe(
            trial, run_followup(send_args(data, state, NOW + timedelta(hours=2)), cwd=work, env=env)
        )
        if last.code != 0 or last.out or last.err:
            trial.problems.append(f"the run after settling was not quiet: {last.code} {last.out}{last.err}")
    _check_integrity(trial, state)


def _judge(trial: Trial, server: SmtpServer, rows: dict[str, tuple[str, str, str]], keys: list[str]) -> None:
    """Each due key sent and received once, or flagged uncertain; nothing twice; nothing unclaimed."""
    counts = server.message_id_counts()
    trial.duplicates = duplicates(server)
    for key in keys:
        state, mid, _ = rows.get(key, ("missing", "", ""))
        if state == "sent" and counts.get(mid) == 1:
            continue
        if state == "uncertain":
            trial.uncertain.append(key)
            trial.uncertain_arrived += counts.get(mid, 0) > 0
            trial.unannounced += key not in trial.named
            continue
        trial.lost.append(f"{key}: {state}, received {counts.get(mid, 0)} times")
    if trial.inflight:
        arrived = counts.get(rows[trial.inflight][1], 0) > 0
        trial.landing = "after the server accepted it" if arrived else "before the server accepted it"
        trial.landing = f"between a claim and its record, {trial.landing}"
    claimed = {mid: rcpt for _, mid, rcpt in rows.values()}
    for message in server.received:
        if message.message_id not in claimed:
            trial.unclaimed += 1
        elif message.rcpt_tos != (claimed[message.message_id],):
            trial.problems.append(f"{message.message_id} went to {message.rcpt_tos}")


def crash_trials(
    root: Path, count: int, seed: int, size: int = BATCH, report: Callable[[Trial], None] | None = None
) -> tuple[list[Trial], Window]:
    """`count` seeded crash trials over one generated batch of `size` due follow-ups."""
    root.mkdir(parents=True, exist_ok=True)
    data = write_batch(root / "batch.yaml", size)
    keys = due_keys(data)
    if len(keys) != size:
        raise RuntimeError(f"the generated batch has {len(keys)} follow-ups due, not {size}")
    window = calibrate(root, data, size)
    rng = random.Random(seed)
    trials = []
    for index in range(count):
        trials.append(crash_trial(index, rng, root, data, keys, window))
        if report:
            report(trials[-1])
    return trials, window
