"""Which zero-shot score separates abnormal from normal records across generator families?

Today's figure ranks recordings by the ``normal`` finding alone (one minus its probability). A
record is abnormal when any abnormal finding is present, so the findings' own scores are a
second candidate (their maximum), and the mean of the two candidates' ranks a third. A rank
needs a set of recordings; the fourth candidate is the third's per-recording form, the one a
workstation can compute: each of the two scores placed on its distribution over a reference
set (the val split of the corpora the model was trained on), and the two places averaged.
Two more candidates came on 2026-12-05: the signal model's probability
(``elm_desktop/clinical/signal_features.py``, fitted on the same reference recordings as at
calibration), and the per-recording form of all three, its place on its out-of-fold
probabilities over the reference joining the other two (what ``model calibrate
--record-score`` stores since then). Each candidate is measured for every model on every corpus, with both prompt styles; the cells
where the model has never seen the corpus's family are the ones that choose, on validation
corpora, before the test corpora are looked at.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/abnormality_score_study.py \
        --model runs/pilot-joint-none/final --model runs/pilot-joint-ds-nm/final \
        --model runs/pilot-joint-fn-nm/final \
        --corpus data/dipole-spectral-val-100 --corpus data/neural-mass-val-100 \
        --corpus data/demo-train-2500:val \
        --corpus data/filtered-noise-test-150 --corpus data/dipole-spectral-test-150 \
        --corpus data/neural-mass-test-150 --out runs/abnormality-study.json

``CORPUS:SPLIT`` takes one split of a corpus (default: all its recordings). A corpus whose
name or split says ``val`` is a validation corpus. ``--table OUT.json`` prints the Markdown
tables of a finished run again without recomputing. Each cell's per-recording probabilities
are kept beside the JSON (``OUT.npz``), so that another score can be tried without embedding.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import torch
from scipy.stats import rankdata

from elm_desktop.clinical import load_knowledge_base
from elm_desktop.clinical.metrics import auroc
from elm_desktop.clinical.record_score import place
from elm_desktop.clinical.signal_features import (
    crops_features,
    fit_signal_model,
    out_of_fold_probabilities,
)
from elm_desktop.signals.preprocess import ELM_SFREQ
from elm_desktop.training.evaluate import embed_recordings, finding_probabilities, open_corpus
from elm_desktop.training.matrix import (
    corpus_families,
    relation,
    training_corpora,
    training_families,
)
from elm_desktop.training.model import ElmModel
from elm_desktop.training.text import TextEncoder

CANDIDATES = (
    "normal prompt",
    "findings' maximum",
    "mean rank of both",
    "both, per recording",
    "signal, per recording",
    "all three, per recording",
)


def two_scores(finding_ids: list[str], probabilities: np.ndarray, abnormal_ids: set[str]):
    """One minus the ``normal`` probability, and the largest abnormal finding's probability."""
    normal = 1.0 - probabilities[:, finding_ids.index("normal")]
    columns = [i for i, f in enumerate(finding_ids) if f in abnormal_ids]
    return normal, probabilities[:, columns].max(axis=1)


def place_all(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each value's :func:`place` in ``reference``: one recording at a time, as the program."""
    reference = np.sort(reference)
    return np.array([place(float(v), reference) for v in values])


def candidate_scores(
    two: tuple[np.ndarray, np.ndarray],
    reference: tuple[np.ndarray, np.ndarray],
    signal: tuple[np.ndarray, np.ndarray],
):
    """The abnormality scores of each recording (higher: more abnormal).

    ``signal`` holds the signal model's probability of each recording and its out-of-fold
    probabilities on the reference recordings (the model fitted on those, as at calibration).
    """
    normal, maximum = two
    both = (rankdata(normal) + rankdata(maximum)) / 2
    places = (place_all(normal, reference[0]), place_all(maximum, reference[1]))
    measured = place_all(signal[0], signal[1])
    scores = (normal, maximum, both, sum(places) / 2, signal[0], (sum(places) + measured) / 3)
    return dict(zip(CANDIDATES, scores, strict=True))


def markdown(cells: list[dict]) -> str:
    """Every cell, then the means over the cross- and in-family cells, validation corpora first."""
    columns = [f"{name}, {style}" for style in ("plain", "knowledge") for name in CANDIDATES]
    head = "| model | corpus | relation | " + " | ".join(columns) + " |"
    lines = [head, "|" + "---|" * (3 + len(columns))]
    for cell in cells:
        values = " | ".join(f"{cell[c]:.3f}" for c in columns)
        lines.append(f"| `{cell['model']}` | `{cell['corpus']}` | {cell['relation']} | {values} |")
    lines += [
        "",
        "Means over the cells of each kind (the per-recording column is honest only where the",
        "corpus is not one of the model's reference val splits, which no corpus here is):",
        "",
        head.replace("| model | corpus |", "| corpora | cells |"),
        lines[1],
    ]
    for relation_kind in ("cross-family", "in-family"):
        for kind in ("validation", "test"):
            chosen = [
                c
                for c in cells
                if c["relation"] == relation_kind
                and ("val" in c["corpus"]) == (kind == "validation")
            ]
            if chosen:
                means = " | ".join(f"{np.mean([c[col] for c in chosen]):.3f}" for col in columns)
                lines.append(f"| {kind} | {len(chosen)} | {relation_kind} | {means} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append")
    parser.add_argument("--corpus", action="append")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--table", type=Path, help="print the tables of a finished run's JSON")
    args = parser.parse_args()
    if args.table:
        print(markdown(json.loads(args.table.read_text(encoding="utf-8"))))
        return
    if not (args.model and args.corpus and args.out):
        parser.error("--model, --corpus and --out are needed (or --table)")
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    device = torch.device("cpu")
    cells, arrays = [], {}
    knowledge_base = load_knowledge_base(user_path=os.devnull)
    abnormal_ids = {f for f in knowledge_base if knowledge_base[f].abnormal and f != "normal"}
    for model_dir in args.model:
        model = ElmModel.load(model_dir)
        families, _ = training_families(model_dir)
        trained_on = training_corpora(model_dir)
        encoder = TextEncoder(
            model.config.text_model, model.config.pooling, model.config.max_length
        )

        def two_per_style(spec: str, model=model, encoder=encoder):
            corpus, _, split = spec.partition(":")
            cache = open_corpus(corpus, None, model.config.window_s, 1, None)
            recordings = cache.split_indices(split) if split else np.arange(len(cache.recordings))
            embedded = embed_recordings(model, cache, recordings, device)
            features = np.stack(
                [
                    crops_features(
                        cache.crops[cache.crop_range(int(r)).start : cache.crop_range(int(r)).stop],
                        ELM_SFREQ,
                        cache.window_s,
                    )
                    for r in recordings
                ]
            )
            labels = np.array([cache.recordings[int(r)]["abnormal"] for r in recordings], bool)
            out = {"features": features, "abnormal": labels}
            for style in ("plain", "knowledge"):
                ids, probabilities = finding_probabilities(
                    model, encoder, embedded, cache, device, knowledge_base, style
                )
                out[style] = two_scores(ids, probabilities, abnormal_ids)
            return cache, recordings, out

        reference_parts = [two_per_style(f"{corpus}:val")[2] for corpus in trained_on]
        reference = {
            style: tuple(
                np.concatenate([part[style][i] for part in reference_parts]) for i in (0, 1)
            )
            for style in ("plain", "knowledge")
        }
        reference_x = np.concatenate([part["features"] for part in reference_parts])
        reference_y = np.concatenate([part["abnormal"] for part in reference_parts])
        signal_model = fit_signal_model(reference_x, reference_y)
        signal_reference = np.sort(out_of_fold_probabilities(reference_x, reference_y))
        for spec in args.corpus:
            cache, recordings, two = two_per_style(spec)
            labels = np.array([cache.recordings[int(r)]["abnormal"] for r in recordings], bool)
            cell = {
                "model": model_dir,
                "corpus": spec,
                "relation": relation(families, corpus_families(cache, recordings)),
                "recordings": len(recordings),
                "abnormal": int(labels.sum()),
                "reference": [f"{corpus}:val" for corpus in trained_on],
            }
            for style in ("plain", "knowledge"):
                signal = (
                    np.array([signal_model.probability(row) for row in two["features"]]),
                    signal_reference,
                )
                scores = candidate_scores(two[style], reference[style], signal)
                for name, score in scores.items():
                    cell[f"{name}, {style}"] = float(auroc(labels, score))
                arrays[f"{len(cells)}/{style}"] = np.stack(two[style])
            arrays[f"{len(cells)}/abnormal"] = labels
            cells.append(cell)
            print(json.dumps(cell), flush=True)
        for style in ("plain", "knowledge"):
            arrays[f"reference/{model_dir}/{style}"] = np.stack(reference[style])
    args.out.write_text(json.dumps(cells, indent=1), encoding="utf-8")
    np.savez_compressed(args.out.with_suffix(".npz"), **arrays)
    print(markdown(cells))


if __name__ == "__main__":
    main()
