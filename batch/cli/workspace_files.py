"""The files `followup init` writes into a new workspace, besides interviews.yaml and its schema.

`@FOLLOWUP@` stands for the command that runs the installed tool (an absolute path where one is
known), so that make, cron and the hook find it without the tool's checkout or your shell's PATH.
"""

# ruff: noqa: E501  (a recipe's line of shell is kept whole, as make and a reader see it)
from __future__ import annotations

MAKEFILE = """\
# Your Follow Up workspace: your interviews and the ledger of what was sent (var/, not committed).
# The tool is installed apart (pipx, uv tool, pip, or `make install` in its repository); upgrading it
# never touches this folder. `make -C /path/to/here send` works from anywhere, as does
# `followup --data /path/to/here/interviews.yaml plan`: the ledger is always the one in var/ here.
SHELL := /bin/sh
# The followup that made this workspace; if it is gone, the first one on your PATH.
FOLLOWUP ?= @DEFAULT_COMMAND@
OUTBOX ?= var/outbox
ARGS ?=
# make preview UNTIL=2027-01-15 (or UNTIL=tomorrow): also what falls due until then
UNTIL ?=
# make plan NOW=2026-12-15T10:00 (or make preview NOW=…): as if it were then, to look ahead
NOW ?=
# Cron starts jobs without your shell's variables: its line loads the mail settings from this file.
FOLLOWUP_ENV ?= $(HOME)/.config/followup/env

.PHONY: help send plan check preview status calendar doctor cron hooks schema

help:
\t@echo "make check    validate interviews.yaml and lint every message it would produce"
\t@echo "make plan     every follow-up and its state, now"
\t@echo "make preview  a dry run into $(OUTBOX)/: what is due now and what comes next (UNTIL=2027-01-15 for more)"
\t@echo "             plan, check and preview take NOW=2027-01-15T10:00 to look as if it were then"
\t@echo "make send     deliver what is due now (what cron runs); a dry run without mail settings"
\t@echo "make status   what the ledger holds"
\t@echo "make calendar every follow-up as an iCalendar file, var/followups.ics"
\t@echo "make doctor   pre-flight: data, ledger, mail logins (sends nothing)"
\t@echo "make cron     print the crontab line for this workspace"
\t@echo "make hooks    install a git pre-commit hook: a commit of bad data is refused"
\t@echo "make schema   rewrite interviews.schema.json after an upgrade of the tool"
\t@echo "ARGS=... passes options on, e.g. make send ARGS=--new-ledger, make send ARGS=\"--limit 1\""

check:
\t@$(FOLLOWUP)$(if $(NOW), --now $(NOW)) check $(ARGS)

plan:
\t@$(FOLLOWUP)$(if $(NOW), --now $(NOW)) plan $(ARGS)

preview:
\t@$(FOLLOWUP)$(if $(NOW), --now $(NOW)) send --dry-run --outbox $(OUTBOX)$(if $(UNTIL), --until $(UNTIL)) $(ARGS)

send:
\t@$(FOLLOWUP) send $(ARGS)

status:
\t@$(FOLLOWUP) status $(ARGS)

calendar:
\t@$(FOLLOWUP) calendar $(ARGS)

doctor:
\t@$(FOLLOWUP) doctor $(ARGS)

schema:
\t@$(FOLLOWUP) schema > interviews.schema.json
\t@echo "wrote interviews.schema.json"

# The line names the tool by its full path and this folder by its own: it needs neither your PATH
# nor the tool's checkout. Each path is quoted for the shell, and each % escaped (cron reads a bare %
# as the end of the command); a path with a line break cannot be written on one line, and is refused.
cron:
\t@bin="$$(command -v $(firstword $(FOLLOWUP)))" || { echo "cannot find $(FOLLOWUP): install the tool, or set FOLLOWUP=/path/to/followup" >&2; exit 1; }; \\
\tenv='$(subst ','\\'',$(FOLLOWUP_ENV))'; here="$$(pwd -P; echo .)"; here="$${here%??}"; \\
\tcase "$$here$$env$$bin" in *[[:cntrl:]]*) echo "no cron line: a path holds a line break or another control character (cron reads one command a line): rename the folder" >&2; exit 1;; esac; \\
\ttest -r "$$env" || echo "note: $$env does not exist yet: put your FOLLOWUP_SMTP_* settings in it (chmod 600), or every run is a dry run" >&2; \\
\tmkdir -p var; (umask 077 && : >> var/cron.log); chmod 600 var/cron.log; \\
\tq() { printf "'%s'" "$$(printf '%s' "$$1" | sed -e "s/'/'\\\\\\\\''/g" -e "s/%/''\\\\\\\\%/g")"; }; \\
\tline="*/15 * * * * . $$(q "$$env") && cd $$(q "$$here") && $$(q "$$bin")"; \\
\tfor word in $(wordlist 2,9,$(FOLLOWUP)); do line="$$line $$(q "$$word")"; done; \\
\tprintf '%s\\n' "$$line send >> $$(q "$$here/var/cron.log") 2>&1"

HOOK_MARK := installed by \\`make hooks\\`
hooks:
\t@hook="$$(git rev-parse --git-path hooks)/pre-commit" || exit 1; \\
\tif [ -e "$$hook" ] && ! grep -q "$(HOOK_MARK)" "$$hook"; then \\
\t  echo "$$hook is another hook: add '$(FOLLOWUP) check' to it by hand, or use pre-commit (.pre-commit-config.yaml)" >&2; \\
\t  exit 1; \\
\tfi; \\
\tmkdir -p "$$(dirname "$$hook")" && \\
\tsed "s|@FOLLOWUP@|$(FOLLOWUP)|" hooks/pre-commit > "$$hook" && chmod 755 "$$hook" && \\
\techo "installed $$hook: a commit that changes your interviews data runs followup check first"
"""

HOOK = """\
#!/bin/sh
# Follow Up's pre-commit hook, installed by `make hooks` (with the pre-commit framework, use
# .pre-commit-config.yaml instead). A commit that touches your interviews data goes in only if
# `followup check` passes; its errors name the place. To commit anyway, once: git commit --no-verify
top=$(git rev-parse --show-toplevel) || exit 1
cd "$top" || exit 1
git diff --cached --name-only --diff-filter=ACMR | grep -qE '^interviews(\\.yaml|/.*\\.ya?ml)$' || exit 0
if ! @FOLLOWUP@ check; then
    echo "followup: commit refused: fix the data above (git commit --no-verify skips this check)" >&2
    exit 1
fi
"""

PRE_COMMIT = """\
# For the pre-commit framework (https://pre-commit.com): `pre-commit install` here, and each commit
# that changes your interviews runs followup check first (the followup-check hook of the tool's
# .pre-commit-hooks.yaml, run with the tool you installed). Without the framework: make hooks.
repos:
  - repo: local
    hooks:
      - id: followup-check
        name: followup check
        entry: @FOLLOWUP@ check
        language: system
        files: ^interviews(\\.yaml|/.*\\.ya?ml)$
        pass_filenames: false
"""

GITIGNORE = """\
# The ledger, the dry run's outbox, the calendar and cron's log: this machine's, never committed.
var/
*.db-wal
*.db-shm
*.lock
"""

README = """\
# My follow-ups

This is a private workspace of Follow Up: the interviews I am waiting on
(`interviews.yaml`, checked against `interviews.schema.json` by the editor), and beside them, in
`var/`, the ledger of what was sent (not committed: it belongs to this machine).

The tool is installed apart; upgrading it never changes a file here. Two commands:

    make check    # is interviews.yaml right? every message it would produce, linted
    make send     # deliver what is due now; what cron runs (`make cron` prints its line)

`make help` lists the others (plan, preview, status, calendar, doctor, cron, hooks, schema).
Mail settings live outside this repository, in `~/.config/followup/env`.

The tool's guide explains the etiquette, every key of interviews.yaml and the set-up: see its
pages *Your interviews.yaml*, *Your workspace* and *Scheduling and cron*. It is built from the
tool's source: `make serve` in a clone of the tool's repository shows it at http://127.0.0.1:8000/.
"""

ENV = """\
# Follow Up's mail settings. Cron reads them before each run (the line `make cron` prints starts
# with `. ~/.config/followup/env`); load them in your shell with the same command.
# Readable by you alone (chmod 600), and never in a git repository. Until FOLLOWUP_SMTP_HOST is set,
# every `send` is a dry run. Fill in, remove the leading '# ', then run `make doctor` in your workspace.
# export FOLLOWUP_SMTP_HOST=smtp.example.com
# export FOLLOWUP_SMTP_PORT=587
# export FOLLOWUP_SMTP_SECURITY=starttls
# export FOLLOWUP_SMTP_USER=you@example.com
# export FOLLOWUP_SMTP_PASSWORD_FILE=$HOME/.config/followup/smtp-password
"""
