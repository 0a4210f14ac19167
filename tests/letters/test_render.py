"""The renderer: golden files for every stock template, values kept as data, template mistakes placed.

The goldens are rendered from the shipped example at the demo moment. `UPDATE_GOLDEN=1 pytest` rewrites
them; without it a difference fails with a unified diff.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.data.fields import parse_text
from batch.data.load import load
from batch.errors import InputError
from batch.etiquette.schedule import FollowUp, plan
from batch.letters import render
from batch.letters.compose import compose
from batch.letters.render import Rendered, render_follow_up
from batch.model.interview import Dataset

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
NOW = datetime.fromisoformat("2026-11-24T16:00-05:00")
THANK_YOU = "northwind-data-analyst/thank-you/marcus.chen@northwind.example"
CHECK_IN = "contoso-bi-developer/check-in"
VOICEMAIL = "fabrikam-product-analyst/thank-you/jordan-blake"
NOTE = "northwind-data-analyst/thank-you/elena-torres"
# golden name -> (follow-up key, whether the golden is the reminder mail rather than the words)
CASES = {
    "thank-you": (THANK_YOU, False),
    "check-in": (CHECK_IN, False),
    "voicemail": (VOICEMAIL, False),
    "note": (NOTE, False),
    "reminder-voicemail": (VOICEMAIL, True),
    "reminder-note": (NOTE, True),
}
TAG = re.compile(r"<\s*(/?[A-Za-z][^\s/>]*)")
ANY_TAG = re.compile(r"<[^>]*>")

EXAMPLE = load([ROOT / "interviews.yaml"])
ITEMS = {item.key: item for item in plan(EXAMPLE, NOW)}


def rendered_case(name: str, item: FollowUp | None = None, data: Dataset = EXAMPLE) -> Rendered:
    """The words of a case, or the reminder that carries them."""
    key, reminder = CASES[name]
    item = item or ITEMS[key]
    return compose(item, data).mail if reminder else render_follow_up(item, data)


def compare_golden(path: Path, actual: str) -> None:
    """Equal to the stored golden file, or rewrite it when UPDATE_GOLDEN=1."""
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
    if not path.exists():
        pytest.fail(f"{path} is missing; run UPDATE_GOLDEN=1 pytest {__file__} to create it")
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{path} (golden)",
            tofile="rendered now",
        )
        pytest.fail("rendered output differs from the golden file:\n" + "".join(diff), pytrace=False)


@pytest.mark.parametrize("name", CASES)
def test_every_stock_template_matches_its_golden_files(name: str) -> None:
    rendered = rendered_case(name)
    compare_golden(GOLDEN / f"{name}.txt", rendered.text)
    compare_golden(GOLDEN / f"{name}.html", rendered.html)
    compare_golden(GOLDEN / f"{name}.subject", rendered.subject + "\n")


def test_a_changed_rendering_fails_with_a_diff_and_rewrites_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    golden = tmp_path / "case.txt"
    golden.write_text("Dear Ann,\nThank you.\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)-Thank you\.\n\+Thanks!"):
        compare_golden(golden, "Dear Ann,\nThanks!\n")
    assert golden.read_text(encoding="utf-8") == "Dear Ann,\nThank you.\n"
    with pytest.raises(pytest.fail.Exception, match="UPDATE_GOLDEN=1"):
        compare_golden(tmp_path / "missing.txt", "x\n")
    assert not (tmp_path / "missing.txt").exists()
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    compare_golden(golden, "Dear Ann,\nThanks!\n")
    assert golden.read_text(encoding="utf-8") == "Dear Ann,\nThanks!\n"


@pytest.mark.parametrize("name", CASES)
def test_every_stock_template_is_used_for_its_case(name: str) -> None:
    _, reminder = CASES[name]
    stock = "reminder.md" if reminder else f"{name}.md"
    assert Path(rendered_case(name).template).name == stock


@pytest.mark.parametrize("name", CASES)
def test_no_html_part_loads_a_remote_resource_or_an_image(name: str) -> None:
    page = rendered_case(name).html.lower()
    assert "<img" not in page
    assert not re.search(r"\b(src|href|background|srcset|style)\s*=", page)
    assert "http://" not in page and "https://" not in page and "url(" not in page


def test_emails_have_a_subject_and_scripts_have_none() -> None:
    assert rendered_case("thank-you").subject == "Thank you for the Data Analyst interview"
    assert rendered_case("reminder-voicemail").subject == "Reminder: call Jordan Blake"
    assert rendered_case("voicemail").subject == ""
    assert rendered_case("note").subject == ""


def test_the_demo_moment_has_an_email_a_voicemail_and_a_note_due() -> None:
    due = {key for key, item in ITEMS.items() if item.state == "due"}
    assert {THANK_YOU, VOICEMAIL, NOTE} <= due


# --- values are data -------------------------------------------------------------------------------


def with_values(
    item: FollowUp,
    data: Dataset,
    *,
    name: str,
    topics: tuple[str, ...],
    company: str = "Northwind Traders",
    role: str = "Data Analyst",
    me_name: str = "Sam Rivera",
) -> tuple[FollowUp, Dataset]:
    """The same follow-up with other values, as the loader would have given them."""
    person = item.interviewer._replace(name=name, topics=topics)
    interview = item.interview._replace(company=company, role=role, interviewers=(person,))
    item = item._replace(interviewer=person, interview=interview)
    return item, data._replace(me=data.me._replace(name=me_name))


def text_content(page: str) -> str:
    """What a reader of the HTML sees: the tags dropped, the entities decoded."""
    return html.unescape(ANY_TAG.sub("", page))


def tags(page: str) -> list[str]:
    """The sequence of opening and closing tags of an HTML fragment."""
    return [tag.lower() for tag in TAG.findall(page)]


HOSTILE = ["<b>Ann</b>", "[x](http://evil)", "*stars*", "&amp;", "<img src=http://evil/p.gif>"]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("value", HOSTILE)
def test_markup_in_a_value_is_shown_literally_and_never_becomes_markup(name: str, value: str) -> None:
    key, _ = CASES[name]
    plain = rendered_case(name, *with_values(ITEMS[key], EXAMPLE, name="Ann Lee", topics=("forecasts",)))
    item, data = with_values(ITEMS[key], EXAMPLE, name=value, topics=(value,), company=value)
    rendered = rendered_case(name, item, data)
    assert value in rendered.text
    assert value in text_content(rendered.html)
    assert html.escape(value) in rendered.html
    assert tags(rendered.html) == tags(plain.html)
    assert "<b>" not in rendered.html and "<a " not in rendered.html and "<img" not in rendered.html
    assert "<em>" not in rendered.html


def test_a_name_in_markup_appears_escaped_in_the_thank_you() -> None:
    item, data = with_values(ITEMS[THANK_YOU], EXAMPLE, name="<b>Ann</b> Lee", topics=("[x](http://evil)",))
    rendered = render_follow_up(item, data)
    assert "Dear <b>Ann</b>," in rendered.text
    assert "<p>Dear &lt;b&gt;Ann&lt;/b&gt;,</p>" in rendered.html
    assert " [x](http://evil)" in rendered.text
    assert " [x](http://evil)" in rendered.html and "<a " not in rendered.html


def model_text(value: str) -> bool:
    """Whether the loader accepts the value as it is (one line, no controls, trimmed)."""
    try:
        return parse_text(value) == value and bool(value.split())
    except ValueError:
        return False


SPECIAL = st.sampled_from(
    ["<b>Ann</b>", "[x](http://evil)", "*stars*", "&amp;", "_a_", "`code`", "# head", "> quote",
     "1. one", "- item", "\\", "O'Brien", '"quoted"', "a  b", "&#x27;", "{{ x }}", "<!--", "]]>",
     "שלום עליכם", "مرحبا بك", "Zoë Ångström", "山田 太郎", "😀 🎉", "e\u0301", "\u200fRTL\u200e"]
)  # fmt: skip
TEXT = st.one_of(
    SPECIAL,
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=24),
    st.text("<>&\"'*_`[]()#!\\-=+.: |~ab", min_size=1, max_size=16),
).filter(model_text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(list(CASES)),
    person=TEXT,
    topics=st.lists(TEXT, min_size=1, max_size=3).map(tuple),
    company=TEXT,
    role=TEXT,
    me_name=TEXT,
)
def test_any_values_appear_verbatim_and_add_no_tags(
    name: str, person: str, topics: tuple[str, ...], company: str, role: str, me_name: str
) -> None:
    key, _ = CASES[name]
    values = {"name": person, "topics": topics, "company": company, "role": role, "me_name": me_name}
    rendered = rendered_case(name, *with_values(ITEMS[key], EXAMPLE, **values))
    plain_values = {"name": "Ann Lee", "topics": ("topic",) * len(topics), "company": "Acme",
                    "role": "Analyst", "me_name": "Sam Rivera"}  # fmt: skip
    plain = rendered_case(name, *with_values(ITEMS[key], EXAMPLE, **plain_values))
    shown = [company, role, me_name]  # a voicemail says who calls, and the letters greet the reader
    if name in ("thank-you", "check-in", "note"):
        shown.append(person.split()[0])
    if name != "check-in":
        shown += topics
    seen = text_content(rendered.html)
    for value in shown:
        assert value in rendered.text
        assert value in seen
    assert tags(rendered.html) == tags(plain.html)


# --- template mistakes and choices -------------------------------------------------------------------

DATA_YAML = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  timezone: America/Toronto
interviews:
  - id: acme-analyst
    company: Acme
    role: Analyst
    start: 2026-11-24 14:00
    timezone: America/Toronto
    decision_by: 2026-11-26
    template: {template}
    interviewers:
      - name: Ann Lee
        email: ann.lee@acme.example
        topics: [forecasts]
"""


def with_template(tmp_path: Path, source: str, name: str = "mine.md") -> tuple[Path, list[FollowUp], Dataset]:
    """A data file whose interview names its own template, written next to it (or in a subfolder)."""
    template = tmp_path / name
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text(source, encoding="utf-8")
    data_file = tmp_path / "interviews.yaml"
    data_file.write_text(DATA_YAML.format(template=name), encoding="utf-8")
    data = load([data_file])
    return template, plan(data, NOW), data


def place(exc: pytest.ExceptionInfo[InputError]) -> tuple[str, int]:
    """The path and line of the (single) problem an InputError carries."""
    (problem,) = exc.value.problems
    return problem.path, problem.line


def test_an_interviews_own_template_is_used_for_its_thank_you_only(tmp_path: Path) -> None:
    source = "---\nsubject: A word of thanks, {{ interviewer.first_name }}\n---\n"
    source += "Thank you, {{ interviewer.name }}!\n"
    template, items, data = with_template(tmp_path, source, "templates/mine.md")
    by_kind = {item.kind: item for item in items}
    thanks = render_follow_up(by_kind["thank-you"], data)
    assert Path(thanks.template) == template
    assert thanks.subject == "A word of thanks, Ann"
    assert thanks.text == "Thank you, Ann Lee!\n"
    assert Path(render_follow_up(by_kind["check-in"], data).template).name == "check-in.md"


def test_an_undefined_placeholder_names_the_template_and_its_line(tmp_path: Path) -> None:
    # the word also appears in the prose above: the line must be the placeholder's own
    source = (
        "---\nsubject: Thanks\n---\n"  # lines 1-3
        "Dear {{ interviewer.first_name }},\n\n"  # lines 4-5
        "I liked the nickname talk.\n\n"  # lines 6-7
        "{{ interviewer.nickname }}\n"  # line 8
    )
    template, items, data = with_template(tmp_path, source)
    with pytest.raises(InputError) as exc:
        render_follow_up(items[0], data)
    assert place(exc) == (str(template), 8)
    assert "nickname" in str(exc.value)
    assert str(exc.value).startswith(f"{template}:8:")


def test_an_undefined_name_in_the_subject_points_at_the_subject_line(tmp_path: Path) -> None:
    source = "---\nsubject: Thanks for {{ meeting }}\n---\n"
    source += "The meeting was good.\nThank you, {{ interviewer.name }}.\n"
    template, items, data = with_template(tmp_path, source)
    with pytest.raises(InputError) as exc:
        render_follow_up(items[0], data)
    assert place(exc) == (str(template), 2)


def test_a_syntax_error_names_the_template_and_its_line(tmp_path: Path) -> None:
    source = "---\nsubject: Thanks\n---\nDear {{ interviewer.name }},\n\nOn the subject of {{ topics }\n"
    template, items, data = with_template(tmp_path, source)
    with pytest.raises(InputError) as exc:
        render_follow_up(items[0], data)
    assert place(exc) == (str(template), 6)


def test_a_syntax_error_in_the_subject_points_at_the_subject_line(tmp_path: Path) -> None:
    source = "---\n# the subject line\nsubject: Thanks {% if %}\n---\nThank you.\n"
    template, items, data = with_template(tmp_path, source)
    with pytest.raises(InputError) as exc:
        render_follow_up(items[0], data)
    assert place(exc) == (str(template), 3)


@pytest.mark.parametrize(
    "placeholder",
    ["{{ interviewer.name|upper }}", "{{ interviewer.name|title }}", "{{ interviewer.name[:3] }}",
     "{{ interviewer.name|replace('Ann', 'Anne') }}", "{{ interviewer.name|reverse }}"],
)  # fmt: skip
def test_a_placeholder_that_changes_its_value_is_refused(tmp_path: Path, placeholder: str) -> None:
    source = f"---\nsubject: Thanks\n---\nDear {placeholder},\n\nThank you for your time.\n"
    template, items, data = with_template(tmp_path, source)
    with pytest.raises(InputError, match=r"filter|slice") as exc:  # refused as the template compiles
        render_follow_up(items[0], data)
    assert place(exc) == (str(template), 4)


def test_a_missing_template_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    _, items, data = with_template(tmp_path, "Thank you.\n")
    (tmp_path / "mine.md").unlink()
    with pytest.raises(InputError) as exc:
        render_follow_up(items[0], data)
    assert place(exc) == (str(tmp_path / "mine.md"), 1)


@pytest.mark.parametrize(
    "line", ['subject: "Re: our talk"', "subject: 'Re: our talk'", "subject: Re: our talk"]
)
def test_a_subject_may_be_written_with_or_without_yaml_quotes(tmp_path: Path, line: str) -> None:
    path = tmp_path / "quoted.md"
    path.write_text(f"---\n{line}\n---\nThank you.\n")
    assert render.render(render.load_template(path), {}).subject == "Re: our talk"


# --- the body filled from its skeleton, not rendered again: proven equal to the rendering ---------------


def both_ways(item: FollowUp, data: Dataset) -> tuple[Rendered, Rendered]:
    """A follow-up's words the fast way (the skeleton filled) and rendered with its values as well."""
    template = render.load_template(render.stock_path(item, data))
    assert template.reads is not None  # a stock template reads plain names only: the fast way is taken
    assert template.subject is None or template.subject_reads is not None
    context = render.context_for(item, data) | render.panel_phrasing(item, template)
    slow = dataclasses.replace(template, reads=None, subject_reads=None)
    return render.render(template, context), render.render(slow, context)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from([case for case, (_, reminder) in CASES.items() if not reminder]),
    language=st.sampled_from(["en", "fr", "es"]),
    person=TEXT,
    topics=st.lists(TEXT, max_size=3).map(tuple),
    company=TEXT,
    role=TEXT,
    me_name=TEXT,
)
def test_the_words_filled_from_their_skeleton_equal_the_words_rendered_with_the_values(
    name: str, language: str, person: str, topics: tuple[str, ...], company: str, role: str, me_name: str
) -> None:
    key, _ = CASES[name]
    item, data = with_values(ITEMS[key], EXAMPLE, name=person, topics=topics, company=company, role=role,
                             me_name=me_name)  # fmt: skip
    data = data._replace(me=data.me._replace(language=language))
    fast, slow = both_ways(item, data)
    assert fast == slow


@pytest.mark.parametrize(
    "path", sorted(render.STOCK.glob("*/*.md")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_every_stock_template_reads_only_plain_names(path: Path) -> None:
    assert render.load_template(path).reads is not None


@pytest.mark.parametrize(
    ("line", "reads"),
    [("{% if opening == 1 %}a{% endif %}{% if kind is defined %}b{% endif %}", {"opening", "kind"}),
     ("{% if topics %}{{ topics }}{% endif %}", set()),
     ('{% if interview.company == "Acme" %}a{% endif %}', None),
     ("{% if topics[0] == 'a' %}a{% endif %}", None),
     ("{% if (me or topics) == 'a' %}a{% endif %}", None)],
)  # fmt: skip
def test_what_a_template_reads_of_its_values_is_known_when_it_compiles(
    tmp_path: Path, line: str, reads: set[str] | None
) -> None:
    (tmp_path / "t.md").write_text(f"---\nsubject: Thanks\n---\nThank you.\n{line}\n", encoding="utf-8")
    found = render.load_template(tmp_path / "t.md").reads
    assert found == (None if reads is None else frozenset(reads))


@pytest.mark.parametrize(
    "line", ['{% if interview.company == "Acme" %} at Acme{% endif %}', "{{ topics[0] }}",
             "{% if me.name is lower %} hi{% endif %}", "{% if topics[0] == 'f' %} f{% endif %}"]
)  # fmt: skip
def test_a_template_that_reads_a_values_text_is_still_refused_as_changing_it(
    tmp_path: Path, line: str
) -> None:
    source = f"---\nsubject: Thanks\n---\nThank you for your time{line}.\n"
    _, items, data = with_template(tmp_path, source)
    with pytest.raises(InputError, match="a value is changed"):
        render_follow_up(items[0], data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(list(CASES)),
    language=st.sampled_from(["en", "fr", "es"]),
    person=TEXT,
    topics=st.lists(TEXT, max_size=3).map(tuple),
    company=st.one_of(TEXT, st.sampled_from(["-", "'", "’", "_", "a-", "-a", "x'", "’s"])),
    role=TEXT,
)
def test_the_words_counted_from_the_skeleton_and_each_value_are_the_words_of_the_text(
    name: str, language: str, person: str, topics: tuple[str, ...], company: str, role: str
) -> None:
    from batch.letters.words import count_words

    key, _ = CASES[name]
    item, data = with_values(ITEMS[key], EXAMPLE, name=person, topics=topics, company=company, role=role)
    data = data._replace(me=data.me._replace(language=language))
    rendered = rendered_case(name, item, data)
    assert rendered.words is not None  # every stock template parts its values from its words
    assert rendered.words == count_words(rendered.text)


@pytest.mark.parametrize(
    "body", ["Thanks {{ interviewer.name }}'s team.", "Thanks x{{ interview.company }}.",
             "Thanks {{ interview.company }}{{ interview.role }}.", "Thanks-{{ interview.role }} a."]
)  # fmt: skip
def test_a_value_that_touches_a_word_is_counted_in_the_whole_text(tmp_path: Path, body: str) -> None:
    from batch.letters.words import count_words

    _, items, data = with_template(tmp_path, f"---\nsubject: Thanks\n---\n{body}\n")
    rendered = render_follow_up(items[0], data)
    assert rendered.words is None and count_words(rendered.text) > 0


def test_a_subject_that_reads_a_values_text_is_rendered_with_the_values(tmp_path: Path) -> None:
    source = "---\nsubject: Thanks{% if interview.company == 'Acme' %} to Acme{% endif %}\n---\nThank you.\n"
    _, items, data = with_template(tmp_path, source)
    assert render.load_template(tmp_path / "mine.md").subject_reads is None
    assert render_follow_up(items[0], data).subject == "Thanks to Acme"
