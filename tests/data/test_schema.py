"""The JSON Schema of interviews.yaml: made from the model, committed, and as strict as a schema can be."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from batch.cli.main import main
from batch.data import fields, schema, spec
from batch.data import load as loader
from batch.errors import InputError
from batch.model.policy import Policy

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "interviews.yaml"
COMMITTED = ROOT / schema.SCHEMA_FILE
BAD = ROOT / "tests" / "corpus" / "bad"

# The bad files the loader refuses and the schema cannot, each with the reason; every other bad file
# must be refused by the schema. A file listed here that the schema does refuse fails the test too.
BEYOND_A_SCHEMA = {
    # YAML that never becomes a value to check (an editor's YAML parser reports these itself)
    "YAML syntax (a tab for indentation, a colon without a space, an unclosed quote)": [
        "tab-indent.yaml",
        "tab-then-spaces.yaml",
        "yaml-syntax-missing-space.yaml",
        "yaml-syntax-unclosed-quote.yaml",
    ],
    "a second document (---): each is checked on its own": ["two-documents.yaml"],
    "not UTF-8 text": ["non-utf8-latin1.yaml", "non-utf8-utf16.yaml"],
    "a control character YAML itself refuses": ["control-character-raw.yaml"],
    "tags (!name, !!python/...): refused when the YAML is read": [
        "local-tag.yaml",
        "python-object-new-tag.yaml",
        "python-object-plain-tag.yaml",
        "python-object-tag.yaml",
    ],
    "aliases (*name): the loader refuses every one, an editor expands them": [
        "billion-laughs.yaml",
        "merge-key-alias.yaml",
    ],
    "a key that is a list: not a JSON object key": ["complex-key.yaml"],
    "duplicate keys: a YAML rule; the value is one already": [
        "duplicate-flow-key.yaml",
        "duplicate-top-key.yaml",
    ],
    # rules that compare values, or look past one file or into a list that changes with releases
    "one value against another (end after start, the day closes after it opens)": [
        "end-before-start.yaml",
        "end-equals-start.yaml",
        "bad-policy-window-reversed.yaml",
        "decision-by-before-interview.yaml",
    ],
    "where a done: may stand depends on who gets the check-in (check_in:, else the first listed)": [
        "done-check-in-not-the-recipient.yaml",
        "done-check-in-without-decision-by.yaml",
    ],
    "unique across items (ids, interviewers' emails and names)": [
        "duplicate-ids-in-one-file.yaml",
        "same-interviewer-twice.yaml",
        "same-name-twice-without-email.yaml",
    ],
    "me: may be in another file of a folder; only the loader sees them all": ["missing-me-section.yaml"],
    "the IANA zone list changes with each tzdata release (the schema keeps to a zone's shape)": [
        "time-zone-is-a-folder.yaml",
        "unknown-time-zone.yaml",
        "unknown-time-zone-interviewer.yaml",
    ],
    "countries and their subdivisions: the holidays package's list, which grows with its releases": [
        "bad-policy-country-not-iso.yaml",
        "bad-policy-country-unknown-code.yaml",
        "bad-policy-subdivision-a-name.yaml",
        "bad-policy-subdivision-none-in-country.yaml",
        "bad-policy-subdivision-unknown.yaml",
    ],
}
LISTED = {name: reason for reason, names in BEYOND_A_SCHEMA.items() for name in names}


class Yaml12(yaml.SafeLoader):
    """YAML as an editor reads it (the YAML 1.2 core schema): `no` and dates stay text, `100` is a number."""

    yaml_implicit_resolvers: dict = {}  # noqa: RUF012 (PyYAML's own class attribute)

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("an alias")  # expanded, billion-laughs would take hours to validate
        return super().compose_node(parent, index)


for _tag, _pattern, _first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF))$",
     list("-+.0123456789")),
]:  # fmt: skip
    Yaml12.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), _first)


def read(path: Path) -> object:
    """A file as an editor's YAML parser hands it to the schema."""
    return yaml.load(path.read_bytes().decode("utf-8"), Loader=Yaml12)


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(COMMITTED.read_text(encoding="utf-8")))


def refusals(path: Path) -> list[str] | None:
    """What the schema says against the file, or None when it never reaches the schema."""
    try:
        document = read(path)
    except (yaml.YAMLError, UnicodeDecodeError, TypeError):  # TypeError: an unhashable (list) key
        return None
    return [error.message for error in validator().iter_errors(document)]


def test_the_committed_schema_is_what_followup_schema_prints(capsys):
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == COMMITTED.read_text(encoding="utf-8"), (
        "run: .venv/bin/followup schema > interviews.schema.json"
    )


def test_the_schema_is_a_valid_draft_2020_12_schema():
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)


def test_the_shipped_example_names_the_schema_on_its_first_line_and_still_loads():
    first = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema=./{schema.SCHEMA_FILE}"
    assert len(loader.load([EXAMPLE]).interviews) == 4


def test_the_shipped_example_is_valid_by_the_schema():
    assert refusals(EXAMPLE) == []


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.name)
def test_a_bad_file_the_loader_refuses_is_refused_by_the_schema_or_listed_with_its_reason(path: Path):
    with pytest.raises(InputError):
        loader.load([path])
    found = refusals(path)
    if path.name in LISTED:
        assert not found, f"the schema refuses {path.name}: take it off BEYOND_A_SCHEMA ({found})"
    else:
        assert found, f"the schema lets {path.name} through; refuse it, or list it with the reason"


def test_every_file_listed_as_beyond_a_schema_exists():
    assert {name for name in LISTED if not (BAD / name).exists()} == set()


@pytest.mark.parametrize(
    ("section", "keys"),
    list(spec.SECTIONS.items()),
)
def test_every_key_of_the_model_is_in_the_schema_with_the_guides_description(section, keys):
    document = schema.json_schema()["properties"]
    found = {
        "me": document["me"],
        "interviews": document["interviews"]["items"],
        "interviewers": document["interviews"]["items"]["properties"]["interviewers"]["items"],
    }[section]
    assert list(found["properties"]) == list(keys)
    assert found["required"] == [name for name, key in keys.items() if key.required]
    assert found["additionalProperties"] is False
    assert {name: value["description"] for name, value in found["properties"].items()} == {
        name: key.meaning for name, key in keys.items()
    }


def test_every_policy_default_is_valid_by_its_own_schema_and_described():
    policy = schema.json_schema()["properties"]["policy"]
    assert list(policy["properties"]) == list(Policy._fields)
    for value in policy["properties"].values():
        assert value["description"]
        if "default" in value:
            jsonschema.validate(value["default"], value)


@pytest.mark.parametrize(
    ("parse", "value"),
    [
        (fields.parse_email, "priya.shah@northwind.example"),
        (fields.parse_email, "sam@exämple.example"),
        (fields.parse_email, "sämi@example.com"),
        (fields.parse_email, "two@example.com, three@example.com"),
        (fields.parse_email, "no-at.example.com"),
        (fields.parse_id, "northwind-data-analyst"),
        (fields.parse_id, "a/b"),
        (fields.parse_id, "-leading-dash"),
        (fields.parse_duration, "1h30m"),
        (fields.parse_duration, "45 min"),
        (fields.parse_duration, "24h"),
        (fields.parse_duration, "0h0m"),
        (fields.parse_duration, "45 minutes"),
        (fields.parse_wall_time, "2026-11-24 14:00"),
        (fields.parse_wall_time, "2026-11-24T14:00:30"),
        (fields.parse_wall_time, "2026-04-31 14:00"),
        (fields.parse_wall_time, "2026-11-24"),
        (fields.parse_wall_time, "2026-11-24 14:00+01:00"),
        (fields.parse_wall_time, "1899-12-31 23:59"),
        (fields.parse_date, "2026-12-31"),
        (fields.parse_date, "2026-02-30"),
        (fields.parse_clock, "09:00"),
        (fields.parse_clock, "9:00"),
        (fields.parse_clock, "24:00"),
        (fields.parse_text, "Northwind Traders"),
        (fields.parse_text, "   "),
        (fields.parse_text, "Acme\r\nBcc: x@example.com"),
        (fields.parse_text, "Acme\x85Corp"),
    ],
)
def test_a_keys_schema_accepts_just_what_its_parser_accepts(parse, value):
    try:
        parse(value)
    except ValueError:
        loader_accepts = False
    else:
        loader_accepts = True
    assert jsonschema.Draft202012Validator(schema.fragment(parse)).is_valid(value) == loader_accepts


def test_a_parser_the_schema_does_not_know_is_named_rather_than_guessed():
    with pytest.raises(LookupError, match=r"batch\.schema\.PARSERS"):
        schema.fragment(lambda raw: raw)
