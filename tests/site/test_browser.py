"""The guide in a real browser: Playwright driving Debian's chromium against the strict build on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from batch.site.start import repository
from tests.site_fixtures import CHROMIUM, CHROMIUM_ARGS, ROOT, BuiltSite

PAGES = sorted(
    str(p.relative_to(ROOT / "content").with_suffix(".html")) for p in (ROOT / "content").rglob("*.md")
)

PAGE_COUNT = len(list((ROOT / "content").rglob("*.md")))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium; .ci/run does)"
    ),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's chromium, headless; Playwright's own browsers cannot be downloaded here."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A desktop-sized window (the sidebar and the search box show from 1220 px), light scheme."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "color_scheme": "light"}


@dataclass
class Visit:
    """A page under watch: console errors, page errors, failed requests and any request off 127.0.0.1."""

    page: object
    site: BuiltSite
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> object:
        """Open a page of the guide; the response."""
        return self.page.goto(self.site.url + path)  # type: ignore[attr-defined]


def heading(page) -> str:
    """The page's title as a reader sees it (without the permalink sign)."""
    return page.locator("article h1").first.inner_text().replace("¶", "").strip()


@pytest.fixture
def visit(page, built_site: BuiltSite) -> Iterator[Visit]:
    """The test's page, watched from its first request."""
    assert built_site.result.returncode == 0, built_site.result.stderr
    seen = Visit(page, built_site)

    def request(req) -> None:
        parts = urlsplit(req.url)
        if parts.scheme not in ("data", "blob") and parts.hostname != "127.0.0.1":
            seen.problems.append(f"request left 127.0.0.1: {req.url}")

    page.on("request", request)
    page.on(
        "console",
        lambda m: seen.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: seen.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: seen.problems.append(f"request failed: {r.url} {r.failure}"))
    yield seen


def test_home_page_renders_with_the_theme(visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    response = visit.go("index.html")
    assert response.status == 200
    assert heading(page) == "Follow up after an interview"
    header = page.locator("header.md-header")
    assert header.is_visible()
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")
    assert page.locator("nav.md-nav--primary").is_visible()
    assert page.locator(".md-typeset .grid.cards").is_visible()
    # the repository's link only where the checkout names one (its git remote): never a made-up one
    # (a remote a browser can open: a clone of a clone names a folder, and gets no link)
    web = repository(ROOT, None, ROOT / "content").web
    assert (page.locator("a.md-source").count() > 0) == (web is not None)
    assert page.get_by_role("link", name="Get started").first.is_visible()  # on the first screen
    assert "Jeevan Bhagwat" in page.locator(".md-copyright").inner_text()
    shot = tmp_path / "home.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    assert not visit.problems


def test_instant_navigation_reaches_every_page(visit: Visit) -> None:
    page = visit.page
    visit.go("index.html")
    page.evaluate("window.__stayed = true")  # a full page load would forget this
    links = page.eval_on_selector_all(
        "nav.md-nav--primary a.md-nav__link[href]",
        "els => els.filter(e => !e.hash).map(e => [e.textContent.trim(), e.getAttribute('href'), e.href])",
    )
    pages = {url: (title, href) for title, href, url in links}
    assert len(pages) == PAGE_COUNT
    for url, (title, _) in pages.items():
        # Each tab's pages sit in a drawer that is hidden at this width: click the link as a reader's
        # click would reach it, through the document, where instant navigation listens.
        page.evaluate(
            "url => [...document.querySelectorAll('nav.md-nav--primary a.md-nav__link')]"
            ".find(a => a.href === url).click()",
            url,
        )
        page.wait_for_url(url)
        expect(page).to_have_title(re.compile(re.escape("Follow up after" if title == "Home" else title)))
        assert heading(page), url
        assert page.evaluate("window.__stayed === true"), f"{title}: a full page load, not instant navigation"
    assert not visit.problems


def test_two_tabs_lead_the_two_readers_to_their_pages(visit: Visit) -> None:
    page = visit.page
    visit.go("index.html")
    tabs = page.locator(".md-tabs__link")
    assert [t.strip() for t in tabs.all_inner_texts()] == ["Home", "Etiquette", "Using Follow Up"]
    tabs.filter(has_text="Etiquette").click()
    page.wait_for_url(re.compile(r"etiquette/index\.html$"))
    expect(page.locator("article h1").first).to_contain_text("etiquette of following up")
    sidebar = page.locator("nav.md-nav--primary .md-nav__link:visible").all_inner_texts()
    assert any("How long to wait" in s for s in sidebar)
    assert not any("SMTP and Gmail" in s for s in sidebar)  # the tool's pages stay in their own tab
    page.locator(".md-tabs__link", has_text="Using Follow Up").click()
    page.wait_for_url(re.compile(r"tool/index\.html$"))
    expect(page.locator("article h1").first).to_contain_text("Using Follow Up")
    assert not visit.problems


def test_search_suggests_and_lists_the_methods_page_for_voicemail(visit: Visit) -> None:
    page = visit.page
    visit.go("index.html")
    box = page.locator(".md-search__input")
    box.click()
    box.press_sequentially("voicem", delay=20)
    page.wait_for_selector(".md-search-result__item")
    expect(page.locator(".md-search__suggest")).to_have_text(re.compile(r"voicemail\s*$"))
    box.press_sequentially("ail", delay=20)
    hit = page.locator(".md-search-result__item > a[href*='etiquette/methods.html']").first
    hit.wait_for()
    hit.click()
    page.wait_for_url(re.compile(r"etiquette/methods\.html\?h=voicemail"))
    marks = page.locator("article mark:visible")
    marks.first.wait_for()
    assert marks.first.inner_text().lower() == "voicemail"
    assert not visit.problems


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("how long to wait", "etiquette/timing.html"),
        ("zoom", "etiquette/situations.html"),
        ("LinkedIn", "etiquette/situations.html"),
        ("recruiter", "etiquette/situations.html"),
        ("out of office", "tool/smtp.html"),
        ("vacation", "tool/smtp.html"),
        ("bounce", "tool/smtp.html"),
        ("French", "etiquette/examples.html"),
        ("Spanish", "etiquette/examples.html"),
    ],
)
def test_search_puts_the_page_that_answers_first(visit: Visit, query: str, first: str) -> None:
    page = visit.page
    visit.go("index.html")
    box = page.locator(".md-search__input")
    box.click()
    box.press_sequentially(query, delay=20)
    top = page.locator(".md-search-result__item > a").first
    expect(top).to_have_attribute("href", re.compile(re.escape(first)))
    assert not visit.problems


def test_palette_toggle_switches_between_light_and_dark(visit: Visit) -> None:
    page = visit.page
    visit.go("index.html")
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == "default"
    page.locator("form[data-md-component=palette] label:visible").click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    page.locator("form[data-md-component=palette] label:visible").click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    assert not visit.problems


def test_content_tabs_switch_together_across_the_examples(visit: Visit) -> None:
    page = visit.page
    visit.go("etiquette/examples.html")
    sets = page.locator(".tabbed-set")
    assert sets.count() == 4  # three ways, the panel, the languages, the check-in
    sets.first.locator("label", has_text="Voicemail").click()
    assert "this is Alex Morgan" in sets.first.locator(".tabbed-block:visible").inner_text()
    assert "Voicemail" in sets.nth(3).locator("label", has_text="Voicemail").evaluate(
        "l => document.getElementById(l.htmlFor).checked ? l.textContent : ''"
    )  # content.tabs.link: the check-in's tabs followed
    assert not visit.problems


def test_a_missing_page_gets_the_themed_404(visit: Visit) -> None:
    page = visit.page
    response = visit.go("etiquette/no/such/page.html")
    assert response.status == 404
    assert heading(page) == "This page is not here"
    header = page.locator("header.md-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")
    page.get_by_role("link", name="the guide's home page").click()
    page.wait_for_url(visit.site.url + "index.html")
    # Instant navigation changes the URL before it swaps the content in: wait for the new heading.
    expect(page.locator("article h1").first).to_contain_text("Follow up after an interview")
    expected = "the server responded with a status of 404"
    assert [p for p in visit.problems if expected not in p] == []


# --- accessibility ---------------------------------------------------------------------------------


def serious_violations(page) -> list[str]:
    """What axe-core (bundled by axe-playwright-python, no network) finds serious or critical here."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_every_page_has_no_serious_accessibility_violation_in_either_palette(
    visit: Visit, scheme: str
) -> None:
    page = visit.page
    page.emulate_media(color_scheme="dark" if scheme == "slate" else "light")  # the palette follows it
    found = []
    for path in [*PAGES, "404.html"]:
        visit.go(path)
        assert page.locator("body").get_attribute("data-md-color-scheme") == scheme
        found += [f"{path}: {v}" for v in serious_violations(page)]
    assert found == []
    assert [p for p in visit.problems if "status of 404" not in p] == []


def test_axe_does_catch_poor_contrast(visit: Visit) -> None:
    page = visit.page
    visit.go("index.html")
    page.evaluate("document.querySelector('article p').style.color = '#bbbbbb'")
    assert any(v.startswith("color-contrast") for v in serious_violations(page))


def test_the_timeline_picture_is_on_the_home_and_timing_pages_with_a_name(visit: Visit) -> None:
    page = visit.page
    for path in ("index.html", "etiquette/timing.html"):
        visit.go(path)
        picture = page.get_by_role("img", name="When each follow-up goes, and when it is dropped")
        expect(picture).to_be_visible()
        assert picture.evaluate("e => e.tagName.toLowerCase()") == "svg"
        assert picture.locator("circle").count() >= 4  # three thank-you timings and the check-in
        assert "dropped" in picture.locator("desc").text_content()
    assert not visit.problems


def test_on_a_phone_the_rules_page_does_not_scroll_sideways(
    page, built_site: BuiltSite, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(built_site.url + "tool/rules.html")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    cell = page.locator("table[data-stack] td[data-label='Why']").first
    assert cell.is_visible()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot = tmp_path / "rules-390.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


CONTRAST = """e => {
    const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const lum = c => {
        const [r, g, b] = c.map(v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const style = getComputedStyle(e), alpha = parseFloat(style.fillOpacity);
    const page = rgb(getComputedStyle(document.body).backgroundColor);
    const fill = rgb(style.fill).map((v, i) => v * alpha + page[i] * (1 - alpha));  // as drawn on the page
    const [a, b] = [lum(fill), lum(page)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_pictures_keep_12_px_labels_3_to_1_shading_and_scroll_in_a_box_of_their_own(
    page, built_site: BuiltSite, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 375, "height": 812})
    for path in ("index.html", "etiquette/timing.html", "tool/ledger.html"):
        page.goto(built_site.url + path)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (path, widths)
        smallest = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll('.followup-picture text')].map(t =>
                parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))"""
        )
        assert smallest >= 12, (path, smallest)
        boxes = page.locator(".followup-scroll")
        assert boxes.count() >= 1
        for box in boxes.all():
            assert box.get_attribute("tabindex") == "0" and box.get_attribute("aria-label")
        for shade in page.locator(".followup-picture .tl-window").all()[:1]:
            assert shade.evaluate(CONTRAST) >= 3, (path, scheme)


GET_STARTED = ["Install", "Your first dry run", "Your own data", "Mail settings", "The first real send",
               "Run it from cron"]  # fmt: skip


@pytest.mark.parametrize("width", [375, 1280])
def test_a_newcomer_walks_get_started_from_the_home_pages_button_to_cron(visit: Visit, width: int) -> None:
    page = visit.page
    page.set_viewport_size({"width": width, "height": 800})
    visit.go("index.html")
    button = page.get_by_role("link", name="Get started", exact=True).first
    assert button.bounding_box()["y"] < 800  # type: ignore[index]  # on the first screen
    button.click()
    for n, title in enumerate(GET_STARTED):
        expect(page.locator("article h1").first).to_contain_text(title)
        assert f"step {n + 1} of 6" in page.locator("article").inner_text()
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (title, widths)
        if n + 1 < len(GET_STARTED):
            page.locator("article p", has_text="Next:").get_by_role("link").click()
    assert not visit.problems


OVERFLOW = "e => [e.scrollWidth, e.clientWidth, e.scrollLeft]"


@pytest.mark.parametrize("path", ["index.html", "etiquette/timing.html", "tool/ledger.html"])
def test_on_a_phone_a_picture_cut_by_the_screen_says_to_scroll_sideways_and_scrolls_from_the_keyboard(
    page, built_site: BuiltSite, path: str
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(built_site.url + path)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths  # the page itself never scrolls sideways
    boxes = page.locator(".followup-figure .followup-scroll")
    assert boxes.count() >= 1
    for box in boxes.all():
        wide, shown, left = box.evaluate(OVERFLOW)
        if wide <= shown:
            continue  # it fits: no hint needed (the tests below ask for none)
        figure = box.locator("xpath=..")
        hint = figure.locator(".followup-hint")
        expect(hint).to_be_visible()
        assert "scroll sideways" in hint.inner_text().lower()
        hint_box, box_box = hint.bounding_box(), box.bounding_box()
        assert hint_box and box_box and hint_box["y"] + hint_box["height"] <= box_box["y"] + 1  # above it
        assert hint_box["x"] >= 0 and hint_box["x"] + hint_box["width"] <= 375
        assert left == 0
        box.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("e => e.scrollLeft > 0", arg=box.element_handle())
        for _ in range(40):  # the arrow keys alone reach the right edge (End scrolls the page down)
            if box.evaluate("e => e.scrollLeft + e.clientWidth >= e.scrollWidth - 1"):
                break
            page.keyboard.press("ArrowRight")
        else:
            raise AssertionError(f"{path}: the arrow keys never reached the picture's right edge")


def test_on_a_phone_the_timeline_is_cut_so_it_has_a_hint_and_on_a_desktop_it_fits_with_none(
    page, built_site: BuiltSite
) -> None:
    for width, cut in ((375, True), (1280, False)):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(built_site.url + "index.html")
        figure = page.locator(".followup-figure", has=page.locator(".followup-timeline"))
        wide, shown, _ = figure.locator(".followup-scroll").evaluate(OVERFLOW)
        assert (wide > shown) == cut, (width, wide, shown)
        assert figure.locator(".followup-hint").is_visible() == cut, width
        smallest = figure.evaluate(
            """f => Math.min(...[...f.querySelectorAll('text')].map(t =>
                parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))"""
        )
        assert smallest >= (12 if cut else 11), (width, smallest)  # shrunk to fit on a desktop, a little


@pytest.mark.parametrize("width", [375, 1280])
def test_the_home_pages_buttons_never_touch_side_by_side_or_stacked(
    page, built_site: BuiltSite, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(built_site.url + "index.html")
    first = page.get_by_role("link", name="Get started", exact=True).first.bounding_box()
    second = page.get_by_role("link", name="Read the etiquette", exact=True).first.bounding_box()
    assert first and second
    across = max(second["x"] - (first["x"] + first["width"]), first["x"] - (second["x"] + second["width"]))
    down = max(second["y"] - (first["y"] + first["height"]), first["y"] - (second["y"] + second["height"]))
    assert max(across, down) >= 6, (width, first, second)  # a clear gap one way or the other
