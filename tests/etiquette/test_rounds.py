"""Rounds: a later interview at one company with any of the same people takes the earlier one's check-in."""

from __future__ import annotations

import io
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data.load import load
from batch.etiquette.schedule import plan
from batch.model.interview import Dataset
from batch.model.rounds import company_key, next_round, round_of

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


def test_a_later_round_with_only_new_people_still_replaces_the_earlier_check_in() -> None:
    text = DATA.replace("      - name: Nadia Brooks\n        email: Nadia.Brooks@lakeside.example\n", "")
    data = dataset(text)
    items = plan(data, datetime.fromisoformat("2026-05-21T09:00-04:00"))
    first = next(i for i in items if i.kind == "check-in" and i.interview.id == "lakeside-1")
    assert (first.state, first.replaced_by) == ("cancelled", "lakeside-2")
    assert round_of(data.interviews[1], data.interviews) == 2


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


def run(tmp_path: Path, text: str, now: str, *command: str) -> tuple[int, str, str]:
    """The real CLI on this data at this moment: its exit code, output and errors."""
    path = tmp_path / "interviews.yaml"
    path.write_text(text, encoding="utf-8")
    args = ["--data", str(path), "--state", str(tmp_path / "ledger.db"), "--now", now]
    with pytest.MonkeyPatch.context() as patch:
        out, err = io.StringIO(), io.StringIO()
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        code = main([*args, *command])
    return code, out.getvalue(), err.getvalue()


def row(out: str, kind: str, interview: str) -> str:
    """The plan's line of one follow-up of one interview."""
    return next(
        line for line in out.splitlines() if kind in line and re.search(rf" {interview}( \(|$)", line)
    )


# Two spellings of one company, as people write it in two rounds.
SPELLINGS = [
    ("Atelier Numérique", "Atelier Numérique SAS"),
    ("Atelier Numérique", "ATELIER NUMERIQUE S.A.S."),
    ("Grupo Horizonte", "Grupo Horizonte, S.A. de C.V."),
    ("Lakeside Books", "Lakeside Books, Inc."),
    ("Montaña Digital", "Montana Digital S.L."),
    ("Nordwerk", "Nordwerk GmbH"),
    ("Harbour Press Ltd", "Harbour-Press"),
]


@pytest.mark.parametrize(("first", "second"), SPELLINGS)
def test_a_company_written_another_way_in_round_two_is_the_same_process(
    tmp_path: Path, first: str, second: str
) -> None:
    text = DATA.replace("company: Lakeside Books", f"company: {first}").replace(
        "company: Lakeside books", f"company: {second}"
    )
    code, out, _ = run(tmp_path, text, "2026-05-21T09:00-04:00", "plan")
    assert code == 0
    assert "cancelled" in row(out, "check-in", "lakeside-1")
    assert "(replaced by the later round lakeside-2)" in row(out, "check-in", "lakeside-1")


@pytest.mark.parametrize(
    ("name", "key"),
    [("Atelier Numérique SAS", "atelier numerique"), ("Grupo Horizonte, S.A. de C.V.", "grupo horizonte"),
     ("S.A.S. Conseil", "sas conseil"), ("Inc", "inc"), ("Acme Co.", "acme"), ("Ábaco, S. de R.L.", "abaco")],
)  # fmt: skip
def test_a_company_key_leaves_out_case_accents_punctuation_and_the_legal_form(name: str, key: str) -> None:
    assert company_key(name) == key


NEW_ONLY = DATA.replace("      - name: Nadia Brooks\n        email: Nadia.Brooks@lakeside.example\n", "")


def test_round_two_with_only_new_people_cancels_round_ones_check_in_in_the_plan(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, NEW_ONLY, "2026-05-21T09:00-04:00", "plan")
    assert code == 0
    line = row(out, "check-in", "lakeside-1")
    assert "cancelled" in line and "(replaced by the later round lakeside-2)" in line
    assert "scheduled" in row(out, "check-in", "lakeside-2")


def test_a_shared_address_under_a_shorter_company_name_is_one_process_and_check_warns(tmp_path: Path) -> None:
    text = DATA.replace("company: Lakeside books", "company: Lakeside").replace(
        "role: UX Researcher\n    start: 2026-05-20", "role: Design Lead\n    start: 2026-05-20"
    )
    code, out, err = run(tmp_path, text, "2026-05-21T09:00-04:00", "plan")
    assert code == 0 and "cancelled" in row(out, "check-in", "lakeside-1")
    code, _, err = run(tmp_path, text, "2026-05-21T09:00-04:00", "check")
    assert code == 0
    warning = next(line for line in err.splitlines() if "lakeside-2:" in line)
    said = (r".*interviews\.yaml:\d+:\d+: warning: lakeside-2: nadia\.brooks@lakeside\.example was also "
            r"in 'lakeside-1' at .*interviews\.yaml:\d+.*taken as round 2")  # fmt: skip
    assert re.match(said, warning, re.I), warning


def test_the_same_company_for_another_role_with_other_people_stays_apart_and_check_warns(
    tmp_path: Path,
) -> None:
    text = NEW_ONLY.replace(
        "role: UX Researcher\n    start: 2026-05-20", "role: Head of Sales\n    start: 2026-05-20"
    )
    code, out, _ = run(tmp_path, text, "2026-05-21T09:00-04:00", "plan")
    assert code == 0 and "scheduled" in row(out, "check-in", "lakeside-1")
    code, _, err = run(tmp_path, text, "2026-05-21T09:00-04:00", "check")
    assert code == 0
    assert re.search(r"interviews\.yaml:\d+:\d+: warning: lakeside-2: the same company as 'lakeside-1' at "
                     r".*interviews\.yaml:\d+, for another role", err), err  # fmt: skip


def test_the_same_person_at_a_wholly_different_company_is_another_process_without_a_warning(
    tmp_path: Path,
) -> None:
    code, _, err = run(tmp_path, DATA, "2026-05-21T09:00-04:00", "check")
    rounds = [
        line for line in err.splitlines() if "warning: other-company:" in line or "'other-company'" in line
    ]
    assert code == 0 and rounds == [], err  # no round warning (the zone warning may name it: not a round)


@pytest.mark.parametrize(
    "now",
    ["2026-05-30T12:00-04:00",  # a Saturday: an open check-in would show its next opening
     "2026-06-01T07:00-04:00",  # before the working day
     "2026-06-20T12:00-04:00"],  # past its window: an open check-in would be expired
)  # fmt: skip
def test_a_replaced_check_in_keeps_its_time_and_reason_whenever_the_plan_is_read(
    tmp_path: Path, now: str
) -> None:
    _, before, _ = run(tmp_path, DATA, "2026-05-21T09:00-04:00", "plan")
    code, out, _ = run(tmp_path, DATA, now, "plan")
    assert code == 0
    line = row(out, "check-in", "lakeside-1")
    assert "cancelled" in line and "(replaced by the later round lakeside-2)" in line
    assert line.split("  ")[0] == row(before, "check-in", "lakeside-1").split("  ")[0]  # the same due time
