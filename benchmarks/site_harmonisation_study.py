"""Does standardising the signal features per site help the signal model across families?

A study for issue 17. A site has many unlabelled recordings; neuroimaging harmonises features
per site (location and scale) before a model reads them. Here each generator family plays a
site: the signal model (``elm_desktop/clinical/signal_features.py``) is fitted on the train
splits of all families but one, each family's features first standardised by its own
unlabelled recordings, and scored on the held-out family's test set standardised by 100
unlabelled recordings of that family's training corpus (another seed than its test set),
drawn as they come or at an abnormal share of 0.25, 0.5 or 0.75 (a site's case mix is not the
corpus's). Without standardisation is the baseline.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/site_harmonisation_study.py \
        --family filtered-noise=data/demo-train-2500,data/filtered-noise-test-150 \
        --family dipole-spectral=data/dipole-train-800,data/dipole-spectral-test-150 \
        --family neural-mass=data/neural-mass-train-800,data/neural-mass-test-150 \
        --family wave-atoms=data/wave-atoms-train-800,data/wave-atoms-test-150

Figures (AUROC of normal versus abnormal on each held-out test set) go to stdout;
``benchmarks/results/wave-atoms-transfer.md`` keeps one run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from qeeg_transfer_study import features_of

from elm_desktop.clinical.metrics import auroc
from elm_desktop.clinical.signal_features import fit_signal_model
from elm_desktop.training.data import build_cache

ARCHIVE_MIXES = (None, 0.25, 0.5, 0.75)


def corpus_features(corpus: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, abnormal labels and splits of every recording of ``corpus``."""
    cache = build_cache(corpus, Path(corpus) / "cache-5s", window_s=5, workers=1)
    x = features_of(cache, np.arange(len(cache)))
    y = np.array([r["abnormal"] for r in cache.recordings], int)
    split = np.array([r.get("split", "test") for r in cache.recordings])
    return x, y, split


def location_scale(x: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    if how == "mean and sd":
        loc, scale = x.mean(0), x.std(0)
    else:
        loc = np.median(x, 0)
        scale = np.percentile(x, 75, 0) - np.percentile(x, 25, 0)
    return loc, np.where(scale > 0, scale, 1.0)


def archive(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, n: int, share: float | None
) -> np.ndarray:
    """``n`` unlabelled recordings, as drawn or at an abnormal ``share``."""
    if share is None:
        return x[rng.permutation(len(x))[:n]]
    k = int(round(n * share))
    abnormal, normal = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    return x[np.concatenate([rng.permutation(abnormal)[:k], rng.permutation(normal)[: n - k]])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", action="append", required=True, help="NAME=TRAIN,TEST")
    parser.add_argument("--max-train", type=int, default=600, help="train recordings per family")
    args = parser.parse_args()
    data = {}
    for spec in args.family:
        name, paths = spec.split("=", 1)
        train, test = paths.split(",")
        data[name] = (corpus_features(train), corpus_features(test))
    rng = np.random.default_rng(0)
    print("| standardised by | site's abnormal share | " + " | ".join(data) + " | mean |")
    print("|---" * (len(data) + 3) + "|")
    for how in ("none", "mean and sd", "median and IQR"):
        for share in ARCHIVE_MIXES if how != "none" else (None,):
            cells = []
            for held in data:
                xs, ys = [], []
                for family, ((x, y, split), _) in data.items():
                    if family == held:
                        continue
                    train = np.flatnonzero(split == "train")
                    chosen = rng.permutation(train)[: args.max_train]
                    features = x[chosen]
                    if how != "none":
                        own = archive(rng, x[train], y[train], 200, None)
                        loc, scale = location_scale(own, how)
                        features = (features - loc) / scale
                    xs.append(features)
                    ys.append(y[chosen])
                model = fit_signal_model(np.vstack(xs), np.concatenate(ys))
                (site_x, site_y, _), (test_x, test_y, _) = data[held]
                if how != "none":
                    loc, scale = location_scale(archive(rng, site_x, site_y, 100, share), how)
                    test_x = (test_x - loc) / scale
                cells.append(auroc(test_y, np.array([model.probability(r) for r in test_x])))
            mix = "as drawn" if share is None else f"{share:g}"
            row = " | ".join(f"{c:.3f}" for c in cells)
            print(f"| {how} | {mix if how != 'none' else '-'} | {row} | {np.mean(cells):.3f} |")


if __name__ == "__main__":
    main()
