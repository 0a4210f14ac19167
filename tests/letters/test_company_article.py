"""A French company name that takes an article is written with it, and the letters join it as French
does: `company: le Groupe Boréal` reads "chez le Groupe Boréal" and "l’équipe du Groupe Boréal"."""

from __future__ import annotations

import re

import pytest

from batch.letters import render
from batch.letters.render import context_for, load_template, stock_path
from tests.letters.test_letters import PLANNED, dataset, item_of, variant_contexts


def every_letter(language: str, kind: str, company: str) -> str:
    """Every phrasing of that stock letter for an interview at that company, one after the other."""
    data = dataset(language, me_language=language)
    data = data._replace(interviews=(data.interviews[0]._replace(company=company),))
    item = item_of(data, kind)
    template = load_template(stock_path(item, data))
    base = context_for(item, data, PLANNED)
    return "\n".join(
        (lambda r: r.subject + "\n" + r.text)(render.render(template, {**base, **chosen}))
        for chosen in variant_contexts(template)
    )


@pytest.mark.parametrize("language", ["fr-FR", "fr-CA"])
def test_a_french_company_name_with_its_article_is_joined_as_french_joins_it(language: str) -> None:
    said = every_letter(language, "thank-you", "le Groupe Boréal") + every_letter(
        language, "check-in", "le Groupe Boréal"
    )
    assert "chez le Groupe Boréal" in said
    assert "du Groupe Boréal" in said
    assert not re.search(r"\bde le Groupe|\bà le Groupe|\bd’le Groupe", said), said
    every_mention = re.findall(r"(\S+) (?:le|Le) Groupe Boréal|(\S+) Groupe Boréal", said)
    assert every_mention
    for _before, bare in every_mention:
        assert bare in ("", "du", "au", "le", "Le"), said  # never "chez Groupe", "de Groupe"
