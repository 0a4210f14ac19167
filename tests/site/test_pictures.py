"""The guide's pictures say what the code does: holidays as the planner skips them, a week as the policy
bounds it, the ledger's moves as its own table lists them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

from batch.etiquette.workdays import is_working_day
from batch.ledger.schema import MOVES, STATES
from batch.model import policy
from batch.site import pictures, timeline
from batch.site.examples import example, follow_up

RECT = re.compile(r'<rect class="(tl-window|tl-holiday)" x="([\d.]+)" y="34" width="([\d.]+)"')


def _columns() -> tuple[datetime, int]:
    item = follow_up("thank-you")
    end = example().interviews[0].end.replace(tzinfo=item.due_at.tzinfo)
    first = datetime.combine(end.date(), datetime.min.time(), item.due_at.tzinfo)
    return first, policy.THANK_YOU_NEVER_DAYS + 1


def test_the_timeline_shades_exactly_the_days_the_planner_counts_as_working_and_outlines_the_holiday():
    svg = timeline.part_timeline()
    first, days = _columns()
    rules = follow_up("thank-you").rules
    span = (timeline.SVG_WIDTH - timeline.SVG_LEFT - timeline.SVG_RIGHT) / days
    drawn: dict[date, str] = {}
    for kind, x, _ in RECT.findall(svg):
        day = first + timedelta(days=int((float(x) - timeline.SVG_LEFT) // span))
        drawn[day.date()] = kind
    expected = {}
    for n in range(days):
        day = (first + timedelta(days=n)).date()
        if is_working_day(day, rules):
            expected[day] = "tl-window"
        elif day.weekday() in rules.workdays:
            expected[day] = "tl-holiday"
    assert drawn == expected
    assert drawn[date(2026, 5, 18)] == "tl-holiday"  # Victoria Day: the planner skips it, so does the picture
    assert "Victoria Day" in svg and ">holiday</text>" in svg


def test_the_timeline_runs_a_week_and_every_thank_you_is_dropped_before_its_end():
    svg = timeline.part_timeline()
    week = float(re.search(r'<line class="tl-week" x1="([\d.]+)"', svg)[1])  # type: ignore[index]
    drops = [
        float(x)
        for x in re.findall(r'<line class="tl-drop" x1="([\d.]+)" y1="(?:4[0-9]|[5-9][0-9]|1[0-2][0-9])', svg)
    ]
    assert len(drops) == 3 and all(x < week for x in drops)


def test_every_label_of_every_picture_is_drawn_at_12_px_or_more_at_its_own_width():
    # the pictures are never shrunk (a box scrolls instead: extra.css min-width), and their CSS sets
    # 12 px or more for every text class they use
    css = (Path(timeline.__file__).parents[2] / "content" / "assets" / "extra.css").read_text("utf-8")
    sizes = [int(px) for px in re.findall(r"\.followup-picture[^{]*\{[^}]*font-size: (\d+)px", css)]
    assert sizes and min(sizes) >= 12
    for svg in (timeline.part_timeline(), pictures.part_ledger_states(), pictures.part_two_clocks()):
        assert 'class="followup-scroll" tabindex="0" role="region" aria-label="' in svg
        assert "font-size" not in svg  # every size comes from the stylesheet checked above


def test_the_ledger_picture_has_a_box_per_state_and_an_arrow_per_move_of_the_ledgers_table():
    part = pictures.part_ledger_states()
    names = re.findall(r'<text class="st-name"[^>]*>([^<]+)</text>', part)
    assert sorted(names) == sorted([*STATES, "no row yet"])
    assert part.count('<path class="st-arrow') == len(MOVES)
    for _, _, how in MOVES:  # and each move in words, in the table under it
        assert how in part


def test_the_two_clocks_picture_sends_the_london_thank_you_at_their_opening_not_at_night():
    part = pictures.part_two_clocks()
    item = follow_up("thank-you", who=1)
    assert f"it goes at {item.due_at:%H:%M} Tom's time" in part
    assert item.due_at.strftime("%H:%M") == policy.DEFAULT.window_start.strftime("%H:%M")
