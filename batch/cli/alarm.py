"""The whole run's deadline (FOLLOWUP_RUN_DEADLINE): when it passes, the run stops as SIGTERM stops it.

A server answering a byte at a time, or one that never ends its reply, is cut by the per-message
deadline; this one bounds everything else a run does (many slow messages, the mailbox, a token command).
The alarm sends the process SIGTERM, so that the run stops exactly as a shutdown would stop it: claims
made in the same moment are held until they are noted (deliver._ctrl_c_waits), then released.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

from batch.cli.common import Terminated


class Alarm:
    """A one-shot timer over a block; `rang` is its seconds once it has gone off, else None."""

    def __init__(self) -> None:
        self.rang: float | None = None

    @contextlib.contextmanager
    def set(self, seconds: float) -> Iterator[None]:
        """Stop the block as SIGTERM would, once `seconds` have passed (main thread only)."""

        def ring(signum: int, frame: object) -> None:
            self.rang = seconds
            if callable(signal.getsignal(signal.SIGTERM)):  # ours (main) or the one holding it for a claim
                os.kill(os.getpid(), signal.SIGTERM)
            else:  # no Python handler: SIGTERM would kill the process without a word
                raise Terminated

        try:
            previous = signal.signal(signal.SIGALRM, ring)
        except ValueError:  # not the main thread (threading stays unloaded on the idle path to ask)
            yield  # only the main thread receives signals: a caller's own thread runs without a deadline
            return
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
