"""Stopping long-running commands on SIGINT and SIGTERM, however they were started.

A process started with SIGINT ignored — a background job of a non-interactive shell,
``nohup``, some service managers — keeps it ignored: Python installs its Ctrl-C
handler only when SIGINT was at its default. ``searchapp index --watch`` and
``searchapp serve`` would then ignore Ctrl-C and ``kill -INT``, and SIGTERM (how
systemd stops a service) would kill them mid-run. So they install their own handlers
for both signals:

* ``index --watch`` (:class:`StopAfterRun`): the first signal asks it to stop after
  the run in progress (at once when it is waiting between runs), so the index holds
  a completed run; a second signal aborts the run (nothing of it is published).
* ``serve`` (:func:`interrupt_on_signals`): either signal raises
  :class:`KeyboardInterrupt` in the main thread, on which waitress closes its
  sockets and lets its threads finish the requests in progress.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], None]


@contextmanager
def _handlers(handler: Handler) -> Iterator[None]:
    """``handler`` for SIGINT and SIGTERM inside the block; the previous ones after."""
    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class StopAfterRun:
    """``with StopAfterRun() as stop:`` — a loop of runs that a signal ends cleanly.

    The handler only sets a flag (or raises during a run when asked twice) and, with
    ``announce``, says so on stderr during a run; the loop
    checks :attr:`requested` and sleeps with :meth:`sleep`, which returns early when
    a stop is requested. No locks are taken in the handler, so it cannot deadlock
    against the code it interrupts."""

    #: Longest nap between checks of the flag while waiting between runs.
    TICK_S = 0.1

    def __init__(self, announce: bool = True):
        self.requested = False
        self.signal_name = ""
        self._running = False
        self._announce = announce
        self._cm = _handlers(self._handle)

    def __enter__(self) -> StopAfterRun:
        self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)

    def _handle(self, signum: int, frame: FrameType | None) -> None:  # noqa: ARG002 - signal API
        if self.requested and self._running:
            raise KeyboardInterrupt  # asked twice: abort the run in progress
        self.requested = True
        self.signal_name = signal.Signals(signum).name
        if self._running and self._announce:
            # os.write, not print: the handler may interrupt a write to the same buffered stream.
            message = f"\n{self.signal_name}: stopping after the run in progress (send it again to abort the run)\n"
            try:
                os.write(2, message.encode())
            except OSError:
                pass

    @contextmanager
    def running(self) -> Iterator[None]:
        """Mark the block as a run that the first signal lets finish."""
        self._running = True
        try:
            yield
        finally:
            self._running = False

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` unless a stop is requested first; True when it was."""
        deadline = time.monotonic() + seconds
        while not self.requested:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(self.TICK_S, left))
        return self.requested


def _interrupt(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - signal API
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def interrupt_on_signals() -> Iterator[None]:
    """Inside the block, SIGINT and SIGTERM raise :class:`KeyboardInterrupt` in the main
    thread, even when SIGINT was ignored at start-up."""
    with _handlers(_interrupt):
        yield
