"""Benchmark of the desktop program: paging speed, event-loop stalls, first page of a 24-hour file.

Targets (issue 5):

- paging, measured the way mne-qt-browser's own speed test does it (``test_speed.py``: a 0 ms
  timer sends one full-page key press per tick, 50 ticks bouncing at the ends, and the figure is
  1 / median interval between consecutive ticks): 20 channels x 10 s at 256 Hz, at least 60 pages
  per second, also with 10,000 annotations (with the trends area shown and drawn, as the
  window opens; bench_trends.py compares shown and hidden), and the same figure for mne-qt-browser
  (``raw.plot`` with MNE's Qt backend, Shift+Right = one full page) on the same files;
- the UI thread never blocked for more than 100 ms while a one-hour recording opens and is
  analysed (a 5 ms timer records its ticks; the longest gap between ticks, less 5 ms, is the
  longest stall);
- the first page of a 24-hour file on screen in under 1 s.

Run from the repository root (``QT_QPA_PLATFORM=offscreen`` or under ``xvfb-run``)::

    .venv/bin/python benchmarks/bench_gui.py [--model DIR] [--skip-24h] [--skip-analysis]

Each measurement runs in a fresh process; the figures go to stdout and, with ``--out``, to
``benchmarks/results/gui.txt``.
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

# As the program itself does (elm_desktop/gui/__init__.py): tiny matrix products, one BLAS thread.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "gui.txt"
STEPS = 50
SFREQ = 256
STALL_TICK_MS = 5


def write_noise_edf(path: Path, seconds: int, n_annotations: int) -> Path:
    """Write a 21-electrode 256 Hz EDF+ file of tiled noise (fast enough for 24 hours)."""
    from elm_desktop.synth.edf_writer import Annotation, EdfWriter, SignalHeader
    from elm_desktop.synth.electrodes import ELECTRODES

    rng = np.random.default_rng(5)
    block_s = 60
    block = 30.0 * rng.standard_normal((len(ELECTRODES), block_s * SFREQ))
    signals = [SignalHeader(f"EEG {name.upper()}-REF", -1000.0, 1000.0) for name in ELECTRODES]
    onsets = np.sort(rng.uniform(0, seconds - 1, n_annotations))
    notes = [Annotation(float(t), 0.5, f"A{i}") for i, t in enumerate(onsets)]
    with EdfWriter(
        path, signals, SFREQ, seconds, dt.datetime(2024, 1, 1, 8), "X X X X", "X X X X", notes
    ) as writer:
        for start in range(0, seconds, block_s):
            writer.write_block(block[:, : min(block_s, seconds - start) * SFREQ])
    return path


def write_synthetic(folder: Path, minutes: float) -> Path:
    """Write one synthetic clinical recording (synth, fixed seed)."""
    from elm_desktop.synth import generate_corpus, read_manifest

    manifest = generate_corpus(folder, n=1, minutes=minutes, seed=3, sfreq=SFREQ, workers=1)
    return manifest.parent / read_manifest(manifest)[0]["edf"]


# ---- measurements, each run in a child process ------------------------------------------------


def _drive_keys(app, press, at_end, at_start) -> float:
    """Press a full-page key from a 0 ms timer STEPS times; return pages per second."""
    from PySide6.QtCore import QTimer

    intervals: list[float] = []
    state = {"count": STEPS, "forward": True, "last": None}

    def tick() -> None:
        if state["count"] <= 0:
            timer.stop()
            app.quit()
            return
        state["count"] -= 1
        if at_end():
            state["forward"] = False
        elif at_start():
            state["forward"] = True
        press(state["forward"])
        now = time.perf_counter()
        if state["last"] is not None:
            intervals.append(now - state["last"])
        state["last"] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(0)
    app.exec()
    return 1.0 / float(np.median(intervals))


def page_ours(path: Path) -> dict:
    window, app = open_for_paging(path, lambda window: window.trends.trends is not None)
    view = window.trace_view
    pages = page_by_keys(app, window)
    return {"pages_per_s": pages, "channels": len(view.labels), "page_s": view.page_s}


def open_for_paging(path: Path, ready) -> tuple:
    """Open ``path`` in a 1600 x 1000 window and wait until ``ready(window)`` (e.g. the trends
    drawn) and the window is active; return the window and the application."""
    from elm_desktop.gui.app import application
    from elm_desktop.gui.main_window import MainWindow

    app = application()
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    opened = []
    window.recording_opened.connect(opened.append)
    window.open_file(path)
    while not opened or not ready(window):
        app.processEvents()
    window.activateWindow()  # the keys are window shortcuts
    while not window.isActiveWindow():
        app.processEvents()
    return window, app


def page_by_keys(app, window) -> float:
    """Page the window's traces by STEPS full-page key presses; return pages per second."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    view = window.trace_view
    keys = {True: Qt.Key.Key_PageDown, False: Qt.Key.Key_PageUp}
    starts = []
    view.start_changed.connect(starts.append)
    pages = _drive_keys(
        app,
        lambda forward: QTest.keyClick(window, keys[forward]),
        lambda: view.start_s >= view.last_start(),
        lambda: view.start_s <= 0,
    )
    if len(starts) != STEPS:
        raise RuntimeError(f"only {len(starts)} of {STEPS} key presses moved the page")
    return pages


def page_mne(path: Path) -> dict:
    import mne

    from elm_desktop.gui.app import application

    app = application()  # the same application (and platform) as ours
    mne.viz.set_browser_backend("qt")
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    raw.pick(raw.ch_names[:20])
    figure = raw.plot(
        duration=10.0, n_channels=20, highpass=1.0, lowpass=70.0, show=True, block=False
    )
    figure.resize(1600, 1000)
    t_max = raw.times[-1]
    pages = _drive_keys(
        app,
        lambda forward: figure._fake_keypress("shift+right" if forward else "shift+left"),
        lambda: figure.mne.t_start + figure.mne.duration >= t_max,
        lambda: figure.mne.t_start <= 0,
    )
    return {"pages_per_s": pages, "channels": 20, "page_s": 10.0, "mne_qt_browser": _version()}


def _version() -> str:
    import mne_qt_browser

    return mne_qt_browser.__version__


def first_page(path: Path) -> dict:
    """Time from File > Open to the first page drawn, and the longest event-loop stall in it."""
    started = time.perf_counter()
    from PySide6.QtCore import QTimer

    from elm_desktop.gui.app import application
    from elm_desktop.gui.main_window import MainWindow

    app = application()
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    ready = time.perf_counter()
    opened = []
    ticks: list[float] = [ready]
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(STALL_TICK_MS)
    window.recording_opened.connect(opened.append)
    window.open_file(path)
    while not opened:
        app.processEvents()
    window.trace_view.plot_widget.repaint()
    shown = time.perf_counter()
    timer.stop()
    gaps = np.diff([*ticks, shown]) * 1000 - STALL_TICK_MS
    return {
        "first_page_s": shown - ready,
        "startup_s": ready - started,
        "duration_h": window.recording.duration / 3600,
        "longest_stall_ms": float(gaps.max()),
    }


def stall(path: Path, model: str | None, archive: str | None) -> dict:
    from PySide6.QtCore import QTimer

    from elm_desktop.gui.app import application
    from elm_desktop.gui.main_window import MainWindow

    app = application()
    window = MainWindow(bundle_path=model, archive_path=archive)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(STALL_TICK_MS)
    done: dict = {}
    window.recording_opened.connect(lambda _rec: window.analyze())
    window.analysis_finished.connect(lambda result: (done.update(result=result), app.quit()))
    window.error_shown.connect(lambda message: (done.update(error=message), app.quit()))
    started = time.perf_counter()
    window.open_file(path)
    app.exec()
    elapsed = time.perf_counter() - started
    if "error" in done:
        raise SystemExit(done["error"])
    gaps = np.diff(ticks) * 1000 - STALL_TICK_MS
    return {
        "longest_stall_ms": float(gaps.max()),
        "p99_stall_ms": float(np.percentile(gaps, 99)),
        "open_and_analysis_s": elapsed,
        "model": window.model_description(),
        "similar_cases": len(done["result"].similar_cases),
    }


MEASUREMENTS = {"page_ours": page_ours, "page_mne": page_mne, "first_page": first_page}


def _child(args: argparse.Namespace) -> None:
    path = Path(args.file)
    if args.child == "stall":
        figures = stall(path, args.model, args.archive)
    else:
        figures = MEASUREMENTS[args.child](path)
    print("RESULT " + json.dumps(figures))
    sys.stdout.flush()
    os._exit(0)  # skip Qt teardown: the figures are out


def _run(kind: str, path: Path, *extra: str) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--file", str(path), *extra]
    output = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in output.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{kind} failed:\n{output.stdout[-2000:]}\n{output.stderr[-3000:]}")


def _build_archive(folder: Path, model: str | None) -> Path:
    """Archive a few short synthetic recordings with their reports (for the similar cases)."""
    from elm_desktop.analysis import analyze
    from elm_desktop.archive import open_archive
    from elm_desktop.cli.analyze import archive_case, load_engine
    from elm_desktop.synth import generate_corpus, read_manifest

    manifest = generate_corpus(folder / "prior", n=8, minutes=2, seed=12, workers=1)
    engine = load_engine(Path(model) if model else None, "auto")
    path = folder / "archive.sqlite"
    with open_archive(path) as archive:
        for entry in read_manifest(manifest):
            result = analyze(manifest.parent / entry["edf"], engine)
            archive_case(archive, result, entry["report"], engine, entry)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    parser.add_argument("--model", default=None, help="model bundle (default: the demo bundle)")
    parser.add_argument("--skip-24h", action="store_true", help="skip the 24-hour file")
    parser.add_argument("--skip-analysis", action="store_true", help="skip the stall benchmark")
    parser.add_argument("--out", type=Path, nargs="?", const=RESULTS, default=None)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    lines = [
        f"# bench_gui.py, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}, DISPLAY={os.environ.get('DISPLAY', '')}",
    ]

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)
        if args.out is not None:  # written as it goes: a late failure keeps the figures so far
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # The windows keep settings and recent files in a data folder of their own, not the user's.
        os.environ["ELM_DESKTOP_DATA"] = str(folder / "data")
        plain = write_noise_edf(folder / "page.edf", 600, 0)
        busy = write_noise_edf(folder / "page-annotated.edf", 600, 10_000)
        report(
            "paging: 20 channels x 10 s pages at 256 Hz, 10-minute 21-electrode EDF+, 50 full-page "
            "key presses from a 0 ms timer, 1 / median interval (mne-qt-browser's test_speed.py)"
        )
        for label, path in (("no annotations", plain), ("10,000 annotations", busy)):
            ours = _run("page_ours", path)
            theirs = _run("page_mne", path)
            report(
                f"  {label:<19} ELM Desktop {ours['pages_per_s']:7.1f} pages/s   "
                f"mne-qt-browser {theirs['mne_qt_browser']} {theirs['pages_per_s']:7.1f} pages/s   "
                f"(target >= 60)"
            )
        if not args.skip_24h:
            day = write_noise_edf(folder / "day.edf", 24 * 3600, 2000)
            hour = write_noise_edf(folder / "hour.edf", 3600, 100)
            for label, path in (("1-hour", hour), ("24-hour", day)):
                figures = _run("first_page", path)
                report(
                    f"first page of a {label} file: {figures['first_page_s'] * 1000:6.0f} ms from "
                    f"open to drawn, longest UI stall in it {figures['longest_stall_ms']:.0f} ms "
                    f"(window start-up before it {figures['startup_s']:.2f} s)"
                    + ("   (target < 1 s)" if label == "24-hour" else "")
                )
        if not args.skip_analysis:
            recording = write_synthetic(folder / "hour", 60)
            archive = _build_archive(folder, args.model)
            extra = ["--archive", str(archive)] + (["--model", args.model] if args.model else [])
            figures = _run("stall", recording, *extra)
            report(
                f"UI thread during open + analysis of a one-hour recording: longest stall "
                f"{figures['longest_stall_ms']:.0f} ms, 99th percentile {figures['p99_stall_ms']:.0f} ms "
                f"(target < 100 ms); open + analysis {figures['open_and_analysis_s']:.1f} s; "
                f"{figures['model']}; {figures['similar_cases']} similar cases"
            )


if __name__ == "__main__":
    main()
