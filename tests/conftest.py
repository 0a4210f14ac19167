"""Shared fixtures. Each area keeps its fixtures in a module of its own, listed here."""

from __future__ import annotations

import os

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

pytest_plugins: list[str] = ["tests.servers", "tests.site_fixtures"]
