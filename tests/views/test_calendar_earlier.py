"""An earlier .ics next to the calendar, of any shape (a folder, a pipe, binary, huge, hand-edited in any
way): one line saying what it is, or a fresh export; never a traceback, never a hang."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.cli.main import main
from batch.data.load import load
from batch.errors import FollowUpError
from batch.etiquette.schedule import plan
from batch.views.calendar import write_calendar

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"
DATA = load([ROOT / "interviews.yaml"])
ITEMS = plan(DATA, datetime.fromisoformat(NOW))


def _export(output: Path) -> int:
    return main(["--data", str(ROOT / "interviews.yaml"), "--now", NOW, "calendar", "--output", str(output)])


SHAPES = {
    "a folder": lambda path: path.mkdir(),
    "a named pipe": lambda path: os.mkfifo(path),
    "binary bytes": lambda path: path.write_bytes(bytes(range(256)) * 64),
    "300 MB of nothing": lambda path: path.open("wb").truncate(300 << 20),
    "a calendar of another program": lambda path: path.write_bytes(
        b"BEGIN:VCALENDAR\r\nPRODID:-//Other//EN\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    ),
    "two calendars in one file": lambda path: path.write_bytes(
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    ),
    "an unclosed calendar": lambda path: path.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("make", SHAPES.values(), ids=SHAPES.keys())
def test_an_earlier_calendar_of_any_shape_is_one_line_never_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object
) -> None:
    output = tmp_path / "followups.ics"
    make(output)  # type: ignore[operator]
    assert _export(output) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{output}: ") and len(err.strip().splitlines()) == 1, err


EDITS = [
    "", "DTSTART:garbage", "DURATION:PXYZ", "DTEND;TZID=Nowhere/Zone:20261124T100000", "SEQUENCE:-1", "UID:",
    "END:VEVENT", "BEGIN:VEVENT", "BEGIN:VALARM", "X-FOLLOWUP-REVISION:;", " folded", "\x00",
    "SUMMARY:a\\,b\\;c\\nd\\\\", "RRULE:FREQ=SECONDLY", "DTSTART;VALUE=DATE:20261301",
]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(EDITS)), max_size=6))
def test_a_hand_edited_earlier_export_is_updated_or_refused_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[int, str]]
) -> None:
    output = tmp_path_factory.mktemp("cal") / "followups.ics"
    write_calendar(output, ITEMS, DATA, datetime.fromisoformat(NOW))
    lines = output.read_bytes().decode("utf-8").split("\r\n")
    for where, text in edits:
        lines[where % len(lines)] = text
    output.write_bytes("\r\n".join(lines).encode("utf-8"))
    try:
        write_calendar(output, ITEMS, DATA, datetime.fromisoformat(NOW))
    except FollowUpError as exc:
        assert str(exc).startswith(f"{output}: ") and "\n" not in str(exc)
