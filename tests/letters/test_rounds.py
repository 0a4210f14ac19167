"""A second round never repeats the first: no run of 8 words shared with the same person's round-1 letter."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from batch.data.load import load
from batch.etiquette.schedule import plan
from batch.letters import render
from batch.letters.lint import lint
from batch.letters.phrasing import process_place
from batch.letters.render import context_for, load_template, render_follow_up, stock_path
from tests.letters.test_letters import MOMENTS, TOPICS, dataset, item_of, variant_contexts

VARIANTS = ["en", "fr-FR", "fr-CA", "es-MX", "es-ES"]
CASES = [("thank-you", "email"), ("thank-you", "voicemail"), ("thank-you", "note"), ("check-in", "email"),
         ("check-in", "voicemail")]  # fmt: skip
RUN = 8


def runs(text: str) -> set[tuple[str, ...]]:
    """Every run of RUN words (as a reader counts them: d’ici, avez-vous are one) of a letter's prose.

    Its first line (the greeting, or a script's "this is …") and its signature (sign-off, name,
    number) are formulas, the same in every letter by design, so they are left out.
    """
    body, _, last = text.rstrip().rpartition("\n\n")
    if body and "\n" in last:
        text = body
    text = text.partition("\n")[2]
    words = re.findall(r"\w[\w'’-]*", text.casefold())
    return {tuple(words[n : n + RUN]) for n in range(len(words) - RUN + 1)}


def letters(language: str, kind: str, method: str, round_: int, moment: str) -> list[render.Rendered]:
    """Every phrasing of one letter in that round, as read at that moment."""
    data = dataset(language, me_language=language)
    item = item_of(data, kind, method)
    template = load_template(stock_path(item, data))
    at = datetime.fromisoformat(moment)
    base = {**context_for(item._replace(due_at=at, opens_at=None), data, at), "round": round_}
    return [render.render(template, {**base, **chosen}) for chosen in variant_contexts(template)]


@pytest.mark.parametrize("language", VARIANTS)
@pytest.mark.parametrize(("kind", "method"), CASES)
def test_no_round_two_letter_shares_a_run_of_eight_words_with_any_round_one_letter(
    language: str, kind: str, method: str
) -> None:
    moment = MOMENTS["weekday"]
    first = [runs(r.text) for r in letters(language, kind, method, 1, moment)]
    every_first = set().union(*first)
    for rendered in letters(language, kind, method, 2, moment):
        shared = runs(rendered.text) & every_first
        assert not shared, (language, kind, method, sorted(shared)[:3], rendered.text)


@pytest.mark.parametrize("language", VARIANTS)
@pytest.mark.parametrize(("kind", "method"), CASES)
def test_every_round_two_letter_passes_the_lint(language: str, kind: str, method: str) -> None:
    data = dataset(language, me_language=language)
    for moment in MOMENTS.values():
        for rendered in letters(language, kind, method, 2, moment):
            assert lint(rendered, method, data.policy) == [], (language, kind, method, rendered.text)


PARIS = """\
me: {name: Camille Martin, email: camille.martin@example.com, timezone: Europe/Paris}
interviews:
  - id: atelier-r1
    company: Atelier Numérique
    role: Ingénieure Données
    start: 2026-12-08 10:00
    duration: 1h
    language: fr
    interviewers:
      - {name: Étienne Moreau, email: etienne.moreau@atelier.example}
  - id: atelier-r2
    company: Atelier Numérique
    role: Ingénieure Données
    start: 2026-12-15 14:00
    duration: 1h
    language: fr
    interviewers:
      - {name: M. Étienne Moreau, email: etienne.moreau@atelier.example}
      - {name: M. Luc Garnier, email: luc.garnier@atelier.example}
"""


def test_only_people_met_in_an_earlier_round_get_the_later_rounds_words(tmp_path: Path) -> None:
    path = tmp_path / "interviews.yaml"
    path.write_text(PARIS, encoding="utf-8")
    data = load([path])
    items = plan(data, datetime.fromisoformat("2026-12-15T16:00+01:00"))
    thanks = {
        i.interviewer.email: i for i in items if i.kind == "thank-you" and i.interview.id == "atelier-r2"
    }
    met, new = thanks["etienne.moreau@atelier.example"], thanks["luc.garnier@atelier.example"]
    assert context_for(met, data)["round"] == 2
    assert context_for(new, data)["round"] == 1
    template = load_template(stock_path(new, data))
    first_words = {
        render.render(template, {**context_for(new, data), **chosen}).text.split("\n")[2]
        for chosen in variant_contexts(template)
    }
    assert render_follow_up(new, data).text.split("\n")[2] in first_words  # a first meeting's opening


# Words that say a topic was talked about before ("going deeper", "revenir sur", "retomar"): a later
# round's sentence about `topics` may name topics new in that round, so it never says them.
AGAIN = {
    "en": ("deeper", "more depth", "more detail", "further", "again", "once more"),
    "fr": ("approfondi", "revenir", "revenu", "plus en détail", "plus loin", "de nouveau", "à nouveau"),
    "es": ("profundiz", "retom", "más detalle", "revis", "de nuevo", "otra vez"),
}


@pytest.mark.parametrize("language", VARIANTS)
@pytest.mark.parametrize(("kind", "method"), CASES)
def test_a_later_rounds_sentence_about_the_topics_never_says_they_were_discussed_before(
    language: str, kind: str, method: str
) -> None:
    base = language[:2]
    for rendered in letters(language, kind, method, 2, MOMENTS["weekday"]):
        sentences = re.split(r"(?<=[.!?])\s+", rendered.text)
        for sentence in (s for s in sentences if TOPICS[base] in s):
            said = [word for word in AGAIN[base] if word in sentence.casefold()]
            assert not said, (language, kind, method, said, sentence)


PROCESS = """\
me: {{name: Camille Martin, email: camille.martin@example.com, timezone: {zone}, language: {language}}}
interviews:
  - id: atelier-r1
    company: Atelier Numérique
    role: Data Engineer
    start: 2026-12-08 10:00
    duration: 1h
    language: {language}
    interviewers:
      - {{name: Claire Lefèvre, email: claire.lefevre@atelier.example}}
      - {{name: Hélène Dubois, email: helene.dubois@atelier.example}}
      - {{name: Étienne Moreau, email: etienne.moreau@atelier.example}}
  - id: atelier-r2
    company: Atelier Numérique SAS
    role: Data Engineer
    start: 2026-12-15 14:00
    duration: 1h
    language: {language}
    interviewers:
      - {{name: Étienne Moreau, email: etienne.moreau@atelier.example}}
      - {{name: Julien Marchand, email: julien.marchand@atelier.example}}
"""
ZONES = {"en": "America/Toronto", "fr-FR": "Europe/Paris", "fr-CA": "America/Montreal",
         "es-MX": "America/Mexico_City", "es-ES": "Europe/Madrid"}  # fmt: skip


@pytest.mark.parametrize("language", VARIANTS)
def test_a_person_new_in_round_two_gets_no_words_of_any_round_one_letter_of_the_process(
    tmp_path: Path, language: str
) -> None:
    path = tmp_path / "interviews.yaml"
    path.write_text(PROCESS.format(language=language, zone=ZONES[language]), encoding="utf-8")
    data = load([path])

    def thanks(interview: str, moment: str) -> dict[str, str]:
        items = plan(data, datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo(ZONES[language])))
        return {
            str(i.interviewer.email): render_follow_up(i, data).text
            for i in items
            if i.kind == "thank-you" and i.interview.id == interview
        }

    first = thanks("atelier-r1", "2026-12-08T11:30")
    assert len(first) == 3
    every_first = set().union(*(runs(text) for text in first.values()))
    new = thanks("atelier-r2", "2026-12-15T15:30")["julien.marchand@atelier.example"]
    shared = runs(new) & every_first
    assert not shared, (sorted(shared)[:3], new)


def test_places_run_on_across_the_process_and_someone_met_again_keeps_theirs(tmp_path: Path) -> None:
    path = tmp_path / "interviews.yaml"
    path.write_text(PROCESS.format(language="fr-FR", zone="Europe/Paris"), encoding="utf-8")
    data = load([path])
    first, second = data.interviews
    places = {p.name: process_place(first, p, data.interviews) for p in first.interviewers}
    assert sorted(place for _, place in places.values()) == [0, 1, 2]
    assert {seed for seed, _ in places.values()} == {"atelier-r1"}
    met, new = second.interviewers
    assert process_place(second, met, data.interviews) == places["Étienne Moreau"]
    assert process_place(second, new, data.interviews) == ("atelier-r1", 3)
    alone = data._replace(interviews=(first,))
    assert process_place(first, first.interviewers[0], alone.interviews)[0] == "atelier-r1"
