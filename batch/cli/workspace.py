"""followup init: a private workspace of the user's own, apart from the installed tool.

A new folder gets the starter interviews.yaml, its schema, a Makefile that calls the installed
`followup`, the hooks, a README and an empty ledger, all committed in a new git repository; the mail
settings' template goes outside it (~/.config/followup/env). No file is ever written over. With
--from, an existing checkout's data and ledger move in instead of the starter: `check` and `status`
are run on both sides, and the old ledger is left refusing to send, so nothing goes twice.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from batch.cli import workspace_files as files
from batch.cli.common import DEFAULT_STATE, EXIT_OK, zone
from batch.cli.ledgerplace import moved_note
from batch.data.load import data_files, load
from batch.data.schema import SCHEMA_FILE, schema_text
from batch.data.starter import starter_yaml
from batch.errors import FollowUpError, InputError, Problem
from batch.ledger.move import move_ledger
from batch.ledger.store import Ledger

COMMIT_AS = ("-c", "user.name=followup init", "-c", "user.email=followup-init@localhost")


def cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup init DIR [--from OLD] [--force]: make a workspace, or move an old checkout's into one."""
    target: Path = args.dir.expanduser().absolute()
    old: Path | None = args.source.expanduser().absolute() if args.source else None
    _refuse_unwritable_name(target)
    _refuse_occupied(target, args.force)
    before = _survey(old) if old else None
    command = _followup_command()
    wanted = _workspace_files(command, old)
    written, kept = _write_all(target, wanted)
    state = target / DEFAULT_STATE
    ledger_line = _ledger(old, state) if old else _new_ledger(state)
    print(f"made {target}: {', '.join(written)}", file=out)
    if kept:
        print(f"kept as they were (never written over): {', '.join(kept)}", file=out)
    print(ledger_line, file=out)
    if old and before:
        after = _survey(target)
        if after != before:
            raise FollowUpError(f"{target}: check or status differ after the move ({before} -> {after})")
        print(f"checked in both places: {before[0]}; status: {_count(before[1])}, the same", file=out)
    print(_commit(target, written), file=out)
    print(_env_template(Path.home()), file=out)
    print(f"next: cd {shlex.quote(str(target))} && make check && make plan (make help lists the rest; "
          "make cron prints the line for cron)", file=out)  # fmt: skip
    return EXIT_OK


# Characters no workspace path may hold: controls (a line break ends cron's line and a Makefile's), line
# and paragraph separators, and bytes that are not text (a name in another encoding).
_UNWRITABLE = ("Cc", "Cs", "Zl", "Zp")


def _refuse_unwritable_name(target: Path) -> None:
    """A path with a line break or another control character in it cannot be named on the one line of a
    crontab, nor in the Makefile's recipes: refused before anything is made."""
    text = str(target)
    if not any(unicodedata.category(c) in _UNWRITABLE for c in text):
        return
    shown = "".join(ascii(c)[1:-1] if unicodedata.category(c) in _UNWRITABLE else c for c in text)
    raise InputError(
        f"{shown}: the path holds a line break, a control character or bytes that are not text: cron's "
        "line and the Makefile could not name it; choose another folder name"
    )


def _refuse_occupied(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise InputError(
            f"{target}: the folder is not empty (followup init makes a new workspace; --force writes "
            "beside what is there, never over a file)"
        )


def _followup_command() -> str:
    """How the workspace calls the tool: the script that runs now, else `followup` on the PATH, else
    this Python with -m batch. A link (~/.local/bin/followup) is kept as it is: it outlives upgrades."""
    here = Path(sys.argv[0])
    if here.name == "followup" and here.is_file():
        return str(here.absolute())
    return shutil.which("followup") or f"{sys.executable} -m batch"


def _workspace_files(command: str, old: Path | None) -> dict[str, bytes]:
    """Every file of the new workspace, by its path there."""
    if " " in command:  # python -m batch: no file to look for
        default = command
    else:
        default = f"$(firstword $(wildcard {command}) $(shell command -v followup 2>/dev/null) followup)"
    texts = {
        SCHEMA_FILE: schema_text(),
        "Makefile": files.MAKEFILE.replace("@DEFAULT_COMMAND@", default),
        "README.md": files.README,
        ".gitignore": files.GITIGNORE,
        ".pre-commit-config.yaml": files.PRE_COMMIT.replace("@FOLLOWUP@", command),
        "hooks/pre-commit": files.HOOK,
    }  # fmt: skip
    found = {name: text.encode("utf-8") for name, text in texts.items()}
    if old is None:
        today = datetime.now(UTC).date()
        return {"interviews.yaml": starter_yaml(_local_zone(), today).encode("utf-8"), **found}
    return {**_old_data(old), **found}


def _old_data(old: Path) -> dict[str, bytes]:
    """The data files of an old checkout and the templates they name, by their paths there."""
    paths = data_files(None, old)
    data = load(paths)
    named = {Path(i.source).parent / i.template for i in data.interviews if i.template is not None}
    taken: dict[str, bytes] = {}
    for path in [*paths, *sorted(named)]:
        try:
            relative = path.resolve().relative_to(old.resolve())
        except ValueError:
            raise InputError(f"{path}: is outside {old}; move it into the workspace by hand") from None
        taken[relative.as_posix()] = path.read_bytes()
    return taken


def _write_all(target: Path, wanted: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Write each file that is not there yet (never over one); the names written, and those kept."""
    written, kept = [], []
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)  # a job search: other people's names and addresses, for your eyes only
    for name, content in wanted.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            mode = 0o700 if name.startswith("hooks/") else 0o600
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        except FileExistsError:
            kept.append(name)
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        written.append(name)
    return written, kept


def _new_ledger(state: Path) -> str:
    """An empty ledger, so that the first send knows it starts afresh (nothing was sent from here)."""
    if state.exists():
        return f"ledger: {state} is there already"
    Ledger(state).close()
    return f"ledger: {state} (empty; not committed)"


def _ledger(old: Path, state: Path) -> str:
    """The old checkout's ledger moved in, the old one left pointing here; or a new empty one."""
    source = old / DEFAULT_STATE
    if moved_note(source).exists():
        raise InputError(f"{source}: this ledger was moved already ({moved_note(source)} says where)")
    if not source.exists():
        return f"{source}: no ledger there (nothing was sent from it); " + _new_ledger(state)
    note = moved_note(source)
    move_ledger(source, state, lambda: note.write_text(f"{state}\n", encoding="utf-8"))
    return (f"ledger: moved to {state}; {source} now refuses to send and says where it went "
            f"(take {old}'s cron line out, and add this workspace's: make cron)")  # fmt: skip


def _survey(folder: Path) -> tuple[str, list[object]]:
    """What `check` says of a folder's data (its ok line) and what `status --json` lists of its ledger."""
    # late: the commands themselves, run as they would be in that folder
    from batch.cli.planning import cmd_check
    from batch.cli.upkeep import cmd_status

    said, status = io.StringIO(), io.StringIO()
    with contextlib.chdir(folder):
        try:
            cmd_check(argparse.Namespace(), said, said)
        except FollowUpError as exc:
            first: list[Problem | str] = [f"{folder}: followup check fails there; fix that first:"]
            raise InputError(first + list(exc.lines())) from None
        cmd_status(argparse.Namespace(json=True), status, io.StringIO())
    ok = next((line for line in said.getvalue().splitlines() if line.startswith("ok:")), "ok")
    return ok, json.loads(status.getvalue())


def _count(rows: list[object]) -> str:
    states = [str(row.get("state")) for row in rows if isinstance(row, dict)]
    parts = [f"{states.count(s)} {s}" for s in sorted(set(states))]
    return f"{len(states)} deliveries" + (f" ({', '.join(parts)})" if parts else "")


def _commit(target: Path, names: list[str]) -> str:
    """Commit the files written in the workspace's own repository (a new one unless it has one)."""
    git = shutil.which("git")
    if git is None:
        return "git is not installed: nothing committed (run git init and commit here when it is)"

    def run(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([git, *words], cwd=target, capture_output=True, text=True, check=False)

    if not (target / ".git").exists() and run("-c", "init.defaultBranch=main", "init", "-q").returncode:
        return "git init failed here: nothing committed"
    if not names:
        return "nothing new to commit"
    run("add", "--", *names)
    who = () if run("var", "GIT_COMMITTER_IDENT").returncode == 0 else COMMIT_AS
    done = run(*who, "commit", "-q", "-m", "A Follow Up workspace, made by followup init")
    if done.returncode:
        return f"git commit failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}"
    return f"committed in {target / '.git'}" + (" (as 'followup init': git has no user.name)" if who else "")


def _env_template(home: Path) -> str:
    """The mail settings' template outside the repository, readable by you alone; only if missing."""
    path = home / ".config" / "followup" / "env"
    if path.exists() or path.is_symlink():
        return f"mail settings: {path} is there already (left as it is)"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(files.ENV)
    return f"mail settings: wrote {path} (readable by you alone): fill in your FOLLOWUP_SMTP_* lines"


def _local_zone() -> str:
    """This machine's time zone by its IANA name ($TZ, /etc/localtime, /etc/timezone), else UTC."""
    names = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        names.append(os.readlink("/etc/localtime").partition("zoneinfo/")[2])
    with contextlib.suppress(OSError, UnicodeDecodeError):
        names.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in names:
        with contextlib.suppress(ValueError, KeyError, OSError):
            if name and ("/" in name or name == "UTC"):
                zone(name)
                return name
    return "UTC"
