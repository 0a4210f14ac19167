"""Letters a hiring manager would answer: the day said from the reader's side, a letter of its own for
each panelist, a line in the user's words, in the interview's language.

The golden files under tests/golden/letters/ hold every stock template × method × language × day case
(and the late case); `UPDATE_GOLDEN=1 pytest tests/letters/test_letters.py` rewrites them.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data.checks import SHIPPED_LANGUAGES
from batch.data.load import load
from batch.errors import InputError
from batch.etiquette.schedule import FollowUp, plan
from batch.letters import phrasing as letters
from batch.letters import render
from batch.letters.compose import compose
from batch.letters.lint import lint, panel_problems, word_limits
from batch.letters.render import STOCK, context_for, load_template, render_follow_up, stock_path
from batch.letters.words import count_words
from batch.model.interview import Dataset
from tests.letters.test_render import compare_golden

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "letters"
PLANNED = datetime.fromisoformat("2026-05-12T09:00-04:00")  # the morning of a Tuesday interview

DATA = """\
me:
  name: Alex Morgan
  email: alex.morgan@example.com
  phone: "+1 416 555 0107"
  timezone: America/Toronto
  language: {me_language}
interviews:
  - id: lakeside-ux
    company: Lakeside Books
    role: UX Researcher
    start: 2026-05-12 14:00
    duration: 45m
    decision_by: 2026-05-14
    language: {language}
    interviewers:
{people}"""
PERSON = """\
      - name: {name}
        email: {email}
        phone: "+1 416 555 0163"
        title: Head of Research
        topics: [{topics}]
"""
NAMES = ["Nadia Brooks", "Tom Okoye", "Ana Silva", "Li Wei", "Omar Haddad"]
TOPICS = {
    "en": "the reader survey",
    "fr": "le sondage auprès des lecteurs",
    "es": "la encuesta a los lectores",
}
NOTE_BY_BASE = {
    "en": "Your point about readers who shop in person stayed with me.",
    "fr": "Votre remarque sur les lecteurs en magasin m’a fait réfléchir.",
    "es": "Su comentario sobre los lectores en la tienda me dio que pensar.",
}


def dataset(language: str = "en", panel: int = 1, me_language: str = "en", **extra: str) -> Dataset:
    """The made-up interview in that language, with a panel of that size (loaded by the real loader)."""
    people = "".join(
        PERSON.format(
            name=name, email=name.split()[0].lower() + "@lakeside.example", topics=TOPICS[language[:2]]
        )
        for name in NAMES[:panel]
    )
    text = DATA.format(language=language, me_language=me_language, people=people)
    for key, value in extra.items():
        text = text.replace("    interviewers:\n", f"    {key}: {value}\n    interviewers:\n", 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "interviews.yaml"
        path.write_text(text, encoding="utf-8")
        return load([path])


def item_of(data: Dataset, kind: str = "thank-you", method: str = "email", who: int = 0) -> FollowUp:
    """One planned follow-up of the dataset, by kind, method and panelist."""
    interview = data.interviews[0]._replace(method=method)
    if method != "email":  # a check-in goes by email to anyone with an address
        people = tuple(p._replace(email=None) for p in interview.interviewers)
        interview = interview._replace(interviewers=people)
    data = data._replace(interviews=(interview,))
    person = interview.interviewers[who]
    return next(i for i in plan(data, PLANNED) if i.kind == kind and i.interviewer == person)


# --- the day said from the reader's side ------------------------------------------------------------

TUESDAY = date(2026, 5, 12)


@pytest.mark.parametrize(
    ("read", "spoken_soon", "relative"),
    [
        (date(2026, 5, 12), True, "today"),
        (date(2026, 5, 13), True, "yesterday"),
        (date(2026, 5, 15), True, "weekday"),  # Friday of the same week
        (date(2026, 5, 18), True, "last"),  # the Monday after
        (date(2026, 5, 19), True, "date"),  # a week on
        (date(2026, 5, 11), True, "date"),  # before it: never "tomorrow" for an interview held
        (date(2026, 5, 12), False, "weekday"),  # a card is read days later: never "today"
        (date(2026, 5, 18), False, "weekday"),
    ],
)
def test_the_day_is_said_relative_to_the_moment_it_is_read(
    read: date, spoken_soon: bool, relative: str
) -> None:
    assert letters.relative_day(TUESDAY, read, spoken_soon) == relative


@pytest.mark.parametrize(
    ("language", "read", "when", "of"),
    [
        ("en", date(2026, 5, 12), "today", "today's"),
        ("en", date(2026, 5, 13), "yesterday", "yesterday's"),
        ("en", date(2026, 5, 15), "on Tuesday", "Tuesday's"),
        ("en", date(2026, 5, 18), "last Tuesday", "last Tuesday's"),
        ("en", date(2026, 5, 20), "on May 12", "our May 12"),
        ("fr-CA", date(2026, 5, 12), "aujourd’hui", "d’aujourd’hui"),
        ("fr-CA", date(2026, 5, 13), "hier", "d’hier"),
        ("fr-CA", date(2026, 5, 15), "mardi", "de mardi"),
        ("fr-CA", date(2026, 5, 18), "mardi dernier", "de mardi dernier"),
        ("fr-CA", date(2026, 5, 20), "le 12 mai", "du 12 mai"),
        ("es", date(2026, 5, 13), "ayer", "de ayer"),
        ("es", date(2026, 5, 15), "el martes", "del martes"),
        ("es", date(2026, 5, 18), "el martes pasado", "del martes pasado"),
        ("es", date(2026, 5, 20), "el 12 de mayo", "del 12 de mayo"),
        ("en", date(2027, 1, 2), "on May 12, 2026", "our May 12, 2026"),  # another year names it
    ],
)
def test_the_day_words_come_from_cldr_in_each_language(language: str, read: date, when: str, of: str) -> None:
    words = letters.day_words(language, TUESDAY, read)
    assert (words.when, words.of) == (when, of)


def test_the_day_is_the_readers_in_their_own_zone() -> None:
    # 21:30 in Toronto is 02:30 on Wednesday in London: for Tom the interview was "yesterday".
    data = dataset(panel=2)
    tom = data.interviews[0].interviewers[1]._replace(timezone="Europe/London")
    interview = data.interviews[0]._replace(interviewers=(data.interviews[0].interviewers[0], tom))
    data = data._replace(interviews=(interview,))
    item = item_of(data, who=1)
    moment = datetime.fromisoformat("2026-05-12T21:30-04:00")
    assert context_for(item, data, moment)["day"]["when"] == "yesterday"  # type: ignore[index]
    nadia = item_of(data, who=0)
    assert context_for(nadia, data, moment)["day"]["when"] == "today"  # type: ignore[index]


def test_a_thank_you_that_goes_late_says_again_and_never_today() -> None:
    data = dataset()
    item = item_of(data)  # same-day: due Tuesday 15:45
    on_time = render_follow_up(item, data, moment=item.due_at)
    late = render_follow_up(item, data, moment=datetime.fromisoformat("2026-05-14T10:00-04:00"))
    assert on_time.subject == late.subject  # a subject names the interview, never its day
    assert "UX Researcher" in late.subject
    assert "today" not in late.text and "on Tuesday" in late.text
    assert late.text.count("again") == 1 and "again" not in on_time.text


def test_a_voicemail_script_is_said_for_the_moment_of_its_reminder() -> None:
    data = dataset()
    item = item_of(data, method="voicemail")
    wednesday = datetime.fromisoformat("2026-05-13T10:00-04:00")
    assert "today" in compose(item, data, item.due_at).words.text
    assert "yesterday" in compose(item, data, wednesday).words.text


def test_compose_without_a_moment_says_the_day_of_the_planned_send() -> None:
    data = dataset()
    item = item_of(data)
    assert compose(item, data).words.text == compose(item, data, item.sends_at).words.text


# --- golden files: template × method × language × day -------------------------------------------

MOMENTS = {
    "today": "2026-05-12T16:00-04:00",
    "yesterday": "2026-05-13T10:00-04:00",
    "weekday": "2026-05-15T10:00-04:00",
    "last": "2026-05-18T10:00-04:00",
    "date": "2026-05-21T10:00-04:00",
}
# name -> (kind, method, whether the golden is the reminder mail, the day cases)
GOLDEN_CASES = {
    "thank-you": ("thank-you", "email", False, [*MOMENTS, "late"]),
    "voicemail": ("thank-you", "voicemail", False, [*MOMENTS, "late"]),
    "note": ("thank-you", "note", False, [*MOMENTS, "late"]),
    "check-in": ("check-in", "email", False, ["weekday", "last", "date"]),
    "voicemail-check-in": ("check-in", "voicemail", False, ["weekday", "last", "date"]),
    "reminder-voicemail": ("thank-you", "voicemail", True, ["today"]),
    "reminder-note": ("thank-you", "note", True, ["today"]),
}
LANGUAGES = {code: code for code in ("en", "fr-FR", "fr-CA", "es-MX", "es-ES")}


def golden_rendered(language: str, name: str, day: str) -> render.Rendered:
    """One golden case: the follow-up due at the moment (late: due on Tuesday, sent on Thursday)."""
    kind, method, reminder, _ = GOLDEN_CASES[name]
    code = LANGUAGES[language]
    data = dataset(code, me_language=code)
    item = item_of(data, kind, method)
    if day == "late":
        moment = datetime.fromisoformat("2026-05-14T10:00-04:00")
    else:
        moment = datetime.fromisoformat(MOMENTS[day])
        item = item._replace(due_at=moment.astimezone(item.due_at.tzinfo), opens_at=None)
    composed = compose(item, data, moment)
    assert composed.problems == ()
    return composed.mail if reminder else composed.words


@pytest.mark.parametrize(
    ("language", "name", "day"),
    [(lang, name, day) for lang in LANGUAGES for name, case in GOLDEN_CASES.items() for day in case[3]],
)
def test_every_stock_letter_matches_its_golden_file(language: str, name: str, day: str) -> None:
    rendered = golden_rendered(language, name, day)
    stem = GOLDEN / language / f"{name}-{day}"
    compare_golden(stem.with_suffix(".txt"), rendered.text)
    compare_golden(stem.with_suffix(".subject"), rendered.subject + "\n")
    if day == "today":
        compare_golden(stem.with_suffix(".html"), rendered.html)


# --- several phrasings, one per panelist -----------------------------------------------------------


def test_a_panel_of_four_gets_four_different_letters() -> None:
    data = dataset(panel=4)
    bodies = []
    for who in range(4):
        words = render_follow_up(item_of(data, who=who), data)
        bodies.append(words.text.replace(NAMES[who].split()[0], "NAME"))
    assert len(set(bodies)) == 4
    assert (
        panel_problems(
            [(item_of(data, who=w), render_follow_up(item_of(data, who=w), data)) for w in range(4)]
        )
        == []
    )


def test_the_first_panelists_differ_in_every_part() -> None:
    panel = tuple(f"person{n}@x.example" for n in range(3))
    chosen = [
        letters.phrasing("acme", panel, who, (("opening", 3), ("interest", 3), ("close", 3))) for who in panel
    ]
    for part in ("opening", "interest", "close"):
        assert len({c[part] for c in chosen}) == 3


@pytest.mark.parametrize("size", [1, 2, 5, 8, 27])
def test_no_two_panelists_share_a_combination_while_there_are_enough(size: int) -> None:
    panel = tuple(f"p{n}" for n in range(size))
    parts = (("opening", 3), ("interest", 3), ("close", 3))
    chosen = {tuple(letters.phrasing("id-1", panel, who, parts).values()) for who in panel}
    assert len(chosen) == size


def test_the_choice_is_the_same_in_another_process_whatever_its_hash_seed() -> None:
    code = (
        "from batch.letters import phrasing;"
        " print(phrasing.phrasing('lakeside-ux', ('a@x', 'b@x', 'c@x'), 'b@x', "
        "(('opening', 3), ('interest', 3), ('close', 3))))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(runs) == 1
    assert runs == {
        str(
            letters.phrasing(
                "lakeside-ux", ("a@x", "b@x", "c@x"), "b@x", (("opening", 3), ("interest", 3), ("close", 3))
            )
        )
        + "\n"
    }


def test_a_rerender_is_identical() -> None:
    data = dataset(panel=3)
    first = [render_follow_up(item_of(data, who=w), data) for w in range(3)]
    render.load_template.cache_clear()
    assert [render_follow_up(item_of(data, who=w), data) for w in range(3)] == first


def variant_contexts(template: render.Template) -> list[dict[str, int]]:
    """Every combination of the template's phrasings."""
    names = [name for name, _ in template.variants]
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(range(count) for _, count in template.variants))
    ]


NOTE = {
    "en": "Your point about readers who shop in person stayed with me.",
    "fr-CA": "Votre remarque sur les lecteurs en magasin m’a fait réfléchir.",
    "es": "Su comentario sobre los lectores en la tienda me dio que pensar.",
}


@pytest.mark.parametrize("language", ["en", "fr-FR", "fr-CA", "es-MX", "es-ES"])
@pytest.mark.parametrize("round_", [1, 2])
@pytest.mark.parametrize(
    ("kind", "method"),
    [
        ("thank-you", "email"),
        ("thank-you", "voicemail"),
        ("thank-you", "note"),
        ("check-in", "email"),
        ("check-in", "voicemail"),
    ],
)
def test_every_stock_combination_in_every_language_passes_the_lint(
    language: str, round_: int, kind: str, method: str
) -> None:
    data = dataset(language, me_language=language)
    item = item_of(data, kind, method)
    assert item.method == method
    template = load_template(stock_path(item, data))
    assert template.variants, "every stock message template holds several phrasings"
    person = item.interviewer._replace(note=NOTE_BY_BASE[language[:2]])
    item_with_note = item._replace(interviewer=person)
    bodies = set()
    for moment, late in [(m, False) for m in MOMENTS.values()] + [("2026-05-14T10:00-04:00", True)]:
        at = datetime.fromisoformat(moment)
        for case in (item, item_with_note):
            shown = case if late else case._replace(due_at=at, opens_at=None)
            base = {**context_for(shown, data, at), "round": round_}
            for chosen in variant_contexts(template):
                rendered = render.render(template, {**base, **chosen})
                assert lint(rendered, method, data.policy) == [], (
                    language,
                    kind,
                    method,
                    chosen,
                    rendered.text,
                )
                assert not rendered.text.startswith("Hola")  # never "Hola" beside usted
                low, high = word_limits(method, data.policy, kind)
                assert low <= count_words(rendered.text) <= high
                bodies.add(rendered.text)
    assert len(bodies) >= len(variant_contexts(template))


def test_the_shipped_languages_are_the_template_folders() -> None:
    assert render.shipped_languages() == tuple(sorted(SHIPPED_LANGUAGES))
    names = {p.name for p in (STOCK / "en").glob("*.md")}
    for language in SHIPPED_LANGUAGES:
        assert {p.name for p in (STOCK / language).glob("*.md")} == names


# --- the panel check ---------------------------------------------------------------------------------


def test_two_panelists_with_the_same_stock_letter_are_an_error() -> None:
    data = dataset(panel=2)
    a, b = item_of(data, who=0), item_of(data, who=1)
    words = render_follow_up(a, data)
    same = dataclasses.replace(words, text=words.text.replace("Nadia", "Tom"))
    ((flagged, said, error),) = panel_problems([(a, words), (b, same)])
    assert flagged is b and error and "Nadia Brooks" in said


def test_a_users_own_template_that_gives_a_panel_one_letter_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "mine.md").write_text(
        "---\nsubject: Thanks\n---\nDear {{ interviewer.first_name }},\n\n"
        + "Thank you for your time. " * 12,
        encoding="utf-8",
    )
    source = tmp_path / "interviews.yaml"  # the template beside it (template: never reaches elsewhere)
    text = DATA.format(
        language="en",
        me_language="en",
        people="".join(
            PERSON.format(name=n, email=n.split()[0].lower() + "@l.example", topics="x") for n in NAMES[:2]
        ),
    )
    source.write_text(
        text.replace("    interviewers:\n", "    template: mine.md\n    interviewers:\n"), "utf-8"
    )
    out, err = run_check(source)
    assert "warning:" in err and "the same letter as Nadia Brooks's" in err
    assert out.startswith(str(source))  # the hint for a panel without a note, and the ok line


def run_check(path: Path) -> tuple[str, str]:
    """followup check on a file (exit 0 asserted): its stdout and stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "batch", "--data", str(path), "--now", PLANNED.isoformat(), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


# --- note: ----------------------------------------------------------------------------------------------


def test_a_note_is_woven_into_each_stock_thank_you() -> None:
    data = dataset()
    item = item_of(data)
    person = item.interviewer._replace(note=NOTE["en"])
    for method in ("email", "voicemail", "note"):
        with_note = item_of(data, method=method)._replace(interviewer=person)
        assert NOTE["en"] in render_follow_up(with_note, data).text


def test_check_suggests_a_note_for_a_panel_without_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = "".join(
        PERSON.format(name=n, email=n.split()[0].lower() + "@l.example", topics="x") for n in NAMES[:2]
    )
    path = tmp_path / "interviews.yaml"
    path.write_text(DATA.format(language="en", me_language="en", people=people), encoding="utf-8")
    assert main(["--data", str(path), "--now", PLANNED.isoformat(), "check"]) == 0
    out = capsys.readouterr().out
    assert f"{path}:8:5: hint: lakeside-ux: a panel of 2 and no note:" in out
    path.write_text(
        path.read_text("utf-8").replace("topics: [x]\n", "topics: [x]\n        note: A line.\n", 1)
    )
    assert main(["--data", str(path), "--now", PLANNED.isoformat(), "check"]) == 0
    assert "hint" not in capsys.readouterr().out


# --- language: -----------------------------------------------------------------------------------------


def load_error(tmp_path: Path, text: str) -> str:
    """What the loader says about a file (it must refuse it)."""
    path = tmp_path / "interviews.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load([path])
    return str(caught.value).replace(str(path), "interviews.yaml")


def one_person(language: str = "en", me_language: str = "en") -> str:
    return DATA.format(
        language=language,
        me_language=me_language,
        people=PERSON.format(name="Ann Lee", email="ann@x.example", topics="x"),
    )


def test_a_language_without_stock_templates_is_an_error_at_its_place(tmp_path: Path) -> None:
    said = load_error(tmp_path, one_person("de"))
    assert said.startswith("interviews.yaml:14:15: language: de: no stock templates in it")


def test_a_language_of_your_own_template_loads(tmp_path: Path) -> None:
    text = one_person("de").replace("    interviewers:\n", "    template: mine.md\n    interviewers:\n")
    path = tmp_path / "interviews.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "mine.md").write_text("---\nsubject: Danke\n---\nDanke, {{ interviewer.first_name }}.\n")
    assert load([path]).interviews[0].language == "de"


@pytest.mark.parametrize(("code", "what"), [("french", "is not a language code"), ("fr-ZZ", "no dates")])
def test_a_misspelt_language_is_an_error(tmp_path: Path, code: str, what: str) -> None:
    assert what in load_error(tmp_path, one_person(code))


def test_your_own_language_needs_stock_templates(tmp_path: Path) -> None:
    assert "interviews.yaml:6:13: language: de: no stock templates" in load_error(
        tmp_path, one_person("en", "de")
    )


def test_the_most_specific_language_wins() -> None:
    data = dataset("fr-CA", me_language="es")
    item = item_of(data)
    assert render.language_of(item, data) == "fr-CA"
    person = item.interviewer._replace(language="es")
    assert render.language_of(item._replace(interviewer=person), data) == "es-MX"  # Toronto: the Americas'
    interview = item.interview._replace(language=None)
    assert render.language_of(item._replace(interview=interview), data) == "es-MX"


@pytest.mark.parametrize(
    ("code", "zone", "variant"),
    [
        ("fr", "Europe/Paris", "fr-FR"), ("fr", "Europe/Brussels", "fr-FR"), ("fr", "Europe/Zurich", "fr-FR"),
        ("fr", "America/Toronto", "fr-CA"), ("fr", "America/Montreal", "fr-CA"),
        ("es", "America/Mexico_City", "es-MX"), ("es", "Europe/Madrid", "es-ES"),
        ("es", "America/Bogota", "es-MX"), ("fr", "Asia/Tokyo", "fr-FR"), ("es", "Etc/UTC", "es-MX"),
        ("fr-CA", "Europe/Paris", "fr-CA"), ("FR-fr", "America/Toronto", "fr-FR"),
        ("en", "Europe/Paris", "en"),
    ],
)  # fmt: skip
def test_a_bare_language_takes_its_variant_from_the_readers_zone(code: str, zone: str, variant: str) -> None:
    data = dataset("en")
    item = item_of(data)
    person = item.interviewer._replace(language=code, timezone=zone)
    assert render.language_of(item._replace(interviewer=person), data) == variant


def test_france_and_quebec_get_different_letters() -> None:
    france, quebec = (
        compose(item_of(data := dataset(code, me_language=code)), data).words for code in ("fr-FR", "fr-CA")
    )
    assert france.text != quebec.text
    for name in ("thank-you", "check-in", "voicemail", "note", "reminder"):  # each says it its own way
        assert "entrevue" not in (STOCK / "fr-FR" / f"{name}.md").read_text(encoding="utf-8")
        assert "entretien" not in (STOCK / "fr-CA" / f"{name}.md").read_text(encoding="utf-8")
    assert "poste d’UX Researcher" in france.text + france.subject  # elided, as a French reader writes it
    assert not re.search(r"\S[?!;]", france.text.replace("\u202f", " "))  # no mark glued on in France


def test_the_reminder_to_you_is_in_your_language() -> None:
    data = dataset("en", me_language="fr-CA")
    composed = compose(item_of(data, method="voicemail"), data)
    assert composed.mail.subject.startswith("Rappel\u00a0: appeler")
    assert "Hello, this is Alex Morgan" in composed.mail.text  # the script is in the interview's language


def test_babel_stays_off_the_idle_cron_path(tmp_path: Path) -> None:
    path = tmp_path / "interviews.yaml"
    path.write_text(one_person("fr-CA"), encoding="utf-8")
    code = (
        "import sys; from batch.cli.main import main; "
        f"main(['--data', {str(path)!r}, '--now', '2026-05-01T10:00-04:00', '--state', "
        f"{str(tmp_path / 'state.db')!r}, 'send', '--outbox', {str(tmp_path / 'out')!r}]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('babel', 'jinja2')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")},
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
