"""The record-level ``normal`` score that one recording can be given on its own.

The ``normal`` finding's prompt alone scores a record; a record is abnormal when any abnormal
finding is present, so the findings say it too. For models trained on more than one generator
family the best abnormality score measured was both together: the recording's ``1 - p(normal)``
and its strongest abnormal finding's probability, each placed on the distribution of the same
score over reference recordings (the validation splits of the model's training corpora), the two
places averaged. On `demo-test-500` the three-family model ranks records at 0.994 by it against
0.974 by its knowledge normal prompt (0.992 against 0.745 with plain prompts); for two-family
models on the family they never saw, 0.772 against 0.681 with plain prompts
(`benchmarks/results/abnormality-score-study.md`, run 2); a third score measured in the signal
itself joins them since 2026-12-05 (below). For a model trained on one family it
is worse across families (its findings fire on any foreign generator), so a bundle carries a
reference only when it is calibrated with ``elm-desktop model calibrate --record-score``, and
without one the normal prompt scores the record as before.

A bundle's ``phenotypes.toml`` holds a reference for each prompt style, fitted on the same
calibration recordings::

    [[record_score]]
    prompt_style = "knowledge"
    threshold = 0.533                           # the record score's threshold for "normal"
    prompts = "3f2a…"                           # digest of the prompts it was fitted with
    findings = ["generalized_slowing", ...]     # whose largest probability is the second score
    not_normal = [0.01, ...]                    # sorted 1 - p(normal) of the reference recordings
    strongest = [0.12, ...]                     # sorted largest probability of `findings`
    signal_features = ["relative delta", ...]   # the signal model (optional, below)
    signal_mean = [...]; signal_scale = [...]; signal_coef = [...]; signal_intercept = -0.3
    measured = [0.05, ...]                      # sorted out-of-fold signal probabilities

A reference fitted since 2026-12-05 on at least
:data:`~elm_desktop.clinical.signal_features.MIN_RECORDINGS_PER_CLASS` normal and abnormal
recordings each adds a third score measured in the signal itself: a small logistic model on
quantitative EEG features that do not depend on the recording's amplitude
(:mod:`elm_desktop.clinical.signal_features`), fitted on the same reference recordings, its
probability placed on its out-of-fold probabilities there; the three places are averaged.
Measured leave one family out, it adds to the model's own two scores on the family the model
never saw (``benchmarks/results/signal-score-study.md``).

The same reference gives each finding of the record's background that the signal features
measure (:data:`SIGNAL_MEASURED`) with enough calibration recordings a score of two places:
its prompt's probability placed among the reference recordings' probabilities of it, and a
signal model of that finding (the same features, fitted on whether the finding is present)
placed on its out-of-fold probabilities there. Each is kept as a
``[[record_score.finding]]`` table under its style's ``[[record_score]]``::

    [[record_score.finding]]
    id = "focal_slowing"
    threshold = 0.61                            # the finding's threshold on this score
    probabilities = [0.02, ...]                 # sorted prompt probabilities of the references
    signal_mean = [...]; signal_scale = [...]; signal_coef = [...]; signal_intercept = -2.1
    measured = [0.01, ...]                      # sorted out-of-fold signal probabilities

Measured leave one family out, finding scores raised the macro AUROC over findings on the
family the model never saw from 0.767 to 0.784 (knowledge prompts;
``benchmarks/results/finding-score-study.md``).

An event (a seizure: :data:`~elm_desktop.clinical.event_shape.EVENT_CATEGORIES`) gets a score of
two places too, with or without the signal model: its prompt's, and its **event rise**'s (how far
its strongest 10 s stand above the recording's median crop,
:func:`~elm_desktop.clinical.event_shape.event_rise`) among the reference recordings' rises. Its
table holds its rises (below) instead of a signal model. Summaries of the whole
recording dilute a seizure; its rise grows with the recording around it. On the three
families' test sets the demo model's seizure AUROC rose from 0.946 / 0.859 / 0.793 by its prompt
to 0.982 / 0.972 / 0.997 by the two places (``benchmarks/results/seizure-event-shape.md``).

A seizure-free recording's rise grows with its length too: its strongest stretch is the largest
of more. So the rise is placed among the reference recordings *without* the event
(``free_rises = [...]``, sorted), and a recording longer than they are (``rise_spans``, the
number of 10 s stretches their curves hold) among the largest of k of them, k the ratio of its
stretches to theirs: its place is the seizure-free place to the power k (the distribution of
the largest of k seizure-free stretches). A 3-minute recording's rise placed among every
one-minute calibration recording's put 12 false seizures over the threshold on 150
filtered-noise test recordings, beside 6 true ones; placed among every recording's to the power
k, 9 of 33 true seizures of ten-minute recordings fell under it, as the seizures at the top of
that reference shrink with the power too (``benchmarks/results/trial-fixes-2026-12-06.md``).
A shorter recording keeps its place: a short excerpt is never made more likely to hold a
seizure. A table written before (every reference recording's ``rises = [...]``) places the rise
among them, whatever the length.

They are read from a model's file only (a user's ``phenotypes.toml`` cannot give a one-family
model a score that is worse for it), and one applies only while the findings are scored with its
prompt style and the prompts it was fitted with: otherwise the ``normal`` prompt scores the
record, against the knowledge base's own ``normal`` threshold. The score is a place among the
reference recordings, not a probability, though it reads like one (high: normal).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.clinical.event_shape import EVENT_CATEGORIES, EVENT_SPAN_S
from elm_desktop.clinical.signal_features import FEATURE_NAMES, SignalModel
from elm_desktop.errors import ConfigError

#: The finding whose probability the record score replaces.
RECORD_FINDING = "normal"
#: What a score is, as the draft, the panel, the HTML and the JSON name it.
PROBABILITY, RECORD_SCORE = "probability", "record score"
TABLE = "record_score"
#: The record score's places, as :meth:`RecordReference.places` names them.
PLACES = ("normal prompt", "strongest abnormal finding", "signal features")
#: The findings scored by a signal model beside their prompt: properties of the whole
#: record's background that a signal feature measures (relative band powers, the posterior
#: rhythm, focal and one-sided slowing, low-amplitude stretches). Events (interictal, periodic
#: and ictal findings) may last seconds of a long recording and are diluted in these summaries
#: of the whole recording: scored so, seizures of 40-100 s in 10-minute recordings fell under
#: their threshold in 19 drafts of 33 (a seizure is scored by its event rise instead,
#: :func:`is_event`). Focal attenuation is an asymmetry of amplitude, which no feature measures
#: (they do not depend on amplitude): its signal model read one-sided slowing instead and called
#: the other side attenuated (``benchmarks/results/finding-score-study.md``).
SIGNAL_MEASURED = ("generalized_slowing", "focal_slowing", "burst_suppression", "excess_beta")
#: What a finding's score is where its reference applies, and its places' names: the prompt's,
#: and the signal model's (:data:`SIGNAL_MEASURED`) or the event rise's (a seizure).
FINDING_SCORE = "finding score"
#: What the photic driving score is where the recording's flash rates let it be measured
#: (:mod:`elm_desktop.clinical.photic_driving`).
DRIVING_MEASURE = "measured driving"
#: What the artifact score is where muscle artifact is measured
#: (:mod:`elm_desktop.clinical.muscle_artifact`).
MUSCLE_MEASURE = "measured muscle"
#: The scores measured in the signal instead of read from the model's prompt.
MEASURED = (DRIVING_MEASURE, MUSCLE_MEASURE)
PROMPT_PLACE, SIGNAL_PLACE, EVENT_PLACE = "prompt", "signal features", "event rise"
FINDING_TABLE = "finding"


def has_finding_score(knowledge_base: Any, finding_id: str) -> bool:
    """Whether calibration gives a finding a finding score: abnormal in ``knowledge_base``, and
    one of :data:`SIGNAL_MEASURED` or an event (:func:`is_event`)."""
    return bool(knowledge_base[finding_id].abnormal) and (
        finding_id in SIGNAL_MEASURED or is_event(knowledge_base, finding_id)
    )


def is_event(knowledge_base: Any, finding_id: str) -> bool:
    """Whether a finding is an event, scored by its prompt and its event rise
    (:mod:`elm_desktop.clinical.event_shape`) rather than by the signal features."""
    return knowledge_base[finding_id].category in EVENT_CATEGORIES


def measure_words(measure: str, places: Collection[str] = ()) -> str:
    """What a score that is not a probability is made of, and which way is high (a reviewer's
    words for :attr:`~elm_desktop.clinical.zeroshot.FindingScore.measure`, whose ``parts``
    name the ``places``)."""
    if measure == DRIVING_MEASURE:
        return (
            "the peak at the flash rate in the posterior derivations during stimulation, over "
            "the same frequencies outside it, on a 0-1 scale (0.5 at the bar for driving); "
            "measured in the signal, not the model's prompt; high = present"
        )
    if measure == MUSCLE_MEASURE:
        return (
            "muscle artifact measured in the temporal derivations: bursts of 30-45 Hz power, "
            "two half seconds of one crop ten times their derivation's median or more, on a "
            "0-1 scale (present from 0.5; other artifacts are left to the model's prompt); "
            "high = present"
        )
    if measure == RECORD_SCORE:
        return (
            "one minus the mean place, among the model's calibration recordings, of the "
            "record's normal prompt, its strongest abnormal finding and, for a model "
            "calibrated with them, the signal's measured features (a rank, not a probability): "
            "the score high = normal, each place high = abnormal"
        )
    if EVENT_PLACE in places:
        return (
            f"the finding's prompt, placed among the model's calibration recordings, and how "
            f"far its prompt's strongest {EVENT_SPAN_S:g} s stand above the recording's median "
            "crop, placed among those without the event, for the recording's length (ranks, "
            "not probabilities); high = present"
        )
    return (
        "the finding's prompt and a model of the finding on the signal's measured features, "
        "each placed among the model's calibration recordings (a rank, not a probability); "
        "high = present"
    )


def places_words(places: Mapping[str, float]) -> str:
    """A score's places, named as places ("its places among the calibration recordings: prompt
    0.88, signal features 0.40"): beside a probability, "prompt 0.88" read as the prompt's
    probability (a trial saw "prompt 0.88" and "its prompt 0.86" in one row)."""
    shown = ", ".join(f"{name} {value:.2f}" for name, value in places.items())
    return f"its places among the calibration recordings: {shown}" if shown else ""


@dataclass(frozen=True)
class FindingReference:
    """One finding's score: its prompt and its signal model, or for an event its event rise,
    placed among reference recordings.

    Attributes
    ----------
    probabilities : numpy.ndarray
        Sorted prompt probability of the finding on each reference recording.
    signal : SignalModel or None
        The finding's model on the signal features, fitted on the same recordings; None for
        an event.
    measured : numpy.ndarray or None
        Sorted out-of-fold probabilities of ``signal`` on them; None for an event.
    threshold : float
        The finding's threshold on the mean of :meth:`places`.
    rises : numpy.ndarray or None
        For an event in a table written before ``free_rises``, the sorted event rise of each
        reference recording (:func:`~elm_desktop.clinical.event_shape.event_rise`), placed
        whatever the recording's length; None otherwise.
    min_rise : float or None
        For an event, the least rise for its prompt's call to be stated
        (:func:`~elm_desktop.clinical.event_shape.least_kept`, chosen at calibration); None
        otherwise, or for a table written before it was kept.
    free_rises : numpy.ndarray or None
        For an event, the sorted event rises of the reference recordings without it; None
        otherwise, or for a table written before (``rises``).
    rise_spans : float or None
        Beside ``free_rises``, the number of stretches
        (:func:`~elm_desktop.clinical.event_shape.stretches`) of the reference recordings'
        curves, their median.
    min_change : float or None
        For an event, the least change of the signal where its curve is strongest
        (:func:`~elm_desktop.clinical.event_shape.event_change`) for its prompt's call to be
        stated (chosen at calibration as ``min_rise``); None otherwise, or for a table
        written before it was kept.
    """

    probabilities: np.ndarray
    signal: SignalModel | None = None
    measured: np.ndarray | None = None
    threshold: float = 0.5
    rises: np.ndarray | None = None
    min_rise: float | None = None
    free_rises: np.ndarray | None = None
    rise_spans: float | None = None
    min_change: float | None = None

    def places(
        self,
        probability: float,
        signal_features: np.ndarray | None = None,
        signal_probability: float | None = None,
        rise: float | None = None,
        spans: int | None = None,
    ) -> dict[str, float]:
        """The prompt's place and the signal model's, or for an event the event rise's (high:
        more likely present), by name.

        ``signal_probability`` replaces the signal model's probability of ``signal_features``
        (at calibration, a reference recording's out-of-fold one). ``spans``, the stretches of
        the recording whose ``rise`` it is, places a recording longer than the reference ones
        among the largest of as many seizure-free rises (see the module docstring).

        Raises
        ------
        ValueError
            An event without its ``rise``, or another finding without ``signal_features`` or
            ``signal_probability``.
        """
        prompt = place(probability, self.probabilities)
        if self.free_rises is not None or self.rises is not None:
            if rise is None:
                raise ValueError("this finding score needs the finding's event rise")
            if self.free_rises is None:  # a table written before: every recording's rises
                return {PROMPT_PLACE: prompt, EVENT_PLACE: place(rise, self.rises)}
            longer = 1.0
            if spans is not None and self.rise_spans is not None:
                longer = max(spans / self.rise_spans, 1.0)
            return {PROMPT_PLACE: prompt, EVENT_PLACE: place(rise, self.free_rises) ** longer}
        if self.signal is None or self.measured is None:
            raise ValueError("a finding reference needs a signal model or event rises")
        if signal_probability is None:
            if signal_features is None:
                raise ValueError("this finding score needs the recording's signal features")
            signal_probability = self.signal.probability(signal_features)
        return {PROMPT_PLACE: prompt, SIGNAL_PLACE: place(signal_probability, self.measured)}

    def toml(self, finding_id: str) -> str:
        """Return the ``[[record_score.finding]]`` table that stores this reference."""
        return "\n".join(
            [
                f"[[{TABLE}.{FINDING_TABLE}]]",
                f'id = "{finding_id}"',
                f"threshold = {self.threshold:.4f}",
                f"probabilities = {_numbers(self.probabilities)}",
                *_signal_lines(self.signal, self.measured),
                *([] if self.rises is None else [f"rises = {_numbers(self.rises)}"]),
                *([] if self.free_rises is None else [f"free_rises = {_numbers(self.free_rises)}"]),
                *([] if self.min_rise is None else [f"min_rise = {self.min_rise!r}"]),
                *([] if self.rise_spans is None else [f"rise_spans = {self.rise_spans!r}"]),
                *([] if self.min_change is None else [f"min_change = {self.min_change!r}"]),
            ]
        )


@dataclass(frozen=True)
class RecordReference:
    """The scores' distributions over a model's reference recordings.

    Attributes
    ----------
    prompt_style : str
        The prompt style the reference probabilities were scored with.
    findings : tuple of str
        The abnormal findings whose largest probability is the second score.
    not_normal, strongest : numpy.ndarray
        Sorted ``1 - p(normal)`` and sorted largest probability of ``findings``, one value per
        reference recording.
    threshold : float
        The ``normal`` finding's threshold on the record score.
    prompts : str
        :func:`prompts_digest` of the knowledge base it was fitted with.
    signal : SignalModel or None
        The abnormality model on the recording's signal features, when it was fitted with one.
    measured : numpy.ndarray or None
        Sorted out-of-fold probabilities of ``signal`` on the reference recordings.
    finding_references : dict of str to FindingReference
        The abnormal findings' own scores, by finding id (those fitted: see the module).
    """

    prompt_style: str
    findings: tuple[str, ...]
    not_normal: np.ndarray
    strongest: np.ndarray
    threshold: float = 0.5
    prompts: str = ""
    signal: SignalModel | None = None
    measured: np.ndarray | None = None
    finding_references: Mapping[str, FindingReference] = field(default_factory=dict)

    def applies(self, style: str, knowledge_base: Any) -> bool:
        """Whether findings scored with ``style`` and this knowledge base's prompts use it."""
        return style == self.prompt_style and self.prompts == prompts_digest(
            knowledge_base, self.findings, style
        )

    def normal_probability(
        self,
        probabilities: Mapping[str, float],
        signal_features: np.ndarray | None = None,
        signal_probability: float | None = None,
    ) -> float:
        """Return the record's ``normal`` score from its findings' probabilities.

        One minus the mean of the places, so that it reads like the normal prompt's
        probability (high: normal) and takes a threshold the same way. ``signal_probability``
        replaces the signal model's probability of ``signal_features``: at calibration, a
        reference recording's out-of-fold one, what a new recording's is like.

        Raises
        ------
        ValueError
            The reference has a signal model and no ``signal_features`` are given: the score
            its threshold was calibrated on cannot be computed.
        """
        return 1.0 - mean_place(self.places(probabilities, signal_features, signal_probability))

    def places(
        self,
        probabilities: Mapping[str, float],
        signal_features: np.ndarray | None = None,
        signal_probability: float | None = None,
    ) -> dict[str, float]:
        """Each score's place among the reference recordings (high: more abnormal), by name:
        what the record score averages (:meth:`normal_probability`; its arguments)."""
        not_normal = 1.0 - probabilities[RECORD_FINDING]
        strongest = max(probabilities[f] for f in self.findings)
        places = {
            PLACES[0]: place(not_normal, self.not_normal),
            PLACES[1]: place(strongest, self.strongest),
        }
        if self.signal is not None and self.measured is not None:
            if signal_probability is None:
                if signal_features is None:
                    raise ValueError("this record score needs the recording's signal features")
                signal_probability = self.signal.probability(signal_features)
            places[PLACES[2]] = place(signal_probability, self.measured)
        return places

    def toml(self) -> str:
        """Return the ``[[record_score]]`` table that stores this reference."""
        return "\n".join(
            [
                f"[[{TABLE}]]",
                f'prompt_style = "{self.prompt_style}"',
                f"threshold = {self.threshold:.4f}",
                f'prompts = "{self.prompts}"',
                f"findings = {json.dumps(list(self.findings))}",
                f"not_normal = {_numbers(self.not_normal)}",
                f"strongest = {_numbers(self.strongest)}",
                *_signal_lines(self.signal, self.measured),
                *(
                    "\n" + reference.toml(finding_id)
                    for finding_id, reference in self.finding_references.items()
                ),
            ]
        )


def _signal_lines(signal: SignalModel | None, measured: np.ndarray | None) -> list[str]:
    if signal is None or measured is None:
        return []
    return [
        f"signal_features = {json.dumps(list(FEATURE_NAMES))}",
        f"signal_mean = {_numbers(signal.mean)}",
        f"signal_scale = {_numbers(signal.scale)}",
        f"signal_coef = {_numbers(signal.coef)}",
        f"signal_intercept = {float(signal.intercept)!r}",
        f"measured = {_numbers(measured)}",
    ]


def _numbers(values: np.ndarray) -> str:
    # Every digit: a calibration recording's own score is in the reference, and a rounded copy
    # would place it differently than when its threshold was chosen.
    return f"[{', '.join(repr(float(v)) for v in values)}]"


def mean_place(places: Mapping[str, float]) -> float:
    """The mean of a score's places (:meth:`FindingReference.places`, :meth:`RecordReference.places`):
    a finding score, or one minus the record score."""
    return float(np.mean(list(places.values())))


def place(value: float, reference: np.ndarray) -> float:
    """Return the share of sorted ``reference`` values below ``value`` (ties counted half)."""
    below = np.searchsorted(reference, value, side="left")
    at_or_below = np.searchsorted(reference, value, side="right")
    return float(below + at_or_below) / (2 * len(reference))


def prompts_digest(knowledge_base: Any, findings: Sequence[str], style: str) -> str:
    """Return a short hash of the prompts and contrasts that score ``normal`` and ``findings``.

    ``knowledge_base`` maps finding ids to findings with ``prompts(style)`` and ``contrast``.
    """
    prompts = [
        [list(knowledge_base[f].prompts(style)), list(knowledge_base[f].contrast)]
        for f in (RECORD_FINDING, *findings)
    ]
    return hashlib.sha256(json.dumps(prompts).encode()).hexdigest()[:16]


def fit_reference(
    probabilities: Mapping[str, Sequence[float]],
    knowledge_base: Any,
    prompt_style: str,
    signal: tuple[SignalModel, np.ndarray] | None = None,
    finding_signals: Mapping[str, tuple[SignalModel, np.ndarray]] | None = None,
    finding_rises: Mapping[str, Sequence[float]] | None = None,
    rise_spans: float | None = None,
) -> RecordReference:
    """Build a reference from the reference recordings' finding probabilities.

    Parameters
    ----------
    probabilities : mapping
        Finding id -> the probability of each reference recording (same order for every id),
        scored with ``knowledge_base``; must hold ``normal``.
    knowledge_base : KnowledgeBase
        Its abnormal findings among ``probabilities`` give the second score.
    prompt_style : str
        The style the probabilities were scored with.
    signal : (SignalModel, numpy.ndarray), optional
        The signal model fitted on the same recordings and its out-of-fold probabilities
        there (:func:`~elm_desktop.clinical.signal_features.out_of_fold_probabilities`).
    finding_signals : mapping, optional
        Abnormal finding id -> its own signal model and out-of-fold probabilities, likewise:
        each becomes a :class:`FindingReference` (threshold 0.5 until one is chosen).
        Calibration fits them for the findings of :data:`SIGNAL_MEASURED`.
    finding_rises : mapping, optional
        Event finding id -> the event rises of the reference recordings without the event:
        each event's becomes its :class:`FindingReference` (``free_rises``), likewise.
    rise_spans : float, optional
        The median number of stretches of the reference recordings' curves
        (:func:`~elm_desktop.clinical.event_shape.stretches`), kept beside the rises.
    """
    findings = tuple(f for f in probabilities if knowledge_base[f].abnormal)
    normal = np.asarray(probabilities[RECORD_FINDING], float)
    strongest = np.max([np.asarray(probabilities[f], float) for f in findings], axis=0)
    return RecordReference(
        prompt_style,
        findings,
        np.sort(1.0 - normal),
        np.sort(strongest),
        prompts=prompts_digest(knowledge_base, findings, prompt_style),
        signal=None if signal is None else signal[0],
        measured=None if signal is None else np.sort(np.asarray(signal[1], float)),
        finding_references={
            finding_id: FindingReference(
                np.sort(np.asarray(probabilities[finding_id], float)),
                model,
                np.sort(np.asarray(held_out, float)),
            )
            for finding_id, (model, held_out) in (finding_signals or {}).items()
            if finding_id in findings
        }
        | {
            finding_id: FindingReference(
                np.sort(np.asarray(probabilities[finding_id], float)),
                free_rises=np.sort(np.asarray(rises, float)),
                rise_spans=rise_spans,
            )
            for finding_id, rises in (finding_rises or {}).items()
            if finding_id in findings and is_event(knowledge_base, finding_id)
        },
    )


def read_references(
    tables: Any, abnormal: Sequence[str], source: Path
) -> dict[str, RecordReference]:
    """Check a file's ``[[record_score]]`` tables and return their references by prompt style.

    Raises
    ------
    ConfigError
        A table is malformed (:func:`read_reference`), or two are for the same style.
    """
    if not isinstance(tables, list):
        raise ConfigError(f"{source}: {TABLE} must be tables, [[{TABLE}]], one per prompt style")
    references: dict[str, RecordReference] = {}
    for table in tables:
        reference = read_reference(table, abnormal, source)
        if reference.prompt_style in references:
            raise ConfigError(f"{source}: two {TABLE} tables for {reference.prompt_style} prompts")
        references[reference.prompt_style] = reference
    return references


def read_reference(table: Any, abnormal: Sequence[str], source: Path) -> RecordReference:
    """Check one ``[[record_score]]`` table and return its reference.

    ``abnormal`` lists the knowledge base's abnormal findings, the only ones ``findings`` may
    name.

    Raises
    ------
    ConfigError
        A field is missing or of the wrong type, or names a finding that is not abnormal.
    """
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: {TABLE} must be tables, [[{TABLE}]]")
    style, findings = table.get("prompt_style"), table.get("findings")
    if style not in ("knowledge", "plain"):
        raise ConfigError(f"{source}: {TABLE}.prompt_style must be 'knowledge' or 'plain'")
    if not isinstance(findings, list) or not findings or not all(f in abnormal for f in findings):
        raise ConfigError(
            f"{source}: {TABLE}.findings must list abnormal findings of the knowledge base; "
            f"known: {', '.join(abnormal)}"
        )
    threshold, prompts = table.get("threshold"), table.get("prompts")
    if not _is_number(threshold) or not 0.0 < threshold < 1.0:
        raise ConfigError(f"{source}: {TABLE}.threshold must be a number between 0 and 1")
    if not isinstance(prompts, str):
        raise ConfigError(f"{source}: {TABLE}.prompts must be the digest of the fitted prompts")
    arrays = []
    for name in ("not_normal", "strongest"):
        values = table.get(name)
        if not isinstance(values, list) or not values or not all(map(_is_number, values)):
            raise ConfigError(f"{source}: {TABLE}.{name} must be a non-empty list of numbers")
        arrays.append(np.sort(np.asarray(values, float)))
    signal, measured = _read_signal(table, source, TABLE)
    return RecordReference(
        style,
        tuple(findings),
        arrays[0],
        arrays[1],
        float(threshold),
        prompts,
        signal,
        measured,
        _read_finding_references(table.get(FINDING_TABLE, []), findings, source),
    )


def _read_finding_references(
    tables: Any, findings: Sequence[str], source: Path
) -> dict[str, FindingReference]:
    """Check a reference's ``[[record_score.finding]]`` tables and return them by finding id."""
    where = f"{TABLE}.{FINDING_TABLE}"
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{source}: {where} must be tables, [[{where}]], one per finding")
    references = {}
    for table in tables:
        finding_id, threshold = table.get("id"), table.get("threshold")
        if finding_id not in findings or finding_id in references:
            raise ConfigError(
                f"{source}: {where}.id must name one of the reference's findings, once; "
                f"known: {', '.join(findings)}"
            )
        if not _is_number(threshold) or not 0.0 < threshold < 1.0:
            raise ConfigError(f"{source}: {where}.threshold must be a number between 0 and 1")
        values = table.get("probabilities")
        if not isinstance(values, list) or not values or not all(map(_is_number, values)):
            raise ConfigError(
                f"{source}: {where}.probabilities must be a non-empty list of numbers"
            )
        signal, measured = _read_signal(table, source, where)
        rises, free_rises = table.get("rises"), table.get("free_rises")
        for name, listed in (("rises", rises), ("free_rises", free_rises)):
            if listed is not None and (
                not isinstance(listed, list) or not listed or not all(map(_is_number, listed))
            ):
                raise ConfigError(f"{source}: {where}.{name} must be a non-empty list of numbers")
        events = sum(listed is not None for listed in (rises, free_rises))
        if signal is None and not events:
            raise ConfigError(
                f"{source}: {where} for {finding_id} has neither a signal model "
                "(signal_features, signal_mean, signal_scale, signal_coef, signal_intercept, "
                "measured) nor an event's free_rises"
            )
        if (signal is not None and events) or events > 1:
            raise ConfigError(
                f"{source}: {where} for {finding_id} has more than one of a signal model, "
                "rises and free_rises; calibrate the model again"
            )
        if rises is not None and len(rises) != len(values):
            raise ConfigError(
                f"{source}: {where}.rises for {finding_id} must have as many values as its "
                "probabilities (one per calibration recording)"
            )
        min_rise, min_change = table.get("min_rise"), table.get("min_change")
        for name, least in (("min_rise", min_rise), ("min_change", min_change)):
            if least is not None and (not events or not _is_number(least) or least < 0):
                raise ConfigError(
                    f"{source}: {where}.{name} for {finding_id} must be a number >= 0, beside "
                    "an event's rises"
                )
        rise_spans = table.get("rise_spans")
        if rise_spans is not None and (
            free_rises is None or not _is_number(rise_spans) or rise_spans < 1
        ):
            raise ConfigError(
                f"{source}: {where}.rise_spans for {finding_id} must be a number >= 1, beside "
                "free_rises"
            )
        references[finding_id] = FindingReference(
            np.sort(np.asarray(values, float)),
            signal,
            measured,
            float(threshold),
            None if rises is None else np.sort(np.asarray(rises, float)),
            None if min_rise is None else float(min_rise),
            None if free_rises is None else np.sort(np.asarray(free_rises, float)),
            None if rise_spans is None else float(rise_spans),
            None if min_change is None else float(min_change),
        )
    return references


def _read_signal(
    table: dict, source: Path, where: str
) -> tuple[SignalModel | None, np.ndarray | None]:
    """The table's signal model and its reference probabilities; (None, None) without one."""
    if "signal_features" not in table:
        return None, None
    if table["signal_features"] != list(FEATURE_NAMES):
        raise ConfigError(
            f"{source}: {where}.signal_features are not the features this program measures "
            f"({', '.join(FEATURE_NAMES)}); calibrate the model again"
        )
    arrays = {}
    for name in ("signal_mean", "signal_scale", "signal_coef", "measured"):
        values = table.get(name)
        length_ok = name == "measured" or (
            isinstance(values, list) and len(values) == len(FEATURE_NAMES)
        )
        if not isinstance(values, list) or not values or not length_ok:
            raise ConfigError(
                f"{source}: {where}.{name} must be a list of numbers, one per feature"
            )
        if not all(map(_is_number, values)):
            raise ConfigError(f"{source}: {where}.{name} must be a list of numbers")
        arrays[name] = np.asarray(values, float)
    intercept = table.get("signal_intercept")
    if not _is_number(intercept) or not np.all(arrays["signal_scale"] > 0):
        raise ConfigError(
            f"{source}: {where}.signal_intercept must be a number and signal_scale positive"
        )
    model = SignalModel(
        arrays["signal_mean"], arrays["signal_scale"], arrays["signal_coef"], float(intercept)
    )
    return model, np.sort(arrays["measured"])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
