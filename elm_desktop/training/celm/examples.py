"""Training and evaluation examples of the generator, from a corpus's preprocessing cache.

An example is one recording: its crop embeddings from the frozen ELM encoder (L2-normalised, the
space zero-shot scoring uses), the patient history and the target section JSON from its
reference report, and its ground-truth findings (for evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from elm_desktop.training.celm.sections import patient_history, target_json
from elm_desktop.training.data import CropCache, iter_recording_crops
from elm_desktop.training.model import ElmModel


@dataclass(frozen=True)
class Example:
    """One recording as the generator sees it.

    Attributes
    ----------
    recording_id : str
    crops : ndarray
        float32 [n_crops, 256], L2-normalised crop embeddings.
    history : str
        Clinical history and medications (empty when not used or not known).
    target : str
        The reference report's sections as JSON.
    reference : str
        The whole reference report.
    truth : frozenset of str
        True findings (``normal`` for a normal record).
    """

    recording_id: str
    crops: np.ndarray
    history: str
    target: str
    reference: str
    truth: frozenset[str]


def truth_of(entry: dict[str, Any]) -> frozenset[str]:
    """The true findings of a manifest entry, ``normal`` added for a normal record."""
    names = {f["name"] for f in entry["findings"]}
    return frozenset(names if entry["abnormal"] else names | {"normal"})


def select_recordings(cache: CropCache, split: str, n: int, seed: int) -> np.ndarray:
    """Recording indices of a split: all of them (``n <= 0``) or ``n`` drawn without replacement."""
    indices = cache.split_indices(split)
    if 0 < n < len(indices):
        indices = np.sort(np.random.default_rng(seed).choice(indices, n, replace=False))
    return indices


@torch.no_grad()
def crop_embeddings(
    encoder_checkpoint: str | Path, cache: CropCache, recordings: np.ndarray
) -> list[np.ndarray]:
    """Encode the cached crops of each recording with a frozen ELM checkpoint.

    Returns
    -------
    list of ndarray
        float32 [n_crops, 256] per recording, L2-normalised, in the order of ``recordings``.
    """
    model = ElmModel.load(encoder_checkpoint)
    pieces: dict[int, list[np.ndarray]] = {int(r): [] for r in recordings}
    for recording, crops in iter_recording_crops(cache, recordings):
        z, _ = model.encode_crops(torch.from_numpy(crops.astype(np.float32)))
        pieces[recording].append(F.normalize(z.float(), dim=-1).numpy())
    return [np.concatenate(pieces[int(r)]) for r in recordings]


def make_examples(
    cache: CropCache,
    recordings: np.ndarray,
    embeddings: list[np.ndarray],
    sections: list[str] | tuple[str, ...],
    use_history: bool,
) -> list[Example]:
    """Pair each recording's embeddings with its history, target JSON and true findings."""
    examples = []
    for index, crops in zip(recordings, embeddings, strict=True):
        entry = cache.recordings[int(index)]
        report = entry["report"]
        examples.append(
            Example(
                recording_id=entry["id"],
                crops=crops,
                history=patient_history(report) if use_history else "",
                target=target_json(report, sections),
                reference=report,
                truth=truth_of(entry),
            )
        )
    return examples
