"""The short form of `make reliability`: killed runs, overlapping runs, the clock, SMTP faults and secrets.

Each test drives `followup` as a subprocess against a real SMTP server on 127.0.0.1, through the same
functions as `python -m tests.reliability`, which runs the long form and prints the figures.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from tests.reliability import (
    CLOCK,
    FAULT_CASES,
    SECRET_CASES,
    FaultCase,
    Figures,
    Outcome,
    Trial,
    Window,
    clock_trial,
    crash_trials,
    fault_trial,
    find_secret,
    format_markdown,
    overlap_trial,
    secret_trial,
)
from tests.runs import FOLLOWUP, NOW, clean_env, write_batch


def test_killed_sends_never_deliver_twice_nor_lose_a_follow_up(tmp_path: Path) -> None:
    trials, window = crash_trials(tmp_path, count=15, seed=2026)
    assert sum(t.duplicates for t in trials) == 0
    assert [lost for t in trials for lost in t.lost] == []
    assert sum(t.unclaimed for t in trials) == 0
    assert sum(t.unannounced for t in trials) == 0, "every uncertain one is named on stderr"
    assert sum(t.tracebacks for t in trials) == 0
    assert [problem for t in trials for problem in t.problems] == []
    assert sum(t.kills for t in trials) >= 8, "the kills should land while the batch runs"
    assert window.first < window.last < window.end


def test_eight_sends_started_at_once_deliver_every_message_once(tmp_path: Path) -> None:
    outcome = overlap_trial(tmp_path, processes=8)
    assert (outcome.duplicates, outcome.lost, outcome.tracebacks) == (0, 0, 0)
    assert outcome.problems == [], outcome.summary


@pytest.mark.parametrize("name", list(CLOCK))
def test_the_clock_going_back_or_far_off_resends_nothing(tmp_path: Path, name: str) -> None:
    outcome = clock_trial(tmp_path, name)
    assert (outcome.duplicates, outcome.lost, outcome.tracebacks) == (0, 0, 0)
    assert outcome.problems == [], outcome.summary


@pytest.mark.parametrize("case", FAULT_CASES, ids=[case.name for case in FAULT_CASES])
def test_an_smtp_fault_ends_in_its_documented_state_exit_code_and_line(
    tmp_path: Path, case: FaultCase
) -> None:
    outcome = fault_trial(tmp_path, case)
    assert (outcome.duplicates, outcome.lost, outcome.tracebacks) == (0, 0, 0)
    assert outcome.problems == [], outcome.extra


def test_a_deferred_follow_up_is_delivered_by_a_later_run_and_not_after_its_expiry() -> None:
    # The table says so; this reads it back so that a change to it cannot drop the promise quietly.
    later = {case.name: case for case in FAULT_CASES}
    assert later["451 on RCPT"].later == ("sent", "sent", "sent")
    assert later["4xx, next run after expiry"].later == ("deferred",) * 3


@pytest.mark.parametrize("case", SECRET_CASES)
def test_the_password_appears_in_no_stream_or_file(tmp_path: Path, case: str) -> None:
    outcome = secret_trial(tmp_path, case)
    assert outcome.tracebacks == 0
    assert outcome.problems == [], outcome.summary


def test_the_secret_search_finds_a_password_in_any_of_its_forms(tmp_path: Path) -> None:
    secret, user = "pw-planted", "tester@example.test"
    (tmp_path / "plain.log").write_text(f"login {secret} failed")
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "followup.db-wal").write_bytes(
        b"\0" + base64.b64encode(f"\0{user}\0{secret}".encode())
    )
    (tmp_path / "clean.txt").write_text("nothing here")
    assert find_secret(tmp_path, secret, user, skip=set()) == ["plain.log", "var/followup.db-wal"]


def test_the_figures_name_every_measure_of_the_issue() -> None:
    trial = Trial(0, kills=1, landing="before the first claim", uncertain=["k"], checks=2)
    fault = Outcome("421 at connect", "exit 1", extra={"exit": "1", "states": "1 deferred", "line": "SMTP x"})
    figures = Figures("python -m tests.reliability --trials 1", 5, [trial], Window(0.3, 0.5, 0.55, 50),
                      {"fault": [fault], "hostile": [Outcome("bomb", "exit 2")]})  # fmt: skip
    table = format_markdown(figures)
    for measure in ("trials run", "kills", "duplicates", "lost", "uncertain", "SMTP fault cases",
                    "hostile inputs tried", "tracebacks", "421 at connect"):  # fmt: skip
        assert measure in table
    assert figures.failures == []


def test_a_reader_that_goes_away_early_gets_no_traceback(tmp_path: Path) -> None:
    # `followup plan | head -1`, or a cron mailer that hangs up: the pipe breaks under the writer.
    data = write_batch(tmp_path / "batch.yaml", 200)
    args = [*FOLLOWUP, "--data", str(data), "--now", NOW.isoformat(), "plan"]
    with subprocess.Popen(
        args, cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert "Traceback" not in err
    assert code in (0, 1)
