"""``elm-desktop analyze``: a recording to JSON and a self-contained HTML page, headless.

``elm-desktop evaluate-drafts`` measures zero-shot scoring and draft reports on a synthetic
corpus (knowledge-enhanced against plain-label prompts; the drafts' findings and ROUGE-L against
the reference reports).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


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
    parser.add_argument("file", type=Path, help="the recording (EDF, EDF+ or BDF)")
    parser.add_argument(
        "--model", type=Path, default=None, help="model bundle folder (default: the demo model)"
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
        default="knowledge",
        help="prompts that score the built-in findings (default: knowledge-enhanced)",
    )
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="write JSON here")
    parser.add_argument("--html", type=Path, default=None, metavar="OUT", help="write HTML here")
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
    evaluate.add_argument("--split", default="test", help="split to evaluate (default: test)")
    evaluate.add_argument(
        "--archive-split", default="train", help="split that fills the archive (default: train)"
    )
    evaluate.add_argument("--out", type=Path, default=None, help="write the figures (markdown)")
    evaluate.add_argument("--json", type=Path, default=None, help="write the figures (JSON)")
    evaluate.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    evaluate.set_defaults(handler=run_evaluate)


def load_engine(model: Path | None, device: str):
    """Load a model bundle and its engine (the demo bundle when ``model`` is None)."""
    from elm_desktop.paths import default_bundle
    from elm_desktop.runtime import Bundle, Engine

    return Engine(Bundle.load(model or default_bundle()), device=device)


def run_analyze(args: argparse.Namespace) -> int:
    """Analyse one recording and write the requested outputs."""
    from elm_desktop.analysis import analyze
    from elm_desktop.archive import open_archive
    from elm_desktop.clinical.html import read_snippets, render_html, snippet_requests
    from elm_desktop.progress import TerminalProgress

    engine = load_engine(args.model, args.device)
    archive = open_archive(args.archive) if args.archive else None
    bar = TerminalProgress(f"analysing {args.file.name}")
    try:
        result = analyze(
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
    summary = result.to_dict()
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    if args.html is not None:
        snippets = read_snippets(args.file, snippet_requests(summary))
        args.html.write_text(render_html(summary, snippets), encoding="utf-8")
    _print_summary(result)
    return 0


def _print_summary(result) -> None:
    out = sys.stdout
    out.write(
        f"{result.path.name}: {result.n_crops} crops of {result.window_s:g} s, "
        f"model {result.model}, {result.timings['total']:.2f} s\n"
    )
    if result.notice:
        out.write(f"note: {result.notice}\n")
    for score in sorted(result.findings, key=lambda s: -s.probability):
        mark = "*" if score.present else " "
        out.write(f" {mark} {score.probability:.2f} (>= {score.threshold:.2f}) {score.label}\n")
    for curve in result.prompts:
        out.write(
            f"   prompt {curve.prompt!r}: recording similarity {curve.recording_similarity:.3f}\n"
        )
    if result.draft is not None:
        out.write(f"impression (draft): {result.draft.impression}\n")


def run_evaluate(args: argparse.Namespace) -> int:
    """Run the zero-shot and draft evaluation and print (and write) the figures."""
    from elm_desktop.clinical.evaluation import evaluation_figures, figures_markdown
    from elm_desktop.clinical.knowledge import load_knowledge_base

    engine = load_engine(args.model, args.device)
    knowledge_base = load_knowledge_base()
    records = evaluate_corpus(
        args.manifest, engine, knowledge_base, split=args.split, archive_split=args.archive_split
    )
    figures = evaluation_figures(records, knowledge_base)
    figures["model"] = engine.bundle.describe()
    figures["manifest"] = str(args.manifest)
    figures["split"] = args.split
    text = figures_markdown(figures)
    sys.stdout.write(text + "\n")
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


def evaluate_corpus(manifest: Path, engine, knowledge_base, split: str, archive_split: str):
    """Analyse the recordings of ``split`` with an archive of ``archive_split``.

    Returns one :class:`~elm_desktop.clinical.evaluation.EvaluatedRecording` per recording.
    """
    import tempfile

    from elm_desktop.analysis import analyze
    from elm_desktop.archive import open_archive
    from elm_desktop.clinical.evaluation import EvaluatedRecording
    from elm_desktop.clinical.zeroshot import build_prompt_bank, score_findings
    from elm_desktop.errors import ConfigError
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.synth import read_manifest

    if not engine.bundle.has_text:
        raise ConfigError(
            f"model {engine.bundle.name} has no text tower: zero-shot and drafts cannot be "
            "evaluated; train a text projector with `elm-desktop adapt`"
        )
    entries = read_manifest(manifest)
    root = manifest.parent
    evaluated = [e for e in entries if e["split"] == split]
    prior = [e for e in entries if e["split"] == archive_split]
    if not evaluated:
        raise ConfigError(f"{manifest} has no recording in split {split!r}")
    plain = build_prompt_bank(knowledge_base, engine.embed_text, "plain")
    records = []
    with tempfile.TemporaryDirectory() as folder:
        archive = open_archive(Path(folder) / "archive.sqlite")
        bar = TerminalProgress(f"archiving the {archive_split} split")
        for i, entry in enumerate(prior):
            path = root / entry["edf"]
            result = analyze(path, engine, knowledge_base=knowledge_base)
            archive_case(archive, result, entry["report"], engine, entry)
            bar(i + 1, len(prior), entry["id"])
        bar.close()
        bar = TerminalProgress(f"evaluating the {split} split")
        for i, entry in enumerate(evaluated):
            path = root / entry["edf"]
            result = analyze(path, engine, archive=archive, knowledge_base=knowledge_base)
            plain_scores = score_findings(
                knowledge_base,
                plain,
                result.crop_embeddings,
                result.recording_embedding,
                result.crop_starts_s,
                result.window_s,
                float(engine.bundle.temperature),
            )
            truth = {f["name"] for f in entry["findings"]}
            if not entry["abnormal"]:
                truth.add("normal")
            records.append(
                EvaluatedRecording(
                    recording_id=entry["id"],
                    truth=frozenset(truth),
                    abnormal=bool(entry["abnormal"]),
                    reference_report=entry["report"],
                    probabilities={
                        "knowledge": {s.finding_id: s.probability for s in result.findings},
                        "plain": {s.finding_id: s.probability for s in plain_scores},
                    },
                    draft=result.draft.text(annotate=False),
                    impression=result.draft.impression,
                )
            )
            bar(i + 1, len(evaluated), entry["id"])
        bar.close()
        archive.close()
    return records


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
