"""Zero-shot phenotype scores and per-crop similarity curves.

Every finding of the knowledge base is scored by a prompt ensemble against its contrast prompts,
CLIP style: the positive prompts' embeddings are averaged and re-normalised, so are the contrast
prompts', and the probability that the finding is present is the two-way softmax of their cosine
similarities to the EEG embedding divided by the model's temperature,

    p = sigmoid((cos(e, positive) - cos(e, contrast)) / temperature).

The recording-level probability uses the attention-pooled recording embedding; the same formula
on each crop embedding gives the per-crop curve. A free-text prompt has no contrast, so its curve
is the raw cosine similarity of each crop to the prompt. All of this is numpy on cached
embeddings: a new prompt costs one text embedding and one matrix-vector product.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from elm_desktop.clinical.knowledge import KnowledgeBase, PromptStyle
from elm_desktop.runtime.pooling import l2_normalise

TextEmbedder = Callable[[Sequence[str]], np.ndarray]

#: How many top segments a curve reports.
TOP_SEGMENTS = 3


@dataclass(frozen=True)
class Segment:
    """A stretch of the recording that scored high.

    Attributes
    ----------
    start_s, end_s : float
        Start and end, in seconds from the start of the recording.
    score : float
        The curve's value at that crop (probability or cosine similarity).
    crop : int
        Index of the crop.
    """

    start_s: float
    end_s: float
    score: float
    crop: int


@dataclass
class PromptCurve:
    """One prompt's per-crop cosine similarity over the whole recording.

    Attributes
    ----------
    prompt : str
        The text as typed.
    similarity : numpy.ndarray
        float32 [n_crops], cosine similarity of each crop embedding to the prompt embedding.
    recording_similarity : float
        Cosine similarity of the recording embedding to the prompt.
    top_segments : list of Segment
        The highest-scoring crops, best first, no two overlapping.
    """

    prompt: str
    similarity: np.ndarray
    recording_similarity: float
    top_segments: list[Segment] = field(default_factory=list)


@dataclass
class FindingScore:
    """The zero-shot score of one knowledge-base finding.

    Attributes
    ----------
    finding_id, label : str
        Vocabulary id and display label.
    probability : float
        Recording-level probability that the finding is present.
    threshold : float
        The knowledge base's threshold; ``present`` is ``probability >= threshold``.
    present : bool
    abnormal : bool
        Whether the finding makes a record abnormal.
    crop_probability : numpy.ndarray
        float32 [n_crops], the same probability for each crop.
    top_segments : list of Segment
        Crops with the highest probability, best first.
    """

    finding_id: str
    label: str
    probability: float
    threshold: float
    present: bool
    abnormal: bool
    crop_probability: np.ndarray
    top_segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class PromptBank:
    """Ensembled prompt embeddings of every finding, for one model and prompt style.

    Attributes
    ----------
    finding_ids : tuple of str
    positive, contrast : numpy.ndarray
        float32 [n_findings, dim], L2-normalised ensemble means.
    style : str
        ``"knowledge"`` or ``"plain"``.
    """

    finding_ids: tuple[str, ...]
    positive: np.ndarray
    contrast: np.ndarray
    style: str


def build_prompt_bank(
    knowledge_base: KnowledgeBase, embed_text: TextEmbedder, style: PromptStyle = "knowledge"
) -> PromptBank:
    """Embed every finding's prompts and contrast prompts in one batch and ensemble them.

    Parameters
    ----------
    knowledge_base : KnowledgeBase
    embed_text : callable
        ``texts -> [k, dim]`` L2-normalised embeddings, e.g. ``Engine.embed_text``.
    style : {"knowledge", "plain"}
        Which positive prompts to use.
    """
    findings = list(knowledge_base.values())
    groups = [f.prompts(style) for f in findings] + [f.contrast for f in findings]
    texts = [text for group in groups for text in group]
    embeddings = np.asarray(embed_text(texts), dtype=np.float32)
    means, start = [], 0
    for group in groups:
        means.append(embeddings[start : start + len(group)].mean(axis=0))
        start += len(group)
    stacked = l2_normalise(np.stack(means))
    n = len(findings)
    return PromptBank(tuple(f.id for f in findings), stacked[:n], stacked[n:], style)


def score_findings(
    knowledge_base: KnowledgeBase,
    bank: PromptBank,
    crop_embeddings: np.ndarray,
    recording_embedding: np.ndarray,
    crop_starts_s: np.ndarray,
    window_s: float,
    temperature: float,
) -> list[FindingScore]:
    """Score every finding of a prompt bank on one recording.

    Parameters
    ----------
    knowledge_base : KnowledgeBase
        Supplies labels and thresholds.
    bank : PromptBank
    crop_embeddings : numpy.ndarray
        [n_crops, dim], L2-normalised.
    recording_embedding : numpy.ndarray
        [dim], L2-normalised.
    crop_starts_s : numpy.ndarray
        [n_crops], crop start times in seconds.
    window_s : float
        Crop length in seconds.
    temperature : float
        The model's softmax temperature (0.3 for ELM).

    Returns
    -------
    list of FindingScore
        In knowledge-base order.
    """
    difference = bank.positive - bank.contrast  # [f, dim]: cos(e,p) - cos(e,c) = e . (p - c)
    crop_prob = _sigmoid(np.asarray(crop_embeddings, np.float32) @ difference.T / temperature)
    recording_prob = _sigmoid(
        np.asarray(recording_embedding, np.float32) @ difference.T / temperature
    )
    scores = []
    for i, finding_id in enumerate(bank.finding_ids):
        finding = knowledge_base[finding_id]
        probability = float(recording_prob[i])
        curve = np.ascontiguousarray(crop_prob[:, i], dtype=np.float32)
        scores.append(
            FindingScore(
                finding_id=finding_id,
                label=finding.label,
                probability=probability,
                threshold=finding.threshold,
                present=probability >= finding.threshold,
                abnormal=finding.abnormal,
                crop_probability=curve,
                top_segments=top_segments(curve, crop_starts_s, window_s),
            )
        )
    return scores


def prompt_curve(
    prompt: str,
    prompt_embedding: np.ndarray,
    crop_embeddings: np.ndarray,
    recording_embedding: np.ndarray,
    crop_starts_s: np.ndarray,
    window_s: float,
) -> PromptCurve:
    """Return the per-crop cosine similarity of one embedded prompt, with its top segments."""
    vector = np.asarray(prompt_embedding, np.float32).reshape(-1)
    similarity = np.asarray(crop_embeddings, np.float32) @ vector
    return PromptCurve(
        prompt=prompt,
        similarity=similarity,
        recording_similarity=float(np.asarray(recording_embedding, np.float32) @ vector),
        top_segments=top_segments(similarity, crop_starts_s, window_s),
    )


def top_segments(
    values: np.ndarray, crop_starts_s: np.ndarray, window_s: float, k: int = TOP_SEGMENTS
) -> list[Segment]:
    """Return the ``k`` highest crops, best first, skipping crops that overlap a chosen one.

    Parameters
    ----------
    values : numpy.ndarray
        [n_crops] curve.
    crop_starts_s : numpy.ndarray
        [n_crops] start times; crops may overlap when the hop is shorter than the window.
    window_s : float
        Crop length in seconds.
    k : int
        How many segments at most.
    """
    starts = np.asarray(crop_starts_s, dtype=np.float64)
    chosen: list[Segment] = []
    for index in np.argsort(-np.asarray(values), kind="stable"):
        start = float(starts[index])
        if any(abs(start - s.start_s) < window_s for s in chosen):
            continue
        chosen.append(Segment(start, start + window_s, float(values[index]), int(index)))
        if len(chosen) == k:
            break
    return chosen


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))).astype(np.float32)
