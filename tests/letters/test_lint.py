"""The etiquette check, table by table: word limits by method, thanks, placeholders, filler, subject."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.data.load import load
from batch.errors import InputError
from batch.etiquette.schedule import plan
from batch.letters.compose import compose
from batch.letters.lint import lint
from batch.letters.render import Rendered, context_for, load_template, render
from batch.letters.words import count_words
from batch.model.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.fromisoformat("2026-11-24T16:00-05:00")
SUBJECT = "Thank you for Tuesday's interview"
DEFAULT = Policy()


def words(n: int) -> str:
    """A body of exactly n words (n ≥ 2) that thanks the reader and says nothing wrong."""
    assert n >= 2
    return "Thank you " + " ".join(["warmly"] * (n - 2)) + "\n"


def message(text: str, subject: str = SUBJECT) -> Rendered:
    """A rendered message with that body and subject."""
    return Rendered("test.md", subject, text, "<p>unused</p>\n")


def test_the_helper_makes_exactly_that_many_words() -> None:
    assert [count_words(words(n)) for n in (2, 50, 151)] == [2, 50, 151]


def test_words_are_counted_as_a_reader_counts_them() -> None:
    assert count_words("Thank you - it's a well-known fact – really — yes") == 8
    assert count_words("O'Brien’s well-known — “quoted” text ' ’") == 4
    assert count_words("-- \n* * *\n") == 0


@pytest.mark.parametrize(
    ("method", "n", "verdict"),
    [
        ("email", 49, "49 words; an email says enough in 50 to 150"),
        ("email", 50, None),
        ("email", 150, None),
        ("email", 151, "151 words; keep an email to 150 or fewer"),
        ("voicemail", 2, None),
        ("voicemail", 75, None),
        ("voicemail", 76, "76 words; keep a voicemail to 75 or fewer"),
        ("note", 2, None),
        ("note", 80, None),
        ("note", 81, "81 words; keep a note to 80 or fewer"),
    ],
)
def test_word_limits_by_method(method: str, n: int, verdict: str | None) -> None:
    subject = SUBJECT if method == "email" else ""
    assert lint(message(words(n), subject), method, DEFAULT) == ([verdict] if verdict else [])


@pytest.mark.parametrize(
    ("policy", "method", "n", "too"),
    [
        (Policy(email_min_words=10, email_max_words=20), "email", 15, None),
        (Policy(email_min_words=10, email_max_words=20), "email", 21, "many"),
        (Policy(email_min_words=10, email_max_words=20), "email", 9, "few"),
        (Policy(email_min_words=10, email_max_words=200), "email", 180, None),
        (Policy(voicemail_max_words=40), "voicemail", 41, "many"),
        (Policy(voicemail_max_words=100), "voicemail", 90, None),
        (Policy(note_max_words=30), "note", 31, "many"),
        (Policy(note_max_words=120), "note", 110, None),
    ],
)
def test_the_policy_numbers_decide_the_word_limits(
    policy: Policy, method: str, n: int, too: str | None
) -> None:
    subject = SUBJECT if method == "email" else ""
    found = lint(message(words(n), subject), method, policy)
    default = lint(message(words(n), subject), method, DEFAULT)
    if too is None:
        assert found == []
        assert default != []  # the same message fails the default numbers: the policy made the difference
    else:
        assert len(found) == 1 and found[0].startswith(f"{n} words")
        assert ("fewer" in found[0]) == (too == "many")


@pytest.mark.parametrize(
    "text",
    ["We met on Tuesday about the role. " * 8, "Thankless work, the thankfulness of it, appreciation. " * 8],
)
def test_a_message_that_does_not_thank_the_reader_is_refused(text: str) -> None:
    assert lint(message(text), "email", DEFAULT) == ["it does not thank the reader"]


@pytest.mark.parametrize(
    "thanks", ["Thank you", "Many thanks", "I am grateful", "I appreciated it", "THANKS"]
)
def test_any_way_of_thanking_counts(thanks: str) -> None:
    assert lint(message(f"{thanks}. " + "More words here. " * 20), "email", DEFAULT) == []


@pytest.mark.parametrize(
    "leftover",
    ["{{ x }}", "{{interviewer.name}}", "{% if topics %}", "[Name]", "[your phone number]", "TODO", "XXX"],
)
def test_a_placeholder_left_in_the_body_is_refused(leftover: str) -> None:
    found = lint(message(words(60) + f"Regards, {leftover}\n"), "email", DEFAULT)
    assert found == ["an unfilled placeholder is left in the message"]


def test_a_placeholder_left_in_the_subject_is_refused() -> None:
    found = lint(message(words(60), "Thanks, {{ interviewer.first_name }}"), "email", DEFAULT)
    assert found == ["an unfilled placeholder is left in the message"]


@pytest.mark.parametrize(
    "phrase",
    ["just checking in", "Just following up", "I just wanted to", "touching base", "Sorry to bother you",
     "I hope this email finds you well", "I hope this finds you well", "Per my last email",
     "Just\nchecking   in"],
)  # fmt: skip
def test_each_filler_phrase_is_refused(phrase: str) -> None:
    found = lint(message(f"Dear Ann,\n\n{phrase} about the role.\n\n" + words(60)), "email", DEFAULT)
    assert len(found) == 1 and found[0].startswith("filler phrase")


@pytest.mark.parametrize(
    ("length", "ok"),
    [(60, True), (61, False), (120, False), (1, True)],
)
def test_a_subject_of_more_than_60_characters_is_refused(length: int, ok: bool) -> None:
    found = lint(message(words(60), "T" * length), "email", DEFAULT)
    assert [said.partition(" (")[0] for said in found] == (
        [] if ok else [f"subject is {length} characters; keep it to 60 or fewer"]
    )


def test_the_subject_limit_comes_from_the_policy() -> None:
    assert lint(message(words(60), "T" * 70), "email", Policy(subject_max_chars=80)) == []
    assert lint(message(words(60), "T" * 41), "email", Policy(subject_max_chars=40)) != []


def test_an_email_needs_a_subject() -> None:
    assert lint(message(words(60), ""), "email", DEFAULT) == [
        "an email needs a subject (front matter 'subject: …')"
    ]


def test_a_reminder_to_oneself_is_not_held_to_the_etiquette() -> None:
    # No thanks, few words, a long subject (a long interviewer name): still the user's own reminder.
    reminder = message(
        "Call Ann now.\n", "Reminder: a card for " + "Maria Fernanda Rodríguez de la Santísima Trinidad"
    )
    assert lint(reminder, "email", DEFAULT, is_reminder=True) == []


def test_a_reminder_with_a_placeholder_left_is_still_refused() -> None:
    reminder = message("Call {{ interviewer.name }} now.\n", "Reminder: call Ann")
    assert lint(reminder, "email", DEFAULT, is_reminder=True) == [
        "an unfilled placeholder is left in the message"
    ]


def test_every_message_of_the_shipped_example_passes() -> None:
    data = load([ROOT / "interviews.yaml"])
    items = plan(data, NOW)
    assert {item.method for item in items} == {"email", "voicemail", "note"}
    assert {item.kind for item in items} == {"thank-you", "check-in"}
    for item in items:
        composed = compose(item, data)
        assert composed.problems == (), item.key
        method = item.method
        assert lint(composed.words, method, data.policy) == []
        low, high = (50, 150) if method == "email" else (1, 75 if method == "voicemail" else 80)
        high = 90 if (item.kind, method) == ("check-in", "email") else high
        assert low <= count_words(composed.words.text) <= high, item.key


# --- control characters in a user's template; placeholders in the template, never in the user's values --

EXAMPLE = load([ROOT / "interviews.yaml"])
THANK_YOU = "northwind-data-analyst/thank-you/marcus.chen@northwind.example"


def own_template(tmp_path: Path, subject: str, body: str) -> Path:
    """A template of the user's own with that subject and body."""
    path = tmp_path / "own.md"
    path.write_text(f"---\nsubject: {subject}\n---\n{body}", encoding="utf-8")
    return path


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\u2028", "\u2029", "\x7f", "\x85", "\u202e"])
@pytest.mark.parametrize("where", ["subject", "body"])
def test_a_control_character_in_a_users_template_is_refused_at_its_place(
    tmp_path: Path, char: str, where: str
) -> None:
    subject, body = "Thank you", "Dear {{ interviewer.first_name }},\n\nThank you" + "!" * 3 + "\n"
    if where == "subject":
        subject = f"Thank{char} you"
    else:
        body = body.replace("Thank you!", f"Thank you{char}!")
    path = own_template(tmp_path, subject, body)
    with pytest.raises(InputError) as caught:
        load_template(path)
    problem = caught.value.problems[0]
    line, col = (2, 15) if where == "subject" else (6, 10)
    assert (problem.path, problem.line, problem.col) == (str(path), line, col)
    assert f"U+{ord(char):04X}" in problem.message


def test_tabs_newlines_crlf_and_joiners_in_a_template_are_fine(tmp_path: Path) -> None:
    path = own_template(tmp_path, "Thank you", "Dear\tAnn,\r\n\r\nThank you 👩\u200d💻 and \u200cok\n")
    assert load_template(path).path == str(path)


@pytest.mark.parametrize("char", ["\\x00", "\\x1b", "\\u2028", "\\u202e"])
def test_a_control_character_made_by_a_template_expression_is_refused_by_the_lint(char: str) -> None:
    text = words(60) + f"Regards{char.encode().decode('unicode_escape')}\n"
    found = lint(message(text), "email", DEFAULT)
    assert found == [f"a control character (U+{ord(char.encode().decode('unicode_escape')):04X}) is in the "
                     "message: take it out of the template"]  # fmt: skip
    found = lint(message(words(60), "Thanks" + char.encode().decode("unicode_escape")), "email", DEFAULT)
    assert len(found) == 1 and found[0].startswith("a control character")


def composed_with(**changes: object) -> tuple[str, ...]:
    """The lint's verdict on the example's thank-you to Marcus Chen with its interview or him changed."""
    item = next(i for i in plan(EXAMPLE, NOW) if i.key == THANK_YOU)
    person = item.interviewer._replace(**{k: v for k, v in changes.items() if k == "topics"})
    interview = item.interview._replace(**{k: v for k, v in changes.items() if k != "topics"})
    return compose(item._replace(interviewer=person, interview=interview), EXAMPLE).problems


@pytest.mark.parametrize(
    "changes",
    [{"company": "XXX Media"}, {"company": "TODO Labs"}, {"topics": ("the TODO list cleanup",)},
     {"topics": ("{{ jinja }} templates", "[Name] tags in forms")}, {"role": "XXX Analyst"}],
)  # fmt: skip
def test_words_in_the_users_own_values_are_no_placeholder(changes: dict[str, object]) -> None:
    assert composed_with(**changes) == ()


@pytest.mark.parametrize(
    "leftover", ["{{ '{{' }} name }}", "[Name]", "[your phone number]", "TODO: a line about the team", "XXX"]
)
def test_a_placeholder_left_in_a_users_own_template_is_still_refused(tmp_path: Path, leftover: str) -> None:
    stock = (ROOT / "batch" / "templates" / "en" / "thank-you.md").read_text(encoding="utf-8")
    path = tmp_path / "own.md"  # a copy of the stock one (its phrasings too), with something left in it
    path.write_text(
        stock.replace("\n{{ me.name }}", "\n" + leftover + "\n{{ me.name }}", 1), encoding="utf-8"
    )
    rendered = render(load_template(path), context_for(next(iter(plan(EXAMPLE, NOW))), EXAMPLE))
    assert "an unfilled placeholder is left in the message" in lint(rendered, "email", DEFAULT)


# --- a check-in is shorter; each shipped language is checked in its own words --------------------------


@pytest.mark.parametrize(("n", "verdict"), [(90, None), (91, "91 words; keep a check-in to 90 or fewer")])
def test_a_check_in_email_has_its_own_lower_word_limit(n: int, verdict: str | None) -> None:
    check_in = dataclasses.replace(message(words(n)), kind="check-in")
    assert lint(check_in, "email", DEFAULT) == ([verdict] if verdict else [])
    assert lint(check_in, "email", Policy(check_in_max_words=120)) == []
    assert lint(message(words(n)), "email", DEFAULT) == []  # a thank-you of that length is fine


@pytest.mark.parametrize(
    ("language", "thanks"),
    [("fr", "Merci"), ("fr", "Je vous remercie"), ("fr", "Je suis reconnaissante"), ("es", "Gracias"),
     ("es", "Le agradezco"), ("es", "Agradecida")],
)  # fmt: skip
def test_the_thanks_are_found_in_each_shipped_language(language: str, thanks: str) -> None:
    text = f"{thanks}. " + "Otra palabra aquí. " * 20
    assert lint(dataclasses.replace(message(text), language=language), "email", DEFAULT) == []
    english = dataclasses.replace(message("Nous avons parlé. " * 20), language=language)
    assert lint(english, "email", DEFAULT) == ["it does not thank the reader"]


def test_todo_in_capitals_is_a_placeholder_but_the_spanish_word_todo_is_not() -> None:
    spanish = dataclasses.replace(message("Gracias. Todo lo que hablamos me gustó. " * 8), language="es")
    assert lint(spanish, "email", DEFAULT) == []
    assert lint(message(words(60) + "TODO\n"), "email", DEFAULT) == [
        "an unfilled placeholder is left in the message"
    ]


PIECES = ["just", "checking", "in", "following", "up", "wanted", "to", "touching", "base", "sorry",
          "bother", "i", "hope", "this", "email", "finds", "you", "well", "per", "my", "last", "Thank",
          "JUST", "Ann"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(PIECES), st.sampled_from([" ", "  ", "\n", "\t", " \n "])), max_size=14
    )
)
def test_filler_is_found_exactly_as_by_reading_every_phrase(pieces: list[tuple[str, str]]) -> None:
    from batch.letters.lint import FILLER

    text = "Thank you. " + "".join(word + gap for word, gap in pieces)
    opening = " ".join(text.lower().split())
    slowly = [
        f"filler phrase {phrase!r}: say why you are writing instead" for phrase in FILLER if phrase in opening
    ]
    found = [problem for problem in lint(message(text), "email", DEFAULT) if problem.startswith("filler")]
    assert found == slowly


def test_the_due_moment_is_said_in_its_own_zone_whatever_instant_it_shares() -> None:
    from zoneinfo import ZoneInfo

    from batch.letters import render as rendering

    toronto = datetime(2026, 3, 3, 15, 0, tzinfo=ZoneInfo("America/Toronto"))
    paris = toronto.astimezone(ZoneInfo("Europe/Paris"))  # equal to toronto, with the same hash
    assert rendering._due_words(toronto, toronto.tzinfo) == "Tuesday 03 March, 15:00 EST"
    assert rendering._due_words(paris, paris.tzinfo) == "Tuesday 03 March, 21:00 CET"
