"""The guide's picture of the preview page: `make preview-picture` retakes it, a test says when it is stale.

The page is the shipped example's dry run at the demo's moment, with a window of three days; the
picture is Chromium's, at a desktop width. Beside it, the fingerprint of the page it shows (paths of
this checkout left out), which tests/views/test_preview_picture.py compares with the page made now.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PICTURE = ROOT / "content" / "assets" / "preview.png"
FINGERPRINT = PICTURE.with_suffix(".sha256")
NOW, UNTIL = "2026-11-24T16:00:00-05:00", "2026-11-26"


def make_page(folder: Path) -> Path:
    """The preview page of the shipped example, written into `folder`; its path."""
    from batch.cli.main import main  # late: the module is also imported only for its constants

    args = ["--data", str(ROOT / "interviews.yaml"), "--state", str(folder / "followup.db"), "--now", NOW,
            "send", "--dry-run", "--outbox", str(folder / "outbox"), "--until", UNTIL]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(args) == 0
    return folder / "outbox" / "index.html"


def fingerprint(page: Path) -> str:
    """The page's SHA-256, with this checkout's path taken out (a template's path names it)."""
    text = page.read_text("utf-8").replace(str(ROOT), "ROOT")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def take(page: Path, target: Path) -> None:
    """Chromium's picture of the top of the page, at 1100 by 1000 CSS px."""
    from playwright.sync_api import sync_playwright  # late: a test dependency, for this target only

    from tests.site_fixtures import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        view = browser.new_page(viewport={"width": 1100, "height": 1000}, color_scheme="light")
        view.goto(page.as_uri())
        view.screenshot(path=str(target))
        browser.close()


def main() -> int:
    """Retake the picture and its fingerprint."""
    with tempfile.TemporaryDirectory(prefix="followup-picture-") as folder:
        page = make_page(Path(folder))
        take(page, PICTURE)
        FINGERPRINT.write_text(fingerprint(page) + "\n", "utf-8")
    print(f"{PICTURE.relative_to(ROOT)}: retaken")
    return 0


if __name__ == "__main__":
    sys.exit(main())
