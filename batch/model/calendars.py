"""Which public-holiday calendar a country code names, from the `holidays` package (imported on first use).

Both the loader (is `country: CA` a country with a calendar? is `subdivision: QC` one of its regions?) and
the working-time rules need the answer; it belongs to neither.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from holidays import HolidayBase


@cache
def holiday_entity(country: str) -> type[HolidayBase]:
    """The `holidays` calendar class of a country (imported on first use)."""
    import holidays  # ~50–100 ms to import: only a policy that names a country pays for it

    entity: type[HolidayBase] = getattr(holidays, country)
    return entity
