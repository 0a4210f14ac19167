"""Send benchmark: 2,000 thank-you emails to a local aiosmtpd sink, ledger included.

Side by side, to the same sink (a subprocess on 127.0.0.1 that counts what it accepts and says 250):

- `followup send` as users run it (a subprocess: start-up, YAML, plan, render, ledger, one connection);
- the same in this process: `deliver_due` with a real ledger (synchronous=FULL, as shipped); then, for
  this measurement only, with the record after each send at NORMAL (the claim before it stays FULL),
  with NORMAL throughout, and with no ledger at all;
- `mailmerge --no-dry-run --no-limit` (a connection per message, as it works);
- a bare `smtplib` loop over one connection sending our pre-built messages (the same bytes);
- the ledger alone: claim + record for every key, in each of those three ways.

    python -m bench.send [--quick]
    python -m bench.send --sink        # the sink itself: prints its port, answers `count` on stdin
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .harness import Row, print_table
from .render import (
    NOW,
    ROOT,
    compare,
    due_items,
    fmt_rate,
    followup_command,
    info,
    interviews_file,
    mailmerge_command,
    micro,
    people,
    rate,
    run_timed,
    scratch,
    write_mailmerge_files,
)

HOST = "127.0.0.1"
SIZE, QUICK_SIZE = 2_000, 200
GOAL_MAILMERGE = 2.0
GOAL_SMTPLIB = 1.3  # at most this many times the bare loop's time
TIMEOUT = 300.0  # seconds any one run may take


# ---------------------------------------------------------------------------------------------------------
# The sink (runs in its own process, so that client and server each have a core)


def serve_sink() -> None:
    """Serve SMTP on 127.0.0.1 (a port of the system's choosing) until stdin closes.

    Prints the port, then answers each `count` line on stdin with `MESSAGES CONNECTIONS`.
    """
    import socket

    from aiosmtpd.controller import Controller

    class Counter:
        messages = 0
        connections = 0

        async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
            self.messages += 1
            return "250 2.0.0 kept"

    class Sink(Controller):
        def __init__(self, handler: Counter, sock: socket.socket) -> None:
            self.sock = sock
            super().__init__(handler, hostname=HOST, port=sock.getsockname()[1],
                             server_hostname="sink.followup.test")  # fmt: skip

        def _create_server(self):  # type: ignore[no-untyped-def]
            return self.loop.create_server(self._factory_invoker, sock=self.sock)

        def factory(self):  # type: ignore[no-untyped-def]
            counter.connections += 1
            return super().factory()

    counter = Counter()
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it aiosmtpd's line-by-line EHLO reply waits ~40 ms on every connection (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind((HOST, 0))
    sink = Sink(counter, sock)
    sink.start()
    counter.connections = 0  # the controller's own start-up probe
    print(sock.getsockname()[1], flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "count":
                print(counter.messages, counter.connections, flush=True)
    finally:
        sink.stop()


class SinkProcess:
    """The sink as a subprocess: its port, and what it has received so far."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.send", "--sink"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"the SMTP sink did not start (it said {line!r})")
        self.port = int(line)

    def counts(self) -> tuple[int, int]:
        """(messages, connections) received since the sink started."""
        self.proc.stdin.write("count\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        messages, connections = self.proc.stdout.readline().split()  # type: ignore[union-attr]
        return int(messages), int(connections)

    def stop(self) -> None:
        """Close its stdin (it stops), and wait for it."""
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def measured(sink: SinkProcess, expected: int, work: Callable[[], float]) -> tuple[float, int]:
    """Run one send; (seconds, connections), after checking the sink got exactly `expected` messages."""
    before_messages, before_connections = sink.counts()
    seconds = work()
    messages, connections = sink.counts()
    if messages - before_messages != expected:
        raise RuntimeError(f"the sink received {messages - before_messages} messages, expected {expected}")
    return seconds, connections - before_connections


# ---------------------------------------------------------------------------------------------------------
# The contenders


def prebuilt_messages(data_path: Path) -> list:  # type: ignore[type-arg]
    """Our finished messages for the due follow-ups (what the bare loop sends)."""
    from batch.compose import compose, to_mail
    from batch.mime import new_message_id

    data, items = due_items(data_path)
    now = datetime.fromisoformat(NOW)
    return [to_mail(compose(i, data), data, new_message_id(data.me.email, now), now) for i in items]


def bare_smtplib(port: int, messages: list) -> float:  # type: ignore[type-arg]
    """One connection, `sendmail` per pre-built message; seconds from connect to QUIT."""
    import smtplib

    begin = time.perf_counter()
    with smtplib.SMTP(HOST, port, timeout=TIMEOUT) as smtp:
        for m in messages:
            smtp.sendmail(m.sender, [m.recipient], m.data)
    return time.perf_counter() - begin


# How the ledger syncs in a measurement: as shipped (FULL), NORMAL throughout, or the proposal
# (the claim FULL, as it must be durable before the message goes; the record after it NORMAL).
SYNC_MODES = {"FULL": ("FULL", "FULL"), "NORMAL": ("NORMAL", "NORMAL"), "split": ("FULL", "NORMAL")}


def open_ledger(state: Path, mode: str):  # type: ignore[no-untyped-def]
    """A fresh ledger whose claims and records sync as `mode` says (for this measurement only)."""
    from batch.ledger import Ledger

    ledger = Ledger(state)
    claim_sync, record_sync = SYNC_MODES[mode]
    if claim_sync == record_sync:
        if mode != "FULL":
            ledger.db.execute(f"PRAGMA synchronous = {claim_sync}")
        return ledger
    claim, record = ledger.claim, ledger.record

    def claim_synced(*args, **kwargs):  # type: ignore[no-untyped-def]
        ledger.db.execute(f"PRAGMA synchronous = {claim_sync}")
        return claim(*args, **kwargs)

    def record_synced(*args, **kwargs):  # type: ignore[no-untyped-def]
        ledger.db.execute(f"PRAGMA synchronous = {record_sync}")
        return record(*args, **kwargs)

    ledger.claim, ledger.record = claim_synced, record_synced  # type: ignore[method-assign]
    return ledger


def in_process(port: int, data_path: Path, state: Path | None, mode: str) -> float:
    """`deliver_due` over SMTP with a fresh ledger (or none); seconds, load and plan excluded."""
    from batch.deliver import deliver_due
    from batch.transport import Smtp, SmtpSettings

    data, items = due_items(data_path)
    ledger = open_ledger(state, mode) if state is not None else None
    try:
        transport = Smtp(SmtpSettings(HOST, port, security="none", timeout=TIMEOUT))
        begin = time.perf_counter()
        outcomes = deliver_due(items, data, transport, ledger, datetime.fromisoformat(NOW))
        seconds = time.perf_counter() - begin
    finally:
        if ledger is not None:
            ledger.close()
    bad = [o.line for o in outcomes if o.state not in ("sent", "written")]
    if bad or len(outcomes) != len(items):
        raise RuntimeError(f"deliver_due: {len(bad)} not sent, e.g. {bad[:1]}")
    return seconds


def ledger_alone(state: Path, count: int, mode: str) -> float:
    """Seconds to claim and record `count` keys in a fresh ledger, as a run of that size does."""
    from batch.ledger import Entry

    now = datetime.fromisoformat(NOW)
    ledger = open_ledger(state, mode)
    try:
        begin = time.perf_counter()
        for n in range(count):
            key = f"interview-{n}/thank-you/person.{n}@example.com"
            address = f"person.{n}@example.com"
            entry = Entry(key, f"interview-{n}", "thank-you", "email", address, "Pat Doe", "Thank you",
                          f"<{n}@example.com>", "sending", 1, "", None, None)  # fmt: skip
            if not ledger.claim(entry, now):
                raise RuntimeError(f"{key}: claimed already in a fresh ledger")
            ledger.record(key, "sent", "250 2.0.0 kept", now)
        return time.perf_counter() - begin
    finally:
        ledger.close()


def cli_send(port: int, data_path: Path, state: Path) -> float:
    """Seconds of `followup send` to the sink, as users run it (a fresh ledger at `state`)."""
    command = followup_command(data_path, "--state", str(state), "send")
    return run_timed(command, env=smtp_env(port), timeout=TIMEOUT).seconds


def mailmerge_send(paths: dict[str, Path]) -> list[str]:
    """mailmerge's command that sends every row (to the sink its config names)."""
    return mailmerge_command(paths, dry_run=False, output="text")


def smtp_env(port: int) -> dict[str, str]:
    """The environment `followup send` reads its SMTP settings from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_SMTP_")}
    env.update(FOLLOWUP_SMTP_HOST=HOST, FOLLOWUP_SMTP_PORT=str(port), FOLLOWUP_SMTP_SECURITY="none")
    return env


# ---------------------------------------------------------------------------------------------------------


def main(quick: bool = False) -> None:
    """Run the send benchmark and print its table."""
    count = QUICK_SIZE if quick else SIZE
    repeat = 2  # even a quick run: one sample on a shared machine is mostly noise
    data_path = interviews_file(count)
    messages = prebuilt_messages(data_path)
    assert len(messages) == count, f"{len(messages)} due, expected {count}"
    times: dict[str, list[float]] = {}
    links: dict[str, int] = {}
    load = os.getloadavg()[0]
    sink = SinkProcess()
    try:
        with scratch() as tmp:
            folder = Path(tmp)
            paths = write_mailmerge_files(folder, people(count), port=sink.port)
            runs: dict[str, Callable[[str], float]] = {
                "smtplib": lambda tag: bare_smtplib(sink.port, messages),
                "cli": lambda tag: cli_send(sink.port, data_path, folder / f"{tag}.db"),
                "FULL": lambda tag: in_process(sink.port, data_path, folder / f"{tag}.db", "FULL"),
                "split": lambda tag: in_process(sink.port, data_path, folder / f"{tag}.db", "split"),
                "NORMAL": lambda tag: in_process(sink.port, data_path, folder / f"{tag}.db", "NORMAL"),
                "none": lambda tag: in_process(sink.port, data_path, None, ""),
                "mailmerge": lambda tag: run_timed(mailmerge_send(paths), timeout=TIMEOUT).seconds,
            }
            measured(sink, len(messages[:50]), lambda: bare_smtplib(sink.port, messages[:50]))  # warm-up
            names = list(runs)
            for n in range(repeat):  # interleaved, the order turned each round: a busy moment hurts all
                for name in names[n * 3 % len(names) :] + names[: n * 3 % len(names)]:
                    seconds, links[name] = measured(sink, count, lambda: runs[name](f"{name}-{n}"))  # noqa: B023
                    times.setdefault(name, []).append(seconds)
            spans: dict[str, list[float]] = {}
            for n in range(repeat + 1):  # interleaved too: fsync times drift with the machine's load
                for mode in SYNC_MODES:
                    state = folder / f"alone-{mode}-{n}.db"
                    spans.setdefault(mode, []).append(ledger_alone(state, count, mode))
            alone = {mode: min(values) for mode, values in spans.items()}
    finally:
        sink.stop()
    best = {name: rate(count, min(values)) for name, values in times.items()}
    vs_mailmerge = ("mailmerge --no-dry-run", GOAL_MAILMERGE)
    rows = [
        compare("ours CLI (followup send) vs mailmerge", best["cli"], best["mailmerge"], *vs_mailmerge),
        within("ours CLI (followup send) vs bare smtplib", best["cli"], best["smtplib"]),
        compare("ours in-process (deliver_due) vs mailmerge", best["FULL"], best["mailmerge"], *vs_mailmerge),
        within("ours in-process (deliver_due) vs bare smtplib", best["FULL"], best["smtplib"]),
        within("  the same, ledger: claim FULL, record NORMAL", best["split"], best["smtplib"], goal=False),
        within("  the same, ledger NORMAL throughout", best["NORMAL"], best["smtplib"], goal=False),
        within("  the same, no ledger (render + send alone)", best["none"], best["smtplib"], goal=False),
        info("bare smtplib, one connection, pre-built bytes", fmt_rate(best["smtplib"])),
        info("mailmerge --no-dry-run --no-limit", fmt_rate(best["mailmerge"])),
        info("ledger alone, claim + record: FULL (as shipped)", micro(alone["FULL"], count)),
        info("ledger alone, claim + record: claim FULL, record NORMAL", micro(alone["split"], count)),
        info("ledger alone, claim + record: NORMAL", micro(alone["NORMAL"], count)),
    ]  # fmt: skip
    ours_each = 1 / best["FULL"]
    print_table(
        f"send: {count:,} thank-you emails to an aiosmtpd sink on {HOST}, ledger included",
        [
            f"best of {repeat}, interleaved; every run checked: the sink got all {count:,}. Connections per "
            f"run: ours {links['cli']}, smtplib {links['smtplib']}, mailmerge {links['mailmerge']}.",
            f"in-process runs exclude load + plan; CLI runs are the whole command's wall time. "
            f"Load average at the start: {load:.1f} on {os.cpu_count()} CPUs (fsync times vary with it).",
            f"the ledger's share of ours in-process (FULL): {alone['FULL'] / count / ours_each:.0%}.",
        ],
        rows,
    )


def within(name: str, ours: float, bare: float, *, goal: bool = True) -> Row:
    """A row: how many times the bare loop's time ours takes, against the allowed factor (if `goal`)."""
    factor = bare / ours
    return Row(
        name, fmt_rate(ours), f"bare smtplib {fmt_rate(bare)}", f"{factor:.2f}x its time",
        f"<= {GOAL_SMTPLIB:g}x its time" if goal else "-", factor <= GOAL_SMTPLIB if goal else None,
    )  # fmt: skip


def share(ledger_seconds: float, count: int, ours_rate: float) -> str:
    """The ledger's seconds as a part of a whole run's seconds."""
    return f"{ledger_seconds / (count / ours_rate):.0%}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.send", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} messages instead of {SIZE:,}")
    parser.add_argument("--sink", action="store_true", help="serve the SMTP sink (used by the benchmark)")
    arguments = parser.parse_args()
    if arguments.sink:
        serve_sink()
    else:
        main(arguments.quick)
