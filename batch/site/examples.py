"""The guide's examples: a fictional interview through the job's real loader, planner and renderer.

The hook never reads the user's interviews.yaml; these letters are exactly what the job would send
for the example.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from batch.data import load
from batch.etiquette import schedule
from batch.letters import compose, lint, render, threads
from batch.letters.words import count_words
from batch.model import interview as model
from batch.site.markdown import check, fenced, indent, table, tabs, when

# Fictional from end to end (`.example` domains, 555-01xx numbers). A Tuesday panel of two.
EXAMPLE_YAML = """\
me:
  name: Alex Morgan
  email: alex.morgan@example.com
  phone: "+1 416 555 0107"
  timezone: America/Toronto

interviews:
  - id: lakeside-ux-researcher
    company: Lakeside Books
    role: UX Researcher
    start: 2026-05-12 14:00
    duration: 45m
    decision_by: 2026-05-22
    interviewers:
      - name: Nadia Brooks
        email: nadia.brooks@lakeside.example
        title: Head of Research
        phone: "+1 416 555 0163"
        topics: [the reader survey, testing the new checkout]
        note: Your point about watching people shop in the store has stayed with me.
      - name: Tom Okoye
        email: tom.okoye@lakeside.example
        title: Product Designer
        timezone: Europe/London
        topics: [the accessibility audit]
"""


EXAMPLE_NOW = datetime.fromisoformat("2026-05-12T09:00:00-04:00")  # the morning of the interview


@cache
def example(text: str = EXAMPLE_YAML) -> model.Dataset:
    """The fictional dataset (or another version of it), loaded and checked by the job's own loader."""
    with tempfile.TemporaryDirectory(prefix="followup-guide-") as folder:
        path = Path(folder) / "example.yaml"
        path.write_text(text, encoding="utf-8")
        return load.load([path])


def with_interview(interview: model.Interview) -> model.Dataset:
    """The example dataset holding just this interview."""
    return example()._replace(interviews=(interview,))


def follow_up(kind: str, method: str | None = None, who: int = 0, **changes: Any) -> schedule.FollowUp:
    """One planned follow-up of the example, its interview changed as asked."""
    # changes: any of Interview's fields, which _replace checks (so Any, as it takes)
    interview = example().interviews[0]._replace(**changes)
    if method:
        interview = interview._replace(method=method)
    person = interview.interviewers[who]
    items = schedule.plan(with_interview(interview), EXAMPLE_NOW)
    return next(i for i in items if i.kind == kind and i.interviewer == person)


def words_of(item: schedule.FollowUp, data: model.Dataset | None = None) -> compose.Composed:
    """What the job makes of a follow-up, in the words of the moment it would go (its plan's sends_at).

    A check-in answers the thank-you email the plan sends first, as a real send answers the one the
    ledger holds: "Re: " its subject (letters.threads)."""
    data = data or example()
    planned = schedule.plan(data._replace(interviews=(item.interview,)), EXAMPLE_NOW)
    thread = threads.answered(item, data, (), planned, item.sends_at)
    return compose.compose(item, data, item.sends_at, thread)


def message_block(item: schedule.FollowUp, label: str, data: model.Dataset | None = None) -> str:
    """One follow-up as the job composes it; for a call or a card, the reminder folded below."""
    composed = words_of(item, data)
    check(label, list(composed.problems))
    words, limits = composed.words, lint.word_limits(item.method, example().policy, item.kind)
    parts = [f"**Subject:** {composed.mail.subject}"] if item.sends_email else []
    if composed.thread is not None:  # the same code path as a real send: "Re: " and In-Reply-To
        parts.append("It goes as a reply to the thank-you email, in the same thread.")
    parts.append(fenced(words.text))
    what = "check-in" if item.kind == "check-in" and item.sends_email else item.method
    article = "an" if what[0] in "aeiou" else "a"
    span = f"{limits[0]} to {limits[1]}" if limits[0] > 1 else f"at most {limits[1]}"
    parts.append(f"{count_words(words.text)} words; the job accepts {span} in {article} {what}.")
    if not item.sends_email:
        title = f'??? info "The reminder email you receive at {when(item.due_at)}"'
        mail = f"**Subject:** {composed.mail.subject}\n\n" + fenced(composed.mail.text)
        parts.append(title + "\n\n" + indent(mail))
    return "\n\n".join(parts)


def part_example_yaml() -> str:
    """The fictional interviews.yaml."""
    return part_yaml(EXAMPLE_YAML)


def part_yaml(text: str) -> str:
    """An interviews.yaml shown as it is."""
    return fenced(text, "yaml", ".followup-yaml")


def part_example_plan() -> str:
    """The planner's timeline for the example."""
    rows = [
        (item.kind, item.interviewer.name, item.method, when(item.due_at), item.why)
        for item in schedule.plan(example(), EXAMPLE_NOW)
    ]
    return table(("Follow-up", "To", "How", "Due (their clock)", "Why then"), rows)


def part_example_thank_you() -> str:
    """The same thank-you as an email, a voicemail and a note."""
    names = {"email": "Email", "voicemail": "Voicemail", "note": "Note"}
    return tabs({names[m]: message_block(follow_up("thank-you", m), f"{m} thank-you") for m in model.METHODS})


def part_example_panel() -> str:
    """Both panelists' thank-yous side by side: each its own letter (a warning if two read the same)."""
    people = example().interviews[0].interviewers
    items = [follow_up("thank-you", who=n) for n in range(len(people))]
    same = lint.panel_problems([(item, words_of(item).words) for item in items])
    check("panel", [said for _, said, _ in same])
    return tabs({person.name: message_block(item, f"{person.name}'s thank-you") for person, item in
                 zip(people, items, strict=True)})  # fmt: skip


LANGUAGE_NAMES = {"en": "English", "fr-FR": "Français (France)", "fr-CA": "Français (Québec)",
                  "es-MX": "Español (México)", "es-ES": "Español (España)"}  # fmt: skip


# What Alex would have written under topics: and note: for an interview held in that language: the
# words go into the letter as written, so they are in the letter's language (check warns otherwise).
LANGUAGE_VALUES = {
    "fr": {"the reader survey, testing the new checkout":
               "le sondage auprès des lecteurs, les tests du nouveau panier",
           "Your point about watching people shop in the store has stayed with me.":
               "Votre remarque sur l’observation des clients en magasin m’a fait réfléchir.",
           "the accessibility audit": "l’audit d’accessibilité"},
    "es": {"the reader survey, testing the new checkout":
               "la encuesta a los lectores, las pruebas del nuevo carrito",
           "Your point about watching people shop in the store has stayed with me.":
               "Su comentario sobre observar a los clientes en la tienda me dio mucho que pensar.",
           "the accessibility audit": "la auditoría de accesibilidad"},
}  # fmt: skip


BEHIND = "The interviews.yaml behind this letter"


def language_yaml(code: str) -> str:
    """The example's interviews.yaml for an interview held in another language: `language:` on the
    interview, the topics and notes written in that language."""
    text = EXAMPLE_YAML.replace("    decision_by:", f"    language: {code}\n    decision_by:", 1)
    for english, theirs in LANGUAGE_VALUES.get(code[:2], {}).items():
        assert english in text, english  # the example changed: say its words in each language again
        text = text.replace(english, theirs)
    return text


def _in_language(code: str, **person: Any) -> tuple[schedule.FollowUp, model.Dataset]:
    """Nadia's thank-you from the example's entry in that language, and the data it was planned from."""
    data = example(language_yaml(code))
    interview = data.interviews[0]
    nadia = interview.interviewers[0]._replace(**person)
    interview = interview._replace(interviewers=(nadia, *interview.interviewers[1:]))
    data = data._replace(interviews=(interview,))
    items = schedule.plan(data, EXAMPLE_NOW)
    return next(i for i in items if i.kind == "thank-you" and i.interviewer == nadia), data


def part_example_languages() -> str:
    """Nadia's thank-you in each shipped language but English (shown above), one tab each, with the
    interviews.yaml it was made from folded below it."""
    blocks = {}
    for code in sorted(render.shipped_languages(), key=lambda c: [*LANGUAGE_NAMES, c].index(c)):
        if code == "en":
            continue
        item, data = _in_language(code)
        entry = indent(part_yaml(language_yaml(code)))
        letter = message_block(item, f"{code} thank-you", data)
        blocks[LANGUAGE_NAMES.get(code, code)] = f'{letter}\n\n??? example "{BEHIND}"\n\n{entry}'
    return tabs(blocks)


def part_example_france_quebec() -> str:
    """One thank-you with `language: fr`, read in Paris and in Montréal: two letters, side by side."""
    columns = []
    places = (("Nadia reads it in Paris", "Europe/Paris"), ("Nadia reads it in Montréal", "America/Toronto"))
    for label, zone in places:
        item, data = _in_language("fr", timezone=zone)
        composed = words_of(item, data)
        check(f"fr thank-you in {zone}", list(composed.problems))
        words = composed.words
        body = f"**{label}** (`timezone: {zone}`)\n\n**Subject:** {words.subject}\n\n{fenced(words.text)}"
        columns.append(f"<div markdown>\n\n{body}\n\n</div>")
    return '<div class="grid" markdown>\n\n' + "\n\n".join(columns) + "\n\n</div>"


def part_example_check_in() -> str:
    """The check-in, by email and (for someone without an address) by voicemail."""
    first = example().interviews[0].interviewers[0]
    unreachable = (first._replace(email=None), *example().interviews[0].interviewers[1:])
    return tabs(
        {
            "Email": message_block(follow_up("check-in"), "check-in email"),
            "Voicemail": message_block(follow_up("check-in", interviewers=unreachable), "check-in voicemail"),
        }
    )


def part_example_key() -> str:
    """The ledger key of the example's first thank-you."""
    return f"`{follow_up('thank-you').key}`"


def part_example_size() -> str:
    """The example thank-you email's size: its body's words and its subject's words and characters."""
    mail = words_of(follow_up("thank-you", "email")).words
    body = count_words(mail.text)
    subject = len(mail.subject.split())
    return f"{body} words, under a subject of {subject} words ({len(mail.subject)} characters)"


def part_topics_sentence() -> str:
    """Each example interviewer's `topics:` beside the sentence of the thank-you they end up in."""
    rows = []
    for who, person in enumerate(example().interviews[0].interviewers):
        if not person.topics:
            continue
        text = " ".join(words_of(follow_up("thank-you", "email", who)).words.text.split())
        found = [s for s in re.split(r"(?<=[.!?])\s+", text) if person.topics[0] in s]
        if not found:  # a template without its topics: the guide must not show a made-up sentence
            check("topics", [f"no sentence of {person.name}'s thank-you holds their topics"])
            continue
        yaml = "topics: [" + ", ".join(person.topics) + "]"
        rows.append((f"`{yaml}`", f"“{found[0]}”"))
    return table(("You write", "The thank-you says"), rows)
