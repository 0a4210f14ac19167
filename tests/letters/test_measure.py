"""A letter's limits charge its own length, not the length of the names the user put in: every stock letter,
in every variant, passes the lint whatever the role, the company or the names (up to 80 characters)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.letters import render
from batch.letters.lint import counted_words, lint, subject_chars
from batch.letters.render import Rendered, context_for, load_template, stock_path
from batch.letters.words import count_words
from batch.model.interview import Dataset
from batch.model.policy import Policy
from tests.letters.test_letters import MOMENTS, NOTE_BY_BASE, dataset, item_of, variant_contexts

VARIANTS = ("en", "fr-FR", "fr-CA", "es-MX", "es-ES")
STOCK_MESSAGES = (
    ("thank-you", "email"),
    ("thank-you", "voicemail"),
    ("thank-you", "note"),
    ("check-in", "email"),
    ("check-in", "voicemail"),
)
LONG_ROLE = "Senior Data Platform Engineer, Analytics Infrastructure"
LONG_COMPANY = "Fondation Québécoise pour l'Innovation Numérique"
# Words a role, a company or a name is made of (no day word, filler or placeholder: those the lint
# refuses for what they say, which is not what is measured here).
ROLE_WORDS = ("Senior", "Data", "Platform", "Engineer,", "Analytics", "Infrastructure", "Ingénieure", "SQL",
              "Développeur", "iOS", "Analyste", "BI", "Jefe", "de", "Producto", "Lead", "Principal",
              "Research-Scientist", "Machine", "Learning", "Operations", "Coordinatrice", "Sénior",
)  # fmt: skip
COMPANY_WORDS = ("Fondation", "Québécoise", "pour", "l'Innovation", "Numérique", "Lakeside", "Books",
                 "Grupo", "Industrial", "del", "Norte", "S.A.", "de", "C.V.", "Atelier", "Lumière",
                 "Société", "Générale", "d'Études", "Hôpital", "Sainte-Justine")  # fmt: skip
NAME_WORDS = ("María", "José", "Fernández", "López", "Jean-Baptiste", "Nguyễn", "Anne-Sophie",
              "Bédard", "O'Connor", "van", "der", "Berg", "Nadia", "Brooks", "Dra.", "Mme")  # fmt: skip


def text_of(words: tuple[str, ...], most: int = 80) -> st.SearchStrategy[str]:
    """A value of those words, of at most `most` characters."""
    return (
        st.lists(st.sampled_from(words), min_size=1, max_size=20)
        .map(" ".join)
        .map(lambda t: t[:most].strip())
    )


def with_values(language: str, role: str, company: str, name: str, me: str, topics: list[str]) -> Dataset:
    """The made-up interview in that variant, its role, company and names replaced."""
    data = dataset(language, me_language=language)
    interview = data.interviews[0]
    person = interview.interviewers[0]._replace(name=name, topics=tuple(topics), title=role)
    interview = interview._replace(role=role, company=company, interviewers=(person,))
    return data._replace(interviews=(interview,), me=data.me._replace(name=me))


def every_letter(
    data: Dataset, kind: str, method: str, round_: int, moment: str
) -> list[tuple[Rendered, str]]:
    """Every phrasing of one stock message of the dataset, with and without a note, at that moment."""
    language = data.interviews[0].language or "en"
    item = item_of(data, kind, method)
    template = load_template(stock_path(item, data))
    at = datetime.fromisoformat(moment)
    found = []
    for note in ("", NOTE_BY_BASE[language[:2]]):
        shown = item._replace(
            interviewer=item.interviewer._replace(note=note or None), due_at=at, opens_at=None
        )
        base = {**context_for(shown, data, at), "round": round_}
        found += [
            (render.render(template, {**base, **chosen}), method) for chosen in variant_contexts(template)
        ]
    return found


@pytest.mark.parametrize("language", VARIANTS)
@pytest.mark.parametrize(("kind", "method"), STOCK_MESSAGES)
@pytest.mark.parametrize("round_", [1, 2])
def test_every_stock_letter_passes_with_the_longest_role_company_and_names(
    language: str, kind: str, method: str, round_: int
) -> None:
    longest = "Anne-Sophie Marie-Hélène Fernández de la Cruz van der Berg-Nguyễn O'Connor"
    role, company = LONG_ROLE + " " + "X" * 20, LONG_COMPANY + " du Grand Montréal inc."
    topics = ["l'architecture " * 5, "les pipelines de données " * 3]
    data = with_values(language, role, company, longest, longest, topics)
    for rendered, how in every_letter(data, kind, method, round_, MOMENTS["date"]):
        assert lint(rendered, how, data.policy) == [], (
            language,
            kind,
            method,
            rendered.subject,
            rendered.text,
        )


@settings(max_examples=60, deadline=None)
@given(
    language=st.sampled_from(VARIANTS),
    message=st.sampled_from(STOCK_MESSAGES),
    round_=st.sampled_from([1, 2]),
    moment=st.sampled_from(sorted(MOMENTS.values())),
    role=text_of(ROLE_WORDS),
    company=text_of(COMPANY_WORDS),
    name=text_of(NAME_WORDS),
    me=text_of(NAME_WORDS),
    topics=st.lists(text_of(ROLE_WORDS + COMPANY_WORDS), max_size=3),
)
def test_no_stock_letter_is_refused_for_the_length_of_the_values_put_in(
    language: str, message: tuple[str, str], round_: int, moment: str, role: str, company: str, name: str,
    me: str, topics: list[str],
) -> None:  # fmt: skip
    data = with_values(language, role, company, name, me, topics)
    for rendered, how in every_letter(data, *message, round_, moment):
        assert lint(rendered, how, data.policy) == [], (language, message, rendered.subject, rendered.text)


def test_a_long_role_is_charged_its_allowance_and_the_rest_of_the_letter_in_full() -> None:
    short, long = (
        with_values("en", role, "Acme", "Nadia Brooks", "Alex Morgan", []) for role in ("Analyst", LONG_ROLE)
    )
    (first, _), (second, _) = (
        every_letter(data, "check-in", "email", 1, MOMENTS["date"])[0] for data in (short, long)
    )
    said = first.text.count("Analyst")
    assert said >= 1
    assert count_words(second.text) - count_words(first.text) == said * (count_words(LONG_ROLE) - 1)
    policy = Policy()
    assert counted_words(second, policy) - counted_words(first, policy) == said * (policy.value_max_words - 1)
    assert subject_chars(second, policy) - subject_chars(first, policy) == policy.value_max_chars - len(
        "Analyst"
    )


def test_the_note_is_counted_in_full_and_the_refusal_says_how_words_were_counted() -> None:
    data = with_values("en", LONG_ROLE, "Acme", "Nadia Brooks", "Alex Morgan", [])
    (rendered, _), *_ = every_letter(data, "check-in", "email", 1, MOMENTS["date"])
    policy = Policy(check_in_max_words=counted_words(rendered, Policy()) - 1)
    said = lint(rendered, "email", policy)
    counted, total = counted_words(rendered, policy), count_words(rendered.text)
    how = "each name, role, company or topic put in counts as at most 3 words"
    assert said == [
        f"{counted} words (of {total}: {how}); keep a check-in to {policy.check_in_max_words} or fewer"
    ]


@pytest.mark.parametrize(("allowance", "refused"), [(1, False), (3, False), (6, True)])
def test_the_allowance_comes_from_the_policy(allowance: int, refused: bool) -> None:
    data = with_values("en", LONG_ROLE, LONG_COMPANY, "Nadia Brooks", "Alex Morgan", [])
    (rendered, _), *_ = every_letter(data, "check-in", "email", 1, MOMENTS["date"])
    limit = counted_words(rendered, Policy(value_max_words=3))
    policy = Policy(check_in_max_words=limit, value_max_words=allowance)
    assert bool(lint(rendered, "email", policy)) is refused


def test_a_users_own_template_is_charged_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "mine.md"
    path.write_text("---\nsubject: About the {{ interview.role }} job\n---\nThanks, {{ interview.role }}.\n")
    template = load_template(path)
    rendered = render.render(template, {"interview": {"role": LONG_ROLE}, "kind": "thank-you"})
    assert count_words(rendered.text) == 1 + count_words(LONG_ROLE)
    assert counted_words(rendered, Policy()) == 1 + 3
    assert subject_chars(rendered, Policy()) == len("About the  job") + 20
