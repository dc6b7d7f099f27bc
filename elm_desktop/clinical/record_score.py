"""The record-level ``normal`` score that one recording can be given on its own.

The ``normal`` finding's prompt alone scores a record; a record is abnormal when any abnormal
finding is present, so the findings say it too. For models trained on more than one generator
family the best abnormality score measured was both together: the recording's ``1 - p(normal)``
and its strongest abnormal finding's probability, each placed on the distribution of the same
score over reference recordings (the validation splits of the model's training corpora), the two
places averaged. On `demo-test-500` the three-family model ranks records at 0.994 by it against
0.974 by its knowledge normal prompt (0.992 against 0.745 with plain prompts); for two-family
models on the family they never saw, 0.772 against 0.681 with plain prompts
(`benchmarks/results/abnormality-score-study.md`, run 2). For a model trained on one family it
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.errors import ConfigError

#: The finding whose probability the record score replaces.
RECORD_FINDING = "normal"
#: What a score is, as the draft, the panel, the HTML and the JSON name it.
PROBABILITY, RECORD_SCORE = "probability", "record score"
TABLE = "record_score"


@dataclass(frozen=True)
class RecordReference:
    """The two scores' distributions over a model's reference recordings.

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
    """

    prompt_style: str
    findings: tuple[str, ...]
    not_normal: np.ndarray
    strongest: np.ndarray
    threshold: float = 0.5
    prompts: str = ""

    def applies(self, style: str, knowledge_base: Any) -> bool:
        """Whether findings scored with ``style`` and this knowledge base's prompts use it."""
        return style == self.prompt_style and self.prompts == prompts_digest(
            knowledge_base, self.findings, style
        )

    def normal_probability(self, probabilities: Mapping[str, float]) -> float:
        """Return the record's ``normal`` score from its findings' probabilities.

        One minus the mean of the two places, so that it reads like the normal prompt's
        probability (high: normal) and takes a threshold the same way.
        """
        not_normal = 1.0 - probabilities[RECORD_FINDING]
        strongest = max(probabilities[f] for f in self.findings)
        return 1.0 - (place(not_normal, self.not_normal) + place(strongest, self.strongest)) / 2

    def toml(self) -> str:
        """Return the ``[[record_score]]`` table that stores this reference."""
        return "\n".join(
            [
                f"[[{TABLE}]]",
                f'prompt_style = "{self.prompt_style}"',
                f"threshold = {self.threshold:.4f}",
                f'prompts = "{self.prompts}"',
                f"findings = {json.dumps(list(self.findings))}",
                f"not_normal = [{', '.join(f'{v:.6g}' for v in self.not_normal)}]",
                f"strongest = [{', '.join(f'{v:.6g}' for v in self.strongest)}]",
            ]
        )


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
    probabilities: Mapping[str, Sequence[float]], knowledge_base: Any, prompt_style: str
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
    return RecordReference(style, tuple(findings), arrays[0], arrays[1], float(threshold), prompts)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
