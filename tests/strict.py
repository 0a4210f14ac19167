"""A pytest plugin: with CI=true, a test skipped for want of a real component fails instead.

The suite's promises rest on real servers and programs (dovecot, Chromium, strace, a tmpfs, git);
a machine without one skips those tests, which is right on a laptop and wrong in CI, where a
missing install step would otherwise pass quietly. A skip whose reason is the machine's own nature
rather than a missing piece (running as root, so file permissions do not bind) stays a skip.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

# Reasons that are not a missing component: CI runs as root, where permissions cannot bind.
NATURE = ("running as root",)


def strict() -> bool:
    """Whether this run is CI's (CI=true), where every real component must be there."""
    return os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    """Turn a skip into a failure in CI, with the skip's reason and how to provide the component."""
    outcome = yield
    report = outcome.get_result()
    if not (strict() and report.skipped) or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
    if any(words in reason for words in NATURE):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"CI=true and a real component is missing, so this test would have been skipped: {reason}"
    )
