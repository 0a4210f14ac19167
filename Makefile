# Follow Up — the user's entry points. The first target you run builds .venv/ for you.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FOLLOWUP := $(BIN)/followup
# The shipped example's timeline: `make demo` and `make preview` act as if it were this moment.
DEMO_NOW ?= 2026-11-24T16:00:00-05:00
OUTBOX ?= var/outbox
UNTIL ?=
# make plan NOW=2026-12-15T10:00 (or make preview NOW=…): as if it were then, to look ahead
NOW ?=
ARGS ?=

.PHONY: help install demo test check plan preview preview-picture send status cron calendar doctor schema hooks site serve publish lint fmt bench reliability clean architecture mutants

help:
	@echo "make install  install followup for you alone, apart from this checkout (then: followup init DIR)"
	@echo "make demo     the shipped example at $(DEMO_NOW): plan, then a dry run into $(OUTBOX)/"
	@echo "make test     the test suite (builds .venv/ on first use)"
	@echo "make check    validate your data and lint every message it would produce"
	@echo "make plan     every follow-up and its state, now"
	@echo "make preview  a dry run into $(OUTBOX)/: what is due now and what comes next (UNTIL=2026-12-01 for more)"
	@echo "             plan, check and preview take NOW=2026-12-15T10:00 to look as if it were then"
	@echo "make send     deliver what is due now (what cron runs); a dry run without SMTP settings"
	@echo "make status   what the ledger holds"
	@echo "make cron     print a crontab line for make send"
	@echo "make calendar every follow-up as an iCalendar file, var/followups.ics"
	@echo "make doctor   pre-flight: data, templates, ledger, SMTP and IMAP logins (sends nothing)"
	@echo "make schema   rewrite interviews.schema.json, the JSON Schema your editor checks the YAML with"
	@echo "make hooks    install a git pre-commit hook: a commit of bad interviews data is refused"
	@echo "make site     build the guide into site/   (make serve: preview it)"
	@echo "make publish  push the guide to the gh-pages branch (set FOLLOWUP_SITE_URL to its address)"
	@echo "make reliability  crash, overlap, fault and hostile-input trials, with the figures"
	@echo "make lint | fmt | bench | clean | architecture (redraw ARCHITECTURE.md) | mutants"
	@echo "make preview-picture  retake the guide's picture of the preview page"

# Three layers, each installed on first use: the tool alone (what cron needs), the guide's builder,
# and the tests and benchmarks.
$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(BIN)/.installed-docs: $(BIN)/.installed
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[docs]'
	@touch $@

$(BIN)/.installed-dev: $(BIN)/.installed
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@ $(BIN)/.installed-docs

# The tool on its own, for those with neither pipx nor uv (with them: pipx install . or uv tool install .):
# a virtualenv of its own, and a link on your PATH. Run it again to upgrade; your workspaces stay as they are.
INSTALL_VENV ?= $(HOME)/.local/share/followup/venv
INSTALL_BIN ?= $(HOME)/.local/bin
install:
	@link="$(INSTALL_BIN)/followup"; \
	if [ -e "$$link" ] && [ "$$(readlink "$$link")" != "$(INSTALL_VENV)/bin/followup" ]; then \
	  echo "$$link is there already and is not ours: remove it, or set INSTALL_BIN to another folder" >&2; exit 1; \
	fi; \
	test -x "$(INSTALL_VENV)/bin/python" || $(PYTHON) -m venv "$(INSTALL_VENV)" || exit 1; \
	"$(INSTALL_VENV)/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade . || exit 1; \
	mkdir -p "$(INSTALL_BIN)" && ln -sfn "$(INSTALL_VENV)/bin/followup" "$$link" || exit 1; \
	echo "installed followup $$("$(INSTALL_VENV)/bin/python" -c 'from importlib.metadata import version; print(version("followup"))') in $(INSTALL_VENV)"; \
	echo "followup is $$link"; \
	case ":$$PATH:" in *":$(INSTALL_BIN):"*) ;; \
	  *) echo "note: $(INSTALL_BIN) is not on your PATH: add it (e.g. in ~/.profile), or call $$link by its path";; esac; \
	echo "next: followup init ~/job-search   (a private workspace for your interviews: the guide's Get started, step 3)"

demo: $(BIN)/.installed
	@echo "Acting as $(DEMO_NOW), inside the example's timeline (make plan uses the real clock)."
	@$(FOLLOWUP) --now $(DEMO_NOW) plan
	@echo
	@$(FOLLOWUP) --now $(DEMO_NOW) send --dry-run --outbox $(OUTBOX)

test: $(BIN)/.installed-dev
	$(BIN)/python -m pytest $(ARGS)

check: $(BIN)/.installed
	@$(FOLLOWUP)$(if $(NOW), --now $(NOW)) check $(ARGS)

plan: $(BIN)/.installed
	@$(FOLLOWUP)$(if $(NOW), --now $(NOW)) plan $(ARGS)

preview: $(BIN)/.installed
	@$(FOLLOWUP)$(if $(NOW), --now $(NOW)) send --dry-run --outbox $(OUTBOX)$(if $(UNTIL), --until $(UNTIL)) $(ARGS)

# The guide's picture of the preview page (content/assets/preview.png); a test says when it is stale.
preview-picture: $(BIN)/.installed-dev
	@$(BIN)/python -m tests.preview_picture

send: $(BIN)/.installed
	@$(FOLLOWUP) send $(ARGS)

status: $(BIN)/.installed
	@$(FOLLOWUP) status

calendar: $(BIN)/.installed
	@$(FOLLOWUP) calendar

doctor: $(BIN)/.installed
	@$(FOLLOWUP) doctor

schema: $(BIN)/.installed
	@$(FOLLOWUP) schema > interviews.schema.json
	@echo "wrote interviews.schema.json"

# No .venv/ needed to install: the hook says so itself if it is missing when you commit.
HOOK_MARK := installed by \`make hooks\`
hooks:
	@hook="$$(git rev-parse --git-path hooks)/pre-commit" || exit 1; \
	if [ -e "$$hook" ] && ! grep -q "$(HOOK_MARK)" "$$hook"; then \
	  echo "$$hook is another hook: add '.venv/bin/followup check' to it by hand, or use the pre-commit framework (.pre-commit-hooks.yaml)" >&2; \
	  exit 1; \
	fi; \
	mkdir -p "$$(dirname "$$hook")" && install -m 755 hooks/pre-commit "$$hook" && \
	echo "installed $$hook: a commit that changes your interviews data runs followup check first"

# Cron starts jobs without your shell's variables: the line loads the mail settings from a file first.
FOLLOWUP_ENV ?= $(HOME)/.config/followup/env
# Each path quoted for the shell and each % escaped for cron, as in a workspace's Makefile (workspace_files.py).
cron:
	@env='$(subst ','\'',$(FOLLOWUP_ENV))'; here="$$(pwd -P; echo .)"; here="$${here%??}"; \
	case "$$here$$env" in *[[:cntrl:]]*) echo "no cron line: a path holds a line break or another control character (cron reads one command a line): rename the folder" >&2; exit 1;; esac; \
	test -r "$$env" || echo "note: $$env does not exist yet: put your FOLLOWUP_SMTP_* settings in it (chmod 600), or every run is a dry run; see the guide's page Scheduling: cron, systemd and launchd" >&2; \
	mkdir -p var; (umask 077 && : >> var/cron.log); chmod 600 var/cron.log; \
	q() { printf "'%s'" "$$(printf '%s' "$$1" | sed -e "s/'/'\\\\''/g" -e "s/%/''\\\\%/g")"; }; \
	printf '%s\n' "*/15 * * * * . $$(q "$$env") && cd $$(q "$$here") && make -s send >> $$(q "$$here/var/cron.log") 2>&1"

site: $(BIN)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

serve: $(BIN)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# The published guide must know its own address (canonical links, sitemap, instant navigation).
ifneq ($(filter publish,$(MAKECMDGOALS)),)
ifeq ($(strip $(FOLLOWUP_SITE_URL)),)
$(error make publish needs FOLLOWUP_SITE_URL, the guide's public address (e.g. https://you.github.io/followup/))
endif
endif

publish: $(BIN)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs gh-deploy --strict --force

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check batch tests bench
	$(BIN)/ruff format --check batch tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m tests.house

# ARCHITECTURE.md's picture, redrawn from the import graph (a test fails while it is out of date).
architecture: $(BIN)/.installed-dev
	$(BIN)/python -m tests.house --draw

fmt: $(BIN)/.installed-dev
	$(BIN)/ruff format batch tests bench
	$(BIN)/ruff check --fix batch tests bench

bench: $(BIN)/.installed-dev
	$(BIN)/python -m bench $(ARGS)

# Mutation testing of the modules that carry a promise, each against its own tests (var/mutants/report.json).
mutants: $(BIN)/.installed-dev
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[mutants]'
	$(BIN)/python -m tests.mutants $(ARGS)

reliability: $(BIN)/.installed-dev
	$(BIN)/python -m tests.reliability --trials 200

clean:
	rm -rf site build *.egg-info .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	@echo "kept var/ (your ledger and outbox) and .venv/; remove them by hand if you mean to"
