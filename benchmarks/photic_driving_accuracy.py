"""How well the measured photic driving (``clinical.photic_driving``) finds the corpora's true
driving response, per generator family.

For each recording of each corpus with photic stimulation at a rate it gives (its annotations,
its stimulator channel): the model input (``signals.elm_input``), cut into 5 s crops and
measured as the analysis measures it (``recording_driving``: the whole stimulation kept out of
the baseline, rates at a clear posterior rhythm left out; no model here, so no seizure's crops
are left out); against the manifest's ``photic_driving`` finding. Prints,
per corpus, how many recordings were measured, sensitivity and specificity of "driving
present", the AUROC of the ratio, and the ratios' range with and without driving (what
``DRIVING_RATIO`` was set from).

    OMP_NUM_THREADS=1 python benchmarks/photic_driving_accuracy.py DESIGN/dipole-spectral \
        DESIGN/neural-mass DESIGN/filtered-noise
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from elm_desktop.clinical.photic_driving import (
    DRIVING_RATIO,
    PHOTIC_DRIVING,
    photic_trains,
    recording_driving,
)
from elm_desktop.clinical.posterior_rhythm import crop_posterior_spectra, posterior_rhythm
from elm_desktop.clinical.procedures import recorded_procedures
from elm_desktop.signals.montages import ELM_CHANNELS
from elm_desktop.signals.photic import flash_trains
from elm_desktop.signals.preprocess import ELM_SFREQ, crop_windows, elm_input
from elm_desktop.signals.recording import open_recording

WINDOW_S = 5.0


def measure(corpus: Path, split: str | None) -> dict:
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").open()]
    rows = [r for r in rows if split is None or r["split"] == split]
    truth, ratio = [], []
    for entry in rows:
        rec = open_recording(corpus / entry["edf"])
        flashes = flash_trains(rec)
        trains = photic_trains(rec.annotations, flashes)
        if not trains:
            continue
        crops, starts = crop_windows(elm_input(rec), WINDOW_S)
        spectra = crop_posterior_spectra(crops, ELM_CHANNELS)
        driving = recording_driving(
            spectra,
            ELM_SFREQ,
            crops.shape[-1],
            np.asarray(starts),
            WINDOW_S,
            rec.annotations,
            flashes,
            recorded_procedures(rec.annotations, None, WINDOW_S, flashes),
            posterior_rhythm(spectra, ELM_SFREQ, crops.shape[-1]),
        )
        if driving is None:  # only rates below 4 Hz
            continue
        truth.append(any(f["name"] == PHOTIC_DRIVING for f in entry["findings"]))
        ratio.append(driving.ratio)
    truth, ratio = np.array(truth, bool), np.array(ratio)
    present = ratio >= DRIVING_RATIO
    both = 0 < truth.sum() < len(truth)
    return {
        "corpus": f"{corpus.name}{':' + split if split else ''}",
        "recordings": len(rows),
        "measured": len(truth),
        "with_driving": int(truth.sum()),
        "sensitivity": float(present[truth].mean()) if truth.any() else None,
        "specificity": float((~present[~truth]).mean()) if (~truth).any() else None,
        "auroc_ratio": float(roc_auc_score(truth, ratio)) if both else None,
        "ratio_with_driving_min": float(ratio[truth].min()) if truth.any() else None,
        "ratio_without_max": float(ratio[~truth].max()) if (~truth).any() else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", help="CORPUS or CORPUS:SPLIT")
    args = parser.parse_args()
    for spec in args.corpora:
        path, _, split = spec.partition(":")
        started = time.perf_counter()
        row = measure(Path(path), split or None)
        row["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
