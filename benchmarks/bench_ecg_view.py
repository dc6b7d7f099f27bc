"""Benchmark of the ECG view: opening a 10 s 12-lead record and drawing it on ECG paper.

Issue 21 asks that opening a 12-lead 10 s file and showing scores take under 1 s on this CPU;
no ECG model exists yet, so this measures what there is: reading the file (WFDB, EDF+, HL7
aECG), drawing it in the ECG view, and the whole of File > Open in the real window (reading off
the UI thread, the view, the panels) until the page is painted.

Run from the repository root (``QT_QPA_PLATFORM=offscreen`` or under ``xvfb-run``)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ecg_view.py [--repeat 20]

The record is written by the project's ECG synth (seed 0, 500 Hz). Each figure is the median
of ``--repeat`` runs after one unmeasured run; the window figure's first run (cold: imports of
the readers, first paint) is given apart. Figures go to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _median_s(run, repeat: int) -> float:
    run()  # unmeasured: imports and caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from elm_desktop.synth.ecg.corpus import generate_ecg_corpus, read_ecg_manifest

    folder = Path(tempfile.mkdtemp(prefix="bench-ecg-"))
    manifest = generate_ecg_corpus(folder, n=1, seconds=10, seed=0, formats=("wfdb", "edf", "aecg"))
    entry = read_ecg_manifest(manifest)[0]
    files = {fmt: folder / entry[fmt] for fmt in ("wfdb", "edf", "aecg")}

    from elm_desktop.gui.app import application
    from elm_desktop.gui.ecg_view import EcgView
    from elm_desktop.gui.main_window import MainWindow
    from elm_desktop.signals.modality import open_any

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"record: 12 leads x 10 s at 500 Hz ({entry['id']}), median of {args.repeat}")
    for fmt, path in files.items():
        seconds = _median_s(lambda path=path: open_any(path), args.repeat)
        print(f"read + detect modality  {fmt:<5} {seconds * 1000:7.1f} ms")

    app = application()
    view = EcgView()
    view.resize(1100, 760)
    view.show()
    app.processEvents()
    recording = open_any(files["wfdb"])[1]

    def draw() -> None:
        view.set_recording(recording)
        view.plot_widget.viewport().repaint()

    print(f"draw in the ECG view        {_median_s(draw, args.repeat) * 1000:7.1f} ms")

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    app.processEvents()

    def open_in_window() -> None:
        opened = []
        window.recording_opened.connect(opened.append)
        window.open_file(files["wfdb"])
        while not opened:
            app.processEvents()
        window.recording_opened.disconnect()
        window.ecg_view.plot_widget.viewport().repaint()

    started = time.perf_counter()
    open_in_window()
    cold = time.perf_counter() - started
    warm = _median_s(open_in_window, args.repeat)
    print(f"File > Open in the window   {warm * 1000:7.1f} ms (first, cold: {cold * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
