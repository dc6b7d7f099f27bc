"""One kind of background job for the open recording, of which only the latest counts.

Strips that compute something of the whole recording (the trends, for instance) start a job
when a recording opens and must never show the result of the last recording's job. A
:class:`LatestJob` runs its jobs on a pool of one thread of its own (so they never hold up
opening, fingerprinting or analysing, which use the global pool), optionally after a delay (so
the window's own work of opening a file goes first), keeps every job referenced until it is
done (a cancelled job still runs to its next check, and the next job waits for the thread
until then), and passes on the progress, result or error of the latest job only.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from elm_desktop.gui import workers


class LatestJob(QObject):
    """Run jobs one at a time; only the latest one's signals come out.

    Parameters
    ----------
    parent : QObject
    delay_ms : int
        How long :meth:`schedule` waits before it starts the job.
    """

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject, delay_ms: int = 0) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self._start_pending)
        self.job: workers.Job | None = None
        """The latest job, until it ends or is cancelled."""
        self.jobs: list[workers.Job] = []
        """Jobs not done yet, the cancelled ones too: a running job must outlive its use."""
        self._pending: tuple[str, workers.JobFunction] | None = None

    def busy(self) -> bool:
        """Whether a job is running or waiting to start."""
        return self.job is not None or self.timer.isActive()

    def schedule(self, name: str, fn: workers.JobFunction) -> None:
        """Cancel what runs and start ``fn`` after the delay."""
        self.cancel()
        self._pending = (name, fn)
        self.timer.start()

    def _start_pending(self) -> None:
        if self._pending is not None:
            self.start(*self._pending)

    def start(self, name: str, fn: workers.JobFunction) -> workers.Job:
        """Cancel what runs and start ``fn`` (``fn(progress, cancel, partial)``) now."""
        self.cancel()
        job = workers.Job(name, fn)
        job.signals.progress.connect(
            lambda done, total, message, job=job: self._relay(
                job, self.progress, done, total, message
            )
        )
        job.signals.finished.connect(lambda result, job=job: self._end(job, self.finished, result))
        job.signals.failed.connect(lambda message, job=job: self._end(job, self.failed, message))
        job.signals.cancelled.connect(lambda job=job: self._end(job, None))
        self.job = job
        self.jobs = [other for other in self.jobs if not other.done] + [job]
        self.pool.start(job)
        return job

    def cancel(self) -> None:
        """Stop the waiting or running job; nothing of it comes out any more."""
        self.timer.stop()
        self._pending = None
        if self.job is not None:
            self.job.cancel()
        self.job = None

    def _relay(self, job: workers.Job, signal, *args) -> None:
        if job is self.job:
            signal.emit(*args)

    def _end(self, job: workers.Job, signal, *args) -> None:
        if job is not self.job:  # superseded or cancelled: dropped
            return
        self.job = None
        if signal is not None:
            signal.emit(*args)
