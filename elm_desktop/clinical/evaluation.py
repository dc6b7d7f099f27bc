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
  how far the extracted-findings figures can be trusted;
- the drafts' safety (:func:`safety_figures`, from one :class:`SafetyRecord` per recording):
  drafts that describe hyperventilation or photic stimulation the recording does not have,
  drafts with contradicting sentences (:mod:`~elm_desktop.clinical.consistency`), true
  findings the draft's report body states absent (a negated mention, the extractor's
  reading), lateralised
  findings stated with the right side, sides named on normal recordings (every lateralised
  finding localised there, present or not: the noise floor of the side rule), the seizure
  finding's first top segment (the jump)
  inside a true seizure, and the prompt :data:`SEIZURE_PROMPT` peaking inside the seizure with
  a probability above the same prompt's on a normal recording.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from elm_desktop.clinical.consistency import claims, contradictions
from elm_desktop.clinical.extract import extract_findings, find_mentions, record_text
from elm_desktop.clinical.knowledge import (
    MIN_RULE_OUT_POSITIVES,
    PROMPT_STYLES,
    RULE_OUT_SENSITIVITY,
    KnowledgeBase,
    PromptStyle,
)
from elm_desktop.clinical.localise import LATERALISED, Location
from elm_desktop.clinical.metrics import Counts, auroc, finding_counts, micro_counts, rouge_l
from elm_desktop.clinical.procedures import recorded_procedures
from elm_desktop.clinical.record_score import RECORD_FINDING
from elm_desktop.clinical.report import UNSTATED, DraftReport
from elm_desktop.clinical.zeroshot import FindingScore, PromptCurve, Segment
from elm_desktop.signals.recording import Annotation

#: The free-text prompt checked on recordings with a seizure (the one the issue tried).
SEIZURE_PROMPT = "electrographic seizure with rhythmic evolution"
#: Procedures whose mention in a draft must be backed by the recording.
CHECKED_PROCEDURES = ("hyperventilation", "photic stimulation")


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
        The draft's impression (``"normal"``, ``"abnormal"``, ``"left to the reviewer"`` or
        ``"not assessed"``).
    safety : SafetyRecord or None
        What the safety figures need (:func:`safety_record`); none without ground truth.
    """

    recording_id: str
    truth: frozenset[str]
    abnormal: bool
    reference_report: str
    probabilities: dict[str, dict[str, float]]
    draft: str
    impression: str
    safety: SafetyRecord | None = None


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
    assessed = [r for r in records if r.impression not in UNSTATED]
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
        **(
            {"safety": safety_figures([r.safety for r in records if r.safety is not None])}
            if any(r.safety is not None for r in records)
            else {}
        ),
    }


@dataclass(frozen=True)
class SafetyRecord:
    """What the safety figures need about one analysed recording.

    Attributes
    ----------
    recording_id : str
    normal : bool
        Whether the record is truly normal.
    procedures : frozenset of str
        The procedures of :data:`CHECKED_PROCEDURES` the recording truly has (its annotations).
    described : frozenset of str
        The procedures of :data:`CHECKED_PROCEDURES` the draft describes as done.
    contradictions : tuple of str
        Why sentences of the draft contradict each other (empty: none).
    true_findings : frozenset of str
        The recording's true findings, ``normal`` left out.
    denied : frozenset of str
        Those of them the draft's report body states absent (:func:`denied_findings`; not the
        MODEL FINDINGS list, whose "absent" is a score under its threshold).
    sides : tuple of (str, str, str)
        (finding, true side, side the draft states; "" for none) for each lateralised true
        finding the draft asserts.
    normal_asymmetries : tuple of (float, bool)
        On a normal record, (absolute asymmetry, whether a side was named) of each lateralised
        finding's location, present or not; empty on an abnormal record.
    seizures : tuple of (float, float)
        True seizure intervals in seconds.
    seizure_jump : Segment or None
        The seizure finding's first top segment.
    prompt_probability : float or None
        :data:`SEIZURE_PROMPT`'s recording probability.
    prompt_peak : Segment or None
        Its first top segment.
    """

    recording_id: str
    normal: bool
    procedures: frozenset[str]
    described: frozenset[str]
    contradictions: tuple[str, ...]
    true_findings: frozenset[str]
    denied: frozenset[str]
    sides: tuple[tuple[str, str, str], ...]
    normal_asymmetries: tuple[tuple[float, bool], ...]
    seizures: tuple[tuple[float, float], ...]
    seizure_jump: Segment | None
    prompt_probability: float | None
    prompt_peak: Segment | None


def safety_record(
    entry: Mapping[str, Any],
    draft: DraftReport,
    findings: Sequence[FindingScore],
    locations: Mapping[str, Location],
    prompts: Sequence[PromptCurve],
    knowledge_base: KnowledgeBase,
) -> SafetyRecord:
    """Read one analysed recording against its synthetic ground truth.

    Parameters
    ----------
    entry : mapping
        The recording's manifest entry (``findings`` with ``location`` and ``intervals``,
        ``annotations``, ``abnormal``).
    draft : DraftReport
    findings : sequence of FindingScore
    locations : mapping of str to Location
        The analysis's sides and regions.
    prompts : sequence of PromptCurve
        The analysis's prompt curves; the one of :data:`SEIZURE_PROMPT` is read.
    knowledge_base : KnowledgeBase
    """
    text = draft.text()
    # The annotations read as the program reads them ("PS 6 Hz", a flash train's rate alone,
    # is photic stimulation), so a draft is not counted wrong for what its recording marks.
    marked = [Annotation(onset, duration, note) for onset, duration, note in entry["annotations"]]
    truth_procedures = {
        p.name for p in recorded_procedures(marked, None, 0.0) if p.name in CHECKED_PROCEDURES
    }
    described = {
        claim.subject
        for sentence in _sentences(draft)
        for claim in claims(sentence, knowledge_base)
        if claim.kind == "procedure" and claim.value == "described"
    }
    sides = tuple(
        (f["name"], _side(f["location"]), getattr(locations.get(f["name"]), "side", ""))
        for f in entry["findings"]
        if f["name"] in LATERALISED and _side(f["location"]) and f["name"] in draft.asserted
    )
    seizure = next((s for s in findings if s.finding_id == "seizure"), None)
    prompt = next((c for c in prompts if c.prompt == SEIZURE_PROMPT), None)
    true_findings = frozenset(f["name"] for f in entry["findings"]) - {"normal"}
    return SafetyRecord(
        recording_id=str(entry["id"]),
        normal=not entry["abnormal"],
        procedures=frozenset(truth_procedures),
        described=frozenset(described) & frozenset(CHECKED_PROCEDURES),
        contradictions=tuple(c.reason for c in contradictions(text, knowledge_base)),
        true_findings=true_findings,
        # The report body, as a reviewer would sign it: not the model's list of scores.
        denied=frozenset(
            denied_findings(draft.text(annotate=False), knowledge_base) & true_findings
        ),
        sides=sides,
        normal_asymmetries=()
        if entry["abnormal"]
        else tuple(
            (abs(location.asymmetry), bool(location.side))
            for name, location in sorted(locations.items())
            if name in LATERALISED
        ),
        seizures=tuple(
            (float(a), float(b))
            for f in entry["findings"]
            if f["name"] == "seizure"
            for a, b in f["intervals"]
        ),
        seizure_jump=seizure.top_segments[0] if seizure and seizure.top_segments else None,
        prompt_probability=None if prompt is None else prompt.recording_probability,
        prompt_peak=prompt.top_segments[0] if prompt and prompt.top_segments else None,
    )


def denied_findings(text: str, knowledge_base: KnowledgeBase) -> set[str]:
    """The findings a text states absent: mentioned only negated in its record sections
    ("No generalized epileptiform discharges are seen."), as the findings extractor reads
    them; ``normal`` left out. A finding also mentioned un-negated is not counted (a
    hyperventilation sentence naming "a build-up of diffuse slowing" beside "No generalized
    slowing": the reader is not told it is absent)."""
    mentions = find_mentions(record_text(text), knowledge_base)
    asserted = {m.finding_id for m in mentions if not m.negated}
    return {m.finding_id for m in mentions if m.negated} - asserted - {"normal"}


def safety_figures(records: Sequence[SafetyRecord]) -> dict[str, Any]:
    """Count the drafts' safety figures over the records (see the module docstring); JSON-ready.

    A segment lands inside a seizure when its middle lies in one of the seizure's intervals.
    The prompt check pairs the i-th recording with a seizure with the (i mod n)-th normal
    recording of the same records; ``prompt_all_pairs`` is the fraction of all such pairs in
    which the seizure recording's probability is higher.
    """
    unbacked = {
        name: [r.recording_id for r in records if name in r.described - r.procedures]
        for name in CHECKED_PROCEDURES
    }
    without = {name: sum(name not in r.procedures for r in records) for name in CHECKED_PROCEDURES}
    sides = [side for r in records for side in r.sides]
    on_normal = [a for r in records for a in r.normal_asymmetries]
    floor = [asymmetry for asymmetry, _ in on_normal]
    with_seizure = [r for r in records if r.seizures]
    normals = [
        r.prompt_probability for r in records if r.normal and r.prompt_probability is not None
    ]
    prompted = [r for r in with_seizure if r.prompt_probability is not None]
    paired = (
        [
            _inside(r.prompt_peak, r.seizures) and r.prompt_probability > normals[i % len(normals)]
            for i, r in enumerate(prompted)
        ]
        if normals
        else []
    )
    return {
        "n_recordings": len(records),
        "procedures_unbacked": {
            name: {"drafts": len(ids), "recordings_without": without[name], "ids": ids}
            for name, ids in unbacked.items()
        },
        "true_findings_denied": {
            "true_findings": sum(len(r.true_findings) for r in records),
            "denied": sum(len(r.denied) for r in records),
            "by_finding": {
                name: sum(name in r.denied for r in records)
                for name in sorted({name for r in records for name in r.denied})
            },
            "ids": [r.recording_id for r in records if r.denied],
        },
        "drafts_with_contradictions": {
            "drafts": sum(bool(r.contradictions) for r in records),
            "reasons": sorted({reason for r in records for reason in r.contradictions}),
            "ids": [r.recording_id for r in records if r.contradictions],
        },
        "lateralised_sides": {
            "stated_findings": len(sides),
            "correct": sum(true == stated for _, true, stated in sides),
            "no_side": sum(not stated for _, _, stated in sides),
            "wrong": sum(bool(stated) and stated != true for _, true, stated in sides),
        },
        "sides_on_normal_recordings": {
            "localised": len(on_normal),
            "named": sum(named for _, named in on_normal),
            "median_asymmetry": float(np.median(floor)) if floor else None,
            "p99_asymmetry": float(np.quantile(floor, 0.99)) if floor else None,
        },
        "seizure_jump": {
            "recordings_with_seizure": len(with_seizure),
            "inside": sum(_inside(r.seizure_jump, r.seizures) for r in with_seizure),
        },
        "seizure_prompt": {
            "prompt": SEIZURE_PROMPT,
            "recordings_with_seizure": len(prompted),
            "normal_recordings": len(normals),
            "peak_inside": sum(_inside(r.prompt_peak, r.seizures) for r in prompted),
            "peak_inside_and_above_paired_normal": sum(paired),
            "prompt_all_pairs": (
                float(np.mean([r.prompt_probability > q for r in prompted for q in normals]))
                if prompted and normals
                else None
            ),
        },
    }


def _inside(segment: Segment | None, intervals: Sequence[tuple[float, float]]) -> bool:
    if segment is None:
        return False
    middle = (segment.start_s + segment.end_s) / 2
    return any(start <= middle <= end for start, end in intervals)


def _side(location: str) -> str:
    words = location.lower().split()
    return "left" if "left" in words else "right" if "right" in words else ""


def _sentences(draft: DraftReport) -> list[str]:
    return [s.text for section in draft.sections for s in section.sentences]


def json_safe(value: Any) -> Any:
    """``value`` with every NaN replaced by None, so that strict JSON can hold it."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def calibrate_thresholds(
    labels: Mapping[str, Sequence[bool]],
    probabilities: Mapping[str, Sequence[float]],
    resamples: int = 0,
    seed: int = 0,
) -> dict[str, float]:
    """Choose, per finding, the threshold that maximises F1 on a calibration split.

    The threshold lies halfway between the lowest probability called present and the next
    lower one, so it does not sit exactly on a calibration recording. Findings without both
    classes in the split get no threshold (the knowledge base's stays).

    With ``resamples`` the threshold is the median of that choice over as many bootstrap
    resamples of the split (bagging): with a dozen positives and probabilities crowded near 1,
    the single maximum can sit above every positive of another split (an ECG model's RBBB
    threshold of 0.990 stated none of 11 test RBBBs; bagged, 0.971). Each finding has its own
    resampling stream, so adding or reordering findings leaves the others' thresholds alone.

    Parameters
    ----------
    labels : mapping
        Finding id -> whether each calibration recording has it.
    probabilities : mapping
        Finding id -> the recording-level probability of each calibration recording.
    resamples : int
        Bootstrap resamples to take the median over; 0: the split's own maximum.
    seed : int
        Seed of the resampling.
    """
    thresholds = {}
    for name, truth in labels.items():
        y = np.asarray(truth, dtype=bool)
        p = np.asarray(probabilities[name], dtype=np.float64)
        if y.all() or not y.any():
            continue
        if not resamples:
            thresholds[name] = _max_f1_threshold(y, p)
            continue
        rng = np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
        chosen = []
        for _ in range(resamples):
            pick = rng.integers(0, len(y), len(y))
            if y[pick].any() and not y[pick].all():
                chosen.append(_max_f1_threshold(y[pick], p[pick]))
        thresholds[name] = float(np.median(chosen)) if chosen else _max_f1_threshold(y, p)
    return thresholds


def _max_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    values = np.unique(p)
    best_f1, best = -1.0, 0
    for i, value in enumerate(values):
        called = p >= value
        tp = int((called & y).sum())
        f1 = 2 * tp / (called.sum() + y.sum())
        if f1 > best_f1:
            best_f1, best = f1, i
    lower = values[best - 1] if best > 0 else max(values[0] - 1e-3, 0.0)
    return float(np.clip((values[best] + lower) / 2, 1e-6, 1 - 1e-6))


def with_thresholds(
    knowledge_base: KnowledgeBase, thresholds: Mapping[str, float]
) -> KnowledgeBase:
    """Return a copy of a knowledge base with some findings' thresholds replaced.

    With a record reference for the knowledge base's prompt style, the ``normal`` threshold
    and those of findings with a finding score also replace that reference's (thresholds
    calibrated on scores it made are on its scale; the other style's reference keeps its own).
    """
    findings = [
        replace(f, threshold=thresholds[f.id]) if f.id in thresholds else f
        for f in knowledge_base.values()
    ]
    references = dict(knowledge_base.record_references)
    style = knowledge_base.prompt_style
    if style in references:
        reference = references[style]
        references[style] = replace(
            reference,
            threshold=thresholds.get(RECORD_FINDING, reference.threshold),
            finding_references={
                finding_id: replace(found, threshold=thresholds.get(finding_id, found.threshold))
                for finding_id, found in reference.finding_references.items()
            },
        )
    return KnowledgeBase(findings, knowledge_base.sources, style, references)


def rule_out_bars(
    labels: Mapping[str, Sequence[bool]], probabilities: Mapping[str, Sequence[float]]
) -> dict[str, float]:
    """Per finding, the probability at or above which :data:`RULE_OUT_SENSITIVITY` of the
    calibration recordings with it scored (:attr:`~elm_desktop.clinical.knowledge.Finding.
    rule_out`): its lower quantile among them. Findings with fewer than
    :data:`MIN_RULE_OUT_POSITIVES` such recordings get none."""
    bars = {}
    for name, truth in labels.items():
        present = np.asarray(probabilities[name], float)[np.asarray(truth, bool)]
        if present.size >= MIN_RULE_OUT_POSITIVES:
            bars[name] = float(np.quantile(present, 1.0 - RULE_OUT_SENSITIVITY, method="lower"))
    return bars


def thresholds_toml(
    thresholds: Mapping[str, float],
    note: str,
    prompt_style: PromptStyle | None = None,
    aurocs: Mapping[str, float] | None = None,
    rule_outs: Mapping[str, float] | None = None,
) -> str:
    """Return knowledge-base entries that set these thresholds (``phenotypes.toml``).

    ``prompt_style``, when given, is written as the style the thresholds hold for; ``aurocs``
    as each finding's ``calibration_auroc`` (NaN ones left out); ``rule_outs`` as each
    finding's ``rule_out``.
    """
    lines = [f"# {line}" for line in note.splitlines()]
    if prompt_style is not None:
        lines += [f'prompt_style = "{prompt_style}"']
    for name, value in thresholds.items():
        lines += ["", f"[findings.{name}]", f"threshold = {value:.4f}"]
        support = (aurocs or {}).get(name)
        if support is not None and not math.isnan(support):
            lines += [f"calibration_auroc = {support:.4f}"]
        if (bar := (rule_outs or {}).get(name)) is not None:
            lines += [f"rule_out = {bar:.4f}"]
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
    if "safety" in figures:
        lines += safety_markdown(figures["safety"])
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


def _f(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


def safety_markdown(safety: dict[str, Any]) -> list[str]:
    """Return the safety figures as markdown lines."""
    sides = safety["lateralised_sides"]
    floor = safety["sides_on_normal_recordings"]
    jump = safety["seizure_jump"]
    prompt = safety["seizure_prompt"]
    denied = safety["true_findings_denied"]
    lines = [f"**Draft safety** ({safety['n_recordings']} recordings)", ""]
    for name, row in safety["procedures_unbacked"].items():
        lines.append(
            f"- drafts describing {name} on a recording without it: {row['drafts']} of "
            f"{row['recordings_without']}"
        )
    contradicting = safety["drafts_with_contradictions"]
    lines += [
        f"- drafts with contradicting sentences (the checker on every draft): "
        f"{contradicting['drafts']} of {safety['n_recordings']}"
        + (f" ({'; '.join(contradicting['reasons'])})" if contradicting["reasons"] else ""),
        f"- true findings the report body states absent: {denied['denied']} of "
        f"{denied['true_findings']}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in denied["by_finding"].items()) + ")"
            if denied["by_finding"]
            else ""
        ),
        f"- lateralised true findings the draft states: {sides['stated_findings']}; correct side "
        f"{sides['correct']}, no side {sides['no_side']}, wrong side {sides['wrong']}",
        f"- sides named on normal recordings (every lateralised finding localised, present or "
        f"not): {floor['named']} of {floor['localised']}; absolute asymmetry median "
        f"{_f(floor['median_asymmetry'])}, 99th percentile {_f(floor['p99_asymmetry'])}",
        f"- seizure jump (first top segment of the seizure finding) inside the seizure: "
        f"{jump['inside']} of {jump['recordings_with_seizure']} recordings with a seizure",
        f'- prompt "{prompt["prompt"]}" on {prompt["recordings_with_seizure"]} recordings with a '
        f"seizure: peak inside {prompt['peak_inside']}, peak inside and probability above the "
        f"paired normal recording's ({prompt['normal_recordings']} normal) "
        f"{prompt['peak_inside_and_above_paired_normal']}; above a normal recording in "
        f"{_f(prompt['prompt_all_pairs'])} of all pairs",
        "",
    ]
    return lines
