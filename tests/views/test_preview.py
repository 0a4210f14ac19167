"""The dry run's preview page: written beside the outbox, complete, escaped, and sound in a real browser."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from batch.cli.main import main
from batch.data import load as loader
from batch.etiquette import schedule
from batch.letters.compose import compose
from batch.letters.lint import counted_words
from batch.letters.words import count_words
from batch.model.policy import Policy
from tests.site_fixtures import CHROMIUM, CHROMIUM_ARGS
from tests.stamps import unstamped

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"  # the Makefile's DEMO_NOW: a voicemail, a note and an email are due
HOSTILE = "<script>alert(1)</script>"


def followup(work: Path, *args: str, now: str = NOW) -> int:
    """`followup <args>` on the workspace's data and ledger at `now`: its exit code."""
    return main(["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db"),
                 "--now", now, *args])  # fmt: skip


def dry_run(work: Path, *extra: str, now: str = NOW) -> int:
    """A dry run writing to the workspace's outbox (`extra` after its options: --until, say)."""
    return followup(work, "send", "--dry-run", "--outbox", str(work / "outbox"), *extra, now=now)


def edit(work: Path, old: str, new: str) -> None:
    path = work / "interviews.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def with_a_short_template(work: Path) -> None:
    """Northwind's thank-yous use a template too short for an email: Marcus's fails the lint."""
    (work / "short.md").write_text("---\nsubject: Thanks\n---\nThanks, {{ interviewer.first_name }}!\n")
    edit(work, "    role: Data Analyst\n", "    role: Data Analyst\n    template: short.md\n")


def with_hostile_values(work: Path) -> None:
    """Markup in a name and a topic, as someone might paste it into the YAML."""
    edit(work, "name: Marcus Chen", f'name: "{HOSTILE}"')
    edit(work, "[the nightly load into the warehouse]", '["<img src=x onerror=alert(2)>"]')
    edit(work, "name: Jordan Blake", 'name: "Jordan </pre><b>Blake"')


class Tags(HTMLParser):
    """Every start tag of a document with its attributes, and its text."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def due_messages(work: Path) -> list:
    data = loader.load([work / "interviews.yaml"])
    return [
        compose(item, data)
        for item in schedule.plan(data, datetime.fromisoformat(NOW))
        if item.state == "due"
    ]


def articles(page: str, when: str = "now") -> list[str]:
    """The page's articles due now (or coming next), one string each (no value can open or close one:
    all are escaped)."""
    found = [part.split("</article>")[0] for part in page.split("<article ")[1:]]
    return [article for article in found if f'data-when="{when}"' in article.split(">", 1)[0]]


def test_a_dry_run_writes_the_page_and_says_so_in_one_more_line(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dry_run(work) == 0
    lines = unstamped(capsys.readouterr().out).splitlines()
    assert lines[0].startswith("dry run, --dry-run: writing to ")
    assert len(lines) == 5 and all(line.startswith("dry run  ") for line in lines[1:4])
    assert lines[4] == f"preview: {work / 'outbox' / 'index.html'}"
    assert (work / "outbox" / "index.html").is_file()
    assert len(list((work / "outbox" / "new").iterdir())) == 3
    assert not list((work / "outbox").glob(".*partial"))


def test_a_limited_dry_run_shows_on_the_page_exactly_what_it_wrote(work: Path) -> None:
    code = followup(work, "send", "--dry-run", "--limit", "1", "--outbox", str(work / "outbox"))
    assert code == 0
    written = list((work / "outbox" / "new").iterdir())
    page = (work / "outbox" / "index.html").read_text("utf-8")
    assert len(written) == 1 and len(articles(page)) == 1
    assert "1 message due" in page


def test_the_page_shows_every_due_message_with_recipient_due_time_subject_and_both_parts(work: Path) -> None:
    assert dry_run(work) == 0
    page = (work / "outbox" / "index.html").read_text("utf-8")
    due = due_messages(work)
    found = articles(page)
    assert len(found) == len(due) == 3
    for composed, article in zip(due, found, strict=True):
        item, text = composed.item, html.unescape(" ".join(Tags(article).text))
        assert item.interviewer.name in text
        assert (
            f"{datetime.fromisoformat(NOW).astimezone(item.due_at.tzinfo):%a %d %b %H:%M %Z}" in text
        )  # goes
        assert composed.mail.subject in text
        assert 'data-lint="ok"' in article and "ok" in text
        if item.sends_email:
            assert f"{item.interviewer.name} <{item.interviewer.email}>" in text
        else:
            assert "you, Sam Rivera <sam.rivera@example.com>" in text
        (frame,) = Tags(article).named("iframe")
        assert frame["sandbox"] == "" and composed.mail.html in (frame["srcdoc"] or "")
        assert f">{html.escape(composed.mail.text)}</pre>" in article
    priya = "Priya Shah"  # scheduled for tomorrow, not due now: only among what comes next
    assert not any(priya in article for article in found)
    assert any(priya in article for article in articles(page, "next"))
    assert "Tue 24 Nov 2026, 16:00 EST" in page and "3 messages due" in page


def test_a_message_failing_the_etiquette_is_on_the_page_marked_but_not_in_the_outbox(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_a_short_template(work)
    assert dry_run(work) == 2  # a message fails the etiquette: the data needs fixing
    out = capsys.readouterr()
    assert "not sent" in out.err and unstamped(out.out).splitlines()[-1].startswith("preview: ")
    assert len(list((work / "outbox" / "new").iterdir())) == 2
    page = (work / "outbox" / "index.html").read_text("utf-8")
    found = articles(page)
    assert len(found) == 3
    (failing,) = [a for a in found if 'data-lint="problem"' in a]
    assert "Marcus Chen" in failing and "fails the etiquette: not written to the outbox" in failing
    assert "words; an email says enough in 50 to 150" in failing or "words" in failing
    assert "short.md" in failing and "Thanks, Marcus!" in failing
    assert "1 fails the etiquette and was not written to the outbox" in page


def test_values_from_the_yaml_never_become_markup_on_the_page_or_in_the_frames(work: Path) -> None:
    with_hostile_values(work)
    assert dry_run(work) == 0
    page = (work / "outbox" / "index.html").read_text("utf-8")
    tags = Tags(page)
    assert not tags.named("script") and not tags.named("img") and not tags.named("b")
    assert HOSTILE in " ".join(tags.text)  # shown as text, exactly as written
    assert "Jordan </pre><b>Blake" in " ".join(tags.text)
    frames = [attrs["srcdoc"] or "" for attrs in tags.named("iframe")]
    assert len(frames) == 4  # three due now, and Priya's coming next
    for srcdoc in frames:
        inner = Tags(srcdoc)
        assert not inner.named("script") and not inner.named("img") and not inner.named("b")
    assert any(HOSTILE in " ".join(Tags(srcdoc).text) for srcdoc in frames)


def test_the_page_needs_nothing_from_outside(work: Path) -> None:
    assert dry_run(work) == 0
    page = (work / "outbox" / "index.html").read_text("utf-8")
    tags = Tags(page)
    assert {name for name, _ in tags.tags} <= {"html", "head", "meta", "title", "style", "body", "header",
        "h1", "h2", "h3", "p", "strong", "code", "ol", "li", "a", "main", "article", "dl", "dt", "dd",
        "span", "ul", "div", "section", "iframe", "pre", "nav", "h4", "details", "summary"}  # fmt: skip
    links = [attrs.get(name) for _, attrs in tags.tags for name in ("href", "src") if attrs.get(name)]
    assert links and all(link.startswith("#m") for link in links)  # type: ignore[union-attr]
    (csp,) = [m for m in tags.named("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in (csp["content"] or "")


def test_nothing_due_still_writes_the_page_and_says_until_when(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Wed 25 Nov 19:00 in Toronto: nothing is due; Priya's thank-you goes at her 08:00 in Berlin.
    assert dry_run(work, now="2026-11-25T19:00:00-05:00") == 0
    out, err = capsys.readouterr()
    lines = unstamped(out).splitlines()
    assert lines == [
        "nothing due until Thu 26 Nov 2026, 02:00 EST",
        f"preview: {work / 'outbox' / 'index.html'}",
    ]
    assert err == ""
    page = (work / "outbox" / "index.html").read_text("utf-8")
    assert "Nothing due until Thu 26 Nov 2026, 02:00 EST." in page
    (coming,) = articles(page, "next")
    assert "Priya Shah" in coming and articles(page) == []
    assert not (work / "outbox" / "new").exists() or not list((work / "outbox" / "new").iterdir())


def test_with_nothing_planned_at_all_the_page_says_so(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert dry_run(work, now="2027-03-01T12:00:00-05:00") == 0
    assert unstamped(capsys.readouterr().out).splitlines()[0] == "nothing due, and nothing planned"
    assert "Nothing due, and nothing planned." in (work / "outbox" / "index.html").read_text("utf-8")


def test_a_cron_run_without_smtp_settings_and_nothing_due_stays_silent_and_writes_no_page(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = followup(work, "send", "--outbox", str(work / "outbox"), now="2027-03-01T12:00:00-05:00")
    assert code == 0 and capsys.readouterr() == ("", "")
    assert not (work / "outbox" / "index.html").exists()


def test_until_shows_everything_that_goes_in_the_window_as_plan_until_lists_it(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert followup(work, "plan", "--until", "2026-12-10", "--json") == 0
    planned = json.loads(capsys.readouterr().out)
    assert dry_run(work, "--until", "2026-12-10") == 0
    page = (work / "outbox" / "index.html").read_text("utf-8")
    now, coming = articles(page), articles(page, "next")
    assert len(now) + len(coming) == len(planned) > 4
    assert "Coming next, until Fri 11 Dec 2026, 00:00 EST" in page


def test_until_without_a_dry_run_is_refused_with_one_line(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", "9")
    monkeypatch.setenv("FOLLOWUP_SMTP_SECURITY", "none")
    code = followup(work, "send", "--until", "tomorrow")
    assert code == 2
    assert unstamped(capsys.readouterr().err).strip() == (
        "--until only shapes a dry run's preview page: add --dry-run"
    )


def test_each_letter_shows_from_to_reply_to_its_date_its_words_and_the_verdict(work: Path) -> None:
    edit(work, "email: sam.rivera@example.com", "email: sam.rivera@example.com\n  reply_to: sam@home.example")
    assert dry_run(work) == 0
    page = (work / "outbox" / "index.html").read_text("utf-8")
    (marcus,) = [a for a in articles(page) if "Marcus Chen" in a]
    fields = dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", marcus))
    assert html.unescape(fields["From"]) == "Sam Rivera <sam.rivera@example.com>"
    assert html.unescape(fields["To"]) == "Marcus Chen <marcus.chen@northwind.example>"
    assert html.unescape(fields["Reply-To"]) == "Sam Rivera <sam@home.example>"
    assert fields["Date"] == "Tue, 24 Nov 2026 16:00:00 -0500"  # the moment it goes, on your clock
    words = count_words(
        next(m for m in due_messages(work) if m.item.interviewer.name == "Marcus Chen").words.text
    )
    assert fields["Words"] == f"{words} words (50 to 150)"
    assert '<span class="verdict ok">ok</span>' in fields["Etiquette"]


def test_a_letter_past_the_limit_only_by_a_long_role_shows_the_words_the_limit_counts(work: Path) -> None:
    edit(work, "role: Data Analyst", "role: Senior Data Platform Engineer, Analytics Infrastructure")
    limit = 100  # between the words Marcus's letter has (103) and those the limit charges (96)
    edit(work, "policy: {}", f"policy: {{email_max_words: {limit}}}")
    assert dry_run(work) == 0
    page = (work / "outbox" / "index.html").read_text("utf-8")
    (marcus,) = [a for a in articles(page) if "Marcus Chen" in a]
    fields = dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", marcus))
    letter = next(m for m in due_messages(work) if m.item.interviewer.name == "Marcus Chen").words
    said = letter.text.count("Senior Data Platform Engineer, Analytics Infrastructure")
    assert said >= 1
    words, counted = count_words(letter.text), counted_words(letter, Policy())
    assert words > limit >= counted
    assert counted <= words - said * (6 - 3)  # six words, charged three each time
    assert fields["Words"] == f"{words} words, {counted} counted (50 to {limit})"
    assert '<span class="verdict ok">ok</span>' in fields["Etiquette"]


def run_preview(work: Path) -> subprocess.CompletedProcess[str]:
    """What `make preview` runs (with the demo's moment), as a process in the data's folder."""
    return subprocess.run(
        [sys.executable, "-m", "batch", "--now", NOW, "send", "--dry-run", "--outbox", "var/outbox"],
        cwd=work, capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")},
    )  # fmt: skip


def test_make_previews_command_prints_the_page_path_as_a_process(work: Path) -> None:
    (work / "var").mkdir()
    result = run_preview(work)
    assert result.returncode == 0, result.stderr
    assert unstamped(result.stdout).splitlines()[-1] == "preview: var/outbox/index.html"
    assert (work / "var" / "outbox" / "index.html").is_file()


def test_make_preview_works_on_a_fresh_clone_without_var(work: Path) -> None:
    result = run_preview(work)
    assert result.returncode == 0, result.stderr
    assert (work / "var" / "outbox" / "index.html").is_file()


# --- in a real browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's chromium, headless; Playwright's own browsers cannot be downloaded here."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium; .ci/run does)"
)
def test_the_page_renders_in_chromium_with_no_error_no_script_and_no_request_out(
    work: Path, page, tmp_path: Path
) -> None:
    with_a_short_template(work)
    with_hostile_values(work)
    assert dry_run(work) == 2  # a message fails the etiquette: the data needs fixing
    problems: list[str] = []

    def request(req) -> None:  # type: ignore[no-untyped-def]
        parts = urlsplit(req.url)
        if parts.scheme not in ("file", "data", "about") and parts.hostname != "127.0.0.1":
            problems.append(f"request left the machine: {req.url}")

    page.on("request", request)
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto((work / "outbox" / "index.html").as_uri())
    assert response is not None and response.ok
    assert page.locator("article[data-when=now]").count() == 3
    failing = page.locator("article[data-when=now][data-lint=problem]")
    assert failing.count() == 1
    assert failing.locator(".verdict.problem").is_visible()
    assert failing.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"
    assert HOSTILE in failing.locator("h4").inner_text()
    assert page.locator("script, img").count() == 0
    frames = [frame for frame in page.frames if frame != page.main_frame]
    assert len(frames) == 4  # three due now, and Priya's coming next
    bodies = [frame.locator("body").inner_text() for frame in frames]
    assert any("Thanks, " + HOSTILE + "!" in body for body in bodies)
    assert all(frame.locator("script, img").count() == 0 for frame in frames)
    pre = page.locator("pre").first
    assert pre.is_visible() and "Hi Sam," in pre.inner_text()
    shot = tmp_path / "preview.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    assert not problems


def test_the_goes_row_says_your_time_too_only_for_a_reader_elsewhere(work: Path) -> None:
    assert dry_run(work, "--until", "2026-11-26") == 0
    page = (work / "outbox" / "index.html").read_text("utf-8")
    rows = [
        dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", a))
        for a in articles(page) + articles(page, "next")
    ]
    goes = {name: row["Goes"] for row in rows for name in ("Marcus Chen", "Priya Shah") if name in row["To"]}
    assert goes == {"Marcus Chen": "Tue 24 Nov 16:00 EST", "Priya Shah": "Wed 25 Nov 08:00 CET = 02:00 EST"}


def test_plan_and_the_preview_say_when_each_letter_goes_in_the_same_words(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert followup(work, "plan") == 0
    table = capsys.readouterr().out.splitlines()
    assert dry_run(work, "--until", "2026-12-10") == 0
    terminal = unstamped(capsys.readouterr().out)
    page = (work / "outbox" / "index.html").read_text("utf-8")
    letters = articles(page) + articles(page, "next")
    assert len(letters) == 7
    for article in letters:
        fields = {k: html.unescape(v) for k, v in re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", article)}
        name = fields["To"].split(" <")[0]
        if name.startswith("you,"):  # a reminder: the person it is for
            name = fields["To"].split("is for ")[1].rstrip(")")
        rows = [r for r in table if f"  {name}  " in r]
        assert any(r.startswith(fields["Goes"] + "  ") for r in rows), (
            rows,
            fields["Goes"],
        )  # the plan's words
        assert any(line.strip().startswith(fields["Goes"]) and name in line for line in terminal.splitlines())


def _open_preview(page, work: Path, width: int, scheme: str) -> None:  # type: ignore[no-untyped-def]
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto((work / "outbox" / "index.html").as_uri())
    assert response is not None and response.ok


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_the_page_is_axe_clean_fits_the_screen_and_every_scrolling_box_takes_the_keyboard(
    work: Path, page, scheme: str, width: int
) -> None:
    from axe_playwright_python.sync_playwright import Axe  # late: only the browser tests need it

    with_a_short_template(work)  # a failing letter too: its red verdict must read in both palettes
    assert dry_run(work, "--until", "2026-12-10") == 2
    _open_preview(page, work, width, scheme)
    found = Axe().run(page).response["violations"]
    serious = [f"{v['id']} ({v['impact']})" for v in found if v["impact"] in ("serious", "critical")]
    assert serious == []
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    unreachable = page.evaluate(
        """() => [...document.querySelectorAll('*')].filter(e => {
            const s = getComputedStyle(e);
            const scrolls = /(auto|scroll)/.test(s.overflowY + s.overflowX) && e.tagName !== 'HTML';
            return scrolls && (e.tabIndex < 0 || !e.getAttribute('aria-label'));
        }).map(e => e.tagName + '#' + (e.closest('article') || {}).id)"""
    )
    assert unreachable == []
    pre = page.locator("article pre").first
    page.keyboard.press("Tab")
    for _ in range(60):  # the contents' links come first
        if page.evaluate("document.activeElement.tagName") == "PRE":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "PRE"
    assert pre.evaluate("e => e === document.activeElement")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")
def test_a_panels_letters_sit_side_by_side_on_a_wide_screen_and_stack_on_a_phone(work: Path, page) -> None:
    assert dry_run(work) == 0
    panel = "section.panel:has(article h4:text('Marcus Chen'))"
    _open_preview(page, work, 1280, "light")
    boxes = [a.bounding_box() for a in page.locator(f"{panel} article").all()]
    assert len(boxes) == 2 and boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]  # type: ignore[index]
    _open_preview(page, work, 375, "light")
    boxes = [a.bounding_box() for a in page.locator(f"{panel} article").all()]
    assert boxes[0]["x"] == boxes[1]["x"] and boxes[0]["y"] < boxes[1]["y"]  # type: ignore[index]


# --- the window on the terminal (make preview UNTIL=…) ----------------------------------------------


def test_until_says_on_the_terminal_the_window_it_covered_and_each_letter_in_it(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dry_run(work, "--until", "2026-12-01") == 0
    lines = unstamped(capsys.readouterr().out).splitlines()
    window = "from Tue 24 Nov 16:00 to the end of Tue 01 Dec (America/Toronto)"
    start = lines.index(f"Preview of follow-ups due {window}: 6 follow-ups")
    reminder = "thank-you ({}: a reminder to you) to {}"
    assert lines[start + 1 : start + 7] == [
        "  Tue 24 Nov 16:00 EST (now)  "
        + reminder.format("voicemail", "Jordan Blake (fabrikam-product-analyst)"),
        "  Tue 24 Nov 16:00 EST (now)  " + reminder.format("note", "Elena Torres (northwind-data-analyst)"),
        "  Tue 24 Nov 16:00 EST (now)  thank-you to Marcus Chen (northwind-data-analyst)",
        "  Wed 25 Nov 08:00 CET = 02:00 EST  thank-you to Priya Shah (northwind-data-analyst)",
        "  Fri 27 Nov 09:00 IST = Thu 26 Nov 22:30 EST  thank-you to Arjun Mehta (adatum-analytics-engineer)",
        "  Tue 01 Dec 10:00 PST = 13:00 EST  check-in to Dana Okafor (contoso-bi-developer)",
    ]
    assert lines[-1] == f"preview: {work / 'outbox' / 'index.html'}"


def make_preview(folder: Path, *extra: str) -> str:
    """`make preview …` as a person types it in a checkout (this one's .venv, the real clock); its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    command = ["make", "--no-print-directory", "preview", *extra]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return unstamped(done.stdout)


def test_make_preview_with_until_prints_its_window_and_lists_more_than_without(tmp_path: Path) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    os.utime(tmp_path / "pyproject.toml", (1_000_000_000, 1_000_000_000))  # no reinstall into the shared venv
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    now = datetime.now(ZoneInfo("America/Toronto")).replace(second=0, microsecond=0)
    decision, until = (now + timedelta(days=9)).date(), (now + timedelta(days=30)).date()
    (tmp_path / "interviews.yaml").write_text(f"""\
me: {{name: Sam Rivera, email: sam.rivera@example.com, timezone: America/Toronto}}
interviews:
  - id: northwind-data-analyst
    company: Northwind Traders
    role: Data Analyst
    start: {now - timedelta(hours=2):%Y-%m-%d %H:%M}
    duration: 45m
    decision_by: {decision}
    interviewers:
      - name: Priya Shah
        email: priya.shah@northwind.example
        topics: [the quarterly dashboards]
""", "utf-8")  # fmt: skip
    plain, windowed = make_preview(tmp_path), make_preview(tmp_path, f"UNTIL={until}")
    assert "Preview of follow-ups due" not in plain
    head = next(line for line in windowed.splitlines() if line.startswith("Preview of follow-ups due from "))
    assert head.endswith(f" to the end of {until:%a %d %b} (America/Toronto): 2 follow-ups"), head
    listed = [line for line in windowed.splitlines() if line.startswith("  ")]
    assert [line.split("  ")[-1] for line in listed] == [
        "thank-you to Priya Shah (northwind-data-analyst)",
        "check-in to Priya Shah (northwind-data-analyst)",
    ]
    assert windowed != plain


# --- the outbox holds this run alone -------------------------------------------------------------

OWN_DATA = """\
me: {name: Sam Rivera, email: sam.rivera@example.com, timezone: America/Toronto}
interviews:
  - id: tailspin-data-engineer
    company: Tailspin Toys
    role: Data Engineer
    start: 2026-11-24 10:00
    duration: 45m
    interviewers:
      - name: Lee Park
        email: lee.park@tailspin.example
        topics: [the streaming pipeline]
"""


def test_after_the_demo_a_dry_run_of_your_own_data_shows_only_your_letters_and_keeps_files_it_did_not_write(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dry_run(work) == 0  # the demo: three letters of the example
    new = work / "outbox" / "new"
    demo = sorted(new.iterdir())
    assert len(demo) == 3
    (new / "mine.eml").write_text("a letter of my own\n")  # put there by hand: never ours to remove
    edited = demo[0]
    edited.write_text(edited.read_text() + "\nmy edit\n")  # ours once, changed since: it stays too
    (work / "interviews.yaml").write_text(OWN_DATA, "utf-8")
    capsys.readouterr()
    assert dry_run(work) == 0
    lines = unstamped(capsys.readouterr().out).splitlines()
    assert lines[0] == f"removed from {work / 'outbox'}/new/ the 2 letters an earlier dry run wrote"
    left = sorted(path.name for path in new.iterdir())
    assert "mine.eml" in left and edited.name in left and not {p.name for p in demo[1:]} & set(left)
    (ours,) = [name for name in left if name not in ("mine.eml", edited.name)]
    assert "lee.park@tailspin.example" in (new / ours).read_text()
    page = (work / "outbox" / "index.html").read_text("utf-8")
    assert [("Lee Park" in a) for a in articles(page)] == [True]
    assert not any(name in page for name in ("Marcus Chen", "Jordan Blake", "Elena Torres"))


def test_a_dry_run_with_nothing_due_also_takes_away_the_last_runs_letters(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dry_run(work) == 0
    assert dry_run(work, now="2026-11-25T19:00:00-05:00") == 0  # nothing due then
    assert not list((work / "outbox" / "new").iterdir())
    assert "the 3 letters an earlier dry run wrote" in capsys.readouterr().out
    assert dry_run(work, now="2026-11-25T19:00:00-05:00") == 0
    assert "removed" not in capsys.readouterr().out  # said once, when there was something to take away


def test_the_outboxs_record_never_removes_a_path_outside_new_or_a_name_it_does_not_give(work: Path) -> None:
    from batch.mail import outbox

    folder = work / "outbox"
    (folder / "new").mkdir(parents=True)
    (work / "precious.txt").write_text("keep")
    (folder / "new" / "notes.txt").write_text("keep")
    (folder / outbox.RECORD).write_text("../../precious.txt 4\nnotes.txt 4\n/etc/hostname 1\n\n garbage\n")
    assert outbox.clear(folder) == 0
    assert (work / "precious.txt").exists() and (folder / "new" / "notes.txt").exists()
    assert not (folder / outbox.RECORD).exists()
