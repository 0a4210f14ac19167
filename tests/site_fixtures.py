"""Fixtures for the guide: one strict build, served on 127.0.0.1 at the address it was built for."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Debian's chromium (Playwright's own browsers cannot be downloaded here), run headless as root.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BIN = Path(sys.executable).parent


def mkdocs_env(**extra: str) -> dict[str, str]:
    """The environment for a build: no end-of-life banner, and whatever the test adds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    return {**env, "NO_MKDOCS_2_WARNING": "1", **extra}


def run_mkdocs(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """`mkdocs ARGS` as a user runs it (never -q or -v: they hide strict failures in MkDocs 1.6)."""
    assert "-q" not in args and "-v" not in args
    command = [str(BIN / "mkdocs"), *args]
    return subprocess.run(
        command, cwd=cwd, env=mkdocs_env(**env), capture_output=True, text=True, timeout=120
    )


def copy_project(target: Path) -> Path:
    """mkdocs.yml and content/ in another folder, the hook still taken from this checkout."""
    shutil.copytree(ROOT / "content", target / "content")
    (target / "mkdocs.yml").write_text(rooted_config(), "utf-8")
    return target / "mkdocs.yml"


def rooted_config(hooks: bool = True) -> str:
    """mkdocs.yml with its paths into batch/ and overrides/ made absolute (hook, templates, theme)."""
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    hook = "hooks:\n  - batch/site/hooks.py\n"
    assert hook in config
    if not hooks:
        config = config.replace(hook, "")
    config = config.replace("custom_dir: overrides", f"custom_dir: {ROOT}/overrides")
    return config.replace("  - batch/", f"  - {ROOT}/batch/")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, quietly, with the site's 404.html for a missing page (as GitHub Pages does)."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.exists():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@dataclass(frozen=True)
class BuiltSite:
    """A strict build of the guide, and where it is served."""

    path: Path
    url: str
    result: subprocess.CompletedProcess[str]

    def html(self, page: str) -> str:
        """The built HTML of one page, by its path in the site."""
        return (self.path / page).read_text("utf-8")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """`mkdocs build --strict` with site_url set to the 127.0.0.1 address that then serves it."""
    folder = tmp_path_factory.mktemp("guide") / "site"
    folder.mkdir()
    handler = functools.partial(_Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    result = run_mkdocs("build", "--strict", "--site-dir", str(folder), FOLLOWUP_SITE_URL=url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield BuiltSite(folder, url, result)
    finally:
        server.shutdown()
        server.server_close()
