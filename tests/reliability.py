"""Proof of the promises (issue 5): crash, overlap, clock, SMTP-fault, hostile-input and secret trials.

Everything runs `followup` as a real subprocess against real mail servers on 127.0.0.1 (tests/servers/)
and judges what arrived, what the ledger says and what the run printed. The pytest files
(tests/test_reliability.py, tests/test_hostile.py) run the short form; this module also runs the long one:

    python -m tests.reliability [--trials N] [--quick] [--seed S] [--figures PATH] [--keep]

It prints the figures and writes them as Markdown to figures/reliability.md (a full run only, or
wherever --figures says), and exits 1 when anything was delivered twice, lost, or ended in a traceback,
or when any other trial did not end as documented.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests import hostile_cases
from tests.runs import (
    BATCH,
    EXAMPLE,
    NOW,
    ROOT,
    Run,
    Spawned,
    due_keys,
    duplicates,
    integrity,
    ledger_rows,
    quiet_servers,
    run_followup,
    send_args,
    send_env,
    smtp,
    write_batch,
)
from tests.servers import NO_FAULTS, Faults, SmtpServer, free_port

FIGURES = ROOT / "figures" / "reliability.md"  # the guide shows it (sitehooks: reliability-figures)
FINAL = ("sent", "uncertain")  # how every due follow-up of a crash trial must end

# --- crash trials ---------------------------------------------------------------------------------------


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

            run = run_followup(send_args(data, work / "followup.db", NOW), cwd=work, env=send_env(server),
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
        env = send_env(server)
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


# --- overlapping runs and the clock ---------------------------------------------------------------------


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


# --- SMTP faults ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultCase:
    """An SMTP fault, and how the run over the shipped example (3 due) must end.

    states: the ledger states of the 3 due follow-ups after the first run, sorted ("-": no row, never
    claimed). later: the same after a later run with the fault gone (None: no later run).
    """

    name: str
    server: dict[str, Any]
    exit: int
    states: tuple[str, ...]
    says: str  # every stderr line of the first run carries this
    lines: int  # stderr lines of the first run
    later: tuple[str, ...] | None
    later_now: datetime = NOW + timedelta(minutes=15)
    timeout: float = 3
    env: dict[str, str] = field(default_factory=dict)


UNCLAIMED = "-"
MARCUS = "marcus.chen@northwind.example"  # the example's one email due at NOW (the other two are reminders)
GIVE_UP = ("-", "-", "deferred")  # the connection failed: the first one deferred, the run stopped
ALL_SENT = ("sent", "sent", "sent")

# fmt: off
FAULT_CASES = [
    FaultCase("421 at connect", {"faults": Faults(greeting="421 4.3.2 go away")}, 1, GIVE_UP,
              "421 4.3.2 go away", 1, ALL_SENT),
    FaultCase("535 on AUTH", {"security": "starttls", "faults": Faults(auth="535 5.7.8 bad credentials")}, 1,
              GIVE_UP, "535 5.7.8", 1, ALL_SENT),
    FaultCase("451 on RCPT", {"faults": Faults(rcpt={"*": "451 4.3.0 try later"})}, 1,
              ("deferred",) * 3, "451 4.3.0 try later", 3, ALL_SENT),
    FaultCase("452 on RCPT", {"faults": Faults(rcpt={"*": "452 4.2.2 mailbox full"})}, 1,
              ("deferred",) * 3, "452 4.2.2", 3, ALL_SENT),
    FaultCase("451 on DATA", {"faults": Faults(data="451 4.3.0 try later")}, 1, ("deferred",) * 3,
              "451 4.3.0", 3, ALL_SENT),
    FaultCase("452 on DATA", {"faults": Faults(data="452 4.3.1 out of storage")}, 1, ("deferred",) * 3,
              "452 4.3.1", 3, ALL_SENT),
    FaultCase("4xx, next run after expiry", {"faults": Faults(rcpt={"*": "451 4.3.0 try later"})}, 1,
              ("deferred",) * 3, "451 4.3.0", 3, ("deferred",) * 3, later_now=NOW + timedelta(days=8)),
    FaultCase("550 unknown user", {"faults": Faults(rcpt={MARCUS: "550 5.1.1 no such user"})}, 1,
              ("failed", "sent", "sent"), "550 5.1.1 no such user", 1, ("failed", "sent", "sent")),
    FaultCase("554 on DATA", {"faults": Faults(data="554 5.6.0 message refused")}, 1, ("failed",) * 3,
              "554 5.6.0", 3, ("failed",) * 3),
    FaultCase("dropped before DATA, once", {"faults": Faults(drop="MAIL", times=1)}, 0, ALL_SENT, "", 0,
              ALL_SENT),
    FaultCase("dropped before DATA, every time", {"faults": Faults(drop="RCPT")}, 1, GIVE_UP, "broke twice",
              1, ALL_SENT),
    FaultCase("dropped mid-DATA", {"faults": Faults(drop="DATA", times=1)}, 1, ("sent", "sent", "uncertain"),
              "followup resolve", 1, ("sent", "sent", "uncertain")),
    FaultCase("dropped after DATA", {"faults": Faults(drop="after_DATA", times=1)}, 1,
              ("sent", "sent", "uncertain"), "followup resolve", 1, ("sent", "sent", "uncertain")),
    FaultCase("stall at greeting (timeout 1 s)", {"faults": Faults(stall=("greeting", 3))}, 1, GIVE_UP,
              "no answer in time", 1, ALL_SENT, timeout=1),
    FaultCase("stall at MAIL (timeout 1 s)", {"faults": Faults(stall=("MAIL", 3))}, 1, GIVE_UP,
              "no answer in time", 1, ALL_SENT, timeout=1),
    FaultCase("stall after DATA (timeout 1 s)", {"faults": Faults(stall=("DATA", 3), times=1)}, 1,
              ("sent", "sent", "uncertain"), "followup resolve", 1, ("sent", "sent", "uncertain"), timeout=1),
    FaultCase("STARTTLS, untrusted certificate", {"security": "starttls", "faults": Faults(tls="untrusted")},
              1, GIVE_UP, "TLS failed", 1, ALL_SENT),
    FaultCase("STARTTLS, garbage answer", {"security": "starttls", "faults": Faults(tls="garbage")}, 1,
              GIVE_UP, "TLS failed", 1, ALL_SENT),
    FaultCase("SMTPS, untrusted certificate", {"security": "ssl", "faults": Faults(tls="untrusted")}, 1,
              GIVE_UP, "TLS failed", 1, ALL_SENT),
    FaultCase("SMTPS, garbage answer", {"security": "ssl", "faults": Faults(tls="garbage")}, 1, GIVE_UP,
              "TLS failed", 1, ALL_SENT),
    FaultCase("connection refused", {}, 1, GIVE_UP, "connection refused", 1, None),
    FaultCase("221 after DATA", {"faults": Faults(final="221 2.0.0 bye", times=1)}, 1,
              ("sent", "sent", "uncertain"), "followup resolve", 1, ("sent", "sent", "uncertain")),
    FaultCase("no reply code after DATA", {"faults": Faults(final="thanks, got it", times=1)}, 1,
              ("sent", "sent", "uncertain"), "followup resolve", 1, ("sent", "sent", "uncertain")),
    FaultCase("252 after DATA", {"faults": Faults(final="252 2.1.5 will try")}, 0, ALL_SENT, "", 0, ALL_SENT),
    FaultCase("final reply dribbled (timeout 1 s)", {"faults": Faults(dribble=("DATA", 0.4))}, 1,
              ("-", "deferred", "uncertain"), "next run", 2, ("sent", "sent", "uncertain"), timeout=1),
    FaultCase("MAIL reply dribbled (timeout 1 s)", {"faults": Faults(dribble=("MAIL", 0.4))}, 1, GIVE_UP,
              "within 3 s", 1, ALL_SENT, timeout=1),
    FaultCase("530 on MAIL FROM", {"faults": Faults(mail="530 5.7.0 Authentication required")}, 1, GIVE_UP,
              "530 5.7.0", 1, ALL_SENT),
    FaultCase("535 echoing the AUTH argument", {"security": "starttls", "faults": Faults(echo_auth="PLAIN")},
              1, GIVE_UP, "[hidden]", 1, ALL_SENT),
]
# fmt: on


def fault_trial(root: Path, case: FaultCase) -> Outcome:
    """The example's send against a faulty server, then (fault gone) a later run; judge both."""
    work = root / f"fault-{case.name.replace(' ', '-').replace('/', '-')}"
    work.mkdir(parents=True)
    data, state = EXAMPLE, work / "followup.db"
    keys = due_keys(data)
    outcome = Outcome(case.name, "")
    with smtp(work, **case.server) as server:
        env = send_env(server, timeout=case.timeout, **case.env)
        if case.name == "connection refused":
            env["FOLLOWUP_SMTP_PORT"] = str(free_port())
        first = run_followup(send_args(data, state, NOW), cwd=work, env=env, timeout=60)
        after_first = _states(state, keys)
        outcome.extra = {"exit": str(first.code), "states": _count_states(after_first),
                         "line": first.err_lines[0] if first.err_lines else "(nothing)"}  # fmt: skip
        _expect_first(outcome, case, first, after_first)
        if case.later is not None:
            later = _later_run(work, case, server, data, state, env)
            after = _states(state, keys)
            outcome.extra["later"] = _count_states(after) + f", exit {later.code}"
            outcome.tracebacks += later.traceback
            if after != case.later:
                outcome.problems.append(f"after a later run: {after}, expected {case.later}")
        outcome.duplicates = duplicates(server)
        outcome.tracebacks += first.traceback
        _expect_arrivals(outcome, server, state)
    outcome.summary = f"exit {outcome.extra['exit']}, {outcome.extra['states']}"
    return outcome


def _later_run(
    work: Path, case: FaultCase, server: SmtpServer, data: Path, state: Path, env: dict[str, str]
) -> Run:
    if case.server.get("faults", NO_FAULTS).tls:  # a TLS fault lasts as long as its server
        with smtp(work, security=server.security) as fixed:
            later = run_followup(send_args(data, state, case.later_now), cwd=work, env=send_env(fixed))
            server.received.extend(fixed.received)  # one count of what arrived, wherever
            return later
    server.faults = NO_FAULTS
    return run_followup(send_args(data, state, case.later_now), cwd=work, env=env)


def _states(state: Path, keys: list[str]) -> tuple[str, ...]:
    rows = ledger_rows(state)
    return tuple(sorted(rows.get(key, (UNCLAIMED,))[0] for key in keys))


def _count_states(states: tuple[str, ...]) -> str:
    counts = Counter("unclaimed" if s == UNCLAIMED else s for s in states)
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))


def _expect_first(outcome: Outcome, case: FaultCase, run: Run, states: tuple[str, ...]) -> None:
    if run.code != case.exit:
        outcome.problems.append(f"exit {run.code}, expected {case.exit}")
    if states != case.states:
        outcome.problems.append(f"ledger {states}, expected {case.states}")
    lines = run.err_lines
    if len(lines) != case.lines or not all(case.says in line for line in lines):
        outcome.problems.append(f"stderr should be {case.lines} line(s) with {case.says!r}: {run.err!r}")


def _expect_arrivals(outcome: Outcome, server: SmtpServer, state: Path) -> None:
    rows = ledger_rows(state)
    sent = {mid for st, mid, _ in rows.values() if st == "sent"}
    arrived = {m.message_id for m in server.received}
    outcome.lost = len(sent - arrived)
    claimed = {mid for _, mid, _ in rows.values()}
    if arrived - claimed:
        outcome.problems.append(f"arrived without a claim: {sorted(arrived - claimed)}")


# --- secrets --------------------------------------------------------------------------------------------

SECRET_CASES = (
    "password in the environment, delivered",
    "password file, delivered",
    "535 on AUTH",
    "535 echoing AUTH PLAIN",
    "535 echoing AUTH LOGIN",
    "connection refused",
    "TLS failure",
    "password file readable by group",
    "password file readable by others",
)


def secret_trial(root: Path, case: str) -> Outcome:
    """Plant a unique password, run a send and the read-only commands, and look for it everywhere."""
    work = root / f"secret-{SECRET_CASES.index(case)}"
    work.mkdir(parents=True)
    secret = "pw-" + base64.b32encode(os.urandom(15)).decode().lower()
    server_password = "a-different-password" if case == "535 on AUTH" else secret
    security = "ssl" if "file" in case else "starttls"
    tls = Faults(tls="untrusted") if case == "TLS failure" else None
    if "echoing" in case:  # the server repeats what the login sent in its 535
        tls = Faults(echo_auth=case.rsplit(" ", 1)[-1])
    outcome = Outcome(case, "")
    with smtp(work, security=security, password=server_password, faults=tls) as server:
        env = send_env(server, FOLLOWUP_SMTP_PASSWORD=secret)
        secret_file = _plant_file(work, case, secret, env)
        if case == "connection refused":
            env["FOLLOWUP_SMTP_PORT"] = str(free_port())
        data, state = EXAMPLE, work / "var" / "followup.db"
        outbox = ["--outbox", str(work / "var" / "outbox")]
        runs = [run_followup(send_args(data, state, NOW, *more), cwd=work, env=env)
                for more in ([*outbox, "--dry-run"], outbox)]  # fmt: skip
        readers = (["status"], ["status", "--json"], ["plan", "--json"], ["check"])
        for extra in readers if "delivered" in case or "AUTH" in case else ():  # the others stop sooner
            runs.append(run_followup(["--data", str(data), "--state", str(state), "--now", NOW.isoformat(),
                                      *extra], cwd=work, env=env))  # fmt: skip
        outcome.tracebacks = sum(run.traceback for run in runs)
        outcome.problems += _expect_secret_outcome(case, runs[1], server)
        found = find_secret(work, secret, server.user, skip={secret_file} if secret_file else set())
        found += [f"message {m.message_id}" for m in server.received if secret.encode() in m.data]
        if found:
            outcome.problems.append("the password was found in " + ", ".join(found))
        files = sum(1 for p in work.rglob("*") if p.is_file())
        outcome.summary = f"exit {runs[1].code}; searched {files} files and {len(runs) * 2} streams: " + (
            "found" if found else "not found"
        )
    return outcome


def _plant_file(work: Path, case: str, secret: str, env: dict[str, str]) -> Path | None:
    if "file" not in case:
        return None
    path = work / "smtp-password"
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o640 if "group" in case else 0o604 if "others" in case else 0o600)
    del env["FOLLOWUP_SMTP_PASSWORD"]
    env["FOLLOWUP_SMTP_PASSWORD_FILE"] = str(path)
    return path


def _expect_secret_outcome(case: str, run: Run, server: SmtpServer) -> list[str]:
    if "readable" in case:
        good = run.code == 2 and len(run.err_lines) == 1 and "chmod 600" in run.err and not server.received
    elif "delivered" in case:
        good = run.code == 0 and len(server.received) == 3
    else:
        good = run.code == 1 and len(run.err_lines) == 1 and not server.received
    return [] if good else [f"exit {run.code}, {len(server.received)} received: {run.err.strip()!r}"]


def secret_forms(secret: str, user: str) -> list[bytes]:
    """The password as it could leak: plain, and as AUTH PLAIN or AUTH LOGIN put it on the wire."""
    plain = secret.encode()
    return [plain, base64.b64encode(plain), base64.b64encode(b"\0" + user.encode() + b"\0" + plain)]


def find_secret(folder: Path, secret: str, user: str, skip: set[Path]) -> list[str]:
    """Every file under `folder` (streams, ledger and its -wal/-shm, outbox, logs) holding the password."""
    forms = secret_forms(secret, user)
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path not in skip:
            content = path.read_bytes()
            if any(form in content for form in forms):
                found.append(str(path.relative_to(folder)))
    return found


# --- hostile input --------------------------------------------------------------------------------------


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


# --- the figures ----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Everything one reliability run found, ready to print."""

    command: str
    seed: int
    trials: list[Trial]
    window: Window | None
    scripted: dict[str, list[Outcome]]
    seconds: float = 0.0

    def count(self, attribute: str) -> int:
        """A total over the crash trials and the scripted trials."""
        total = 0
        for trial in self.trials:
            value = getattr(trial, attribute)
            total += len(value) if isinstance(value, list) else value
        for outcomes in self.scripted.values():
            for outcome in outcomes:
                value = getattr(outcome, attribute, 0)
                total += value if isinstance(value, int) else 0
        return total

    @property
    def failures(self) -> list[str]:
        """Every trial that did not end as it must, with why."""
        found = [f"crash trial {t.index}: {t.problems + t.lost} ({t.unannounced} uncertain never named)"
                 for t in self.trials if not t.ok]  # fmt: skip
        for group, outcomes in self.scripted.items():
            found += [f"{group} {o.name}: {o.problems}" for o in outcomes if not o.ok]
        return found

    @property
    def integrity_checks(self) -> int:
        """How many times a ledger was checked after a kill or at the end of a trial."""
        return sum(trial.checks for trial in self.trials)

    def summary_rows(self) -> list[tuple[str, str]]:
        """The table of the issue: measure → figure."""
        trials, kills = len(self.trials), self.count("kills")
        landing = Counter(t.landing for t in self.trials)
        uncertain = self.count("uncertain")
        arrived = sum(t.uncertain_arrived for t in self.trials)
        faults = self.scripted.get("fault", [])
        hostile = self.scripted.get("hostile", [])
        inputs = [o for o in hostile if "skipped" not in o.extra]
        secrets = self.scripted.get("secret", [])
        first_kills = sum(t.landing != "finished before the kill" for t in self.trials)
        tried = [t.recovery_killed for t in self.trials if t.recovery_killed is not None]
        lost = self.count("lost") + self.count("unclaimed")
        unnamed = sum(t.unannounced for t in self.trials)
        skipped, hostile_ok = len(hostile) - len(inputs), sum(o.ok for o in inputs)
        # fmt: off
        rows = [
            ("crash trials run (SIGKILL, then later runs)", f"{trials} (batch of {BATCH}, seed {self.seed})"),
            ("kills (SIGKILL)", f"{kills} ({first_kills} batch runs; {sum(tried)} of {len(tried)} "
             "recovering runs killed as well)"),
            ("where the first kill landed", "; ".join(f"{n} {where}" for where, n in landing.most_common())),
            ("duplicates (a Message-ID accepted twice)", str(self.count("duplicates"))),
            ("lost (due, but neither delivered once nor flagged)", str(lost)),
            ("uncertain (flagged with their key)",
             f"{uncertain} ({arrived} had arrived, {uncertain - arrived} had not)"
             + (f"; {unnamed} shown by status only, not named on stderr" if unnamed else "")),
            ("largest uncertain count left by one trial (a kill may catch a whole claimed chunk)",
             str(max((len(t.uncertain) for t in self.trials), default=0))),
            ("ledger integrity_check",
             f"{self.count('bad_integrity')} failed of {self.integrity_checks} checks"),
            *[(o.name, o.summary) for o in self.scripted.get("overlap", []) + self.scripted.get("clock", [])],
            ("SMTP fault cases", f"{len(faults)}: {sum(o.ok for o in faults)} ended as documented"),
            ("hostile inputs tried", f"{len(inputs)}: {hostile_ok} refused with their place or "
             "delivered correctly" + (f" ({skipped} skipped)" if skipped else "")),
            ("secret cases (password planted, every file and stream searched)",
             f"{len(secrets)}: found in {sum(not o.ok for o in secrets)}"),
            ("tracebacks", str(self.count("tracebacks"))),
        ]
        # fmt: on
        return rows

    def fault_rows(self) -> list[tuple[str, str, str, str]]:
        """Per SMTP fault: the exit code, the ledger after the run and after a later run, the line printed."""
        rows = []
        for o in self.scripted.get("fault", []):
            line = shorten(o.extra.get("line", ""))
            rows.append((o.name, f"{o.extra.get('exit', '?')}: {o.extra.get('states', '?')}",
                         o.extra.get("later", "-"), line))  # fmt: skip
        return rows


def shorten(line: str, width: int = 110) -> str:
    """A line of a run's stderr, its description of the follow-up cut so that the reason shows."""
    line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)  # a new port every run
    state, _, rest = line.partition("  ")
    if rest and "): " in rest:
        line = f"{state}  ...: {rest.split('): ', 1)[1]}"
    if len(line) <= width:
        return line
    cut = line[: width - 3]
    return cut[: cut.rfind(" ")] + " ..." if " " in cut else cut + "..."  # a whole word: never half a name


def format_text(figures: Figures) -> str:
    """The figures as plain text for the terminal."""
    rows = figures.summary_rows()
    width = max(len(name) for name, _ in rows)
    lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
    lines += ["", "SMTP faults (exit: ledger after the run | after a later run without the fault | stderr)"]
    for name, first, later, line in figures.fault_rows():
        lines.append(f"  {name}: exit {first} | {later} | {line}")
    return "\n".join([*lines, "", *_window_lines(figures.window)])


def format_markdown(figures: Figures) -> str:
    """The figures as the Markdown snippet the guide includes."""
    when = datetime.now().astimezone().strftime("%Y-%m-%d")
    lines = [
        "<!-- Written by `make reliability` (tests/reliability.py): do not edit by hand. -->",
        f"Last run on {when}: `{figures.command}`, {figures.seconds / 60:.1f} minutes on "
        f"{os.cpu_count()} CPUs, against real mail servers on 127.0.0.1.",
        "",
        "| What was tried | Result |",
        "|---|---|",
        *[f"| {name} | {_cell(value)} |" for name, value in figures.summary_rows()],
        "",
        *_window_lines(figures.window),
        "| SMTP fault | Exit code and ledger | After a later run | What the run printed |",
        "|---|---|---|---|",
        *[
            f"| {name} | {_cell(first)} | {_cell(later)} | {_cell(line)} |"
            for name, first, later, line in figures.fault_rows()
        ],
    ]
    return "\n".join(lines) + "\n"


def _window_lines(window: Window | None) -> list[str]:
    if window is None:
        return []
    return [
        f"Each batch run was killed at a seeded point of its progress: in its start-up (1 in 10), after a "
        f"seeded number of deliveries plus part of one (8 in 10), or just after its last delivery. Unkilled, "
        f"a run of {window.size} here made its first delivery at {window.first:.2f} s, one every "
        f"{window.per_message * 1000:.0f} ms after that, and ended at {window.end:.2f} s.",
        "",
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


# --- the command ----------------------------------------------------------------------------------------


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
    import shutil

    for path in root.rglob("*"):  # a case may leave a folder we made read-only
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
