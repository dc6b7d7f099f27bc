"""Which out-of-distribution score tells an unseen generator family from the training ones?

For each leave-one-out model (trained on two synthetic families, the third never seen) this
fits candidate familiarity scores on the model's training recordings, sets each threshold at
the 99th percentile of the training families' validation recordings, and reports how often
each flags the training families' own test recordings (target under 5 %) and the unseen
family's (as many as possible), with the AUROC between the two.

Candidates (all computed as the workstation would, from the model input and the encoder):

* ``embedding-mahalanobis``: the score shipped before, median over crops of the whitened
  distance of the crop embeddings from their training mean.
* ``embedding-knn``: median over crops of the cosine distance to the 10th nearest training crop.
* ``signal-mahalanobis``: whitened distance of a recording's signal profile
  (:func:`~elm_desktop.clinical.familiarity.recording_profile`: spectral shape, spatial power
  pattern, amplitude shape, neighbour coupling) from the training recordings'.
* ``combined``: the sum of the last two as z of their logarithms on the validation recordings,
  as :func:`~elm_desktop.clinical.familiarity.fit_reference` now does.

    OMP_NUM_THREADS=1 python benchmarks/familiarity_study.py \
        --model runs/bundle-pilot-joint-none --train data/demo-train-2500 data/dipole-train-800 \
        --seen data/filtered-noise-test-150 data/dipole-spectral-test-150 \
        --unseen data/neural-mass-test-150

Encodings are cached in ``--cache`` (default runs/familiarity-study) so that a rerun only
scores. Results: benchmarks/results/familiarity-study.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from elm_desktop.cli.analyze import load_engine
from elm_desktop.clinical.familiarity import (
    crop_profile,
    knn_distance,
    recording_profile,
    shrunk_whitening,
)
from elm_desktop.clinical.metrics import auroc
from elm_desktop.signals import crop_windows, elm_input, open_recording
from elm_desktop.synth import read_manifest

QUANTILES = (0.95, 0.97, 0.99)


def encode(corpus: Path, split: str | None, engine, limit: int, cache: Path) -> dict:
    """Crop embeddings and signal profiles of up to ``limit`` recordings (cached)."""
    tag = f"{engine.bundle.name}-{corpus.name}-{split or 'all'}-{limit}"
    path = cache / f"{tag}.npz"
    if path.is_file():
        with np.load(path) as data:
            return dict(data)
    entries = [e for e in read_manifest(corpus / "manifest.jsonl") if split in (None, e["split"])]
    embeddings, profiles, counts = [], [], []
    for i, entry in enumerate(entries[:limit]):
        crops, _ = crop_windows(elm_input(open_recording(corpus / entry["edf"])), window_s=5)
        embeddings.append(engine.encode(crops).embeddings)
        profiles.append(recording_profile(crop_profile(crops)))
        counts.append(len(crops))
        print(f"\r{tag}: {i + 1}", end="", file=sys.stderr)
    print(file=sys.stderr)
    data = {
        "embeddings": np.concatenate(embeddings).astype(np.float32),
        "profiles": np.stack(profiles),
        "counts": np.array(counts),
    }
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, **data)
    return data


def recordings(data: dict) -> list[np.ndarray]:
    """Split a corpus's stacked crop embeddings back into recordings."""
    return np.split(data["embeddings"], np.cumsum(data["counts"])[:-1])


def whitened_reference(samples: np.ndarray):
    """Squared whitened distance per dimension from ``samples`` [n, dim], as a function."""
    mean, whitening = shrunk_whitening(samples)

    def distance(points: np.ndarray) -> np.ndarray:
        white = (np.atleast_2d(points) - mean) @ whitening.T
        return np.mean(white**2, axis=1)

    return distance


def median_crop_distance(reference, crops: np.ndarray) -> float:
    """The score shipped before: median over crops of the whitened distance."""
    return float(np.median(reference(crops)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--train", type=Path, nargs="+", required=True)
    parser.add_argument("--seen", type=Path, nargs="+", required=True)
    parser.add_argument("--unseen", type=Path, nargs="+", required=True)
    parser.add_argument("--per-corpus", type=int, default=300)
    parser.add_argument("--cache", type=Path, default=Path("runs/familiarity-study"))
    args = parser.parse_args()
    engine = load_engine(args.model, "cpu")

    def load(corpus: Path, split: str | None, limit: int) -> dict:
        return encode(corpus, split, engine, limit, args.cache)

    train = [load(c, "train", args.per_corpus) for c in args.train]
    val = [load(c, "val", args.per_corpus) for c in args.train]
    test = {c.name: load(c, None, args.per_corpus) for c in [*args.seen, *args.unseen]}
    train_crops = np.concatenate([t["embeddings"] for t in train])
    train_profiles = np.concatenate([t["profiles"] for t in train])

    embedding_ref = whitened_reference(train_crops)
    profile_ref = whitened_reference(train_profiles)
    bank = train_crops / np.linalg.norm(train_crops, axis=1, keepdims=True)

    def scores(data: dict) -> dict[str, np.ndarray]:
        crops = recordings(data)
        return {
            "embedding-mahalanobis": np.array(
                [median_crop_distance(embedding_ref, z) for z in crops]
            ),
            "embedding-knn": np.array([knn_distance(bank, z) for z in crops]),
            "signal-mahalanobis": profile_ref(data["profiles"]),
        }

    val_scores = [scores(v) for v in val]
    pooled = {name: np.log(np.concatenate([s[name] for s in val_scores])) for name in val_scores[0]}
    parts = ("embedding-knn", "signal-mahalanobis")
    scale = {name: (pooled[name].mean(), pooled[name].std()) for name in parts}

    def combine(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        z = [(np.log(s[p]) - scale[p][0]) / scale[p][1] for p in parts]
        return s | {"combined": z[0] + z[1]}

    val_scores = [combine(s) for s in val_scores]
    seen_names = [c.name for c in args.seen]
    all_scores = {name: combine(scores(data)) for name, data in test.items()}
    print(f"model {engine.bundle.name}; trained on {', '.join(c.name for c in args.train)}")
    for quantile in QUANTILES:
        thresholds = {
            name: float(np.quantile(np.concatenate([s[name] for s in val_scores]), quantile))
            for name in val_scores[0]
        }
        print(
            f"\nthresholds at the {quantile:.0%} quantile of the training families' val recordings\n"
        )
        table(thresholds, all_scores, seen_names, [c.name for c in args.unseen])
    return 0


def table(thresholds, all_scores, seen_names, unseen_names) -> None:
    """Print flag rates per corpus and the AUROC of each score, unseen against seen."""
    print("| score | " + " | ".join(f"flags {n}" for n in all_scores) + " | AUROC unseen vs seen |")
    print("|---|" + "---|" * (len(all_scores) + 1))
    for name in thresholds:
        flags = {corpus: s[name] > thresholds[name] for corpus, s in all_scores.items()}
        values = {corpus: s[name] for corpus, s in all_scores.items()}
        seen = np.concatenate([values[c] for c in seen_names])
        unseen = np.concatenate([values[c] for c in unseen_names])
        labels = np.r_[np.zeros(len(seen), bool), np.ones(len(unseen), bool)]
        cells = " | ".join(f"{flags[c].mean():.1%}" for c in all_scores)
        print(f"| {name} | {cells} | {auroc(labels, np.r_[seen, unseen]):.3f} |")


if __name__ == "__main__":
    raise SystemExit(main())
