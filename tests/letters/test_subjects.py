"""Subjects keep to the limit: a stock subject takes a shorter form for a long role or company; a user's
own subject that is too long is refused, and the refusal says how to shorten it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.letters.lint import lint
from batch.letters.render import render_follow_up
from batch.model.policy import Policy
from tests.letters.test_letters import DATA, PERSON, PLANNED, ROOT, dataset, item_of

VARIANTS = ["en", "fr-FR", "fr-CA", "es-MX", "es-ES"]
DATASETS = {language: dataset(language, me_language=language) for language in VARIANTS}
LIMIT = Policy().subject_max_chars

# A role or company as people write them: letters of any script, digits, spaces and the marks of titles.
# Its length drawn first, evenly up to 80: a long one is as likely as a short one.
CHARACTERS = st.one_of(st.characters(categories=("L", "Nd")), st.sampled_from(" ,.-'’&()/"))
NAMES = st.integers(1, 80).flatmap(lambda n: st.text(CHARACTERS, min_size=n, max_size=n)).filter(str.strip)


def subjects(language: str, role: str, company: str) -> list[tuple[str, str, int, int]]:
    """Every stock subject of a variant for that role and company: each kind, round and phrasing."""
    data = DATASETS[language]
    found = []
    for kind, rounds in (("thank-you", (1, 2)), ("check-in", (1,))):
        item = item_of(data, kind)
        interview = item.interview._replace(role=role, company=company)
        item, there = item._replace(interview=interview), data._replace(interviews=(interview,))
        for round_ in rounds:
            for phrasing in range(3):
                said = render_follow_up(item, there, {"subject": phrasing, "round": round_}).subject
                found.append((said, kind, round_, phrasing))
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(role=NAMES, company=NAMES)
def test_every_stock_subject_keeps_to_the_limit_whatever_the_role_or_company(role: str, company: str) -> None:
    for language in VARIANTS:
        for said, kind, round_, phrasing in subjects(language, role, company):
            assert len(said) <= LIMIT, (language, kind, round_, phrasing, said)


REAL = [  # roles and companies from real adverts, and the worst of both at once
    ("Ingénieure Données Senior, Plateforme Analytique", "Atelier Numérique"),
    ("Ingénieure Données Senior (H/F)", "Atelier Numérique"),
    ("Senior Data Engineer, Analytics", "Grupo Horizonte, S.A. de C.V."),
    ("Gerente de Datos", "Corporación Internacional de Servicios Financieros y Logísticos del Norte"),
    ("R" * 80, "C" * 80),
]


@pytest.mark.parametrize("language", VARIANTS)
@pytest.mark.parametrize(("role", "company"), REAL)
def test_a_long_role_still_gets_each_panelist_a_subject_of_their_own(
    language: str, role: str, company: str
) -> None:
    found = subjects(language, role, company)
    assert all(len(said) <= LIMIT for said, *_ in found), found
    for kind, round_ in (("thank-you", 1), ("thank-you", 2), ("check-in", 1)):
        shown = [said for said, k, r, _ in found if (k, r) == (kind, round_)]
        assert len(set(shown)) == 3, shown  # three panelists, three phrasings still


def test_a_subject_that_fits_keeps_the_role() -> None:
    (said, *_), *_ = subjects("fr-FR", "Analyste", "Atelier Numérique")
    assert "Analyste" in said


def test_check_passes_a_panel_whose_role_is_too_long_for_the_full_subject(tmp_path: Path) -> None:
    people = "".join(PERSON.format(name=n, email=f"{n.lower()}@atelier.example", topics="x") for n in "ABC")
    text = DATA.format(language="fr-FR", me_language="fr-FR", people=people)
    path = tmp_path / "interviews.yaml"
    path.write_text(text.replace("role: UX Researcher", "role: Ingénieure Données Senior (H/F)"), "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "batch", "--data", str(path), "--now", PLANNED.isoformat(), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "subject is" not in result.stderr


def test_your_own_too_long_subject_is_refused_with_how_to_shorten_it(tmp_path: Path) -> None:
    data = DATASETS["en"]
    item = item_of(data)
    (tmp_path / "mine.md").write_text(
        "---\nsubject: Thank you for the {{ interview.role }} interview at {{ interview.company }}\n---\n"
        "{{ greeting }}\n\n" + "Thank you for your time and the tour of the team's work. " * 8,
        encoding="utf-8",
    )
    interview = item.interview._replace(
        template="mine.md", source=str(tmp_path / "interviews.yaml"), role="Senior Data Engineer, Analytics"
    )
    item, data = item._replace(interview=interview), data._replace(interviews=(interview,))
    rendered = render_follow_up(item, data)
    (said,) = [p for p in lint(rendered, "email", data.policy) if p.startswith("subject is")]
    assert said.startswith("subject is ") and f"; keep it to {LIMIT} or fewer" in said
    assert f"of {len(rendered.subject)}" in said or f"is {len(rendered.subject)} characters;" in said
    assert "shorten the template's subject:" in said and "policy: subject_max_chars" in said


@pytest.mark.parametrize("language", VARIANTS)
def test_every_letter_with_a_shortened_subject_passes_the_whole_lint(language: str) -> None:
    data = DATASETS[language]
    for kind, rounds in (("thank-you", (1, 2)), ("check-in", (1,))):
        item = item_of(data, kind)
        for role, company in REAL[:3]:
            interview = item.interview._replace(role=role, company=company)
            one, there = item._replace(interview=interview), data._replace(interviews=(interview,))
            for round_, phrasing in [(r, p) for r in rounds for p in range(3)]:
                rendered = render_follow_up(one, there, {"subject": phrasing, "round": round_})
                found = lint(rendered, "email", there.policy)
                # the body's word limit is another matter (a long role and company add words to it)
                assert [p for p in found if " words; " not in p] == [], (found, rendered.subject)
