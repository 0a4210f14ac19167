"""Installed apart, as a user installs it: the wheel built from this checkout, put non-editable into a
fresh virtualenv that cannot see the checkout; `followup init`, then make check, plan, preview, a real
send and a second that sends nothing, from the workspace alone; then a newer build over it, on the same
ledger, touching none of the user's files."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.runs import EXAMPLE, NOW
from tests.servers.smtp import SmtpServer, smtp_env
from tests.wheels import build_tool, dependencies, wheel_of

ROOT = Path(__file__).resolve().parent.parent
LATER = "2026-11-24T16:30:00-05:00"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The folder of the dependencies' wheels, and the checkout's own wheel."""
    folder = tmp_path_factory.mktemp("wheels")
    for dist in dependencies():
        wheel_of(dist, folder)
    return folder, build_tool(ROOT, tmp_path_factory.mktemp("tool"))


def newer_build(tmp: Path) -> Path:
    """A wheel of the same code with the next version number (the checkout's files left as they are)."""
    source = tmp / "source"
    shutil.copytree(ROOT / "batch", source / "batch", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "README.md", source / "README.md")
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (source / "pyproject.toml").write_text(text.replace('version = "0.1.0"', 'version = "0.1.1"', 1), "utf-8")
    return build_tool(source, tmp / "newer")


def user_python() -> str:
    """The Python a user's install gets: the system's python3 when it is 3.11 or newer (Debian 12's
    3.11.2 parses mail unlike the 3.11 of the tests' own venv), else this one."""
    system = shutil.which("python3", path="/usr/bin:/bin")
    if system is None:
        return sys.executable
    new = subprocess.run([system, "-c", "import sys, ensurepip; print(sys.version_info >= (3, 11))"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    return system if new.stdout.strip() == "True" else sys.executable


def pip_install(venv: Path, deps: Path, wheel: Path) -> None:
    """Install a wheel into the venv from local wheels only: no index, no configuration, no network."""
    env = {"PIP_CONFIG_FILE": os.devnull, "PATH": "/usr/bin:/bin", "HOME": str(venv)}
    command = [
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        deps,
        wheel,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=300, env=env)


def test_the_installed_wheel_runs_a_workspace_from_init_to_a_second_send_and_an_upgrade(
    wheels: tuple[Path, Path], tmp_path: Path, smtp_server: SmtpServer
) -> None:
    deps, wheel = wheels
    venv, home, ws = tmp_path / "venv", tmp_path / "home", tmp_path / "job-search"
    home.mkdir()
    subprocess.run([user_python(), "-m", "venv", str(venv)], check=True, timeout=120)
    pip_install(venv, deps, wheel)
    # Neither the checkout nor this virtualenv on any path: only the system's programs and the new venv.
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}

    def run(*command: str, cwd: Path = ws, more: dict[str, str] | None = None) -> str:
        done = subprocess.run(command, cwd=cwd, env=env | (more or {}), capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
        assert str(ROOT) not in done.stdout + done.stderr
        return done.stdout + done.stderr

    where = run(str(venv / "bin" / "python"), "-c", "import batch; print(batch.__file__)", cwd=tmp_path)
    assert where.startswith(str(venv)), "the package comes from the venv, not the checkout"
    run(str(venv / "bin" / "followup"), "init", str(ws), cwd=tmp_path)
    assert "ok:" in run("make", "check")
    assert "installed" in run("make", "hooks")
    (ws / "interviews.yaml").write_text("me: {}\n", encoding="utf-8")
    subprocess.run(["git", "add", "interviews.yaml"], cwd=ws, check=True)
    commit = ["git", "-c", "user.name=Sam", "-c", "user.email=sam@example.com", "commit", "-qm", "bad"]
    refused = subprocess.run(commit, cwd=ws, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "commit refused" in refused.stderr, refused.stderr
    shutil.copy(EXAMPLE, ws / "interviews.yaml")  # the user's own data (fictional, as all test data)
    assert "ok:" in run("make", "check")
    assert "due" in run("make", "plan", f"ARGS=--now {NOW.isoformat()}")
    assert "dry run" in run("make", "preview", f"ARGS=--now {NOW.isoformat()}")
    assert list((ws / "var" / "outbox" / "new").iterdir())

    mail = smtp_env(smtp_server)
    run("make", "send", f"ARGS=--now {NOW.isoformat()}", more=mail)
    sent = len(smtp_server.received)
    assert sent > 0
    run("make", "send", f"ARGS=--now {LATER}", more=mail)
    assert len(smtp_server.received) == sent, "a second run sent again"

    cron = run("make", "-s", "cron").strip().splitlines()[-1]
    assert cron.startswith("*/15 * * * * ") and str(venv / "bin" / "followup") in cron
    (home / ".config" / "followup" / "env").write_text(
        "".join(f"export {name}={value}\n" for name, value in mail.items()), encoding="utf-8"
    )
    (ws / "var" / "followup.db.last-run").unlink()
    run("/bin/sh", "-c", cron.split(" ", 5)[5], cwd=home)  # as cron would: its own PATH, from home
    assert (ws / "var" / "followup.db.last-run").exists(), "the cron line's send did not run"
    assert (ws / "var" / "cron.log").exists()

    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in ws.iterdir() if p.is_file()}
    rows = sorted(sqlite3.connect(ws / "var" / "followup.db").execute("SELECT key, state FROM deliveries"))
    pip_install(venv, deps, newer_build(tmp_path))
    assert "0.1.1" in run(str(venv / "bin" / "python"), "-c",
                          "from importlib.metadata import version; print(version('followup'))")  # fmt: skip
    run("make", "send", "ARGS=--now 2026-11-24T16:45:00-05:00", more=mail)
    assert len(smtp_server.received) == sent, "the upgrade sent again"
    assert "sent" in run("make", "status")
    assert (
        sorted(sqlite3.connect(ws / "var" / "followup.db").execute("SELECT key, state FROM deliveries"))
        == rows
    )
    assert before == {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in ws.iterdir() if p.is_file()}


def test_make_install_puts_followup_in_a_venv_of_its_own_and_says_where(
    wheels: tuple[Path, Path], tmp_path: Path
) -> None:
    deps, _ = wheels
    for dist in [*dependencies("setuptools"), metadata.distribution("setuptools")]:
        wheel_of(dist, deps)  # pip builds the checkout with setuptools: from here, not the network
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1",
           "PIP_FIND_LINKS": str(deps), "LANG": "C.UTF-8"}  # fmt: skip
    source = tmp_path / "checkout"
    left = shutil.ignore_patterns(
        ".venv", ".git", "site", "var", "__pycache__", "*.egg-info", "build", ".*_cache"
    )
    shutil.copytree(ROOT, source, ignore=left)
    done = subprocess.run(["make", "-s", "install", f"PYTHON={sys.executable}"], cwd=source, env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    link = home / ".local" / "bin" / "followup"
    assert f"followup is {link}" in done.stdout
    assert "is not on your PATH" in done.stdout
    shutil.rmtree(source)  # the checkout gone, the tool stays
    check = subprocess.run(
        [str(link), "schema"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert check.returncode == 0 and '"$schema"' in check.stdout
