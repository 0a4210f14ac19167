"""followup doctor: would a cron run work? Each thing the run depends on, checked once; nothing is sent.

The data and templates are checked as `check` does, the state folder and ledger as `send` opens
them, and the SMTP and IMAP logins over the very paths `send` takes, ending with QUIT / LOGOUT.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from batch.account.refusals import explain_refusal, known_rule
from batch.account.settings import check_names, imap_settings, smtp_settings
from batch.account.wire import explain
from batch.data.fields import zone
from batch.data.load import DataError, place_of
from batch.errors import FollowUpError, InputError, Problem
from batch.etiquette import schedule
from batch.etiquette.workdays import recipient_policy
from batch.inbox.bounces import bounces_seen
from batch.inbox.imap import MailboxError, connection_problem, log_out, message_count, open_mailbox
from batch.ledger.reads import absent, inspect, read_entries
from batch.ledger.wake import read_heartbeat
from batch.letters.compose import review
from batch.letters.render import STOCK, load_template, template_path
from batch.mail.transport import Refused, Smtp, Unreachable, smtplib_errors
from batch.model import interview as model

if TYPE_CHECKING:
    from batch.mail.transport import Unreachable

OK, PROBLEM, SKIP = "ok", "problem", "skip"
MAY_SEND_AS = "the server takes no mail from it: may this login send as your me: email?"


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one check, and the exit code it means for a cron run (0, 1, or 2 for bad input)."""

    check: str
    status: str  # ok | problem | skip
    text: str
    exit_code: int = 0

    @property
    def line(self) -> str:
        """The one line the user reads."""
        return f"{self.status:<8} {self.check:<10} {self.text}"


def run_checks(
    load: Callable[[], model.Dataset],
    now_of: Callable[[model.Dataset | None], datetime],
    state: Path,
    env: Mapping[str, str],
) -> list[Finding]:
    """Every check, in the order a cron run meets them."""
    zones: list[str] = []  # the me.timezone of data that failed to load, when its me: could be read
    data, items, found = check_data(load, now_of, zones.append)
    sender = data.me.email if data is not None else None
    home = data.me.timezone if data is not None else next(iter(zones), None)
    smtp, imap = without(env, "FOLLOWUP_IMAP_"), without(env, "FOLLOWUP_SMTP_")
    findings = [
        found,
        check_templates(items),
        check_state(state, home),
        check_smtp(smtp, sender),
        check_imap(imap),
    ]
    if data is not None and findings[-1].status == OK and findings[2].status == OK:
        findings += check_bounces(imap, state, data, items, now_of(data))
    return findings


def without(env: Mapping[str, str], other: str) -> dict[str, str]:
    """The environment without the other service's settings, so a wrong one is said on its own row."""
    return {name: value for name, value in env.items() if not name.startswith(other)}


def verdict(findings: list[Finding]) -> str:
    """The last line: what a cron run would do."""
    code = max(f.exit_code for f in findings)
    if code == 2:
        return "a cron run would stop at once (exit 2): fix the data or setting above (followup check)"
    if code:
        return "a cron run would fail (exit 1): see the problem lines above"
    dry = any(f.check == "smtp" and f.status == SKIP for f in findings)
    return "a cron run would work" + (" (as a dry run: nothing is sent without SMTP settings)" if dry else "")


def check_data(
    load: Callable[[], model.Dataset],
    now_of: Callable[[model.Dataset | None], datetime],
    zone_of_bad_data: Callable[[str], None] = lambda name: None,
) -> tuple[model.Dataset | None, list[schedule.FollowUp], Finding]:
    """Load and validate the data, then lint every message it would produce (as `check` does); the zone
    of data that fails to load goes to `zone_of_bad_data` when its me: names one."""
    try:
        data = load()
        items = schedule.plan(data, now_of(data))
        problems = lint_problems(data, items)
    except InputError as exc:
        if isinstance(exc, DataError) and exc.timezone is not None:
            zone_of_bad_data(exc.timezone)
        return None, [], _bad_input("data", exc)
    if problems:
        return data, items, _bad_input("data", InputError(problems))
    files = len(data.files)
    text = (
        f"{len(data.interviews)} interviews, {len(items)} follow-ups, every message within the etiquette "
        f"({files} file{'s' * (files != 1)})"
    )
    return data, items, Finding("data", OK, text)


def lint_problems(data: model.Dataset, items: list[schedule.FollowUp]) -> list[Problem]:
    """What the etiquette lint finds in every message the plan would produce (compose.review, as `check`)."""

    return review(data, items).problems


def check_templates(items: list[schedule.FollowUp]) -> Finding:
    """Every stock template, and each one of the user's that the data names, compiles."""

    stock = sorted(STOCK.glob("*/*.md"))  # one folder per language
    own = sorted({template_path(item) for item in items} - set(stock))
    try:
        for path in [*stock, *own]:
            load_template(path)
    except InputError as exc:
        return _bad_input("templates", exc)
    mine = f", {len(own)} of yours" if own else ""
    return Finding("templates", OK, f"{len(stock) + len(own)} compile ({len(stock)} stock{mine})")


def check_state(state: Path, home: str | None = None) -> Finding:
    """The ledger's folder is writable; the ledger, if there is one yet, opens and is intact."""
    folder = state.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return Finding("state", PROBLEM, f"{existing} is a file, so {folder}/ cannot be made (--state)", 1)
    if not os.access(existing, os.W_OK | os.X_OK):
        return Finding("state", PROBLEM, f"{existing}/ is not writable: the ledger cannot be kept there", 1)
    if not state.exists():
        return Finding("state", OK, f"{state} does not exist yet; the first real send creates it")
    if not os.access(state, os.R_OK | os.W_OK):
        return Finding("state", PROBLEM, f"{state}: cannot be written (check its owner and mode)", 1)

    try:
        found = inspect(state)
    except FollowUpError as exc:
        return Finding("state", PROBLEM, str(exc), 1)
    if found.integrity != "ok":
        return Finding(
            "state",
            PROBLEM,
            f"{state}: damaged ({found.integrity}); keep a copy, then see the ledger page",
            1,
        )
    counts = found.counts
    text = f"{state}: opens, integrity ok, {sum(counts.values())} deliveries"
    if counts.get("uncertain"):
        text += f", {counts['uncertain']} uncertain (followup status; followup resolve)"
    last = read_heartbeat(state)
    if last is None:
        return Finding("state", OK, text + "; no send run yet (a dry run leaves no record of one)")
    if home is not None:  # in your zone, as status and the log show times
        last = last.astimezone(zone(home))
    text += f"; last send run {last:%a %Y-%m-%d %H:%M %Z}"
    return Finding("state", OK, text)


def check_smtp(env: Mapping[str, str], sender: str | None) -> Finding:
    """Connect and log in as `send` does (yagmail); MAIL FROM then RSET, then QUIT: nothing is sent."""

    try:
        check_names(env)
        settings = smtp_settings(env)
    except InputError as exc:
        return _bad_input("smtp", exc)
    if settings is None:
        return Finding("smtp", SKIP, "FOLLOWUP_SMTP_HOST is not set: send writes a dry run to the outbox")
    where = f"{settings.host}:{settings.port} ({settings.security})"
    smtp = Smtp(settings)
    try:
        smtp.open()
        if sender is not None:
            smtp.probe_sender(sender)
    except Unreachable as exc:
        return Finding("smtp", PROBLEM, f"{where}: {smtp_advice(exc, settings.timeout)}", 1)
    except Refused as exc:
        rule = known_rule(exc.reply)
        why = MAY_SEND_AS if rule is None else explain_refusal(exc.code, exc.reply, "MAIL")
        text = f"{where}: MAIL FROM {sender}: {exc.code} {exc.reply} ({why})"
        return Finding("smtp", PROBLEM, text, 1)
    except InputError as exc:  # me: email that SMTP cannot carry; send would stop the same way
        return _bad_input("smtp", exc)
    except (smtplib_errors(), OSError) as exc:  # the server hung up after the login
        said = (
            smtp.problem(exc)
            if hasattr(exc, "smtp_code")
            else connection_problem(exc, "SMTP", settings.timeout)
        )
        return Finding("smtp", PROBLEM, f"{where}: {said}", 1)
    finally:
        smtp.close()
    who = "connected (FOLLOWUP_SMTP_USER unset: no login)"
    if settings.user:
        who = f"logged in as {settings.user}"
    accepts = f", accepts mail from {sender}" if sender else ""
    return Finding("smtp", OK, f"{where}: {who}{accepts}; nothing sent")


def smtp_advice(exc: Unreachable, timeout: float) -> str:
    """A failed SMTP login in plain words: the server's refusal the transport kept (cleaned of what the
    login sent), else what broke underneath."""

    if exc.code is not None:
        return _advice(exc.code, exc.reply)
    if exc.cause is not None:  # a socket or TLS error: plain words naming the setting to check
        return connection_problem(exc.cause, "SMTP", timeout)
    return str(exc).split(": ", 1)[-1]  # the transport's own words, without its "SMTP host:port" prefix


def _advice(code: int, reply: str) -> str:
    """The server's words, with the provider's refusal in plain words when the table knows it."""
    rule = known_rule(reply)
    if rule is None or rule.provider == "any":
        return explain(code, reply)
    return f"{explain(code, reply)}; {explain_refusal(code, reply, 'MAIL')}"


def check_imap(env: Mapping[str, str]) -> Finding:
    """Log in to the mailbox and EXAMINE the folder `send` reads replies from, then LOGOUT."""

    try:
        check_names(env)
        settings = imap_settings(env)
    except InputError as exc:
        return _bad_input("imap", exc)
    if settings is None:
        return Finding(
            "imap", SKIP, "FOLLOWUP_IMAP_HOST is not set: check-ins go out without looking for replies"
        )
    try:
        client = open_mailbox(settings)
    except MailboxError as exc:
        return Finding("imap", PROBLEM, str(exc).removeprefix("IMAP "), 1)
    where = f"{settings.host}:{settings.port} ({settings.security})"
    try:
        count = message_count(client)
    except (OSError, client.error) as exc:
        return Finding("imap", PROBLEM, f"{where}: {settings.folder} cannot be read ({exc})", 1)
    finally:
        log_out(client)  # its answer awaited a few seconds at most
    text = f"{where}: logged in as {settings.user}; {settings.folder} holds {count} messages (read-only)"
    return Finding("imap", OK, text)


def check_bounces(
    env: Mapping[str, str], state: Path, data: model.Dataset, items: list[schedule.FollowUp], now: datetime
) -> list[Finding]:
    """A line for each bounce that still needs you: found in the mailbox for an email the ledger says went
    (the next send records it), or recorded already; its address not yet corrected. Only reads."""
    settings = imap_settings(env)  # checked by check_imap, which logged in
    if settings is None:
        return []
    current = {item.key: item for item in items}  # a corrected address is a new key: the old one is done
    entries = [] if absent(state) else [e for e in read_entries(state) if e.key in current]
    sent = [e for e in entries if e.method == "email" and e.state in ("sent", "uncertain") and e.message_id]
    try:
        seen = bounces_seen(settings, sent)
    except MailboxError as exc:
        return [Finding("bounces", PROBLEM, f"cannot look for bounces: {exc}", 1)]
    found = [(e, f"the server said {b.diagnostic}", 1) for e, b in seen]  # the next send exits 1 on it
    found += [
        (e, (e.reply or "a delivery report came back").removeprefix("bounced: "), 0)
        for e in entries
        if e.state == "bounced"
    ]
    if not found:
        text = f"no delivery report in {settings.folder} for the {len(sent)} emails sent (read-only)"
        return [Finding("bounces", OK, text)]
    return [
        Finding("bounces", PROBLEM, bounce_advice(current[e.key], said, data, now), code)
        for e, said, code in found
    ]


def bounce_advice(item: schedule.FollowUp, said: str, data: model.Dataset, now: datetime) -> str:
    """What bounced, to whom, and what to do about it."""
    person = item.interviewer
    path, line, _ = place_of(item.interview, person)
    head = (
        f"{item.kind} to {person.name} <{person.email}> ({item.interview.id}) bounced: {said}; "
        f"correct the address in {path}:{line}"
    )
    if item.kind != "thank-you":
        return f"{head} (a check-in is not sent again)"
    days = recipient_policy(data.policy, item.interview, person).thank_you_within_days
    until = f"{item.expires_at:%a %d %b %Y %H:%M %Z}"
    if now < item.expires_at:
        return (
            f"{head}: the next send sends the thank-you to the new address while it is within "
            f"thank_you_within_days ({days} days after the interview, until {until})"
        )
    return (
        f"{head}: too late to send it again (thank_you_within_days, {days} days after the interview, "
        f"ended {until}), and no check-in goes to them"
    )


def _bad_input(check: str, exc: InputError) -> Finding:
    lines = str(exc).splitlines() or ["(no details)"]
    more = f" (and {len(lines) - 1} more: followup check lists them)" if len(lines) > 1 else ""
    return Finding(check, PROBLEM, lines[0] + more, 2)
