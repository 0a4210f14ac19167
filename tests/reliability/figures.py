"""The figures of a reliability run: the table for the terminal and the Markdown the guide includes."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from tests.reliability.crash import Trial, Window
from tests.reliability.outcome import Outcome
from tests.runs import BATCH, ROOT

FIGURES = ROOT / "figures" / "reliability.md"  # the guide shows it (sitehooks: reliability-figures)


@dataclass
class Figures:
    """Everything one reliability run found, ready to print."""

    command: str
    seed: int
    trials: list[Trial]
    window: Window | None
    scripted: dict[str, list[Outcome]]
    seconds: float = 0.0

    def count(self, attribute: str) -> int:
        """A total over the crash trials and the scripted trials."""
        total = 0
        for trial in self.trials:
            value = getattr(trial, attribute)
            total += len(value) if isinstance(value, list) else value
        for outcomes in self.scripted.values():
            for outcome in outcomes:
                value = getattr(outcome, attribute, 0)
                total += value if isinstance(value, int) else 0
        return total

    @property
    def failures(self) -> list[str]:
        """Every trial that did not end as it must, with why."""
        found = [f"crash trial {t.index}: {t.problems + t.lost} ({t.unannounced} uncertain never named)"
                 for t in self.trials if not t.ok]  # fmt: skip
        for group, outcomes in self.scripted.items():
            found += [f"{group} {o.name}: {o.problems}" for o in outcomes if not o.ok]
        return found

    @property
    def integrity_checks(self) -> int:
        """How many times a ledger was checked after a kill or at the end of a trial."""
        return sum(trial.checks for trial in self.trials)

    def summary_rows(self) -> list[tuple[str, str]]:
        """The table of the issue: measure → figure."""
        trials, kills = len(self.trials), self.count("kills")
        landing = Counter(t.landing for t in self.trials)
        uncertain = self.count("uncertain")
        arrived = sum(t.uncertain_arrived for t in self.trials)
        faults = self.scripted.get("fault", [])
        hostile = self.scripted.get("hostile", [])
        inputs = [o for o in hostile if "skipped" not in o.extra]
        secrets = self.scripted.get("secret", [])
        first_kills = sum(t.landing != "finished before the kill" for t in self.trials)
        tried = [t.recovery_killed for t in self.trials if t.recovery_killed is not None]
        lost = self.count("lost") + self.count("unclaimed")
        unnamed = sum(t.unannounced for t in self.trials)
        skipped, hostile_ok = len(hostile) - len(inputs), sum(o.ok for o in inputs)
        # fmt: off
        rows = [
            ("crash trials run (SIGKILL, then later runs)", f"{trials} (batch of {BATCH}, seed {self.seed})"),
            ("kills (SIGKILL)", f"{kills} ({first_kills} batch runs; {sum(tried)} of {len(tried)} "
             "recovering runs killed as well)"),
            ("where the first kill landed", "; ".join(f"{n} {where}" for where, n in landing.most_common())),
            ("duplicates (a Message-ID accepted twice)", str(self.count("duplicates"))),
            ("lost (due, but neither delivered once nor flagged)", str(lost)),
            ("uncertain (flagged with their key)",
             f"{uncertain} ({arrived} had arrived, {uncertain - arrived} had not)"
             + (f"; {unnamed} shown by status only, not named on stderr" if unnamed else "")),
            ("largest uncertain count left by one trial (a kill may catch a whole claimed chunk)",
             str(max((len(t.uncertain) for t in self.trials), default=0))),
            ("ledger integrity_check",
             f"{self.count('bad_integrity')} failed of {self.integrity_checks} checks"),
            *[(o.name, o.summary) for o in self.scripted.get("overlap", []) + self.scripted.get("clock", [])],
            ("SMTP fault cases", f"{len(faults)}: {sum(o.ok for o in faults)} ended as documented"),
            ("hostile inputs tried", f"{len(inputs)}: {hostile_ok} refused with their place or "
             "delivered correctly" + (f" ({skipped} skipped)" if skipped else "")),
            ("secret cases (password planted, every file and stream searched)",
             f"{len(secrets)}: found in {sum(not o.ok for o in secrets)}"),
            ("tracebacks", str(self.count("tracebacks"))),
        ]
        # fmt: on
        return rows

    def fault_rows(self) -> list[tuple[str, str, str, str]]:
        """Per SMTP fault: the exit code, the ledger after the run and after a later run, the line printed."""
        rows = []
        for o in self.scripted.get("fault", []):
            line = shorten(o.extra.get("line", ""))
            rows.append((o.name, f"{o.extra.get('exit', '?')}: {o.extra.get('states', '?')}",
                         o.extra.get("later", "-"), line))  # fmt: skip
        return rows


def shorten(line: str, width: int = 110) -> str:
    """A line of a run's stderr, its description of the follow-up cut so that the reason shows."""
    line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)  # a new port every run
    state, _, rest = line.partition("  ")
    if rest and "): " in rest:
        line = f"{state}  ...: {rest.split('): ', 1)[1]}"
    if len(line) <= width:
        return line
    cut = line[: width - 3]
    return cut[: cut.rfind(" ")] + " ..." if " " in cut else cut + "..."  # a whole word: never half a name


def format_text(figures: Figures) -> str:
    """The figures as plain text for the terminal."""
    rows = figures.summary_rows()
    width = max(len(name) for name, _ in rows)
    lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
    lines += ["", "SMTP faults (exit: ledger after the run | after a later run without the fault | stderr)"]
    for name, first, later, line in figures.fault_rows():
        lines.append(f"  {name}: exit {first} | {later} | {line}")
    return "\n".join([*lines, "", *_window_lines(figures.window)])


def format_markdown(figures: Figures) -> str:
    """The figures as the Markdown snippet the guide includes."""
    when = datetime.now().astimezone().strftime("%Y-%m-%d")
    lines = [
        "<!-- Written by `make reliability` (tests/reliability/): do not edit by hand. -->",
        f"Last run on {when}: `{figures.command}`, {figures.seconds / 60:.1f} minutes on "
        f"{os.cpu_count()} CPUs, against real mail servers on 127.0.0.1.",
        "",
        "| What was tried | Result |",
        "|---|---|",
        *[f"| {name} | {_cell(value)} |" for name, value in figures.summary_rows()],
        "",
        *_window_lines(figures.window),
        "| SMTP fault | Exit code and ledger | After a later run | What the run printed |",
        "|---|---|---|---|",
        *[
            f"| {name} | {_cell(first)} | {_cell(later)} | {_cell(line)} |"
            for name, first, later, line in figures.fault_rows()
        ],
    ]
    return "\n".join(lines) + "\n"


def _window_lines(window: Window | None) -> list[str]:
    if window is None:
        return []
    return [
        f"Each batch run was killed at a seeded point of its progress: in its start-up (1 in 10), after a "
        f"seeded number of deliveries plus part of one (8 in 10), or just after its last delivery. Unkilled, "
        f"a run of {window.size} here made its first delivery at {window.first:.2f} s, one every "
        f"{window.per_message * 1000:.0f} ms after that, and ended at {window.end:.2f} s.",
        "",
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")
