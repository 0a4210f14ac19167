"""OAuth2 logins for any provider: a command the user names prints a fresh access token (as msmtp's
passwordeval and mutt's oauth2.py work, with helpers such as oama or pizauth), and the SASL strings that
carry it (XOAUTH2, OAUTHBEARER).

The command runs without a shell, with nothing on its input; the first line of its standard output is
the token. Its output is read up to TOKEN_MAX bytes and for at most the setting's timeout; a failure is
one line with its exit status and the first line of its standard error, never the token.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Iterable

from batch.account.wire import one_line
from batch.errors import FollowUpError, InputError

TOKEN_MAX = 64 * 1024  # bytes of output read: an access token is a few kilobytes at most
# The mechanisms we can speak, in the order we prefer them when the server offers both: Microsoft
# documents XOAUTH2 alone, Google and Yahoo take both.
MECHANISMS = ("XOAUTH2", "OAUTHBEARER")


class TokenError(FollowUpError):
    """The token command failed: no login is possible in this run, nothing is sent."""

    exit_code = 1


def parse_command(text: str, setting: str) -> list[str]:
    """The command's words (shell quoting rules, no shell); InputError for a line that does not parse."""
    # late: shlex only when an OAuth2 command is set
    import shlex

    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise InputError(f"{setting}: {text!r} cannot be read as a command ({exc})") from None
    if not words:
        raise InputError(f"{setting}: empty (a command that prints an access token, e.g. oama access ...)")
    return words


def fetch_token(command: str, setting: str, timeout: float) -> str:
    """The access token the command prints on its first line; TokenError, in one line, when it fails."""
    # late: subprocess and selectors only when a login needs a token
    import subprocess

    words = parse_command(command, setting)
    name = os.path.basename(words[0])
    try:
        proc = subprocess.Popen(
            words, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            close_fds=True, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        raise TokenError(f"{setting}: cannot run {name} ({exc.strerror}); no login, nothing sent") from None
    try:
        out, err, why = _read_bounded(proc, timeout)
    finally:
        _end(proc)
    if why:
        raise TokenError(f"{setting}: {name} {why}; no login, nothing sent")
    token = out.decode("utf-8", "replace").split("\n", 1)[0].rstrip("\r").strip()
    said = _first_line(err, token)
    if proc.returncode != 0:
        raise TokenError(
            f"{setting}: {name} failed with exit status {proc.returncode} ({said or 'nothing on stderr'}); "
            "no login, nothing sent"
        )
    if not token:
        raise TokenError(f"{setting}: {name} printed no token ({said or 'nothing on stderr'}); nothing sent")
    if not token.isascii() or not token.isprintable() or " " in token:
        raise TokenError(f"{setting}: {name} printed something that is not an access token on its first "
                         "line (it must be the token alone); nothing sent")  # fmt: skip
    return token


def _read_bounded(proc: object, timeout: float) -> tuple[bytes, bytes, str]:
    """stdout and stderr, each up to TOKEN_MAX bytes, within the timeout; why not, if cut short."""
    # late: as fetch_token
    import selectors
    import subprocess

    assert isinstance(proc, subprocess.Popen)
    streams = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for stream in streams:
            selector.register(stream, selectors.EVENT_READ)  # type: ignore[arg-type]
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return b"", b"", f"gave no token within {timeout:g} s (FOLLOWUP_*_TIMEOUT)"
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                streams[key.fileobj] += chunk  # type: ignore[index]
                if len(streams[key.fileobj]) > TOKEN_MAX:  # type: ignore[index]
                    return b"", b"", f"wrote more than {TOKEN_MAX // 1024} KiB (a token is one line)"
    try:
        proc.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return b"", b"", f"gave no token within {timeout:g} s (it did not exit)"
    return bytes(streams[proc.stdout]), bytes(streams[proc.stderr]), ""


def _end(proc: object) -> None:
    """The command and anything it started gone, its pipes closed."""
    import signal  # late: as fetch_token
    import subprocess

    assert isinstance(proc, subprocess.Popen)
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: it and its children, nothing else
        except OSError:
            proc.kill()
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


# What a token helper may print on stderr that is a secret too: a value after a word like refresh_token,
# secret or password, and any long opaque run (a token, a client secret) whatever names it.
_SECRETS = re.compile(r"(?i)((?:token|secret|password|code)\w*\s*[=:]\s*)\S+|[\w.~+/=-]{24,}")


def _first_line(err: bytes, token: str) -> str:
    """The first non-blank line of stderr, on one line, with the token and anything like a secret hidden
    (the line reaches the terminal, cron.log and the ledger's reply column)."""
    for line in err.decode("utf-8", "replace").splitlines():
        if line.strip():
            text = line.replace(token, "[hidden]") if token else line
            text = _SECRETS.sub(lambda m: (m[1] or "") + "[hidden]", text)
            return one_line(text, 200)
    return ""


def choose_mechanism(offered: Iterable[str]) -> str | None:
    """XOAUTH2 or OAUTHBEARER, whichever the server offers (XOAUTH2 first); None if neither."""
    names = {name.upper() for name in offered}
    return next((mechanism for mechanism in MECHANISMS if mechanism in names), None)


def sasl_string(mechanism: str, user: str, token: str, host: str, port: int) -> str:
    """The initial client response of XOAUTH2 or OAUTHBEARER (RFC 7628), before base64."""
    if mechanism == "XOAUTH2":
        return f"user={user}\x01auth=Bearer {token}\x01\x01"
    authzid = user.replace("=", "=3D").replace(",", "=2C")  # the GS2 header's escapes
    return f"n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"


def error_answer(mechanism: str) -> str:
    """What the client says to the server's error challenge: XOAUTH2 an empty line, OAUTHBEARER ^A."""
    return "" if mechanism == "XOAUTH2" else "\x01"


def token_forms(user: str, token: str, host: str, port: int) -> list[str]:
    """The token and every form a login puts it on the wire in, for the Cleaner to hide."""
    said = [sasl_string(mechanism, user, token, host, port) for mechanism in MECHANISMS]
    return [token, *(base64.b64encode(text.encode("utf-8")).decode("ascii") for text in said)]
