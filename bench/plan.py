"""The planner's figures (issue 2): `followup plan` against a bare `yaml.load` of the same file.

`followup plan --json` over 100,000 generated interviews vs `yaml.load(f, Loader=yaml.CSafeLoader)`,
each in a fresh process: seconds (goal ≤ 1.5×) and our peak RSS (goal ≤ 300 MB); beside it, the
floors: `yaml.load` with `CBaseLoader` (every scalar a string, as ours reads them) and PyYAML's event
stream alone, building nothing. The idle cron run has a module of its own: bench/idle.py.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter

from . import generate
from .harness import (
    MB,
    PYTHON,
    Row,
    Run,
    checked,
    compare,
    followup,
    median_cpu,
    median_seconds,
    megabytes,
    peak,
    print_table,
    python_env,
    ratio,
    run,
    seconds,
)

BUSY_COUNT, QUICK_COUNT, IDLE_COUNT = 100_000, 10_000, 200
LOAD_GOAL, IDLE_GOAL, RSS_GOAL = 1.5, 1.5, 300 * MB
HEAVY = ("jinja2", "markdown", "yagmail", "email.mime")
SCRATCH = generate.CACHE / "run"  # the working folder of every run: whatever they write lands here
STATE = ("--state", str(SCRATCH / "ledger.db"))  # never the user's var/followup.db
# A server that is never contacted: nothing is due. Were something due, port 9 (discard) refuses.
IDLE_SMTP = {"FOLLOWUP_SMTP_HOST": "127.0.0.1", "FOLLOWUP_SMTP_PORT": "9", "FOLLOWUP_SMTP_SECURITY": "none"}
BARE_LOAD = "import sys, yaml; yaml.load(open(sys.argv[1], encoding='utf-8'), Loader=yaml.CSafeLoader)"
# The floors: strings only (no int, date or bool resolution), and the parser's events alone.
BASE_LOAD = "import sys, yaml; yaml.load(open(sys.argv[1], encoding='utf-8'), Loader=yaml.CBaseLoader)"
_OPEN = "open(sys.argv[1], encoding='utf-8')"
EVENTS = f"import sys, yaml\nfor _ in yaml.parse({_OPEN}, Loader=yaml.CSafeLoader):\n    pass"


def main(quick: bool = False) -> None:
    """Measure plan against its baselines, print the table."""
    notes: list[str] = []
    SCRATCH.mkdir(parents=True, exist_ok=True)
    rows = busy_rows(QUICK_COUNT if quick else BUSY_COUNT, 1 if quick else 3, notes)
    notes.append("each command in a fresh process, stdout to /dev/null; runs taken in turn, medians shown;")
    notes.append("peak RSS from wait4 (as /usr/bin/time -v), the largest of the runs; MB = 10^6 bytes")
    print_table("plan: the planner against a bare yaml.load", notes, rows)


def busy_rows(count: int, repeats: int, notes: list[str]) -> list[Row]:
    """`plan --json` over `count` interviews vs a bare yaml.load of the same file."""
    path = generate.interviews_file(count)
    ours = [*followup(), "--data", str(path), "--now", generate.BUSY_NOW, *STATE, "plan", "--json"]
    bare = [PYTHON, "-c", BARE_LOAD, str(path)]
    floors = {
        "CBaseLoader": [PYTHON, "-c", BASE_LOAD, str(path)],
        "events": [PYTHON, "-c", EVENTS, str(path)],
    }
    runs = compare({"ours": ours, "yaml.load": bare, **floors}, repeats, warmup=0, cwd=SCRATCH,
                   env=python_env())  # fmt: skip
    notes.append(
        f"{count:,} interviews: {path.relative_to(generate.ROOT)} ({path.stat().st_size / MB:.1f} MB), "
        f"--now {generate.BUSY_NOW}, {repeats} run(s) each"
    )
    notes.append(f"slotted (no per-object __dict__): {slotted()}")
    rss, base_rss = peak(runs["ours"]), peak(runs["yaml.load"])
    full = count == BUSY_COUNT
    return [
        *timed(f"plan --json, {count:,} interviews", runs["ours"], runs["yaml.load"], LOAD_GOAL),
        Row("  peak RSS", megabytes(rss), megabytes(base_rss), ratio(rss, base_rss),
            f"<= {megabytes(RSS_GOAL)}" if full else f"({megabytes(RSS_GOAL)} at {BUSY_COUNT:,})",
            rss <= RSS_GOAL if full else None),
        *floor_rows(runs["ours"], runs["CBaseLoader"], "yaml.load(CBaseLoader), strings only"),
        *floor_rows(runs["ours"], runs["events"], "PyYAML's event stream alone (CSafeLoader's parser)"),
    ]  # fmt: skip


def floor_rows(ours: list[Run], floor: list[Run], name: str) -> list[Row]:
    """Ours against a floor no loader can beat by much: informative, no goal."""
    wall, base = median_seconds(ours), median_seconds(floor)
    cpu, base_cpu = median_cpu(ours), median_cpu(floor)
    return [
        Row(f"  vs {name}", seconds(wall), seconds(base), ratio(wall, base), "-", None),
        Row("    cpu (user+sys)", seconds(cpu), seconds(base_cpu), ratio(cpu, base_cpu), "-", None),
    ]


def timed(name: str, ours: list[Run], base: list[Run], goal: float) -> list[Row]:
    """Two rows: wall-clock time, and CPU time (steadier when the machine is shared)."""
    wall, base_wall = median_seconds(ours), median_seconds(base)
    cpu, base_cpu = median_cpu(ours), median_cpu(base)
    return [
        Row(name, seconds(wall), seconds(base_wall), ratio(wall, base_wall), f"<= {goal:.2f}x",
            wall <= goal * base_wall),
        Row("  cpu (user+sys)", seconds(cpu), seconds(base_cpu), ratio(cpu, base_cpu), f"<= {goal:.2f}x",
            cpu <= goal * base_cpu),
    ]  # fmt: skip


def slotted() -> str:
    """Which of the objects held for every interview and follow-up lack a __dict__, as they should."""
    from batch.etiquette import schedule  # the bench's own process: nothing measured imports it
    from batch.model import interview as model

    kinds = (model.Interview, model.Interviewer, schedule.FollowUp)
    return ", ".join(f"{k.__name__} {'yes' if '__dict__' not in dir(k) else 'NO'}" for k in kinds)


def has_command(name: str) -> bool:
    """Whether the CLI has that command yet."""
    return run([*followup(), name, "--help"]).returncode == 0


def states(common: list[str]) -> str:
    """How many follow-ups the idle file holds in each state; refuses a file in which any is due."""
    done = subprocess.run(
        [*common, "plan", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=SCRATCH,
        env=python_env(),
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: plan of the idle file exited {done.returncode}:\n{done.stderr}")
    count = Counter(item["state"] for item in json.loads(done.stdout))
    if count["due"]:
        raise SystemExit(f"bench: the idle file has {count['due']} follow-ups due; it must have none")
    return ", ".join(f"{n} {state}" for state, n in sorted(count.items())) + ", none due"


def imported(cmd: list[str], env: dict[str, str]) -> Counter[str]:
    """Every module a command imports, with its cumulative import time in µs (-X importtime)."""
    result = checked(run(cmd, cwd=SCRATCH, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}), "import profile")
    found: Counter[str] = Counter()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                found[name.strip()] = int(cumulative)
    return found
