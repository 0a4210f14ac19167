"""The harness that runs `followup` as a process measures that process, not the test session around it."""

from __future__ import annotations

from pathlib import Path

from tests.runs import run_followup


def test_a_child_s_peak_memory_is_its_own_not_the_big_test_process_s(tmp_path: Path) -> None:
    ballast = bytearray(300 * 1024 * 1024)  # the session grown large, as after two thousand tests
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so it is resident
    run = run_followup(["--help"], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert run.code == 0
    assert 0 < run.peak_kb < 150 * 1024, f"{run.peak_kb // 1024} MB for followup --help"
    del ballast
