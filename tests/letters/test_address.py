"""The form of address: a title and the family name, the given name, or the user's own greeting."""

from __future__ import annotations

import pytest

from batch.data.checks import SHIPPED_LANGUAGES
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
        # France and Spanish greet the whole name, which still may not be how the person is called
        ("Sylvie Anne Bédard", "fr-FR", 'greeting: "Bonjour Madame Bédard," or "Bonjour Monsieur Bédard,"'),
        (
            "María José Fernández López",
            "es-ES",
            'greeting: "Estimada Sra. Fernández:" or "Estimado Sr. Fernández:"',
        ),
        ("Ana María Fernández de la Cruz", "es-MX", 'greeting: "Estimada Sra. Fernández:"'),  # greeted "Ana"
        ("Jan van der Berg", "fr-FR", 'greeting: "Bonjour Madame van der Berg,"'),
    ],
)
def test_a_greeting_that_cannot_be_known_is_said_with_a_suggestion(
    name: str, language: str, suggested: str
) -> None:
    hint = greeting_hint(Interviewer(name=name), language)
    assert hint is not None and suggested in hint and name in hint


@pytest.mark.parametrize(
    ("name", "language"),
    [("Helen Park", "en"), ("Dr. Helen Park", "en"), ("Sylvie Bédard", "fr-FR"), ("Dra. Ana Ruiz", "es-ES")],
)
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


# --- every greeting the code builds, per variant: the one place to apply a native reader's corrections ---

# (what the name says: its title's rank and gender, or how many words without one; the name; the greeting)
# A name of three words or more is also warned by `check` (see the next tests), whatever it is greeted.
# fmt: off
GREETINGS = {
    "en": [
        ("untitled, one word", "Nadia", "Dear Nadia,"),
        ("untitled, two words", "Nadia Brooks", "Dear Nadia,"),
        ("untitled, three words", "Mary Ann Smith", "Dear Mary Ann Smith,"),
        ("untitled, five words", "Ana María Fernández de la Cruz", "Dear Ana,"),
        ("civil, m", "M. Paul Girard", "Dear Mr. Girard,"),
        ("civil, m", "Mr. Tom Okoye", "Dear Mr. Okoye,"),
        ("civil, m", "Sr. Luis Ortega", "Dear Mr. Ortega,"),
        ("civil, f", "Mme Sylvie Bédard", "Dear Ms. Bédard,"),
        ("civil, f", "Ms. Nadia Brooks", "Dear Ms. Brooks,"),
        ("civil, f", "Sra. Ana Ruiz", "Dear Ms. Ruiz,"),
        ("civil, f", "Mlle Claire Roy", "Dear Ms. Roy,"),
        ("civil, unknown", "Mx. Sam Lee", "Dear Mx. Lee,"),
        ("doctor, unknown", "Dr. Helen Park", "Dear Dr. Park,"),
        ("doctor, f", "Dra. Ana Fernández", "Dear Dr. Fernández,"),
        ("doctor, f", "Dre Julie Tremblay", "Dear Dr. Tremblay,"),
        ("professor, unknown", "Prof. Ada Lovelace", "Dear Professor Lovelace,"),
        ("counsel, unknown", "Me Paul Dupont", "Dear Paul,"),
        ("licensed, unknown", "Lic. Ana Fernández", "Dear Ana,"),
        ("licensed, f", "Licda. Ana Fernández", "Dear Ms. Fernández,"),
        ("licensed, m", "Lcdo. Luis Ortega", "Dear Mr. Ortega,"),
        ("engineer, unknown", "Ing. Luis Ortega", "Dear Luis,"),
        ("master, f", "Mtra. Ana Ruiz", "Dear Ms. Ruiz,"),
        ("master, m", "Mtro. Luis Ortega", "Dear Mr. Ortega,"),
        ("architect, unknown", "Arq. Luis Ortega", "Dear Luis,"),
        ("titled, three words", "Dr. Mary Ann Smith", "Dear Dr. Mary Ann Smith,"),
    ],
    "fr-FR": [
        ("untitled, one word", "Nadia", "Bonjour Nadia,"),
        ("untitled, two words", "Nadia Brooks", "Bonjour Nadia Brooks,"),
        ("untitled, three words", "Mary Ann Smith", "Bonjour Mary Ann Smith,"),
        ("untitled, five words", "Ana María Fernández de la Cruz", "Bonjour Ana,"),
        ("civil, m", "M. Paul Girard", "Bonjour Monsieur Girard,"),
        ("civil, m", "Mr. Tom Okoye", "Bonjour Monsieur Okoye,"),
        ("civil, m", "Sr. Luis Ortega", "Bonjour Monsieur Ortega,"),
        ("civil, f", "Mme Sylvie Bédard", "Bonjour Madame Bédard,"),
        ("civil, f", "Ms. Nadia Brooks", "Bonjour Madame Brooks,"),
        ("civil, f", "Sra. Ana Ruiz", "Bonjour Madame Ruiz,"),
        ("civil, f", "Mlle Claire Roy", "Bonjour Madame Roy,"),
        ("civil, unknown", "Mx. Sam Lee", "Bonjour Sam Lee,"),
        ("doctor, unknown", "Dr. Helen Park", "Bonjour Helen Park,"),
        ("doctor, f", "Dra. Ana Fernández", "Bonjour Madame Fernández,"),
        ("doctor, f", "Dre Julie Tremblay", "Bonjour Madame Tremblay,"),
        ("professor, unknown", "Prof. Ada Lovelace", "Bonjour Ada Lovelace,"),
        ("counsel, unknown", "Me Paul Dupont", "Bonjour Maître Dupont,"),
        ("licensed, unknown", "Lic. Ana Fernández", "Bonjour Ana Fernández,"),
        ("licensed, f", "Licda. Ana Fernández", "Bonjour Madame Fernández,"),
        ("licensed, m", "Lcdo. Luis Ortega", "Bonjour Monsieur Ortega,"),
        ("engineer, unknown", "Ing. Luis Ortega", "Bonjour Luis Ortega,"),
        ("master, f", "Mtra. Ana Ruiz", "Bonjour Madame Ruiz,"),
        ("master, m", "Mtro. Luis Ortega", "Bonjour Monsieur Ortega,"),
        ("architect, unknown", "Arq. Luis Ortega", "Bonjour Luis Ortega,"),
        ("titled, three words", "Dr. Mary Ann Smith", "Bonjour Mary Ann Smith,"),
    ],
    "fr-CA": [
        ("untitled, one word", "Nadia", "Bonjour Nadia,"),
        ("untitled, two words", "Nadia Brooks", "Bonjour Nadia,"),
        ("untitled, three words", "Mary Ann Smith", "Bonjour Mary Ann Smith,"),
        ("untitled, five words", "Ana María Fernández de la Cruz", "Bonjour Ana,"),
        ("civil, m", "M. Paul Girard", "Bonjour Monsieur Girard,"),
        ("civil, m", "Mr. Tom Okoye", "Bonjour Monsieur Okoye,"),
        ("civil, m", "Sr. Luis Ortega", "Bonjour Monsieur Ortega,"),
        ("civil, f", "Mme Sylvie Bédard", "Bonjour Madame Bédard,"),
        ("civil, f", "Ms. Nadia Brooks", "Bonjour Madame Brooks,"),
        ("civil, f", "Sra. Ana Ruiz", "Bonjour Madame Ruiz,"),
        ("civil, f", "Mlle Claire Roy", "Bonjour Madame Roy,"),
        ("civil, unknown", "Mx. Sam Lee", "Bonjour Sam,"),
        ("doctor, unknown", "Dr. Helen Park", "Bonjour Helen,"),
        ("doctor, f", "Dra. Ana Fernández", "Bonjour Docteure Fernández,"),
        ("doctor, f", "Dre Julie Tremblay", "Bonjour Docteure Tremblay,"),
        ("professor, unknown", "Prof. Ada Lovelace", "Bonjour Ada,"),
        ("counsel, unknown", "Me Paul Dupont", "Bonjour Maître Dupont,"),
        ("licensed, unknown", "Lic. Ana Fernández", "Bonjour Ana,"),
        ("licensed, f", "Licda. Ana Fernández", "Bonjour Madame Fernández,"),
        ("licensed, m", "Lcdo. Luis Ortega", "Bonjour Monsieur Ortega,"),
        ("engineer, unknown", "Ing. Luis Ortega", "Bonjour Luis,"),
        ("master, f", "Mtra. Ana Ruiz", "Bonjour Madame Ruiz,"),
        ("master, m", "Mtro. Luis Ortega", "Bonjour Monsieur Ortega,"),
        ("architect, unknown", "Arq. Luis Ortega", "Bonjour Luis,"),
        ("titled, three words", "Dr. Mary Ann Smith", "Bonjour Mary Ann Smith,"),
    ],
    "es-MX": [
        ("untitled, one word", "Nadia", "Buen día, Nadia:"),
        ("untitled, two words", "Nadia Brooks", "Buen día, Nadia Brooks:"),
        ("untitled, three words", "Mary Ann Smith", "Buen día, Mary Ann Smith:"),
        ("untitled, five words", "Ana María Fernández de la Cruz", "Buen día, Ana:"),
        ("civil, m", "M. Paul Girard", "Estimado Sr. Girard:"),
        ("civil, m", "Mr. Tom Okoye", "Estimado Sr. Okoye:"),
        ("civil, m", "Sr. Luis Ortega", "Estimado Sr. Ortega:"),
        ("civil, f", "Mme Sylvie Bédard", "Estimada Sra. Bédard:"),
        ("civil, f", "Ms. Nadia Brooks", "Estimada Sra. Brooks:"),
        ("civil, f", "Sra. Ana Ruiz", "Estimada Sra. Ruiz:"),
        ("civil, f", "Mlle Claire Roy", "Estimada Sra. Roy:"),
        ("civil, unknown", "Mx. Sam Lee", "Buen día, Sam Lee:"),
        ("doctor, unknown", "Dr. Helen Park", "Buen día, Dr. Park:"),
        ("doctor, f", "Dra. Ana Fernández", "Estimada Dra. Fernández:"),
        ("doctor, f", "Dre Julie Tremblay", "Estimada Dra. Tremblay:"),
        ("professor, unknown", "Prof. Ada Lovelace", "Buen día, Prof. Lovelace:"),
        ("counsel, unknown", "Me Paul Dupont", "Buen día, Paul Dupont:"),
        ("licensed, unknown", "Lic. Ana Fernández", "Buen día, Lic. Fernández:"),
        ("licensed, f", "Licda. Ana Fernández", "Estimada Lic. Fernández:"),
        ("licensed, m", "Lcdo. Luis Ortega", "Estimado Lic. Ortega:"),
        ("engineer, unknown", "Ing. Luis Ortega", "Buen día, Ing. Ortega:"),
        ("master, f", "Mtra. Ana Ruiz", "Estimada Mtra. Ruiz:"),
        ("master, m", "Mtro. Luis Ortega", "Estimado Mtro. Ortega:"),
        ("architect, unknown", "Arq. Luis Ortega", "Buen día, Arq. Ortega:"),
        ("titled, three words", "Dr. Mary Ann Smith", "Buen día, Dr. Mary Ann Smith:"),
    ],
    "es-ES": [
        ("untitled, one word", "Nadia", "Buenos días, Nadia:"),
        ("untitled, two words", "Nadia Brooks", "Buenos días, Nadia Brooks:"),
        ("untitled, three words", "Mary Ann Smith", "Buenos días, Mary Ann Smith:"),
        ("untitled, five words", "Ana María Fernández de la Cruz", "Buenos días, Ana:"),
        ("civil, m", "M. Paul Girard", "Estimado Sr. Girard:"),
        ("civil, m", "Mr. Tom Okoye", "Estimado Sr. Okoye:"),
        ("civil, m", "Sr. Luis Ortega", "Estimado Sr. Ortega:"),
        ("civil, f", "Mme Sylvie Bédard", "Estimada Sra. Bédard:"),
        ("civil, f", "Ms. Nadia Brooks", "Estimada Sra. Brooks:"),
        ("civil, f", "Sra. Ana Ruiz", "Estimada Sra. Ruiz:"),
        ("civil, f", "Mlle Claire Roy", "Estimada Sra. Roy:"),
        ("civil, unknown", "Mx. Sam Lee", "Buenos días, Sam Lee:"),
        ("doctor, unknown", "Dr. Helen Park", "Buenos días, Dr. Park:"),
        ("doctor, f", "Dra. Ana Fernández", "Estimada Dra. Fernández:"),
        ("doctor, f", "Dre Julie Tremblay", "Estimada Dra. Tremblay:"),
        ("professor, unknown", "Prof. Ada Lovelace", "Buenos días, Prof. Lovelace:"),
        ("counsel, unknown", "Me Paul Dupont", "Buenos días, Paul Dupont:"),
        ("licensed, unknown", "Lic. Ana Fernández", "Buenos días, Ana Fernández:"),
        ("licensed, f", "Licda. Ana Fernández", "Estimada Sra. Fernández:"),
        ("licensed, m", "Lcdo. Luis Ortega", "Estimado Sr. Ortega:"),
        ("engineer, unknown", "Ing. Luis Ortega", "Buenos días, Luis Ortega:"),
        ("master, f", "Mtra. Ana Ruiz", "Estimada Sra. Ruiz:"),
        ("master, m", "Mtro. Luis Ortega", "Estimado Sr. Ortega:"),
        ("architect, unknown", "Arq. Luis Ortega", "Buenos días, Luis Ortega:"),
        ("titled, three words", "Dr. Mary Ann Smith", "Buenos días, Dr. Mary Ann Smith:"),
    ],
}
# fmt: on


@pytest.mark.parametrize(
    ("language", "case", "name", "said"),
    [(language, case, name, said) for language, rows in GREETINGS.items() for case, name, said in rows],
)
def test_every_greeting_form_of_every_variant(language: str, case: str, name: str, said: str) -> None:
    assert greeting(Interviewer(name=name), language) == said


def test_the_greeting_table_has_every_variant_and_the_same_cases_in_each() -> None:
    assert sorted(GREETINGS) == sorted(SHIPPED_LANGUAGES)
    cases = {language: [(case, name) for case, name, _ in rows] for language, rows in GREETINGS.items()}
    assert all(rows == cases["en"] for rows in cases.values())
    kinds = {case for case, _ in cases["en"]}
    for needed in ("untitled, two words", "untitled, three words", "civil, m", "civil, f", "civil, unknown",
                   "doctor, unknown", "doctor, f"):  # fmt: skip
        assert needed in kinds


@pytest.mark.parametrize("language", sorted(GREETINGS))
def test_a_greeting_of_ones_own_is_said_exactly_in_every_variant(language: str) -> None:
    person = Interviewer(name="Ana María Fernández de la Cruz", greeting="Querida Ana María:")
    assert greeting(person, language) == "Querida Ana María:"
    assert greeting_hint(person, language) is None
