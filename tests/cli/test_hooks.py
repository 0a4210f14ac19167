"""The data checked at commit: `make hooks`'s plain git hook, and the pre-commit framework's hook."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
EXAMPLE = (ROOT / "interviews.yaml").read_text(encoding="utf-8")
BROKEN = EXAMPLE.replace("    interviewers:", "    interviewr:", 1)
TYPO_LINE = BROKEN.splitlines().index("    interviewr:") + 1

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or shutil.which("make") is None, reason="git, make"
)


def environment() -> dict[str, str]:
    """A git of the test's own: no user or system config, no variables of a git that runs the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Sam Rivera",
               GIT_AUTHOR_EMAIL="sam@example.com", GIT_COMMITTER_NAME="Sam Rivera",
               GIT_COMMITTER_EMAIL="sam@example.com")  # fmt: skip
    return env


def sh(repo: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=repo, env=environment(), capture_output=True, text=True, timeout=120)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A user's copy of the project as the hook sees it: a git repo, the Makefile, the hook, .venv/."""
    repo = tmp_path.resolve() / "mine"
    repo.mkdir()
    assert sh(repo, "git", "init", "-q").returncode == 0
    shutil.copy(ROOT / "Makefile", repo / "Makefile")
    (repo / "hooks").mkdir()
    shutil.copy(ROOT / "hooks" / "pre-commit", repo / "hooks" / "pre-commit")
    (repo / ".venv").symlink_to(ROOT / ".venv")
    (repo / ".gitignore").write_text(".venv\n", encoding="utf-8")
    return repo


def commit(repo: Path, text: str) -> subprocess.CompletedProcess[str]:
    (repo / "interviews.yaml").write_text(text, encoding="utf-8")
    assert sh(repo, "git", "add", "interviews.yaml").returncode == 0
    return sh(repo, "git", "commit", "-m", "my interviews")


def installed(repo: Path) -> Path:
    done = sh(repo, "make", "-s", "hooks")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("installed ")
    return repo / ".git" / "hooks" / "pre-commit"


def test_make_hooks_installs_the_projects_hook_as_an_executable(repo):
    hook = installed(repo)
    assert hook.read_bytes() == (ROOT / "hooks" / "pre-commit").read_bytes()
    assert os.access(hook, os.X_OK)


def test_a_commit_of_broken_interviews_is_refused_with_the_errors_place(repo):
    installed(repo)
    done = commit(repo, BROKEN)
    assert done.returncode != 0
    place = f"{repo}/interviews.yaml:{TYPO_LINE}:5: unknown key 'interviewr' in an interview"
    assert place in done.stderr, done.stderr
    assert "commit refused" in done.stderr
    assert sh(repo, "git", "rev-parse", "--verify", "-q", "HEAD").returncode != 0  # nothing was committed


def test_a_commit_of_good_interviews_goes_in(repo):
    installed(repo)
    done = commit(repo, EXAMPLE)
    assert done.returncode == 0, done.stderr
    assert sh(repo, "git", "log", "--format=%s").stdout == "my interviews\n"


def test_a_commit_that_leaves_the_data_alone_does_not_run_the_check(repo):
    installed(repo)
    (repo / "interviews.yaml").write_text(BROKEN, encoding="utf-8")  # broken, but not in this commit
    (repo / "notes.md").write_text("to do\n", encoding="utf-8")
    assert sh(repo, "git", "add", "notes.md").returncode == 0
    done = sh(repo, "git", "commit", "-m", "notes")
    assert done.returncode == 0, done.stderr


def test_make_hooks_leaves_a_hook_of_someone_elses_in_place(repo):
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexec lint-everything\n", encoding="utf-8")
    done = sh(repo, "make", "-s", "hooks")
    assert done.returncode != 0
    assert "is another hook" in done.stderr
    assert hook.read_text(encoding="utf-8") == "#!/bin/sh\nexec lint-everything\n"


def test_make_hooks_again_replaces_its_own_hook(repo):
    installed(repo)
    assert installed(repo).read_bytes() == (ROOT / "hooks" / "pre-commit").read_bytes()


def framework_hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return next(hook for hook in hooks if hook["id"] == "followup-check")


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("interviews.yaml", True),
        ("interviews/acme.yaml", True),
        ("interviews/2026/acme.yml", True),
        ("mkdocs.yml", False),
        ("interviews.yaml.bak", False),
        ("old/interviews.yaml", False),
    ],
)
def test_the_pre_commit_frameworks_hook_runs_for_the_data_files_only(path, runs):
    assert bool(re.search(str(framework_hook()["files"]), path)) == runs


def test_the_pre_commit_frameworks_hook_entry_refuses_broken_data_with_its_place(repo):
    hook = framework_hook()
    assert (hook["language"], hook["pass_filenames"]) == ("python", False)
    (repo / "interviews.yaml").write_text(BROKEN, encoding="utf-8")
    env = environment()
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"  # what the framework's env provides
    argv = shlex.split(str(hook["entry"]))
    done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"{repo}/interviews.yaml:{TYPO_LINE}:5: unknown key 'interviewr'" in done.stderr


def test_the_hook_checks_what_is_staged_not_the_working_copy(repo):
    installed(repo)
    (repo / "interviews.yaml").write_text(BROKEN, encoding="utf-8")
    assert sh(repo, "git", "add", "interviews.yaml").returncode == 0
    (repo / "interviews.yaml").write_text(EXAMPLE, encoding="utf-8")  # fixed on disk, not staged
    done = sh(repo, "git", "commit", "-m", "staged broken")
    assert done.returncode != 0 and f"{repo}/interviews.yaml:{TYPO_LINE}:5: unknown key" in done.stderr, (
        done.stderr
    )
    assert sh(repo, "git", "add", "interviews.yaml").returncode == 0
    assert sh(repo, "git", "commit", "-m", "good").returncode == 0
    (repo / "interviews.yaml").write_text(BROKEN, encoding="utf-8")  # broken on disk, the good one staged
    (repo / "interviews.yaml").write_text(EXAMPLE + "\n", encoding="utf-8")
    assert sh(repo, "git", "add", "interviews.yaml").returncode == 0
    (repo / "interviews.yaml").write_text(BROKEN, encoding="utf-8")
    done = sh(repo, "git", "commit", "-m", "staged good")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "name", ["interviews/café.yaml", "interviews/with space.yml", "interviews/\u2028odd.yaml"]
)
def test_the_hook_checks_a_data_file_whatever_its_name(repo, name):
    installed(repo)
    (repo / "interviews.yaml").write_text(EXAMPLE, encoding="utf-8")
    assert sh(repo, "git", "add", "interviews.yaml").returncode == 0
    assert sh(repo, "git", "commit", "-m", "good").returncode == 0
    path = repo / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("interviews:\n  - id: x\n    compnay: Acme\n", encoding="utf-8")
    assert sh(repo, "git", "add", name).returncode == 0
    done = sh(repo, "git", "commit", "-m", "more")
    assert done.returncode != 0, done.stderr
    assert (
        "commit refused" in done.stderr and "compnay" in done.stderr and f"{repo}/interviews/" in done.stderr
    )
