"""Secrets: a planted password, looked for in every file and stream a run leaves."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from tests.reliability.outcome import Outcome
from tests.runs import EXAMPLE, NOW, Run, run_followup, send_args, send_env, smtp
from tests.servers import Faults, SmtpServer, free_port

SECRET_CASES = (
    "password in the environment, delivered",
    "password file, delivered",
    "535 on AUTH",
    "535 echoing AUTH PLAIN",
    "535 echoing AUTH LOGIN",
    "connection refused",
    "TLS failure",
    "password file readable by group",
    "password file readable by others",
)


def secret_trial(root: Path, case: str) -> Outcome:
    """Plant a unique password, run a send and the read-only commands, and look for it everywhere."""
    work = root / f"secret-{SECRET_CASES.index(case)}"
    work.mkdir(parents=True)
    secret = "pw-" + base64.b32encode(os.urandom(15)).decode().lower()
    server_password = "a-different-password" if case == "535 on AUTH" else secret
    security = "ssl" if "file" in case else "starttls"
    tls = Faults(tls="untrusted") if case == "TLS failure" else None
    if "echoing" in case:  # the server repeats what the login sent in its 535
        tls = Faults(echo_auth=case.rsplit(" ", 1)[-1])
    outcome = Outcome(case, "")
    with smtp(work, security=security, password=server_password, faults=tls) as server:
        env = send_env(server, FOLLOWUP_SMTP_PASSWORD=secret)
        secret_file = _plant_file(work, case, secret, env)
        if case == "connection refused":
            env["FOLLOWUP_SMTP_PORT"] = str(free_port())
        data, state = EXAMPLE, work / "var" / "followup.db"
        outbox = ["--outbox", str(work / "var" / "outbox")]
        runs = [run_followup(send_args(data, state, NOW, *more), cwd=work, env=env)
                for more in ([*outbox, "--dry-run"], outbox)]  # fmt: skip
        readers = (["status"], ["status", "--json"], ["plan", "--json"], ["check"])
        for extra in readers if "delivered" in case or "AUTH" in case else ():  # the others stop sooner
            runs.append(run_followup(["--data", str(data), "--state", str(state), "--now", NOW.isoformat(),
                                      *extra], cwd=work, env=env))  # fmt: skip
        outcome.tracebacks = sum(run.traceback for run in runs)
        outcome.problems += _expect_secret_outcome(case, runs[1], server)
        found = find_secret(work, secret, server.user, skip={secret_file} if secret_file else set())
        found += [f"message {m.message_id}" for m in server.received if secret.encode() in m.data]
        if found:
            outcome.problems.append("the password was found in " + ", ".join(found))
        files = sum(1 for p in work.rglob("*") if p.is_file())
        outcome.summary = f"exit {runs[1].code}; searched {files} files and {len(runs) * 2} streams: " + (
            "found" if found else "not found"
        )
    return outcome


def _plant_file(work: Path, case: str, secret: str, env: dict[str, str]) -> Path | None:
    if "file" not in case:
        return None
    path = work / "smtp-password"
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o640 if "group" in case else 0o604 if "others" in case else 0o600)
    del env["FOLLOWUP_SMTP_PASSWORD"]
    env["FOLLOWUP_SMTP_PASSWORD_FILE"] = str(path)
    return path


def _expect_secret_outcome(case: str, run: Run, server: SmtpServer) -> list[str]:
    if "readable" in case:
        good = run.code == 2 and len(run.err_lines) == 1 and "chmod 600" in run.err and not server.received
    elif "delivered" in case:
        good = run.code == 0 and len(server.received) == 3
    else:
        good = run.code == 1 and len(run.err_lines) == 1 and not server.received
    return [] if good else [f"exit {run.code}, {len(server.received)} received: {run.err.strip()!r}"]


def secret_forms(secret: str, user: str) -> list[bytes]:
    """The password as it could leak: plain, and as AUTH PLAIN or AUTH LOGIN put it on the wire."""
    plain = secret.encode()
    return [plain, base64.b64encode(plain), base64.b64encode(b"\0" + user.encode() + b"\0" + plain)]


def find_secret(folder: Path, secret: str, user: str, skip: set[Path]) -> list[str]:
    """Every file under `folder` (streams, ledger and its -wal/-shm, outbox, logs) holding the password."""
    forms = secret_forms(secret, user)
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path not in skip:
            content = path.read_bytes()
            if any(form in content for form in forms):
                found.append(str(path.relative_to(folder)))
    return found
