"""French letters curl the straight apostrophes of your values (l'équipe → l’équipe), never an address's."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.letters.apostrophes import curly
from batch.letters.render import render_follow_up
from tests.letters.test_letters import dataset, item_of

STRAIGHT_IN_A_WORD = re.compile(r"[^\W\d_]'[^\W\d_]")


@pytest.mark.parametrize("language", ["fr-FR", "fr-CA"])
def test_a_french_letter_curls_the_apostrophes_of_role_company_and_topics(language: str) -> None:
    data = dataset(language, me_language=language)
    item = item_of(data)
    interview = item.interview._replace(role="Chargée d'affaires", company="L'Atelier")
    people = tuple(p._replace(topics=("l'organisation des équipes",)) for p in interview.interviewers)
    interview = interview._replace(interviewers=people)
    item = item._replace(interview=interview, interviewer=people[0])
    rendered = render_follow_up(item, data._replace(interviews=(interview,)))
    assert "l’organisation des équipes" in rendered.text and "d’affaires" in rendered.text + rendered.subject
    assert not STRAIGHT_IN_A_WORD.search(rendered.text + rendered.subject), rendered.text
    assert "&#x27;" not in rendered.html and "'" not in rendered.html


def test_an_english_letter_keeps_the_apostrophes_as_typed() -> None:
    data = dataset("en")
    item = item_of(data)
    people = tuple(p._replace(topics=("the team's roadmap",)) for p in item.interview.interviewers)
    interview = item.interview._replace(interviewers=people)
    item = item._replace(interview=interview, interviewer=people[0])
    assert "the team's roadmap" in render_follow_up(item, data._replace(interviews=(interview,))).text


@pytest.mark.parametrize(
    ("typed", "curled"),
    [("l'équipe d'Atelier", "l’équipe d’Atelier"),
     ("écrire à o'brien@atelier.example", "écrire à o'brien@atelier.example"),
     ("voir https://atelier.example/l'offre", "voir https://atelier.example/l'offre"),
     ("'citation'", "'citation'"), ("les années '90", "les années '90"), ("aujourd'hui", "aujourd’hui")],
)  # fmt: skip
def test_only_an_apostrophe_between_letters_outside_an_address_is_curled(typed: str, curled: str) -> None:
    assert curly(typed) == curled


@given(st.text())
def test_curling_changes_only_straight_apostrophes_and_leaves_none_inside_a_word(text: str) -> None:
    curled = curly(text)
    assert len(curled) == len(text)
    assert all(a == b or (a, b) == ("'", "’") for a, b in zip(text, curled, strict=True))
    words = [w for w in curled.split(" ") if "@" not in w and "://" not in w]
    assert not any(STRAIGHT_IN_A_WORD.search(w) for w in words)
