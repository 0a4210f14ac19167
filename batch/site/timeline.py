"""The timing page's pictures: when a thank-you falls due and lapses (an SVG), and the working week."""

from __future__ import annotations

from datetime import datetime, timedelta

from batch.etiquette import schedule
from batch.model import interview as model
from batch.model import policy
from batch.site.examples import example, follow_up
from batch.site.markdown import html_escape, when

SVG_WIDTH, SVG_LEFT, SVG_RIGHT = 720, 96, 12


def _x(moment: datetime, first: datetime, days: int) -> float:
    """Where a moment falls on a lane that starts at midnight of `first` and spans `days` days."""
    span = (SVG_WIDTH - SVG_LEFT - SVG_RIGHT) / days
    return round(SVG_LEFT + (moment - first).total_seconds() / 86400 * span, 1)


def _days(first: datetime, days: int, top: float, height: float) -> list[str]:
    """Day columns: the recipient's working window shaded on working days, a label under each."""
    rules, span = policy.DEFAULT, (SVG_WIDTH - SVG_LEFT - SVG_RIGHT) / days
    shapes = []
    for n in range(days):
        day = first + timedelta(days=n)
        left = SVG_LEFT + n * span
        shapes.append(
            f'<line class="tl-grid" x1="{left:.1f}" y1="{top}" x2="{left:.1f}" y2="{top + height}"/>'
        )
        if day.weekday() in rules.workdays:
            opens = datetime.combine(day.date(), rules.window_start, day.tzinfo)
            closes = datetime.combine(day.date(), rules.window_end, day.tzinfo)
            x0, x1 = _x(opens, first, days), _x(closes, first, days)
            shapes.append(
                f'<rect class="tl-window" x="{x0}" y="{top}" width="{x1 - x0:.1f}" height="{height}"/>'
            )
        label = f"{day:%a} {day.day}" if span > 40 else f"{day:%a}"[0]
        shapes.append(
            f'<text class="tl-day" x="{left + span / 2:.1f}" y="{top + height + 14}">{label}</text>'
        )
    return shapes


def _row(label: str, due: datetime, drop: datetime, first: datetime, days: int, y: float) -> list[str]:
    """One follow-up: a dot where it falls due, a line while it may still go, a bar where it is dropped."""
    x0, x1 = _x(due, first, days), _x(drop, first, days)
    return [
        f'<text class="tl-label" x="{SVG_LEFT - 8}" y="{y + 4}">{html_escape(label)}</text>',
        f'<line class="tl-span" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}"/>',
        f'<circle class="tl-due" cx="{x0}" cy="{y}" r="5"/>',
        f'<line class="tl-drop" x1="{x1}" y1="{y - 7}" x2="{x1}" y2="{y + 7}"/>',
    ]


def part_timeline() -> str:
    """An SVG of when each follow-up of the example goes and when it is dropped, drawn from the planner."""
    rules = policy.DEFAULT
    thanks = {delay: follow_up("thank-you", delay=delay) for delay in model.DELAYS}
    check = follow_up("check-in")
    zone = thanks["same-day"].due_at.tzinfo
    interview = example().interviews[0]
    ended = datetime.combine(interview.end.date(), interview.end.time(), zone)
    first = datetime.combine(ended.date(), datetime.min.time(), zone)
    last = max(item.expires_at for item in thanks.values())
    days = (last.date() - first.date()).days + 1
    shapes = _days(first, days, 34, 96)
    end_x = _x(ended, first, days)
    shapes += [
        '<text class="tl-heading" x="0" y="16">Thank-you</text>',
        f'<line class="tl-event" x1="{end_x}" y1="30" x2="{end_x}" y2="130"/>',
        f'<text class="tl-note" x="{end_x + 4}" y="26">interview ends {ended:%H:%M}</text>',
    ]
    for n, (delay, item) in enumerate(thanks.items()):
        shapes += _row(delay, item.due_at, item.expires_at, first, days, 54 + n * 30)
    # The check-in lane: from the decision date to the moment an unsent check-in is dropped.
    assert interview.decision_by is not None  # the example's interview names one: it has a check-in
    decided = datetime.combine(interview.decision_by, datetime.min.time(), zone)
    lane = (check.expires_at.date() - decided.date()).days + 1
    top = 196
    shapes += _days(decided, lane, top, 50)
    shapes += [
        f'<text class="tl-heading" x="0" y="{top - 18}">Check-in</text>',
        f'<text class="tl-note" x="{SVG_LEFT}" y="{top - 4}">decision date</text>',
    ]
    shapes += _row("check-in", check.due_at, check.expires_at, decided, lane, top + 25)
    legend_y = top + 90
    shapes += [
        f'<rect class="tl-window" x="0" y="{legend_y - 10}" width="22" height="12"/>',
        f'<text class="tl-key" x="28" y="{legend_y}">their working hours, '
        f"{policy.format_value(rules.window_start)}–{policy.format_value(rules.window_end)}</text>",
        f'<circle class="tl-due" cx="290" cy="{legend_y - 4}" r="5"/>',
        f'<text class="tl-key" x="300" y="{legend_y}">falls due</text>',
        f'<line class="tl-span" x1="380" y1="{legend_y - 4}" x2="410" y2="{legend_y - 4}"/>',
        f'<text class="tl-key" x="416" y="{legend_y}">may still go</text>',
        f'<line class="tl-drop" x1="520" y1="{legend_y - 11}" x2="520" y2="{legend_y + 3}"/>',
        f'<text class="tl-key" x="528" y="{legend_y}">dropped, never sent</text>',
    ]
    title = "When each follow-up goes, and when it is dropped"
    desc = timeline_description(thanks, check, ended)
    svg = (
        f'<svg class="followup-timeline" role="img" aria-labelledby="timeline-title timeline-desc" '
        f'viewBox="0 0 {SVG_WIDTH} {legend_y + 10}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="timeline-title">{title}</title><desc id="timeline-desc">{html_escape(desc)}</desc>'
        + "".join(shapes)
        + "</svg>"
    )
    caption = (
        f"The example interview ends on {when(ended, year=False)}, in Toronto. Shaded: the reader's "
        "working hours. Each line runs from the moment a follow-up falls due to the moment it is dropped."
    )
    return f'<figure class="followup-figure">{svg}<figcaption>{html_escape(caption)}</figcaption></figure>'


def timeline_description(
    thanks: dict[str, schedule.FollowUp], check: schedule.FollowUp, ended: datetime
) -> str:
    """The picture in words, for screen readers."""
    rules = policy.DEFAULT
    parts = [f"An interview ends {when(ended, year=False)}."]
    for delay, item in thanks.items():
        parts.append(
            f"With delay {delay} the thank-you falls due {when(item.due_at, year=False)} "
            f"and is dropped if unsent by {when(item.expires_at, year=False)}."
        )
    parts.append(
        f"The check-in falls due {rules.check_in_after_business_days} working days after the decision date, "
        f"{when(check.due_at, year=False)}, and is dropped {rules.check_in_expire_after_days} days later."
    )
    return " ".join(parts)


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def part_workdays() -> str:
    """The default working week in words ("Monday to Friday")."""
    days = sorted(policy.DEFAULT.workdays)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}"
    return ", ".join(DAY_NAMES[d] for d in days[:-1]) + f" and {DAY_NAMES[days[-1]]}"
