"""Zero-shot phenotype scores and per-crop similarity curves.

Every finding of the knowledge base is scored by a prompt ensemble against its contrast prompts,
CLIP style: the positive prompts' embeddings are averaged and re-normalised, so are the contrast
prompts', and the probability that the finding is present is the two-way softmax of their cosine
similarities to the EEG embedding divided by the model's temperature,

    p = sigmoid((cos(e, positive) - cos(e, contrast)) / temperature).

The recording-level probability uses the attention-pooled recording embedding; where the model's
knowledge base carries a record reference, the ``normal`` finding's recording probability is the
record score instead, and an abnormal finding with its own reference gets its finding score
(:mod:`elm_desktop.clinical.record_score`); only their curves are the prompt's. Per crop, the
same formula alone would say mostly *that* a crop is abnormal, not *which* finding it shows: every
abnormal finding is scored against the same normal record, so a crop far from normal (a photic
stimulation block, a seizure) raises all their curves together, and the peak of the seizure curve
fell on photic stimulation in the demo recording. So each crop's logit loses the component that
the abnormal findings share (the mean of their positive-minus-contrast directions), measured as
the crop's departure from the recording embedding:

    logit_crop = (e_crop . (positive - contrast) - (e_crop - e_rec) . shared) / temperature.

At the recording embedding the curve equals the recording's probability, so curve and threshold
share one scale (for a record or finding score, the prompt's own threshold:
:attr:`FindingScore.curve_threshold`); its peaks are where the finding itself is most evident, and they give the top
segments ("most evident at", the phenotype panel's jump).

A free-text prompt is scored the same way, against the normal-record contrast (the mean contrast
of the abnormal findings, which for the built-in base is the normal record's descriptions) with
a shared component removed per crop: it gets a recording probability and a per-crop probability
curve on the same scale as the findings'. A free prompt may name anything a record holds, and
what its curve must not ride on is the departure that *every* finding of the knowledge base
shares, the normal activations and states (photic driving, hyperventilation, sleep) and artifact
included: with the abnormal findings' component alone, the curve of "electrographic seizure with
rhythmic evolution" peaked on photic stimulation blocks instead of the seizure in 3 of 33
synthetic recordings (benchmarks/results/draft-safety.md). The recording probability is not
changed by this (at the recording embedding the departure is zero). All of this is numpy on cached embeddings: a new prompt
costs one text embedding and a few matrix-vector products.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from elm_desktop.clinical.event_shape import (
    EVENT_CATEGORIES,
    MIN_EVENT_CHANGE,
    MIN_EVENT_RISE,
    event_change,
    event_rise,
    stretches,
)
from elm_desktop.clinical.knowledge import KnowledgeBase, PromptStyle
from elm_desktop.clinical.record_score import (
    FINDING_SCORE,
    MEASURED,
    PROBABILITY,
    RECORD_FINDING,
    RECORD_SCORE,
    mean_place,
)
from elm_desktop.errors import ConfigError, ElmError
from elm_desktop.runtime.pooling import l2_normalise

TextEmbedder = Callable[[Sequence[str]], np.ndarray]

#: How many top segments a curve reports.
TOP_SEGMENTS = 3
#: Seconds of crops over which a finding's or prompt's evidence is averaged to find where it is
#: most evident, and the least distance between two top segments: a peak in one 5 s crop whose
#: neighbours disagree is likelier noise than an event (on 41 synthetic recordings with a
#: seizure, seeds 1501-1502, the single-crop peak of the seizure curve lay inside the seizure
#: in 35, the 15 s peak in 39).
EVIDENCE_SPAN_S = 15.0


class EmptyPromptError(ElmError):
    """A free-text prompt is empty or only whitespace."""

    def __init__(self) -> None:
        super().__init__("Type a finding to score: the prompt is empty.")


def check_prompt(prompt: str) -> str:
    """Return ``prompt`` stripped; :class:`EmptyPromptError` when nothing is left."""
    text = prompt.strip()
    if not text:
        raise EmptyPromptError()
    return text


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
    """One free-text prompt scored over the whole recording.

    Attributes
    ----------
    prompt : str
        The text as typed.
    probability : numpy.ndarray
        float32 [n_crops], the prompt's probability at each crop, scored as the findings are
        (against the normal-record contrast, through the model's temperature, the component the
        abnormal findings share removed): the same scale as
        :attr:`FindingScore.crop_probability`.
    recording_probability : float
        The prompt's probability for the whole recording (attention-pooled embedding).
    similarity : numpy.ndarray
        float32 [n_crops], raw cosine similarity of each crop embedding to the prompt.
    recording_similarity : float
        Raw cosine similarity of the recording embedding to the prompt.
    top_segments : list of Segment
        The peaks of ``probability``, best first, no two overlapping.
    """

    prompt: str
    probability: np.ndarray
    recording_probability: float
    similarity: np.ndarray
    recording_similarity: float
    top_segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class PromptContrast:
    """What a free-text prompt is scored against, from a prompt bank.

    Attributes
    ----------
    normal : numpy.ndarray
        float32 [dim], L2-normalised mean of the abnormal findings' contrast ensembles (for the
        built-in base: the normal record's descriptions).
    shared : numpy.ndarray
        float32 [dim], mean positive-minus-contrast direction of every finding of the bank: what
        makes a crop look like *some* finding (a photic stimulation block, a seizure, an
        artifact) whatever it is; removed from the prompt's per-crop curve.
    """

    normal: np.ndarray
    shared: np.ndarray


#: Where a measured score (:meth:`FindingScore.measured`) calls its finding present.
MEASURED_THRESHOLD = 0.5


@dataclass
class FindingScore:
    """The zero-shot score of one knowledge-base finding.

    Attributes
    ----------
    finding_id, label : str
        Vocabulary id and display label.
    probability : float
        Recording-level probability that the finding is present; where a record reference
        applies, the record score for ``normal`` and the finding score for a finding that has
        one (places among reference recordings that read like one).
    threshold : float
        The knowledge base's threshold (the record reference's for its score);
        ``present`` is ``probability >= threshold``.
    present : bool
    abnormal : bool
        Whether the finding makes a record abnormal.
    crop_probability : numpy.ndarray
        float32 [n_crops], the finding's probability at each crop, with the component that the
        abnormal findings share removed (see the module docstring).
    top_segments : list of Segment
        The peaks of ``crop_probability``, best first: where this finding is most evident
        (for a spike finding, ranked by it times the crops' sharpness,
        :func:`~elm_desktop.clinical.sharp_transients.sharpest_segments`).
    measure : str
        What ``probability`` is: ``"probability"``, or where a record reference applies,
        ``"record score"`` for ``normal`` and ``"finding score"`` for a finding with its own
        reference (:mod:`elm_desktop.clinical.record_score`), or a measurement of the signal
        (:meth:`measured`: ``"measured driving"``, ``"measured muscle"``).
    parts : dict of str to float
        For a record or finding score, each of its places among the model's calibration
        recordings (high: more abnormal, or more likely present); empty for a probability.
    prompt_threshold : float or None
        For a record, finding or measured score, the threshold on the prompt's own
        probability (:attr:`curve_threshold`); None for a probability.
    event_rise : float or None
        For a finding that is an event (a seizure), how far its strongest 10 s stand above its
        median crop (:func:`~elm_desktop.clinical.event_shape.event_rise`); None otherwise.
    prompt_probability : float or None
        For a record, finding or measured score, the prompt's own probability (the scale of
        ``crop_probability`` and :attr:`curve_threshold`); None for a probability.
    event_rise_limit : float
        The least ``event_rise`` for an event to be stated: its reference's, chosen at
        calibration, else :data:`~elm_desktop.clinical.event_shape.MIN_EVENT_RISE`.
    event_change : float or None
        For an event scored with the recording's band power, how much the signal changes
        where its curve is strongest (:func:`~elm_desktop.clinical.event_shape.event_change`,
        bels); None otherwise.
    event_change_limit : float
        The least ``event_change`` for an event to be stated: its reference's, chosen at
        calibration, else :data:`~elm_desktop.clinical.event_shape.MIN_EVENT_CHANGE`.
    """

    finding_id: str
    label: str
    probability: float
    threshold: float
    present: bool
    abnormal: bool
    crop_probability: np.ndarray
    top_segments: list[Segment] = field(default_factory=list)
    measure: str = PROBABILITY
    parts: dict[str, float] = field(default_factory=dict)
    prompt_threshold: float | None = None
    event_rise: float | None = None
    prompt_probability: float | None = None
    event_rise_limit: float = MIN_EVENT_RISE
    event_change: float | None = None
    event_change_limit: float = MIN_EVENT_CHANGE

    @property
    def curve_threshold(self) -> float:
        """What ``crop_probability`` (on the prompt's scale) is held to: the prompt's own
        threshold where ``probability`` is a record or finding score, else ``threshold``."""
        return self.threshold if self.prompt_threshold is None else self.prompt_threshold

    def measured(self, probability: float, measure: str) -> FindingScore:
        """This finding scored by a measurement of the signal instead of its prompt.

        ``probability`` is the measurement on a 0-1 scale, present from
        :data:`MEASURED_THRESHOLD`; ``measure`` names it (as the draft, the panel, the HTML and
        the JSON show it). The prompt's probability and curve are kept: where the finding is
        most evident still follows the curve.
        """
        return replace(
            self,
            probability=probability,
            threshold=MEASURED_THRESHOLD,
            present=probability >= MEASURED_THRESHOLD,
            measure=measure,
            parts={},
            prompt_threshold=self.curve_threshold,
            prompt_probability=self.probability
            if self.prompt_probability is None
            else self.prompt_probability,
        )

    @property
    def model_score(self) -> tuple[float, float]:
        """(probability, threshold) as the model scored the finding: for a measured score
        (:meth:`measured`), its prompt's; else :attr:`probability` and :attr:`threshold`."""
        if self.measure in MEASURED:
            return float(self.prompt_probability or 0.0), self.curve_threshold
        return self.probability, self.threshold

    @property
    def prompt_present(self) -> bool:
        """Whether the prompt on its own reaches its own threshold (``present`` for a
        probability)."""
        if self.prompt_probability is None:
            return self.present
        return self.prompt_probability >= self.curve_threshold


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
    signal_features: np.ndarray | None = None,
    band_power: np.ndarray | None = None,
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
    signal_features : numpy.ndarray, optional
        The recording's :mod:`~elm_desktop.clinical.signal_features`, which a record score
        fitted with a signal model, and the finding scores, read.
    band_power : numpy.ndarray, optional
        [n_crops, channels, bands] log10 band power of each crop, for an event's
        :attr:`FindingScore.event_change`.

    Returns
    -------
    list of FindingScore
        In knowledge-base order.
    """
    difference = bank.positive - bank.contrast  # [f, dim]: cos(e,p) - cos(e,c) = e . (p - c)
    shared = abnormal_shared(knowledge_base, bank)
    recording = np.asarray(recording_embedding, np.float32)
    recording_prob = _sigmoid(recording @ difference.T / temperature)
    crop_prob = _crop_probability(crop_embeddings, recording, difference, shared, temperature)
    probabilities = dict(zip(bank.finding_ids, recording_prob.tolist(), strict=True))
    reference = knowledge_base.record_reference(bank.style)
    # Every finding's (cheap): a model's reference may place the rise of a finding that a
    # user's file no longer calls an event; only events carry theirs on the score.
    rises = {
        finding_id: event_rise(crop_prob[:, i], window_s)
        for i, finding_id in enumerate(bank.finding_ids)
    }
    parts: dict[str, dict[str, float]] = {}
    measures: dict[str, str] = {}
    prompts_only = dict(probabilities)  # what the record score and finding scores place
    if reference is not None:
        parts[RECORD_FINDING] = reference.places(prompts_only, signal_features)
        probabilities[RECORD_FINDING] = reference.normal_probability(prompts_only, signal_features)
        measures[RECORD_FINDING] = RECORD_SCORE
        for finding_id, finding_reference in reference.finding_references.items():
            places = finding_reference.places(
                prompts_only[finding_id],
                signal_features,
                rise=rises.get(finding_id),
                spans=stretches(len(crop_prob), window_s),
            )
            parts[finding_id] = places
            probabilities[finding_id] = mean_place(places)
            measures[finding_id] = FINDING_SCORE
    references = reference.finding_references if reference is not None else {}
    # An event's least rise and least change, where its model's calibration chose them.
    limits = {f: found.min_rise for f, found in references.items() if found.min_rise is not None}
    change_limits = {
        f: found.min_change for f, found in references.items() if found.min_change is not None
    }
    scores = []
    for i, finding_id in enumerate(bank.finding_ids):
        finding = knowledge_base[finding_id]
        probability = float(probabilities[finding_id])
        threshold = knowledge_base.threshold(finding_id, bank.style)
        curve = np.ascontiguousarray(crop_prob[:, i], dtype=np.float32)
        event = finding.category in EVENT_CATEGORIES
        scores.append(
            FindingScore(
                finding_id=finding_id,
                label=finding.label,
                probability=probability,
                threshold=threshold,
                present=probability >= threshold,
                abnormal=finding.abnormal,
                crop_probability=curve,
                top_segments=top_segments(curve, crop_starts_s, window_s, span_s=EVIDENCE_SPAN_S),
                measure=measures.get(finding_id, PROBABILITY),
                parts=parts.get(finding_id, {}),
                prompt_threshold=finding.threshold if finding_id in measures else None,
                event_rise=rises.get(finding_id) if event else None,
                prompt_probability=prompts_only[finding_id] if finding_id in measures else None,
                event_rise_limit=limits.get(finding_id, MIN_EVENT_RISE),
                event_change=(
                    event_change(band_power, curve, window_s)
                    if event and band_power is not None
                    else None
                ),
                event_change_limit=change_limits.get(finding_id, MIN_EVENT_CHANGE),
            )
        )
    return scores


def prompt_contrast(knowledge_base: KnowledgeBase, bank: PromptBank) -> PromptContrast:
    """Return the normal-record contrast that prompts are scored against and the direction
    every finding shares, which their per-crop curves lose.

    Raises
    ------
    ConfigError
        The knowledge base has no abnormal finding in the bank.
    """
    contrast = bank.contrast[_abnormal_rows(knowledge_base, bank)]
    normal = l2_normalise(contrast.mean(axis=0, keepdims=True))[0]
    shared = (bank.positive - bank.contrast).mean(axis=0)
    return PromptContrast(np.asarray(normal, np.float32), np.asarray(shared, np.float32))


def abnormal_shared(knowledge_base: KnowledgeBase, bank: PromptBank) -> np.ndarray:
    """Return the mean positive-minus-contrast direction of the bank's abnormal findings.

    What makes a crop look abnormal whatever the finding; removed from the findings' per-crop
    curves (see the module docstring).

    Raises
    ------
    ConfigError
        The knowledge base has no abnormal finding in the bank.
    """
    rows = _abnormal_rows(knowledge_base, bank)
    return np.asarray((bank.positive[rows] - bank.contrast[rows]).mean(axis=0), np.float32)


def _abnormal_rows(knowledge_base: KnowledgeBase, bank: PromptBank) -> list[int]:
    rows = [i for i, fid in enumerate(bank.finding_ids) if knowledge_base[fid].abnormal]
    if not rows:
        raise ConfigError(
            "the phenotype knowledge base has no abnormal finding, so free-text prompts have "
            "no normal-record contrast; add one (abnormal = true)"
        )
    return rows


def prompt_curve(
    prompt: str,
    prompt_embedding: np.ndarray,
    contrast: PromptContrast,
    crop_embeddings: np.ndarray,
    recording_embedding: np.ndarray,
    crop_starts_s: np.ndarray,
    window_s: float,
    temperature: float,
) -> PromptCurve:
    """Score one embedded prompt as the findings are scored: probabilities and their peaks.

    Parameters
    ----------
    prompt : str
    prompt_embedding : numpy.ndarray
        [dim], L2-normalised.
    contrast : PromptContrast
        From :func:`prompt_contrast`.
    crop_embeddings, recording_embedding, crop_starts_s, window_s, temperature
        As for :func:`score_findings`.
    """
    vector = np.asarray(prompt_embedding, np.float32).reshape(-1)
    crops = np.asarray(crop_embeddings, np.float32)
    recording = np.asarray(recording_embedding, np.float32)
    difference = (vector - contrast.normal)[None]
    probability = _crop_probability(crops, recording, difference, contrast.shared, temperature)[
        :, 0
    ]
    probability = np.ascontiguousarray(probability)
    return PromptCurve(
        prompt=prompt,
        probability=probability,
        recording_probability=float(_sigmoid(recording @ difference[0] / temperature)),
        similarity=crops @ vector,
        recording_similarity=float(recording @ vector),
        top_segments=top_segments(probability, crop_starts_s, window_s, span_s=EVIDENCE_SPAN_S),
    )


def top_segments(
    values: np.ndarray,
    crop_starts_s: np.ndarray,
    window_s: float,
    k: int = TOP_SEGMENTS,
    span_s: float = 0.0,
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
    span_s : float
        Rank the crops by the curve's running mean over about this many seconds of crops
        centred on each (:data:`EVIDENCE_SPAN_S` for evidence curves), not by single crops;
        a segment's ``score`` stays the curve's own value at its crop. No two segments start
        closer than ``max(window_s, span_s)``.
    """
    values = np.asarray(values)
    if len(values) == 0:
        return []
    starts = np.asarray(crop_starts_s, dtype=np.float64)
    width = min(max(1, int(round(span_s / window_s))), len(values))
    kernel = np.ones(width)
    # The running mean over the crops that exist: the first and last crops are not pulled down.
    ranked = np.convolve(values, kernel, mode="same") / np.convolve(
        np.ones(len(values)), kernel, mode="same"
    )
    apart = max(window_s, span_s)
    chosen: list[Segment] = []
    for index in np.argsort(-ranked, kind="stable"):
        start = float(starts[index])
        if any(abs(start - s.start_s) < apart for s in chosen):
            continue
        chosen.append(Segment(start, start + window_s, float(values[index]), int(index)))
        if len(chosen) == k:
            break
    return chosen


def _crop_probability(
    crops: np.ndarray,
    recording: np.ndarray,
    difference: np.ndarray,
    shared: np.ndarray,
    temperature: float,
) -> np.ndarray:
    """[n_crops, k] per-crop probabilities of ``k`` positive-minus-contrast directions, with the
    crop's departure from the recording along ``shared`` removed (the abnormal findings' shared
    direction for findings, every finding's for a free-text prompt)."""
    crops = np.asarray(crops, np.float32)
    departure = (crops - recording[None]) @ shared  # [n]
    return _sigmoid((crops @ difference.T - departure[:, None]) / temperature)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))).astype(np.float32)
