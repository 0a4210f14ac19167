"""The commands that look after the ledger and the set-up: status, resolve, doctor and schema."""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from batch.cli.common import EXIT_OK, data_or_none, load_data, now_of, state_of, zone
from batch.cli.ledgerplace import refuse_if_moved
from batch.cli.terminal import write_rows
from batch.data.schema import schema_text
from batch.errors import FollowUpError
from batch.ledger.reads import absent, count_owed_copies, read_entries, read_skipped
from batch.ledger.store import Ledger, locked
from batch.ledger.wake import read_heartbeat
from batch.views.doctor import run_checks, verdict

if TYPE_CHECKING:
    from batch.ledger.schema import Entry


def cmd_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup status: every delivery the ledger holds, and when `send` last ran."""

    state = state_of(args)
    last = read_heartbeat(state)
    entries = read_entries(state)
    data, where = data_or_none(args, err)
    known = None if data is None else {i.id for i in data.interviews}
    home = zone(where)
    rows = [dict(vars_of(e), in_data=known is None or e.interview in known) for e in entries]
    if args.json:
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    ran = (
        f"{last.astimezone(home):%a %Y-%m-%d %H:%M %Z}"
        if last
        else "never (no heartbeat yet: only a send with mail settings leaves one, not a dry run)"
    )
    print(f"last send run: {ran}", file=out)
    if owed := count_owed_copies(state):
        print(f"copies owed to your Sent folder: {owed} (filed by the next run that reaches it)", file=out)
    if skipped := read_skipped(state):
        print(
            f"messages in your mailbox that could not be read ({len(skipped)}, each said once by send):",
            file=out,
        )
        for line in skipped:
            print(f"  {_one_line(line.removeprefix('skipped  '))}", file=out)
    if not entries:
        print(f"nothing delivered yet ({state} holds no deliveries)", file=out)
        return EXIT_OK
    table = [("KEY", "STATE", f"WHEN ({home.key})", "KIND", "TO", "INTERVIEW", "SERVER'S REPLY")]
    for row in rows:
        interview = str(row["interview"]) + ("" if row["in_data"] else " (no longer in the data)")
        when = datetime.fromisoformat(str(row["finished_at"] or row["claimed_at"])).astimezone(home)
        to = f"{row['name']} (reminder to you)" if row["method"] != "email" else str(row["recipient"])
        table.append((str(row["key"]), str(row["state"]), f"{when:%Y-%m-%d %H:%M %Z}", str(row["kind"]), to,
                      interview, _one_line(str(row["reply"] or ""))))  # fmt: skip
    write_rows(table, out)
    return EXIT_OK


def _one_line(text: str) -> str:
    """A server's reply on one line, with no control characters left to reach the terminal."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def vars_of(entry: Entry) -> dict[str, object]:
    """A ledger entry as a plain dict."""
    return entry._asdict()


def cmd_doctor(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup doctor: a line per check of what a cron run needs; exits as that run would; sends nothing."""

    findings = run_checks(
        lambda: load_data(args), lambda data: now_of(args, data), state_of(args), os.environ
    )
    for finding in findings:
        print(finding.line, file=out)
    print(verdict(findings), file=out)
    return max(finding.exit_code for finding in findings)


def cmd_resolve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup resolve KEY --sent|--retry"""

    state = state_of(args)
    if absent(state):
        raise FollowUpError(f"{state}: no ledger yet, so nothing to resolve")
    refuse_if_moved(state)
    with locked(state), Ledger(state) as ledger:
        entry = ledger.resolve(args.key, sent=args.sent, now=now_of(args, None))
    what = "recorded as sent" if args.sent else "will be sent again on the next run, with the same Message-ID"
    print(f"{entry.key}: {what}", file=out)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """followup schema: the JSON Schema an editor checks interviews.yaml with, made from the model."""

    out.write(schema_text())
    return EXIT_OK
