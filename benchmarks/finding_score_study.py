"""Does each finding's score transfer better with a signal model beside its prompt? (issue 17)

The product's finding score (``elm_desktop/clinical/record_score.py``, ``FindingReference``):
a finding's prompt probability placed among the reference recordings' (the val splits of the
corpora the model was trained on), and a logistic model of that finding on the recording's
signal features (``elm_desktop/clinical/signal_features.py``), fitted on the same reference
recordings and placed on its out-of-fold probabilities there; the two places averaged. Built
here with the product's own functions, for every model and corpus, and set against the prompt
alone and the signal model alone: AUROC per finding and the macro over findings with at least
``MIN_POSITIVES`` positives (as ``elm-desktop evaluate``). The findings that get one are those
calibration gives a signal model (``SIGNAL_MEASURED``: the record's background findings), or with
``--all-abnormal`` every abnormal finding (the first version); a finding without one (or with
too few reference recordings with or without it) keeps its prompt's probability.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/finding_score_study.py \\
        --model runs/loo-fn-ds/final --corpus data/neural-mass-train-800:val \\
        --corpus data/neural-mass-test-150 --out runs/finding-study-fn-ds.json

``CORPUS:SPLIT`` takes one split of a corpus (default: all its recordings). ``--table OUT.json``
prints the tables of a finished run again.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import torch

from elm_desktop.clinical import load_knowledge_base
from elm_desktop.clinical.metrics import auroc
from elm_desktop.clinical.record_score import SIGNAL_MEASURED, fit_reference, mean_place
from elm_desktop.clinical.signal_features import (
    MIN_RECORDINGS_PER_CLASS,
    crops_features,
    fit_signal_model,
    out_of_fold_probabilities,
)
from elm_desktop.signals.preprocess import ELM_SFREQ
from elm_desktop.synth import FINDINGS
from elm_desktop.training.evaluate import (
    MIN_POSITIVES,
    embed_recordings,
    finding_probabilities,
    open_corpus,
)
from elm_desktop.training.matrix import (
    corpus_families,
    relation,
    training_corpora,
    training_families,
)
from elm_desktop.training.model import ElmModel
from elm_desktop.training.text import TextEncoder

STYLES = ("plain", "knowledge")
SCORES = ("prompt", "signal", "finding score")


def scored_corpus(spec: str, model: ElmModel, encoder: TextEncoder, knowledge_base) -> dict:
    """Prompt probabilities (by style), signal features and finding labels of a corpus."""
    corpus, _, split = spec.partition(":")
    cache = open_corpus(corpus, None, model.config.window_s, 1, None)
    recordings = cache.split_indices(split) if split else np.arange(len(cache.recordings))
    embedded = embed_recordings(model, cache, recordings, torch.device("cpu"))
    features = []
    for r in recordings:
        span = cache.crop_range(int(r))
        features.append(
            crops_features(cache.crops[span.start : span.stop], ELM_SFREQ, cache.window_s)
        )
    out = {
        "features": np.stack(features),
        "labels": cache.recording_labels()[recordings].astype(bool),
        "families": corpus_families(cache, recordings),
    }
    for style in STYLES:
        ids, probabilities = finding_probabilities(
            model, encoder, embedded, cache, torch.device("cpu"), knowledge_base, style
        )
        out[style] = {f: probabilities[:, ids.index(f)] for f in FINDINGS if f in ids}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append")
    parser.add_argument("--corpus", action="append")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--table", type=Path, help="print the tables of a finished run's JSON")
    parser.add_argument(
        "--all-abnormal",
        action="store_true",
        help="a finding score for every abnormal finding, events too (the first version)",
    )
    args = parser.parse_args()
    if args.table:
        print(markdown(json.loads(args.table.read_text(encoding="utf-8"))))
        return
    if not (args.model and args.corpus and args.out):
        parser.error("--model, --corpus and --out are needed (or --table)")
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    knowledge_base = load_knowledge_base(user_path=os.devnull)  # prompts alone, no model file
    cells = []
    for model_dir in args.model:
        model = ElmModel.load(model_dir)
        families, _ = training_families(model_dir)
        trained_on = training_corpora(model_dir)
        encoder = TextEncoder(
            model.config.text_model, model.config.pooling, model.config.max_length
        )
        parts = [scored_corpus(f"{c}:val", model, encoder, knowledge_base) for c in trained_on]
        x = np.concatenate([p["features"] for p in parts])
        y = np.concatenate([p["labels"] for p in parts])
        finding_signals = {}
        for column, finding_id in enumerate(FINDINGS):
            present = y[:, column]
            if (
                (args.all_abnormal and knowledge_base[finding_id].abnormal)
                or finding_id in SIGNAL_MEASURED
            ) and min(present.sum(), (~present).sum()) >= MIN_RECORDINGS_PER_CLASS:
                finding_signals[finding_id] = (
                    fit_signal_model(x, present),
                    out_of_fold_probabilities(x, present),
                )
        references = {
            style: fit_reference(
                {f: np.concatenate([p[style][f] for p in parts]) for f in parts[0][style]},
                knowledge_base,
                style,
                None,
                finding_signals,
            )
            for style in STYLES
        }
        for spec in args.corpus:
            scored = scored_corpus(spec, model, encoder, knowledge_base)
            cell = {
                "model": model_dir,
                "corpus": spec,
                "relation": relation(families, scored["families"]),
                "recordings": len(scored["labels"]),
                "with finding score": sorted(finding_signals),
            }
            for style in STYLES:
                found = references[style].finding_references
                per_finding = {}
                for column, finding_id in enumerate(FINDINGS):
                    truth = scored["labels"][:, column]
                    if finding_id not in scored[style] or not MIN_POSITIVES <= truth.sum() < len(
                        truth
                    ):
                        continue
                    prompt = scored[style][finding_id]
                    values = {"prompt": prompt, "signal": prompt, "finding score": prompt}
                    if finding_id in found:
                        places = [
                            found[finding_id].places(p, f)
                            for p, f in zip(prompt, scored["features"], strict=True)
                        ]
                        values["signal"] = np.array([p["signal features"] for p in places])
                        values["finding score"] = np.array([mean_place(p) for p in places])
                    per_finding[finding_id] = {
                        name: float(auroc(truth, v)) for name, v in values.items()
                    } | {"positives": int(truth.sum()), "fitted": finding_id in found}
                cell[style] = per_finding
                for name in SCORES:
                    cell[f"macro {name}, {style}"] = float(
                        np.mean([v[name] for v in per_finding.values()])
                    )
            cells.append(cell)
            print(json.dumps({k: v for k, v in cell.items() if k.startswith(("corpus", "macro"))}))
    args.out.write_text(json.dumps(cells, indent=1), encoding="utf-8")
    print(markdown(cells))


def markdown(cells: list[dict]) -> str:
    """The macro of each score per cell, then per finding (knowledge prompts)."""
    columns = [f"macro {name}, {style}" for style in STYLES for name in SCORES]
    lines = [
        "| model | corpus | relation | " + " | ".join(c[len("macro ") :] for c in columns) + " |",
        "|" + "---|" * (3 + len(columns)),
    ]
    for cell in cells:
        values = " | ".join(f"{cell[c]:.3f}" for c in columns)
        lines.append(f"| `{cell['model']}` | `{cell['corpus']}` | {cell['relation']} | {values} |")
    lines += [
        "",
        "Per finding, knowledge prompts (prompt / signal / finding score; positives):",
        "",
    ]
    for cell in cells:
        found = " ".join(
            f"{f} {v['prompt']:.2f}/{v['signal']:.2f}/{v['finding score']:.2f} ({v['positives']})"
            for f, v in cell["knowledge"].items()
        )
        lines.append(f"- `{cell['model']}` on `{cell['corpus']}`: {found}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
