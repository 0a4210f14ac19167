"""Markdown and HTML building blocks of the guide's generated parts, and the build's warnings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

log = logging.getLogger("mkdocs.hooks.followup")


def indent(text: str, by: int = 4) -> str:
    """Text indented for a tab or an admonition (blank lines stay blank)."""
    pad = " " * by
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


def fenced(text: str, lang: str = "text", classes: str = ".followup-message") -> str:
    """A fenced block that shows text exactly."""
    return f"``` {{ .{lang} {classes} }}\n{text.rstrip()}\n```"


def when(moment: datetime, year: bool = True) -> str:
    """A due time as the recipient reads it."""
    day = f"{moment:%a} {moment.day} {moment:%b}" + (f" {moment:%Y}" if year else "")
    return f"{day}, {moment:%H:%M} {moment.tzname()}"


def tabs(blocks: dict[str, str]) -> str:
    """Content tabs, one per label."""
    return "\n\n".join(f'=== "{label}"\n\n{indent(body)}' for label, body in blocks.items())


def check(label: str, problems: list[str]) -> None:
    """Report an example that breaks the etiquette (a warning fails the strict build)."""
    for problem in problems:
        log.warning("followup: the %s example fails the etiquette check: %s", label, problem)


def table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def html_escape(text: str) -> str:
    """Text made safe inside SVG markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_attr(text: str) -> str:
    """Text made safe inside a double-quoted attribute."""
    return html_escape(text).replace('"', "&quot;")
