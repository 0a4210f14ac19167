"""Text written into another format is escaped for that format: iCalendar TEXT (\\ ; , and line ends),
the preview's HTML, and the message headers."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime
from pathlib import Path

import icalendar

from batch.data.load import load
from batch.etiquette.schedule import plan
from batch.letters.compose import compose
from batch.model.interview import Dataset
from batch.views.calendar import export_calendar
from batch.views.preview import build_page
from batch.views.window import window_of
from tests.hostile_cases import data_yaml

NOW = datetime.fromisoformat("2026-11-24T16:00:00-05:00")
ODD = 'Ann; Lee, "\\N" <b>&amp;</b>'  # a calendar's separators and escape, and markup


def _data(tmp_path: Path) -> Dataset:
    people = [
        {"name": ODD, "email": "ann@acme.example", "topics": ["a;b,c\\d <i>x</i>"],
         "phone": "+1 416 555 0100", "method": "voicemail"},
        {"name": "Bo Kim", "email": "bo@acme.example", "topics": ["x"], "method": "note",
         "address": "1 Main St; Suite 2,\nToronto\\ON"},
    ]  # fmt: skip
    path = tmp_path / "interviews.yaml"
    path.write_text(data_yaml(people).replace("company: Acme", 'company: "Acme; Co, \\\\Ltd"'), "utf-8")
    return load([path])


def _unescaped(ics: bytes, name: str) -> list[str]:
    """Every value of a property as RFC 5545 reads it: lines unfolded, each escape undone once."""
    text = ics.decode("utf-8").replace("\r\n ", "")
    values = [line.split(":", 1)[1] for line in text.split("\r\n") if line.startswith(name + ":")]
    escapes = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}
    return [re.sub(r"\\([\\;,nN])", lambda m: escapes[m[1]], value) for value in values]


def test_every_calendar_text_reads_back_as_written(tmp_path: Path) -> None:
    data = _data(tmp_path)
    items = plan(data, NOW)
    ics, _ = export_calendar(items, data, NOW)
    summaries = _unescaped(ics, "SUMMARY")
    assert f"Call {ODD} (Acme; Co, \\Ltd)" in summaries
    assert "1 Main St; Suite 2,, Toronto\\ON" in _unescaped(ics, "LOCATION")
    assert any(ODD in text and "\n" in text for text in _unescaped(ics, "DESCRIPTION"))
    assert len(icalendar.Calendar.from_ical(ics).events) == len(items)  # still a calendar a parser reads


def test_the_preview_shows_values_as_text_never_as_markup(tmp_path: Path) -> None:
    data = _data(tmp_path)
    items = plan(data, NOW)
    page = build_page(window_of([compose(item, data) for item in items], items, data, NOW, None), data, NOW)
    assert "<b>" not in page and "<i>x</i>" not in page
    assert "&lt;b&gt;&amp;amp;&lt;/b&gt;" in page


def test_a_name_with_a_headers_separators_reads_back_as_written(tmp_path: Path) -> None:
    from batch.letters.compose import to_mail

    data = _data(tmp_path)
    person = {"name": 'Ann "A, B" Lee; <x@evil.example>', "email": "ann@acme.example", "topics": ["x"]}
    path = tmp_path / "one.yaml"
    path.write_text(data_yaml([person]), "utf-8")
    data = load([path])
    item = plan(data, NOW)[0]
    mail = to_mail(compose(item, data), data, "<id@example.com>", NOW)
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    to = parsed["To"].addresses
    assert len(to) == 1 and to[0].display_name == person["name"] and to[0].addr_spec == "ann@acme.example"
