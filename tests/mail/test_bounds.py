"""Servers without bounds: a reply of endless "250-" lines is cut at MAX_REPLY_LINES, and the whole run
has a deadline of its own (FOLLOWUP_RUN_DEADLINE), after which it stops as SIGTERM stops it: the claim
under way released, every follow-up still due. Scripted servers on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from batch.mail.connection import MAX_REPLY_LINES
from tests.mail.test_send import ledger_rows, send
from tests.servers import Faults, SmtpServer, use_smtp
from tests.servers.raw import LineServer

LATER = "2026-11-24T16:15:00-05:00"


def endless(sock: socket.socket) -> None:
    """A multi-line reply that never ends: "250-" lines until the client hangs up."""
    line = b"250-" + b"x" * 70 + b"\r\n"
    try:
        while True:
            sock.sendall(line * 100)
    except OSError:
        return


@pytest.fixture
def line_server() -> Iterator[Callable[..., LineServer]]:
    servers: list[LineServer] = []

    def make(script: dict[str, object]) -> LineServer:
        servers.append(LineServer(script))  # type: ignore[arg-type]
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.mark.parametrize("command", ["EHLO", "MAIL", "DATA"])
def test_a_reply_of_endless_continuation_lines_is_cut_and_the_run_stops_with_one_line(
    work: Path,
    line_server: Callable[..., LineServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    script: dict[str, object] = {
        "EHLO": "250-raw.test\r\n250 8BITMIME",
        "DATA": "354 go on",
        command: endless,
    }
    server = line_server(script)
    for name, value in {"FOLLOWUP_SMTP_HOST": "127.0.0.1", "FOLLOWUP_SMTP_PORT": str(server.port),
                        "FOLLOWUP_SMTP_SECURITY": "none", "FOLLOWUP_SMTP_TIMEOUT": "5"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    started = time.monotonic()
    assert send(work) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert f"{MAX_REPLY_LINES} lines" in err and "sent" not in {s for s, _ in ledger_rows(work).values()}


def test_the_run_stops_at_its_deadline_as_sigterm_would_and_every_follow_up_stays_due(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = make_smtp(faults=Faults(dribble=("MAIL", 0.2)))  # each answer to MAIL takes some 3 seconds
    use_smtp(monkeypatch, server, FOLLOWUP_RUN_DEADLINE="1.5")
    started = time.monotonic()
    assert send(work) == 1
    assert time.monotonic() - started < 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "FOLLOWUP_RUN_DEADLINE (1.5 s)" in err
    assert server.received == []
    assert {s for s, _ in ledger_rows(work).values()} <= {"deferred"}  # released or deferred, never lost
    server.faults = Faults()
    assert send(work, now=LATER) == 0
    assert len(server.received) == 3


@pytest.mark.parametrize("value", ["0", "-5", "nan", "90000", "soon"])
def test_a_run_deadline_that_is_no_number_of_seconds_is_refused_with_exit_2(
    work: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    use_smtp(monkeypatch, smtp_server, FOLLOWUP_RUN_DEADLINE=value)
    assert send(work) == 2
    assert "FOLLOWUP_RUN_DEADLINE" in capsys.readouterr().err and smtp_server.received == []
