"""--now moves the planner through time; a real send to a mail server elsewhere always happens now."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.cli.main import main

DEMO = "2026-11-24T16:00:00-05:00"  # inside the shipped example's timeline: a thank-you is due


def test_a_real_send_to_a_server_elsewhere_refuses_another_moment_and_sends_nothing(
    work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 192.0.2.1 is TEST-NET-1: never reached, since the refusal comes before any connection
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "192.0.2.1")
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", "587")
    monkeypatch.setenv("FOLLOWUP_SMTP_SECURITY", "starttls")
    state = work / "var" / "followup.db"
    code = main(["--data", str(work / "interviews.yaml"), "--state", str(state), "--now", DEMO, "send"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--now" in err and "192.0.2.1" in err and "--dry-run" in err
    assert len(err.strip().splitlines()) == 1
    assert not state.exists()  # nothing claimed, nothing recorded


def test_a_dry_run_may_act_as_any_moment(
    work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "192.0.2.1")
    outbox = work / "outbox"
    argv = ["--data", str(work / "interviews.yaml"), "--state", str(work / "v.db"), "--now", DEMO]
    assert main([*argv, "send", "--dry-run", "--outbox", str(outbox)]) == 0
    assert list((outbox / "new").iterdir())  # what would go then, written to the outbox
