"""Mutation testing of the modules that carry a promise, each against its own tests (`make mutants`).

cosmic-ray changes one thing at a time in a copy of the code (a comparison, a boolean, a number, a
loop) and runs the module's tests; a change no test notices (a surviving mutant) is a promise the
tests do not hold. The copy lives in var/mutants/ so the checkout is never touched, and the tests
import the copy (PYTHONPATH) rather than the installed package.

    python -m tests.mutants [NAME ...] [--minutes N]     (default: every target, 20 minutes each)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutants"
BIN = Path(sys.executable).parent

# name: (the module that carries the promise, the tests that hold it)
TARGETS: dict[str, tuple[str, list[str]]] = {
    "working-time": ("batch/etiquette/workdays.py", ["tests/etiquette"]),
    "identity": (
        "batch/model/keys.py",
        [
            "tests/model",
            "tests/mail/test_trust.py",
            "tests/mail/test_identity.py",
            "tests/etiquette/test_schedule.py",
        ],
    ),
    "claims": ("batch/ledger/store.py", ["tests/ledger/test_ledger.py", "tests/ledger/test_group_commit.py"]),
    "auto-replies": ("batch/inbox/autoreply.py", ["tests/inbox/test_replies.py"]),
    "header-gate": ("batch/letters/mime.py", ["tests/letters/test_mime.py"]),
    "secret-scrubbing": ("batch/account/wire.py", ["tests/account", "tests/mail/test_transport.py"]),
}
# Arithmetic swaps (a + for a *, …) and renamed variables mostly make code that cannot run at all;
# the operators kept are the ones that make plausible slips: comparisons, booleans, numbers, loops.
EXCLUDED = ["core/ReplaceBinaryOperator_.*", "core/VariableReplacer", "core/VariableInserter"]


def config(name: str, module: str, tests: list[str], copy: Path) -> Path:
    """The cosmic-ray session's config for one target."""
    command = (
        f"{sys.executable} -m pytest -x -q -p no:randomly -p no:cacheprovider -o addopts= {' '.join(tests)}"
    )
    text = "\n".join(
        [
            "[cosmic-ray]",
            f'module-path = "{module}"',
            "timeout = 120.0",
            "excluded-modules = []",
            f"test-command = {json.dumps(command)}",
            "",
            "[cosmic-ray.distributor]",
            'name = "local"',
            "",
            "[cosmic-ray.filters.operators-filter]",
            f"exclude-operators = {json.dumps(EXCLUDED)}",
            "",
        ]
    )
    path = copy / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def fresh_copy() -> Path:
    """The tracked files of the checkout, copied where mutating them harms nothing."""
    copy = WORK / "tree"
    shutil.rmtree(copy, ignore_errors=True)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    return copy


def run(name: str, copy: Path, minutes: float) -> dict[str, object]:
    """Mutate one module, run its tests for each mutant, and say what survived."""
    module, tests = TARGETS[name]
    session, settings = copy / f"{name}.sqlite", config(name, module, tests, copy)
    session.unlink(missing_ok=True)
    env = os.environ | {"PYTHONPATH": str(copy), "CI": "true"}

    def cr(*args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)

    cr(str(BIN / "cosmic-ray"), "init", str(settings), str(session))
    cr(str(BIN / "cr-filter-operators"), str(session), str(settings))
    cr(str(BIN / "cr-filter-pragma"), str(session))
    try:
        cr(str(BIN / "cosmic-ray"), "exec", str(settings), str(session), timeout=minutes * 60)
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
        shutil.copy2(ROOT / module, copy / module)  # the copy's module back as it was
    return summary(name, module, cr(str(BIN / "cosmic-ray"), "dump", str(session)).stdout, finished)


def summary(name: str, module: str, dump: str, finished: bool) -> dict[str, object]:
    """Counts and the surviving mutants (line and operator) from cosmic-ray's JSON lines."""
    killed, survived, skipped = 0, [], 0
    for line in dump.splitlines():
        work, result = json.loads(line)
        if not result or result.get("worker_outcome") == "skipped":
            skipped += 1
            continue
        if result.get("test_outcome") == "survived":
            mutation = work["mutations"][0]
            survived.append(f"{module}:{mutation['start_pos'][0]} {mutation['operator_name']}")
        else:
            killed += 1
    return {"name": name, "killed": killed, "survived": survived, "skipped": skipped, "finished": finished}


def main() -> int:
    parser = argparse.ArgumentParser(description="mutation testing of the modules that carry a promise")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"any of: {', '.join(TARGETS)} (default: all)"
    )
    parser.add_argument("--minutes", type=float, default=20.0, help="at most this long per target")
    args = parser.parse_args()
    if unknown := [name for name in args.names if name not in TARGETS]:
        parser.error(f"unknown target {unknown[0]!r}; the targets are {', '.join(TARGETS)}")
    copy = fresh_copy()
    results = [run(name, copy, args.minutes) for name in args.names or TARGETS]
    for result in results:
        status = "" if result["finished"] else " (stopped at the time limit)"
        print(f"{result['name']}: {result['killed']} killed, {len(result['survived'])} survived{status}")
        for mutant in result["survived"]:  # type: ignore[attr-defined]
            print(f"  survived: {mutant}")
    (WORK / "report.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if any(r["survived"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
