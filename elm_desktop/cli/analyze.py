"""``elm-desktop analyze``: a recording to JSON and a self-contained HTML page, headless.

``elm-desktop evaluate-drafts`` measures zero-shot scoring and draft reports on a synthetic
corpus (knowledge-enhanced against plain-label prompts; the drafts' findings and ROUGE-L against
the reference reports).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from elm_desktop.outputs import check_output_file, strict_json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``analyze`` and ``evaluate-drafts`` commands."""
    parser = subparsers.add_parser(
        "analyze",
        help="analyse a recording: attention, zero-shot findings, similar cases, draft report",
        description=(
            "Analyse one EDF/EDF+/BDF recording with an ELM model bundle and write every number "
            "to JSON and/or a self-contained HTML page (scores, top segments as bipolar traces, "
            "the draft report, similar prior cases)."
        ),
    )
    parser.add_argument(
        "file",
        type=Path,
        help="the recording: EEG (EDF, EDF+, BDF) or 12-lead ECG (WFDB .hea, EDF, HL7 aECG or "
        "GE MUSE XML)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="model bundle folder (default: the demo model of the file's modality, EEG or ECG)",
    )
    parser.add_argument(
        "--archive",
        default=None,
        help="case archive: a SQLite path or a postgresql:// URL (default: none searched)",
    )
    parser.add_argument(
        "--prompt",
        action="append",
        default=[],
        metavar="TEXT",
        help="a free-text prompt to score over the recording (repeatable)",
    )
    parser.add_argument(
        "--prompt-style",
        choices=("knowledge", "plain"),
        default=None,
        help="prompts that score the built-in findings (default: the style the model's "
        "thresholds were calibrated for, else knowledge-enhanced)",
    )
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="write JSON here")
    parser.add_argument("--html", type=Path, default=None, metavar="OUT", help="write HTML here")
    parser.add_argument(
        "--include-file-name",
        action="store_true",
        help="name the recording by its file name in the JSON and HTML (default: an opaque id "
        "from its sha256, since file names often identify the patient)",
    )
    parser.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), default="auto", help="inference device"
    )
    parser.set_defaults(handler=run_analyze)

    evaluate = subparsers.add_parser(
        "evaluate-drafts",
        help="measure zero-shot findings and draft reports on a synthetic corpus",
        description=(
            "On the test split of a synthetic corpus (manifest.jsonl): zero-shot AUROC per "
            "finding with knowledge-enhanced and plain-label prompts, and the draft reports' "
            "findings (precision, recall, F1 per finding, from the findings extractor run on the "
            "draft and the reference report) and ROUGE-L against the reference reports. Prior "
            "cases for the drafts come from the train split."
        ),
    )
    evaluate.add_argument("manifest", type=Path, help="manifest.jsonl of a synthetic corpus")
    evaluate.add_argument("--model", type=Path, default=None, help="model bundle folder")
    evaluate.add_argument(
        "--split", default="test", help="split to evaluate, or all (default: test)"
    )
    evaluate.add_argument(
        "--archive-split",
        default="train",
        help="split that fills the archive, or all (default: train)",
    )
    evaluate.add_argument(
        "--archive-manifest",
        type=Path,
        default=None,
        help="manifest.jsonl of another corpus whose archive split fills the archive "
        "(default: the evaluated corpus)",
    )
    evaluate.add_argument(
        "--max-archive",
        type=int,
        default=None,
        metavar="N",
        help="archive at most the first N recordings of the archive split",
    )
    evaluate.add_argument(
        "--calibration-split",
        default=None,
        help=(
            "split on which each finding's threshold is chosen again (max F1); by default the "
            "drafts use the thresholds the model carries (`elm-desktop model calibrate`)"
        ),
    )
    evaluate.add_argument("--out", type=Path, default=None, help="write the figures (markdown)")
    evaluate.add_argument("--json", type=Path, default=None, help="write the figures (JSON)")
    evaluate.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    evaluate.set_defaults(handler=run_evaluate)


def load_engine(model: Path | None, device: str):
    """Load a model bundle and its engine (the EEG demo bundle when ``model`` is None)."""
    from elm_desktop.paths import default_bundle
    from elm_desktop.runtime import Bundle, Engine

    return Engine(Bundle.load(model or default_bundle()), device=device)


def run_analyze(args: argparse.Namespace) -> int:
    """Analyse one recording with the analysis of its modality and write the requested outputs."""
    from elm_desktop.archive import open_archive
    from elm_desktop.clinical.html import render_html
    from elm_desktop.modalities import analysis_for
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.signals.modality import detect_modality

    check_output_file(args.json, "--json")
    check_output_file(args.html, "--html")
    entry = analysis_for(detect_modality(args.file))
    entry.check_file(args.file)  # a bad recording is refused before the model loads
    engine = load_engine(args.model or entry.default_bundle, args.device)
    archive = open_archive(args.archive) if args.archive else None
    bar = TerminalProgress(f"analysing {args.file.name}")
    try:
        result = entry.analyze(
            args.file,
            engine,
            archive=archive,
            prompts=args.prompt,
            progress=bar,
            prompt_style=args.prompt_style,
        )
    finally:
        if archive is not None:
            archive.close()
    bar.close()
    summary = result.to_dict(include_file_name=args.include_file_name)
    if args.json is not None:
        args.json.write_text(strict_json(summary, indent=1), encoding="utf-8")
    if args.html is not None:
        page = render_html(summary, entry.html_figures(args.file, summary))
        args.html.write_text(page, encoding="utf-8")
    _print_summary(result)
    sys.stdout.writelines(f"{line}\n" for line in entry.measured_lines(result))
    return 0


def _print_summary(result) -> None:
    from elm_desktop.clinical.record_score import PROBABILITY
    from elm_desktop.clinical.report import against_threshold

    out = sys.stdout
    out.write(
        f"{result.path.name}: {result.n_crops} crops of {result.window_s:g} s, "
        f"model {result.model}, {result.timings['total']:.2f} s\n"
    )
    if result.notice:  # as the JSON's notice: what the model was trained on, first
        out.write(f"note: {result.provenance_notice} {result.notice}\n")
    if result.familiarity is not None and not result.familiarity.unfamiliar:
        # The notice above carries an unlike recording's warning; a familiar one says so too.
        out.write(f"familiarity: {result.familiarity.statement}\n")
    held = result.draft.held if result.draft is not None else {}
    unassessed = result.draft.unassessed if result.draft is not None else []
    asserted = set(result.draft.asserted) if result.draft is not None else set()
    for score in sorted(result.findings, key=lambda s: -s.probability):
        # What the draft states: over its threshold, neither held nor withheld.
        stated = score.present and (result.draft is None or score.finding_id in asserted)
        mark = "*" if stated else " "
        note = f" (not stated: {held[score.finding_id]})" if score.finding_id in held else ""
        if score.present and not stated and not note:
            note = " (not stated: withheld from the draft, see the note)"
        if score.finding_id in unassessed:
            note = " (not assessed: the recording shows no such procedure)"
        if score.measure != PROBABILITY:
            note = f" [{score.measure}]{note}"
        probability, threshold = against_threshold(score.probability, score.threshold)
        out.write(f" {mark} {probability} (>= {threshold}) {score.label}{note}\n")
    for curve in result.prompts:
        out.write(f"   prompt {curve.prompt!r}: probability {curve.recording_probability:.2f}\n")
    if result.draft is not None:
        out.write(f"impression (draft): {result.draft.impression}\n")
    if result.generated is not None and result.generated.withheld:
        out.write(f"generated draft: {result.generated.withheld}\n")
    elif result.generated is not None:
        out.write(
            f"generated draft (DRAFT, {result.generated.n_unsupported} sentence(s) marked "
            "unsupported by the evidence):\n"
        )
        out.write(result.generated.marked_text() + "\n")


def run_evaluate(args: argparse.Namespace) -> int:
    """Run the zero-shot and draft evaluation and print (and write) the figures."""
    from elm_desktop.clinical.evaluation import evaluation_figures, figures_markdown, json_safe
    from elm_desktop.clinical.knowledge import load_knowledge_base

    check_output_file(args.out, "--out")
    check_output_file(args.json, "--json")
    engine = load_engine(args.model, args.device)
    records, knowledge_base = evaluate_corpus(
        args.manifest,
        engine,
        load_knowledge_base(model_path=engine.bundle.phenotypes),
        split=args.split,
        archive_split=args.archive_split,
        calibration_split=args.calibration_split,
        max_archive=args.max_archive,
        archive_manifest=args.archive_manifest,
    )
    figures = evaluation_figures(records, knowledge_base)
    style = knowledge_base.prompt_style
    figures["thresholds"] = {f: knowledge_base.threshold(f, style) for f in knowledge_base}
    figures["calibration_split"] = args.calibration_split
    figures["model"] = engine.bundle.describe()
    figures["manifest"] = str(args.manifest)
    figures["split"] = args.split
    figures["archive_split"] = args.archive_split
    figures["archive_manifest"] = str(args.archive_manifest or args.manifest)
    figures["archived"] = args.max_archive
    text = figures_markdown(figures)
    sys.stdout.write(text + "\n")
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.json is not None:
        args.json.write_text(strict_json(json_safe(figures), indent=1), encoding="utf-8")
    return 0


def evaluate_corpus(
    manifest: Path,
    engine,
    knowledge_base,
    split: str = "test",
    archive_split: str = "train",
    calibration_split: str | None = None,
    max_archive: int | None = None,
    archive_manifest: Path | None = None,
):
    """Analyse the recordings of ``split`` against an archive of ``archive_split``.

    A split named ``"all"`` is every recording of its manifest. The archive comes from
    ``archive_manifest`` when given, else from ``manifest``; each evaluated recording also
    scores :data:`~elm_desktop.clinical.evaluation.SEIZURE_PROMPT` for the safety figures. When ``calibration_split`` has recordings, each finding's threshold is first set to the one
    that maximises F1 there, and the drafts of ``split`` use those thresholds. ``max_archive``
    keeps only the first recordings of ``archive_split``.

    Returns
    -------
    records : list of EvaluatedRecording
    knowledge_base : KnowledgeBase
        The knowledge base the drafts used (with calibrated thresholds).
    """
    import tempfile

    from elm_desktop.analysis import analyze
    from elm_desktop.archive import open_archive
    from elm_desktop.clinical.evaluation import (
        SEIZURE_PROMPT,
        EvaluatedRecording,
        safety_record,
        with_thresholds,
    )
    from elm_desktop.clinical.zeroshot import build_prompt_bank, score_findings
    from elm_desktop.errors import ConfigError
    from elm_desktop.synth import read_manifest

    if not engine.bundle.has_text:
        raise ConfigError(
            f"model {engine.bundle.name} has no text tower: zero-shot and drafts cannot be "
            "evaluated; train a text projector with `elm-desktop adapt`"
        )
    entries = read_manifest(manifest)
    root = manifest.parent
    chosen = {
        name: [e for e in entries if name in (e["split"], "all")]
        for name in (split, calibration_split)
    }
    archive_root = (archive_manifest or manifest).parent
    archive_entries = [
        e
        for e in (read_manifest(archive_manifest) if archive_manifest else entries)
        if archive_split in (e["split"], "all")
    ]
    if not chosen[split]:
        raise ConfigError(f"{manifest} has no recording in split {split!r}")

    if chosen[calibration_split]:
        knowledge_base = with_thresholds(
            knowledge_base,
            calibrated_thresholds(
                [(root / e["edf"], e) for e in chosen[calibration_split]],
                engine,
                knowledge_base,
                calibration_split,
            )[0],  # the thresholds: the drafts here are measured, not held to support
        )

    # The drafts use the knowledge base's style; the other one is scored beside it.
    style = knowledge_base.prompt_style
    other = "plain" if style == "knowledge" else "knowledge"
    other_bank = build_prompt_bank(knowledge_base, engine.embed_text, other)
    records = []
    with tempfile.TemporaryDirectory() as folder:
        archive = open_archive(Path(folder) / "archive.sqlite")
        for entry in each_with_progress(
            archive_entries[:max_archive], f"archiving {archive_split}"
        ):
            result = analyze(archive_root / entry["edf"], engine, knowledge_base=knowledge_base)
            archive_case(archive, result, entry["report"], engine, entry)
        for entry in each_with_progress(chosen[split], f"evaluating {split}"):
            result = analyze(
                root / entry["edf"],
                engine,
                archive=archive,
                knowledge_base=knowledge_base,
                prompts=[SEIZURE_PROMPT],
            )
            other_scores = score_findings(
                knowledge_base,
                other_bank,
                result.crop_embeddings,
                result.recording_embedding,
                result.crop_starts_s,
                result.window_s,
                engine.bundle.temperature,
                result.signal_features,
            )
            records.append(
                EvaluatedRecording(
                    recording_id=entry["id"],
                    truth=frozenset(_truth(entry)),
                    abnormal=bool(entry["abnormal"]),
                    reference_report=entry["report"],
                    probabilities={
                        style: {s.finding_id: s.probability for s in result.findings},
                        other: {s.finding_id: s.probability for s in other_scores},
                    },
                    draft=result.draft.text(annotate=False),
                    impression=result.draft.impression,
                    safety=safety_record(
                        entry,
                        result.draft,
                        result.findings,
                        result.locations,
                        result.prompts,
                        knowledge_base,
                    ),
                )
            )
        archive.close()
    return records, knowledge_base


def calibrated_thresholds(
    recordings: list[tuple[Path, dict]],
    engine,
    knowledge_base,
    split: str,
    prompt_style: str | None = None,
    record_score: bool = False,
):
    """Analyse labelled recordings and return each finding's threshold of maximum F1 there.

    ``recordings`` pairs each EDF path with its manifest entry (they may come from several
    corpora); ``split`` names them in the progress line; ``prompt_style`` scores the findings
    (default: the knowledge base's). Findings that no entry has (or every entry has) get no
    threshold. With ``record_score`` the same recordings are also the reference of the record
    score (:mod:`elm_desktop.clinical.record_score`) for each prompt style, and each style's
    ``normal`` threshold is chosen on its record score and kept in its reference, not among the
    thresholds (it holds only where the reference applies). The record score's signal model is
    fitted on them too, when they hold at least
    :data:`~elm_desktop.clinical.signal_features.MIN_RECORDINGS_PER_CLASS` normal and abnormal
    recordings each, and then each finding the signal features measure
    (:data:`~elm_desktop.clinical.record_score.SIGNAL_MEASURED`) present and absent in as many
    gets a finding score of its own in each style's reference (its signal model and threshold); so
    does each event (a seizure) present and absent in as many, from its event rise
    (:mod:`elm_desktop.clinical.event_shape`), with or without the signal model, with the least
    rise and change for its prompt's call to be stated
    (:func:`~elm_desktop.clinical.event_shape.least_kept`). A finding's
    ``thresholds`` entry stays the probability's, for when no reference applies.

    Returns
    -------
    thresholds : dict
        Finding id -> threshold, for ``prompt_style``.
    aurocs : dict
        Finding id -> its AUROC on these recordings, for the findings with a threshold (how
        much support the threshold has; a draft states no finding with too little), of the
        prompt's probability: the support a finding needs whether or not its finding score
        applies (a user's prompts switch the reference off).
    references : list of RecordReference
        The record score's references, one per prompt style, with ``record_score``.
    rule_outs : dict
        Abnormal finding id -> its rule-out bar on the prompt's probability
        (:func:`~elm_desktop.clinical.evaluation.rule_out_bars`), for the findings with a
        threshold and enough recordings with them.
    """
    from dataclasses import replace

    import numpy as np

    from elm_desktop.analysis import analyze
    from elm_desktop.clinical.evaluation import calibrate_thresholds, rule_out_bars
    from elm_desktop.clinical.event_shape import (
        MIN_EVENT_CHANGE,
        MIN_EVENT_RISE,
        least_kept,
        stretches,
    )
    from elm_desktop.clinical.knowledge import PROMPT_STYLES
    from elm_desktop.clinical.metrics import auroc
    from elm_desktop.clinical.record_score import (
        RECORD_FINDING,
        fit_reference,
        has_finding_score,
        is_event,
        mean_place,
    )
    from elm_desktop.clinical.signal_features import (
        MIN_RECORDINGS_PER_CLASS,
        fit_signal_model,
        out_of_fold_probabilities,
    )
    from elm_desktop.clinical.zeroshot import build_prompt_bank, score_findings

    style = prompt_style or knowledge_base.prompt_style
    styles = PROMPT_STYLES if record_score else (style,)
    banks = {s: build_prompt_bank(knowledge_base, engine.embed_text, s) for s in styles}
    labels: dict[str, list[bool]] = {}
    probabilities: dict[str, dict[str, list[float]]] = {s: {} for s in styles}
    rises: dict[str, dict[str, list[float]]] = {s: {} for s in styles}
    changes: dict[str, dict[str, list[float]]] = {s: {} for s in styles}
    prompts: dict[str, list[float]] = {}
    features: list[np.ndarray] = []
    spans: list[int] = []  # each recording's stretches, to place a longer one's event rise
    paths = [path for path, _ in recordings]
    entries = each_with_progress([entry for _, entry in recordings], f"calibrating on {split}")
    for path, entry in zip(paths, entries, strict=True):
        result = analyze(path, engine, knowledge_base=knowledge_base, prompt_style=style)
        features.append(result.signal_features)
        spans.append(stretches(result.n_crops, result.window_s))
        for score in result.findings:
            labels.setdefault(score.finding_id, []).append(score.finding_id in _truth(entry))
        for other in styles:
            scores = (
                result.findings
                if other == style
                else score_findings(
                    knowledge_base,
                    banks[other],
                    result.crop_embeddings,
                    result.recording_embedding,
                    result.crop_starts_s,
                    result.window_s,
                    engine.bundle.temperature,
                    result.signal_features,
                    result.band_power,
                )
            )
            for score in scores:
                probabilities[other].setdefault(score.finding_id, []).append(score.probability)
                if other == style:  # rule-out bars are on the prompt's own scale
                    prompt = (
                        score.probability
                        if score.prompt_probability is None
                        else score.prompt_probability
                    )
                    prompts.setdefault(score.finding_id, []).append(prompt)
                if score.event_rise is not None:
                    rises[other].setdefault(score.finding_id, []).append(score.event_rise)
                if score.event_change is not None:
                    changes[other].setdefault(score.finding_id, []).append(score.event_change)
    references = []
    signal = None
    measured = np.stack(features) if features else np.empty((0, 0))
    abnormal = ~np.array(labels.get(RECORD_FINDING, []), bool)
    if record_score and min(abnormal.sum(), (~abnormal).sum()) >= MIN_RECORDINGS_PER_CLASS:
        # The signal model is fitted on the same recordings, and each one's probability for
        # the reference comes from a fit without it (signal_features.py).
        signal = (
            fit_signal_model(measured, abnormal),
            out_of_fold_probabilities(measured, abnormal),
        )
    scored = {  # the findings with enough calibration recordings with and without them
        finding_id
        for finding_id, present in labels.items()
        if has_finding_score(knowledge_base, finding_id)
        and min(sum(present), len(present) - sum(present)) >= MIN_RECORDINGS_PER_CLASS
    }
    finding_signals = {}
    for finding_id in sorted(scored) if signal is not None else ():
        if not is_event(knowledge_base, finding_id):
            present = np.array(labels[finding_id], bool)
            finding_signals[finding_id] = (
                fit_signal_model(measured, present),
                out_of_fold_probabilities(measured, present),
            )
    for other in styles if record_score else ():
        events = {f: rises[other][f] for f in scored if is_event(knowledge_base, f)}
        # A rise is placed among the recordings without the event (record_score.py).
        without = {
            f: [rise for rise, has in zip(events[f], labels[f], strict=True) if not has]
            for f in events
        }
        reference = fit_reference(
            probabilities[other],
            knowledge_base,
            other,
            signal,
            finding_signals,
            without,
            float(np.median(spans)) if spans else None,
        )
        # Each finding score's threshold, on the calibration recordings' own scores (their
        # signal places out of fold, as for the record score below).
        finding_references = {}
        for finding_id, finding_reference in reference.finding_references.items():
            second = events[finding_id] if finding_id in events else finding_signals[finding_id][1]
            scores = [
                mean_place(
                    finding_reference.places(p, rise=q, spans=n)
                    if finding_id in events
                    else finding_reference.places(p, signal_probability=q)
                )
                for p, q, n in zip(probabilities[other][finding_id], second, spans, strict=True)
            ]
            chosen = calibrate_thresholds({finding_id: labels[finding_id]}, {finding_id: scores})
            finding_reference = replace(finding_reference, threshold=chosen.get(finding_id, 0.5))
            if finding_id in events:  # its least rise and change: every seizure called kept
                # "Calls" as at run time: against the prompt threshold the model ships, the
                # calibrated style's, whichever style scores.
                limit = calibrate_thresholds(
                    {finding_id: labels[finding_id]}, {finding_id: probabilities[style][finding_id]}
                ).get(finding_id, 0.5)
                called = [
                    bool(y) and p >= limit
                    for y, p in zip(
                        labels[finding_id], probabilities[other][finding_id], strict=True
                    )
                ]
                finding_reference = replace(
                    finding_reference,
                    min_rise=least_kept(events[finding_id], called, 0.01, MIN_EVENT_RISE),
                    min_change=least_kept(
                        changes[other][finding_id], called, 0.1, MIN_EVENT_CHANGE
                    ),
                )
            finding_references[finding_id] = finding_reference
        reference = replace(reference, finding_references=finding_references)
        per_finding = probabilities[other]
        rows = [
            dict(zip(per_finding, v, strict=True)) for v in zip(*per_finding.values(), strict=True)
        ]
        # Each recording's signal place from a fit without it, as a new recording's would be.
        held_out = signal[1] if signal is not None else [None] * len(rows)
        normal = {
            RECORD_FINDING: [
                reference.normal_probability(row, f, p)
                for row, f, p in zip(rows, features, held_out, strict=True)
            ]
        }
        threshold = calibrate_thresholds({RECORD_FINDING: labels[RECORD_FINDING]}, normal)
        references.append(replace(reference, threshold=threshold.get(RECORD_FINDING, 0.5)))
    thresholds = calibrate_thresholds(labels, probabilities[style])
    if record_score:
        thresholds.pop(RECORD_FINDING, None)
    aurocs = {f: auroc(np.array(labels[f]), np.array(probabilities[style][f])) for f in thresholds}
    rule_outs = {
        f: bar
        for f, bar in rule_out_bars(labels, prompts).items()
        if f in thresholds and knowledge_base[f].abnormal
    }
    return thresholds, aurocs, references, rule_outs


def _truth(entry: dict) -> set[str]:
    """The true findings of a manifest entry, ``normal`` for a normal record."""
    truth = {f["name"] for f in entry["findings"]}
    return truth if entry["abnormal"] else truth | {"normal"}


def each_with_progress(items: list, label: str):
    """Yield ``items`` with a terminal progress bar."""
    from elm_desktop.progress import TerminalProgress

    bar = TerminalProgress(label)
    for i, item in enumerate(items):
        yield item
        bar(i + 1, len(items), str(item.get("id", "")))
    bar.close()


def archive_case(
    archive, result, report: str | None, engine, entry: dict | None = None
) -> int | None:
    """Store an analysed recording with its report, reusing the analysis's crop embeddings."""
    from elm_desktop.archive.ingest import case_for_recording
    from elm_desktop.signals import open_recording

    case = case_for_recording(
        open_recording(result.path),
        engine,
        result.crop_embeddings,
        result.attention,
        result.crop_starts_s,
        report,
        known=entry,
    )
    return archive.add_case(case)
