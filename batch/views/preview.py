"""The dry run's preview page: every due message as its recipient would see it, on one local page.

The page is self-contained (inline CSS, no scripts, no remote resources; a Content-Security-Policy
forbids them) and every value is escaped: names and topics from the YAML are text, never markup. A
message's HTML part sits in a sandboxed iframe (srcdoc), its plain text in a <pre>.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from batch.data.fields import zone
from batch.errors import FollowUpError
from batch.ledger.private import make_folder, write_file
from batch.letters.compose import Composed
from batch.model.interview import Dataset

PAGE = "index.html"
_WHEN = "%a %d %b %Y, %H:%M %Z"
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_STYLE = """
:root { color-scheme: light dark; --line: #8884; --ok: #1a7f37; --bad: #c62828; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
.message { border: 1px solid var(--line); border-radius: .5rem; margin: 1.5rem 0; padding: 0 1.25rem 1rem; }
.message.problem { border: 2px solid var(--bad); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.verdict.ok { color: var(--ok); font-weight: 600; }
.verdict.problem { color: var(--bad); font-weight: 600; }
.parts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
h3 { font-size: 1rem; margin: .5rem 0; }
iframe { width: 100%; height: 24rem; border: 1px solid var(--line); background: #fff; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; border: 1px solid var(--line); margin: 0;
      padding: .75rem; height: 22.5rem; overflow: auto; font: 14px/1.45 ui-monospace, monospace; }
"""
_FRAME = (
    '<!doctype html><html><head><meta charset="utf-8">'
    "<style>body { font: 15px/1.5 sans-serif; color: #222; margin: 12px; }</style>"
    "</head><body>BODY</body></html>"
)
# The frame escaped around each message's HTML: escaping works a character at a time, so the halves
# escaped once read the same as the whole escaped for every message.
_FRAME_OPEN, _FRAME_CLOSE = (html.escape(half, quote=True) for half in _FRAME.split("BODY", 1))


def write_preview(outbox: Path, due: list[Composed], data: Dataset, now: datetime) -> Path:
    """Write the page of the run's composed messages to <outbox>/index.html (whole, then moved)."""
    path = outbox / PAGE
    try:
        make_folder(outbox)
        write_file(path, build_page(due, data, now).encode("utf-8"))  # 0600: whole messages
    except OSError as exc:
        raise FollowUpError(f"{path}: cannot write the preview page ({exc.strerror})") from None
    return path


def build_page(messages: list[Composed], data: Dataset, now: datetime) -> str:
    """The whole page, one article per message, in the order given."""
    e = html.escape
    failing = sum(1 for m in messages if m.problems)
    stamp = now.astimezone(zone(data.me.timezone)).strftime(_WHEN)
    counts = f"{len(messages)} message{'s' * (len(messages) != 1)} due"
    if failing:
        verb = "fails the etiquette and was" if failing == 1 else "fail the etiquette and were"
        counts += f"; {failing} {verb} not written to the outbox"
    flag = " — <strong>fails the etiquette</strong>"
    contents = "".join(
        f'<li><a href="#m{n}">{e(_title(m))}</a>{flag * bool(m.problems)}</li>'
        for n, m in enumerate(messages, start=1)
    )
    articles = "\n".join(_article(n, m, data) for n, m in enumerate(messages, start=1))
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
<p>A dry run as of <strong>{e(stamp)}</strong>: nothing was sent and nothing recorded. {e(counts)}.
Messages marked ok are in the outbox's <code>new/</code> folder, a Maildir any mail client opens.</p>
<ol class="contents">{contents}</ol>
</header>
<main>
{articles or "<p>Nothing is due.</p>"}
</main>
</body>
</html>
"""


def _title(message: Composed) -> str:
    item = message.item
    if item.sends_email:
        return f"{item.kind.capitalize()} email to {item.interviewer.name}"
    action = "call" if item.method == "voicemail" else "write a card to"
    return f"Reminder to you: {action} {item.interviewer.name}"


def _article(number: int, message: Composed, data: Dataset) -> str:
    e = html.escape
    item, mail = message.item, message.mail
    if item.sends_email:
        to = f"{item.interviewer.name} <{item.interviewer.email}>"
    else:
        to = f"you, {data.me.name} <{data.me.email}> (the {item.method} is for {item.interviewer.name})"
    yours = _yours(item.due_at, item.due_at.utcoffset(), data.me.timezone)
    due = f"{item.due_at.strftime(_WHEN)} ({item.interviewer.name}'s time){yours}"
    interview = f"{item.interview.company}, {item.interview.role} ({item.interview.id})"
    state = "problem" if message.problems else "ok"
    frame = _FRAME_OPEN + e(mail.html, quote=True) + _FRAME_CLOSE
    rows = [("To", e(to)), ("Subject", e(mail.subject)), ("Due", e(due)), ("Interview", e(interview)),
            ("Etiquette", _verdict(message)), ("Template", e(message.words.template))]  # fmt: skip
    fields = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f"""<article class="message {state}" id="m{number}" data-lint="{state}">
<h2>{e(_title(message))}</h2>
<dl>{fields}</dl>
<div class="parts">
<section><h3>As HTML</h3>
<iframe sandbox="" title="HTML part, message {number}" srcdoc="{frame}"></iframe></section>
<section><h3>As plain text</h3><pre>{e(mail.text)}</pre></section>
</div>
</article>"""


@lru_cache(maxsize=1024)  # a batch has a few due moments
def _yours(due: datetime, offset: timedelta | None, timezone: str) -> str:
    """The due moment on your clock, when yours differs from the reader's ("" when it does not).

    `offset` is the reader's (due's own): one instant is one key to the cache whatever its zone.
    """
    mine = due.astimezone(zone(timezone))
    return f", {mine.strftime(_WHEN)} yours" if mine.utcoffset() != due.utcoffset() else ""


def _verdict(message: Composed) -> str:
    if not message.problems:
        return '<span class="verdict ok">ok</span>'
    items = "".join(f"<li>{html.escape(problem)}</li>" for problem in message.problems)
    head = '<span class="verdict problem">fails the etiquette: not written to the outbox</span>'
    return f"{head}<ul>{items}</ul>"
