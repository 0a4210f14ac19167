"""The dry run's preview page: written beside the outbox, complete, escaped, and sound in a real browser."""

from __future__ import annotations

import html
import os
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
from tests.site_fixtures import CHROMIUM, CHROMIUM_ARGS
from tests.stamps import unstamped

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"  # the Makefile's DEMO_NOW: a voicemail, a note and an email are due
HOSTILE = "<script>alert(1)</script>"


def dry_run(work: Path, now: str = NOW) -> int:
    return main(["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db"),
                 "--now", now, "send", "--dry-run", "--outbox", str(work / "outbox")])  # fmt: skip


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


def articles(page: str) -> list[str]:
    """The page's articles, one string each (no value can open or close one: all are escaped)."""
    return [part.split("</article>")[0] for part in page.split("<article ")[1:]]


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
    state = str(work / "var" / "followup.db")
    outbox = str(work / "outbox")
    code = main(["--data", str(work / "interviews.yaml"), "--state", state,
                 "--now", NOW, "send", "--dry-run", "--limit", "1", "--outbox", outbox])  # fmt: skip
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
        assert f"{item.due_at:%a %d %b %Y, %H:%M %Z}" in text
        assert composed.mail.subject in text
        assert 'data-lint="ok"' in article and "ok" in text
        if item.sends_email:
            assert f"{item.interviewer.name} <{item.interviewer.email}>" in text
        else:
            assert "you, Sam Rivera <sam.rivera@example.com>" in text
        (frame,) = Tags(article).named("iframe")
        assert frame["sandbox"] == "" and composed.mail.html in (frame["srcdoc"] or "")
        assert f"<pre>{html.escape(composed.mail.text)}</pre>" in article
    priya = "Priya Shah"  # scheduled for tomorrow, not due: not on the page
    assert priya not in page
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
    assert len(frames) == 3
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
        "span", "ul", "div", "section", "iframe", "pre"}  # fmt: skip
    links = [attrs.get(name) for _, attrs in tags.tags for name in ("href", "src") if attrs.get(name)]
    assert links and all(link.startswith("#m") for link in links)  # type: ignore[union-attr]
    (csp,) = [m for m in tags.named("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in (csp["content"] or "")


def test_nothing_due_writes_no_page_and_stays_silent(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert dry_run(work, now="2027-03-01T12:00:00-05:00") == 0
    assert capsys.readouterr() == ("", "")
    assert not (work / "outbox" / "index.html").exists()


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
    assert page.locator("article").count() == 3
    assert page.locator("article[data-lint=problem]").count() == 1
    assert page.locator("article[data-lint=problem] .verdict.problem").is_visible()
    failing = page.locator("article[data-lint=problem]")
    assert failing.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"
    assert HOSTILE in page.locator("article[data-lint=problem] h2").inner_text()
    assert page.locator("script, img").count() == 0
    frames = [frame for frame in page.frames if frame != page.main_frame]
    assert len(frames) == 3
    bodies = [frame.locator("body").inner_text() for frame in frames]
    assert any("Thanks, " + HOSTILE + "!" in body for body in bodies)
    assert all(frame.locator("script, img").count() == 0 for frame in frames)
    pre = page.locator("pre").first
    assert pre.is_visible() and "Hi Sam," in pre.inner_text()
    shot = tmp_path / "preview.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    assert not problems


def test_one_due_instant_in_two_zones_says_your_time_only_for_the_reader_elsewhere() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from batch.views import preview

    toronto = datetime(2026, 3, 3, 15, 0, tzinfo=ZoneInfo("America/Toronto"))
    paris = toronto.astimezone(ZoneInfo("Europe/Paris"))  # the same instant: equal, with equal hashes
    assert preview._yours(toronto, toronto.utcoffset(), "America/Toronto") == ""
    assert preview._yours(paris, paris.utcoffset(), "America/Toronto") == ", Tue 03 Mar 2026, 15:00 EST yours"
