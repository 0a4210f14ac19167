"""The lines about bad data carry your own zone (me.timezone), as every other time you see: a cron log
read abroad, or on a server kept in UTC, says 15:00 CET, not the machine's 14:00 UTC."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from batch.ledger.store import Ledger
from tests.runs import FOLLOWUP, clean_env

DATA = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  timezone: Europe/Paris
interviews:
  - id: lyon-analyst
    company: Tailspin Toys
    role: Analyst
    start: 2026-12-10 15:00
    interviewr: []
"""


def followup(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """followup over the data above, on a machine whose own zone is neither yours nor UTC."""
    (tmp_path / "interviews.yaml").write_text(DATA, encoding="utf-8")
    return subprocess.run([*FOLLOWUP, "--data", str(tmp_path / "interviews.yaml"), "--state",
                           str(tmp_path / "l.db"), *args], env=clean_env(TZ="America/Los_Angeles"),
                          capture_output=True, text=True, check=False, timeout=60)  # fmt: skip


@pytest.mark.parametrize(
    "now",
    ["2026-11-20T09:00:00-05:00", "2026-11-20T15:00"],  # an offset, or none: then read in your zone
)
def test_sends_lines_about_bad_data_are_stamped_in_your_zone(tmp_path: Path, now: str) -> None:
    done = followup(tmp_path, "--now", now, "send")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("2026-11-20 15:00 CET ") for line in lines), done.stderr
    assert "unknown key 'interviewr'" in done.stderr


def test_status_over_bad_data_shows_times_in_your_zone(tmp_path: Path) -> None:
    done = followup(tmp_path, "status")
    assert done.returncode == 0, done.stderr
    assert "times in Europe/Paris" in done.stderr and "UTC" not in done.stderr


def test_doctor_over_bad_data_shows_the_last_run_in_your_zone(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.beat(datetime.fromisoformat("2026-11-20T14:00:00+00:00"))  # as a real send leaves it
    done = followup(tmp_path, "doctor")
    assert done.returncode == 2
    assert "last send run Fri 2026-11-20 15:00 CET" in done.stdout, done.stdout
