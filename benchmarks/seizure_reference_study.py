"""Which reference places a long recording's seizure rise: every calibration recording's, or the
seizure-free ones'?

A study for the length correction of ``clinical.record_score.FindingReference.places``. The
seizure's finding score is the mean of its prompt's place and its event rise's place among the
calibration recordings; a recording with k times their stretches has its rise placed at the
reference place to the power k (the largest of k draws). Three ways are compared, each with its
threshold chosen again on the calibration recordings (maximum F1, as ``model calibrate``):
the rise placed among every calibration recording as if it were as long as they are (before),
to the power k among every calibration recording, and to the power k among the seizure-free
calibration recordings only (the null distribution of the largest of k stretches without a
seizure; shipped). Counted on each test corpus: recordings over the threshold with a seizure
and without one.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/seizure_reference_study.py \
        --calibration data/timed/demo-train-2500:val --calibration data/timed/dipole-train-800:val \
        --calibration data/timed/neural-mass-train-800:val \
        data/filtered-noise-test-150 data/dipole-spectral-test-150 data/neural-mass-test-150 \
        data/wave-atoms-test-150 data/ds/seizure-normal

One line per way on stdout (``benchmarks/results/trial-fixes-2026-12-06.md`` keeps one run).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from elm_desktop.analysis import analyze
from elm_desktop.cli.analyze import load_engine
from elm_desktop.clinical.evaluation import calibrate_thresholds
from elm_desktop.clinical.event_shape import stretches
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.record_score import place

FINDING = "seizure"
WAYS = (
    "every recording, as long as they are",
    "every recording, to the power k",
    "seizure-free, to the power k",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="test folders with manifest.jsonl")
    parser.add_argument(
        "--calibration",
        action="append",
        required=True,
        metavar="FOLDER:SPLIT",
        help="the model's calibration recordings (repeat)",
    )
    args = parser.parse_args()
    engine = load_engine(None, "cpu")
    knowledge_base = load_knowledge_base(model_path=engine.bundle.phenotypes)
    prompts = knowledge_base.record_reference(knowledge_base.prompt_style)
    prompt_reference = prompts.finding_references[FINDING].probabilities

    def rows_of(folder: str, split: str = "") -> list[tuple[bool, float, float, int]]:
        rows = []
        for line in (Path(folder) / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if split and entry["split"] != split:
                continue
            result = analyze(Path(folder) / entry["edf"], engine, knowledge_base=knowledge_base)
            score = next(s for s in result.findings if s.finding_id == FINDING)
            truth = any(f["name"] == FINDING for f in entry["findings"])
            spans = stretches(result.n_crops, result.window_s)
            rows.append((truth, score.prompt_probability, score.event_rise, spans))
        return rows

    calibration = [row for spec in args.calibration for row in rows_of(*spec.split(":"))]
    tests = {folder: rows_of(folder) for folder in args.corpus}
    every = np.sort([rise for _, _, rise, _ in calibration])
    free = np.sort([rise for truth, _, rise, _ in calibration if not truth])
    spans_0 = float(np.median([spans for *_, spans in calibration]))

    def score(row: tuple[bool, float, float, int], way: str) -> float:
        _, prompt, rise, spans = row
        k = max(spans / spans_0, 1.0)
        event = {
            WAYS[0]: place(rise, every),
            WAYS[1]: place(rise, every) ** k,
            WAYS[2]: place(rise, free) ** k,
        }[way]
        return (place(prompt, prompt_reference) + event) / 2

    truths = [row[0] for row in calibration]
    print(f"calibration: {len(calibration)} recordings, {sum(truths)} with a seizure")
    for way in WAYS:
        chosen = [score(row, way) for row in calibration]
        threshold = calibrate_thresholds({FINDING: truths}, {FINDING: chosen})[FINDING]
        counts = []
        for folder, rows in tests.items():
            over = [score(row, way) >= threshold for row in rows]
            true = sum(o and row[0] for o, row in zip(over, rows, strict=True))
            false = sum(o and not row[0] for o, row in zip(over, rows, strict=True))
            counts.append(
                f"{Path(folder).name} {true}/{sum(r[0] for r in rows)} true, {false} false"
            )
        print(f"{way} (threshold {threshold:.3f}): " + "; ".join(counts), flush=True)


if __name__ == "__main__":
    main()
