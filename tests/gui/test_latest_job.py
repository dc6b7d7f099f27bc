"""LatestJob: only the latest job's progress and result come out; a delayed start waits."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from elm_desktop.gui.latest_job import LatestJob


def test_a_superseded_job_is_dropped_and_the_latest_comes_out(qtbot):
    owner = QObject()
    runner = LatestJob(owner)
    release = threading.Event()
    results: list = []
    progress: list = []
    runner.finished.connect(results.append)
    runner.progress.connect(lambda done, total, message: progress.append(message))

    def slow(report, cancel, partial):
        release.wait(5)
        report(1, 1, "slow")
        return "slow"

    def fast(report, cancel, partial):
        report(1, 1, "fast")
        return "fast"

    first = runner.start("slow", slow)
    runner.start("fast", fast)  # queued behind the first on the runner's one thread
    release.set()  # the first job ends after the second was started: it is dropped
    qtbot.waitUntil(lambda: results == ["fast"], timeout=5000)
    assert first.done
    qtbot.wait(50)
    assert results == ["fast"] and progress == ["fast"]
    assert not runner.busy()


def test_schedule_waits_and_cancel_stops_the_wait(qtbot):
    owner = QObject()
    runner = LatestJob(owner, delay_ms=200)
    results: list = []
    runner.finished.connect(results.append)
    runner.schedule("a", lambda report, cancel, partial: "a")
    assert runner.busy() and runner.job is None  # waiting, not started
    runner.cancel()
    assert not runner.busy()
    qtbot.wait(400)
    assert results == []
    runner.schedule("b", lambda report, cancel, partial: "b")
    qtbot.waitUntil(lambda: results == ["b"], timeout=5000)


def test_a_failure_of_the_latest_job_is_passed_on(qtbot):
    from elm_desktop.errors import MissingChannelsError

    owner = QObject()  # the runner's parent: it lives as long as this
    runner = LatestJob(owner)
    failures: list = []
    runner.failed.connect(failures.append)

    def fails(report, cancel, partial):
        raise MissingChannelsError("no C3")

    runner.start("fails", fails)
    qtbot.waitUntil(lambda: failures == ["no C3"], timeout=5000)
