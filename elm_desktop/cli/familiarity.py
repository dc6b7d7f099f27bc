"""``elm-desktop model familiarity``: the bundle's reference of its training data, and its test.

``fit`` encodes recordings of the model's training corpus exactly as the workstation does and
stores a summary of their crop embeddings and signal profiles in the bundle (:mod:`elm_desktop.clinical.
familiarity`). The bundle's modality (EEG or ECG) chooses, through the modality registry, how a
recording is read and cut into the model's windows, which manifest key names its file (``edf``
or ``wfdb``) and which signal profile describes it. ``measure`` reports how often the reference flags each corpus given, and how
well it tells each from the first one (the model's own test split, normally).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from elm_desktop.cli.analyze import load_engine

#: Training recordings analysed for the reference: enough crops for a 256-d covariance.
MAX_RECORDINGS = 600
#: The manifest key that names a recording's file, per modality.
FILE_KEYS = {"eeg": "edf", "ecg": "wfdb"}


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``model familiarity fit|measure``."""
    familiarity = commands.add_parser(
        "familiarity",
        help="fit or measure the bundle's reference of its training data (out-of-distribution)",
    )
    actions = familiarity.add_subparsers(
        dest="familiarity_command", metavar="ACTION", required=True
    )
    fit = actions.add_parser("fit", help="store the training data's distribution in the bundle")
    fit.add_argument("bundle", type=Path, help="bundle folder")
    fit.add_argument(
        "--corpus",
        required=True,
        type=Path,
        action="append",
        help="the model's training corpus (repeat for each corpus it was trained on)",
    )
    fit.add_argument("--split", default="train", help="split to summarise (default: train)")
    fit.add_argument("--heldout", default="val", help="split that scales the distance (val)")
    fit.add_argument(
        "--max-recordings", type=int, default=MAX_RECORDINGS, help="per corpus and split"
    )
    fit.add_argument("--out", type=Path, help="also write the reference to this .npz file")
    fit.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    fit.set_defaults(handler=_fit)

    measure = actions.add_parser(
        "measure", help="how often each corpus is flagged, and AUROC against the first"
    )
    measure.add_argument("bundle", type=Path, help="bundle folder with a reference")
    measure.add_argument(
        "corpora", nargs="+", help="CORPUS[:SPLIT]; the first is the model's own test data"
    )
    measure.add_argument("--max-recordings", type=int, default=200)
    measure.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    measure.set_defaults(handler=_measure)


def encode_corpus(
    corpus: Path, split: str | None, engine, limit: int
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`encode_recording` of up to ``limit`` recordings of one split of a corpus."""
    from elm_desktop.cli.analyze import each_with_progress
    from elm_desktop.errors import ConfigError
    from elm_desktop.synth import read_manifest

    manifest = corpus_manifest(corpus)
    modality = engine.bundle.modality
    entries = [e for e in read_manifest(manifest) if split is None or e.get("split") == split]
    if not entries:
        raise ConfigError(f"{manifest} has no recording in split {split!r}")
    key = FILE_KEYS.get(modality, "edf")
    entries = entries[:limit]
    other = {str(e.get("modality", "eeg")) for e in entries} - {modality}
    if other or not all(isinstance(e.get(key), str) for e in entries):
        raise ConfigError(
            f"{manifest} is not a corpus of {modality.upper()} recordings (each entry's file "
            f"under {key!r}), which model {engine.bundle.name} reads: give the model's own corpus"
        )
    label = f"{manifest.parent.name}{'' if split is None else ':' + split}"
    return [
        encode_recording(manifest.parent / entry[key], engine)
        for entry in each_with_progress(entries, label)
    ]


def corpus_manifest(corpus: Path) -> Path:
    """The ``manifest.jsonl`` of a corpus given as its folder or as the file itself."""
    from elm_desktop.errors import ConfigError
    from elm_desktop.synth import MANIFEST_NAME

    manifest = corpus / MANIFEST_NAME if corpus.is_dir() else corpus
    if not manifest.is_file():
        raise ConfigError(f"no corpus manifest at {manifest} (`elm-desktop synth` writes one)")
    return manifest


def encode_recording(path: Path, engine) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crop embeddings, crop profiles and band power of one recording, as the workstation has.

    The bundle's modality chooses the reader, the model windows and the signal profile.
    """
    from elm_desktop.clinical.familiarity import crop_profile, profile_band_power, signal_profile
    from elm_desktop.signals.modality import get_modality

    bundle = engine.bundle
    modality = get_modality(bundle.modality)
    profile = signal_profile(bundle.modality)
    normalisation = str(bundle.manifest.get("normalisation", "mv"))
    crops, _ = modality.model_windows(modality.open(path), bundle.window_s, normalisation)
    return (
        engine.encode(crops).embeddings,
        crop_profile(crops, profile),
        profile_band_power(crops, profile),
    )


def _fit(args: argparse.Namespace) -> int:
    from elm_desktop.clinical.familiarity import KNN_K, fit_reference
    from elm_desktop.errors import ConfigError
    from elm_desktop.runtime.bundle import write_familiarity

    engine = load_engine(args.bundle, args.device)
    if args.max_recordings < 2:
        raise ConfigError("--max-recordings must be at least 2 to fit a reference")
    training, heldout = [], []
    for corpus in args.corpus:
        training += encode_corpus(corpus, args.split, engine, args.max_recordings)
        heldout += encode_corpus(corpus, args.heldout, engine, args.max_recordings)
    crops = sum(len(z) for z, _, _ in training)
    if len(training) < 2 or crops <= KNN_K:
        raise ConfigError(
            f"the {args.split} split has {len(training)} recordings and {crops} crops: "
            f"a reference needs two recordings and more than {KNN_K} crops"
        )
    names = ", ".join(corpus_manifest(c).parent.name for c in args.corpus)
    note = (
        f"{crops} crops of {len(training)} {args.split} recordings of "
        f"{'corpus' if len(args.corpus) == 1 else 'corpora'} {names}, scaled on "
        f"{len(heldout)} {args.heldout} recordings"
    )
    reference = fit_reference(
        [z for z, _, _ in training],
        [profile for _, profile, _ in training],
        [power for _, _, power in training],
        [z for z, _, _ in heldout],
        [profile for _, profile, _ in heldout],
        note=note,
    )
    write_familiarity(args.bundle, reference.save, note)
    if args.out is not None:
        reference.save(args.out)
    print(f"{engine.bundle.name}: familiarity reference from {note}")
    print(f"  warns above score {reference.threshold:.3f}")
    return 0


def _measure(args: argparse.Namespace) -> int:
    from elm_desktop.clinical.familiarity import FamiliarityReference, assess, signal_profile
    from elm_desktop.clinical.metrics import auroc
    from elm_desktop.errors import ConfigError
    from elm_desktop.signals.modality import get_modality

    engine = load_engine(args.bundle, args.device)
    path = engine.bundle.file("familiarity")
    if path is None:
        raise ConfigError(
            f"model {engine.bundle.name} has no familiarity reference: run "
            "`elm-desktop model familiarity fit` first"
        )
    reference = FamiliarityReference.load(path)
    profile = signal_profile(engine.bundle.modality)
    channels = get_modality(engine.bundle.modality).model_channels
    assessed = []
    for spec in args.corpora:
        corpus, _, split = spec.partition(":")
        encoded = encode_corpus(Path(corpus), split or None, engine, args.max_recordings)
        assessed.append(
            [assess(reference, z, rows, p, channels, "-", profile) for z, rows, p in encoded]
        )
    baseline = np.array([a.score for a in assessed[0]])
    print(
        f"| corpus | recordings | flagged | by score | by band power or flat channels | "
        f"AUROC of the score against {args.corpora[0]} |"
    )
    print("|---|---|---|---|---|---|")
    for spec, results in zip(args.corpora, assessed, strict=True):
        scores = np.array([a.score for a in results])
        by_score = np.mean(scores > reference.threshold)
        by_signal = np.mean([any("held-out training" not in r for r in a.reasons) for a in results])
        separation = "-"
        if results is not assessed[0]:
            labels = np.r_[np.zeros(len(baseline), bool), np.ones(len(scores), bool)]
            separation = f"{auroc(labels, np.r_[baseline, scores]):.3f}"
        flagged = np.mean([a.unfamiliar for a in results])
        print(
            f"| {spec} | {len(results)} | {flagged:.1%} | {by_score:.1%} | {by_signal:.1%} "
            f"| {separation} |"
        )
    return 0
