"""Running `followup` as a real subprocess for the trials and hostile cases: its environment, a batch of
data, the ledger's rows afterwards. Shared by tests/reliability/ and tests/hostile_cases.py."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.servers import SmtpServer, smtp_env, start_smtp
from tests.stamps import unstamped

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "interviews.yaml"
NOW = datetime.fromisoformat("2026-11-24T16:00:00-05:00")  # the example and the batch both have work due
FOLLOWUP = (sys.executable, "-m", "batch")
TRACEBACK = "Traceback (most recent call last)"
BATCH = 50  # follow-ups per crash trial: enough for most kills to land inside the batch


# --- running followup -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One finished `followup` process: exit code (minus the signal when killed), output, cost."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float
    peak_kb: int
    timed_out: bool = False

    @property
    def killed(self) -> bool:
        """Whether our SIGKILL ended it."""
        return self.code == -signal.SIGKILL and not self.timed_out

    @property
    def traceback(self) -> bool:
        """Whether Python printed a traceback (or the run died some way a traceback would have shown)."""
        return TRACEBACK in self.err or self.timed_out or (self.code < 0 and not self.killed)

    @property
    def err_lines(self) -> list[str]:
        """The lines of stderr, without the date and time that start those of `send`."""
        return unstamped(self.err).splitlines()


class Spawned:
    """A `followup` process under way; `finish()` waits for it (or kills it) and returns its Run."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        env: dict[str, str],
        streams: Path,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        self.args = tuple(args)
        streams.mkdir(parents=True, exist_ok=True)
        base = streams / f"run-{time.monotonic_ns()}"
        self.out_path, self.err_path = base.with_suffix(".out"), base.with_suffix(".err")
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [*FOLLOWUP, *self.args],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=preexec,
            )
        self.started = time.monotonic()

    def finish(self, *, kill_when: Callable[[float], bool] | None = None, timeout: float = 120.0) -> Run:
        """Wait for the process; SIGKILL it once `kill_when(seconds since start)` says so, or at `timeout`."""
        timed_out = False
        peak_kb, polls = 0, 0
        while True:
            if polls % 10 == 0:  # every ~5 ms: the high-water mark only grows, so a late look loses little
                peak_kb = max(peak_kb, _high_water_kb(self.proc.pid))
            polls += 1
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.monotonic() - self.started
            late = elapsed >= timeout
            if late or (kill_when is not None and kill_when(elapsed)):
                timed_out = late
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(self.proc.pid, 0)
                break
            time.sleep(0.0005)  # fine enough to land a kill between two steps of one delivery
        seconds = time.monotonic() - self.started
        code = os.waitstatus_to_exitcode(status)
        self.proc.returncode = code  # reaped here; tell Popen so it does not wait again
        return Run(self.args, code, _read(self.out_path), _read(self.err_path), seconds,
                   peak_kb or usage.ru_maxrss, timed_out)  # fmt: skip

    def stop(self) -> None:
        """Kill the process if it is still running (cleanup after a failed trial)."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.proc.pid, signal.SIGKILL)
                os.waitpid(self.proc.pid, 0)
            self.proc.returncode = -signal.SIGKILL


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), 0 once it is gone.

    Not wait4's ru_maxrss: a child started by vfork (as subprocess does) inherits at exec the high-water
    mark of the parent's memory, so a long test session's own size (200 MB and more) showed up as the
    child's peak and failed memory bounds the child never came near. VmHWM belongs to the child's own
    address space, made new at exec.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")


def run_followup(args: Sequence[str], *, cwd: Path, env: dict[str, str], **finish: Any) -> Run:
    """Run `followup ARGS` to the end (or to `kill_when`); its streams are kept under cwd/streams."""
    preexec = finish.pop("preexec", None)
    spawned = Spawned(args, cwd=cwd, env=env, streams=cwd / "streams", preexec=preexec)
    try:
        return spawned.finish(**finish)
    finally:
        spawned.stop()


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any FOLLOWUP_* setting, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FOLLOWUP_")}
    return env | extra


def send_env(server: SmtpServer, timeout: float = 3, **extra: str) -> dict[str, str]:
    """The environment for a `followup send` subprocess: this one's without FOLLOWUP_*, then smtp_env."""
    return clean_env(**smtp_env(server, timeout, **extra))


def send_args(data: Path, state: Path, now: datetime, *more: str) -> list[str]:
    """The arguments of `followup send` over one data file and ledger, at one moment."""
    return ["--data", str(data), "--state", str(state), "--now", now.isoformat(), "send", *more]


@contextlib.contextmanager
def smtp(tmp: Path, **kwargs: Any) -> Iterator[SmtpServer]:
    """A test SMTP server for the length of a block."""
    server = start_smtp(tmp, **kwargs)
    try:
        yield server
    finally:
        server.stop()


def quiet_servers() -> None:
    """The servers log every session a test breaks on purpose; the figures do not need that."""
    for name in ("mail.log", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


# --- data and ledger ------------------------------------------------------------------------------------


def write_batch(path: Path, count: int = BATCH) -> Path:
    """A data file of `count` interviews that ended 14:45 on NOW's day: `count` thank-yous due at NOW."""
    lines = [
        "me:\n  name: Sam Rivera\n  email: sam.rivera@example.com\n  timezone: America/Toronto\n",
        "policy: {daily_cap: 1000}\n",
        "interviews:\n",
    ]
    for n in range(count):
        lines.append(
            f"  - id: company-{n:03d}\n    company: Company {n}\n    role: Data Analyst\n"
            f"    start: 2026-11-24 14:00\n    duration: 45m\n    timezone: America/Toronto\n"
            f"    interviewers:\n      - name: Casey Example{n}\n        email: casey{n}@company{n}.example\n"
            f"        topics: [the churn dashboard]\n"
        )
    path.write_text("".join(lines), encoding="utf-8")
    return path


def due_keys(data: Path, now: datetime = NOW) -> list[str]:
    """The keys of the follow-ups due at `now` in a data file (the planner, in this process)."""
    from batch.data import load as loader
    from batch.etiquette import schedule

    loaded = loader.load([data])
    return [item.key for item in schedule.select(schedule.plan(loaded, now))]


def ledger_rows(state: Path) -> dict[str, tuple[str, str, str]]:
    """Every row of a ledger as key → (state, Message-ID, recipient); an absent ledger is empty."""
    if not state.exists():
        return {}
    try:
        return _rows(sqlite3.connect(state))
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # killed before the schema was made
            return {}
        # a ledger on a file system made read-only on purpose: SQLite cannot make its -shm there
        return _rows(sqlite3.connect(f"file:{state}?mode=ro&immutable=1", uri=True))


def _rows(db: sqlite3.Connection) -> dict[str, tuple[str, str, str]]:
    try:
        rows = db.execute("SELECT key, state, message_id, recipient FROM deliveries")
        return {key: (st, mid, rcpt) for key, st, mid, rcpt in rows}
    finally:
        db.close()


def integrity(state: Path) -> str:
    """'ok' when the ledger opens and passes PRAGMA integrity_check (or does not exist yet)."""
    if not state.exists():
        return "ok"
    try:
        db = sqlite3.connect(state)
        try:
            return ", ".join(row[0] for row in db.execute("PRAGMA integrity_check"))
        finally:
            db.close()
    except sqlite3.Error as exc:
        return f"cannot open: {exc}"


def duplicates(server: SmtpServer) -> int:
    """Copies beyond the first of every Message-ID the server accepted (a message without one counts)."""
    counts = server.message_id_counts()
    return sum(n - 1 for mid, n in counts.items() if mid) + counts.get(None, 0)
