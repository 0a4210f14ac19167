"""A scripted IMAP server for the odd cases dovecot never makes: a proxy on 127.0.0.1 in front of the
private dovecot that passes the client's bytes through and may change each line the server says, or
hang up instead of passing it on (after the server stored an APPEND, say).

`rewrite(line)` gets each line from dovecot (with its CRLF; a literal's lines too) and returns the bytes
to pass on, or None to drop both connections at that point.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .imap import ImapServer
from .net import HOST

Rewrite = Callable[[bytes], bytes | None]


@dataclass
class ImapProxy:
    """Listens on 127.0.0.1:port; every connection goes on to dovecot, its answers through `rewrite`."""

    upstream: ImapServer
    rewrite: Rewrite
    port: int = 0
    hangups: int = 0  # how many times `rewrite` chose to hang up
    _listener: socket.socket | None = None
    _sockets: list[socket.socket] = field(default_factory=list)

    @property
    def host(self) -> str:
        return HOST

    def start(self) -> None:
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        for sock in [self._listener, *self._sockets]:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed by stop()
                return
            server = socket.create_connection((self.upstream.host, self.upstream.port), timeout=10)
            self._sockets += [client, server]
            threading.Thread(target=self._up, args=(client, server), daemon=True).start()
            threading.Thread(target=self._down, args=(client, server), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                server.sendall(data)
        _close(client, server)

    def _down(self, client: socket.socket, server: socket.socket) -> None:
        with contextlib.suppress(OSError), server.makefile("rb") as lines:
            while line := lines.readline():
                said = self.rewrite(line)
                if said is None:
                    self.hangups += 1
                    break
                client.sendall(said)
        _close(client, server)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()


@contextlib.contextmanager
def imap_proxy(upstream: ImapServer, rewrite: Rewrite) -> Iterator[ImapProxy]:
    """A running proxy in front of `upstream`, stopped afterwards."""
    proxy = ImapProxy(upstream, rewrite)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
