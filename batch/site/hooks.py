"""MkDocs hook: the guide's generated parts, made at build time by the job's own code.

A page in content/ carries markers such as ``<!-- followup: rules-table -->``; this hook replaces
each with Markdown made by `examples`, `reference` and `timeline` from the policy, the spec, the
planner and the real renderer, so the guide shows exactly what the job does. The examples come from
a fictional interview: the hook never reads the user's interviews.yaml. Any problem (an unknown
marker, a schema key with no meaning, an example that fails the etiquette lint) is a warning, which
fails a strict build.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from batch.ledger.wake import RACY_NS, TRUST
from batch.letters import render
from batch.mail.pace import CHUNK
from batch.model import policy
from batch.site import examples, pictures, reference, start, timeline
from batch.site.markdown import html_attr, log

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page
    from mkdocs.utils.templates import TemplateContext


MARKER = re.compile(r"<!--\s*followup:\s*([\w.-]+)\s*-->")


# --- the example data, through the real loader and planner ---------------------------------------


# --- Markdown builders ----------------------------------------------------------------------------


# --- the generated parts --------------------------------------------------------------------------


# The repository this guide is built from (on_config finds it): none until then.
REPO: start.Repository = start.Repository(None, None, Path("content"))

PARTS: dict[str, Callable[[], str]] = {
    "example-yaml": examples.part_example_yaml,
    "example-plan": examples.part_example_plan,
    "example-thank-you": examples.part_example_thank_you,
    "example-panel": examples.part_example_panel,
    "example-languages": examples.part_example_languages,
    "example-france-quebec": examples.part_example_france_quebec,
    "example-check-in": examples.part_example_check_in,
    "rules-table": reference.part_rules_table,
    "limits": reference.part_limits,
    "rules-cases": reference.part_rules_cases,
    "policy-yaml": reference.part_policy_yaml,
    "schema-me": lambda: reference.part_schema("me"),
    "schema-interviews": lambda: reference.part_schema("interviews"),
    "schema-interviewers": lambda: reference.part_schema("interviewers"),
    "filler": reference.part_filler,
    "example-key": examples.part_example_key,
    "example-size": examples.part_example_size,
    "topics-sentence": examples.part_topics_sentence,
    "template-values": reference.part_template_values,
    "greetings": reference.part_greetings,
    "mistakes": reference.part_mistakes,
    "reliability-figures": reference.part_reliability_figures,
    "workdays": timeline.part_workdays,
    "timeline": timeline.part_timeline,
    "ledger-states": pictures.part_ledger_states,
    "two-clocks": pictures.part_two_clocks,
    "clone": lambda: start.part_clone(REPO.clone),
    "providers": lambda: start.part_providers(REPO.docs),
}


def expand(markdown: str, where: str = "") -> str:
    """Markdown with every marker replaced: a part name, `policy.FIELD` for one etiquette default, or
    `interview.FIELD` for the default of an interview's key."""

    def one(match: re.Match[str]) -> str:
        name = match[1]
        if name.startswith("policy."):
            field = name.removeprefix("policy.")
            if hasattr(policy.DEFAULT, field):
                return reference.default_value(field)
        elif name.startswith("interview."):
            found = reference.interview_default(name.removeprefix("interview."))
            if found is not None:
                return found
        elif name == "deliver.CHUNK":  # how many claims a batch writes at once (the crash window)
            return str(CHUNK)
        elif name == "wake.TRUST":  # the longest an idle run's wake-up note is believed
            hours, minutes = divmod(int(TRUST.total_seconds()) // 60, 60)
            return f"{hours} hour{'s' * (hours != 1)}" if not minutes else f"{hours * 60 + minutes} minutes"
        elif name == "wake.RACY_NS":  # how old every watched file must be before a note is left
            return f"{RACY_NS // 1_000_000_000} seconds"
        elif name in PARTS:
            made = PARTS[name]()
            if "\n" not in made or _alone(match):
                return made
            if not _quoted(match):  # a table or a letter cannot sit inside a sentence
                said = "followup: %s: the marker %r must stand on a line of its own"
                log.warning(said, where or "page", name)
            return match[0]  # in `code`: the marker shown as written, as a page explaining markers means
        log.warning("followup: %s: unknown marker %r", where or "page", name)
        return match[0]

    return MARKER.sub(one, markdown)


def _alone(match: re.Match[str]) -> bool:
    """Whether a marker is the only thing on its line (indentation aside)."""
    text, start, end = match.string, match.start(), match.end()
    before = text[text.rfind("\n", 0, start) + 1 : start]
    after = text[end : (text.find("\n", end) + 1 or len(text) + 1) - 1]
    return not before.strip() and not after.strip()


def _quoted(match: re.Match[str]) -> bool:
    """Whether a marker is written inside `inline code`."""
    text, start, end = match.string, match.start(), match.end()
    return text[start - 1 : start] == "`" and text[end : end + 1] == "`"


def write_expanded_docs(source: Path, target: Path) -> None:
    """Copy a docs folder with every marker expanded (for builds without this hook: bench, zensical)."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    for page in target.rglob("*.md"):
        page.write_text(expand(page.read_text("utf-8"), str(page)), "utf-8")


# --- MkDocs events --------------------------------------------------------------------------------


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """The repository's address from FOLLOWUP_REPO_URL, else the checkout's git remote, else none: the
    header's link and the install page's clone command are left out rather than made up. Edit links
    only for a repository the user named."""
    global REPO
    named = os.environ.get("FOLLOWUP_REPO_URL") or None
    REPO = start.repository(Path(config.config_file_path).parent, named, Path(config.docs_dir))
    config.repo_url = REPO.web
    if named:
        config.edit_uri = os.environ.get("FOLLOWUP_EDIT_URI", "edit/main/content/")
    return config


def on_page_context(
    context: TemplateContext, page: Page, config: MkDocsConfig, nav: Navigation
) -> TemplateContext:
    """No canonical link unless the guide has its real address (FOLLOWUP_SITE_URL)."""
    if not config.extra.get("published"):
        page.canonical_url = None
    return context


# The sitemap of a local build: it lists no page, so it names no local address, yet the theme's
# instant navigation, which asks every page for /sitemap.xml, finds one (no 404 in the console).
EMPTY_SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n'
)


def on_post_build(config: MkDocsConfig) -> None:
    """No sitemap naming a local address in a build meant to be kept (`mkdocs serve` keeps its own)."""
    if config.extra.get("published") or SERVING:
        return
    (Path(config.site_dir) / "sitemap.xml.gz").unlink(missing_ok=True)
    (Path(config.site_dir) / "sitemap.xml").write_text(EMPTY_SITEMAP, "utf-8")


SERVING = False


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether this is `mkdocs serve`, whose sitemap drives its own instant navigation."""
    global SERVING
    SERVING = command == "serve"


def on_pre_build(config: MkDocsConfig) -> None:
    """Re-read the templates on every build, so `mkdocs serve` shows an edited template at once."""
    render.load_template.cache_clear()


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Expand the markers of one page."""
    return expand(markdown, page.file.src_uri)


TABLE = re.compile(r"<table>(.*?)</table>", re.S)
HEAD_CELL = re.compile(r"<th[^>]*>(.*?)</th>", re.S)
BODY_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td([ >])")
TAGS = re.compile(r"<[^>]+>")


def stackable(table: re.Match[str]) -> str:
    """A table whose body cells carry their column's name, for the phone layout in extra.css."""
    inner = table[1]
    head, _, body = inner.partition("</thead>")
    names = [html_attr(TAGS.sub("", cell).strip()) for cell in HEAD_CELL.findall(head)]
    if not body or not names:
        return table[0]

    def row(match: re.Match[str]) -> str:
        column = iter(names)
        cells = CELL.sub(lambda c: f'<td data-label="{next(column, "")}"{c[1]}', match[1])
        return f"<tr>{cells}</tr>"

    return f"<table data-stack>{head}</thead>{BODY_ROW.sub(row, body)}</table>"


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Tables that stack into cards on a phone instead of scrolling sideways."""
    return TABLE.sub(stackable, html) if "<table>" in html else html


def on_env(env: jinja2.Environment, config: MkDocsConfig, files: Files) -> jinja2.Environment:
    """Theme touches: a repo link that asks no third party for star counts, and a helpful 404."""
    # late: MkDocs passes jinja2's environment; typing only needs the name
    import jinja2

    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, "partials/source.html")
    private = source.replace(' data-md-component="source"', "")
    if private == source:
        log.warning("followup: partials/source.html changed upstream; the repo link may call its host's API")
    overrides = {"partials/source.html": private, "404.html": NOT_FOUND}
    # Name the search dialog and the loading bar, which the theme leaves unnamed (axe: serious).
    for name, old, new in NAMELESS:
        text, _, _ = env.loader.get_source(env, name)
        if old not in text:
            log.warning("followup: %s changed upstream; %r is no longer there to name", name, old)
        overrides[name] = text.replace(old, new)
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(overrides), env.loader])
    return env


NAMELESS = (
    ("partials/search.html", 'role="dialog"', 'role="dialog" aria-label="Search"'),
    ("partials/progress.html", 'role="progressbar"', 'role="progressbar" aria-label="Loading the page"'),
)

NOT_FOUND = """\
{% extends "main.html" %}
{% block content %}
  <h1 id="not-found">This page is not here</h1>
  <p>The address may have changed when the guide was reorganised, or a letter slipped.</p>
  <p>Try the search box above, or start again from one of these:</p>
  <ul>
    <li><a href="{{ 'index.html' | url }}">the guide's home page</a></li>
    <li><a href="{{ 'etiquette/timing.html' | url }}">when to send a follow-up</a></li>
    <li><a href="{{ 'tool/commands.html' | url }}">the followup commands</a></li>
  </ul>
{% endblock %}
"""
