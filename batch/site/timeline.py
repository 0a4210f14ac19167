"""The timing page's pictures: when a thank-you falls due and lapses (an SVG), and the working week."""

from __future__ import annotations

from datetime import datetime, timedelta

from batch.etiquette import schedule
from batch.etiquette.workdays import holidays_between, is_working_day
from batch.model import interview as model
from batch.model import policy
from batch.model.policy import Policy
from batch.site.examples import example, follow_up
from batch.site.markdown import html_attr, html_escape, when

SVG_WIDTH, SVG_LEFT, SVG_RIGHT = 720, 96, 12
WEEK = timedelta(days=policy.THANK_YOU_NEVER_DAYS)
# The narrowest box the timeline shrinks into (extra.css): 11/12 of its width keeps its 12 px labels at
# 11 px; a narrower box (a phone) scrolls it at full size.
SVG_FITS = SVG_WIDTH * 11 // 12


# Shown above a picture only while its box is narrower than the picture (a container query in
# extra.css, per width): without it a phone shows the left part and nothing says there is more.
HINT = "Scroll sideways to see the whole picture, or select it and use the arrow keys."


def scroller(svg: str, label: str, width: int) -> str:
    """A picture drawn at its own width, in a box that scrolls sideways on a narrow screen (a phone):
    its labels keep their size instead of shrinking; the box takes the keyboard and says what it holds,
    and a hint says so while the picture does not fit."""
    return (
        f'<p class="followup-hint" data-wide="{width}">{HINT}</p>'
        f'<div class="followup-scroll" tabindex="0" role="region" aria-label="{html_attr(label)}">{svg}</div>'
    )


def _x(moment: datetime, first: datetime, days: int) -> float:
    """Where a moment falls on a lane that starts at midnight of `first` and spans `days` days."""
    span = (SVG_WIDTH - SVG_LEFT - SVG_RIGHT) / days
    return round(SVG_LEFT + (moment - first).total_seconds() / 86400 * span, 1)


def _days(first: datetime, days: int, top: float, height: float, rules: Policy) -> list[str]:
    """Day columns: the recipient's working window shaded on their working days, a public holiday
    outlined and named "holiday", a label under each day."""
    span = (SVG_WIDTH - SVG_LEFT - SVG_RIGHT) / days
    shapes = []
    for n in range(days):
        day = first + timedelta(days=n)
        left = SVG_LEFT + n * span
        shapes.append(
            f'<line class="tl-grid" x1="{left:.1f}" y1="{top}" x2="{left:.1f}" y2="{top + height}"/>'
        )
        opens = datetime.combine(day.date(), rules.window_start, day.tzinfo)
        closes = datetime.combine(day.date(), rules.window_end, day.tzinfo)
        x0, x1 = _x(opens, first, days), _x(closes, first, days)
        label = f"{day:%a} {day.day}" if span > 60 else f"{day.day}"
        if is_working_day(day.date(), rules):
            shapes.append(
                f'<rect class="tl-window" x="{x0}" y="{top}" width="{x1 - x0:.1f}" height="{height}"/>'
            )
        elif day.weekday() in rules.workdays:  # a working weekday, but a public holiday there
            shapes.append(
                f'<rect class="tl-holiday" x="{x0}" y="{top}" width="{x1 - x0:.1f}" height="{height}"/>'
            )
            shapes.append(
                f'<text class="tl-day" x="{left + span / 2:.1f}" y="{top + height + 30}">holiday</text>'
            )
        shapes.append(
            f'<text class="tl-day" x="{left + span / 2:.1f}" y="{top + height + 15}">{label}</text>'
        )
    return shapes


def _row(label: str, due: datetime, drop: datetime, first: datetime, days: int, y: float) -> list[str]:
    """One follow-up: a dot where it falls due, a line while it may still go, a bar where it is dropped."""
    x0, x1 = _x(due, first, days), _x(drop, first, days)
    return [
        f'<text class="tl-label" x="{SVG_LEFT - 8}" y="{y + 4}">{html_escape(label)}</text>',
        f'<line class="tl-span" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}"/>',
        f'<circle class="tl-due" cx="{x0}" cy="{y}" r="6"/>',
        f'<line class="tl-drop" x1="{x1}" y1="{y - 8}" x2="{x1}" y2="{y + 8}"/>',
    ]


def part_timeline() -> str:
    """An SVG of when each follow-up of the example goes and when it is dropped, drawn from the planner:
    the thank-you lane runs a week from the interview, so the picture shows none reaches it."""
    thanks = {delay: follow_up("thank-you", delay=delay) for delay in model.DELAYS}
    check = follow_up("check-in")
    rules = thanks["same-day"].rules  # the reader's working days, their public holidays among them
    zone = thanks["same-day"].due_at.tzinfo
    interview = example().interviews[0]
    ended = datetime.combine(interview.end.date(), interview.end.time(), zone)
    first = datetime.combine(ended.date(), datetime.min.time(), zone)
    days = WEEK.days + 1
    shapes = _days(first, days, 34, 96, rules)
    end_x, week_x = _x(ended, first, days), _x(ended + WEEK, first, days)
    shapes += [
        '<text class="tl-heading" x="0" y="16">Thank-you</text>',
        f'<line class="tl-event" x1="{end_x}" y1="30" x2="{end_x}" y2="130"/>',
        f'<text class="tl-note" x="{end_x + 4}" y="26">interview ends {ended:%H:%M}</text>',
        f'<line class="tl-week" x1="{week_x}" y1="30" x2="{week_x}" y2="130"/>',
        f'<text class="tl-note tl-end" x="{week_x - 4}" y="26">a week later</text>',
    ]
    for n, (delay, item) in enumerate(thanks.items()):
        shapes += _row(delay, item.due_at, item.expires_at, first, days, 54 + n * 30)
    # The check-in lane: from the decision date to the moment an unsent check-in is dropped.
    assert interview.decision_by is not None  # the example's interview names one: it has a check-in
    decided = datetime.combine(interview.decision_by, datetime.min.time(), zone)
    lane = (check.expires_at.date() - decided.date()).days + 1
    top = 216
    shapes += _days(decided, lane, top, 50, check.rules)
    shapes += [
        f'<text class="tl-heading" x="0" y="{top - 18}">Check-in</text>',
        f'<text class="tl-note" x="{SVG_LEFT}" y="{top - 4}">decision date</text>',
    ]
    shapes += _row("check-in", check.due_at, check.expires_at, decided, lane, top + 25)
    legend_y = top + 100
    shapes += [
        f'<rect class="tl-window" x="0" y="{legend_y - 11}" width="22" height="14"/>',
        f'<text class="tl-key" x="28" y="{legend_y}">their working hours, '
        f"{policy.format_value(rules.window_start)}–{policy.format_value(rules.window_end)}</text>",
        f'<circle class="tl-due" cx="296" cy="{legend_y - 4}" r="6"/>',
        f'<text class="tl-key" x="306" y="{legend_y}">falls due</text>',
        f'<line class="tl-span" x1="380" y1="{legend_y - 4}" x2="410" y2="{legend_y - 4}"/>',
        f'<text class="tl-key" x="416" y="{legend_y}">may still go</text>',
        f'<line class="tl-drop" x1="520" y1="{legend_y - 12}" x2="520" y2="{legend_y + 4}"/>',
        f'<text class="tl-key" x="528" y="{legend_y}">dropped, never sent</text>',
    ]
    title = "When each follow-up goes, and when it is dropped"
    desc = timeline_description(thanks, check, ended)
    svg = (
        f'<svg class="followup-timeline followup-picture" role="img" '
        f'aria-labelledby="timeline-title timeline-desc" width="{SVG_WIDTH}" height="{legend_y + 10}" '
        f'viewBox="0 0 {SVG_WIDTH} {legend_y + 10}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="timeline-title">{title}</title><desc id="timeline-desc">{html_escape(desc)}</desc>'
        + "".join(shapes)
        + "</svg>"
    )
    caption = (
        f"The example interview ends on {when(ended, year=False)}, in Toronto. Shaded: the reader's "
        "working hours; outlined: a public holiday there, skipped as the job skips it. Each line runs "
        "from the moment a follow-up falls due to the moment it is dropped."
    )
    box = scroller(svg, "The timeline picture (scrolls sideways on a narrow screen)", SVG_FITS)
    return f'<figure class="followup-figure">{box}<figcaption>{html_escape(caption)}</figcaption></figure>'


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
    first = ended.date()
    passed = holidays_between(first, (ended + WEEK).date(), next(iter(thanks.values())).rules)
    if passed:
        parts.append(f"Public holidays in that week, not working days: {passed}.")
    parts.append(f"None goes a week after the interview, {when(ended + WEEK, year=False)}.")
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
