"""A letter reads once: a subject that stays true, nothing said twice, one language throughout."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from batch.letters.compose import review
from batch.letters.lint import advice, lint
from batch.letters.reading import language_hint, relative_day_word, repeats
from batch.letters.render import STOCK, Rendered
from batch.model.policy import Policy
from tests.letters.test_letters import dataset, item_of

BODY = "Dear Ann,\n\nThank you for our talk about the role. {more}\n\nBest regards,\nSam\n"
STOCK_FILE = str(STOCK / "en" / "thank-you.md")


def stock(text: str, subject: str = "Thank you for the Analyst interview", language: str = "en") -> Rendered:
    return Rendered(STOCK_FILE, subject, text, "<p>x</p>\n", language=language)


@pytest.mark.parametrize(
    ("more", "said"),
    [
        ("Thank you again for your time, and again for the tour.", "again"),
        ("What you said stayed with me. The tour stayed with me too.", "stayed with me"),
        (
            "Merci encore pour la visite ; merci encore de votre accueil.",
            None,
        ),  # English letter: no French echo
    ],
)
def test_the_lint_refuses_a_stock_letter_that_says_a_thing_twice(more: str, said: str | None) -> None:
    found = lint(stock(BODY.format(more=more)), "email", Policy())
    assert (f"it says {said!r} twice: a letter reads once" in found) == (said is not None), found


def test_a_french_echo_is_found_in_a_french_letter() -> None:
    text = "Bonjour,\n\nMerci encore pour l’entretien. Merci encore de votre accueil.\n\nCordialement\n"
    assert repeats(stock(text, language="fr-FR")) == "encore"


def test_a_users_own_template_that_says_a_thing_twice_is_a_warning_not_a_refusal() -> None:
    data = dataset()
    item = item_of(data)
    own = Rendered("/elsewhere/mine.md", "Thanks", BODY.format(more="Thanks again, and again."), "<p/>")
    assert not any("twice" in problem for problem in lint(own, "email", data.policy))
    assert "your template says 'again' twice: a letter reads once" in advice(item, own)


@pytest.mark.parametrize(
    ("subject", "said"),
    [
        ("Thank you for today's conversation", "today"),
        ("Merci pour notre entrevue d’aujourd’hui", "aujourd’hui"),
        ("Gracias por la entrevista de hoy", "hoy"),
        ("Re: Following up on yesterday", "yesterday"),
        ("Thank you for the Data Analyst interview", None),
    ],
)
def test_no_subject_says_a_relative_day(subject: str, said: str | None) -> None:
    assert relative_day_word(subject) == said
    found = lint(stock(BODY.format(more=""), subject=subject), "email", Policy())
    assert any("the subject says" in problem for problem in found) == (said is not None)


@pytest.mark.parametrize(
    ("value", "language", "other"),
    [
        ("the nightly load", "fr-FR", "English"),
        ("le sondage auprès des lecteurs", "en", "French"),
        ("la encuesta a los lectores", "fr-CA", "Spanish"),
        ("the reader survey", "es-MX", "English"),
        ("le sondage auprès des lecteurs", "fr-CA", None),
        ("Lakeside Books", "fr-FR", None),  # a name is no language
        ("our office in Los Angeles", "en", None),  # a capital starts a name
        ("Kubernetes", "es-ES", None),
    ],
)
def test_a_value_in_another_language_than_its_letter_is_found(
    value: str, language: str, other: str | None
) -> None:
    hint = language_hint(value, language)
    assert (hint is not None and other in hint) if other else hint is None


def test_check_warns_of_a_topic_in_another_language_at_its_place() -> None:
    data = dataset("fr-FR", me_language="fr-FR")
    person = data.interviews[0].interviewers[0]._replace(topics=("the nightly load",))
    interview = data.interviews[0]._replace(interviewers=(person,))
    data = data._replace(interviews=(interview,))
    from batch.etiquette.schedule import plan

    found = review(data, plan(data, datetime.fromisoformat("2026-05-12T09:00-04:00")))
    assert found.problems == []
    said = [str(w) for w in found.warnings]
    assert any(
        "topics: 'the nightly load' reads as English, and the letter is in French" in w for w in said
    ), said
    assert all(":" in w.split(" ")[0] for w in said)  # each at its place, path:line:col


def test_check_warns_of_a_greeting_it_cannot_know_with_a_suggestion() -> None:
    data = dataset()
    person = data.interviews[0].interviewers[0]._replace(name="Mary Ann Smith")
    data = data._replace(interviews=(data.interviews[0]._replace(interviewers=(person,)),))
    from batch.etiquette.schedule import plan

    found = review(data, plan(data, datetime.fromisoformat("2026-05-12T09:00-04:00")))
    said = [str(w) for w in found.warnings]
    assert sum('greeting: "Dear Mary Ann,"' in w for w in said) == 1, said


def test_hola_beside_usted_is_refused_in_a_stock_letter_and_a_warning_in_yours() -> None:
    text = "Hola, Ana:\n\nMuchas gracias por su tiempo. Le agradezco la entrevista.\n\nSaludos,\nSam\n"
    said = "it greets with 'Hola' and then says usted: write {{ greeting }} (Estimada …:) or keep to tú"
    assert said in lint(stock(text, language="es-MX"), "email", Policy())
    own = Rendered("/elsewhere/mine.md", "Gracias", text, "<p/>", language="es-ES")
    assert said in advice(item_of(dataset()), own)
    formal = dataclasses.replace(own, text=text.replace("Hola", "Estimada"))
    assert said not in advice(item_of(dataset()), formal)
