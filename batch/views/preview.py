"""The dry run's preview page: every letter due now and coming next, as its reader will see it.

The page is self-contained (inline CSS, no scripts, no remote resources; a Content-Security-Policy
forbids them) and every value is escaped: names and topics from the YAML are text, never markup. A
message's HTML part sits in a sandboxed iframe (srcdoc), its plain text in a <pre>.
"""

from __future__ import annotations

import contextlib
import html
from datetime import datetime
from pathlib import Path

from batch.data.fields import zone
from batch.errors import FollowUpError
from batch.ledger.private import make_folder, write_file
from batch.letters.compose import Composed
from batch.letters.render import STOCK
from batch.model.interview import Dataset
from batch.views.agenda import both_times, span_text, what
from batch.views.window import Letter, Window, date_header, word_count

PAGE = "index.html"
_WHEN = "%a %d %b %Y, %H:%M %Z"
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
# Both palettes set every colour they use (the verdicts reach 4.5:1 or more on their own background),
# and every box keeps to the screen's width: a phone of 375 px scrolls the page down, never sideways.
_STYLE = """
:root { color-scheme: light; --bg: #fff; --fg: #1b1b1f; --muted: #4a4a55; --line: #8a8a96;
        --ok: #116329; --bad: #b3261e; --box: #f6f6f8; --link: #0b57d0; }
@media (prefers-color-scheme: dark) {
  :root { color-scheme: dark; --bg: #16161a; --fg: #ececf1; --muted: #b8b8c4; --line: #6e6e7a;
          --ok: #6fdd8b; --bad: #ff9a8f; --box: #22222a; --link: #a8c7fa; }
}
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 90rem; padding: 1rem;
       background: var(--bg); color: var(--fg); }
a { color: var(--link); }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; }
.note { border-left: 4px solid var(--line); padding: .25rem .75rem; background: var(--box); }
.panel { margin: 1rem 0 1.5rem; }
.panel h3 { margin: 0 0 .5rem; font-size: 1rem; color: var(--muted); }
.letters { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 24rem), 1fr)); gap: 1rem; }
.message { border: 1px solid var(--line); border-radius: .5rem; padding: 0 1rem 1rem; min-width: 0; }
.message.problem { border: 2px solid var(--bad); }
.message h4 { font-size: 1.05rem; margin: .75rem 0 .5rem; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .15rem .75rem;
     margin: 0 0 .75rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.verdict.ok { color: var(--ok); font-weight: 600; }
.verdict.problem { color: var(--bad); font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; border: 1px solid var(--line); margin: 0;
      padding: .75rem; max-height: 22rem; overflow: auto; font: 14px/1.45 ui-monospace, monospace;
      background: var(--box); color: var(--fg); }
pre:focus-visible, summary:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
details { margin-top: .75rem; }
iframe { width: 100%; height: 24rem; border: 1px solid var(--line); background: #fff; }
"""
_FRAME = (
    '<!doctype html><html><head><meta charset="utf-8">'
    "<style>body { font: 15px/1.5 sans-serif; color: #222; background: #fff; margin: 12px; }</style>"
    "</head><body>BODY</body></html>"
)
# The frame escaped around each message's HTML: escaping works a character at a time, so the halves
# escaped once read the same as the whole escaped for every message.
_FRAME_OPEN, _FRAME_CLOSE = (html.escape(half, quote=True) for half in _FRAME.split("BODY", 1))


def write_preview(outbox: Path, window: Window, data: Dataset, now: datetime) -> Path:
    """Write the page of the window's letters to <outbox>/index.html (whole, then moved)."""
    path = outbox / PAGE
    try:
        make_folder(outbox)
        write_file(path, build_page(window, data, now).encode("utf-8"))  # 0600: whole messages
    except OSError as exc:
        raise FollowUpError(f"{path}: cannot write the preview page ({exc.strerror})") from None
    return path


def nothing_due_line(window: Window, data: Dataset) -> str | None:
    """'nothing due until Wed 25 Nov 2026, 08:00 EST' when nothing is due now; None when something is."""
    if window.due:
        return None
    if window.next_at is None:
        return "nothing due, and nothing planned"
    return f"nothing due until {_mine(window.next_at, data)}"


def window_lines(window: Window, data: Dataset, now: datetime) -> list[str]:
    """The window asked for with --until, as the terminal says it: its span, then each letter in it
    with the moment it goes (their clock = yours), as `plan --until` lists them."""
    if window.until is None:
        return []
    home = zone(data.me.timezone)
    letters = [*window.due, *window.coming]
    count = f"{len(letters)} follow-up{'s' * (len(letters) != 1)}" if letters else "nothing"
    lines = [f"Preview of follow-ups due {span_text(now, window.until, home)}: {count}"]
    for letter in letters:
        when = both_times(letter.composed.item, letter.goes, home) + " (now)" * letter.now
        lines.append(f"  {when}  {what(letter.composed.item)}")
    return lines


def build_page(window: Window, data: Dataset, now: datetime) -> str:
    """The whole page: what is due now, then what comes next, a panel's letters side by side."""
    e = html.escape
    letters = [*window.due, *window.coming]
    stamp = _mine(now, data)
    contents = "".join(
        f'<li><a href="#m{n}">{e(_title(letter.composed))}</a>, {e(_goes(letter, data))}'
        f"{' — <strong>fails the etiquette</strong>' * bool(letter.composed.problems)}</li>"
        for n, letter in enumerate(letters, start=1)
    )
    numbered = list(enumerate(letters, start=1))
    now_part = _groups(numbered[: len(window.due)], data)
    next_part = _groups(numbered[len(window.due) :], data)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Follow Up: preview, {e(stamp)}</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>What <code>followup send</code> would deliver</h1>
<p>A dry run as of <strong>{e(stamp)}</strong>: nothing was sent and nothing recorded.
{e(_due_summary(window, data))}</p>
{_contents(contents)}
</header>
<main>
<h2 id="now">Due now</h2>
{now_part or f'<p class="note">{e(_nothing_now(window, data))}</p>'}
<h2 id="next">{e(_coming_heading(window, data, now))}</h2>
{next_part or '<p class="note">Nothing else is planned in this window.</p>'}
</main>
</body>
</html>
"""


def _contents(items: str) -> str:
    return f'<nav aria-label="Letters on this page"><ol class="contents">{items}</ol></nav>' if items else ""


def _mine(moment: datetime, data: Dataset) -> str:
    return moment.astimezone(zone(data.me.timezone)).strftime(_WHEN)


def _due_summary(window: Window, data: Dataset) -> str:
    due = len(window.due)
    failing = sum(1 for letter in window.due if letter.composed.problems)
    text = f"{due} message{'s' * (due != 1)} due now" if due else "Nothing is due now"
    if failing:
        verb = "fails the etiquette and was" if failing == 1 else "fail the etiquette and were"
        text += f"; {failing} {verb} not written to the outbox"
    if due:
        text += ". Those marked ok are in the outbox's new/ folder, a Maildir any mail client opens"
    return text + f"; {len(window.coming)} more shown as they will read when they go."


def _nothing_now(window: Window, data: Dataset) -> str:
    line = nothing_due_line(window, data) or ""
    return line[0].upper() + line[1:] + "."


def _coming_heading(window: Window, data: Dataset, now: datetime) -> str:
    if window.until is not None:
        return f"Coming next, until {_mine(window.until, data)}"
    return "Coming next" if window.coming else "Coming next: nothing planned"


def _groups(numbered: list[tuple[int, Letter]], data: Dataset) -> str:
    """The letters in panels: one interview's follow-ups of one kind at one moment, side by side."""
    panels: dict[tuple[str, str, datetime], list[tuple[int, Letter]]] = {}
    for number, letter in numbered:
        item = letter.composed.item
        panels.setdefault((item.interview.id, item.kind, letter.goes), []).append((number, letter))
    return "\n".join(_panel(group, data) for group in panels.values())


def _panel(group: list[tuple[int, Letter]], data: Dataset) -> str:
    item = group[0][1].composed.item
    name = f"{item.interview.company}, {item.kind}: {len(group)} letter{'s' * (len(group) != 1)}"
    cards = "".join(_article(number, letter, data) for number, letter in group)
    label = html.escape(name, quote=True)
    head = f'<section class="panel" aria-label="{label}"><h3>{html.escape(name)}</h3>'
    return f'{head}<div class="letters">{cards}</div></section>'


def _title(message: Composed) -> str:
    item = message.item
    if item.sends_email:
        return f"{item.kind.capitalize()} email to {item.interviewer.name}"
    action = "call" if item.method == "voicemail" else "write a card to"
    return f"Reminder to you: {action} {item.interviewer.name}"


def _article(number: int, letter: Letter, data: Dataset) -> str:
    e = html.escape
    message = letter.composed
    item, mail = message.item, message.mail
    me = f"{data.me.name} <{data.me.email}>"
    if item.sends_email:
        to = f"{item.interviewer.name} <{item.interviewer.email}>"
    else:
        to = f"you, {me} (the {item.method} is for {item.interviewer.name})"
    reply_to = "not set: replies come to From"
    if data.me.reply_to:
        reply_to = f"{data.me.name} <{data.me.reply_to}>"
    goes = _goes(letter, data)
    interview = f"{item.interview.company}, {item.interview.role} ({item.interview.id})"
    state = "problem" if message.problems else "ok"
    frame = _FRAME_OPEN + e(mail.html, quote=True) + _FRAME_CLOSE
    rows = [("From", e(me)), ("To", e(to)), ("Reply-To", e(reply_to)), ("Subject", e(mail.subject)),
            ("Goes", e(goes)), ("Date", e(date_header(letter.goes, data))),
            ("Words", e(word_count(message, data))), ("Etiquette", _verdict(message, letter.now)),
            ("Interview", e(interview)), ("Template", e(_template(message.words.template)))]  # fmt: skip
    fields = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    title = e(_title(message))
    when = "now" if letter.now else "next"
    return f"""<article class="message {state}" id="m{number}" data-lint="{state}" data-when="{when}">
<h4>{title}</h4>
<dl>{fields}</dl>
<pre tabindex="0" role="region" aria-label="Plain text, letter {number}">{e(mail.text)}</pre>
<details><summary>As HTML</summary>
<iframe sandbox="" title="HTML part, letter {number}" srcdoc="{frame}"></iframe></details>
</article>"""


def _goes(letter: Letter, data: Dataset) -> str:
    """When the letter goes, as plan says it: on the reader's clock = yours."""
    return both_times(letter.composed.item, letter.goes, zone(data.me.timezone))


def _template(path: str) -> str:
    """A stock template by its place among the stock ones ("stock: en/thank-you.md"); yours as written."""
    with contextlib.suppress(ValueError):
        return f"stock: {Path(path).resolve().relative_to(STOCK).as_posix()}"
    return path


def _verdict(message: Composed, now: bool) -> str:
    if not message.problems:
        return '<span class="verdict ok">ok</span>'
    items = "".join(f"<li>{html.escape(problem)}</li>" for problem in message.problems)
    where = "not written to the outbox" if now else "it will not be sent as it stands"
    return f'<span class="verdict problem">fails the etiquette: {where}</span><ul>{items}</ul>'
