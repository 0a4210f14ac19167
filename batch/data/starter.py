"""The starter interviews.yaml a new workspace gets (`followup init`), written from `spec`.

Every key of the table is in it, with its meaning as a comment: the keys a file needs with a value,
the others commented out with an example. A key added to the spec shows up here by itself (with a
bare example when none is given below). The one interview is an example, marked as one and closed,
so that nothing is ever sent from it; every name and address is made up.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta

from batch.data import spec
from batch.data.schema import SCHEMA_FILE

WIDTH = 100

# An example value for each key, as it would be written in YAML.
ME = {
    "name": spec.STARTER_ME[0],
    "email": spec.STARTER_ME[1],
    "phone": '"+1 416 555 0100"',
    "reply_to": "replies@example.com",
    "language": "en",
}
INTERVIEW = {
    "id": "example-northwind-analyst",
    "company": "Northwind Traders",
    "role": "Data Analyst",
    "duration": "45m",
    "end": "<day> 10:45",
    "timezone": "America/Toronto",
    "delay": "next-day",
    "method": "email",
    "decision_by": "<decided>",
    "status": "closed",
    "done": "[thank-you]",
    "template": "templates/thank-you.md",
    "notes": "Parking is behind the building.",
    "policy": "{country: CA, subdivision: ON}",
    "language": "en",
}
INTERVIEWER = {
    "name": "Priya Shah",
    "email": "priya.shah@northwind.example",
    "title": "Analytics Lead",
    "timezone": "Europe/Berlin",
    "phone": '"+1 647 555 0188"',
    "method": "email",
    "topics": "[the churn dashboard, moving reports off spreadsheets]",
    "done": "[thank-you]",
    "policy": "{country: DE}",
    "check_in": "true",
    "new_person": "true",
    "address": "|\n  Northwind Traders\n  100 Example Street\n  Toronto ON",
    "note": "Your question about late rows made me think of a reconciliation report.",
    "language": "en",
}
# Which optional keys the example sets (the rest are shown commented out).
SET = {"duration", "timezone", "delay", "decision_by", "status", "email", "title", "topics"}


def starter_yaml(timezone: str, today: date) -> str:
    """The text of a new workspace's interviews.yaml, for someone living in `timezone`, made `today`."""
    day = today - timedelta(days=30)
    values = {"day": day.isoformat(), "decided": (day + timedelta(days=10)).isoformat()}
    lines = [
        f"# yaml-language-server: $schema=./{SCHEMA_FILE}",
        "# Your interviews: the ones you are waiting to hear back from. This folder is your own private",
        "# git repository; commit after each edit (make hooks checks the file before each commit).",
        "# Every key is listed with what it means; the guide's page 'Your interviews.yaml' has the rest.",
        "# make check: is it right?  make plan: what goes when?  make preview: read the messages first.",
        "",
        "me:",
        *_keys(spec.ME, ME | {"timezone": timezone}, "  ", set()),
        "",
        f"# {spec.TOP['policy']} Empty: the defaults.",
        "policy: {}",
        "",
        "interviews:",
        "  # EXAMPLE (made up): copy it for each interview you are waiting on, then delete it.",
        "  # Its status: closed keeps it from ever being sent; yours stay open (the default).",
        *_item(_keys(spec.INTERVIEW, INTERVIEW | {"start": "<day> 10:00"}, "    ", SET, values), "  "),
    ]
    return "\n".join(lines) + "\n"


def _keys(
    table: spec.Spec,
    examples: dict[str, str],
    indent: str,
    shown: set[str],
    values: dict[str, str] | None = None,
) -> list[str]:
    """Each key of a table: its meaning as a comment, then the key, set or commented out."""
    lines: list[str] = []
    for name, key in table.items():
        lines += textwrap.wrap(key.meaning, WIDTH - len(indent) - 2, initial_indent=f"{indent}# ",
                               subsequent_indent=f"{indent}# ")  # fmt: skip
        if name == "interviewers":
            lines += [f"{indent}interviewers:", *_people(indent + "  ", values or {})]
            continue
        value = examples.get(name, "")
        for word, text in (values or {}).items():
            value = value.replace(f"<{word}>", text)
        on = key.required or name in shown
        text = f"{name}: {value}".rstrip().replace("\n", "\n" + indent + ("" if on else "# "))
        lines.append(f"{indent}{'' if on else '# '}{text}")
    return lines


def _people(indent: str, values: dict[str, str]) -> list[str]:
    """The example's one interviewer, every key of theirs shown."""
    return _item(_keys(spec.INTERVIEWER, INTERVIEWER, indent + "  ", SET, values), indent)


def _item(body: list[str], indent: str) -> list[str]:
    """The lines of a mapping made the item of a list: its first key gets the dash."""
    first = next(i for i, line in enumerate(body) if not line.lstrip().startswith("#"))
    body[first] = indent + "- " + body[first].lstrip()
    return body
