"""The guide's other pictures, drawn from the code like the timeline: the ledger's states and their
moves (from the ledger's own table, schema.MOVES), and one day seen from your clock and the reader's."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from batch.data.fields import zone
from batch.etiquette.workdays import is_open
from batch.ledger.schema import MOVES
from batch.model import policy
from batch.site.examples import example, follow_up
from batch.site.markdown import html_attr, html_escape, table
from batch.site.timeline import scroller

# --- the ledger's states ----------------------------------------------------------------------------

NONE = ""  # no row yet
BOX_W, BOX_H, ROW_GAP, STATES_W = 84, 28, 84, 380


def _layers() -> list[list[str]]:
    """The states in rows, each one row below the first state that moves into it (from no row)."""
    row: dict[str, int] = {NONE: 0}
    changed = True
    while changed:
        changed = False
        for before, after, _ in MOVES:
            if before in row and after not in row:
                row[after] = row[before] + 1
                changed = True
    layers: list[list[str]] = [[] for _ in range(max(row.values()) + 1)]
    for state, n in row.items():
        layers[n].append(state)
    return layers


def _places() -> dict[str, tuple[float, float]]:
    """Each state's box centre: rows top to bottom, boxes spread evenly across each row."""
    places: dict[str, tuple[float, float]] = {}
    for n, states in enumerate(_layers()):
        for i, state in enumerate(states):
            places[state] = ((i + 0.5) * STATES_W / len(states), 24 + n * ROW_GAP)
    return places


def _arrow(start: tuple[float, float], end: tuple[float, float], back: bool) -> str:
    """A line from one box's edge to another's, bowed when it runs within a row or back up."""
    (x0, y0), (x1, y1) = start, end
    if y0 == y1:  # within a row: under both boxes
        y0 = y1 = y0 + BOX_H / 2
        mid = ((x0 + x1) / 2, y0 + 18 + abs(x1 - x0) / 8)
    else:
        down = y1 > y0
        y0, y1 = y0 + (BOX_H / 2 if down else -BOX_H / 2), y1 + (-BOX_H / 2 if down else BOX_H / 2)
        bow = 0 if down else 26
        mid = ((x0 + x1) / 2 + bow, (y0 + y1) / 2)
    kind = "st-arrow st-back" if back else "st-arrow"
    path = f'<path class="{kind}" d="M{x0:.1f},{y0:.1f} Q{mid[0]:.1f},{mid[1]:.1f} {x1:.1f},{y1:.1f}"/>'
    # the head: a small triangle at the end, pointing along the last part of the curve
    dx, dy = x1 - mid[0], y1 - mid[1]
    size = max((dx * dx + dy * dy) ** 0.5, 1)
    ux, uy = dx / size, dy / size
    a = (x1 - 8 * ux + 4 * uy, y1 - 8 * uy - 4 * ux)
    b = (x1 - 8 * ux - 4 * uy, y1 - 8 * uy + 4 * ux)
    head = f'<path class="st-head" d="M{x1:.1f},{y1:.1f} L{a[0]:.1f},{a[1]:.1f} L{b[0]:.1f},{b[1]:.1f} Z"/>'
    return path + head


def part_ledger_states() -> str:
    """The ledger's states as boxes and every move between them as an arrow, then the moves as a table."""
    places = _places()
    rows = {state: n for n, states in enumerate(_layers()) for state in states}
    shapes = [
        _arrow(places[before], places[after], back=rows[after] <= rows[before])
        for before, after, _ in MOVES
        if before != after
    ]
    for state, (x, y) in places.items():
        name = state or "no row yet"
        shapes.append(
            f'<rect class="st-box" x="{x - BOX_W / 2:.1f}" y="{y - BOX_H / 2:.1f}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="6"/><text class="st-name" x="{x:.1f}" y="{y + 4.5:.1f}">{name}</text>'
        )
    height = 24 + (len(_layers()) - 1) * ROW_GAP + BOX_H + 36
    words = "; ".join(f"{before or 'no row'} to {after or 'no row'}: {how}" for before, after, how in MOVES)
    svg = (
        '<svg class="followup-picture followup-states" role="img" '
        'aria-labelledby="states-title states-desc" '
        f'width="{STATES_W}" height="{height}" viewBox="0 0 {STATES_W} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="states-title">The ledger\'s states and their moves'
        f'</title><desc id="states-desc">{html_escape(words)}.</desc>' + "".join(shapes) + "</svg>"
    )
    box = scroller(svg, "The ledger's states (scrolls sideways on a narrow screen)", STATES_W)
    caption = "Solid arrows move on; dashed ones go back (a retry, a claim taken back, resolve)."
    moves = table(
        ("From", "To", "What makes it"),
        [
            (f"`{before}`" if before else "no row", f"`{after}`" if after else "no row", how)
            for before, after, how in MOVES
        ],
    )
    return f'<figure class="followup-figure">{box}<figcaption>{caption}</figcaption></figure>\n\n{moves}'


# --- one day, two clocks -------------------------------------------------------------------------

DAY_W, DAY_LEFT = 640, 120


def _hour_x(moment: datetime, first: datetime) -> float:
    return round(DAY_LEFT + (moment - first).total_seconds() / 3600 * (DAY_W - DAY_LEFT - 16) / 24, 1)


def _clock(first: datetime, there: ZoneInfo, y: float, rules: policy.Policy, who: str) -> list[str]:
    """One clock's lane: its working hours shaded, its hours written under it every three hours."""
    shapes = [f'<text class="tl-label" x="{DAY_LEFT - 8}" y="{y + 16}">{html_escape(who)}</text>']
    for hour in range(24):
        start = first + timedelta(hours=hour)
        if is_open(start, there, rules):
            x0, x1 = _hour_x(start, first), _hour_x(start + timedelta(hours=1), first)
            shapes.append(
                f'<rect class="tl-window" x="{x0}" y="{y}" width="{x1 - x0 + 0.2:.1f}" height="24"/>'
            )
    for hour in range(0, 25, 3):
        moment = first + timedelta(hours=hour)
        local = moment.astimezone(there)
        x = _hour_x(moment, first)
        shapes.append(f'<line class="tl-grid" x1="{x}" y1="{y}" x2="{x}" y2="{y + 24}"/>')
        shapes.append(f'<text class="tl-day" x="{x}" y="{y + 40}">{local:%H}</text>')
    return shapes


def part_two_clocks() -> str:
    """A day of the example seen from your clock (Toronto) and the reader's (London): the thank-you is
    ready after the interview, but waits for the reader's working hours to open."""
    data = example()
    item = follow_up("thank-you", who=1)  # Tom Okoye, in London
    home, theirs = zone(data.me.timezone), zone(item.interviewer.timezone or data.me.timezone)
    interview = data.interviews[0]
    ended = interview.end.replace(tzinfo=home)
    ready = ended + timedelta(minutes=data.policy.same_day_after_minutes)
    first = ended.replace(hour=12, minute=0)  # noon to noon on your clock: the evening between them
    person = item.interviewer.name.split()[0]
    shapes = _clock(first, home, 40, follow_up("thank-you").rules, f"you, {home.key.split('/')[-1]}")
    shapes += _clock(first, theirs, 110, item.rules, f"{person}, {theirs.key.split('/')[-1]}")
    marks = [(ended, "interview ends", 22), (ready, "ready", 22), (item.due_at, "goes", 22)]
    for moment, what, y in marks:
        x = _hour_x(moment, first)
        shapes.append(f'<line class="tl-event" x1="{x}" y1="{y + 6}" x2="{x}" y2="150"/>')
        before = what == "interview ends"  # its words left of its line, so that "ready" has the right
        anchor = ' class="tl-note tl-end"' if before else ' class="tl-note"'
        shift = -4 if before else 4
        shapes.append(f'<text{anchor} x="{x + shift}" y="{y}">{what}</text>')
    desc = (
        f"Your interview ends {ended:%H:%M} your time ({ended.astimezone(theirs):%H:%M} for {person}). "
        f"The thank-you is ready at {ready:%H:%M} your time, but {person}'s working day is over "
        f"({ready.astimezone(theirs):%H:%M} there), so it goes at {item.due_at:%H:%M} {person}'s time "
        f"the next morning, {item.due_at.astimezone(home):%H:%M} on your clock."
    )
    svg = (
        '<svg class="followup-picture followup-clocks" role="img" '
        'aria-labelledby="clocks-title clocks-desc" '
        f'width="{DAY_W}" height="170" viewBox="0 0 {DAY_W} 170" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="clocks-title">One day on two clocks: yours and {html_escape(person)}\'s</title>'
        f'<desc id="clocks-desc">{html_escape(desc)}</desc>' + "".join(shapes) + "</svg>"
    )
    box = scroller(svg, f"One day on your clock and {person}'s (scrolls sideways on a narrow screen)", DAY_W)
    caption = html_attr(f"Shaded: working hours on each clock. {desc}")
    return f'<figure class="followup-figure">{box}<figcaption>{caption}</figcaption></figure>'
