"""Language codes as people type them: any letter case, and a region a variant goes by (fr-QC → fr-CA)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.data.checks import SHIPPED_LANGUAGES, language_problem
from batch.data.load import load
from batch.letters.render import render_follow_up
from tests.letters.test_letters import item_of, load_error, one_person


@given(code=st.sampled_from([*SHIPPED_LANGUAGES, "fr", "es"]), mask=st.lists(st.booleans(), min_size=5))
def test_a_shipped_code_in_any_letter_case_is_accepted(code: str, mask: list[bool]) -> None:
    typed = (
        "".join(c.upper() if up else c.lower() for c, up in zip(code, mask, strict=False)) + code[len(mask) :]
    )
    assert language_problem(typed, own_template=False) is None


@pytest.mark.parametrize(("typed", "written"), [("FR-ca", "fr-CA"), ("es-es", "es-ES"), ("EN", "en")])
def test_a_code_in_another_letter_case_writes_its_variant(tmp_path: Path, typed: str, written: str) -> None:
    path = tmp_path / "interviews.yaml"
    path.write_text(one_person(typed, typed), encoding="utf-8")
    data = load([path])
    assert render_follow_up(item_of(data), data).language == written


def test_quebec_as_a_region_points_to_fr_ca_and_the_variants_at_its_place(tmp_path: Path) -> None:
    said = load_error(tmp_path, one_person("fr-QC"))
    assert said.startswith("interviews.yaml:14:15: language: fr-QC: write fr-CA")
    assert "fr-CA or fr-FR" in said


@pytest.mark.parametrize("code", ["es-XX", "fr-ZZ"])
def test_an_unknown_region_of_a_shipped_language_lists_its_variants(tmp_path: Path, code: str) -> None:
    said = load_error(tmp_path, one_person(code))
    assert f"language: {code}: no dates or weekdays are known for it" in said
    assert ("es-ES or es-MX" if code.startswith("es") else "fr-CA or fr-FR") in said
