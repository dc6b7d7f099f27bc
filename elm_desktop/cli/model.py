"""``elm-desktop model``: export, verify, describe, import and calibrate model bundles."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from elm_desktop.cli import familiarity


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``model export|verify|info|import-elm|calibrate``."""
    model = subparsers.add_parser(
        "model", help="export, verify, describe, import and calibrate model bundles"
    )
    commands = model.add_subparsers(dest="model_command", metavar="SUBCOMMAND", required=True)

    export = commands.add_parser(
        "export", help="export a training checkpoint to a bundle (ONNX graphs + manifest)"
    )
    export.add_argument("checkpoint", type=Path, help="checkpoint folder (model.safetensors)")
    export.add_argument("--out", required=True, type=Path, help="bundle folder to create")
    export.add_argument("--name", help="bundle name (default: the checkpoint folder's name)")
    export.add_argument("--version", help="bundle version (default: from the checkpoint)")
    export.add_argument(
        "--fp16", action="store_true", help="add a float16 EEG graph for GPUs (if accurate)"
    )
    export.add_argument(
        "--quantize-text",
        action="store_true",
        help="add an int8 text graph for CPUs (if accurate)",
    )
    export.add_argument(
        "--generator",
        type=Path,
        metavar="DIR",
        help="add this report generator checkpoint (trained against the same encoder); "
        "without it the bundle drafts by assembly only",
    )
    export.set_defaults(handler=_export)

    verify = commands.add_parser(
        "verify", help="check a bundle's checksums and graphs, and run it once"
    )
    verify.add_argument("bundle", type=Path, help="bundle folder")
    verify.set_defaults(handler=_verify)

    info = commands.add_parser(
        "info", help="describe a bundle and where it runs here (CUDA or CPU, and why)"
    )
    info.add_argument("bundle", nargs="?", type=Path, help="bundle folder (default: built-in)")
    info.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    info.set_defaults(handler=_info)

    imported = commands.add_parser(
        "import-elm",
        help="make an EEG-only bundle from the ELM authors' model_0_checkpoint.pt",
    )
    imported.add_argument("checkpoint", type=Path, help="the released model_0_checkpoint.pt")
    imported.add_argument("--window", required=True, choices=("5s", "60s"))
    imported.add_argument("--out", required=True, type=Path, help="bundle folder to create")
    imported.add_argument("--fp16", action="store_true", help="add a float16 EEG graph")
    imported.set_defaults(handler=_import_elm)

    calibrate = commands.add_parser(
        "calibrate",
        help="choose each finding's threshold on a labelled corpus and store it in the bundle",
        description=(
            "Analyse one split of one or more corpora (manifest.jsonl with findings, as "
            "`elm-desktop synth` writes), choose each finding's threshold of maximum F1 there, "
            "and write them into the bundle's phenotypes.toml. A user's phenotypes.toml still "
            "wins."
        ),
    )
    calibrate.add_argument("bundle", type=Path, help="bundle folder to calibrate")
    calibrate.add_argument(
        "--corpus",
        required=True,
        type=Path,
        action="append",
        help="corpus folder or manifest.jsonl (repeat for each corpus the model was trained on)",
    )
    calibrate.add_argument("--split", default="val", help="split to calibrate on (default: val)")
    calibrate.add_argument(
        "--unseen-corpus",
        type=Path,
        action="append",
        default=[],
        help="a corpus the model was not trained on, calibrated on whole (every split): e.g. "
        "recordings as long as those the site reads, when the training corpora's are short "
        "(repeatable)",
    )
    calibrate.add_argument(
        "--out", type=Path, default=None, help="also write the thresholds to this TOML file"
    )
    calibrate.add_argument(
        "--prompt-style",
        choices=("knowledge", "plain"),
        default="knowledge",
        help="prompts that score the findings; the bundle then uses this style by default "
        "(choose the one that transfers best: `elm-desktop evaluate --style-corpus`)",
    )
    calibrate.add_argument(
        "--record-score",
        action="store_true",
        help="score the record (the normal finding) by its normal prompt, its strongest "
        "abnormal finding and a logistic model on its measured signal features, each placed on "
        "these recordings, and store them as its reference, one per prompt style (better for "
        "models trained on several generator families; benchmarks/results/"
        "abnormality-score-study.md, signal-score-study.md); with it the background findings "
        "the features measure get a finding score of their prompt and a signal model, and a "
        "seizure one of its prompt and its event rise (finding-score-study.md, "
        "seizure-event-shape.md)",
    )
    calibrate.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    calibrate.set_defaults(handler=_calibrate)
    familiarity.register(commands)


def _print_manifest_summary(bundle_path: Path) -> None:
    from elm_desktop.runtime import Bundle

    bundle = Bundle.load(bundle_path)
    manifest = bundle.manifest
    print(bundle.describe())
    print(f"  folder: {bundle.path}")
    print(f"  manifest sha256: {bundle.digest}")
    print(f"  training data: {manifest['training_data']}")
    attention = manifest["attention"]
    note = f" ({attention['note']})" if attention.get("note") else ""
    print(f"  attention: {attention['kind']}{note}")
    if bundle.has_text:
        text = manifest["text"]
        print(
            f"  text model: {text['model']}, {text['pooling']} pooling, "
            f"max {text['max_length']} tokens"
        )
    print(f"  {bundle.modality} graph: parity with torch {manifest['eeg']['parity_max_abs']:.1e}")
    for role in ("eeg_fp16", "text_int8"):
        entry = manifest.get(role)
        if entry is not None:
            print(f"  {role}: {_figures(entry)}")
    for entry in manifest.get("rejected_variants", []):
        print(f"  {entry['role']} rejected at export: {_figures(entry)}")
    generator = bundle.generator
    if generator is not None:
        source = generator.get("source", {})
        notes = source.get("notes", {})
        print(
            f"  report generator: {source.get('checkpoint', '?')}, "
            f"{notes.get('trainable_parameters', '?')} parameters, "
            f"sections {', '.join(generator['sections'])}"
        )
    else:
        print("  report generator: none (the draft is assembled)")
    if bundle.phenotypes is not None:
        print(f"  finding thresholds: {manifest['phenotypes'].get('note', 'no note')}")
    if bundle.file("familiarity") is not None:
        print(f"  familiarity reference: {manifest['familiarity'].get('note', 'no note')}")
    else:
        print("  familiarity reference: none (recordings unlike the training data go unflagged)")


def _figures(entry: dict) -> str:
    measured = ", ".join(
        f"{key} {entry[key]:.4g} (limit {limit})" for key, limit in entry["tolerance"].items()
    )
    return f"{entry['file']}: {measured}"


def _export(args: argparse.Namespace) -> int:
    from elm_desktop.training.modalities import TRAINING, checkpoint_modality

    out = TRAINING[checkpoint_modality(args.checkpoint)].export(
        args.checkpoint,
        args.out,
        name=args.name,
        version=args.version,
        fp16=args.fp16,
        quantize_text=args.quantize_text,
    )
    if args.generator is not None:
        from elm_desktop.training.celm.bundle_export import add_generator

        add_generator(out, args.generator)
    print(f"bundle written to {out}")
    _print_manifest_summary(out)
    return 0


def _verify(args: argparse.Namespace) -> int:
    import numpy as np

    from elm_desktop.runtime import Bundle, Engine

    bundle = Bundle.load(args.bundle)
    print(f"checksums: {len(bundle.manifest['files'])} file(s) match the manifest")
    engine = Engine(bundle, device="cpu", precision="fp32")
    crops = np.zeros((2, len(bundle.channels), bundle.n_samples), dtype=np.float32)
    encoding = engine.encode(crops)
    print(f"eeg graph: runs, {encoding.embeddings.shape[1]}-d embeddings")
    if bundle.has_text:
        vector = engine.embed_text(["normal EEG"])
        print(f"text graph: runs, {vector.shape[1]}-d embeddings")
    else:
        print("text graph: none (EEG-only bundle; `elm-desktop adapt` trains a projector)")
    print(f"OK: {bundle.describe()}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from elm_desktop.paths import default_bundle
    from elm_desktop.runtime import Engine

    path = args.bundle or default_bundle()
    _print_manifest_summary(path)
    engine = Engine(path, device=args.device)
    print(f"runs on: {engine.describe()}")
    return 0


def _import_elm(args: argparse.Namespace) -> int:
    from elm_desktop.training.checkpoint_import import import_released_checkpoint

    out = import_released_checkpoint(args.checkpoint, args.window, args.out, fp16=args.fp16)
    print(f"EEG-only bundle written to {out}")
    _print_manifest_summary(out)
    return 0


def _corpus_name(corpus: Path) -> str:
    """A corpus's folder name, given the folder or its manifest."""
    return corpus.name if corpus.is_dir() else corpus.parent.name


def _calibrate(args: argparse.Namespace) -> int:
    from elm_desktop.cli.analyze import calibrated_thresholds, load_engine
    from elm_desktop.clinical.evaluation import thresholds_toml
    from elm_desktop.clinical.knowledge import load_knowledge_base
    from elm_desktop.errors import ConfigError
    from elm_desktop.outputs import check_output_file
    from elm_desktop.runtime import Bundle
    from elm_desktop.runtime.bundle import write_phenotypes
    from elm_desktop.synth import MANIFEST_NAME, read_manifest

    recordings = []
    for corpus, split in [(c, args.split) for c in args.corpus] + [
        (c, None) for c in args.unseen_corpus
    ]:
        manifest = corpus / MANIFEST_NAME if corpus.is_dir() else corpus
        if not manifest.is_file():
            raise ConfigError(f"no corpus manifest at {manifest} (`elm-desktop synth` writes one)")
        entries = [e for e in read_manifest(manifest) if split in (None, e.get("split"))]
        if not entries:
            raise ConfigError(f"{manifest} has no recording in split {split!r}")
        recordings += [(manifest.parent / e["edf"], e) for e in entries]
    check_output_file(args.out, "--out")
    engine = load_engine(args.bundle, args.device)
    if not engine.bundle.has_text:
        raise ConfigError(
            f"model {engine.bundle.name} has no text tower, so it scores no findings to "
            "calibrate; train a text projector with `elm-desktop adapt`"
        )
    # Calibrate from the built-in thresholds, not from an earlier calibration or the user's.
    base = load_knowledge_base(user_path=os.devnull)
    thresholds, aurocs, references, rule_outs = calibrated_thresholds(
        recordings, engine, base, args.split, args.prompt_style, args.record_score
    )
    corpora = ", ".join(_corpus_name(corpus) for corpus in args.corpus)
    unseen = ", ".join(_corpus_name(corpus) for corpus in args.unseen_corpus)
    note = (
        f"maximum F1 on the {args.split} split of {corpora}"
        + (f" and every recording of {unseen}" if unseen else "")
        + f" ({len(recordings)} recordings), {len(thresholds)} findings, "
        f"{args.prompt_style} prompts"
    )
    if references:
        note += ", the record scored by its normal prompt, strongest finding" + (
            " and signal features" if references[0].signal is not None else ""
        )
        found = references[0].finding_references.values()
        by_signal = sum(f.signal is not None for f in found)
        if by_signal:
            note += f", {by_signal} findings by their prompt and signal features"
        if len(found) > by_signal:
            note += f", {len(found) - by_signal} by their prompt and event rise"
    text = thresholds_toml(
        thresholds,
        f"Finding thresholds for {engine.bundle.name}: {note}.",
        args.prompt_style,
        aurocs,
        rule_outs,
    )
    for reference in references:
        text += "\n" + reference.toml() + "\n"
    write_phenotypes(args.bundle, text, note)
    # What the bundle now carries must load, here rather than in the reviewer's window.
    load_knowledge_base(user_path=os.devnull, model_path=Bundle.load(args.bundle).phenotypes)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    print(f"{engine.bundle.name}: {note}")
    for reference in references:
        name = f"normal (record score, {reference.prompt_style})"
        print(f"  {name:48s} {reference.threshold:.3f}")
        for finding_id, found in reference.finding_references.items():
            name = f"{finding_id} (finding score, {reference.prompt_style})"
            print(f"  {name:48s} {found.threshold:.3f}")
    for name, value in thresholds.items():
        print(f"  {name:48s} {value:.3f}")
    return 0
