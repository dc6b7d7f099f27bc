"""``elm-desktop synth`` (a synthetic corpus) and ``elm-desktop demo`` (the demo data set)."""

from __future__ import annotations

import argparse
from pathlib import Path

from elm_desktop.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth`` and ``demo`` commands."""
    synth = subparsers.add_parser(
        "synth", help="generate synthetic clinical EEG recordings with reports and ground truth"
    )
    synth.add_argument("--out", required=True, type=Path, help="output folder")
    synth.add_argument("--n", type=int, default=10, help="number of recordings (default 10)")
    synth.add_argument(
        "--modality",
        choices=("eeg", "ecg"),
        default="eeg",
        help="eeg (default): clinical EEG; ecg: 12-lead ECG with reports and measured ground "
        "truth (docs/ecg.md)",
    )
    synth.add_argument(
        "--minutes",
        type=float,
        help="length of each recording (EEG default 20; for ECG, a rhythm strip this long)",
    )
    synth.add_argument("--seconds", type=float, help="ECG only: length of each record (default 10)")
    synth.add_argument(
        "--ecg-formats",
        default="wfdb",
        help="ECG only: files to write besides WFDB, comma-separated: wfdb, edf, aecg "
        "(default wfdb)",
    )
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.add_argument(
        "--findings",
        help="comma-separated finding ids to build the corpus around, e.g. seizure,normal, or "
        "for ECG lbbb,atrial_flutter (default: a clinical mix)",
    )
    synth.add_argument(
        "--family",
        default=None,
        help="generator family: filtered-noise (default), dipole-spectral or neural-mass "
        "(docs/synthetic-eeg.md)",
    )
    synth.add_argument(
        "--sfreq",
        type=int,
        help="sampling rate in Hz (filtered-noise: 250, 256 (default) or 500; dipole-spectral "
        "and neural-mass: 200, 250, 256, 500 or 512, drawn per recording by default)",
    )
    synth.add_argument(
        "--naming",
        help="channel names: tuh (EEG FP1-REF), 1020 (Fp1) or, for dipole-spectral and "
        "neural-mass, 1010 (T7); filtered-noise default tuh, the others drawn per recording",
    )
    synth.add_argument(
        "--reference",
        help="dipole-spectral and neural-mass only: linked_ears, average or cz (default: drawn "
        "per recording)",
    )
    synth.add_argument(
        "--conditions",
        default="none",
        help="recording conditions to randomise: all, none (default) or a comma-separated list of "
        "amplitude, impedance_noise, line_noise, drift, pops, dropout, flat, reference, "
        "sampling_rate (docs/synthetic-eeg.md)",
    )
    synth.add_argument(
        "--layout",
        choices=("corpus", "tuh-archive"),
        default="corpus",
        help="corpus (default): a training corpus with its manifest; tuh-archive: an archive in "
        "TUH layout with identity in headers and reports and a few bad files, --n sessions of "
        "the default family, for `elm-desktop corpus import`",
    )
    synth.add_argument("--workers", type=int, default=2, help="parallel processes (default 2)")
    synth.set_defaults(handler=_synth)

    demo = subparsers.add_parser(
        "demo", help="build the demo recording and its prior cases (once) in the user data folder"
    )
    demo.add_argument("--out", type=Path, help="folder (default: the user data demo folder)")
    demo.add_argument(
        "--model",
        type=Path,
        help="model bundle that encodes the prior cases (default: the demo model)",
    )
    demo.set_defaults(handler=_demo)


def _synth(args: argparse.Namespace) -> int:
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.synth.families import DEFAULT_FAMILY, get_family

    if args.modality == "ecg":
        return _synth_ecg(args)
    if args.seconds is not None:
        raise ConfigError("--seconds is for --modality ecg; give EEG lengths with --minutes")
    if args.minutes is None:
        args.minutes = 20.0
    if args.layout == "tuh-archive":
        return _tuh_archive(args)
    family = get_family(args.family or DEFAULT_FAMILY)
    findings = [name.strip() for name in args.findings.split(",")] if args.findings else None
    progress = TerminalProgress("synth")
    manifest = family.generate(
        args.out,
        args.n,
        args.minutes,
        args.seed,
        findings=findings,
        sfreq=args.sfreq,
        naming=args.naming,
        reference=args.reference,
        workers=args.workers,
        conditions=args.conditions,
        progress=progress,
    )
    progress.close()
    print(manifest)
    return 0


def _synth_ecg(args: argparse.Namespace) -> int:
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.synth.ecg.corpus import generate_ecg_corpus

    eeg_only = {
        "--family": args.family,
        "--naming": args.naming,
        "--reference": args.reference,
        "--conditions": None if args.conditions == "none" else args.conditions,
        "--layout": None if args.layout == "corpus" else args.layout,
    }
    given = [option for option, value in eeg_only.items() if value is not None]
    if given:
        raise ConfigError(f"{', '.join(given)}: EEG options, not for --modality ecg")
    if args.seconds is not None and args.minutes is not None:
        raise ConfigError("give an ECG's length with --seconds or --minutes, not both")
    seconds = 10.0 if args.seconds is None else args.seconds
    if args.minutes is not None:
        seconds = args.minutes * 60
    progress = TerminalProgress("synth ecg")
    manifest = generate_ecg_corpus(
        args.out,
        args.n,
        seconds=seconds,
        seed=args.seed,
        sfreq=args.sfreq or 500,
        formats=[name.strip() for name in args.ecg_formats.split(",") if name.strip()],
        findings=[name.strip() for name in args.findings.split(",")] if args.findings else None,
        progress=progress,
    )
    progress.close()
    print(manifest)
    return 0


def _tuh_archive(args: argparse.Namespace) -> int:
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.synth.tuh_layout import write_tuh_archive

    progress = TerminalProgress("synth")
    truth = write_tuh_archive(
        args.out, args.n, args.minutes, args.seed, workers=args.workers, progress=progress
    )
    progress.close()
    print(truth)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from elm_desktop.paths import default_bundle, demo_archive, demo_dir
    from elm_desktop.progress import TerminalProgress
    from elm_desktop.synth import build_demo

    progress = TerminalProgress("demo")
    data = build_demo(args.out or demo_dir(), progress=progress)
    progress.close()
    print(data.recording)
    bundle = Path(args.model) if args.model else default_bundle()
    if not (bundle / "manifest.json").exists():
        print(f"no model bundle at {bundle}: prior cases not archived (run `make bundle`)")
        return 0
    archive_path = data.folder / "archive.sqlite" if args.out else demo_archive()
    _archive_priors(data.priors_manifest, bundle, archive_path)
    return 0


def _archive_priors(manifest_path: Path, bundle: Path, archive_path: Path) -> None:
    """Add the demo's prior cases to the demo archive (files already there are skipped).

    A demo archive made with another model is made anew, unless it holds cases other than the
    demo's: those are the user's, and it is left alone.
    """
    from elm_desktop.archive import content_hash, open_archive
    from elm_desktop.archive.ingest import add_recordings, model_id, read_manifest
    from elm_desktop.cli.analyze import load_engine
    from elm_desktop.progress import TerminalProgress

    manifest = read_manifest(manifest_path)
    paths = [manifest_path.parent / entry["edf"] for entry in manifest.values()]
    engine = load_engine(bundle, "auto")
    with open_archive(archive_path) as archive:
        stale = archive.model is not None and archive.model != model_id(engine)
        demo_only = (
            sum(archive.contains(content_hash(p)) for p in paths) == archive.counts()["cases"]
        )
    if stale and not demo_only:
        print(
            f"{archive_path} holds cases other than the demo's, made with model {archive.model}: "
            "left as it is, prior cases not archived (use --out with another folder)"
        )
        return
    if stale:
        print(f"{archive_path}: made with another model, made anew with {model_id(engine)}")
        for suffix in ("", "-wal", "-shm"):
            archive_path.with_name(archive_path.name + suffix).unlink(missing_ok=True)
    progress = TerminalProgress("prior cases")
    with open_archive(archive_path) as archive:
        # Synthetic cases name no one: keep their paths so the window can open them.
        result = add_recordings(
            archive, paths, engine, manifest=manifest, progress=progress, keep_source_paths=True
        )
    progress.close()
    print(
        f"{archive_path}: {len(result.added)} prior cases added, "
        f"{len(result.skipped)} already there, {len(result.failed)} failed"
    )
