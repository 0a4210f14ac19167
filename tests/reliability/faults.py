"""SMTP faults: the shipped example sent to a server that misbehaves, then (fault gone) a later run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.reliability.outcome import Outcome
from tests.runs import (
    EXAMPLE,
    NOW,
    Run,
    due_keys,
    duplicates,
    ledger_rows,
    run_followup,
    send_args,
    send_env,
    smtp,
)
from tests.servers import NO_FAULTS, Faults, SmtpServer, free_port


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
    # no answer after a hand-over: that one uncertain, the rest wait (the next would likely time out too)
    FaultCase("stall after DATA (timeout 1 s)", {"faults": Faults(stall=("DATA", 3), times=1)}, 1,
              (UNCLAIMED, "deferred", "uncertain"), "within 1 s after", 2, ("sent", "sent", "uncertain"),
              timeout=1),
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
