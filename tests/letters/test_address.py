"""The form of address: a title and the family name, the given name, or the user's own greeting."""

from __future__ import annotations

import pytest

from batch.letters.address import TITLES, greeting, greeting_hint
from batch.model.interview import Interviewer


@pytest.mark.parametrize(
    ("name", "language", "said"),
    [
        ("Dr. Helen Park", "en", "Dear Dr. Park,"),
        ("Helen Park", "en", "Dear Helen,"),
        ("Prof. Ada Lovelace", "en", "Dear Professor Lovelace,"),
        ("Ms Jane Doe", "en", "Dear Ms. Doe,"),
        ("Mme Sylvie Bédard", "fr-FR", "Bonjour Madame Bédard,"),
        ("M. Paul Girard", "fr-CA", "Bonjour Monsieur Girard,"),
        ("Mlle Claire Roy", "fr-FR", "Bonjour Madame Roy,"),
        ("Sylvie Bédard", "fr-FR", "Bonjour Sylvie Bédard,"),  # France: the whole name, not the given one
        ("Sylvie Bédard", "fr-CA", "Bonjour Sylvie,"),
        ("Dra. Ana Fernández", "es-MX", "Estimada Dra. Fernández:"),
        ("Sr. Luis Ortega", "es-ES", "Estimado Sr. Ortega:"),
        ("Lic. Ana Fernández", "es-MX", "Buen día, Lic. Fernández:"),  # Lic. says no gender to agree with
        ("Ana Fernández", "es-ES", "Buenos días, Ana Fernández:"),
        ("Dr. Helen Park", "fr-FR", "Bonjour Helen Park,"),  # never "Docteur" to someone who may be a woman
        ("Dr. Helen Park", "fr-CA", "Bonjour Helen,"),
        ("Prof. Anne Roy", "fr-FR", "Bonjour Anne Roy,"),  # "Professeur Roy" is a calque
        ("Dre Julie Tremblay", "fr-FR", "Bonjour Madame Tremblay,"),  # France: a doctor is Madame
        ("Lcdo. Luis Ramírez", "es-ES", "Estimado Sr. Ramírez:"),  # Spain writes no Lic.: the civil title
        ("Licda. Ana Gil", "es-ES", "Estimada Sra. Gil:"),
        ("Mx Sam Lee", "en", "Dear Mx. Lee,"),
        ("Dr. Park", "fr-CA", "Bonjour,"),  # never a surname alone (check asks for greeting:)
        ("Ing. Pérez", "es-ES", "Buenos días:"),
        ("Lic. Ramírez", "es-MX", "Buen día, Lic. Ramírez:"),
        ("Mary Ann Smith", "en", "Dear Mary Ann Smith,"),
        ("Lic. Ana Fernández", "es-ES", "Buenos días, Ana Fernández:"),  # Spain writes no Lic.
        ("Licda. Ana Fernández", "es-MX", "Estimada Lic. Fernández:"),
        ("Dre Julie Tremblay", "fr-CA", "Bonjour Docteure Tremblay,"),
        ("Me Paul Dupont", "fr-FR", "Bonjour Maître Dupont,"),  # not known: the whole name, and check says so
    ],
)
def test_a_name_is_greeted_as_a_person_would(name: str, language: str, said: str) -> None:
    assert greeting(Interviewer(name=name), language) == said


@pytest.mark.parametrize("language", ["en", "fr-FR", "fr-CA", "es-MX", "es-ES"])
@pytest.mark.parametrize(
    "name", ["Dr. Park", "Mme Bédard", "Dra. Fernández", "Dr. Helen Park", "Sra. Ana Ruiz"]
)
def test_a_title_is_never_said_alone(name: str, language: str) -> None:
    said = greeting(Interviewer(name=name), language)
    last = said.rstrip(",:").split()[-1]
    assert last in name.split()[1:] or said in ("Bonjour,", "Buen día:", "Buenos días:", "Hello,")
    assert last.rstrip(".").casefold() not in TITLES
    assert "Hola" not in said


def test_greeting_says_it_exactly() -> None:
    person = Interviewer(name="María José Fernández", greeting="Estimada María José:")
    assert greeting(person, "es-MX") == "Estimada María José:"
    assert greeting_hint(person, "es-MX") is None


@pytest.mark.parametrize(
    ("name", "language", "suggested"),
    [
        ("Mary Ann Smith", "en", 'greeting: "Dear Mary Ann,"'),
        ("Dra. María José Fernández", "es-MX", 'greeting: "Estimada Dra. Fernández:"'),
        ("Dr. Mary Ann Smith", "en", 'greeting: "Dear Dr. Smith,"'),
    ],
)
def test_a_greeting_that_cannot_be_known_is_said_with_a_suggestion(
    name: str, language: str, suggested: str
) -> None:
    hint = greeting_hint(Interviewer(name=name), language)
    assert hint is not None and suggested in hint and name in hint


@pytest.mark.parametrize(("name", "language"), [("Helen Park", "en"), ("Dr. Helen Park", "en"),
                                                ("Sylvie Anne Bédard", "fr-FR")])  # fmt: skip
def test_a_greeting_that_is_known_needs_no_word(name: str, language: str) -> None:
    assert greeting_hint(Interviewer(name=name), language) is None


@pytest.mark.parametrize(
    ("name", "language"),
    [("Dr. Park", "fr-FR"), ("Pr Roy", "fr-CA"), ("Ing. Pérez", "es-ES"), ("Ing. Park", "en")],
)
def test_a_title_the_language_cannot_say_before_a_lone_surname_is_asked_about(
    name: str, language: str
) -> None:
    person = Interviewer(name=name)
    said = greeting(person, language)
    assert name.split()[-1] not in said  # no "Bonjour Park,": a surname alone is rude
    hint = greeting_hint(person, language)
    assert hint is not None and "greeting:" in hint and name.split()[-1] in hint
