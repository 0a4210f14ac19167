"""Shared fixtures. Each area keeps its fixtures in a module of its own, listed here."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

# A test run started in the background of a script (`cmd &` without job control, as some CI runners and
# nohup'd shells do) inherits Ctrl-C ignored, and every `followup` a test starts would inherit that too:
# the Ctrl-C tests would then test nothing. The run takes Ctrl-C back, so its children get it as a user's.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# In CI every run tries the same examples (derandomized, no deadline on a busy machine), so a red run
# can be read again; elsewhere hypothesis explores, and keeps what it found in .hypothesis/.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")

ROOT = Path(__file__).resolve().parent.parent
# The package's __init__ imports both plugins at once: mark it all for pytest's assert rewriting first.
pytest.register_assert_rewrite("tests.servers")
pytest_plugins: list[str] = [
    "tests.servers.smtp",
    "tests.servers.imap",
    "tests.site_fixtures",
    "tests.strict",  # CI=true: a missing real component fails, never skips
]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped example in a temporary folder, and no FOLLOWUP_* settings from the machine."""
    shutil.copy(ROOT / "interviews.yaml", tmp_path / "interviews.yaml")
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture(autouse=True)
def own_registry_of_ledgers(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test its own state folder (XDG_STATE_HOME), so its registry of ledgers (ledger/registry.py)
    never sees another test's ledgers of the same example data, nor yours."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
