"""Zero-shot normal-versus-abnormal AUROC of a checkpoint on a corpus, broken down by how the
recordings were made (reference, sampling rate, channel naming), to see which recording
convention a model fails to transfer to.

    python benchmarks/cross_family_breakdown.py MODEL CORPUS

Uses the evaluation's own pieces (crop cache, embedding, ``score_findings`` through
``zero_shot``'s prompt bank) on every recording of the corpus; prints a markdown table.
Needs the ``train`` extra (torch).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from elm_desktop.clinical import build_prompt_bank, load_knowledge_base, score_findings
from elm_desktop.clinical.metrics import auroc
from elm_desktop.runtime.bundle import PHENOTYPES
from elm_desktop.training.data import build_cache
from elm_desktop.training.evaluate import embed_recordings
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

    @torch.no_grad()
    def embed_text(texts):
        pooled = encoder.embed(list(texts)).to(device)
        return F.normalize(model.project_text(pooled).float(), dim=1).cpu().numpy()

    abnormal = np.array([r["abnormal"] for r in cache.recordings], dtype=int)
    scores: dict[str, np.ndarray] = {}
    for style in ("plain", "knowledge"):
        bank = build_prompt_bank(knowledge, embed_text, style)
        column = bank.finding_ids.index("normal")
        normal = np.zeros(len(recordings))
        for position in range(len(recordings)):
            mask = embedded["crop_owner"] == position
            found = score_findings(
                knowledge,
                bank,
                embedded["crops"][mask],
                embedded["recording"][position],
                cache.starts_s[embedded["crop_index"][mask]],
                cache.window_s,
                config.temperature,
            )
            normal[position] = found[column].probability
        scores[style] = 1 - normal  # the abnormal score
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
