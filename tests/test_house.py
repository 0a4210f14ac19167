"""The house keeps its shape: floors a linter holds, no circle, the picture current, the idle path lean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import house

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the copy of the package in `where` (its pyproject.toml, its batch/)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=where, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The package and its contracts, copied where a planted import harms nothing."""
    shutil.copytree(ROOT / "batch", tmp_path / "batch", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def plant(copy: Path, module: str, line: str) -> None:
    path = copy / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def test_the_contracts_hold_on_the_package_as_it_is(copy: Path) -> None:
    done = lint_imports(copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "batch.model.policy",
            "from batch.cli import main  # noqa",
            "Each package imports only the floors below",
        ),
        ("batch.data.load", "from batch.etiquette import schedule  # noqa", "Each package imports only"),
        ("batch.etiquette.schedule", "from batch.ledger import store  # noqa", "Each package imports only"),
        ("batch.letters.render", "from batch.inbox import replies  # noqa", "Each package imports only"),
        ("batch.site.hooks", "import smtplib  # noqa", "Building the guide can never send"),
        ("batch.ledger.store", "import jinja2  # noqa", "The core (records, data, rules, ledger)"),
    ],
)
def test_a_planted_upward_or_sideways_import_breaks_a_contract(
    copy: Path, module: str, line: str, contract: str
) -> None:
    plant(copy, module, line)
    done = lint_imports(copy)
    assert done.returncode != 0
    broken = done.stdout.split("Broken contracts")[-1]
    assert contract in broken, done.stdout


def test_a_new_package_without_a_floor_breaks_the_floors(copy: Path) -> None:
    (copy / "batch" / "extras").mkdir()
    (copy / "batch" / "extras" / "__init__.py").write_text('"""A package nobody placed."""\n')
    assert lint_imports(copy).returncode != 0


def test_no_module_of_batch_is_in_a_circle() -> None:
    assert house.circles(house.import_graph()) == []


def test_the_circle_finder_finds_a_circle_of_three_and_nothing_in_a_chain() -> None:
    assert house.circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert house.circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_long_modules_say_why_and_late_imports_say_why() -> None:
    assert house.problems() == []


def test_a_late_import_without_a_comment_is_found(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        textwrap.dedent(
            """\
            def f():
                import json

                return json


            def g():
                # late: a reason
                import json

                return json
            """
        )
    )
    found = [(line, said) for _, line, said in house.function_imports(tmp_path)]
    assert found == [(2, False), (9, True)]


def test_the_architecture_picture_is_drawn_from_the_code_as_it_is() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert house.redraw() == text, "run `make architecture` to redraw ARCHITECTURE.md's picture"


def test_every_package_of_batch_is_on_the_architecture_page_and_says_what_it_owns() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = [p for p in (ROOT / "batch").iterdir() if (p / "__init__.py").exists()]
    assert len(packages) >= 9
    for package in packages:
        assert f"`{package.name}`" in text
        docstring = (package / "__init__.py").read_text(encoding="utf-8")
        assert "Owns:" in docstring or package.name == "batch", package


# The modules of ours the first idle cron run after an edit loads (no wake-up note yet): the data is
# read and planned, and nothing renders, composes, connects or reads a mailbox.
IDLE = {
    "batch", "batch.account", "batch.account.settings", "batch.cli", "batch.cli.common", "batch.cli.main",
    "batch.cli.alarm",  # the run's deadline (FOLLOWUP_RUN_DEADLINE) covers the data's load too
    "batch.cli.ledgers", "batch.ledger.registry",  # one ledger per data: checked before anything can go
    "batch.cli.sending", "batch.cli.terminal", "batch.data", "batch.data.checks", "batch.data.fields",
    "batch.data.load", "batch.data.source", "batch.data.spec", "batch.errors", "batch.etiquette",
    "batch.data.secrets",  # the load holds each data file against your secrets (a link, a second name)
    "batch.etiquette.places", "batch.etiquette.schedule", "batch.etiquette.workdays", "batch.inbox",
    "batch.inbox.sentcopy",
    "batch.inbox.watch",  # when the mailbox is next looked at for a bounce: the wake-up note needs it
    "batch.ledger", "batch.ledger.private", "batch.ledger.reads", "batch.ledger.schema", "batch.ledger.store",
    "batch.ledger.wake",
    "batch.mail", "batch.mail.deliver", "batch.mail.outcome", "batch.mail.pace", "batch.model",
    "batch.model.calendars", "batch.model.interview", "batch.model.keys", "batch.model.languages",
    "batch.model.policy", "batch.model.rounds", "batch.model.twins",
}  # fmt: skip


def test_the_first_idle_run_after_an_edit_loads_exactly_these_modules_of_ours(work: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env |= {"FOLLOWUP_SMTP_HOST": "127.0.0.1", "FOLLOWUP_SMTP_PORT": "9", "FOLLOWUP_SMTP_SECURITY": "none"}
    code = (
        "import sys; from batch.cli.main import main\n"
        "code = main(['--data', 'interviews.yaml', '--state', 'v.db', '--now', '2027-03-01T12:00:00-05:00',"
        " 'send'])\n"
        "print(code, ' '.join(sorted(m for m in sys.modules if m == 'batch' or m.startswith('batch.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=work, capture_output=True, text=True)
    status, _, loaded = done.stdout.strip().partition(" ")
    assert status == "0", done.stderr
    assert set(loaded.split()) == IDLE


def test_ci_turns_a_skip_for_a_missing_component_into_a_failure(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text(
        "import pytest\n\n"
        "def test_needs_dovecot():\n    pytest.skip('dovecot is not installed')\n\n"
        "def test_root():\n    pytest.skip('running as root and cannot drop CAP_DAC_OVERRIDE')\n"
    )
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "tests.strict",
        "-p",
        "no:cacheprovider",
        "test_one.py",
    ]
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(ROOT)}
    ci = subprocess.run(args, cwd=tmp_path, env=env | {"CI": "true"}, capture_output=True, text=True)
    laptop = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert ci.returncode == 1 and "1 failed, 1 skipped" in ci.stdout, ci.stdout
    assert laptop.returncode == 0 and "2 skipped" in laptop.stdout, laptop.stdout
