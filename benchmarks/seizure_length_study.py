"""Does a recording's length make a seizure more likely? Its event rise, whole and first minute.

A study for the length correction of ``clinical.record_score.FindingReference.places``. For
every recording of each corpus, analysed as the program analyses it (``analysis.analyze`` with
the demo bundle), the seizure's event rise over the whole recording and over its first minute
alone (the length of the demo model's calibration recordings), for the recordings without a
seizure; and how many recordings with and without a seizure the seizure's finding score puts
over its threshold as the program places it (``benchmarks/seizure_reference_study.py`` compares
the ways of placing it).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/seizure_length_study.py \
        data/filtered-noise-test-150 data/dipole-spectral-test-150 \
        data/neural-mass-test-150 data/wave-atoms-test-150

One line per corpus on stdout (``benchmarks/results/trial-fixes-2026-12-06.md`` keeps one run).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from elm_desktop.analysis import analyze
from elm_desktop.cli.analyze import load_engine
from elm_desktop.clinical.event_shape import event_rise
from elm_desktop.clinical.knowledge import load_knowledge_base

FINDING = "seizure"
#: The demo model's calibration recordings last one minute.
CALIBRATION_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="folders with manifest.jsonl")
    args = parser.parse_args()
    engine = load_engine(None, "cpu")
    knowledge_base = load_knowledge_base(model_path=engine.bundle.phenotypes)
    for corpus in args.corpus:
        free_whole, free_minute, rows = [], [], []
        for line in (Path(corpus) / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            result = analyze(Path(corpus) / entry["edf"], engine, knowledge_base=knowledge_base)
            score = next(s for s in result.findings if s.finding_id == FINDING)
            truth = any(f["name"] == FINDING for f in entry["findings"])
            if not truth:
                minute = score.crop_probability[: int(CALIBRATION_S / result.window_s)]
                free_whole.append(score.event_rise)
                free_minute.append(event_rise(minute, result.window_s))
            rows.append((truth, score.present))
        truth, present = np.array(rows, bool).T
        print(
            f"{corpus}: seizure-free event rise median / 95th percentile, whole recording "
            f"{np.median(free_whole):.3f} / {np.percentile(free_whole, 95):.3f}, first minute "
            f"{np.median(free_minute):.3f} / {np.percentile(free_minute, 95):.3f}; over the "
            f"threshold, with a seizure / without: {(present & truth).sum()} / "
            f"{(present & ~truth).sum()} (of {truth.sum()} / {(~truth).sum()})",
            flush=True,
        )


if __name__ == "__main__":
    main()
