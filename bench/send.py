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
import statistics
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
SINKS = ("aiosmtpd", "minimal")


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


def serve_minimal_sink() -> None:
    """A minimal SMTP sink on asyncio: it answers 250 to everything (354 to DATA), counts messages and
    connections, and spends next to no CPU of its own, so the client's cost shows (aiosmtpd spends
    420-690 µs a message, which compresses every ratio). Same protocol on stdin/stdout as serve_sink."""
    import asyncio
    import threading

    counts = {"messages": 0, "connections": 0}

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counts["connections"] += 1
        writer.write(b"220 sink ESMTP\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await reader.readuntil(b"\r\n.\r\n")
                counts["messages"] += 1
                writer.write(b"250 2.0.0 kept\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            elif verb == b"EHLO":
                writer.write(b"250-sink\r\n250 8BITMIME\r\n")
            else:
                writer.write(b"250 ok\r\n")
        writer.close()

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(session, HOST, 0, limit=1 << 24))
    print(server.sockets[0].getsockname()[1], flush=True)
    threading.Thread(target=loop.run_forever, daemon=True).start()
    for line in sys.stdin:
        if line.strip() == "count":
            # read from another thread: ints are replaced whole, a stale pair is re-read by the caller
            print(counts["messages"], counts["connections"], flush=True)


class SinkProcess:
    """The sink as a subprocess: its port, and what it has received so far."""

    def __init__(self, kind: str = "aiosmtpd") -> None:
        self.kind = kind
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.send", "--sink", kind],
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
    from batch.letters.compose import compose, to_mail
    from batch.letters.mime import new_message_id

    data, items = due_items(data_path)
    now = datetime.fromisoformat(NOW)
    return [to_mail(compose(i, data), data, new_message_id(data.me.email, now), now) for i in items]


def bare_smtplib(port: int, messages: list) -> float:  # type: ignore[type-arg]
    """One connection, `sendmail` per pre-built message; seconds from connect to QUIT."""
    import smtplib

    begin = time.perf_counter()
    with smtplib.SMTP(HOST, port, timeout=TIMEOUT) as smtp:
        for m in messages:
            smtp.sendmail(m.envelope_from, [m.envelope_to], m.data)
    return time.perf_counter() - begin


# How the ledger syncs in a measurement: as shipped (the claim FULL, as it must be durable before the
# message goes; the record after it NORMAL), FULL throughout (as shipped before group commit), or NORMAL
# throughout (not durable: for comparison only).
SYNC_MODES = {"shipped": None, "FULL": ("FULL", "FULL"), "NORMAL": ("NORMAL", "NORMAL")}


def open_ledger(state: Path, mode: str):  # type: ignore[no-untyped-def]
    """A fresh ledger whose claims and records sync as `mode` says (for this measurement only)."""
    from batch.ledger.store import Ledger

    ledger = Ledger(state)
    if SYNC_MODES[mode] is not None:
        ledger.claim_sync, ledger.record_sync = SYNC_MODES[mode]  # instance attributes: this one only
    return ledger


def in_process(port: int, data_path: Path, state: Path | None, mode: str) -> float:
    """`deliver_due` over SMTP with a fresh ledger (or none); seconds, load and plan excluded."""
    from batch.mail.deliver import deliver_due
    from batch.mail.transport import Smtp, SmtpSettings

    data, items = due_items(data_path)
    ledger = open_ledger(state, mode) if state is not None else None
    try:
        transport = Smtp(SmtpSettings(HOST, port, security="none", timeout=TIMEOUT))
        begin = time.perf_counter()  # composing is part of sending: the loop overlaps the two
        outcomes = deliver_due(items, data, transport, ledger, datetime.fromisoformat(NOW))
        seconds = time.perf_counter() - begin
    finally:
        if ledger is not None:
            ledger.close()
    bad = [o.line for o in outcomes if o.state not in ("sent", "written")]
    if bad or len(outcomes) != len(items):
        raise RuntimeError(f"deliver_due: {len(bad)} not sent, e.g. {bad[:1]}")
    return seconds


def ledger_alone(state: Path, count: int, mode: str, chunk: int = 1) -> float:
    """Seconds to claim and record `count` keys in a fresh ledger, `chunk` to a transaction."""
    from batch.ledger.schema import Entry
    from batch.ledger.store import Claim

    now = datetime.fromisoformat(NOW)
    ledger = open_ledger(state, mode)
    try:
        begin = time.perf_counter()
        for first in range(0, count, chunk):
            claims = []
            for n in range(first, min(count, first + chunk)):
                key = f"interview-{n}/thank-you/person.{n}@example.com"
                address = f"person.{n}@example.com"
                row = Entry(key, f"interview-{n}", "thank-you", "email", address, "Pat Doe", "Thank you",
                            f"<{n}@example.com>", "sending", 1, "", None, None)  # fmt: skip
                claims.append(Claim(row))
            granted = ledger.claim_many(claims, now)
            if len(granted) != len(claims):
                raise RuntimeError("claimed already in a fresh ledger")
            ledger.record_many([(key, "sent", "250 2.0.0 kept") for key in granted], now)
        return time.perf_counter() - begin
    finally:
        ledger.close()


def cli_send(port: int, data_path: Path, state: Path) -> float:
    """Seconds of `followup send` to the sink, as users run it (a fresh ledger at `state`)."""
    command = followup_command(data_path, "--state", str(state), "send")
    # a state folder of its own: each run is a first send from a fresh ledger, which the registry of
    # ledgers would otherwise refuse as a second ledger for the data the earlier runs sent
    env = smtp_env(port) | {"XDG_STATE_HOME": str(state.with_name(state.name + ".state"))}
    return run_timed(command, env=env, timeout=TIMEOUT).seconds


def mailmerge_send(paths: dict[str, Path]) -> list[str]:
    """mailmerge's command that sends every row (to the sink its config names)."""
    return mailmerge_command(paths, dry_run=False, output="text")


# Not tests.servers.smtp_env: that one describes an in-process aiosmtpd fixture (SmtpServer: its CA, its
# login), and importing it would pull pytest and the test servers into the bench; the sink here is another
# process known only by its port. Like the tests' clean_env, it drops every FOLLOWUP_* of the caller: a
# mailbox set there would get each benchmark message filed in its Sent folder.
def smtp_env(port: int) -> dict[str, str]:
    """The environment of a timed `followup send`: none of the caller's FOLLOWUP_* settings, the sink's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(FOLLOWUP_SMTP_HOST=HOST, FOLLOWUP_SMTP_PORT=str(port), FOLLOWUP_SMTP_SECURITY="none")
    return env


# ---------------------------------------------------------------------------------------------------------


def main(quick: bool = False) -> None:
    """Run the send benchmark against both sinks, interleaved, and print one table per sink."""
    count = QUICK_SIZE if quick else SIZE
    repeat = 3 if quick else 5  # a shared machine: min and median of several interleaved runs
    data_path = interviews_file(count)
    messages = prebuilt_messages(data_path)
    assert len(messages) == count, f"{len(messages)} due, expected {count}"
    times: dict[tuple[str, str], list[float]] = {}
    links: dict[tuple[str, str], int] = {}
    load = os.getloadavg()[0]
    sinks = {kind: SinkProcess(kind) for kind in SINKS}
    try:
        with scratch() as tmp:
            folder = Path(tmp)
            paths = write_mailmerge_files(folder, people(count), port=sinks["aiosmtpd"].port)
            runs = contenders(folder, data_path, messages, paths)
            for sink in sinks.values():  # warm-up
                measured(sink, 50, lambda: bare_smtplib(sink.port, messages[:50]))  # noqa: B023
            names = list(runs)
            for n in range(repeat):  # interleaved, the order turned each round: a busy moment hurts all
                for kind, sink in sinks.items():
                    for name in names[n * 3 % len(names) :] + names[: n * 3 % len(names)]:
                        if name == "mailmerge" and kind != "aiosmtpd":
                            continue  # its configuration names one port; once is enough
                        work = lambda: runs[name](sink.port, f"{kind}-{name}-{n}")  # noqa: B023, E731
                        seconds, links[kind, name] = measured(sink, count, work)
                        times.setdefault((kind, name), []).append(seconds)
            alone = ledger_figures(folder, count, repeat)
    finally:
        for sink in sinks.values():
            sink.stop()
    for kind in SINKS:
        print_sink_table(kind, count, repeat, load, times, links, alone)


def contenders(folder: Path, data_path: Path, messages: list, paths: dict[str, Path]) -> dict:  # type: ignore
    """Each contender: (port, tag) -> seconds."""
    return {
        "smtplib": lambda port, tag: bare_smtplib(port, messages),
        "cli": lambda port, tag: cli_send(port, data_path, folder / f"{tag}.db"),
        "shipped": lambda port, tag: in_process(port, data_path, folder / f"{tag}.db", "shipped"),
        "FULL": lambda port, tag: in_process(port, data_path, folder / f"{tag}.db", "FULL"),
        "NORMAL": lambda port, tag: in_process(port, data_path, folder / f"{tag}.db", "NORMAL"),
        "none": lambda port, tag: in_process(port, data_path, None, ""),
        "mailmerge": lambda port, tag: run_timed(mailmerge_send(paths), timeout=TIMEOUT).seconds,
    }


def ledger_figures(folder: Path, count: int, repeat: int) -> dict[str, list[float]]:
    """The ledger alone, claim + record of `count` keys: one a transaction, and a chunk a transaction."""
    from batch.mail.pace import CHUNK

    ways = {"one, FULL": ("FULL", 1), "one, shipped": ("shipped", 1), f"{CHUNK}, shipped": ("shipped", CHUNK)}
    spans: dict[str, list[float]] = {}
    for n in range(repeat):  # interleaved too: fsync times drift with the machine's load
        for way, (mode, chunk) in ways.items():
            state = folder / f"alone-{mode}-{chunk}-{n}.db"
            spans.setdefault(way, []).append(ledger_alone(state, count, mode, chunk))
    return spans


def print_sink_table(
    kind: str,
    count: int,
    repeat: int,
    load: float,
    times: dict[tuple[str, str], list[float]],
    links: dict[tuple[str, str], int],
    alone: dict[str, list[float]],
) -> None:
    """One sink's table: every contender's rate (from its best run) and its time against bare smtplib's
    (min and median of the interleaved runs)."""
    mine = {name: values for (k, name), values in times.items() if k == kind}
    best = {name: rate(count, min(values)) for name, values in mine.items()}
    typical = {name: rate(count, statistics.median(values)) for name, values in mine.items()}
    rows = []
    if "mailmerge" in best:
        vs = ("mailmerge --no-dry-run", GOAL_MAILMERGE)
        rows.append(compare("ours CLI (followup send) vs mailmerge", best["cli"], best["mailmerge"], *vs))
        rows.append(
            compare("ours in-process (deliver_due) vs mailmerge", best["shipped"], best["mailmerge"], *vs)
        )
    for label, name, goal in (
        ("ours CLI (followup send)", "cli", False),
        ("ours in-process (deliver_due, as shipped)", "shipped", True),
        ("  the same, ledger FULL throughout", "FULL", False),
        ("  the same, ledger NORMAL throughout (not durable)", "NORMAL", False),
        ("  the same, no ledger (compose + send alone)", "none", False),
    ):
        rows.append(within(f"{label}, min", best[name], best["smtplib"], goal=goal))
        rows.append(within("  median", typical[name], typical["smtplib"], goal=goal))
    rows += [
        info("bare smtplib over one connection, the same pre-built bytes (min)", fmt_rate(best["smtplib"])),
        info("  goal line: 1.3x its time", fmt_rate(best["smtplib"] / GOAL_SMTPLIB)),
    ]
    if "mailmerge" in best:
        rows.append(info("mailmerge --no-dry-run --no-limit", fmt_rate(best["mailmerge"])))
    for way, spans in alone.items():
        figure = f"{micro(min(spans), count)}, {micro(statistics.median(spans), count)}"
        rows.append(info(f"ledger alone, claim + record, {way} (min, median)", figure))
    print_table(
        f"send: {count:,} thank-you emails to the {kind} sink on {HOST}, ledger included",
        [
            f"{repeat} runs each, interleaved with the other sink's; every run checked: the sink got all "
            f"{count:,}. Connections per run: ours {links[kind, 'cli']}, smtplib {links[kind, 'smtplib']}.",
            "in-process runs exclude load + plan (compose is in: it overlaps the exchange); CLI runs are "
            f"the whole command. Load average at the start: {load:.1f} on {os.cpu_count()} CPUs.",
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
    parser.add_argument("--sink", choices=SINKS, help="serve an SMTP sink (used by the benchmark)")
    arguments = parser.parse_args()
    if arguments.sink == "minimal":
        serve_minimal_sink()
    elif arguments.sink:
        serve_sink()
    else:
        main(arguments.quick)
