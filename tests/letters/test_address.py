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

# (what the name says: its title's rank and gender, or how many words without one; the name; its greeting
# in each variant: English, then French of France and of Canada, then Spanish of Mexico and of Spain)
# A name of three words or more is also warned by `check` (see the next tests), whatever it is greeted.
# fmt: off
ADDRESSED = [
    ("untitled, one word", "Nadia", {"en": "Dear Nadia,",
        "fr-FR": "Bonjour Nadia,", "fr-CA": "Bonjour Nadia,",
        "es-MX": "Buen día, Nadia:", "es-ES": "Buenos días, Nadia:"}),
    ("untitled, two words", "Nadia Brooks", {"en": "Dear Nadia,",
        "fr-FR": "Bonjour Nadia Brooks,", "fr-CA": "Bonjour Nadia,",
        "es-MX": "Buen día, Nadia Brooks:", "es-ES": "Buenos días, Nadia Brooks:"}),
    ("untitled, three words", "Mary Ann Smith", {"en": "Dear Mary Ann Smith,",
        "fr-FR": "Bonjour Mary Ann Smith,", "fr-CA": "Bonjour Mary Ann Smith,",
        "es-MX": "Buen día, Mary Ann Smith:", "es-ES": "Buenos días, Mary Ann Smith:"}),
    ("untitled, five words", "Ana María Fernández de la Cruz", {"en": "Dear Ana,",
        "fr-FR": "Bonjour Ana,", "fr-CA": "Bonjour Ana,",
        "es-MX": "Buen día, Ana:", "es-ES": "Buenos días, Ana:"}),
    ("civil, m", "M. Paul Girard", {"en": "Dear Mr. Girard,",
        "fr-FR": "Bonjour Monsieur Girard,", "fr-CA": "Bonjour Monsieur Girard,",
        "es-MX": "Estimado Sr. Girard:", "es-ES": "Estimado Sr. Girard:"}),
    ("civil, m", "Mr. Tom Okoye", {"en": "Dear Mr. Okoye,",
        "fr-FR": "Bonjour Monsieur Okoye,", "fr-CA": "Bonjour Monsieur Okoye,",
        "es-MX": "Estimado Sr. Okoye:", "es-ES": "Estimado Sr. Okoye:"}),
    ("civil, m", "Sr. Luis Ortega", {"en": "Dear Mr. Ortega,",
        "fr-FR": "Bonjour Monsieur Ortega,", "fr-CA": "Bonjour Monsieur Ortega,",
        "es-MX": "Estimado Sr. Ortega:", "es-ES": "Estimado Sr. Ortega:"}),
    ("civil, f", "Mme Sylvie Bédard", {"en": "Dear Ms. Bédard,",
        "fr-FR": "Bonjour Madame Bédard,", "fr-CA": "Bonjour Madame Bédard,",
        "es-MX": "Estimada Sra. Bédard:", "es-ES": "Estimada Sra. Bédard:"}),
    ("civil, f", "Ms. Nadia Brooks", {"en": "Dear Ms. Brooks,",
        "fr-FR": "Bonjour Madame Brooks,", "fr-CA": "Bonjour Madame Brooks,",
        "es-MX": "Estimada Sra. Brooks:", "es-ES": "Estimada Sra. Brooks:"}),
    ("civil, f", "Sra. Ana Ruiz", {"en": "Dear Ms. Ruiz,",
        "fr-FR": "Bonjour Madame Ruiz,", "fr-CA": "Bonjour Madame Ruiz,",
        "es-MX": "Estimada Sra. Ruiz:", "es-ES": "Estimada Sra. Ruiz:"}),
    ("civil, f", "Mlle Claire Roy", {"en": "Dear Ms. Roy,",
        "fr-FR": "Bonjour Madame Roy,", "fr-CA": "Bonjour Madame Roy,",
        "es-MX": "Estimada Sra. Roy:", "es-ES": "Estimada Sra. Roy:"}),
    ("civil, unknown", "Mx. Sam Lee", {"en": "Dear Mx. Lee,",
        "fr-FR": "Bonjour Sam Lee,", "fr-CA": "Bonjour Sam,",
        "es-MX": "Buen día, Sam Lee:", "es-ES": "Buenos días, Sam Lee:"}),
    ("doctor, unknown", "Dr. Helen Park", {"en": "Dear Dr. Park,",
        "fr-FR": "Bonjour Helen Park,", "fr-CA": "Bonjour Helen,",
        "es-MX": "Buen día, Dr. Park:", "es-ES": "Buenos días, Dr. Park:"}),
    ("doctor, f", "Dra. Ana Fernández", {"en": "Dear Dr. Fernández,",
        "fr-FR": "Bonjour Madame Fernández,", "fr-CA": "Bonjour Docteure Fernández,",
        "es-MX": "Estimada Dra. Fernández:", "es-ES": "Estimada Dra. Fernández:"}),
    ("doctor, f", "Dre Julie Tremblay", {"en": "Dear Dr. Tremblay,",
        "fr-FR": "Bonjour Madame Tremblay,", "fr-CA": "Bonjour Docteure Tremblay,",
        "es-MX": "Estimada Dra. Tremblay:", "es-ES": "Estimada Dra. Tremblay:"}),
    ("professor, unknown", "Prof. Ada Lovelace", {"en": "Dear Professor Lovelace,",
        "fr-FR": "Bonjour Ada Lovelace,", "fr-CA": "Bonjour Ada,",
        "es-MX": "Buen día, Prof. Lovelace:", "es-ES": "Buenos días, Prof. Lovelace:"}),
    ("counsel, unknown", "Me Paul Dupont", {"en": "Dear Paul,",
        "fr-FR": "Bonjour Maître Dupont,", "fr-CA": "Bonjour Maître Dupont,",
        "es-MX": "Buen día, Paul Dupont:", "es-ES": "Buenos días, Paul Dupont:"}),
    ("licensed, unknown", "Lic. Ana Fernández", {"en": "Dear Ana,",
        "fr-FR": "Bonjour Ana Fernández,", "fr-CA": "Bonjour Ana,",
        "es-MX": "Buen día, Lic. Fernández:", "es-ES": "Buenos días, Ana Fernández:"}),
    ("licensed, f", "Licda. Ana Fernández", {"en": "Dear Ms. Fernández,",
        "fr-FR": "Bonjour Madame Fernández,", "fr-CA": "Bonjour Madame Fernández,",
        "es-MX": "Estimada Lic. Fernández:", "es-ES": "Estimada Sra. Fernández:"}),
    ("licensed, m", "Lcdo. Luis Ortega", {"en": "Dear Mr. Ortega,",
        "fr-FR": "Bonjour Monsieur Ortega,", "fr-CA": "Bonjour Monsieur Ortega,",
        "es-MX": "Estimado Lic. Ortega:", "es-ES": "Estimado Sr. Ortega:"}),
    ("engineer, unknown", "Ing. Luis Ortega", {"en": "Dear Luis,",
        "fr-FR": "Bonjour Luis Ortega,", "fr-CA": "Bonjour Luis,",
        "es-MX": "Buen día, Ing. Ortega:", "es-ES": "Buenos días, Luis Ortega:"}),
    ("master, f", "Mtra. Ana Ruiz", {"en": "Dear Ms. Ruiz,",
        "fr-FR": "Bonjour Madame Ruiz,", "fr-CA": "Bonjour Madame Ruiz,",
        "es-MX": "Estimada Mtra. Ruiz:", "es-ES": "Estimada Sra. Ruiz:"}),
    ("master, m", "Mtro. Luis Ortega", {"en": "Dear Mr. Ortega,",
        "fr-FR": "Bonjour Monsieur Ortega,", "fr-CA": "Bonjour Monsieur Ortega,",
        "es-MX": "Estimado Mtro. Ortega:", "es-ES": "Estimado Sr. Ortega:"}),
    ("architect, unknown", "Arq. Luis Ortega", {"en": "Dear Luis,",
        "fr-FR": "Bonjour Luis Ortega,", "fr-CA": "Bonjour Luis,",
        "es-MX": "Buen día, Arq. Ortega:", "es-ES": "Buenos días, Luis Ortega:"}),
    ("titled, three words", "Dr. Mary Ann Smith", {"en": "Dear Dr. Mary Ann Smith,",
        "fr-FR": "Bonjour Mary Ann Smith,", "fr-CA": "Bonjour Mary Ann Smith,",
        "es-MX": "Buen día, Dr. Mary Ann Smith:", "es-ES": "Buenos días, Dr. Mary Ann Smith:"}),
]
# fmt: on


def by_variant(
    rows: list[tuple[str, str, dict[str, str]]],
) -> dict[str, list[tuple[str, str, str]]]:
    """The table turned round: each variant's (case, name, greeting), in the table's order."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for case, name, said in rows:
        for language, greeted in said.items():
            found.setdefault(language, []).append((case, name, greeted))
    return found


GREETINGS = by_variant(ADDRESSED)  # a variant missing from a row lacks that case: the next tests say so


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
