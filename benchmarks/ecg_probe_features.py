"""Which features MERL's linear probe reads: the frozen embedding against the backbone's pooled features.

MERL's own linear probe (its ``finetune/main_single.py`` with a ``linear`` run name) freezes the
ResNet and trains the final linear layer on the backbone's average-pooled features, where
``elm-desktop evaluate``'s probe reads the model's attention-pooled joint embedding. This fits
``evaluate``'s probe at 10 % of the labels (the subset ``evaluate --seed s`` draws, ``C`` chosen
on the val split) on each for the first ``--subsets`` label subsets, and on both side by side,
and prints the macro AUROC over the classes with at least 10 test positives::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_probe_features.py [--subsets 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from ecg_probe_seeds import _probe_macro

from elm_desktop.training.ecg.data import build_ecg_cache
from elm_desktop.training.ecg.evaluate import _subset, embed_ecgs
from elm_desktop.training.ecg.model import MerlModel


@torch.no_grad()
def pooled_features(model: MerlModel, cache, ids: np.ndarray, batch: int = 64) -> np.ndarray:
    """The backbone's features averaged over time, as MERL's linear probe reads them."""
    model.eval()
    out = []
    for start in range(0, len(ids), batch):
        x = torch.from_numpy(np.asarray(cache.inputs[ids[start : start + batch]], np.float32))
        out.append(model.features(x).mean(dim=2).numpy())
    return np.concatenate(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("resources/checkpoints/ecg-merl"))
    parser.add_argument("--corpus", type=Path, default=Path("data/ecg-train-3000"))
    parser.add_argument("--subsets", type=int, default=5)
    args = parser.parse_args()
    model = MerlModel.load(args.model)
    cache = build_ecg_cache(args.corpus, None, model.config.normalisation)
    ids = {split: cache.split_indices(split) for split in ("train", "val", "test")}
    embedded = {split: embed_ecgs(model, cache, ids[split], "cpu") for split in ids}
    pooled = {split: pooled_features(model, cache, ids[split]) for split in ids}
    both = {split: np.hstack([embedded[split], pooled[split]]) for split in ids}
    y = {split: cache.labels[ids[split]] for split in ids}
    for name, x in (("backbone, average-pooled (MERL)", pooled), ("joint embedding", embedded),
                    ("both", both)):  # fmt: skip
        macros = []
        for seed in range(args.subsets):
            rng = np.random.default_rng(seed)
            _subset(len(ids["train"]), 0.01, rng)  # evaluate draws the 1 % subset first
            chosen = _subset(len(ids["train"]), 0.1, rng)
            result = _probe_macro(
                x["train"][chosen], y["train"][chosen], x["val"], y["val"], x["test"], y["test"],
                "val",
            )  # fmt: skip
            macros.append(result["macro_auroc"])
        print(
            f"{name} ({x['train'].shape[1]} features): probe at 10 % macro AUROC "
            f"{np.mean(macros):.4f} +- {np.std(macros, ddof=1):.4f} over {len(macros)} subsets "
            f"({', '.join(f'{m:.4f}' for m in macros)})"
        )


if __name__ == "__main__":
    main()
