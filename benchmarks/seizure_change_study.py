"""Does the signal change where the model's seizure curve is strongest? True against false calls.

A study for the signal change of ``clinical.event_shape.event_change``. For every recording of
each corpus, analysed as the program analyses it (``analysis.analyze`` with a bundle, the demo
bundle by default), the seizures called present (by the seizure's score or by its prompt alone)
and not held for want of a distinct rise in the curve: how many with a seizure and without,
the quartiles of the change (bels of band power, over the curve's strongest 10 s against each
derivation's median crop) of each, and how many of each the model's least change
(``min_change``, chosen at calibration) holds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/seizure_change_study.py \
        data/filtered-noise-test-150 data/dipole-spectral-test-150 \
        data/neural-mass-test-150 data/wave-atoms-test-150 [--model BUNDLE]

One line per corpus on stdout (``benchmarks/results/seizure-signal-change.md`` keeps one run).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from elm_desktop.analysis import analyze
from elm_desktop.cli.analyze import load_engine
from elm_desktop.clinical.knowledge import load_knowledge_base

FINDING = "seizure"


def quartiles(values: list[float]) -> str:
    if not values:
        return "-"
    return "/".join(f"{q:.2f}" for q in np.percentile(values, [0, 25, 50, 75, 100]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="folders with manifest.jsonl")
    parser.add_argument("--model", type=Path, default=None, help="bundle (default: the demo)")
    args = parser.parse_args()
    engine = load_engine(args.model, "cpu")
    knowledge_base = load_knowledge_base(model_path=engine.bundle.phenotypes)
    for corpus in args.corpus:
        changes: dict[bool, list[float]] = {True: [], False: []}
        held = {True: 0, False: 0}
        limit = None
        for line in (Path(corpus) / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            result = analyze(Path(corpus) / entry["edf"], engine, knowledge_base=knowledge_base)
            score = next(s for s in result.findings if s.finding_id == FINDING)
            limit = score.event_change_limit
            called = score.present or score.prompt_present
            if not called or score.event_rise < score.event_rise_limit:
                continue
            truth = any(f["name"] == FINDING for f in entry["findings"])
            changes[truth].append(score.event_change)
            held[truth] += score.event_change < score.event_change_limit
        print(
            f"{corpus}: called with a seizure {len(changes[True])} (change min/25/50/75/max "
            f"{quartiles(changes[True])}), without {len(changes[False])} "
            f"({quartiles(changes[False])}); held by the least change {limit:g}: "
            f"{held[True]} with, {held[False]} without",
            flush=True,
        )


if __name__ == "__main__":
    main()
