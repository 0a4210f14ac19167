"""Shared fixtures. Each area keeps its fixtures in a module of its own, listed here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins: list[str] = ["tests.servers", "tests.site_fixtures"]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped example in a temporary folder, and no FOLLOWUP_* settings from the machine."""
    shutil.copy(ROOT / "interviews.yaml", tmp_path / "interviews.yaml")
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    return tmp_path
