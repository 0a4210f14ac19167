"""Hostile and broken input, through `followup` as a subprocess against a real SMTP server on 127.0.0.1.

Every case ends in the project's own error with its place (exit 2), or in a message that is correct
when parsed back from what the server received: never a traceback, never a message sent without a
claim in the ledger, and within bounded time and memory. The cases are a table (CASES, in
tests/hostile_cases.py), which `python -m tests.reliability` runs too and counts in its figures. The
loader's own fuzzing is in tests/data/test_model_fuzz.py and the renderer's in
tests/letters/test_render.py; the fuzz here covers what they cannot see: a rendered message crossing SMTP.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.account.settings import SmtpSettings
from batch.letters import mime
from batch.mail.transport import Smtp
from tests.hostile_cases import CASES, Case, data_yaml, placed, run_case
from tests.runs import NOW, clean_env, run_followup
from tests.servers import SmtpServer, start_smtp

# --- the tests ------------------------------------------------------------------------------------------


def _params() -> list[Any]:
    return [pytest.param(one, id=one.name, marks=[pytest.mark.slow] if one.slow else []) for one in CASES]


@pytest.mark.parametrize("hostile", _params())
def test_hostile_input_ends_in_an_error_with_its_place_or_a_correct_message(
    hostile: Case, tmp_path: Path
) -> None:
    reason = hostile.skip_reason()
    if reason:
        pytest.skip(reason)
    result = run_case(hostile, tmp_path)
    assert result.tracebacks == 0
    assert result.problems == [], result.summary


def test_check_refuses_a_non_ascii_local_part_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "interviews.yaml"
    path.write_text(data_yaml([{"name": "Zoë", "email": "zoë@example.com", "topics": ["x"]}]), "utf-8")
    run = run_followup(
        ["--data", str(path), "--now", NOW.isoformat(), "check"], cwd=tmp_path, env=clean_env()
    )
    assert run.code == 2 and placed(run.err_lines[0], path)


# --- a message crossing SMTP (hypothesis) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SmtpServer, Smtp]]:
    """One server and one open transport for every example."""
    server = start_smtp(tmp_path_factory.mktemp("relay"))
    transport = Smtp(SmtpSettings(host=server.host, port=server.port, security="none", timeout=5))
    try:
        yield server, transport
    finally:
        with contextlib.suppress(Exception):
            transport.close()
        server.stop()


LINES = st.sampled_from(
    [".", "..", ".\r\n.", "From me", " .", "-- ", "=41", "\t.x", "a" * 1200, "é" * 400, ""]
)
BODY = st.lists(LINES | st.text(max_size=40), max_size=8).map("\n".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=BODY, name=st.text(min_size=1, max_size=20).filter(lambda s: s.isprintable()))
def test_any_message_crosses_smtp_byte_for_byte(relay: tuple[SmtpServer, Smtp], text: str, name: str) -> None:
    server, transport = relay
    message = mime.build(
        key="acme/thank-you/ann.lee@acme.example",
        sender=("Sam Rivera", "sam@example.com"),
        to=(name, "ann.lee@acme.example"),
        subject="Thank you",
        text=text,
        html="<p>" + text + "</p>",
        message_id=mime.new_message_id(
            "sam@example.com", datetime.fromisoformat("2026-11-24T16:00:00+00:00")
        ),
        date=datetime.fromisoformat("2026-11-24T16:00:00+00:00"),
    )
    before = len(server.received)
    transport.send(message)
    arrived = server.received[before:]
    assert len(arrived) == 1
    assert arrived[0].data.rstrip(b"\r\n") == message.data.rstrip(b"\r\n")
