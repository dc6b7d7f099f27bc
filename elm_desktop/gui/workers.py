"""Jobs that run off the UI thread, with progress, partial results and cancellation.

A :class:`Job` wraps a function ``fn(progress, cancel, partial) -> result`` and runs it on
:class:`~PySide6.QtCore.QThreadPool`; its :class:`JobSignals` deliver progress, partial results,
the result or the error back on the UI thread (queued connections).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from elm_desktop.errors import CancelledError, ElmError
from elm_desktop.progress import CancelToken

JobFunction = Callable[[Callable[[int, int, str], None], CancelToken, Callable[[Any], None]], Any]


class JobSignals(QObject):
    """Signals a job emits; connect to them before starting it."""

    progress = Signal(int, int, str)
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Job(QRunnable):
    """One function run on the thread pool.

    Parameters
    ----------
    name
        What the job does, shown beside the progress bar.
    fn
        Called as ``fn(progress, cancel, partial)`` on a pool thread.
    """

    def __init__(self, name: str, fn: JobFunction) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.name = name
        self.fn = fn
        self.cancel_token = CancelToken()
        self.signals = JobSignals()
        self.done = False

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self.cancel_token.cancel()

    def run(self) -> None:  # runs on a pool thread
        try:
            result = self.fn(
                self.signals.progress.emit, self.cancel_token, self.signals.partial.emit
            )
        except CancelledError:
            self.done = True
            self.signals.cancelled.emit()
        except ElmError as error:
            self.done = True
            self.signals.failed.emit(str(error))
        except Exception as error:  # a bug, not a user error: say so, keep the program alive
            traceback.print_exc()
            self.done = True
            self.signals.failed.emit(f"internal error ({type(error).__name__}: {error})")
        else:
            self.done = True
            self.signals.finished.emit(result)


def start(job: Job) -> Job:
    """Run ``job`` on the global thread pool and return it."""
    QThreadPool.globalInstance().start(job)
    return job
