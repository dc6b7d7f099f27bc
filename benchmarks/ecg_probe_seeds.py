"""Probe at 10 % of the labels against the supervised ResNet18-1D at 100 %, over several seeds.

Issue 21's must-hold "probe at 10 % of labels >= a supervised ResNet18-1D at 100 %" was first
measured once (one label subset, one supervised seed: 0.956 against 0.957). This script measures
its spread on the same corpus, checkpoint and test split as ``elm-desktop evaluate``:

- the **probe at 10 %**: for each seed s, the 10 % subset ``evaluate --seed s`` draws (the 1 %
  subset is drawn first from the same generator, so seed 0 is the shipped figure), fitted two
  ways:

  * ``val``: ``evaluate``'s probe (``C`` in 0.01 / 0.1 / 1 chosen by AUROC on the whole val
    split, class-balanced logistic regression);
  * ``cv``: ``C`` in 10^-3 ... 10^1 (nine values) chosen by stratified cross-validation on the
    10 % subset's own labels only (no val labels, no test labels), class-balanced;

- the **supervised baseline**: ``evaluate``'s ``supervised_baseline`` (the same ResNet18-1D, same
  width, linear head, 100 % of the training labels, 10 epochs), one training per seed.

Macro AUROC over the classes with at least 10 test positives, as ``evaluate`` reports it. The
test split is only scored, never used for a choice. Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_probe_seeds.py \
        [--model resources/checkpoints/ecg-merl] [--corpus data/ecg-train-3000] \
        [--probe-seeds 20] [--supervised-seeds 5] [--first-supervised-seed 0] [--epochs 10] \
        [--out runs/ecg-probe-seeds.json]

Each supervised training took 4.5 to 13 min on the shared 2-core CPU (57 min for the whole
run, ``benchmarks/results/ecg-probe-seeds.txt``); the results file is rewritten after each
one, so a stopped run keeps what it finished.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from elm_desktop.training.ecg.data import ECG_CLASSES, build_ecg_cache
from elm_desktop.training.ecg.evaluate import (
    MIN_POSITIVES,
    _auroc,
    _macro,
    _subset,
    embed_ecgs,
    fit_probe,
    supervised_baseline,
)
from elm_desktop.training.ecg.model import MerlModel
from elm_desktop.training.trainer import choose_device


def _probe_macro(train_x, train_y, val_x, val_y, test_x, test_y, selection: str) -> dict:
    per_class = {}
    for column, name in enumerate(ECG_CLASSES):
        entry = {"positives": int(test_y[:, column].sum()), "auroc": None}
        probe = fit_probe(train_x, train_y[:, column], val_x, val_y[:, column], selection)
        if probe is not None:
            entry["auroc"] = _auroc(test_y[:, column], probe.predict_proba(test_x)[:, 1])
        per_class[name] = entry
    return {"macro_auroc": _macro(per_class), "classes": per_class}


def _summary(values: list[float]) -> dict:
    a = np.asarray(values, float)
    return {
        "n": int(a.size),
        "mean": float(a.mean()),
        "sd": float(a.std(ddof=1)) if a.size > 1 else None,
        "min": float(a.min()),
        "max": float(a.max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("resources/checkpoints/ecg-merl"))
    parser.add_argument("--corpus", type=Path, default=Path("data/ecg-train-3000"))
    parser.add_argument("--probe-seeds", type=int, default=20)
    parser.add_argument("--supervised-seeds", type=int, default=5)
    parser.add_argument("--first-supervised-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("runs/ecg-probe-seeds.json"))
    args = parser.parse_args()

    device = choose_device("auto")
    model = MerlModel.load(args.model).to(device)
    cache = build_ecg_cache(args.corpus, None, model.config.normalisation)
    ids = {split: cache.split_indices(split) for split in ("train", "val", "test")}
    started = time.perf_counter()
    x = {split: embed_ecgs(model, cache, ids[split], device) for split in ids}
    y = {split: cache.labels[ids[split]] for split in ids}
    result: dict = {
        "model": str(args.model),
        "corpus": args.corpus.name,
        "records": {k: int(len(v)) for k, v in ids.items()},
        "min_positives": MIN_POSITIVES,
        "embedding_seconds": round(time.perf_counter() - started, 1),
        "probe_10": {"val": [], "cv": []},
        "supervised_100": [],
    }

    def write() -> None:
        for key in ("val", "cv"):
            macros = [r["macro_auroc"] for r in result["probe_10"][key]]
            if macros:
                result[f"probe_10_{key}_summary"] = _summary(macros)
        macros = [r["macro_auroc"] for r in result["supervised_100"]]
        if macros:
            result["supervised_100_summary"] = _summary(macros)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    for seed in range(args.probe_seeds):
        rng = np.random.default_rng(seed)
        _subset(len(ids["train"]), 0.01, rng)  # evaluate draws the 1 % subset first
        chosen = _subset(len(ids["train"]), 0.1, rng)
        for selection in ("val", "cv"):
            entry = _probe_macro(
                x["train"][chosen],
                y["train"][chosen],
                x["val"],
                y["val"],
                x["test"],
                y["test"],
                selection,
            )
            entry["seed"] = seed
            entry["records"] = int(len(chosen))
            result["probe_10"][selection].append(entry)
            print(f"probe 10 % seed {seed} ({selection}): {entry['macro_auroc']:.4f}", flush=True)
        write()
    first = args.first_supervised_seed
    for seed in range(first, first + args.supervised_seeds):
        entry = supervised_baseline(
            cache, ids["train"], ids["test"], model.config.width, args.epochs, seed, device
        )
        entry["seed"] = seed
        result["supervised_100"].append(entry)
        print(
            f"supervised 100 % seed {seed}: {entry['macro_auroc']:.4f} ({entry['seconds']} s)",
            flush=True,
        )
        write()
    write()
    print(json.dumps({k: v for k, v in result.items() if k.endswith("summary")}, indent=2))


if __name__ == "__main__":
    main()
