"""Site benchmark: our `mkdocs build` (the hook included) vs a bare mkdocs-material build of the same pages.

The bare side gets the very same Markdown with the generated parts already written in (by the hook's
own `write_expanded_docs`, outside the timing) and a copy of mkdocs.yml without `hooks:`, so the only
difference is the hook's work at build time. Both run as `mkdocs build --strict` in a fresh process,
taken in turn. Goal: ours within 1.25x of the bare build.

    python -m bench.site [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from batch.site import examples
from batch.site import hooks as sitehooks
from bench.harness import ROOT, VENV_BIN, Row, compare, median_seconds, print_table, ratio, seconds

GOAL = 1.25
MKDOCS = str(VENV_BIN / "mkdocs")


def bare_project(folder: Path) -> Path:
    """The same pages with the generated parts written in, and a config without the hook."""
    sitehooks.write_expanded_docs(ROOT / "content", folder / "docs")
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    hook = "hooks:\n  - batch/site/hooks.py\n"
    if hook not in config or "docs_dir: content" not in config:
        raise SystemExit("bench: mkdocs.yml no longer has the hooks/docs_dir lines this benchmark rewrites")
    config = config.replace(hook, "").replace("docs_dir: content", "docs_dir: docs")
    config = config.replace("  - batch/", f"  - {ROOT}/batch/")  # watch: stays valid from another folder
    config = config.replace("custom_dir: overrides", f"custom_dir: {ROOT}/overrides")
    (folder / "mkdocs.yml").write_text(config, "utf-8")
    return folder / "mkdocs.yml"


def hook_seconds(repeats: int) -> float:
    """The median time of the hook's own work over every page, in-process, caches cleared each time."""
    pages = [p.read_text("utf-8") for p in sorted((ROOT / "content").rglob("*.md"))]
    times = []
    for _ in range(repeats):
        examples.example.cache_clear()
        started = time.perf_counter()
        for text in pages:
            sitehooks.expand(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(quick: bool = False) -> None:
    """Build both, in turn; print the table."""
    repeats = 3 if quick else 9
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    with tempfile.TemporaryDirectory(prefix="followup-bench-site-") as scratch:
        folder = Path(scratch)
        bare = bare_project(folder / "bare")
        commands = {
            "ours": [
                MKDOCS,
                "build",
                "--strict",
                "-f",
                str(ROOT / "mkdocs.yml"),
                "-d",
                str(folder / "ours-site"),
            ],
            "bare": [MKDOCS, "build", "--strict", "-f", str(bare), "-d", str(folder / "bare-site")],
        }
        runs = compare(commands, repeats, warmup=1, env=env)
        pages = len(list((folder / "ours-site").rglob("*.html")))
    mine, base = median_seconds(runs["ours"]), median_seconds(runs["bare"])
    own = hook_seconds(repeats)
    notes = [
        f"{pages} HTML pages; `mkdocs build --strict` in a fresh process, median of {repeats} runs each",
        "bare: the same Markdown with the generated parts pre-expanded, mkdocs.yml without hooks:",
    ]
    rows = [
        Row("mkdocs build, our hook", seconds(mine), seconds(base), ratio(mine, base), f"<= {GOAL:.2f}x",
            mine <= GOAL * base),
        Row("  the hook's own work (in-process)", seconds(own), seconds(base), ratio(own, base), "-", None),
    ]  # fmt: skip
    print_table("site: the guide with its generated pages vs a bare mkdocs-material build", notes, rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.site", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    main(quick=parser.parse_args().quick)
