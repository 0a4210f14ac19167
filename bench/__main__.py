"""`python -m bench [--quick] [NAME ...]`: run the named benchmark modules, or all of them in order.

Each module bench/<name>.py has `main(quick: bool = False) -> None` and prints its own table. One
that fails is reported and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

# The benchmark modules, in the order a bare `python -m bench` runs them. A new bench/<name>.py
# joins by adding its name here.
MODULES = ("plan", "idle", "render", "send", "site")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks asked for; 2 on a name that is not one of MODULES, 1 if one of them failed."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Run the named benchmarks, or all in order."
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="any of: " + ", ".join(MODULES))
    parser.add_argument("--quick", action="store_true", help="a short run: smaller files, fewer repeats")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in MODULES]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)} (choose from {', '.join(MODULES)})")
    failed = [name for name in args.names or MODULES if not run_one(name, args.quick)]
    if failed:
        print(f"\nbench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def run_one(name: str, quick: bool) -> bool:
    """Run one benchmark module; False (and the reason on stderr) when it fails."""
    try:
        importlib.import_module(f"{__package__}.{name}").main(quick=quick)
    except (Exception, SystemExit) as exc:  # SystemExit: a measured command failed (harness.checked)
        sys.stdout.flush()
        print(f"\nbench {name}: failed", file=sys.stderr)
        if isinstance(exc, SystemExit):
            print(exc.code, file=sys.stderr)
        else:
            traceback.print_exc()
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
