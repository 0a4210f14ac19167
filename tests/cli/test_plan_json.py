"""`plan --json`: written with the C string encoder, the same text as json.dumps(indent=2), the same rows."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.cli.planning import plan_row, write_json_rows
from batch.data import load as loader
from batch.etiquette import schedule

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"


def written(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    write_json_rows(rows, out)
    return out.getvalue()


def test_plan_json_parses_to_the_rows_of_the_plan_and_reads_as_indent_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--data", str(ROOT / "interviews.yaml"), "--now", NOW, "plan", "--json"]) == 0
    text = capsys.readouterr().out
    data = loader.load([ROOT / "interviews.yaml"])
    rows = [plan_row(item) for item in schedule.plan(data, datetime.fromisoformat(NOW))]
    assert rows and json.loads(text) == rows
    assert text == json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    "value",
    [
        'quote " and backslash \\',
        "tab\tnewline\ncontrol\x01",
        "Zoë Müller ✓",
        "line\u2028sep",
        "emoji 🙂",
        "",
    ],
)
def test_strings_that_need_escaping_come_out_as_json_dumps_writes_them(value: str) -> None:
    rows = [{"key": value, "why": value}, {value: "x"}]
    assert written(rows) == json.dumps(rows, indent=2, ensure_ascii=False) + "\n"  # type: ignore[arg-type]


@pytest.mark.parametrize("rows", [[], [{}], [{"n": 1, "s": "x"}], [{"nested": {"a": ["b"]}}]])
def test_rows_that_are_not_all_strings_still_read_as_indent_2(rows: list[dict[str, object]]) -> None:
    assert written(rows) == json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
