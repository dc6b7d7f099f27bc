"""Progress reporting and cancellation shared by long jobs in every layer.

A job takes ``progress: ProgressCallback | None`` and calls it with (done, total, message);
it takes ``cancel: CancelToken | None`` and calls :meth:`CancelToken.check` between steps.
The CLI turns the callback into a terminal bar, the GUI into a progress bar and a signal.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from elm_desktop.errors import CancelledError

LOG_INTERVAL_S = 30.0
"""Seconds between the plain progress lines written to a stream that is not a terminal."""

ProgressCallback = Callable[[int, int, str], None]


class CancelToken:
    """A flag one thread sets and a job checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`~elm_desktop.errors.CancelledError` if cancellation was asked for."""
        if self._event.is_set():
            raise CancelledError("cancelled by the user")


class TerminalProgress:
    """A one-line progress bar on a terminal (a no-op when the stream is not a terminal).

    Call the instance as a :data:`ProgressCallback`; call :meth:`close` at the end.
    """

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int, message: str = "") -> None:
        now = time.perf_counter()
        # A redirected log (nohup, CI) gets a plain line every half minute instead of a bar.
        interval = 0.1 if self._interactive else LOG_INTERVAL_S
        if now - self._last_draw < interval and done < total:
            return
        self._last_draw = now
        elapsed = now - self.start
        if not self._interactive:
            self.stream.write(f"{self.label} {done}/{total} {elapsed:.0f}s {message}\n")
        else:
            fraction = done / total if total else 1.0
            filled = int(round(self.width * fraction))
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(
                f"\r{self.label} [{bar}] {done}/{total} {elapsed:5.1f}s {message[:40]:<40}"
            )
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line and say how long the job took."""
        elapsed = time.perf_counter() - self.start
        if self._interactive:
            self.stream.write("\n")
        self.stream.write(f"{self.label}: done in {elapsed:.1f} s\n")
        self.stream.flush()
