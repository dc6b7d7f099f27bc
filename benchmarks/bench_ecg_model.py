"""Benchmark of the ECG model: opening a 10 s 12-lead file and showing its scores.

Issue 21's target: under 1 s on this CPU. Measured with the shipped ECG bundle
(``resources/models/ecg-demo``, ``make bundle``) or ``--model``:

- ``analyze_ecg`` on a loaded engine: read the WFDB record, cut and normalise the 10 s window,
  encode it, score the 19 findings (prompt embeddings cached) and one free-text prompt;
- the same in the real window: File > Open, then Analyse, until the phenotype panel shows the
  scores (``analysis_finished``), the ECG engine already loaded;
- once, cold: loading the bundle into ONNX Runtime and the first analysis (which embeds the
  knowledge base's prompts, then cached on disk).

Run from the repository root (``QT_QPA_PLATFORM=offscreen`` or under ``xvfb-run``)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_ecg_model.py [--repeat 20] [--model DIR]

The record is written by the project's ECG synth (seed 0, 500 Hz). Figures are medians of
``--repeat`` runs after one unmeasured run; they go to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from bench_ecg_view import _median_s  # the same median of repeated runs

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--model", type=Path, default=None, help="ECG bundle folder")
    args = parser.parse_args()

    from elm_desktop.analysis_ecg import analyze_ecg
    from elm_desktop.paths import default_ecg_bundle
    from elm_desktop.runtime import Bundle, Engine
    from elm_desktop.synth.ecg.corpus import generate_ecg_corpus, read_ecg_manifest

    os.environ.setdefault("ELM_DESKTOP_DATA", tempfile.mkdtemp(prefix="bench-ecg-data-"))
    bundle_path = args.model or default_ecg_bundle()
    folder = Path(tempfile.mkdtemp(prefix="bench-ecg-model-"))
    entry = read_ecg_manifest(generate_ecg_corpus(folder, n=1, seconds=10, seed=0))[0]
    path = folder / entry["wfdb"]

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"model: {bundle_path}")
    print(f"record: 12 leads x 10 s at 500 Hz ({entry['id']}), median of {args.repeat}")
    started = time.perf_counter()
    engine = Engine(Bundle.load(bundle_path), device="cpu")
    loaded = time.perf_counter() - started
    analyze_ecg(path, engine, prompts=["irregular rhythm"])
    cold = time.perf_counter() - started
    print(f"cold: load the bundle {loaded * 1000:.0f} ms, + first analysis {cold * 1000:.0f} ms")
    prompt = ["wide QRS complexes"]
    seconds = _median_s(lambda: analyze_ecg(path, engine, prompts=prompt), args.repeat)
    print(f"analyze_ecg (read, encode, 19 findings, 1 prompt)  {seconds * 1000:7.1f} ms")

    from elm_desktop.gui.app import application
    from elm_desktop.gui.main_window import MainWindow

    app = application()
    window = MainWindow()
    ecg = window.models["ecg"]
    ecg.bundle_path, ecg.engine = bundle_path, engine  # the model loaded above, not the default
    ecg.knowledge_base = ecg.analysis.knowledge_base(engine.bundle.phenotypes)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()

    def open_and_score() -> None:
        opened, finished = [], []
        window.recording_opened.connect(opened.append)
        window.analysis_finished.connect(finished.append)
        window.open_file(path)
        while not opened:
            app.processEvents()
        window.analyze()
        while not finished:
            app.processEvents()
        window.recording_opened.disconnect()
        window.analysis_finished.disconnect()
        window.phenotype_panel.table.viewport().repaint()

    seconds = _median_s(open_and_score, args.repeat)
    print(f"window: File > Open + Analyse until the scores show  {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
