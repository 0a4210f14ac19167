"""The benchmarks' own set-up: what they hand the `followup` they time."""

from __future__ import annotations

import os

import pytest

from bench.send import smtp_env


def test_the_send_benchmark_runs_followup_with_none_of_the_users_own_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A user's mailbox in the environment would get 2,000 benchmark messages filed in its Sent folder.
    monkeypatch.setenv("FOLLOWUP_IMAP_HOST", "imap.example.com")
    monkeypatch.setenv("FOLLOWUP_IMAP_SENT_COPY", "yes")
    monkeypatch.setenv("FOLLOWUP_SMTP_USER", "sam@example.com")
    env = smtp_env(2525)
    assert {name for name in env if name.startswith("FOLLOWUP_")} == {
        "FOLLOWUP_SMTP_HOST",
        "FOLLOWUP_SMTP_PORT",
        "FOLLOWUP_SMTP_SECURITY",
    }
    assert (env["FOLLOWUP_SMTP_HOST"], env["FOLLOWUP_SMTP_PORT"]) == ("127.0.0.1", "2525")
    assert env["PATH"] == os.environ["PATH"], "the rest of the environment is kept"
