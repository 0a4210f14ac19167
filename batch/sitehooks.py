"""MkDocs hook: the guide's generated parts, made at build time by the job's own code.

A page in content/ carries markers such as ``<!-- followup: rules-table -->``; this hook replaces
each with Markdown made from `batch.policy`, `batch.spec`, the planner and the real renderer, so
the guide shows exactly what the job does. The examples come from the fictional interview below:
the hook never reads the user's interviews.yaml. Any problem (an unknown marker, a schema key with
no meaning, an example that fails the etiquette lint) is a warning, which fails a strict build.
Past 300 lines: one function per marker, and the build's hooks; each part is short and stands alone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batch import compose, lint, load, model, policy, render, schedule, spec
from batch.errors import InputError

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page
    from mkdocs.utils.templates import TemplateContext

log = logging.getLogger("mkdocs.hooks.followup")

# Fictional from end to end (`.example` domains, 555-01xx numbers). A Tuesday panel of two.
EXAMPLE_YAML = """\
me:
  name: Alex Morgan
  email: alex.morgan@example.com
  phone: "+1 416 555 0107"
  timezone: America/Toronto

interviews:
  - id: lakeside-ux-researcher
    company: Lakeside Books
    role: UX Researcher
    start: 2026-05-12 14:00
    duration: 45m
    decision_by: 2026-05-22
    interviewers:
      - name: Nadia Brooks
        email: nadia.brooks@lakeside.example
        title: Head of Research
        phone: "+1 416 555 0163"
        topics: [the reader survey, testing the new checkout]
        note: Your point about watching people shop in the store has stayed with me.
      - name: Tom Okoye
        email: tom.okoye@lakeside.example
        title: Product Designer
        timezone: Europe/London
        topics: [the accessibility audit]
"""
EXAMPLE_NOW = datetime.fromisoformat("2026-05-12T09:00:00-04:00")  # the morning of the interview

POLICY_EXAMPLE = """\
policy:
  window_start: "09:00"
  workdays: [mon, tue, wed, thu]
  email_max_words: 120
"""

MARKER = re.compile(r"<!--\s*followup:\s*([\w.-]+)\s*-->")


# --- the example data, through the real loader and planner ---------------------------------------


@cache
def example() -> model.Dataset:
    """The fictional dataset, loaded and checked by the job's own loader."""
    with tempfile.TemporaryDirectory(prefix="followup-guide-") as folder:
        path = Path(folder) / "example.yaml"
        path.write_text(EXAMPLE_YAML, encoding="utf-8")
        return load.load([path])


def with_interview(interview: model.Interview) -> model.Dataset:
    """The example dataset holding just this interview."""
    return example()._replace(interviews=(interview,))


def follow_up(kind: str, method: str | None = None, who: int = 0, **changes: Any) -> schedule.FollowUp:
    """One planned follow-up of the example, its interview changed as asked."""
    # changes: any of Interview's fields, which _replace checks (so Any, as it takes)
    interview = example().interviews[0]._replace(**changes)
    if method:
        interview = interview._replace(method=method)
    person = interview.interviewers[who]
    items = schedule.plan(with_interview(interview), EXAMPLE_NOW)
    return next(i for i in items if i.kind == kind and i.interviewer == person)


def words_of(item: schedule.FollowUp, data: model.Dataset | None = None) -> compose.Composed:
    """What the job makes of a follow-up, in the words of the moment it would go (its plan's sends_at)."""
    return compose.compose(item, data or example(), item.sends_at)


# --- Markdown builders ----------------------------------------------------------------------------


def indent(text: str, by: int = 4) -> str:
    """Text indented for a tab or an admonition (blank lines stay blank)."""
    pad = " " * by
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


def fenced(text: str, lang: str = "text", classes: str = ".followup-message") -> str:
    """A fenced block that shows text exactly."""
    return f"``` {{ .{lang} {classes} }}\n{text.rstrip()}\n```"


def when(moment: datetime, year: bool = True) -> str:
    """A due time as the recipient reads it."""
    day = f"{moment:%a} {moment.day} {moment:%b}" + (f" {moment:%Y}" if year else "")
    return f"{day}, {moment:%H:%M} {moment.tzname()}"


def message_block(item: schedule.FollowUp, label: str, data: model.Dataset | None = None) -> str:
    """One follow-up as the job composes it; for a call or a card, the reminder folded below."""
    composed = words_of(item, data)
    check(label, list(composed.problems))
    words, limits = composed.words, lint.word_limits(item.method, example().policy, item.kind)
    parts = [f"**Subject:** {words.subject}"] if item.sends_email else []
    parts.append(fenced(words.text))
    what = "check-in" if item.kind == "check-in" and item.sends_email else item.method
    article = "an" if what[0] in "aeiou" else "a"
    span = f"{limits[0]} to {limits[1]}" if limits[0] > 1 else f"at most {limits[1]}"
    parts.append(f"{lint.count_words(words.text)} words; the job accepts {span} in {article} {what}.")
    if not item.sends_email:
        title = f'??? info "The reminder email you receive at {when(item.due_at)}"'
        mail = f"**Subject:** {composed.mail.subject}\n\n" + fenced(composed.mail.text)
        parts.append(title + "\n\n" + indent(mail))
    return "\n\n".join(parts)


def tabs(blocks: dict[str, str]) -> str:
    """Content tabs, one per label."""
    return "\n\n".join(f'=== "{label}"\n\n{indent(body)}' for label, body in blocks.items())


def check(label: str, problems: list[str]) -> None:
    """Report an example that breaks the etiquette (a warning fails the strict build)."""
    for problem in problems:
        log.warning("followup: the %s example fails the etiquette check: %s", label, problem)


def table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --- the generated parts --------------------------------------------------------------------------


def part_example_yaml() -> str:
    """The fictional interviews.yaml."""
    return fenced(EXAMPLE_YAML, "yaml", ".followup-yaml")


def part_example_plan() -> str:
    """The planner's timeline for the example."""
    rows = [
        (item.kind, item.interviewer.name, item.method, when(item.due_at), item.why)
        for item in schedule.plan(example(), EXAMPLE_NOW)
    ]
    return table(("Follow-up", "To", "How", "Due (their clock)", "Why then"), rows)


def part_example_thank_you() -> str:
    """The same thank-you as an email, a voicemail and a note."""
    names = {"email": "Email", "voicemail": "Voicemail", "note": "Note"}
    return tabs({names[m]: message_block(follow_up("thank-you", m), f"{m} thank-you") for m in model.METHODS})


def part_example_panel() -> str:
    """Both panelists' thank-yous side by side: each its own letter (a warning if two read the same)."""
    people = example().interviews[0].interviewers
    items = [follow_up("thank-you", who=n) for n in range(len(people))]
    same = lint.panel_problems([(item, words_of(item).words) for item in items])
    check("panel", [said for _, said, _ in same])
    return tabs({person.name: message_block(item, f"{person.name}'s thank-you") for person, item in
                 zip(people, items, strict=True)})  # fmt: skip


LANGUAGE_NAMES = {"en": "English", "fr": "Français (Canada)", "es": "Español"}
LANGUAGE_CODES = {"en": "en", "fr": "fr-CA", "es": "es"}
# What Alex would have written under topics: and note: for an interview held in that language.
LANGUAGE_VALUES = {
    "fr": (("le sondage auprès des lecteurs", "les tests du nouveau panier"),
           "Votre remarque sur l’observation des clients en magasin m’a fait réfléchir."),
    "es": (("la encuesta a los lectores", "las pruebas del nuevo carrito"),
           "Su comentario sobre observar a los clientes en la tienda me dio mucho que pensar."),
}  # fmt: skip


def part_example_languages() -> str:
    """Nadia's thank-you in each shipped language, one tab each (`language:` on the interview)."""
    blocks = {}
    shipped = render.shipped_languages()
    for short in sorted(shipped, key=lambda code: (list(LANGUAGE_NAMES).index(code) if code in LANGUAGE_NAMES
                                                     else len(LANGUAGE_NAMES), code)):  # fmt: skip
        code = LANGUAGE_CODES.get(short, short)
        interview = example().interviews[0]
        if short in LANGUAGE_VALUES:
            topics, note = LANGUAGE_VALUES[short]
            nadia = interview.interviewers[0]._replace(topics=topics, note=note)
            interview = interview._replace(interviewers=(nadia, *interview.interviewers[1:]))
        item = follow_up("thank-you", language=code, interviewers=interview.interviewers)
        data = with_interview(item.interview)
        blocks[LANGUAGE_NAMES.get(short, short)] = message_block(item, f"{code} thank-you", data)
    return tabs(blocks)


def part_example_check_in() -> str:
    """The check-in, by email and (for someone without an address) by voicemail."""
    first = example().interviews[0].interviewers[0]
    unreachable = (first._replace(email=None), *example().interviews[0].interviewers[1:])
    return tabs(
        {
            "Email": message_block(follow_up("check-in"), "check-in email"),
            "Voicemail": message_block(follow_up("check-in", interviewers=unreachable), "check-in voicemail"),
        }
    )


def part_rules_table() -> str:
    """Every etiquette number, its default and its meaning."""
    rows = []
    for name in policy.policy_fields():
        meaning = policy.DESCRIPTIONS.get(name)
        if meaning is None:
            log.warning("followup: policy field %r has no entry in batch.policy.DESCRIPTIONS", name)
            meaning = ""
        rows.append((f"`{name}`", f"`{default_value(name)}`", meaning))
    return table(("Key under `policy:`", "Default", "What it sets"), rows)


def default_value(name: str) -> str:
    """A policy default as the YAML would write it ("not set" for an optional one)."""
    value = getattr(policy.DEFAULT, name)
    return "not set" if value is None else policy.format_value(value)


def part_rules_cases() -> str:
    """Worked cases: interviews that end at various moments, and when the planner sends."""
    tue = datetime(2026, 5, 12, 14, 0)
    fri = datetime(2026, 5, 15, 16, 45)
    thu = datetime(2026, 5, 14, 10, 0)
    cases = [
        ("same-day", tue, None, "thank-you"),
        ("same-day", fri, None, "thank-you"),
        ("next-day", tue, None, "thank-you"),
        ("two-days", thu, None, "thank-you"),
        ("same-day", tue, "Europe/London", "thank-you"),
        ("same-day", tue, None, "check-in"),
    ]
    rows = []
    for delay, start, zone, kind in cases:
        base = example().interviews[0]
        person = base.interviewers[0]._replace(timezone=zone)
        ends = start + timedelta(minutes=45)
        item = follow_up(kind, start=start, end=ends, delay=delay, interviewers=(person,))
        ended = f"{ends:%a %H:%M}" + (
            f", decision by {base.decision_by:%a %d %b}" if kind == "check-in" else ""
        )
        place = (zone or base.timezone or example().me.timezone).split("/")[-1].replace("_", " ")
        due, dropped = when(item.due_at, year=False), when(item.expires_at, year=False)
        rows.append((kind, ended, f"`{delay}`", place, due, dropped, item.why))
    return table(
        ("Follow-up", "Interview ends", "Delay", "They read mail in", "Due", "Dropped at", "Why"), rows
    )


def part_policy_yaml() -> str:
    """An example of overriding the numbers, proven to load."""
    with tempfile.TemporaryDirectory(prefix="followup-guide-") as folder:
        path = Path(folder) / "policy.yaml"
        path.write_text(EXAMPLE_YAML.replace("interviews:", POLICY_EXAMPLE + "\ninterviews:", 1), "utf-8")
        load.load([path])
    return fenced(POLICY_EXAMPLE, "yaml", ".followup-yaml")


def part_schema(section: str) -> str:
    """The keys of one part of interviews.yaml, from its spec."""
    keys = spec.SECTIONS[section]
    defaults = spec.DEFAULTS[section]
    rows = []
    for name, key in keys.items():
        if not key.meaning:
            log.warning("followup: %s.%s has no meaning in batch/spec.py", section, name)
        default = defaults.get(name)
        need = (
            "required"
            if key.required
            else (f"default `{default}`" if isinstance(default, str) else "optional")
        )
        rows.append((f"`{name}`", need, spec.describe(key.parse), key.meaning))
    return table(("Key", "Needed", "Takes", "What it is for"), rows)


def part_example_key() -> str:
    """The ledger key of the example's first thank-you."""
    return f"`{follow_up('thank-you').key}`"


def part_template_values() -> str:
    """Every placeholder a template may use, with its value in the example."""
    item = follow_up("thank-you")
    template = render.load_template(render.stock_path(item, example()))
    context = render.context_for(item, example(), item.sends_at)
    context.update(render.panel_phrasing(item, template))
    rows = [(f"`{{{{ {name} }}}}`", f"`{value}`" if value else "(empty)") for name, value in flatten(context)]
    return table(("Placeholder", "In the example"), rows)


def flatten(context: dict[str, object], prefix: str = "") -> list[tuple[str, str]]:
    """Dotted names and values of a template context."""
    found: list[tuple[str, str]] = []
    for key, value in context.items():
        if isinstance(value, dict):
            found += flatten(value, f"{prefix}{key}.")
        else:
            shown = "a list: " + ", ".join(value) if isinstance(value, list) else str(value)
            found.append((prefix + key, shown))
    return found


# Mistakes people make in interviews.yaml; the guide shows the loader's real answer to each.
MISTAKES = {
    "A misspelt key": ("    interviewers:", "    interviewr:"),
    "A time zone that does not exist": (
        "    duration: 45m",
        "    duration: 45m\n    timezone: America/Toronot",
    ),
    "An end before the start": ("    duration: 45m", "    end: 2026-05-12 13:00"),
    "An email follow-up to someone without an address": ("        email: tom.okoye@lakeside.example\n", ""),
}


def part_mistakes() -> str:
    """Broken copies of the example and what `followup check` says about each."""
    blocks = []
    for title, (old, new) in MISTAKES.items():
        broken = EXAMPLE_YAML.replace(old, new, 1)
        with tempfile.TemporaryDirectory(prefix="followup-guide-") as folder:
            path = Path(folder) / "interviews.yaml"
            path.write_text(broken, "utf-8")
            try:
                load.load([path])
            except InputError as exc:
                said = str(exc).replace(str(path), "interviews.yaml")
            else:
                log.warning("followup: the mistake %r loads without an error", title)
                said = ""
        blocks.append(f"**{title}**\n\n" + fenced(said, "text", ".followup-error"))
    return "\n\n".join(blocks)


def part_filler() -> str:
    """The phrases the lint refuses."""
    return "\n".join(f"- *{phrase[0].upper()}{phrase[1:]}*" for phrase in lint.FILLER)


FIGURES = Path(__file__).resolve().parent.parent / "figures"


def part_reliability_figures() -> str:
    """The table `make reliability` last wrote (figures/reliability.md), as it is."""
    path = FIGURES / "reliability.md"
    if not path.exists():  # a partial copy of the repo (the site tests build one)
        return '!!! note "No figures yet"\n    Run `make reliability` to produce them.\n'
    return path.read_text("utf-8")


# --- the timeline picture -------------------------------------------------------------------------

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


def html_escape(text: str) -> str:
    """Text made safe inside SVG markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


PARTS: dict[str, Callable[[], str]] = {
    "example-yaml": part_example_yaml,
    "example-plan": part_example_plan,
    "example-thank-you": part_example_thank_you,
    "example-panel": part_example_panel,
    "example-languages": part_example_languages,
    "example-check-in": part_example_check_in,
    "rules-table": part_rules_table,
    "rules-cases": part_rules_cases,
    "policy-yaml": part_policy_yaml,
    "schema-me": lambda: part_schema("me"),
    "schema-interviews": lambda: part_schema("interviews"),
    "schema-interviewers": lambda: part_schema("interviewers"),
    "filler": part_filler,
    "example-key": part_example_key,
    "template-values": part_template_values,
    "mistakes": part_mistakes,
    "reliability-figures": part_reliability_figures,
    "workdays": part_workdays,
    "timeline": part_timeline,
}


def interview_default(name: str) -> str | None:
    """The default of one key of an interview (such as `delay`), or None if it has no plain default."""
    default = model.Interview._field_defaults.get(name)
    return default if isinstance(default, str) else None


def expand(markdown: str, where: str = "") -> str:
    """Markdown with every marker replaced: a part name, `policy.FIELD` for one etiquette default, or
    `interview.FIELD` for the default of an interview's key."""

    def one(match: re.Match[str]) -> str:
        name = match[1]
        if name.startswith("policy."):
            field = name.removeprefix("policy.")
            if hasattr(policy.DEFAULT, field):
                return default_value(field)
        elif name.startswith("interview."):
            found = interview_default(name.removeprefix("interview."))
            if found is not None:
                return found
        elif name == "deliver.CHUNK":  # how many claims a batch writes at once (the crash window)
            from batch.deliver import CHUNK

            return str(CHUNK)
        elif name == "wake.TRUST":  # the longest an idle run's wake-up note is believed
            from batch.wake import TRUST

            hours, minutes = divmod(int(TRUST.total_seconds()) // 60, 60)
            return f"{hours} hour{'s' * (hours != 1)}" if not minutes else f"{hours * 60 + minutes} minutes"
        elif name == "wake.RACY_NS":  # how old every watched file must be before a note is left
            from batch.wake import RACY_NS

            return f"{RACY_NS // 1_000_000_000} seconds"
        elif name in PARTS:
            return PARTS[name]()
        log.warning("followup: %s: unknown marker %r", where or "page", name)
        return match[0]

    return MARKER.sub(one, markdown)


def write_expanded_docs(source: Path, target: Path) -> None:
    """Copy a docs folder with every marker expanded (for builds without this hook: bench, zensical)."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    for page in target.rglob("*.md"):
        page.write_text(expand(page.read_text("utf-8"), str(page)), "utf-8")


# --- MkDocs events --------------------------------------------------------------------------------


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Edit links only for a repository the user named (FOLLOWUP_REPO_URL), never for the default."""
    if os.environ.get("FOLLOWUP_REPO_URL"):
        config.edit_uri = os.environ.get("FOLLOWUP_EDIT_URI", "edit/main/content/")
    return config


def on_page_context(
    context: TemplateContext, page: Page, config: MkDocsConfig, nav: Navigation
) -> TemplateContext:
    """No canonical link unless the guide has its real address (FOLLOWUP_SITE_URL)."""
    if not config.extra.get("published"):
        page.canonical_url = None
    return context


def on_post_build(config: MkDocsConfig) -> None:
    """No sitemap naming a local address in a build meant to be kept (`mkdocs serve` keeps its own)."""
    if config.extra.get("published") or SERVING:
        return
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        (Path(config.site_dir) / name).unlink(missing_ok=True)


SERVING = False


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether this is `mkdocs serve`, whose sitemap drives its own instant navigation."""
    global SERVING
    SERVING = command == "serve"


def on_pre_build(config: MkDocsConfig) -> None:
    """Re-read the templates on every build, so `mkdocs serve` shows an edited template at once."""
    render.load_template.cache_clear()


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Expand the markers of one page."""
    return expand(markdown, page.file.src_uri)


TABLE = re.compile(r"<table>(.*?)</table>", re.S)
HEAD_CELL = re.compile(r"<th[^>]*>(.*?)</th>", re.S)
BODY_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td([ >])")
TAGS = re.compile(r"<[^>]+>")


def stackable(table: re.Match[str]) -> str:
    """A table whose body cells carry their column's name, for the phone layout in extra.css."""
    inner = table[1]
    head, _, body = inner.partition("</thead>")
    names = [html_attr(TAGS.sub("", cell).strip()) for cell in HEAD_CELL.findall(head)]
    if not body or not names:
        return table[0]

    def row(match: re.Match[str]) -> str:
        column = iter(names)
        cells = CELL.sub(lambda c: f'<td data-label="{next(column, "")}"{c[1]}', match[1])
        return f"<tr>{cells}</tr>"

    return f"<table data-stack>{head}</thead>{BODY_ROW.sub(row, body)}</table>"


def html_attr(text: str) -> str:
    """Text made safe inside a double-quoted attribute."""
    return html_escape(text).replace('"', "&quot;")


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Tables that stack into cards on a phone instead of scrolling sideways."""
    return TABLE.sub(stackable, html) if "<table>" in html else html


def on_env(env: jinja2.Environment, config: MkDocsConfig, files: Files) -> jinja2.Environment:
    """Theme touches: a repo link that asks no third party for star counts, and a helpful 404."""
    import jinja2

    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, "partials/source.html")
    private = source.replace(' data-md-component="source"', "")
    if private == source:
        log.warning("followup: partials/source.html changed upstream; the repo link may call its host's API")
    overrides = {"partials/source.html": private, "404.html": NOT_FOUND}
    # Name the search dialog and the loading bar, which the theme leaves unnamed (axe: serious).
    for name, old, new in NAMELESS:
        text, _, _ = env.loader.get_source(env, name)
        if old not in text:
            log.warning("followup: %s changed upstream; %r is no longer there to name", name, old)
        overrides[name] = text.replace(old, new)
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(overrides), env.loader])
    return env


NAMELESS = (
    ("partials/search.html", 'role="dialog"', 'role="dialog" aria-label="Search"'),
    ("partials/progress.html", 'role="progressbar"', 'role="progressbar" aria-label="Loading the page"'),
)

NOT_FOUND = """\
{% extends "main.html" %}
{% block content %}
  <h1 id="not-found">This page is not here</h1>
  <p>The address may have changed when the guide was reorganised, or a letter slipped.</p>
  <p>Try the search box above, or start again from one of these:</p>
  <ul>
    <li><a href="{{ 'index.html' | url }}">the guide's home page</a></li>
    <li><a href="{{ 'etiquette/timing.html' | url }}">when to send a follow-up</a></li>
    <li><a href="{{ 'tool/commands.html' | url }}">the followup commands</a></li>
  </ul>
{% endblock %}
"""
