"""Rounds: a later interview at one company with any of the same people takes the earlier one's check-in."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data.load import load
from batch.etiquette.schedule import plan
from batch.model.interview import Dataset
from batch.model.rounds import next_round, round_of

DATA = """\
me:
  name: Alex Morgan
  email: alex.morgan@example.com
  timezone: America/Toronto
interviews:
  - id: lakeside-1
    company: Lakeside Books
    role: UX Researcher
    start: 2026-05-12 14:00
    duration: 45m
    decision_by: 2026-05-22
    interviewers:
      - name: Nadia Brooks
        email: nadia.brooks@lakeside.example
  - id: lakeside-2
    company: Lakeside books
    role: UX Researcher
    start: 2026-05-20 10:00
    duration: 60m
    decision_by: 2026-06-05
    interviewers:
      - name: Tom Okoye
        email: tom.okoye@lakeside.example
      - name: Nadia Brooks
        email: Nadia.Brooks@lakeside.example
  - id: other-company
    company: Harbour Press
    role: UX Researcher
    start: 2026-05-21 10:00
    duration: 60m
    decision_by: 2026-06-05
    interviewers:
      - name: Nadia Brooks
        email: nadia.brooks@lakeside.example
"""


def dataset(text: str = DATA) -> Dataset:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "interviews.yaml"
        path.write_text(text, encoding="utf-8")
        return load([path])


def test_a_later_interview_at_the_same_company_with_the_same_people_is_the_next_round() -> None:
    data = dataset()
    first, second, other = data.interviews
    assert [round_of(i, data.interviews) for i in data.interviews] == [1, 2, 1]
    assert next_round(first, data.interviews) == "lakeside-2"
    assert next_round(second, data.interviews) is None and next_round(other, data.interviews) is None


def test_the_later_round_replaces_the_earlier_rounds_pending_check_in_and_says_so() -> None:
    data = dataset()
    items = plan(data, datetime.fromisoformat("2026-05-21T09:00-04:00"))
    check_ins = {item.interview.id: item for item in items if item.kind == "check-in"}
    assert check_ins["lakeside-1"].state == "cancelled"
    assert "replaced by the later round lakeside-2" in check_ins["lakeside-1"].why
    assert check_ins["lakeside-1"].replaced_by == "lakeside-2"
    assert check_ins["lakeside-2"].state == "scheduled"
    assert check_ins["other-company"].state == "scheduled"  # another company: a process of its own


def test_a_later_interview_with_none_of_the_same_people_leaves_the_check_in_alone() -> None:
    text = DATA.replace("      - name: Nadia Brooks\n        email: Nadia.Brooks@lakeside.example\n", "")
    data = dataset(text)
    items = plan(data, datetime.fromisoformat("2026-05-21T09:00-04:00"))
    first = next(i for i in items if i.kind == "check-in" and i.interview.id == "lakeside-1")
    assert first.state == "scheduled"
    assert round_of(data.interviews[1], data.interviews) == 1


def test_a_check_in_already_recorded_stays_as_the_ledger_says() -> None:
    data = dataset()
    items = plan(data, datetime.fromisoformat("2026-05-21T09:00-04:00"))
    key = next(i.key for i in items if i.kind == "check-in" and i.interview.id == "lakeside-1")
    again = plan(data, datetime.fromisoformat("2026-05-21T09:00-04:00"), {key: "sent"})
    assert next(i for i in again if i.key == key).state == "sent"


def test_the_plan_table_names_the_later_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "interviews.yaml"
    path.write_text(DATA, encoding="utf-8")
    args = ["--data", str(path), "--state", str(tmp_path / "ledger.db"), "--now", "2026-05-21T09:00-04:00"]
    assert main([*args, "plan"]) == 0
    line = next(
        row for row in capsys.readouterr().out.splitlines() if "check-in" in row and "lakeside-1" in row
    )
    assert "cancelled" in line and "lakeside-1 (replaced by the later round lakeside-2)" in line
