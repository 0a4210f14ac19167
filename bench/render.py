"""Render benchmark: 10,000 thank-you emails, full MIME (text + HTML), ours vs mailmerge's dry run.

Both sides get the same rows: a generated interviews file of one-interviewer interviews whose
thank-you is due at NOW, and a mailmerge CSV of the same people with an equivalent Markdown template
(the same words; mailmerge turns `text/markdown` into text + HTML, as we do). Measured side by side:

- in-process: `compose` + `to_mail` (ours: render, lint, MIME bytes) vs mailmerge's
  `TemplateMessage.render`, with and without flattening its message to bytes (both shown);
- the command users run: `followup send --dry-run` (YAML load, plan, render, Maildir files written)
  vs `mailmerge --dry-run --no-limit` (its faster output format, colorized or raw, is the baseline),
  with where our command's time goes (start-up, load, plan, render, Maildir writes).

The generated rows and mailmerge's files are shared with bench/send.py.

    python -m bench.render [--quick]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .generate import FIRST, LAST  # the same name pools as the planner bench
from .harness import Row, print_table, ratio

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
VERSION = 1  # bump when the generated files change

# Every interview is on Tuesday 3 March 2026 (Toronto), same-day thank-you: due by 15:00, all due at NOW.
NOW = "2026-03-03T16:00:00-05:00"
DAY = "2026-03-03"
WEEKDAY = "Tuesday"
ME_NAME, ME_EMAIL, ME_PHONE = "Sam Rivera", "sam.rivera@example.com", "+1 416 555 0142"
SIZE, QUICK_SIZE = 10_000, 1_000
GOAL = 10.0  # composing in this process, against mailmerge's own render
DRY_RUN_GOAL = 3.0  # the whole `send --dry-run` (Maildir and preview written), against mailmerge --dry-run

COMPANIES = (
    "Northwind Traders", "Fabrikam", "Contoso", "A. Datum", "Tailspin Toys", "Wide World Importers",
    "Litware", "Proseware", "Adventure Works", "Fourth Coffee", "Woodgrove Bank", "Lucerne Publishing",
)  # fmt: skip
ROLES = (
    "Data Analyst", "Product Analyst", "BI Developer", "Analytics Engineer", "Data Engineer",
    "Senior Data Scientist", "Reporting Analyst", "Machine Learning Engineer", "Product Manager",
)  # fmt: skip
TOPICS = (
    "the churn dashboard", "moving reports off spreadsheets", "the nightly load into the warehouse",
    "the quarterly forecast", "the team's move to weekly releases", "the Power BI migration",
    "testing dbt models", "on-call rotations", "the pricing experiment", "data contracts",
    "the customer survey", "query performance", "mentoring juniors", "A/B test design",
)  # fmt: skip
HOURS = ("09:00", "09:30", "10:00", "11:00", "12:00", "13:00")

# The stock thank-you (batch/templates/en/thank-you.md) in mailmerge's format, the same words.
MAILMERGE_TEMPLATE = """\
TO: "{{name}}" <{{email}}>
SUBJECT: Thank you for {{day}}'s interview
FROM: Sam Rivera <sam.rivera@example.com>
CONTENT-TYPE: text/markdown

Dear {{first_name}},

Thank you for talking with me on {{day}} about the {{role}} role at {{company}}. \
I appreciated your time{% if topics %}, and I especially enjoyed our conversation about {{topics}}{% endif %}.

Everything I heard made me more keen on the position. \
I would be glad to bring my experience to your team and to help with the work ahead.

I look forward to the next steps. Thank you again for considering me.

Best regards,
Sam Rivera
+1 416 555 0142
"""
MAILMERGE_CONFIG = """\
[smtp_server]
host = 127.0.0.1
port = {port}
security = Never
username = None
ratelimit = 0
"""


@dataclass(frozen=True, slots=True)
class Person:
    """One generated interview with its one interviewer: a row of both tools' input."""

    interview_id: str
    company: str
    role: str
    start: str
    name: str
    email: str
    topics: tuple[str, ...]

    @property
    def first_name(self) -> str:
        """The first word of the name, as our templates use it."""
        return self.name.split()[0]


# ---------------------------------------------------------------------------------------------------------
# The generated input, shared with bench/send.py


def people(count: int, *, seed: int = 7) -> list[Person]:
    """`count` distinct interviews, each with one interviewer, all on DAY (seeded, so always the same)."""
    rng = random.Random(seed)
    found = []
    for n in range(count):
        given, family = rng.choice(FIRST), rng.choice(LAST)
        company, role = rng.choice(COMPANIES), rng.choice(ROLES)
        found.append(
            Person(
                interview_id=f"{_slug(company)}-{_slug(role)}-{n}",
                company=company,
                role=role,
                start=f"{DAY} {rng.choice(HOURS)}",
                name=f"{given} {family}",
                email=f"{_ascii(given)}.{_ascii(family)}.{n}@{_slug(company)}.example",
                topics=tuple(rng.sample(TOPICS, rng.choice((1, 2, 2, 3)))),
            )
        )
    return found


def interviews_file(count: int) -> Path:
    """The interviews YAML of `people(count)`, written under var/bench/ on first use."""
    path = CACHE / f"mail-{count}-v{VERSION}.yaml"
    if not path.exists():
        _write_atomically(path, _yaml(people(count)))
    return path


def _yaml(rows: Iterable[Person]) -> str:
    lines = [
        f"# Generated by bench/render.py: one interviewer each, every thank-you due at {NOW}.",
        "me:",
        f"  name: {ME_NAME}",
        f"  email: {ME_EMAIL}",
        f'  phone: "{ME_PHONE}"',
        "  timezone: America/Toronto",
        "policy:",
        "  daily_cap: 10000  # the most the data checks allow",
        "interviews:",
    ]
    for p in rows:
        lines += [
            f"  - id: {p.interview_id}",
            f"    company: {p.company}",
            f"    role: {p.role}",
            f"    start: {p.start}",
            "    duration: 1h",
            "    delay: same-day",
            "    interviewers:",
            f"      - name: {p.name}",
            f"        email: {p.email}",
            f"        topics: [{', '.join(p.topics)}]",
        ]
    return "\n".join(lines) + "\n"


def write_mailmerge_files(folder: Path, rows: list[Person], port: int = 25) -> dict[str, Path]:
    """mailmerge's template, database (CSV) and server config for the same rows, in `folder`."""
    from batch.letters.words import join_words

    paths = {
        "template": folder / "mailmerge_template.txt",
        "database": folder / "mailmerge_database.csv",
        "config": folder / "mailmerge_server.conf",
    }
    paths["template"].write_text(MAILMERGE_TEMPLATE, encoding="utf-8")
    paths["config"].write_text(MAILMERGE_CONFIG.format(port=port), encoding="utf-8")
    with paths["database"].open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("email", "name", "first_name", "company", "role", "day", "topics"))
        for p in rows:
            writer.writerow(
                (p.email, p.name, p.first_name, p.company, p.role, WEEKDAY, join_words(list(p.topics)))
            )
    return paths


def mailmerge_command(paths: dict[str, Path], *, dry_run: bool, output: str = "raw") -> list[str]:
    """The mailmerge command line over the files `write_mailmerge_files` wrote."""
    return [
        str(BIN / "mailmerge"),
        "--dry-run" if dry_run else "--no-dry-run",
        "--no-limit",
        "--output-format",
        output,
        "--template",
        str(paths["template"]),
        "--database",
        str(paths["database"]),
        "--config",
        str(paths["config"]),
    ]


def followup_command(data: Path, *args: str) -> list[str]:
    """Our console script with the generated data and NOW."""
    return [str(BIN / "followup"), "--data", str(data), "--now", NOW, *args]


@dataclass(frozen=True, slots=True)
class Timed:
    """One finished command: wall-clock and CPU (user + system) seconds."""

    seconds: float
    cpu: float


def run_timed(command: list[str], env: dict[str, str] | None = None, timeout: float = 900) -> Timed:
    """Run a command to completion (output discarded) and time it; RuntimeError if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(elapsed, cpu)


def due_items(data_path: Path):  # type: ignore[no-untyped-def]
    """The loaded dataset and its due follow-ups at NOW."""
    from batch.data import load as loader
    from batch.etiquette import schedule

    data = loader.load([data_path])
    items = schedule.select(schedule.plan(data, datetime.fromisoformat(NOW)))
    return data, items


def rate(count: int, seconds: float) -> float:
    """Messages per second."""
    return count / seconds


def fmt_rate(value: float) -> str:
    """A rate as the tables show it."""
    return f"{value:,.0f} msg/s"


def compare(name: str, ours: float, theirs: float, their_name: str, goal: float) -> Row:
    """A row that sets our rate against a baseline's, the goal being a ratio of at least `goal`."""
    return Row(
        name, fmt_rate(ours), f"{their_name} {fmt_rate(theirs)}", ratio(ours, theirs), f">= {goal:g}x",
        ours / theirs >= goal,
    )  # fmt: skip


def info(name: str, figure: str) -> Row:
    """A row with a figure and no goal."""
    return Row(name, figure, "-", "-", "-", None)


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder under var/bench/, removed when its `with` ends."""
    CACHE.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=CACHE, prefix="run-")


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in _ascii(text)).split())


def _ascii(text: str) -> str:
    plain = text.lower().translate(str.maketrans("áéíóúàèçñäöüëïã", "aeiouaecnaoueia"))
    return plain.encode("ascii", "ignore").decode()


# ---------------------------------------------------------------------------------------------------------
# The render benchmark


class Ours:
    """Our pipeline in this process over the due follow-ups of one data file."""

    def __init__(self, data_path: Path) -> None:
        from batch.data import load as loader
        from batch.etiquette import schedule

        begin = time.perf_counter()
        self.data = loader.load([data_path])
        self.load_seconds = time.perf_counter() - begin
        begin = time.perf_counter()
        self.items = schedule.select(schedule.plan(self.data, datetime.fromisoformat(NOW)))
        self.plan_seconds = time.perf_counter() - begin
        self.messages: list = []  # type: ignore[type-arg]

    def render_all(self) -> float:
        """CPU seconds to compose and build every message (caches emptied first, as in a fresh run)."""
        from batch.letters import mime, render
        from batch.letters.compose import compose, to_mail
        from batch.letters.mime import new_message_id

        render.load_template.cache_clear()
        render._cached_skeleton.cache_clear()
        render.markdown_skeleton.cache_clear()
        # The header gate remembers what it read back: a second pass over the same rows would find every
        # To header already checked, which a fresh run never does.
        mime.header_lines.cache_clear()
        mime._batch_header.cache_clear()
        mime._subject_header.cache_clear()
        mime._user_problems.cache_clear()
        mime._user_read_back.cache_clear()
        mime._ours_read_back.cache_clear()
        mime._parser.cache_clear()
        data, now, messages, rejected = self.data, datetime.fromisoformat(NOW), [], 0
        begin = time.process_time()  # CPU time: steady while other work shares the machine
        for item in self.items:
            composed = compose(item, data)
            rejected += bool(composed.problems)
            messages.append(to_mail(composed, data, new_message_id(data.me.email, now), now))
        seconds = time.process_time() - begin
        assert not rejected, f"{rejected} messages failed the lint"
        self.messages = messages
        return seconds

    def write_outbox(self, folder: Path) -> float:
        """Seconds to write every built message into a Maildir with the dry run's Outbox."""
        from batch.mail.transport import Outbox

        outbox = Outbox(folder)
        begin = time.perf_counter()
        for message in self.messages:
            outbox.send(message)
        outbox.close()
        return time.perf_counter() - begin


class Mailmerge:
    """mailmerge's own renderer in this process, over the rows of its CSV."""

    def __init__(self, paths: dict[str, Path]) -> None:
        from mailmerge.__main__ import read_csv_database

        self.template_path = paths["template"]
        self.rows = list(read_csv_database(paths["database"]))

    def render_all(self) -> tuple[float, float]:
        """(CPU seconds of rendering alone, of rendering + flattening to bytes) over every row."""
        from mailmerge.template_message import TemplateMessage

        rendering = flattening = 0.0
        begin = time.process_time()
        template = TemplateMessage(self.template_path)
        for row in self.rows:
            _, _, message = template.render(row)
            middle = time.process_time()
            message.as_bytes()
            end = time.process_time()
            rendering += middle - begin
            flattening += end - middle
            begin = end
        return rendering, rendering + flattening


def count_outbox(folder: Path) -> int:
    """How many messages a Maildir outbox holds."""
    return sum(1 for _ in (folder / "new").iterdir())


def main(quick: bool = False) -> None:
    """Run the render benchmark and print its table."""
    count = QUICK_SIZE if quick else SIZE
    repeat = 2  # even a quick run: one sample on a shared machine is mostly noise
    load = os.getloadavg()[0]
    data_path = interviews_file(count)
    ours = Ours(data_path)
    assert len(ours.items) == count, f"{len(ours.items)} due, expected {count}"
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def keep(name: str, seconds: float | Timed) -> None:
        if isinstance(seconds, Timed):
            cpu.setdefault(name, []).append(seconds.cpu)
            seconds = seconds.seconds
        times.setdefault(name, []).append(seconds)

    with scratch() as tmp:
        folder = Path(tmp)
        paths = write_mailmerge_files(folder, people(count))
        theirs = Mailmerge(paths)
        ours.render_all()  # warm-up: imports, and the first-call costs of both libraries
        theirs.rows, rows = theirs.rows[:20], theirs.rows
        theirs.render_all()
        theirs.rows = rows
        for n in range(repeat):  # interleaved, so that a busy moment hurts both sides alike
            keep("ours", ours.render_all())
            rendering, flattened = theirs.render_all()
            keep("mm render", rendering)
            keep("mm flatten", flattened)
            if n == 0:  # the breakdown of our CLI's time: once is enough
                keep("outbox", ours.write_outbox(folder / "outbox-in-process"))
            outbox = folder / f"outbox-{n}"
            command = followup_command(data_path, "--state", str(folder / f"state-{n}.db"), "send")
            keep("cli", run_timed([*command, "--dry-run", "--outbox", str(outbox)]))
            written = count_outbox(outbox)
            assert written == count, f"the dry run wrote {written} files, expected {count}"
            for output in ("colorized", "raw") if n == 0 else ("colorized",):  # raw: slower, once is enough
                keep(f"mm {output}", run_timed(mailmerge_command(paths, dry_run=True, output=output)))
        for _ in range(3):
            keep("start-up", run_timed([str(BIN / "followup"), "--help"]))
    best = {name: min(values) for name, values in times.items()}
    rates = {name: rate(count, seconds) for name, seconds in best.items()}
    mm = "mm colorized" if best["mm colorized"] <= best["mm raw"] else "mm raw"  # its faster mode
    cpu_ratio = min(cpu[mm]) / min(cpu["cli"])
    rows = [
        compare("ours in-process (CPU) vs mailmerge's render + bytes", rates["ours"], rates["mm flatten"],
                "mailmerge render + as_bytes", GOAL),
        compare("ours in-process (CPU) vs mailmerge's render alone", rates["ours"], rates["mm render"],
                "mailmerge render alone (no bytes)", GOAL),
        compare("ours CLI (send --dry-run) vs mailmerge --dry-run", rates["cli"], rates[mm],
                f"mailmerge --dry-run ({mm.partition(' ')[2]})", DRY_RUN_GOAL),
        info("mailmerge --dry-run --no-limit (colorized, default)", fmt_rate(rates["mm colorized"])),
        info("mailmerge --dry-run --no-limit (raw: full MIME out)", fmt_rate(rates["mm raw"])),
        info("our CLI's wall time, of which:", seconds_row(best["cli"], best["cli"])),
        info("  start-up (followup --help)", seconds_row(best["start-up"], best["cli"])),
        info("  load the YAML (in-process)", seconds_row(ours.load_seconds, best["cli"])),
        info("  plan (in-process)", seconds_row(ours.plan_seconds, best["cli"])),
        info("  compose + to_mail (in-process)", seconds_row(best["ours"], best["cli"])),
        info("  Maildir writes (Outbox: tmp/ then new/)", seconds_row(best["outbox"], best["cli"])),
    ]  # fmt: skip
    print_table(
        f"render: {count:,} thank-you emails, full MIME (text + HTML), ours vs mailmerge",
        [
            f"best of {repeat}, interleaved; load average {load:.1f} on {os.cpu_count()} CPUs at the start.",
            f"in-process, in CPU time per message: ours (compose + to_mail, MIME bytes) "
            f"{micro(best['ours'], count)}; mailmerge {micro(best['mm render'], count)} to render, "
            f"{micro(best['mm flatten'], count)} with the bytes.",
            f"CLI: wall time of the whole command over the same {count:,} rows (start-up, reading the input, "
            f"and for ours one file per message, included); by CPU time ours is {cpu_ratio:.2f}x as fast.",
        ],
        rows,
    )


def micro(seconds: float, count: int) -> str:
    """Seconds per message, in microseconds."""
    return f"{seconds * 1e6 / count:,.0f} µs"


def seconds_row(seconds: float, whole: float) -> str:
    """Seconds, and their part of a whole."""
    return f"{seconds:.2f} s ({seconds / whole:.0%})"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} messages instead of {SIZE:,}")
    main(parser.parse_args().quick)
