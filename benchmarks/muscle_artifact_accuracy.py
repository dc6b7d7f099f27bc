"""How well the measured muscle artifact (``clinical.muscle_artifact``) finds the corpora's
true muscle artifact, per generator family.

For each recording of each corpus: the model input (``signals.elm_input``), cut into 5 s crops,
measured as the analysis measures it; against the manifest's ``artifact`` findings of type
``muscle``. Prints, per corpus, sensitivity and specificity of "muscle measured" and the AUROC
of the largest crop index.

    OMP_NUM_THREADS=1 python benchmarks/muscle_artifact_accuracy.py data/demo-train-2500:val \
        data/dipole-spectral-val-100 data/neural-mass-val-100
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from elm_desktop.clinical.muscle_artifact import crop_muscle_power, muscle_artifact
from elm_desktop.signals.montages import ELM_CHANNELS
from elm_desktop.signals.preprocess import crop_windows, elm_input
from elm_desktop.signals.recording import open_recording


def has_muscle(entry: dict) -> bool:
    return any(
        f["name"] == "artifact" and (f.get("detail") or {}).get("type") == "muscle"
        for f in entry["findings"]
    )


def measure(corpus: Path, split: str | None, limit: int) -> dict:
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").open()]
    rows = [r for r in rows if split is None or r["split"] == split][: limit or None]
    truth, present, index = [], [], []
    for entry in rows:
        crops, _ = crop_windows(elm_input(open_recording(corpus / entry["edf"])))
        measured = muscle_artifact(crop_muscle_power(crops, ELM_CHANNELS))
        truth.append(has_muscle(entry))
        present.append(measured.present)
        index.append(max(measured.crop_index))
    truth, present, index = map(np.array, (truth, present, index))
    return {
        "corpus": f"{corpus.name}{':' + split if split else ''}",
        "recordings": len(rows),
        "with_muscle": int(truth.sum()),
        "sensitivity": float(present[truth].mean()) if truth.any() else None,
        "specificity": float((~present[~truth]).mean()) if (~truth).any() else None,
        "auroc_index": float(roc_auc_score(truth, index)) if 0 < truth.sum() < len(truth) else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", help="CORPUS or CORPUS:SPLIT")
    parser.add_argument("--limit", type=int, default=0, help="first N recordings of each")
    args = parser.parse_args()
    for spec in args.corpora:
        path, _, split = spec.partition(":")
        started = time.perf_counter()
        row = measure(Path(path), split or None, args.limit)
        row["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
