"""The guide's picture of the preview page shows the page the code makes now (`make preview-picture`)."""

from __future__ import annotations

from pathlib import Path

from tests import preview_picture


def test_the_guides_picture_of_the_preview_page_is_of_the_page_made_now(tmp_path: Path) -> None:
    page = preview_picture.make_page(tmp_path)
    taken = preview_picture.FINGERPRINT.read_text("utf-8").strip()
    assert preview_picture.fingerprint(page) == taken, "the preview page changed: run make preview-picture"


def test_the_picture_is_a_png_of_the_size_it_is_taken_at_and_the_guide_shows_it() -> None:
    data = preview_picture.PICTURE.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 1000)
    sending = (preview_picture.ROOT / "content" / "tool" / "sending.md").read_text("utf-8")
    assert "](../assets/preview.png)" in sending
