"""Does a corpus's excess beta show where a reader looks? Relative beta by label.

The relative beta power of each recording (``elm_desktop/clinical/signal_features.py``: the
13-30 Hz share of the 0.5-30 Hz power of the model input's bipolar derivations, medians over
crops and derivations) for the normal recordings, those whose only abnormal finding is excess
beta, and those with excess beta and another abnormal finding. A label the signal does not
bear out cannot be read, by a model or a reviewer.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/relative_beta_by_label.py data/dipole-spectral-test-150

Builds the corpus's 5 s crop cache if it is missing (one process).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from elm_desktop.clinical import load_knowledge_base
from elm_desktop.clinical.signal_features import FEATURE_NAMES, crops_features
from elm_desktop.signals.preprocess import ELM_SFREQ
from elm_desktop.training.data import build_cache


def main(corpus: Path) -> None:
    cache = build_cache(corpus, corpus / "cache-5s", 5)
    knowledge_base = load_knowledge_base()
    abnormal = {f for f in knowledge_base if knowledge_base[f].abnormal and f != "normal"}
    beta = FEATURE_NAMES.index("relative beta")
    groups: dict[str, list[float]] = {
        "normal": [],
        "excess beta only": [],
        "excess beta and more": [],
    }
    for i, record in enumerate(cache.recordings):
        span = cache.crop_range(i)
        value = crops_features(cache.crops[span.start : span.stop], ELM_SFREQ, cache.window_s)[beta]
        names = {f["name"] for f in record["findings"]} & abnormal
        if not record["abnormal"]:
            groups["normal"].append(value)
        elif names == {"excess_beta"}:
            groups["excess beta only"].append(value)
        elif "excess_beta" in names:
            groups["excess beta and more"].append(value)
    print(f"{corpus}: relative beta, min / quartiles / max")
    for name, values in groups.items():
        if values:
            figures = " / ".join(f"{v:.3f}" for v in np.percentile(values, [0, 25, 50, 75, 100]))
            print(f"  {name:22s} {len(values):4d}  {figures}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
