"""Training and evaluation examples of the generator, from a corpus's preprocessing cache.

An example is one recording: its crop embeddings from the frozen ELM encoder (L2-normalised, the
space zero-shot scoring uses), optionally each crop's measured muscle artifact beside its
embedding and the encoder's zero-shot finding scores, the patient history and the target
section JSON from its reference report, and its ground-truth findings (for evaluation).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from elm_desktop.clinical import KnowledgeBase, load_knowledge_base
from elm_desktop.clinical.event_shape import unlike_an_event
from elm_desktop.clinical.localise import crop_band_power, without_asymmetry
from elm_desktop.clinical.muscle_artifact import (
    MuscleArtifact,
    crop_muscle_power,
    muscle_artifact,
    with_crop_index,
)
from elm_desktop.clinical.report import not_ruled_out, unsupported_holds
from elm_desktop.clinical.sharp_transients import generalized_transients, unsupported_absences
from elm_desktop.clinical.signal_features import crops_features, without_suppression
from elm_desktop.runtime.draft_generator import score_margins
from elm_desktop.signals.montages import ELM_CHANNELS
from elm_desktop.signals.preprocess import ELM_SFREQ
from elm_desktop.training.celm.sections import patient_history, target_json
from elm_desktop.training.data import CropCache, iter_recording_crops
from elm_desktop.training.evaluate import (
    embed_recordings,
    model_thresholds,
    recording_finding_scores,
    recording_transient_parts,
)
from elm_desktop.training.model import ElmModel
from elm_desktop.training.text import TextEncoder


@dataclass(frozen=True)
class Example:
    """One recording as the generator sees it.

    Attributes
    ----------
    recording_id : str
    crops : ndarray
        float32 [n_crops, 256], L2-normalised crop embeddings (257 with the crop's muscle
        index last, when the generator reads it).
    history : str
        Clinical history and medications (empty when not used or not known).
    target : str
        The reference report's sections as JSON.
    reference : str
        The whole reference report.
    truth : frozenset of str
        True findings (``normal`` for a normal record).
    scores : ndarray or None
        float32 [n_findings], the zero-shot scores' margins over their thresholds
        (:meth:`FindingScores.margins`), when the generator reads them.
    """

    recording_id: str
    crops: np.ndarray
    history: str
    target: str
    reference: str
    truth: frozenset[str]
    scores: np.ndarray | None = None


@dataclass(frozen=True)
class FindingScores:
    """The encoder's zero-shot finding scores of some recordings.

    Attributes
    ----------
    finding_ids : tuple of str
        The encoder's knowledge base's findings, in its order.
    probability : ndarray
        float32 [n_recordings, n_findings], recording-level probabilities.
    threshold : ndarray
        float32 [n_findings], the calibrated thresholds (the encoder's ``phenotypes.toml``
        over the built-in knowledge base).
    held : tuple of dict
        Per recording, finding id -> why a draft holds it (neither stated nor denied: an event
        finding called present without the rise of an event,
        :func:`~elm_desktop.clinical.event_shape.unlike_an_event`, or an abnormal finding just
        under its threshold or not ruled out, :func:`~elm_desktop.clinical.report.not_ruled_out`,
        or one whose absence the signal does not support,
        :func:`~elm_desktop.clinical.sharp_transients.unsupported_absences`); empty when not
        measured.
    """

    finding_ids: tuple[str, ...]
    probability: np.ndarray
    threshold: np.ndarray
    held: tuple[dict[str, str], ...] = ()

    def margins(self) -> np.ndarray:
        """float32 [n_recordings, n_findings]: the scores' margins over their thresholds
        (:func:`~elm_desktop.runtime.draft_generator.score_margins`)."""
        return score_margins(self.probability, self.threshold[None])

    def of(self, position: int) -> dict[str, float]:
        """Finding id -> probability of the recording at ``position``."""
        return dict(zip(self.finding_ids, map(float, self.probability[position]), strict=True))

    def held_of(self, position: int) -> dict[str, str]:
        """Finding id -> why it is held, of the recording at ``position``."""
        return self.held[position] if self.held else {}

    def rolled(self, shift: int) -> FindingScores:
        """The same scores given to other recordings (``np.roll`` over recordings)."""
        k = shift % len(self.held) if self.held else 0
        held = self.held[len(self.held) - k :] + self.held[: len(self.held) - k]
        return FindingScores(
            self.finding_ids, np.roll(self.probability, shift, axis=0), self.threshold, held
        )


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


def scoring_knowledge_base(encoder_checkpoint: str | Path) -> KnowledgeBase:
    """The knowledge base a generator's finding scores come from: the built-in findings with
    the encoder's calibrated entries, no user's file."""
    return load_knowledge_base(
        user_path=os.devnull, model_path=model_thresholds(encoder_checkpoint)
    )


def score_reading(knowledge_base: KnowledgeBase) -> dict[str, Any]:
    """Which finding scores a generator reads: ``finding_ids`` (the knowledge base's, in its
    order: one prefix token each), the ``prompt_style`` they are scored with and their
    ``thresholds`` (the margins' zero). Kept in the checkpoint's notes and the bundle's
    generator entry, so that scores made otherwise are not given to it."""
    style = knowledge_base.prompt_style
    finding_ids = list(knowledge_base)
    return {
        "finding_ids": finding_ids,
        "prompt_style": style,
        "thresholds": [round(float(knowledge_base.threshold(f, style)), 6) for f in finding_ids],
    }


@torch.no_grad()
def encode_recordings(
    encoder_checkpoint: str | Path,
    cache: CropCache,
    recordings: np.ndarray,
    with_scores: bool = False,
) -> tuple[list[np.ndarray], FindingScores | None]:
    """Encode the cached crops of each recording with a frozen ELM checkpoint.

    Parameters
    ----------
    encoder_checkpoint : path-like
    cache : CropCache
    recordings : ndarray
        Recording indices of the cache.
    with_scores : bool
        Also score every finding of the encoder's knowledge base zero-shot, as the analysis
        does (:func:`elm_desktop.clinical.score_findings` on the attention-pooled recording
        embedding, the knowledge base's prompt style, the encoder's calibrated thresholds),
        with the findings a draft holds.

    Returns
    -------
    crops : list of ndarray
        float32 [n_crops, 256] per recording, L2-normalised, in the order of ``recordings``.
    scores : FindingScores or None
        None unless ``with_scores``.
    """
    model = ElmModel.load(encoder_checkpoint)
    embedded = embed_recordings(model, cache, recordings, torch.device("cpu"))
    owner = embedded["crop_owner"]
    crops = [embedded["crops"][owner == i] for i in range(len(recordings))]
    if not with_scores:
        return crops, None
    knowledge_base = scoring_knowledge_base(encoder_checkpoint)
    config = model.config
    text_encoder = TextEncoder(config.text_model, config.pooling, config.max_length)
    style = knowledge_base.prompt_style
    # The spike findings' segments and the absences the signal leaves unstated, as analysed.
    parts = recording_transient_parts(embedded, cache)
    finding_ids, rows = recording_finding_scores(
        model, text_encoder, embedded, cache, torch.device("cpu"), knowledge_base, style, parts
    )
    probability = np.array([[s.probability for s in row] for row in rows], np.float32)
    threshold = np.array([knowledge_base.threshold(f, style) for f in finding_ids], np.float32)
    held = tuple(
        not_ruled_out(row, knowledge_base)
        | unlike_an_event(row)
        | without_asymmetry(row, band_power, ELM_CHANNELS)
        | without_suppression(row, features)
        | unsupported_holds(unsupported_absences(row, generalized_transients(recording_parts)))
        for row, recording_parts, band_power, features in zip(
            rows,
            parts,
            measure_band_power(cache, recordings),
            measure_features(cache, recordings),
            strict=True,
        )
    )
    return crops, FindingScores(tuple(finding_ids), probability, threshold, held)


def measure_band_power(cache: CropCache, recordings: np.ndarray) -> list[np.ndarray]:
    """Each recording's per-crop band power in the model's derivations, as the analysis keeps
    it (:func:`~elm_desktop.clinical.localise.crop_band_power`)."""
    power: dict[int, list[np.ndarray]] = {int(i): [] for i in recordings}
    for recording, crops in iter_recording_crops(cache, recordings):
        power[recording].append(crop_band_power(crops.astype(np.float32), ELM_SFREQ))
    return [np.concatenate(power[int(i)]) for i in recordings]


def measure_features(cache: CropCache, recordings: np.ndarray) -> list[np.ndarray]:
    """Each recording's quantitative EEG features, as the analysis measures them
    (:func:`~elm_desktop.clinical.signal_features.crops_features`)."""
    spans = [cache.crop_range(int(i)) for i in recordings]
    return [
        crops_features(cache.crops[span.start : span.stop], ELM_SFREQ, cache.window_s)
        for span in spans
    ]


def measure_muscle(cache: CropCache, recordings: np.ndarray) -> list[MuscleArtifact]:
    """The muscle artifact measured in each recording's cached crops, as the analysis
    measures it (:mod:`elm_desktop.clinical.muscle_artifact`)."""
    power: dict[int, list[np.ndarray]] = {int(i): [] for i in recordings}
    for recording, crops in iter_recording_crops(cache, recordings):
        power[recording].append(crop_muscle_power(crops, ELM_CHANNELS))
    return [muscle_artifact(np.concatenate(power[int(i)])) for i in recordings]


def with_muscle_index(
    embeddings: list[np.ndarray], muscle: list[MuscleArtifact]
) -> list[np.ndarray]:
    """Each recording's crop embeddings with its crops' muscle index as a last column."""
    return [with_crop_index(crops, m) for crops, m in zip(embeddings, muscle, strict=True)]


def make_examples(
    cache: CropCache,
    recordings: np.ndarray,
    embeddings: list[np.ndarray],
    sections: list[str] | tuple[str, ...],
    use_history: bool,
    scores: FindingScores | None = None,
) -> list[Example]:
    """Pair each recording's embeddings (and score margins, when given) with its history,
    target JSON and true findings."""
    margins = scores.margins() if scores is not None else None
    examples = []
    for position, (index, crops) in enumerate(zip(recordings, embeddings, strict=True)):
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
                scores=margins[position] if margins is not None else None,
            )
        )
    return examples
