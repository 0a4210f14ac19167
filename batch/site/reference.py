"""The guide's reference parts, generated from the code that holds each fact: the rules and their
defaults, the policy, the JSON Schema, the template values, common mistakes, the reliability figures.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from batch.data import load, spec
from batch.errors import InputError
from batch.letters import address, lint, render
from batch.model import interview as model
from batch.model import policy
from batch.site.examples import EXAMPLE_YAML, example, follow_up
from batch.site.markdown import fenced, log, table, when

POLICY_EXAMPLE = """\
policy:
  window_start: "09:00"
  workdays: [mon, tue, wed, thu]
  email_max_words: 120
"""


def part_rules_table() -> str:
    """Every etiquette number, its default and its meaning."""
    rows = []
    for name in policy.policy_fields():
        meaning = policy.DESCRIPTIONS.get(name)
        if meaning is None:
            log.warning("followup: policy field %r has no entry in batch.model.policy.DESCRIPTIONS", name)
            meaning = ""
        rows.append((f"`{name}`", f"`{default_value(name)}`", meaning))
    return table(("Key under `policy:`", "Default", "What it sets"), rows)


# The limits the lint holds each message to, as word_limits gives them, and the policy keys behind each.
LIMITS = (
    ("A thank-you email", "email", "thank-you", ("email_min_words", "email_max_words")),
    ("A check-in email", "email", "check-in", ("check_in_max_words",)),
    ("A voicemail script", "voicemail", "thank-you", ("voicemail_max_words",)),
    ("A handwritten note", "note", "thank-you", ("note_max_words",)),
)


def part_limits() -> str:
    """Every length limit the lint holds a message to, from the policy (a limit left out is a warning)."""
    rows = []
    for label, method, kind, keys in LIMITS:
        low, high = lint.word_limits(method, policy.DEFAULT, kind)
        span = f"{low} to {high} words" if low > 1 else f"at most {high} words"
        rows.append((label, span, ", ".join(f"`{key}`" for key in keys)))
    subject = f"at most {policy.DEFAULT.subject_max_chars} characters"
    rows.append(("A subject line", subject, "`subject_max_chars`"))
    shown = {key for *_, keys in LIMITS for key in keys} | {"subject_max_chars"}
    for name in policy.policy_fields():  # any other length of the policy, in its own description's words
        if name.endswith(("_words", "_chars")) and name not in shown:
            unit = "words" if name.endswith("_words") else "characters"
            what = policy.DESCRIPTIONS.get(name, name)
            rows.append((what[:1].upper() + what[1:], f"{getattr(policy.DEFAULT, name)} {unit}", f"`{name}`"))
    return table(("What", "Limit", "Key under `policy:`"), rows)


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
        place = (zone or base.where(example().me)).split("/")[-1].replace("_", " ")
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
            log.warning("followup: %s.%s has no meaning in batch/data/spec.py", section, name)
        default = defaults.get(name)
        need = (
            "required"
            if key.required
            else (f"default `{default}`" if isinstance(default, str) else "optional")
        )
        rows.append((f"`{name}`", need, spec.describe(key.parse), key.meaning))
    return table(("Key", "Needed", "Takes", "What it is for"), rows)


def part_template_values() -> str:
    """Every placeholder a template may use, with its value in the example."""
    item = follow_up("thank-you")
    template = render.load_template(render.stock_path(item, example()))
    context = render.context_for(item, example(), item.sends_at)
    rows = [(f"`{{{{ {name} }}}}`", f"`{value}`" if value else "(empty)") for name, value in flatten(context)]
    # A template's `variants:` parts are numbers, not words: which way of writing that part this
    # panelist's letter takes (the stock template's parts here).
    for part, chosen in render.panel_phrasing(item, template).items():
        what = "the subject line" if part == "subject" else f"the {part}"
        rows.append((f"`{{{{ {part} }}}}`", f"`{chosen}`: which way of writing {what} this letter takes "
                     "(counted from 0; a part named under `variants:`, see below)"))  # fmt: skip
    return table(("Placeholder", "In the example"), rows)


IN_ENGLISH = {"en": "English", "fr-FR": "French (France)", "fr-CA": "French (Québec)",
              "es-MX": "Spanish (Mexico)", "es-ES": "Spanish (Spain)"}  # fmt: skip


def part_greetings() -> str:
    """How the letter greets one name with and without a title, in each shipped variant."""
    names = ("Helen Park", "Dr. Helen Park")
    rows = []
    for code in sorted(render.shipped_languages(), key=lambda c: [*IN_ENGLISH, c].index(c)):
        said = [address.greeting(model.Interviewer(name=name), code) for name in names]
        rows.append((IN_ENGLISH.get(code, code), *(f"`{text}`" for text in said)))
    return table(("Letter in", *(f"`name: {name}`" for name in names)), rows)


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


FIGURES = Path(__file__).resolve().parents[2] / "figures"  # the repository's figures/


def part_reliability_figures() -> str:
    """The table `make reliability` last wrote (figures/reliability.md), as it is."""
    path = FIGURES / "reliability.md"
    if not path.exists():  # a partial copy of the repo (the site tests build one)
        return '!!! note "No figures yet"\n    Run `make reliability` to produce them.\n'
    return path.read_text("utf-8")


def interview_default(name: str) -> str | None:
    """The default of one key of an interview (such as `delay`), or None if it has no plain default."""
    default = model.Interview._field_defaults.get(name)
    return default if isinstance(default, str) else None
