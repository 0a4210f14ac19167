"""Composing ahead of the sender, so that the time per message tends to the larger of composing and
the server's answer rather than to their sum.

On Linux a child process composes: forked, it has the data already and a core of its own. On a
thread, composing holds the GIL, and every step of the sender (each reply read, each claim) would wait
for it; measured (bench send), that cost more than the overlap gained. The child sends back plain
values through a pipe and runs at most AHEAD follow-ups ahead: the sender lets it on, STEP at a time,
through a second pipe. It holds none of the parent's files
(the lock, the ledger, the connection), ignores Ctrl-C (the parent settles the run), and ends when
the pipe does. If it stops early, for whatever reason, the parent composes the rest itself, where an
error is raised as it would have been. Elsewhere (macOS, where a forked child may crash in the system's
libraries) a thread composes, a bounded queue ahead.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import os
import select
import signal
import struct
import sys
from collections.abc import Callable, Generator, Iterator, Sequence

from batch.etiquette.schedule import FollowUp
from batch.ledger.reads import Thread
from batch.letters.compose import Composed
from batch.letters.mime import Message
from batch.letters.render import Rendered
from batch.mail.outcome import Outcome

AHEAD = 40  # composed messages kept waiting for the connection, at most (two chunks)
STEP = 10  # the child is let on this many follow-ups at a time (a byte on its pipe), not one by one
# The child's pipe holds AHEAD messages: measured (bench send), Linux's default 64 KiB held ~16, and
# the sender waited on the child after every chunk of 20 (5-10% of a run to a local server).
PIPE_BUFFER = 1 << 20
IN_CHILD = sys.platform == "linux"  # where a forked child is safe to compose in
STALLED = 30.0  # seconds without a word from the child before the parent composes the rest itself
_SIZE = struct.Struct("<I")


class Ready:
    """One follow-up out of the composer: its mail (None when it is not to be sent) or the outcome that
    says why not; `index` counts the follow-ups that passed the lint before it (the cap counts those)."""

    __slots__ = ("composed", "counted", "index", "mail", "outcome")

    def __init__(
        self, composed: Composed, mail: Message | None, outcome: Outcome | None, index: int, counted: bool
    ) -> None:
        self.composed, self.mail, self.outcome = composed, mail, outcome
        self.index, self.counted = index, counted


# make(item, index): the item composed (when not yet) and made ready to send, given how many before it
# passed the lint
Make = Callable[[Composed | FollowUp, int], Ready]


def compose_ahead(
    ready: Sequence[Composed | FollowUp], make: Make, *, ahead: bool = True
) -> Generator[Ready, None, None]:
    """Each follow-up made ready, in order, composed ahead of the caller (see the module's docstring),
    or, when not `ahead`, each as the caller asks for it. Close the iterator (or run it to its end) to
    stop the composer."""
    if not ahead:
        return _here(ready, make)
    if IN_CHILD and any(isinstance(item, FollowUp) for item in ready):
        return _in_child(ready, make)
    return _on_thread(ready, make)


def _here(ready: Sequence[Composed | FollowUp], make: Make, index: int = 0) -> Generator[Ready, None, None]:
    """Each made ready on the caller's own thread, no overlap: what is left when no child can be had."""
    for item in ready:
        made = make(item, index)
        yield made
        index += not made.composed.problems


def _in_child(ready: Sequence[Composed | FollowUp], make: Make) -> Generator[Ready, None, None]:
    pipes: list[int] = []
    try:
        pipes += os.pipe()  # the messages, child to parent
        pipes += os.pipe()  # leave to go on, parent to child
        pid = os.fork()
    except OSError:  # out of file descriptors, processes or memory: compose here
        for fd in pipes:
            os.close(fd)
        yield from _here(ready, make)
        return
    read, write, go_read, go_write = pipes
    if pid == 0:  # the child: never returns
        try:
            os.close(read)
            os.close(go_write)
            _compose_in_child(ready, make, write, go_read)
        finally:
            os._exit(0)
    os.close(write)
    os.close(go_read)
    os.set_blocking(go_write, False)  # a child that stopped reading never holds the sender up
    index, done = 0, 0
    try:
        for plain in _received(read):
            made = _rebuilt(plain, ready[done], Outcome)
            yield made
            index, done = index + (not made.composed.problems), done + 1
            if done % STEP == 0:
                with contextlib.suppress(OSError):  # a child gone or stopped: the rest are composed here
                    os.write(go_write, b".")
        os.kill(pid, signal.SIGKILL)  # done, stopped or stalled: in each case, no more of it
        yield from _here(ready[done:], make, index)  # the child stopped early: the rest composed here
    finally:
        os.close(read)
        os.close(go_write)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)


def _compose_in_child(ready: Sequence[Composed | FollowUp], make: Make, write: int, go: int) -> None:
    # The lowest priority: composing fills the time the sender waits on the server, and when both could
    # run, the sender's next step (and a local server's answer) goes first. Measured (bench send), the
    # child at its parent's priority took the core from them often enough to cost 8-13% of a run.
    with contextlib.suppress(OSError):
        os.nice(19)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for name in os.listdir("/proc/self/fd"):  # the lock, the ledger and the connection: the parent's alone
        if int(name) > 2 and int(name) not in (write, go):
            with contextlib.suppress(OSError):  # the listing's own, closed already
                os.close(int(name))
    with contextlib.suppress(OSError):  # where the system allows less, the pipe's own size bounds it too
        fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, PIPE_BUFFER)
    allowed = AHEAD
    with os.fdopen(write, "wb") as pipe:
        for made_count, (item, made) in enumerate(zip(ready, _here(ready, make), strict=True), 1):
            blob = marshal.dumps(_plain(made, fresh=isinstance(item, FollowUp)))  # type: ignore[arg-type]
            pipe.write(_SIZE.pack(len(blob)) + blob)
            pipe.flush()
            while made_count >= allowed and made_count < len(ready):  # AHEAD ahead: wait for the sender
                leave = os.read(go, 64)
                if not leave:
                    return  # the sender is gone
                allowed += STEP * len(leave)


def _received(fd: int) -> Iterator[tuple[object, ...]]:
    """What the child sends, one follow-up at a time, until it ends, stops or stalls."""
    buffer = bytearray()
    while True:
        while len(buffer) >= _SIZE.size:
            end = _SIZE.size + _SIZE.unpack_from(buffer)[0]
            if len(buffer) < end:
                break
            yield marshal.loads(bytes(buffer[_SIZE.size : end]))
            del buffer[:end]
        if not select.select([fd], [], [], STALLED)[0]:
            return  # no word for so long: the parent goes on alone
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return
        buffer += chunk


def _plain(made: Ready, *, fresh: bool) -> tuple[object, ...]:
    """A Ready as values marshal can carry (the follow-up itself stays behind: the parent has it)."""
    composed, mail, outcome = made.composed, made.mail, made.outcome
    words = _fields(composed.words) if fresh else None
    letter = None if not fresh or composed.mail is composed.words else _fields(composed.mail)
    thread = tuple(composed.thread) if fresh and composed.thread is not None else None
    return (
        made.index, made.counted, words, letter, composed.problems if fresh else None, thread,
        _fields(mail) if mail is not None else None, _fields(outcome) if outcome is not None else None,
    )  # fmt: skip


def _rebuilt(plain: tuple[object, ...], item: Composed | FollowUp, outcome_type: type[Outcome]) -> Ready:
    index, counted, words, letter, problems, thread, mail, outcome = plain
    if isinstance(item, FollowUp):
        rendered = Rendered(*words)  # type: ignore[misc]
        item = Composed(
            item=item, words=rendered, mail=Rendered(*letter) if letter else rendered,  # type: ignore[misc]
            problems=problems, thread=Thread(*thread) if thread else None,  # type: ignore[arg-type, misc]
        )  # fmt: skip
    return Ready(
        item, Message(*mail) if mail else None,  # type: ignore[misc]
        outcome_type(*outcome) if outcome else None, index, counted,  # type: ignore[misc, arg-type]
    )  # fmt: skip


def _fields(value: object) -> tuple[object, ...]:
    if isinstance(value, tuple):  # a NamedTuple (Outcome): no __slots__ of its own; marshal wants a tuple
        return tuple(value)
    return tuple(getattr(value, name) for name in type(value).__slots__)  # type: ignore[attr-defined]


def _on_thread(ready: Sequence[Composed | FollowUp], make: Make) -> Generator[Ready, None, None]:
    # late: threads only where fork is refused
    import queue
    import threading

    waiting: queue.Queue[Ready | BaseException | None] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def put(made: Ready | BaseException | None) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                waiting.put(made, timeout=0.1)
                return True
        return False

    def compose_all() -> None:
        try:
            for made in _here(ready, make):
                if not put(made):
                    return
        except BaseException as exc:  # raised again on the sender's thread
            put(exc)
            return
        put(None)

    thread = threading.Thread(target=compose_all, daemon=True)
    thread.start()
    try:
        while (made := waiting.get()) is not None:
            if isinstance(made, BaseException):
                raise made
            yield made
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(Exception):
                waiting.get(timeout=0.05)
