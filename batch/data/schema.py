"""The JSON Schema of interviews.yaml, made from `spec`: what an editor checks while you type.

Every key and its description come from `spec` (the same table the loader and the guide's reference
read; `policy.DESCRIPTIONS` for `policy:`), so the schema, the loader and the reference page cannot
drift apart. The loader stays the judge: the schema is what an editor can check
without it. It keeps to keywords draft-07 editors also apply (VS Code's and Neovim's YAML language
server are draft-07 at heart); those only 2020-12 knows (`maxContains`) add checks and take none away.

The loader reads every scalar as text, while an editor reads YAML 1.2 (`100` a number, `true` a
boolean); so a text key also takes a number, and a count a numeric string.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import time
from typing import Any

from batch.data import fields as f
from batch.data import spec
from batch.model.policy import DESCRIPTIONS, THANK_YOU_NEVER_DAYS, WEEKDAYS, Policy

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "interviews.schema.json"
Fragment = dict[str, Any]

# C0 and C1 controls and the Unicode line separators, which the loader refuses in one-line text.
_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029"
_YEAR = "(?:19|2[0-9])[0-9]{2}"  # fields.FIRST_YEAR..LAST_YEAR
# Every month's days (29 February in any year: leap years are the loader's to check).
_MONTH_DAY = "(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-9])|(?:0[13-9]|1[0-2])-30|(?:0[13578]|1[02])-31)"
_CLOCK = "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
# An address's shape, as email-validator (fields.parse_email) takes it: a dot-atom of ASCII before
# the @, and labels (international ones too) joined by single dots after it, with no dot at either end.
_LOCAL = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = '[^@\\s.<>(),;:"\\[\\]\\\\]+'

_SCALAR = ["string", "number", "boolean"]  # what the loader reads as text: every scalar but null


def _text() -> Fragment:
    one_line = f"^\\s*[^\\s{_CONTROL}][^{_CONTROL}]*\\s*$"
    return {"type": _SCALAR, "pattern": one_line, "patternErrorMessage": "one line of text, not empty"}


def _patterned(pattern: str, write: str, **more: Any) -> Fragment:
    return {"type": "string", "pattern": f"^\\s*{pattern}\\s*$", "patternErrorMessage": write, **more}


def _list_of(item: Fragment) -> Fragment:
    """A list of items, or one item alone (the loader reads it as a list of one)."""
    return {"anyOf": [{"type": "array", "minItems": 1, "items": item}, item]}


def _flag() -> Fragment:
    return {"enum": [True, False, "yes", "no", "on", "off"]}


# Each parser of `spec`'s keys, as the JSON Schema fragment of what it accepts.
PARSERS: dict[Callable[[object], object], Callable[[], Fragment]] = {
    f.parse_text: _text,
    f.parse_long_text: lambda: {"type": _SCALAR},
    f.parse_address: lambda: {
        "type": "string",
        # at most six lines that are not blank, no control character inside a line
        "pattern": f"^\\s*[^\\s{_CONTROL}][^{_CONTROL}]*(?:\\s*\\n\\s*[^\\s{_CONTROL}][^{_CONTROL}]*){{0,"
        f"{f.MAX_ADDRESS_LINES - 1}}}\\s*$",
        "patternErrorMessage": f"the lines of a postal address (at most {f.MAX_ADDRESS_LINES})",
    },
    f.parse_id: lambda: {
        "type": ["string", "number"],
        "pattern": "^\\s*[A-Za-z0-9][A-Za-z0-9._-]*\\s*$",
        "patternErrorMessage": "letters, digits, '-', '_' or '.'",
    },
    f.parse_email: lambda: _patterned(
        f"{_LOCAL}@(?:{_LABEL}\\.)+{_LABEL}", "an email address, name@example.com"
    ),
    f.parse_zone: lambda: _patterned(
        "[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*",
        "an IANA time zone such as America/Toronto",
        examples=["America/Toronto", "Europe/Berlin", "Asia/Kolkata"],
    ),
    f.parse_wall_time: lambda: _patterned(
        f"{_YEAR}-{_MONTH_DAY}[ T]{_CLOCK}", "YYYY-MM-DD HH:MM (local time, no offset)"
    ),
    f.parse_date: lambda: _patterned(f"{_YEAR}-{_MONTH_DAY}", "YYYY-MM-DD"),
    f.parse_duration: lambda: _patterned(
        "(?=[^1-9]*[1-9])(?:(?:[0-9]|0[0-9]|1[0-9]|2[0-4])\\s*h)?\\s*(?:[0-9]{1,4}\\s*m(?:in)?)?",
        "a duration such as 45m, 1h or 1h30m (at most 24h)",
    ),
    f.parse_clock: lambda: _patterned(_CLOCK, "HH:MM (no offset)"),
    f.parse_flag: _flag,
    f.parse_count: lambda: {
        "type": ["integer", "string"],
        "minimum": 0,
        "maximum": f.MAX_COUNT,
        "pattern": "^\\s*[0-9]{1,5}\\s*$",
    },
    f.parse_seconds: lambda: {"type": ["number", "string"], "minimum": 0, "maximum": 3600},
    f.parse_country: lambda: _patterned("[A-Za-z]{2}", "a two-letter country code such as CA or GB"),
}


def fragment(parse: Callable[[object], object]) -> Fragment:
    """The JSON Schema of the values a parser of `spec`'s keys accepts."""
    if parse in PARSERS:
        return PARSERS[parse]()
    if isinstance(parse, spec.OneOf):
        return {"enum": list(parse.choices)}
    if isinstance(parse, spec.ListOf):
        return _list_of(fragment(parse.item))
    raise LookupError(f"no JSON Schema for the parser {parse!r}: add it to batch.schema.PARSERS")


def _weekday() -> Fragment:
    # The loader reads the first three letters in any case: Monday, MON and mon are all Monday.
    loose = "".join(f"|[{d[0].upper()}{d[0]}][{d[1].upper()}{d[1]}][{d[2].upper()}{d[2]}]" for d in WEEKDAYS)
    return {"anyOf": [{"enum": list(WEEKDAYS)}, {"type": "string", "pattern": f"^\\s*(?:{loose[1:]})"}]}


def policy_field(name: str, default: object) -> Fragment:
    """The schema of one key under the top-level policy:, from the type of its default."""
    if name in spec.LOCAL_POLICY:
        return fragment(spec.LOCAL_POLICY[name].parse)
    if isinstance(default, tuple):
        return {"anyOf": [{"type": "array", "minItems": 1, "items": _weekday()}, _weekday()]}
    if isinstance(default, time):
        return fragment(f.parse_clock)
    if name == "thank_you_within_days":  # never a week after the interview (checks.py says why)
        return {"type": ["integer", "string"], "minimum": 1, "maximum": THANK_YOU_NEVER_DAYS - 1,
                "pattern": f"^\\s*[1-{THANK_YOU_NEVER_DAYS - 1}]\\s*$"}  # fmt: skip
    return fragment(f.parse_seconds if isinstance(default, float) else f.parse_count)


def _described(schema: Fragment, meaning: str | None) -> Fragment:
    return {"description": meaning, **schema} if meaning else schema


def _with_default(schema: Fragment, default: object) -> Fragment:
    if default is None:
        return schema
    if isinstance(default, time):
        default = default.strftime("%H:%M")
    elif isinstance(default, tuple):
        default = [WEEKDAYS[day] for day in default]
    return {**schema, "default": default}


def _needs_country() -> Fragment:
    # dependentRequired would say it in one word; draft-07 editors know only this form
    return {"if": {"required": ["subdivision"]}, "then": {"required": ["country"]}}


def policy_schema(local: bool) -> Fragment:
    """The top-level policy: (every etiquette number), or an interview's or interviewer's (where only)."""
    names = spec.LOCAL_POLICY if local else Policy._fields
    defaults = Policy._field_defaults
    properties = {
        name: _described(
            _with_default(policy_field(name, defaults[name]), defaults[name]), DESCRIPTIONS.get(name)
        )
        for name in names
    }
    shape = {"type": "object", "properties": properties, "additionalProperties": False, **_needs_country()}
    return shape if local else {"type": ["object", "null"], **{k: v for k, v in shape.items() if k != "type"}}


def mapping_schema(section: str, special: dict[str, Fragment]) -> Fragment:
    """An object of a section's keys: each typed by its parser (or special), described, the required named."""
    keys = spec.SECTIONS[section]
    defaults = spec.DEFAULTS[section]
    properties = {}
    for name, key in keys.items():
        schema = special[name] if name in special else fragment(key.parse)
        if (
            isinstance(defaults.get(name), str) and defaults[name]
        ):  # a choice with a default, as the guide shows
            schema = {**schema, "default": defaults[name]}
        properties[name] = _described(schema, key.meaning)
    required = [name for name, key in keys.items() if key.required]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def interviewer_schema() -> Fragment:
    """One interviewer; an email one needs an address."""
    schema = mapping_schema("interviewers", {"policy": policy_schema(local=True)})
    emailed = {"required": ["method"], "properties": {"method": {"const": "email"}}}
    return {**schema, "if": emailed, "then": {"required": ["email"]}}


def interview_schema() -> Fragment:
    """One interview: duration or end (not both), and at most one interviewer marked for the check-in."""
    people = {
        "type": "array",
        "minItems": 1,
        "items": interviewer_schema(),
        # at most one check_in: true (maxContains is 2020-12; older editors skip this check alone)
        "contains": {"required": ["check_in"], "properties": {"check_in": {"enum": [True, "yes", "on"]}}},
        "minContains": 0,
        "maxContains": 1,
    }
    special = {"interviewers": people, "policy": policy_schema(local=True)}
    schema = mapping_schema("interviews", special)
    # the interview's method is every interviewer's unless they say otherwise: email by default
    by_email = {"properties": {"method": {"const": "email"}}}
    without_method = {"if": {"not": {"required": ["method"]}}, "then": {"required": ["email"]}}
    return {
        **schema,
        "not": {"required": ["duration", "end"]},
        "if": by_email,
        "then": {"properties": {"interviewers": {"items": without_method}}},
    }


def json_schema() -> Fragment:
    """The JSON Schema (draft 2020-12) of an interviews file."""
    me = mapping_schema("me", {})
    interviews = {"type": ["array", "null"], "items": interview_schema()}
    sections = {"me": me, "policy": policy_schema(local=False), "interviews": interviews}
    assert tuple(sections) == spec.TOP_KEYS
    return {
        "$schema": DRAFT,
        "title": "Follow Up: interviews.yaml",
        "description": "The interviews you wait to hear back from, and who you are (followup schema).",
        "type": "object",
        "properties": {name: _described(schema, spec.TOP[name]) for name, schema in sections.items()},
        "additionalProperties": False,
    }


def schema_text() -> str:
    """The schema as the committed interviews.schema.json holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
