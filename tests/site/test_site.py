"""The guide: a strict build, every link and anchor, the generated parts, privacy, copying, publishing."""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from batch.cli import main as cli
from batch.cli.workspace_files import ENV
from batch.data import load as loader
from batch.data import spec
from batch.data.load import data_files
from batch.etiquette import schedule
from batch.ledger import schema as ledger
from batch.letters import compose, threads
from batch.model import interview as model
from batch.model import policy
from batch.site import examples
from batch.site import hooks as sitehooks
from tests.site_fixtures import BIN, ROOT, BuiltSite, copy_project, mkdocs_env, rooted_config, run_mkdocs

COPYCHECK = ROOT.parent / "shared" / "tools" / "copycheck.py"
ARTICLE = ROOT.parent / "shared" / "reference" / "the-follow-up.txt"
PAGES = sorted(p.relative_to(ROOT / "content").with_suffix(".html") for p in (ROOT / "content").rglob("*.md"))


# --- the build -------------------------------------------------------------------------------------


def test_strict_build_passes_without_a_single_warning(built_site: BuiltSite) -> None:
    output = built_site.result.stdout + built_site.result.stderr
    assert built_site.result.returncode == 0, output
    assert "WARNING" not in output
    assert "Documentation built" in output


def test_every_page_of_content_is_built(built_site: BuiltSite) -> None:
    missing = [str(page) for page in PAGES if not (built_site.path / page).is_file()]
    assert not missing
    assert (built_site.path / "404.html").is_file()
    assert len(PAGES) >= 15


def test_strict_build_fails_on_a_broken_link_anchor_orphan_page_or_marker(tmp_path: Path) -> None:
    config = copy_project(tmp_path)
    about = tmp_path / "content" / "about.md"
    about.write_text(
        about.read_text("utf-8")
        + "\n[gone](no-such-page.md) and [lost](tool/smtp.md#no-such-heading)\n"
        + "\n<!-- followup: no-such-part -->\n",
        "utf-8",
    )
    (tmp_path / "content" / "orphan.md").write_text("# Not in the nav\n", "utf-8")
    result = run_mkdocs("build", "--strict", "-f", str(config), "--site-dir", str(tmp_path / "site"))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Aborted with" in output
    for culprit in ("no-such-page.md", "no-such-heading", "orphan.md", "no-such-part"):
        assert culprit in output, culprit


# --- links and anchors -----------------------------------------------------------------------------


class _Page(HTMLParser):
    """The ids and the outgoing links of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if found.get(name):
                self.ids.add(found[name])  # type: ignore[arg-type]
        for name in ("href", "src"):
            if tag in ("a", "link", "script", "img", "source") and found.get(name):
                self.links.append(found[name])  # type: ignore[arg-type]


def parse_pages(site: Path) -> dict[Path, _Page]:
    """Every HTML page of a built site, parsed."""
    pages = {}
    for path in site.rglob("*.html"):
        page = _Page()
        page.feed(path.read_text("utf-8"))
        pages[path.resolve()] = page
    return pages


def resolve(site: BuiltSite, page: Path, link: str) -> tuple[Path, str] | None:
    """The file and fragment an internal link points at; None for a link that leaves the site."""
    if link.startswith(site.url):
        link = "/" + link[len(site.url) :]
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page, parts.fragment
    base = site.path if parts.path.startswith("/") else page.parent
    target = (base / unquote(parts.path.lstrip("/"))).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def broken_links(site: BuiltSite) -> tuple[list[str], int, int]:
    """Internal links and anchors that lead nowhere, and how many links and anchors were checked."""
    pages = parse_pages(site.path)
    root = site.path.resolve()
    broken, checked, anchors = [], 0, 0
    for path, page in pages.items():
        for link in page.links:
            found = resolve(site, path, link)
            if found is None:
                continue
            target, fragment = found
            checked += 1
            where = f"{path.relative_to(root)}: {link}"
            if not target.is_relative_to(root) or not target.is_file():
                broken.append(where)
            elif fragment and target.suffix == ".html":
                anchors += 1
                if fragment not in pages[target].ids:
                    broken.append(where + " (no such anchor)")
    return broken, checked, anchors


def test_every_internal_link_and_anchor_resolves(built_site: BuiltSite) -> None:
    broken, checked, anchors = broken_links(built_site)
    assert not broken
    assert checked > 500 and anchors > 50  # the checker really looked


def test_the_link_checker_catches_a_missing_page_and_a_missing_anchor(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    shutil.copytree(built_site.path, tmp_path / "site")
    copy = BuiltSite(tmp_path / "site", built_site.url, built_site.result)
    page = copy.path / "about.html"
    bad = '<a href="tool/gone.html">x</a><a href="tool/smtp.html#nowhere">y</a></article>'
    page.write_text(page.read_text("utf-8").replace("</article>", bad, 1), "utf-8")
    broken, _, _ = broken_links(copy)
    assert broken == ["about.html: tool/gone.html", "about.html: tool/smtp.html#nowhere (no such anchor)"]


def test_the_404_page_links_home_from_any_depth(built_site: BuiltSite) -> None:
    page = built_site.html("404.html")
    assert "This page is not here" in page
    assert 'href="/index.html"' in page  # absolute: it is served for missing pages at any depth


def _git_checkout(tmp_path: Path, remote: str | None) -> Path:
    """A copy of the guide's sources in a git repository, with `remote` as its origin (or none)."""
    config = copy_project(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    if remote:
        subprocess.run(["git", "remote", "add", "origin", remote], cwd=tmp_path, check=True)
    return config


@pytest.mark.parametrize(
    ("remote", "web"),
    [
        ("https://git.example/you/followup.git", "https://git.example/you/followup"),
        ("git@git.example:you/followup.git", "https://git.example/you/followup"),
    ],
)
def test_the_clone_command_and_the_header_link_come_from_the_checkouts_git_remote(
    tmp_path: Path, remote: str, web: str
) -> None:
    config = _git_checkout(tmp_path, remote)
    result = run_mkdocs("build", "--strict", "-f", str(config), "--site-dir", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    install = (tmp_path / "site" / "tool" / "install.html").read_text("utf-8")
    assert f"git clone {remote} followup" in html.unescape(re.sub(r"<[^>]+>", "", install))
    assert f'href="{web}"' in install and 'class="md-source"' in install
    assert 'data-md-component="source"' not in install  # asks no third party for repository facts


@pytest.mark.parametrize("remote", [None, "/home/you/followup", "../followup", "file:///srv/git/followup"])
def test_without_a_remote_the_guide_names_no_repository_and_no_placeholder(
    tmp_path: Path, remote: str | None
) -> None:
    config = _git_checkout(tmp_path, remote)  # a folder on this machine is no address for a reader
    result = run_mkdocs("build", "--strict", "-f", str(config), "--site-dir", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    for page in (tmp_path / "site").rglob("*.html"):
        text = page.read_text("utf-8")
        words = html.unescape(re.sub(r"<[^>]+>", "", text))  # a code block's words sit in spans
        assert 'class="md-source"' not in text and "git clone" not in words, page
        assert "followup-guide/followup" not in text, page  # the old placeholder address


# --- the generated parts are the job's own output --------------------------------------------------


def example_data(tmp_path: Path) -> model.Dataset:
    """The hook's fictional interview, loaded independently of the hook."""
    path = tmp_path / "example.yaml"
    path.write_text(examples.EXAMPLE_YAML, "utf-8")
    return loader.load([path])


def code_blocks(page: str) -> list[str]:
    """The text of every <code> block of a page, as a reader sees it."""
    return [
        html.unescape(re.sub(r"<[^>]+>", "", block))
        for block in re.findall(r"<code>(.*?)</code>", page, re.S)
    ]


def test_examples_are_exactly_what_the_job_composes(built_site: BuiltSite, tmp_path: Path) -> None:
    data = example_data(tmp_path)
    page = built_site.html("etiquette/examples.html")
    blocks = [block.strip() for block in code_blocks(page)]
    shown = []
    for method in model.METHODS:
        interview = data.interviews[0]._replace(method=method)
        items = schedule.plan(data._replace(interviews=(interview,)), examples.EXAMPLE_NOW)
        for item in items if method == "email" else items[:1]:
            thread = threads.answered(item, data, (), items, item.sends_at)  # the check-in: "Re: "
            composed = compose.compose(item, data, None, thread)
            assert not composed.problems
            assert composed.words.text.strip() in blocks, item.key
            assert composed.mail.text.strip() in blocks, item.key  # for a call or a card: the reminder
            assert html.escape(composed.mail.subject, quote=False) in page
            shown.append((method, item.kind))
    assert shown == [("email", "thank-you"), ("email", "thank-you"), ("email", "check-in"),
                     ("voicemail", "thank-you"), ("note", "thank-you")]  # fmt: skip


def test_your_data_shows_how_to_write_topics_with_the_sentence_the_thank_you_makes_of_them(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    data = example_data(tmp_path)
    page = built_site.html("tool/start/your-data.html")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Topics that read well" in text and "our discussion of" in text
    items = schedule.plan(data, examples.EXAMPLE_NOW)
    shown = 0
    for person in data.interviews[0].interviewers:
        (item,) = [i for i in items if i.kind == "thank-you" and i.interviewer == person]
        letter = " ".join(compose.compose(item, data, item.sends_at).words.text.split())
        (sentence,) = [s for s in re.split(r"(?<=[.!?]) ", letter) if person.topics[0] in s]
        assert f"topics: [{', '.join(person.topics)}]" in text and f"“{sentence}”" in text, sentence
        shown += 1
    assert shown == 2


def test_each_letter_in_another_language_is_what_the_job_makes_of_the_yaml_shown_under_it(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    blocks = [block.strip() for block in code_blocks(built_site.html("etiquette/examples.html"))]
    pairs = [
        (blocks[n - 1], block) for n, block in enumerate(blocks) if re.search(r"\n    language: ", block)
    ]
    assert len(pairs) == 4  # France, Québec, Mexico, Spain
    for letter, yaml_text in pairs:
        path = tmp_path / "shown.yaml"
        path.write_text(yaml_text + "\n", "utf-8")
        data = loader.load([path])
        nadia = data.interviews[0].interviewers[0]
        assert "the reader survey" not in yaml_text  # topics written in the letter's language
        items = schedule.plan(data, examples.EXAMPLE_NOW)
        item = next(i for i in items if i.kind == "thank-you" and i.interviewer == nadia)
        assert compose.compose(item, data, item.sends_at).words.text.strip() == letter


def test_examples_show_the_thank_you_as_email_voicemail_and_note(built_site: BuiltSite) -> None:
    page = built_site.html("etiquette/examples.html")
    labels = re.findall(r'<label for="__tabbed_1_\d+">([^<]+)</label>', page)
    assert labels == ["Email", "Voicemail", "Note"]
    assert "Reminder: call Nadia Brooks" in page and "Reminder: a thank-you card for Nadia Brooks" in page


def test_examples_show_a_panel_of_two_with_different_letters_and_a_french_tab(built_site: BuiltSite) -> None:
    page = built_site.html("etiquette/examples.html")
    groups: dict[str, list[str]] = {}
    for group, label in re.findall(r'<label for="__tabbed_(\d+)_\d+">([^<]+)</label>', page):
        groups.setdefault(group, []).append(label)
    assert ["Nadia Brooks", "Tom Okoye"] in groups.values()
    variants = ["Français (France)", "Français (Québec)", "Español (México)", "Español (España)"]
    assert variants in groups.values()
    letters = [block for block in code_blocks(page) if block.startswith(("Dear Nadia", "Dear Tom"))]
    nadia, tom = letters[0], next(block for block in letters if block.startswith("Dear Tom"))
    body = [text.split("\n", 1)[1].replace("Nadia", "").replace("Tom", "") for text in (nadia, tom)]
    assert body[0] != body[1]
    assert any(block.startswith("Bonjour Nadia,") and "Merci" in block for block in code_blocks(page))


def test_examples_show_a_france_and_a_quebec_letter_side_by_side(built_site: BuiltSite) -> None:
    page = built_site.html("etiquette/examples.html")
    grid = page[page.index('<div class="grid">') :]
    blocks = [block for block in code_blocks(grid) if block.startswith("Bonjour")][:2]
    assert "Europe/Paris" in grid and "America/Toronto" in grid
    france, quebec = blocks
    assert "entretien" in france and "entrevue" not in france
    assert "entrevue" in quebec and "entretien" not in quebec
    assert france.startswith("Bonjour Nadia Brooks,") and quebec.startswith("Bonjour Nadia,")


def test_rules_page_lists_every_policy_number_with_its_default(built_site: BuiltSite) -> None:
    page = built_site.html("tool/rules.html")
    for name in policy.policy_fields():
        row = re.search(
            rf"<tr>\s*<td[^>]*><code>{name}</code></td>\s*<td[^>]*><code>([^<]*)</code></td>", page
        )
        assert row, name
        default = getattr(policy.DEFAULT, name)
        assert html.unescape(row[1]) == ("not set" if default is None else policy.format_value(default))
        assert html.escape(policy.DESCRIPTIONS[name], quote=False) in page


def test_policy_values_in_prose_come_from_the_policy(built_site: BuiltSite) -> None:
    page = built_site.html("etiquette/timing.html")
    span = (
        f"{policy.format_value(policy.DEFAULT.window_start)}–{policy.format_value(policy.DEFAULT.window_end)}"
    )
    assert span in page
    assert "<!-- followup:" not in "".join(built_site.html(str(p)) for p in PAGES)


# Typed numbers the scan accepts on the etiquette and tool pages, each with why it is not the job's.
ALLOWED_NUMBERS = {
    ("etiquette/timing.md", "two days"): "the name of the two-days delay, as a heading",
    ("tool/rules.md", "two-day"): "the name of the two-days delay",
    ("tool/cron.md", "fifteen minutes"): "how often the suggested crontab line runs, not an etiquette rule",
    ("tool/install.md", "fifteen minutes"): "the interval of `make cron`'s line",
    ("tool/guide.md", "eight or more words"): "the copy check's threshold, not the job's",
    ("tool/smtp.md", "500 messages a day"): "Gmail's own sending limit (a cited fact)",
    ("tool/smtp.md", "24 hours"): "Gmail's own rolling window for its sending limit (a cited fact)",
    ("tool/sending.md", "24 hours"): "the cap's rolling window, fixed in the code, not a policy number",
    ("tool/smtp.md", "16-letter"): "the length of a Gmail app password",
    ("tool/interviews.md", "200,000 characters"): "a template's output bound, fixed in the code (MAX_OUTPUT)",
    ("tool/troubleshooting.md", "200,000 characters"): "the same bound, fixed in the code (MAX_OUTPUT)",
}
NUMBER = r"\b(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|thirty|sixty)\b"
UNIT = r"(?:minutes?|hours?|days?|weeks?|words?|seconds?|characters?|messages? a day|letter\b)"
NEAR_UNIT = re.compile(rf"(?i){NUMBER}(?:[\s-]+(?!{NUMBER})[\w'’]+){{0,3}}?[\s-]+{UNIT}")


def typed_numbers(markdown: str) -> list[str]:
    """Numbers next to units that a person typed: not made by a marker, not in code, not a cited figure."""
    text = sitehooks.MARKER.sub("MARKED", markdown)
    text = re.sub(r"(?ms)^---\n.*?\n---\n", "", text, count=1)  # front matter
    text = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1", "", text)  # fenced code
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"(?m)^\[\^[^\]]+\]:.*$", "", text)  # footnote definitions
    found = []
    for sentence in re.split(r"(?<=[.;:!?])\s+|\n\s*\n", text):
        if "[^" in sentence:  # a figure with its source: the source's number, not the job's
            continue
        found += [re.sub(r"\s+", " ", m[0]) for m in NEAR_UNIT.finditer(sentence)]
    return found


def test_every_number_of_days_hours_or_words_in_the_prose_comes_from_the_policy() -> None:
    pages = sorted((ROOT / "content").glob("etiquette/*.md")) + sorted((ROOT / "content").glob("tool/*.md"))
    typed = []
    for path in pages:
        name = str(path.relative_to(ROOT / "content"))
        for phrase in typed_numbers(path.read_text("utf-8")):
            if not any(name == page and allowed in phrase.lower() for page, allowed in ALLOWED_NUMBERS):
                typed.append(f"{name}: {phrase!r}")
    assert typed == [], "type these through a <!-- followup: policy.FIELD --> marker, or allow them"


def test_the_number_scan_catches_a_typed_number_and_passes_a_marker_or_a_cited_figure() -> None:
    assert typed_numbers("A thank-you is dropped after 7 days.") == ["7 days"]
    assert typed_numbers("It waits two working days past the date.") == ["two working days"]
    assert (
        typed_numbers("It waits <!-- followup: policy.check_in_after_business_days --> working days.") == []
    )
    assert typed_numbers("Centres say 24 to 48 hours.[^centres]") == []
    assert typed_numbers("Run `sleep 5 minutes` in code.") == []


def page_text(site: BuiltSite, page: str) -> str:
    """The words of a built page's article, as a reader sees them, spaces collapsed."""
    article = site.html(page).split("<article", 1)[1].split("</article>", 1)[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", article)))


def test_the_default_delay_in_the_guide_is_the_jobs_default(built_site: BuiltSite) -> None:
    default = model.Interview._field_defaults["delay"]
    timing = page_text(built_site, "etiquette/timing.html")
    assert f"its default is {default}," in timing
    rules = page_text(built_site, "tool/rules.html")
    assert f"without one it is {default}." in rules
    assert "safe default" not in timing


def test_the_smtp_page_says_a_refused_login_stops_the_batch_and_keeps_follow_ups_due(
    built_site: BuiltSite,
) -> None:
    smtp = page_text(built_site, "tool/smtp.html")
    assert "4xx for a message: the delivery is deferred" in smtp
    assert "5xx for a message: the delivery is failed" in smtp
    assert "A refused login (535, 530" in smtp and "every follow-up stays due" in smtp


def test_what_to_say_lists_every_length_limit_of_the_policy(built_site: BuiltSite) -> None:
    page = page_text(built_site, "etiquette/what-to-say.html")
    limits = [name for name in policy.policy_fields() if name.endswith(("_words", "_chars"))]
    assert "check_in_max_words" in limits
    for name in limits:
        assert f"{name}" in page and str(getattr(policy.DEFAULT, name)) in page, name
    assert "Tuesday's conversation" not in page  # no stock subject names the day


def test_the_check_in_page_says_the_job_sends_one_check_in(built_site: BuiltSite) -> None:
    page = page_text(built_site, "etiquette/check-in.html")
    assert "Follow Up sends exactly one check-in per interview" in page
    assert "at most two check-ins" not in page


def test_the_self_test_of_the_sending_page_passes_check_with_plus_addresses_and_not_with_one(
    built_site: BuiltSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = page_text(built_site, "tool/sending.html")
    assert "you+1@yourmail.example" in page and "followup --data test.yaml send" in page
    shipped = (ROOT / "interviews.yaml").read_text("utf-8")
    count = iter(range(1, 100))
    plus = re.sub(
        r"(?m)^(\s{6,}email: ).*$", lambda m: f"{m[1]}sam.rivera+{next(count)}@example.com", shipped
    )
    same = re.sub(r"(?m)^(\s{6,}email: ).*$", r"\1sam.rivera@example.com", shipped)
    for text, code in ((plus, 0), (same, 2)):
        (tmp_path / "test.yaml").write_text(text, "utf-8")
        state = str(tmp_path / "var" / "test.db")
        assert cli.main(["--data", str(tmp_path / "test.yaml"), "--state", state, "check"]) == code
    assert "has the same email as" in capsys.readouterr().err


def test_no_page_promises_a_date_that_will_pass() -> None:
    stale = re.compile(r"(?<![-\w])(until|by|before) (the end of )?20\d\d\b")  # not --until DATE
    assert not [
        page.name for page in (ROOT / "content").rglob("*.md") if stale.search(page.read_text("utf-8"))
    ]


def test_the_check_in_page_says_a_check_in_needs_decision_by_as_the_planner_does(
    built_site: BuiltSite,
) -> None:
    page = page_text(built_site, "etiquette/check-in.html")
    assert "only when the interview has a decision_by:" in page
    undated = examples.example().interviews[0]._replace(decision_by=None)
    items = schedule.plan(examples.with_interview(undated), examples.EXAMPLE_NOW)
    assert items and not [item for item in items if item.kind == "check-in"]


def test_the_systemd_settings_file_the_cron_page_makes_has_full_paths(tmp_path: Path) -> None:
    page = (ROOT / "content" / "tool" / "cron.md").read_text("utf-8")
    (script,) = [
        b for b in re.findall(r"```sh\n(.*?)```", page, re.S) if "> ~/.config/followup/systemd.env" in b
    ]
    settings = tmp_path / ".config" / "followup"
    settings.mkdir(parents=True)
    # the template followup init writes, filled in
    lines = [line.removeprefix("# ") if "export" in line else line for line in ENV.splitlines()]
    lines.append("export FOLLOWUP_IMAP_PASSWORD_FILE=~/.config/followup/imap-password")
    (settings / "env").write_text("\n".join(lines) + "\n", "utf-8")
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    subprocess.run(["sh", "-c", script], env=env, check=True, capture_output=True, timeout=30)
    made = (settings / "systemd.env").read_text("utf-8").splitlines()
    assert f"FOLLOWUP_SMTP_PASSWORD_FILE={tmp_path}/.config/followup/smtp-password" in made
    assert f"FOLLOWUP_IMAP_PASSWORD_FILE={tmp_path}/.config/followup/imap-password" in made
    assert all(re.fullmatch(r"FOLLOWUP_[A-Z0-9_]+=[^$~]*", line) for line in made), made
    assert (settings / "systemd.env").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(("section", "keys"), list(spec.SECTIONS.items()))
def test_file_reference_lists_every_key_of_the_schema(
    built_site: BuiltSite, section: str, keys: spec.Spec
) -> None:
    page = built_site.html("tool/interviews.html")
    start = page.index(f'id="{section}"')
    table = page[start : page.index("</table>", start)]
    listed = re.findall(r"<tr>\s*<td[^>]*><code>([\w]+)</code></td>", table)
    assert listed == list(keys)
    for name, key in keys.items():
        row = table[re.search(rf"<td[^>]*><code>{name}</code></td>", table).start() :]  # type: ignore[union-attr]
        assert ("required" in row.split("</tr>")[0]) == key.required, name


def test_an_unknown_marker_is_reported_and_left_alone(caplog: pytest.LogCaptureFixture) -> None:
    text = "before <!-- followup: no-such-part --> after"
    with caplog.at_level("WARNING", logger="mkdocs"):
        assert sitehooks.expand(text, "page.md") == text
    assert "page.md: unknown marker 'no-such-part'" in caplog.text


def test_a_table_marker_in_code_is_shown_as_written_and_one_in_a_sentence_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    quoted = "Markers are comments such as `<!-- followup: rules-table -->` in the Markdown."
    inline = "The rules <!-- followup: rules-table --> apply."
    with caplog.at_level("WARNING", logger="mkdocs"):
        assert sitehooks.expand(quoted, "a.md") == quoted
        assert not caplog.text
        assert sitehooks.expand(inline, "b.md") == inline
    assert "b.md: the marker 'rules-table' must stand on a line of its own" in caplog.text
    assert "|---|" in sitehooks.expand("Intro.\n\n  <!-- followup: rules-table -->\n\nAfter.")


def test_no_page_shows_a_markdown_table_inside_a_paragraph(built_site: BuiltSite) -> None:
    raw = {
        str(page): paragraph[:80]
        for page in PAGES
        for paragraph in re.findall(r"<p>(.*?)</p>", built_site.html(str(page)), re.S)
        if re.search(r"\|\s*-{3,}\s*\|", paragraph)
    }
    assert not raw


def test_every_file_of_the_checkout_the_guide_names_exists() -> None:
    named = {
        (page.name, path)
        for page in [*(ROOT / "content").rglob("*.md"), ROOT / "README.md"]
        for path in re.findall(r"\b(?:batch|tests)/[\w/.-]*\w", page.read_text("utf-8"))
    }
    assert not {(page, path) for page, path in named if not (ROOT / path).exists()}


def test_troubleshooting_shows_the_loaders_real_messages(built_site: BuiltSite) -> None:
    page = html.unescape(built_site.html("tool/troubleshooting.html"))
    assert "unknown key 'interviewr' in an interview (did you mean 'interviewers'?)" in page
    assert re.search(r"interviews\.yaml:\d+:\d+: timezone: unknown time zone 'America/Toronot'", page)


# --- the guide documents the whole command line ---------------------------------------------------


def cli_surface() -> dict[str, set[str]]:
    """Every command of `followup` and its options ("" for the global ones), from the real parser."""
    parser = cli._parser()

    def options(p: argparse.ArgumentParser) -> set[str]:
        return {s for a in p._actions for s in a.option_strings if s not in ("-h", "--help")}

    found = {"": options(parser)}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update({name: options(sub) for name, sub in action.choices.items()})
    return found


def guide_text() -> str:
    """All the Markdown of the guide, with the generated parts expanded."""
    return "\n".join(sitehooks.expand(p.read_text("utf-8")) for p in sorted((ROOT / "content").rglob("*.md")))


def test_guide_mentions_every_followup_command_and_option() -> None:
    text = guide_text()
    surface = cli_surface()
    assert {"check", "plan"} <= set(surface)
    missing = []
    for command, options in surface.items():
        if command and not re.search(rf"(?m)(^|`|#+ )followup (--\S+ \S+ )*{re.escape(command)}\b", text):
            missing.append(f"followup {command}")
        missing += [
            f"{command} {o}".strip() for o in options if not re.search(rf"(?<![\w-]){o}(?![\w-])", text)
        ]
    assert not missing, "the guide does not mention: " + ", ".join(missing)


def make_words(text: str) -> list[list[str]]:
    """Each `make …` command of a page's code (inline or fenced), split as a shell would split it."""
    spans = re.findall(r"```[^\n]*\n(.*?)```|`([^`\n]+)`", text, re.S)
    lines = [line for block, inline in spans for line in (block or inline).splitlines()]
    found = []
    for line in lines:
        for command in re.findall(r"(?:^|&&\s*|\$\s*)(make\s[^#&|>]*)", line.strip()):
            words = shlex.split(command)
            found.append([w for n, w in enumerate(words) if words[n - 1] not in ("-C", "-f")])
    return found


def test_every_make_command_in_the_guide_names_only_targets_and_settings() -> None:
    phony = [ROOT / "Makefile", ROOT / "batch" / "cli" / "workspace_files.py"]
    declared = [re.search(r"\.PHONY:(.*)", path.read_text("utf-8")) for path in phony]
    targets = {target for found in declared if found for target in found[1].split()}
    wrong = [
        " ".join(words)
        for page in [*(ROOT / "content").rglob("*.md"), ROOT / "README.md"]
        for words in make_words(page.read_text("utf-8"))
        if any(not (w in targets or "=" in w or w.startswith("-")) for w in words[1:])
    ]
    assert not wrong


def test_the_make_command_scan_catches_an_option_with_its_value_unquoted() -> None:
    assert make_words("run `make send ARGS=--limit 1` now") == [["make", "send", "ARGS=--limit", "1"]]
    assert make_words('run `make send ARGS="--limit 1"` now') == [["make", "send", "ARGS=--limit 1"]]


def test_guide_mentions_every_setting_the_code_reads_from_the_environment() -> None:
    sources = [p.read_text("utf-8") for p in (ROOT / "batch").rglob("*.py") if p.parent.name != "site"]
    sources.append((ROOT / "mkdocs.yml").read_text("utf-8"))
    names = {n for text in sources for n in re.findall(r"FOLLOWUP_[A-Z0-9_]+", text) if not n.endswith("_")}
    assert {"FOLLOWUP_SMTP_HOST", "FOLLOWUP_SMTP_PASSWORD_FILE", "FOLLOWUP_SITE_URL"} <= names
    text = guide_text()
    assert sorted(n for n in names if not re.search(rf"\b{n}\b", text)) == []


def test_every_setting_the_guide_names_is_one_the_code_reads() -> None:
    read = [p.read_text("utf-8") for p in (ROOT / "batch").rglob("*.py") if p.parent.name != "site"]
    read += [(ROOT / name).read_text("utf-8") for name in ("mkdocs.yml", "Makefile", "overrides/main.html")]
    # the site's hook reads the site's own settings (the edit link's branch); its other text is documentation
    hooks = (ROOT / "batch" / "site" / "hooks.py").read_text("utf-8").splitlines()
    read.append("\n".join(line for line in hooks if "environ" in line))
    named = set(re.findall(r"FOLLOWUP_[A-Z0-9_]*[A-Z0-9]", guide_text()))
    assert {"FOLLOWUP_SMTP_HOST", "FOLLOWUP_IMAP_HOST"} <= named
    assert sorted(n for n in named if not any(re.search(rf"\b{n}\b", text) for text in read)) == []


def test_guide_explains_every_state_a_follow_up_or_delivery_can_have() -> None:
    text = guide_text()
    states = set(schedule.STATES) | set(ledger.STATES)
    assert {"due", "sent", "uncertain"} <= states
    assert sorted(s for s in states if not re.search(rf"(?m)^\| `{s}` \|", text)) == []


def test_guide_mentions_every_make_target_that_make_help_lists() -> None:
    helped = re.findall(
        r"make ([a-z]+)", (ROOT / "Makefile").read_text("utf-8").split("help:")[1].split("\n\n")[0]
    )
    assert {"demo", "send", "site", "serve"} <= set(helped)
    text = guide_text()
    assert sorted(t for t in set(helped) if f"make {t}" not in text) == []


# --- words: our own, credited, with sources --------------------------------------------------------


def test_no_run_of_eight_words_is_copied_from_the_article(built_site: BuiltSite, tmp_path: Path) -> None:
    if not COPYCHECK.exists():
        pytest.skip(f"copycheck not found at {COPYCHECK}")
    mine = subprocess.run([sys.executable, str(COPYCHECK), "content", "batch/templates"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert mine.returncode == 0, mine.stdout
    built = subprocess.run(
        [sys.executable, str(COPYCHECK), str(built_site.path)], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stdout  # the generated parts too
    copied = tmp_path / "copied.md"
    copied.write_text("Remember: " + " ".join(ARTICLE.read_text("utf-8").split()[200:212]), "utf-8")
    control = subprocess.run([sys.executable, str(COPYCHECK), str(copied)], capture_output=True, text=True)
    assert control.returncode == 1  # the check does catch a copied run


def test_guide_credits_the_article_and_names_the_source_of_each_figure(built_site: BuiltSite) -> None:
    about = built_site.html("about.html")
    assert "The Follow Up" in about and "Jeevan Bhagwat" in about and "2012" in about
    sources = {"TopResume": "68%", "Accountemps": "94%", "CareerBuilder": "22%", "Boomerang": "125"}
    for source, figure in sources.items():
        assert source in about and figure in about
    why = built_site.html("etiquette/why.html")
    assert "68%" in why and "footnote" in why and "TopResume" in why


# --- privacy: the build never reads the user's data ------------------------------------------------

MARKERS = ("Quillivant", "Orsabeth", "zq-leak-7f3a", "Vexmoor", "4165550999")
AUDIT = """
import json, os, sys
seen = []
def audit(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and not isinstance(args[0], int):
        seen.append(os.fsdecode(os.fspath(args[0])) if args[0] is not None else ".")
sys.addaudithook(audit)
from mkdocs.__main__ import cli
try:
    cli.main(args=sys.argv[2:], prog_name="mkdocs")
finally:
    with open(sys.argv[1], "w") as out:
        json.dump(seen, out)
"""
MARKED_YAML = """\
me: {name: Tessaly Quillivant, email: tessaly@zq-leak-7f3a.example, phone: "+1 416 555 0999",
     timezone: America/Toronto}
interviews:
  - id: vexmoor-analyst
    company: Vexmoor Holdings
    role: Analyst
    start: 2026-05-12 14:00
    decision_by: 2026-05-22
    interviewers:
      - {name: Orsabeth Quillivant, email: orsabeth@zq-leak-7f3a.example, topics: [Vexmoor ledgers]}
"""


def test_site_holds_nothing_from_the_users_interviews(tmp_path: Path) -> None:
    config = copy_project(tmp_path)
    (tmp_path / "interviews.yaml").write_text(MARKED_YAML, "utf-8")
    (tmp_path / "interviews").mkdir()
    more = MARKED_YAML.split("interviews:\n")[1].replace("vexmoor-analyst", "vexmoor-lead")
    (tmp_path / "interviews" / "more.yaml").write_text("interviews:\n" + more, "utf-8")
    assert len(loader.load(data_files(None, tmp_path)).interviews) == 2  # real, valid data
    log = tmp_path / "opened.json"
    site = tmp_path / "site"
    result = subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            AUDIT,
            str(log),
            "build",
            "--strict",
            "-f",
            str(config),
            "--site-dir",
            str(site),
        ],
        cwd=tmp_path,
        env=mkdocs_env(FOLLOWUP_SMTP_USER="tessaly@zq-leak-7f3a.example", FOLLOWUP_SMTP_FROM="Quillivant"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    opened = [Path(p) if os.path.isabs(p) else tmp_path / p for p in json.loads(log.read_text())]
    assert any(p.match("content/etiquette/examples.md") for p in opened)  # the audit saw the build's reads
    user_data = {tmp_path / "interviews.yaml", tmp_path / "interviews"}
    touched = [p for p in opened if p in user_data or (tmp_path / "interviews") in p.parents]
    assert not touched
    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) > 20
    texts = {p: p.read_bytes().decode("utf-8", "replace").lower() for p in files}
    leaks = [(str(p.relative_to(site)), m) for p, text in texts.items() for m in MARKERS if m.lower() in text]
    assert not leaks
    assert "Nadia Brooks" in (site / "etiquette" / "examples.html").read_text("utf-8")


# --- other builders and publishing -----------------------------------------------------------------


def test_zensical_builds_every_page_of_the_guide(tmp_path: Path) -> None:
    zensical = BIN / "zensical"
    if not zensical.exists():
        pytest.skip("zensical is not installed in this environment")
    sitehooks.write_expanded_docs(ROOT / "content", tmp_path / "docs")  # zensical runs no MkDocs hooks
    config = rooted_config(hooks=False).replace("docs_dir: content", "docs_dir: docs")
    (tmp_path / "mkdocs.yml").write_text(config, "utf-8")
    result = subprocess.run([str(zensical), "build", "--strict", "-f", "mkdocs.yml"], cwd=tmp_path,
                            env=mkdocs_env(), capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    missing = [str(page) for page in PAGES if not (tmp_path / "site" / page).is_file()]
    assert not missing
    assert "Reminder: call Nadia Brooks" in (tmp_path / "site" / "etiquette" / "examples.html").read_text(
        "utf-8"
    )


def git(*args: str, cwd: Path) -> str:
    """Run git quietly with a fixed identity; its stdout."""
    identity = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
                "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}  # fmt: skip
    done = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **identity}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_publish_pushes_the_built_guide_to_gh_pages(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    copy_project(repo)
    (repo / "Makefile").write_text((ROOT / "Makefile").read_text("utf-8"), "utf-8")
    git("init", "--quiet", "-b", "main", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "--quiet", "-m", "the guide", cwd=repo)
    git("remote", "add", "origin", str(remote), cwd=repo)
    venv = ROOT / ".venv"
    env = {k: v for k, v in mkdocs_env().items() if not k.startswith(("MAKE", "MFLAGS"))}
    env.update({"GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"})
    env["FOLLOWUP_SITE_URL"] = "https://guide.example/followup/"
    # -o: the Makefile must not reinstall the virtualenv from this copy; it uses the project's own.
    result = subprocess.run(["make", "-o", f"{venv}/bin/.installed", f"VENV={venv}", "publish"], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    published = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split()
    assert {"index.html", "404.html", "etiquette/examples.html", "tool/commands.html", ".nojekyll"} <= set(
        published
    )
    examples = git("show", "gh-pages:etiquette/examples.html", cwd=remote)
    assert "UX Researcher interview" in examples  # a subject that names the interview, never its day
    assert (
        git("rev-parse", "--abbrev-ref", "HEAD", cwd=repo).strip() == "main"
    )  # the source branch is untouched
    assert '<link rel="canonical" href="https://guide.example/followup/etiquette/examples.html">' in examples
    assert "https://guide.example/followup/tool/rules.html" in git("show", "gh-pages:sitemap.xml", cwd=remote)


def test_make_publish_refuses_in_one_line_without_the_sites_address(tmp_path: Path) -> None:
    env = {k: v for k, v in mkdocs_env().items() if not k.startswith(("MAKE", "MFLAGS"))}
    assert "FOLLOWUP_SITE_URL" not in env
    result = subprocess.run(["make", "-n", "publish"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "FOLLOWUP_SITE_URL" in lines[0], result.stderr
    # -n would have printed the gh-deploy command had make gone on; it printed nothing.


def test_a_local_build_names_no_local_address_as_canonical_and_its_sitemap_lists_no_page(
    tmp_path: Path,
) -> None:
    config = copy_project(tmp_path)
    result = run_mkdocs("build", "--strict", "-f", str(config), "--site-dir", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "etiquette" / "timing.html").read_text("utf-8")
    assert 'rel="canonical"' not in page and "og:url" not in page
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text("utf-8")  # there: no 404 for the theme's fetch
    assert "<urlset" in sitemap and "<url>" not in sitemap and "127.0.0.1" not in sitemap
    assert not (tmp_path / "site" / "sitemap.xml.gz").exists()
    assert 'class="md-content__button md-icon"' not in page  # no edit link without FOLLOWUP_REPO_URL
    assert "git-revision-date-localized-plugin" in page  # a copy outside git shows the build date


def test_each_page_has_its_own_description_and_open_graph_tags(built_site: BuiltSite) -> None:
    seen: dict[str, str] = {}
    for name in [str(p) for p in PAGES]:
        page = built_site.html(name)
        description = re.search(r'<meta name="description" content="([^"]+)"', page)
        assert description, name
        assert description[1] not in seen, f"{name} repeats {seen.get(description[1])}'s description"
        seen[description[1]] = name
        assert f'<meta property="og:description" content="{description[1]}">' in page, name
        assert '<meta property="og:title"' in page and '<meta name="twitter:card" content="summary">' in page
        assert f'<link rel="canonical" href="{built_site.url}{name}">' in page, name
    assert (built_site.path / "sitemap.xml").is_file()


def test_edit_links_appear_when_the_repository_is_named(tmp_path: Path) -> None:
    config = copy_project(tmp_path)
    result = run_mkdocs("build", "--strict", "-f", str(config), "--site-dir", str(tmp_path / "site"),
                        FOLLOWUP_REPO_URL="https://git.example/you/followup")  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "etiquette" / "timing.html").read_text("utf-8")
    assert 'href="https://git.example/you/followup/edit/main/content/etiquette/timing.md"' in page
