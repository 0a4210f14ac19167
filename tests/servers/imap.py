"""Dovecot on 127.0.0.1 for the tests (see shared/imap-testing.md): fixtures ``imap_server``, and
``imap_login`` for a logged-in imaplib client."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .net import HOST, free_port

IMAP_USER = "tester"
IMAP_PASSWORD = "secret"

_DOVECOT_CONF = """\
instance_name = followup-test
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
{unprivileged}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@dataclass
class ImapServer:
    """A private dovecot on 127.0.0.1 with one user and a Maildir the test can drop messages into."""

    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen | None = None

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / self.user

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def deliver(self, raw: bytes) -> Path:
        """Drop a message into INBOX the Maildir way (tmp/, then rename into new/); returns its path."""
        uid, gid = _mail_owner()
        for folder in (self.maildir, *(self.maildir / sub for sub in ("tmp", "new", "cur"))):
            folder.mkdir(exist_ok=True)
            os.chown(folder, uid, gid)
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.followup-test"
        staged = self.maildir / "tmp" / name
        staged.write_bytes(raw)
        os.chown(staged, uid, gid)
        return staged.rename(self.maildir / "new" / name)

    def clear(self) -> None:
        """Empty the mailbox (dovecot rebuilds its index on the next login)."""
        shutil.rmtree(self.maildir, ignore_errors=True)


# As a user other than root, dovecot runs every process as that user, without chroot.
_UNPRIVILEGED = """\
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
service imap-login {{
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def _mail_owner() -> tuple[int, int]:
    """Mail processes never run as root: nobody/nogroup when we are root, else ourselves."""
    if os.geteuid() == 0:
        return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    return os.geteuid(), os.getegid()


def _await_greeting(server: ImapServer, deadline: float) -> bool:
    """Ready means the `* OK` greeting, not an open port."""
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as sock:
                if sock.recv(256).startswith(b"* OK"):
                    return True
        except OSError:
            time.sleep(0.02)
    return False


def _dovecot_conf(root: Path, port: int) -> str:
    uid, gid = _mail_owner()
    user, group = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
    unprivileged = "" if os.geteuid() == 0 else _UNPRIVILEGED.format(user=user, group=group)
    return _DOVECOT_CONF.format(root=root, uid=user, gid=group, port=port, unprivileged=unprivileged)


def start_dovecot(root: Path, binary: str) -> ImapServer:
    """Start ``dovecot -F -c CONF`` in root (a folder of mode 0755); retry when the port was taken."""
    uid, gid = _mail_owner()
    (root / "mail").mkdir()
    os.chown(root / "mail", uid, gid)
    (root / "users").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}::::::\n")
    for _attempt in range(3):
        server = ImapServer(HOST, free_port(), IMAP_USER, IMAP_PASSWORD, root)
        (root / "run" / "master.pid").unlink(missing_ok=True)  # left by an attempt that lost its port
        conf = root / "dovecot.conf"
        conf.write_text(_dovecot_conf(root, server.port))
        with open(root / "dovecot.out", "ab") as out:
            server.process = subprocess.Popen(
                [binary, "-F", "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )
        if _await_greeting(server, time.monotonic() + 10):
            return server
        stop_dovecot(server)  # exit 89: the port was taken in the meantime
    log = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    raise RuntimeError(f"dovecot did not greet on 127.0.0.1:{server.port}\n{log[-2000:]}")


def stop_dovecot(server: ImapServer) -> None:
    """SIGTERM to the master (about a second to a clean exit), SIGKILL if it will not go."""
    proc = server.process
    if proc is None or proc.poll() is not None:
        return
    # master.pid names the master, which under -F is this very child: signal it through Popen, so that a
    # stale file or a reused PID can never send SIGTERM elsewhere.
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def _dovecot() -> Iterator[ImapServer]:
    # /usr/sbin is often missing from a user's PATH, and dovecot lives there on Debian.
    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    # A fresh folder per session: a stale master.pid would block the next start. Not under pytest's
    # tmp_path: dovecot's login user must traverse it (0700 there, 0755 here).
    root = Path(tempfile.mkdtemp(prefix="followup-dovecot-"))
    root.chmod(0o755)
    try:
        server = start_dovecot(root, binary)
        yield server
        stop_dovecot(server)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_server(_dovecot: ImapServer) -> Iterator[ImapServer]:
    """Dovecot on 127.0.0.1, user IMAP_USER/IMAP_PASSWORD, an empty INBOX; ``.deliver(raw_bytes)``."""
    _dovecot.clear()
    yield _dovecot
    _dovecot.clear()


def imap_login(server: ImapServer) -> imaplib.IMAP4:
    """An imaplib client logged in to the fixture's server (the caller logs out)."""
    client = imaplib.IMAP4(server.host, server.port, timeout=5)
    client.login(server.user, server.password)
    return client
