"""`address:` on an interviewer: a postal address the note reminder prints and the calendar event carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data.load import load
from batch.etiquette.schedule import plan
from batch.letters.compose import compose

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"
ELENA = "northwind-data-analyst/thank-you/elena-torres"
JORDAN = "fabrikam-product-analyst/thank-you/jordan-blake"
ELENA_AT = "      - name: Elena Torres\n        title: Director of Finance\n"
ADDRESS = """\
        address: |
          Elena Torres, Director of Finance
          Northwind Traders
          100 King Street West, Suite 5700
          Toronto ON  M5X 1C7
"""


def example_with(tmp_path: Path, after: str, lines: str) -> Path:
    """The shipped example with lines added under one interviewer."""
    text = (ROOT / "interviews.yaml").read_text(encoding="utf-8")
    assert after in text
    path = tmp_path / "interviews.yaml"
    path.write_text(text.replace(after, after + lines), encoding="utf-8")
    return path


def reminder_of(path: Path, key: str = ELENA) -> tuple[str, str]:
    data = load([path])
    item = next(i for i in plan(data, datetime.fromisoformat(NOW)) if i.key == key)
    mail = compose(item, data).mail
    return mail.text, mail.html


def test_an_address_loads_as_its_lines_each_trimmed(tmp_path: Path) -> None:
    data = load([example_with(tmp_path, ELENA_AT, ADDRESS)])
    elena = next(p for i in data.interviews for p in i.interviewers if p.name == "Elena Torres")
    assert elena.address == (
        "Elena Torres, Director of Finance\nNorthwind Traders\n"
        "100 King Street West, Suite 5700\nToronto ON  M5X 1C7"
    )


def test_the_note_reminder_says_where_to_post_the_card_line_by_line(tmp_path: Path) -> None:
    text, html = reminder_of(example_with(tmp_path, ELENA_AT, ADDRESS))
    assert text[text.index("Sam Rivera\n\n") :] == (
        "Sam Rivera\n"
        "\n"
        "Address:\n"
        "\n"
        "Elena Torres, Director of Finance\n"
        "Northwind Traders\n"
        "100 King Street West, Suite 5700\n"
        "Toronto ON  M5X 1C7\n"
        "\n"
        "This reminder is sent once. Follow Up, Tuesday 24 November, 15:45 EST\n"
    )
    assert (
        "<p>Address:</p>\n<p>Elena Torres, Director of Finance<br>\nNorthwind Traders<br>\n"
        "100 King Street West, Suite 5700<br>\nToronto ON  M5X 1C7</p>"
    ) in html


def test_without_an_address_the_note_reminder_says_nothing_of_posting_it_to(tmp_path: Path) -> None:
    text, _ = reminder_of(ROOT / "interviews.yaml")
    assert "Address:" not in text


def test_a_call_reminder_does_not_print_an_address(tmp_path: Path) -> None:
    after = "      - name: Jordan Blake\n"
    text, _ = reminder_of(example_with(tmp_path, after, "        address: 1 Main St\n"), JORDAN)
    assert "Address:" not in text and "1 Main St" not in text


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ("        address: |\n" + "".join(f"          line {n}\n" for n in range(7)), "at most 6 lines"),
        ('        address: "100 King St\\u0007 West"\n', "control character (U+0007) on line 1"),
        ('        address: "100 King St\\n\\u001b[31mToronto"\n', "control character (U+001B) on line 2"),
        ("        address: [100 King St, Toronto]\n", "expected text"),
        ('        address: "  "\n', "must not be empty"),
    ],
)
def test_a_bad_address_is_an_error_with_its_place(tmp_path: Path, capsys, lines: str, says: str) -> None:
    path = example_with(tmp_path, ELENA_AT, lines)
    line = path.read_text(encoding="utf-8").splitlines().index(lines.splitlines()[0]) + 1
    assert main(["--data", str(path), "--now", NOW, "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{line}:"), err
    assert says in err and "Traceback" not in err
