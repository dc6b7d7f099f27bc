"""Figures for zero-shot findings and draft reports on a labelled corpus.

Given, for each evaluated recording, its true findings, its reference report, the zero-shot
probabilities under each prompt style and the draft report's body, this computes:

- zero-shot AUROC per finding, knowledge-enhanced prompts beside plain labels, and their macro
  averages over the findings with both classes present;
- the draft's findings against the reference report's, both read by the findings extractor
  (precision, recall, F1 per finding and micro-averaged), and against the true findings;
- ROUGE-L F of the draft body against the reference report;
- how often the draft's impression (normal/abnormal) matches the truth;
- the extractor's own agreement with the true findings on the reference reports, which bounds
  how far the extracted-findings figures can be trusted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from elm_desktop.clinical.extract import extract_findings
from elm_desktop.clinical.knowledge import PROMPT_STYLES, KnowledgeBase
from elm_desktop.clinical.metrics import Counts, auroc, finding_counts, micro_counts, rouge_l


@dataclass(frozen=True)
class EvaluatedRecording:
    """What evaluation needs about one recording.

    Attributes
    ----------
    recording_id : str
    truth : frozenset of str
        True findings (``normal`` for a normal record).
    abnormal : bool
        Whether the record is truly abnormal.
    reference_report : str
    probabilities : dict
        Prompt style -> finding id -> recording-level probability.
    draft : str
        The draft report's body (:meth:`DraftReport.text` with ``annotate=False``).
    impression : str
        The draft's impression (``"normal"``, ``"abnormal"`` or ``"not assessed"``).
    """

    recording_id: str
    truth: frozenset[str]
    abnormal: bool
    reference_report: str
    probabilities: dict[str, dict[str, float]]
    draft: str
    impression: str


def evaluation_figures(
    records: Sequence[EvaluatedRecording], knowledge_base: KnowledgeBase
) -> dict[str, Any]:
    """Compute every figure of the evaluation (see the module docstring); JSON-ready."""
    names = knowledge_base.list_findings()
    zero_shot: dict[str, dict[str, float | int]] = {}
    for name in names:
        labels = [name in r.truth for r in records]
        row: dict[str, float | int] = {"positives": int(sum(labels)), "n": len(records)}
        for style in PROMPT_STYLES:
            row[style] = auroc(labels, [r.probabilities[style][name] for r in records])
        zero_shot[name] = row
    macro = {style: _nanmean([row[style] for row in zero_shot.values()]) for style in PROMPT_STYLES}

    drafted = [extract_findings(r.draft, knowledge_base) for r in records]
    referenced = [extract_findings(r.reference_report, knowledge_base) for r in records]
    truths = [set(r.truth) for r in records]
    vs_reference = finding_counts(drafted, referenced, names)
    vs_truth = finding_counts(drafted, truths, names)
    extractor = finding_counts(referenced, truths, names)
    rouge = [rouge_l(r.draft, r.reference_report) for r in records]
    assessed = [r for r in records if r.impression != "not assessed"]
    return {
        "n_recordings": len(records),
        "zero_shot_auroc": zero_shot,
        "zero_shot_macro_auroc": macro,
        "draft_findings_vs_reference": _counts_table(vs_reference),
        "draft_findings_vs_truth": _counts_table(vs_truth),
        "extractor_on_reference_vs_truth": _counts_table(extractor),
        "rouge_l": {
            "mean": float(np.mean(rouge)) if rouge else math.nan,
            "median": float(np.median(rouge)) if rouge else math.nan,
        },
        "impression_accuracy": (
            float(np.mean([(r.impression == "abnormal") == r.abnormal for r in assessed]))
            if assessed
            else math.nan
        ),
        "impressions_assessed": len(assessed),
    }


def calibrate_thresholds(
    labels: Mapping[str, Sequence[bool]], probabilities: Mapping[str, Sequence[float]]
) -> dict[str, float]:
    """Choose, per finding, the threshold that maximises F1 on a calibration split.

    The threshold lies halfway between the lowest probability called present and the next
    lower one, so it does not sit exactly on a calibration recording. Findings without both
    classes in the split get no threshold (the knowledge base's stays).

    Parameters
    ----------
    labels : mapping
        Finding id -> whether each calibration recording has it.
    probabilities : mapping
        Finding id -> the recording-level probability of each calibration recording.
    """
    thresholds = {}
    for name, truth in labels.items():
        y = np.asarray(truth, dtype=bool)
        p = np.asarray(probabilities[name], dtype=np.float64)
        if y.all() or not y.any():
            continue
        values = np.unique(p)
        best_f1, best = -1.0, 0
        for i, value in enumerate(values):
            called = p >= value
            tp = int((called & y).sum())
            f1 = 2 * tp / (called.sum() + y.sum())
            if f1 > best_f1:
                best_f1, best = f1, i
        lower = values[best - 1] if best > 0 else max(values[0] - 1e-3, 0.0)
        thresholds[name] = float(np.clip((values[best] + lower) / 2, 1e-6, 1 - 1e-6))
    return thresholds


def with_thresholds(
    knowledge_base: KnowledgeBase, thresholds: Mapping[str, float]
) -> KnowledgeBase:
    """Return a copy of a knowledge base with some findings' thresholds replaced."""
    findings = [
        replace(f, threshold=thresholds[f.id]) if f.id in thresholds else f
        for f in knowledge_base.values()
    ]
    return KnowledgeBase(findings, knowledge_base.sources)


def thresholds_toml(thresholds: Mapping[str, float], note: str) -> str:
    """Return user knowledge-base entries that set these thresholds (``phenotypes.toml``)."""
    lines = [f"# {line}" for line in note.splitlines()]
    for name, value in thresholds.items():
        lines += ["", f"[findings.{name}]", f"threshold = {value:.4f}"]
    return "\n".join(lines) + "\n"


def figures_markdown(figures: dict[str, Any]) -> str:
    """Return the figures as markdown tables."""
    lines = [
        f"Recordings evaluated: {figures['n_recordings']}.",
        "",
        "**Zero-shot AUROC per finding** (recording level; NaN where the split lacks one class)",
        "",
        "| finding | positives | knowledge-enhanced | plain label |",
        "|---|---|---|---|",
    ]
    for name, row in figures["zero_shot_auroc"].items():
        lines.append(
            f"| {name} | {row['positives']}/{row['n']} | {_f(row['knowledge'])} | {_f(row['plain'])} |"
        )
    macro = figures["zero_shot_macro_auroc"]
    lines += [f"| **macro** | | **{_f(macro['knowledge'])}** | **{_f(macro['plain'])}** |", ""]
    for key, title in (
        ("draft_findings_vs_reference", "Draft findings against the reference report's"),
        ("draft_findings_vs_truth", "Draft findings against the true findings"),
        ("extractor_on_reference_vs_truth", "Extractor on the reference reports against the truth"),
    ):
        lines += [f"**{title}**", "", "| finding | support | precision | recall | F1 |"]
        lines.append("|---|---|---|---|---|")
        for name, row in figures[key].items():
            lines.append(
                f"| {name} | {row['support']} | {_f(row['precision'])} | {_f(row['recall'])} "
                f"| {_f(row['f1'])} |"
            )
        lines.append("")
    if "thresholds" in figures:
        split = figures.get("calibration_split")
        origin = (
            f"calibrated on the {split} split where it has both classes, else the model's "
            "or the knowledge base's"
            if split
            else "the ones the model carries, else the knowledge base's"
        )
        lines += [
            f"**Thresholds the drafts used** ({origin})",
            "",
            "| finding | threshold |",
            "|---|---|",
        ]
        lines += [f"| {name} | {value:.3f} |" for name, value in figures["thresholds"].items()]
        lines.append("")
    rouge = figures["rouge_l"]
    lines += [
        f"ROUGE-L F of the draft body against the reference report: mean {_f(rouge['mean'])}, "
        f"median {_f(rouge['median'])}.",
        f"Impression (normal/abnormal) accuracy: {_f(figures['impression_accuracy'])} over "
        f"{figures['impressions_assessed']} drafts.",
    ]
    return "\n".join(lines)


def _counts_table(counts: dict[str, Counts]) -> dict[str, dict[str, float | int]]:
    table = {name: _counts_row(c) for name, c in counts.items()}
    table["micro"] = _counts_row(micro_counts(counts.values()))
    return table


def _counts_row(counts: Counts) -> dict[str, float | int]:
    return {
        "support": counts.support,
        "precision": counts.precision,
        "recall": counts.recall,
        "f1": counts.f1,
    }


def _nanmean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def _f(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"
