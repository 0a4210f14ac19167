"""What `send` printed, with the local date and time that starts each of its lines taken off."""

from __future__ import annotations

import re

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d [^ \n]+ ", re.MULTILINE)


def unstamped(text: str) -> str:
    """The text with the `YYYY-MM-DD HH:MM ZONE ` starting each line removed (lines without one kept)."""
    return STAMP.sub("", text)
