"""How often do sharp transients recur in one derivation, with and without focal spikes?

A study for a rule not adopted (``benchmarks/results/recurrent-spikes.md``): a draft would
leave a normal impression, and the focal spikes' absence, to the reviewer where sharp
transients recur in one derivation. For each recording of a crop cache: the share of its 5 s
crops that hold a transient 8 times the derivation's typical spread
(``elm_desktop/clinical/sharp_transients.py``, ``crop_transient_ratios``), in the derivation
(not frontopolar: blinks) where that share is largest. Printed for the normal recordings,
those with focal epileptiform discharges, and the other abnormal ones, with how many go over
half their crops.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/recurrent_spikes_study.py \\
        data/timed/demo-train-2500/cache-5s:val data/timed/dipole-train-800/cache-5s:val \\
        data/timed/neural-mass-train-800/cache-5s:val

``CACHE:SPLIT`` takes one split (default: every recording).
"""

from __future__ import annotations

import sys

import numpy as np

from elm_desktop.clinical.sharp_transients import (
    GENERALIZED_RATIO,
    crop_transient_parts,
    crop_transient_ratios,
)
from elm_desktop.signals.montages import ELM_CHANNELS
from elm_desktop.signals.preprocess import ELM_SFREQ
from elm_desktop.training.data import CropCache

#: Over this share of the crops, transients recur (the rule tried).
RECURRENT_SHARE = 0.5
#: Blinks and eye movements are sharp in the frontopolar derivations.
KEPT = [i for i, name in enumerate(ELM_CHANNELS) if not name.startswith("Fp")]


def main(specs: list[str]) -> None:
    for spec in specs:
        path, _, split = spec.partition(":")
        cache = CropCache.open(path)
        indices = cache.split_indices(split) if split else np.arange(len(cache))
        shares: dict[str, list[float]] = {"normal": [], "focal spikes": [], "other abnormal": []}
        for i in indices:
            span = cache.crop_range(int(i))
            parts = crop_transient_parts(cache.crops[span.start : span.stop], ELM_SFREQ)
            sharp = crop_transient_ratios(parts)[:, KEPT] >= GENERALIZED_RATIO
            count = int(sharp.sum(axis=0).max())
            record = cache.recordings[int(i)]
            if any(f["name"] == "focal_epileptiform" for f in record["findings"]):
                group = "focal spikes"
            else:
                group = "other abnormal" if record["abnormal"] else "normal"
            shares[group].append(count / len(parts))
        print(f"{spec}: share of crops with a sharp transient, in the derivation with most")
        for group, values in shares.items():
            if not values:
                continue
            over = sum(v > RECURRENT_SHARE for v in values)
            quantiles = " / ".join(f"{q:.3f}" for q in np.percentile(values, [50, 90, 100]))
            print(
                f"  {group:15s} {len(values):4d}  median / 90th / max {quantiles}"
                f"  over {RECURRENT_SHARE:g}: {over}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
