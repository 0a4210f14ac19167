"""A `send` stopped by Ctrl-C, or short of processes and file descriptors, from the outside trial of the
send path: a claim never outlives its note of what to release, a message not yet handed over is never
flagged uncertain, and a composer that cannot be forked leaves the run to compose on its own."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runs import NOW, TRACEBACK, ledger_rows, send_args, send_env, write_batch
from tests.servers import Faults, SmtpServer
from tests.stamps import STAMP

STRACE = shutil.which("strace")
needs_strace = pytest.mark.skipif(STRACE is None, reason="strace is not installed (.ci/run installs it)")
SIZE = 60  # three chunks


def followup(
    args: list[str], *, cwd: Path, env: dict[str, str], traced: list[str] | None = None
) -> subprocess.Popen:
    """`followup ARGS` as a process of its own group (a terminal's Ctrl-C reaches the whole group)."""
    command = [*(traced or []), sys.executable, "-m", "batch", *args]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip


def ctrl_c(process: subprocess.Popen, stop: signal.Signals = signal.SIGINT) -> tuple[int, str]:
    """Ctrl-C to the process's group, as a terminal sends it (or another signal); exit code and stderr."""
    os.killpg(process.pid, stop)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def arrived_or_released(state: Path, server: SmtpServer) -> list[str]:
    """The uncertain rows whose message never reached the server (each a wrong flag), after a later run
    has settled what the interrupted one left."""
    received = {message.message_id for message in server.received}
    return [key for key, (row, message_id, _) in ledger_rows(state).items()
            if row == "uncertain" and message_id not in received]  # fmt: skip


def again(data: Path, state: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The next run, to its end."""
    command = [sys.executable, "-m", "batch", *send_args(data, state, NOW)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@needs_strace
@pytest.mark.parametrize("call", ["clone", "pipe2"])
def test_a_composer_that_cannot_be_forked_leaves_the_run_to_compose_alone(
    tmp_path: Path, smtp_server: SmtpServer, call: str
) -> None:
    data, state = write_batch(tmp_path / "batch.yaml", SIZE), tmp_path / "followup.db"
    error = "EAGAIN" if call == "clone" else "EMFILE"  # fork(): no process left; pipe(): no descriptor
    traced = [
        str(STRACE),
        "-f",
        "-o",
        "/dev/null",
        "-e",
        f"trace={call}",
        "-e",
        f"inject={call}:error={error}",
    ]
    run = followup(send_args(data, state, NOW), cwd=tmp_path, env=send_env(smtp_server), traced=traced)
    _, err = run.communicate(timeout=120)
    assert TRACEBACK not in err
    assert run.returncode == 0, err
    assert sorted(smtp_server.message_id_counts().values()) == [1] * SIZE


@needs_strace
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_while_a_chunk_is_being_claimed_leaves_nothing_flagged_that_never_went(
    tmp_path: Path, smtp_server: SmtpServer, stop: signal.Signals
) -> None:
    data, state = write_batch(tmp_path / "batch.yaml", SIZE), tmp_path / "followup.db"
    # every sync takes 0.6 s, so nearly all of the run is spent committing claims
    traced = [str(STRACE), "-f", "-o", "/dev/null", "-e", "trace=fsync,fdatasync",
              "-e", "inject=fsync,fdatasync:delay_exit=600000"]  # fmt: skip
    env = send_env(smtp_server)
    run = followup(send_args(data, state, NOW), cwd=tmp_path, env=env, traced=traced)
    deadline = time.monotonic() + 60
    while not smtp_server.received and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # into the next chunk's claim
    code, err = ctrl_c(run, stop)
    assert code == (130 if stop == signal.SIGINT else 143) and TRACEBACK not in err
    later = again(data, state, tmp_path, env)
    assert TRACEBACK not in later.stderr
    assert arrived_or_released(state, smtp_server) == []
    assert max(smtp_server.message_id_counts().values()) == 1


def test_ctrl_c_while_the_server_is_still_greeting_flags_nothing_uncertain(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    data, state = write_batch(tmp_path / "batch.yaml", 3), tmp_path / "followup.db"
    smtp_server.faults = Faults(stall=("greeting", 3.0), times=1)
    env = send_env(smtp_server, timeout=10)
    run = followup(send_args(data, state, NOW), cwd=tmp_path, env=env)
    time.sleep(1.5)  # claimed, connecting, no greeting yet
    code, err = ctrl_c(run)
    assert code == 130 and TRACEBACK not in err
    assert smtp_server.received == []
    assert [row for row, _, _ in ledger_rows(state).values() if row not in ("deferred",)] == []
    later = again(data, state, tmp_path, env)
    assert "uncertain" not in later.stderr + later.stdout
    assert sorted(smtp_server.message_id_counts().values()) == [1] * 3


def test_ctrl_c_while_the_server_thinks_over_a_sender_stops_at_once_and_flags_nothing(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    data, state = write_batch(tmp_path / "batch.yaml", 3), tmp_path / "followup.db"
    smtp_server.faults = Faults(stall=("MAIL", 30.0), times=1)  # nothing of the message has left
    env = send_env(smtp_server, timeout=20)
    run = followup(send_args(data, state, NOW), cwd=tmp_path, env=env)
    assert smtp_server.reached("MAIL", timeout=30)
    began = time.monotonic()
    code, err = ctrl_c(run)
    assert time.monotonic() - began < 10  # not after the server's answer, taken for QUIT's
    assert code == 130 and TRACEBACK not in err
    assert ledger_rows(state) == {}  # every claim released
    later = again(data, state, tmp_path, env)
    assert "uncertain" not in later.stderr + later.stdout
    assert sorted(smtp_server.message_id_counts().values()) == [1] * 3


def test_ctrl_c_once_a_message_has_left_leaves_it_to_be_flagged_uncertain(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    data, state = write_batch(tmp_path / "batch.yaml", 3), tmp_path / "followup.db"
    smtp_server.faults = Faults(stall=("DATA", 30.0), times=1)  # the message is in; no answer yet
    env = send_env(smtp_server, timeout=20)
    run = followup(send_args(data, state, NOW), cwd=tmp_path, env=env)
    assert smtp_server.reached("DATA", timeout=30)
    began = time.monotonic()
    code, err = ctrl_c(run)
    # at once: not a polite QUIT that waits out the server's answer to the message, then takes that
    # answer for QUIT's and leaves the message uncertain all the same
    assert time.monotonic() - began < 10
    assert code == 130 and TRACEBACK not in err
    assert STAMP.match(err) and err.count("\n") == 1 and "interrupted" in err  # cron.log says when
    rows = ledger_rows(state)
    assert sorted(row for row, _, _ in rows.values()) == ["sending"]  # the other two: released
    smtp_server.faults = Faults()
    again(data, state, tmp_path, env)
    assert sorted(row for row, _, _ in ledger_rows(state).values()) == ["sent", "sent", "uncertain"]
    assert set(smtp_server.message_id_counts().values()) == {1}  # never twice
