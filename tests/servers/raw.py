"""Small scripted servers for what aiosmtpd will not do, and a tap that keeps the bytes a client sends.

``Tap(port)``: a relay on 127.0.0.1 to that port; ``.sent`` is every byte clients sent through it (the
wire as an eavesdropper sees it). ``LineServer(script)``: a one-thread SMTP-ish server; ``script`` maps
the first word of each command to the reply (a str, or a callable returning bytes to send raw), and it
keeps every byte it received in ``.received``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Mapping

from .net import HOST

Reply = str | Callable[[socket.socket], None]


class Tap:
    """A relay on 127.0.0.1 that forwards both ways and keeps what the client sent."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.sent = bytearray()
        self._lock = threading.Lock()
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection((HOST, self.target))
            self._open += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, keep: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if keep:
                    with self._lock:
                        self.sent += data
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def stop(self) -> None:
        """Stop listening and cut every relayed connection."""
        self._listener.close()
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.close()


class _Listening:
    """A server on 127.0.0.1 that serves each connection on a thread of its own (`_serve`)."""

    def _listen(self) -> None:
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop listening and hang up."""
        self._listener.close()
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()


class LineServer(_Listening):
    """A plain-text server that answers each command line from a script and keeps what it received."""

    def __init__(self, script: Mapping[str, Reply], greeting: str = "220 raw.test ESMTP") -> None:
        self.script, self.greeting = script, greeting
        self.received = bytearray()
        self._listen()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn, conn.makefile("rb") as lines:
            conn.sendall(self.greeting.encode() + b"\r\n")
            for line in lines:
                self.received += line
                word = line.split(b" ", 1)[0].strip().upper().decode("ascii", "replace")
                reply = self.script.get(word, "250 2.0.0 ok")
                if callable(reply):
                    reply(conn)
                else:
                    conn.sendall(reply.encode() + b"\r\n")
                if word == "QUIT":
                    return


class ImapScript(_Listening):
    """A scripted IMAP server on 127.0.0.1: a greeting with the given capabilities, AUTHENTICATE with
    one good token (as Google answers a bad one: a JSON challenge, then NO), an empty folder. It keeps
    every byte it received in ``.received`` and the decoded SASL responses in ``.sasl``."""

    def __init__(self, capabilities: str, user: str, token: str) -> None:
        self.capabilities, self.user, self.token = capabilities, user, token
        self.received = bytearray()
        self.sasl: list[bytes] = []
        self._listen()

    def _line(self, lines: object) -> bytes:
        line: bytes = lines.readline()  # type: ignore[attr-defined]
        self.received += line
        return line

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn, conn.makefile("rb") as lines:
            conn.sendall(f"* OK [CAPABILITY {self.capabilities}] ready\r\n".encode())
            while line := self._line(lines):
                tag, _, rest = line.decode("ascii", "replace").strip().partition(" ")
                command = rest.split(" ", 1)[0].upper()
                conn.sendall(self._answer(conn, lines, tag, command, rest).encode())
                if command == "LOGOUT":
                    return

    def _answer(self, conn: socket.socket, lines: object, tag: str, command: str, rest: str) -> str:
        import base64

        if command == "CAPABILITY":
            return f"* CAPABILITY {self.capabilities}\r\n{tag} OK done\r\n"
        if command == "AUTHENTICATE":
            conn.sendall(b"+ \r\n")
            said = base64.b64decode(self._line(lines).strip())
            self.sasl.append(said)
            if f"auth=Bearer {self.token}\x01".encode() in said and self.user.encode() in said:
                return f"{tag} OK authenticated\r\n"
            error = base64.b64encode(b'{"status":"401","schemes":"bearer"}').decode()
            conn.sendall(f"+ {error}\r\n".encode())
            self.sasl.append(base64.b64decode(self._line(lines).strip()))
            return f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n"
        if command in ("EXAMINE", "SELECT"):
            return f"* 0 EXISTS\r\n* 0 RECENT\r\n{tag} OK [READ-ONLY] done\r\n"
        if command == "UID":
            return f"* SEARCH\r\n{tag} OK done\r\n"
        if command == "LOGOUT":
            return f"* BYE\r\n{tag} OK bye\r\n"
        return f"{tag} OK done\r\n"
