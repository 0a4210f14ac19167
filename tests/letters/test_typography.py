"""Elision, contraction and punctuation as rules of the language, applied to the values put in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from batch.letters import render
from batch.letters.compose import compose
from batch.letters.phrasing import day_words, decision_words
from batch.letters.render import context_for, load_template, stock_path
from batch.letters.typography import NBSP, NNBSP, filters, mark, resolve, typeset
from tests.letters.test_letters import dataset, item_of, variant_contexts


@pytest.mark.parametrize(
    ("word", "value", "language", "said"),
    [
        ("de", "Ingénieur de données", "fr-FR", "d’Ingénieur de données"),
        ("de", "Atelier Lumière", "fr-CA", "d’Atelier Lumière"),
        ("de", "Data Analyst", "fr-FR", "de Data Analyst"),
        ("de", "le Louvre", "fr-FR", "du Louvre"),
        ("de", "les Halles", "fr-FR", "des Halles"),
        ("de", "Yves Rocher", "fr-FR", "d’Yves Rocher"),
        ("de", "Yahoo", "fr-FR", "de Yahoo"),
        ("le", "équipe", "fr-FR", "l’équipe"),
        ("le", "poste", "fr-FR", "le poste"),
        ("del", "el proyecto", "es-MX", "del proyecto"),
        ("de", "el tablero", "es-ES", "del tablero"),
        ("de", "El Salvador", "es-MX", "de El Salvador"),  # a proper name keeps its article
        ("al", "el equipo", "es-ES", "al equipo"),
        ("de", "Atelier", "es-MX", "de Atelier"),  # Spanish never elides
    ],
)
def test_a_joining_word_follows_the_rule_of_the_language(
    word: str, value: str, language: str, said: str
) -> None:
    assert resolve(f"x {mark(word)}{value} y", language) == f"x {said} y"


def test_france_puts_a_narrow_space_before_high_punctuation_and_a_space_before_a_colon() -> None:
    said = typeset("Des nouvelles? Oui ; non : à 10:30, https://a.ex/?q « x »", "fr-FR")
    assert said == f"Des nouvelles{NNBSP}? Oui{NNBSP}; non{NBSP}: à 10:30, https://a.ex/?q «{NNBSP}x{NNBSP}»"


def test_quebec_puts_no_space_before_high_punctuation_and_a_space_before_a_colon() -> None:
    assert typeset("Des nouvelles ? Oui ; non : là", "fr-CA") == f"Des nouvelles? Oui; non{NBSP}: là"


def test_english_and_spanish_punctuation_is_left_as_written() -> None:
    assert typeset("Any news? Yes: now", "en") == "Any news? Yes: now"
    assert typeset("¿Hay novedades? Sí: ahora", "es-MX") == "¿Hay novedades? Sí: ahora"


def test_html_entities_and_tags_keep_their_own_punctuation() -> None:
    assert typeset('<p class="a">A &amp; B : c ?</p>', "fr-FR", html=True) == (
        f'<p class="a">A &amp; B{NBSP}: c{NNBSP}?</p>'
    )


@pytest.mark.parametrize(
    ("language", "said"), [("fr-FR", "1er décembre"), ("fr-CA", "1er décembre"), ("es-MX", "1 de diciembre"),
                           ("en", "December 1")]
)  # fmt: skip
def test_the_first_of_a_month_is_said_as_the_language_says_it(language: str, said: str) -> None:
    assert decision_words(language, date(2026, 12, 1), date(2026, 11, 20)) == said
    assert day_words(language, date(2026, 12, 1), date(2026, 12, 20)).date == said


# --- a job title said mid-sentence -----------------------------------------------------------------

FILTER: dict[str, Callable[[str], str]] = filters()  # type: ignore[assignment]  # each template filter


@pytest.mark.parametrize(
    ("role", "language", "said"),
    [
        ("Analyste", "fr-FR", "le poste d’analyste chez"),
        ("Ingénieur de données", "fr-CA", "le poste d’ingénieur de données chez"),
        ("Analyste BI", "fr-FR", "le poste d’analyste BI chez"),  # an acronym later stays
        ("Ingénieure SQL", "fr-CA", "le poste d’ingénieure SQL chez"),
        ("Développeur iOS", "fr-FR", "le poste de développeur iOS chez"),
        ("Chef de projet", "fr-FR", "le poste de chef de projet chez"),
        ("BI Analyst", "fr-FR", "le poste de BI Analyst chez"),  # an acronym first: as typed
        ("iOS Developer", "fr-CA", "le poste d’iOS Developer chez"),  # mixed case: as typed
        ("UX Researcher", "fr-FR", "le poste d’UX Researcher chez"),
        ("McKinsey Fellow", "fr-FR", "le poste de McKinsey Fellow chez"),
        ("C Developer", "fr-FR", "le poste de C Developer chez"),  # one letter: a symbol
        ("analyste", "fr-FR", "le poste d’analyste chez"),  # typed in lower case: as typed
        ("Éditrice", "fr-FR", "le poste d’éditrice chez"),
        ("Data Analyst", "fr-FR", "le poste de Data Analyst chez"),  # title case throughout: a name, whole
        ("Responsable Marketing Digital", "fr-CA", "le poste de Responsable Marketing Digital chez"),
        ("Responsable marketing", "fr-FR", "le poste de responsable marketing chez"),
        ("Chef de Projet IT", "fr-FR", "le poste de Chef de Projet IT chez"),  # title case but "de": whole
        ("Head of Product, Payments", "fr-FR", "le poste de Head of Product, Payments chez"),  # not "head of"
        ("Chef de projet IT", "fr-FR", "le poste de chef de projet IT chez"),  # a lower-case word: lowered
        (
            "Responsable Produit pour Paiements",
            "fr-FR",
            "le poste de Responsable Produit pour Paiements chez",
        ),
        ("Chargé de Mission sur Données", "fr-CA", "le poste de Chargé de Mission sur Données chez"),
        ("Directeur des Ventes au Québec", "fr-CA", "le poste de Directeur des Ventes au Québec chez"),
        ("Chef de Produit aux Paiements", "fr-FR", "le poste de Chef de Produit aux Paiements chez"),
        ("Responsable Paie à Lyon", "fr-FR", "le poste de Responsable Paie à Lyon chez"),
        ("Head of Design with Research", "fr-FR", "le poste de Head of Design with Research chez"),
        ("Analyst by Trade", "fr-FR", "le poste d’Analyst by Trade chez"),
        ("Engineer from Day One", "fr-FR", "le poste d’Engineer from Day One chez"),
    ],
)
def test_a_french_title_mid_sentence_loses_its_first_capital_but_never_an_acronym(
    role: str, language: str, said: str
) -> None:
    assert resolve(f"le poste {FILTER['de'](FILTER['noun'](role))} chez", language) == said


@pytest.mark.parametrize(
    ("role", "language", "said"),
    [
        ("Jefe de Producto en Google", "es-MX", "el puesto de Jefe de Producto en Google."),
        (
            "Gerente de Producto Sénior para Pagos Digitales y Tarjetas de Crédito",
            "es-MX",
            "el puesto de Gerente de Producto Sénior para Pagos Digitales y Tarjetas de Crédito.",
        ),
        ("Analista por Proyecto", "es-ES", "el puesto de Analista por Proyecto."),
        ("Gerente con Experiencia", "es-MX", "el puesto de Gerente con Experiencia."),
        ("Jefe de producto en Google", "es-MX", "el puesto de jefe de producto en Google."),
        ("Ingeniera de datos", "es-ES", "el puesto de ingeniera de datos."),
        ("Analista BI", "es-MX", "el puesto de analista BI."),
        ("SQL Developer", "es-ES", "el puesto de SQL Developer."),
        ("Desarrollador iOS", "es-MX", "el puesto de desarrollador iOS."),
        ("Analyst", "en", "el puesto de Analyst."),  # English keeps a title as typed
    ],
)
def test_a_spanish_title_mid_sentence_loses_its_first_capital_but_never_an_acronym(
    role: str, language: str, said: str
) -> None:
    assert resolve(f"el puesto de {FILTER['noun'](role)}.", language) == said


def test_the_marks_of_a_chain_apply_from_the_value_outwards() -> None:
    de, le, noun = FILTER["de"], FILTER["le"], FILTER["noun"]
    text = f"{de(noun('Analyste'))} et {le(noun('Équipe'))}, {de('Atelier')}"
    assert resolve(text, "fr-FR") == "d’analyste et l’équipe, d’Atelier"


TITLED = {"fr-FR": "Analyste", "fr-CA": "Ingénieure", "es-MX": "Analista", "es-ES": "Ingeniera"}


@pytest.mark.parametrize("language", sorted(TITLED))
@pytest.mark.parametrize(
    ("kind", "method"),
    [("thank-you", "email"), ("thank-you", "voicemail"), ("thank-you", "note"), ("check-in", "email"),
     ("check-in", "voicemail")],
)  # fmt: skip
def test_every_stock_letter_says_a_capitalised_title_in_lower_case_mid_sentence(
    language: str, kind: str, method: str
) -> None:
    role = TITLED[language] + " de données" if language.startswith("fr") else TITLED[language] + " de datos"
    data = dataset(language, me_language=language)
    data = data._replace(interviews=(data.interviews[0]._replace(role=role),))
    item = item_of(data, kind, method)
    template = load_template(stock_path(item, data))
    lowered = 0
    for round_ in (1, 2):
        base = {**context_for(item, data), "round": round_}
        for chosen in variant_contexts(template):
            rendered = render.render(template, {**base, **chosen})
            reminder = compose(item, data).mail.text if method != "email" else ""
            for text in (rendered.subject, rendered.text, reminder):
                for found in re.finditer(
                    TITLED[language], text
                ):  # a capital only where a line or dash starts
                    assert found.start() == 0 or text[: found.start()].endswith(("– ", "\n")), text
                lowered += text.count(role[0].lower() + role[1:])
    assert lowered > 0
