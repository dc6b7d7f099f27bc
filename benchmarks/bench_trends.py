"""Benchmark of the trends (DSA, aEEG, asymmetry, suppression ratio) in the desktop program.

Targets (issue 19, item 5):

- trends of a 24-hour recording ready within 60 s of opening it in the window, with the user
  data folder (and so the trends cache) empty;
- the UI thread not stalled for more than 100 ms meanwhile: a 5 ms timer records its ticks from
  ``open_file`` until the trends are drawn; the longest gap between ticks, less 5 ms, is the
  longest stall (bench_gui.py's method). The file's fingerprint job runs at the same time, as
  it does whenever a file is opened, and so does the heart-rate strip's job when the file has
  an EKG: measured as the window opens and with the polygraphy hidden, against controls with
  the trends hidden;
- paging >= 60 pages/s with the trends shown: bench_gui.py's method (a 0 ms timer sends 50
  full-page key presses, 1 / median interval), on its 10-minute 21-electrode EDF+ and on the
  24-hour file, each with the trends drawn and, for comparison on the same loaded machine, hidden.

Also measured: the UI thread's CPU time per page with the trends shown and hidden (robust to
the machine's load, which wall-clock pages/s is not), the same file's trends from the cache (a
second open), and the computation alone (:func:`~elm_desktop.signals.trends.compute_trends`,
no window).

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_trends.py [--file DAY.edf] [--out]

Without ``--file`` a 24-hour 21-electrode 256 Hz EDF+ of tiled noise is written to a temporary
folder (bench_gui.py's writer); ``elm-desktop synth --minutes 1440 --n 1 --out /tmp/day`` makes
a synthetic clinical one. Each measurement runs in a fresh process; figures go to stdout and,
with ``--out``, to ``benchmarks/results/trends.txt``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_gui  # its file writer and key driver: the same method

RESULTS = Path(__file__).resolve().parent / "results" / "trends.txt"
STALL_TICK_MS = 5
REPEATS = 3
"""Paging runs per case (each in a fresh process)."""
SETTLE_S = 1.0
"""Seconds after the recording is on screen in which the window finishes opening it."""


def _window(hidden: bool = False, polygraphy: bool = True):
    """The real window, trends shown or hidden (the choice is remembered, so always set), the
    polygraphy (EKG rows, heart-rate strip and its background job) as it opens or hidden."""
    from elm_desktop.gui.app import application
    from elm_desktop.gui.main_window import MainWindow

    app = application()
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    window.set_trends_shown(not hidden)
    if not polygraphy and getattr(window.trace_view, "show_polygraphy", False):
        window.action_toggle_polygraphy()
    app.processEvents()
    return app, window


def _stalls(ticks: np.ndarray, start: float, stop: float) -> tuple[float, float]:
    """Longest and 99th-percentile gap (ms, less the tick) between ticks from start to stop."""
    inside = ticks[(ticks > start) & (ticks < stop)]
    gaps = np.diff([start, *inside, stop]) * 1000 - STALL_TICK_MS
    return float(gaps.max()), float(np.percentile(gaps, 99))


def ready(path: Path, hidden: bool = False, polygraphy: bool = True) -> dict:
    """Open ``path`` and time its trends, recording the UI thread's ticks meanwhile.

    Stalls are split at the moment the recording is on screen (when the trends job starts):
    before it the window opens the file (the same with the trends hidden), after it the
    trends worker runs; the first ``SETTLE_S`` after it, the window also draws the first page
    and reads the annotations (hidden trends too), so the worker's own stretch is also given
    without them. Hidden, the measurement stops 20 s after the recording is on screen.
    """
    from PySide6.QtCore import QTimer

    app, window = _window(hidden, polygraphy)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    done: dict = {}

    def shown(trends) -> None:
        done.update(at=time.perf_counter(), epochs=trends.n_epochs)
        app.quit()

    def opened(_recording) -> None:
        done.update(opened=time.perf_counter())
        if hidden:
            QTimer.singleShot(20000, lambda: shown(_NoTrends()))

    window.recording_opened.connect(opened)
    window.trends.trends_shown.connect(shown)
    window.error_shown.connect(lambda message: (done.update(error=message), app.quit()))
    timer.start(STALL_TICK_MS)
    started = time.perf_counter()
    window.open_file(path)
    app.exec()
    if "error" in done:
        raise SystemExit(done["error"])
    label = window.trends.label.text()
    ticks_array = np.asarray(ticks)
    open_longest, _ = _stalls(ticks_array, started, done["opened"])
    longest, p99 = _stalls(ticks_array, done["opened"], done["at"])
    settled, _ = _stalls(ticks_array, done["opened"] + SETTLE_S, done["at"])
    return {
        "ready_s": done["at"] - started,
        "open_stall_ms": open_longest,
        "longest_stall_ms": longest,
        "p99_stall_ms": p99,
        "settled_stall_ms": settled,
        "ticks": len(ticks),
        "epochs": done["epochs"],
        "cached": "from the cache" in label,
        "duration_h": window.recording.duration / 3600,
    }


class _NoTrends:
    n_epochs = 0


def page(path: Path, hidden: bool) -> dict:
    """bench_gui.py's paging measurement, with the trends drawn (or hidden)."""
    app, window = _window(hidden)
    opened: list = []
    window.recording_opened.connect(opened.append)
    window.open_file(path)
    while not opened or (not hidden and window.trends.trends is None):
        app.processEvents()
        time.sleep(0.002)
    while window.busy():  # the fingerprint job, so both cases page on an idle window
        app.processEvents()
        time.sleep(0.002)
    window.activateWindow()
    while not window.isActiveWindow():
        app.processEvents()
    visible = window.trends.isVisible()  # (Qt 6's quit() closes the window at the end)
    pages = bench_gui.page_by_keys(app, window)
    return {
        "pages_per_s": pages,
        "trends_visible": visible,
        "trends_drawn": window.trends.trends is not None,
    }


def page_cpu(path: Path) -> dict:
    """The UI thread's CPU time per page (``time.thread_time``), trends shown vs hidden.

    Wall-clock pages/s on a machine shared with training jobs mostly measures waiting for a
    core; the CPU time the UI thread spends per page does not. One window, the trends toggled
    between runs of 40 key presses (each followed by the repaint), three runs each, alternated.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    app, window = _window()
    opened: list = []
    window.recording_opened.connect(opened.append)
    window.open_file(path)
    while not opened or window.trends.trends is None or window.busy():
        app.processEvents()
        time.sleep(0.002)
    window.activateWindow()
    while not window.isActiveWindow():
        app.processEvents()
    view = window.trace_view

    def run(presses: int = 40) -> float:
        spent, forward = [], True
        for _ in range(presses):
            if view.start_s >= view.last_start():
                forward = False
            elif view.start_s <= 0:
                forward = True
            before = time.thread_time()
            QTest.keyClick(window, Qt.Key.Key_PageDown if forward else Qt.Key.Key_PageUp)
            app.processEvents()
            spent.append(time.thread_time() - before)
        return float(np.median(spent) * 1000)

    figures: dict[str, list[float]] = {"shown": [], "hidden": []}
    for _ in range(REPEATS):
        for mode in ("shown", "hidden"):
            window.trends.set_shown(mode == "shown")
            app.processEvents()
            figures[mode].append(run())
    return figures


def compute_only(path: Path) -> dict:
    from elm_desktop.signals.recording import open_recording
    from elm_desktop.signals.trends import compute_trends

    started = time.perf_counter()
    trends = compute_trends(open_recording(path))
    return {"compute_s": time.perf_counter() - started, "epochs": trends.n_epochs}


def _child(args: argparse.Namespace) -> None:
    path = Path(args.file)
    figures = {
        "ready": lambda: ready(path),
        "ready_hidden": lambda: ready(path, hidden=True),
        "ready_alone": lambda: ready(path, polygraphy=False),
        "ready_hidden_alone": lambda: ready(path, hidden=True, polygraphy=False),
        "page_shown": lambda: page(path, hidden=False),
        "page_hidden": lambda: page(path, hidden=True),
        "compute": lambda: compute_only(path),
        "page_cpu": lambda: page_cpu(path),
    }[args.child]()
    print("RESULT " + json.dumps(figures))
    sys.stdout.flush()
    os._exit(0)


def _run(kind: str, path: Path, data: Path) -> dict:
    environment = dict(os.environ, ELM_DESKTOP_DATA=str(data))
    command = [sys.executable, __file__, "--child", kind, "--file", str(path)]
    output = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    for line in output.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{kind} failed:\n{output.stdout[-2000:]}\n{output.stderr[-3000:]}")


def _commit() -> str:
    root = Path(__file__).resolve().parents[1]
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=root
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "elm_desktop", "benchmarks/bench_trends.py"],
        capture_output=True,
        text=True,
        cwd=root,
    ).stdout.strip()
    return head + (" (with uncommitted changes in elm_desktop/)" if dirty else "")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help="a 24-hour EDF (default: written, tiled noise)")
    parser.add_argument("--out", type=Path, nargs="?", const=RESULTS, default=None)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    lines = [
        f"# bench_trends.py, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, commit {_commit()}, "
        f"QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '')}",
        f"# command: {' '.join([Path(sys.executable).name, *sys.argv])}",
        f"# machine load at the start: {_load()}",
    ]

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "data"  # settings and the trends cache: empty at the start
        if args.file is None:
            day = bench_gui.write_noise_edf(folder / "day.edf", 24 * 3600, 2000)
        else:
            day = args.file
        short = bench_gui.write_noise_edf(folder / "page.edf", 600, 0)
        size_mb = day.stat().st_size / 1e6
        report(f"24-hour file: {day.name}, {size_mb:.0f} MB")
        cases = (
            ("ready", "data", "as the window opens (trends and polygraphy shown)"),
            ("ready_alone", "data-alone", "polygraphy hidden (no heart-rate job beside them)"),
        )
        for kind, data_name, label in cases:
            first = _run(kind, day, folder / data_name)
            report(
                f"trends of the 24-hour file ({first['epochs']} epochs of 2 s), cache empty, "
                f"{label}: ready {first['ready_s']:.1f} s after File > Open (target <= 60 s); "
                f"UI thread's longest stall from the recording on screen to the trends drawn "
                f"{first['longest_stall_ms']:.0f} ms ({first['settled_stall_ms']:.0f} ms after "
                f"the first {SETTLE_S:g} s), 99th percentile {first['p99_stall_ms']:.0f} ms "
                f"(target < 100 ms); opening itself {first['open_stall_ms']:.0f} ms; {_load()}"
            )
        for kind, label in (
            ("ready_hidden", "trends hidden, polygraphy shown"),
            ("ready_hidden_alone", "trends and polygraphy hidden"),
        ):
            control = _run(kind, day, folder / f"data-{kind}")
            report(
                f"  control, {label}: opening stalls {control['open_stall_ms']:.0f} ms; the next "
                f"20 s at most {control['longest_stall_ms']:.0f} ms "
                f"({control['settled_stall_ms']:.0f} ms after the first {SETTLE_S:g} s); "
                f"{_load()}"
            )
        again = _run("ready", day, folder / "data")
        report(
            f"the same file opened again: trends {'from the cache' if again['cached'] else 'RECOMPUTED'} "
            f"in {again['ready_s']:.2f} s, longest stall from the recording on screen to the "
            f"trends drawn {again['longest_stall_ms']:.0f} ms; {_load()}"
        )
        alone = _run("compute", day, folder / "data-compute")
        report(
            f"computation alone (compute_trends, no window): {alone['compute_s']:.1f} s; {_load()}"
        )
        report(
            "paging (bench_gui.py's method: 50 full-page key presses from a 0 ms timer, "
            "1 / median interval), trends drawn vs hidden, 20 channels x 10 s at 256 Hz:"
        )
        for label, path in (("10-minute file", short), ("24-hour file", day)):
            shown, hidden = [], []
            for _ in range(REPEATS):  # alternated, as the machine's load drifts
                figures = _run("page_shown", path, data)
                if not figures["trends_visible"] or not figures["trends_drawn"]:
                    raise RuntimeError("the trends were not on screen while paging")
                shown.append(figures["pages_per_s"])
                hidden.append(_run("page_hidden", path, data)["pages_per_s"])
            cpu = _run("page_cpu", path, data)
            report(
                f"  {label:<15} UI thread's CPU time per page (median of 40 presses, 3 runs): "
                f"trends shown {', '.join(f'{v:.1f}' for v in cpu['shown'])} ms, hidden "
                f"{', '.join(f'{v:.1f}' for v in cpu['hidden'])} ms"
            )
            report(
                f"  {label:<15} trends shown: median {np.median(shown):5.1f} pages/s "
                f"({', '.join(f'{v:.1f}' for v in shown)})   hidden: median "
                f"{np.median(hidden):5.1f} ({', '.join(f'{v:.1f}' for v in hidden)})   "
                f"(target >= 60); {_load()}"
            )
        report(f"# machine load at the end: {_load()}")


if __name__ == "__main__":
    main()
