"""Does a measured-signal abnormality score transfer across generator families?

A study for issue 17: the small logistic model on quantitative EEG features that a reviewer
knows (``elm_desktop/clinical/signal_features.py``), computed from the model's own input crops.
No feature depends on the recording's absolute amplitude, which differs between sites and
generators. Leave one family out: fitted on the train splits of two training corpora, scored on
the third family's test set, against the model's own leave-one-out figures
(``benchmarks/results/transfer-pilots.md``).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/qeeg_transfer_study.py \
        --train data/timed/demo-train-2500+dipole-train-800+neural-mass-train-800-cache-5s \
        --test filtered-noise=data/demo-test-500/cache-5s \
        --test dipole-spectral=data/dipole-spectral-test-150/cache-5s \
        --test neural-mass=data/neural-mass-test-150/cache-5s
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from elm_desktop.clinical.metrics import auroc as roc_auc_score
from elm_desktop.clinical.signal_features import FEATURE_NAMES, crops_features, fit_signal_model
from elm_desktop.signals.preprocess import ELM_SFREQ
from elm_desktop.synth.families import DEFAULT_FAMILY
from elm_desktop.training.data import CropCache


def family_of(record: dict) -> str:
    """The generator family of a manifest entry, as the evaluation matrix reads it."""
    return record.get("family", DEFAULT_FAMILY)


def features_of(cache: CropCache, indices: np.ndarray) -> np.ndarray:
    rows = []
    for i in indices:
        span = cache.crop_range(int(i))
        crops = cache.crops[span.start : span.stop]
        rows.append(crops_features(crops, ELM_SFREQ, cache.window_s))
    return np.array(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, help="joined crop cache of the training corpora")
    parser.add_argument("--test", action="append", default=[], help="FAMILY=CACHE")
    parser.add_argument(
        "--on-val", action="store_true", help="score each family's val split of --train instead"
    )
    parser.add_argument("--max-train", type=int, default=600, help="train recordings per family")
    args = parser.parse_args()

    train = CropCache.open(args.train)
    by_family: dict[str, list[int]] = {}
    for i in train.split_indices("train"):
        by_family.setdefault(family_of(train.recordings[i]), []).append(int(i))
    rng = np.random.default_rng(0)
    train_x, train_y = {}, {}
    for family, indices in sorted(by_family.items()):
        chosen = np.sort(rng.permutation(indices)[: args.max_train])
        train_x[family] = features_of(train, chosen)
        train_y[family] = np.array([train.recordings[i]["abnormal"] for i in chosen], int)
        print(f"{family}: {len(chosen)} train recordings, {train_y[family].mean():.2f} abnormal")

    tests = {}
    for family in sorted(by_family) if args.on_val else ():
        indices = [
            i for i in train.split_indices("val") if family_of(train.recordings[i]) == family
        ]
        tests[family] = (
            features_of(train, np.array(indices)),
            np.array([train.recordings[i]["abnormal"] for i in indices], int),
        )
    for spec in args.test:
        family, path = spec.split("=", 1)
        cache = CropCache.open(Path(path))
        indices = np.arange(len(cache))
        tests[family] = (
            features_of(cache, indices),
            np.array([r["abnormal"] for r in cache.recordings], int),
        )

    print("\n| fitted on | " + " | ".join(tests) + " |")
    print("|---|" + "---|" * len(tests))
    fits = [tuple(sorted(train_x))] + [
        tuple(f for f in sorted(train_x) if f != held) for held in sorted(train_x)
    ]
    for families in fits:
        model = fit_signal_model(
            np.concatenate([train_x[f] for f in families]),
            np.concatenate([train_y[f] for f in families]),
        )
        cells = []
        for family, (x, y) in tests.items():
            auroc = roc_auc_score(y, np.array([model.probability(row) for row in x]))
            cells.append(f"{auroc:.3f}" + ("" if family in families else " (held out)"))
        print(f"| {' + '.join(families)} | " + " | ".join(cells) + " |")

    print("\nPer feature, AUROC of the feature alone (sign as the three-family fit):")
    x_all = np.concatenate(list(train_x.values()))
    y_all = np.concatenate(list(train_y.values()))
    for k, name in enumerate(FEATURE_NAMES):
        sign = 1 if roc_auc_score(y_all, x_all[:, k]) >= 0.5 else -1
        cells = [f"{roc_auc_score(y, sign * x[:, k]):.3f}" for x, y in tests.values()]
        print(f"  {name:28s} {'+' if sign > 0 else '-'} " + " ".join(cells))


if __name__ == "__main__":
    main()
