"""Elision, contraction and punctuation as rules of the language, applied to the values put in."""

from __future__ import annotations

from datetime import date

import pytest

from batch.letters.phrasing import day_words, decision_words
from batch.letters.typography import NBSP, NNBSP, mark, resolve, typeset


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
