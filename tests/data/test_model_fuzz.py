"""Whatever is in the file, loading it gives a Dataset (that plans) or an InputError: never anything else."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.data import load as loader
from batch.data import spec
from batch.errors import InputError
from batch.etiquette import schedule
from batch.model import interview as model
from batch.model.policy import Policy

EXAMPLE = (Path(__file__).parents[2] / "interviews.yaml").read_text(encoding="utf-8")
NOW = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
FUZZ = settings(max_examples=50, deadline=None)  # 5 tests × 50: a few seconds in all


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh file name per example: rewriting one file makes ext4 flush it, 3 ms a time."""
    folder = tmp_path_factory.mktemp("fuzz")
    return (folder / f"interviews-{n}.yaml" for n in itertools.count())


def load_or_refuse(paths: Iterator[Path], content: bytes) -> model.Dataset | None:
    """Load the content; a refusal must be an InputError whose every problem points into the file."""
    path = next(paths)
    path.write_bytes(content)
    try:
        data = loader.load([path])
    except InputError as exc:
        assert exc.problems, "an InputError with no problem to show"
        for problem in exc.problems:
            assert problem.path == str(path)
            assert problem.line >= 1 and problem.col >= 1
            assert problem.message and "\n" not in problem.message
        return None
    for item in schedule.plan(data, NOW):
        assert item.due_at.tzinfo is not None and item.expires_at.tzinfo is not None
        assert item.state in schedule.STATES
    return data


# Scalars a person might type, right and wrong, for any key.
TYPED = [
    *["2026-11-24 14:00", "2026-11-24", "2026-02-30 10:00", "9999-12-31 23:59", "0001-01-01 00:00"],
    *["2026-03-08 02:30", "2026-11-01 01:30", "45m", "1h30m", "0m", "24h", "25h", "99999999h"],
    *["America/Toronto", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin", "America", "Mars/Base"],
    *["a@b.example", "not-an-email", "same-day", "next-day", "two-days", "email", "voicemail", "note"],
    *["open", "offer", "thank-you", "check-in", "08:00", "18:00", "25:00", "08:00+02:00", "mon"],
    *["0", "7", "-1", "99999999999", "1e9", "nan", "~", "null", "yes", "no", "", " "],
    *["x\r\nBcc: y", "Sam\x85Rivera"],
]
SCALARS = st.sampled_from(TYPED) | st.text(max_size=20) | st.integers() | st.booleans() | st.none()
NAMES = [
    *spec.TOP_KEYS,
    *spec.ME,
    *spec.INTERVIEW,
    *spec.INTERVIEWER,
    *("workdays", "window_start", "window_end", "check_in_after_business_days", "interviewr", "compnay"),
]
KEYS = st.sampled_from(NAMES) | st.text(max_size=8)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6),
    max_leaves=25,
)


class _PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    def ignore_aliases(self, data: object) -> bool:
        return True


def dump(document: object) -> bytes:
    return yaml.dump(document, Dumper=_PlainDumper, allow_unicode=True).encode("utf-8")


def valid_document() -> dict[str, object]:
    return {
        "me": {"name": "Sam Rivera", "email": "sam@example.com", "timezone": "America/Toronto"},
        "policy": {},
        "interviews": [
            {
                "id": "a",
                "company": "Northwind",
                "role": "Analyst",
                "start": "2026-11-24 14:00",
                "decision_by": "2026-12-04",
                "interviewers": [{"name": "Priya Shah", "email": "priya@northwind.example"}],
            }
        ],
    }


@FUZZ
@given(content=st.binary(max_size=400))
def test_arbitrary_bytes_load_or_are_refused(paths, content):
    load_or_refuse(paths, content)


@FUZZ
@given(content=st.text(max_size=400))
def test_arbitrary_text_loads_or_is_refused(paths, content):
    load_or_refuse(paths, content.encode("utf-8", "surrogatepass"))


@FUZZ
@given(document=st.dictionaries(KEYS, VALUES, max_size=4))
def test_arbitrary_yaml_structures_load_or_are_refused(paths, document):
    load_or_refuse(paths, dump(document))


POLICY_KEYS = list(Policy._fields)
SPOTS = [
    *(("me", key) for key in spec.ME),
    *(("policy", key) for key in POLICY_KEYS),
    *(("interview", key) for key in spec.INTERVIEW),
    *(("interviewer", key) for key in spec.INTERVIEWER),
]


def with_value(where: str, key: str, value: object) -> dict[str, object]:
    """The good document with one value set (or replaced) somewhere in it."""
    document = valid_document()
    interview = document["interviews"][0]  # type: ignore[index]
    holder = {
        "me": document["me"],
        "policy": document["policy"],
        "interview": interview,
        "interviewer": interview["interviewers"][0],
    }[where]
    holder[key] = value
    return document


@FUZZ
@given(spot=st.sampled_from(SPOTS) | st.tuples(st.sampled_from(["me", "interview"]), KEYS), value=VALUES)
def test_one_wrong_value_in_a_good_file_loads_or_is_refused(paths, spot, value):
    load_or_refuse(paths, dump(with_value(*spot, value)))


def test_every_typed_value_in_every_place_loads_or_is_refused(paths):
    # Not random: every plausible slip in every place, so the far ends (year 9999, 99999999h,
    # an offset on a clock, a zone that is a folder) are tried on every run.
    outcomes = {True: 0, False: 0}
    for where, key in SPOTS:
        for value in [*TYPED, [], {}, ["x"], 5]:
            outcomes[load_or_refuse(paths, dump(with_value(where, key, value))) is not None] += 1
    assert outcomes[True] > 100 and outcomes[False] > 1000, outcomes


@FUZZ
@given(
    cuts=st.lists(
        st.tuples(st.integers(0, len(EXAMPLE)), st.integers(0, 12), st.text(max_size=6)), max_size=4
    )
)
def test_the_example_with_random_edits_loads_or_is_refused(paths, cuts):
    text = EXAMPLE
    for at, length, insert in cuts:
        text = text[:at] + insert + text[at + length :]
    load_or_refuse(paths, text.encode("utf-8", "surrogatepass"))


def test_the_fuzz_reaches_both_outcomes(paths):
    # The harness itself: a good document loads and plans, a bad one is refused.
    assert load_or_refuse(paths, dump(valid_document())) is not None
    assert load_or_refuse(paths, b"me: [") is None
