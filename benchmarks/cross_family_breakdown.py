"""Zero-shot normal-versus-abnormal AUROC of a checkpoint on a corpus, broken down by how the
recordings were made (reference, sampling rate, channel naming), to see which recording
convention a model fails to transfer to.

    python benchmarks/cross_family_breakdown.py MODEL CORPUS

Uses the evaluation's own pieces (crop cache, embedding, ``finding_probabilities``, as
``zero_shot`` scores) on every recording of the corpus; prints a markdown table.
Needs the ``train`` extra (torch).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from elm_desktop.clinical import load_knowledge_base
from elm_desktop.clinical.metrics import auroc
from elm_desktop.runtime.bundle import PHENOTYPES
from elm_desktop.training.data import build_cache
from elm_desktop.training.evaluate import embed_recordings, finding_probabilities
from elm_desktop.training.model import ElmModel
from elm_desktop.training.text import TextEncoder


def main(model_dir: Path, corpus: Path) -> None:
    model = ElmModel.load(model_dir)
    config = model.config
    cache = build_cache(corpus, corpus / f"cache-{config.window_s}s", config.window_s)
    recordings = np.arange(len(cache))
    device = torch.device("cpu")
    embedded = embed_recordings(model, cache, recordings, device)
    knowledge = load_knowledge_base(user_path=os.devnull, model_path=model_dir / PHENOTYPES)
    encoder = TextEncoder(config.text_model, config.pooling, config.max_length)

    abnormal = np.array([r["abnormal"] for r in cache.recordings], dtype=int)
    scores: dict[str, np.ndarray] = {}
    for style in ("plain", "knowledge"):
        ids, probabilities = finding_probabilities(
            model, encoder, embedded, cache, device, knowledge, style
        )
        scores[style] = 1 - probabilities[:, ids.index("normal")]  # the abnormal score
    groups: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(cache.recordings):
        groups["all"].append(index)
        for key in ("reference", "sfreq", "naming"):
            if key in record:
                groups[f"{key} {record[key]}"].append(index)
    print(f"`{corpus}` scored by `{model_dir}`\n")
    print(
        "| recordings | n (abnormal) | AUROC plain | AUROC knowledge | mean abnormal score of normals (plain) |"
    )
    print("|---|---|---|---|---|")
    for name, members in groups.items():
        members = np.array(members)
        truth = abnormal[members]
        normals = members[truth == 0]
        cells = [
            f"{auroc(truth, scores[s][members]):.3f}" if 0 < truth.sum() < len(truth) else "–"
            for s in ("plain", "knowledge")
        ]
        print(
            f"| {name} | {len(members)} ({truth.sum()}) | {cells[0]} | {cells[1]} | "
            f"{scores['plain'][normals].mean():.2f} |"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
