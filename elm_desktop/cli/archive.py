"""``elm-desktop archive``: add recordings to the case archive, search it, and say what it holds.

``--archive`` takes a SQLite file path or a ``postgresql://`` URL (default: the archive in the
user data directory).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from elm_desktop.cli.analyze import load_engine
from elm_desktop.outputs import strict_json

ARCHIVE_HELP = (
    "SQLite file or postgresql:// URL (default: the archive of the model's modality in the user "
    "data folder: archive.sqlite for EEG, ecg_archive.sqlite for ECG)"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``archive`` command group."""
    parser = subparsers.add_parser(
        "archive", help="add recordings to the case archive and search it"
    )
    commands = parser.add_subparsers(dest="archive_command", metavar="SUBCOMMAND", required=True)

    add = commands.add_parser(
        "add",
        help="add the EDF/BDF recordings of a folder (a file already archived is skipped)",
        description="Encode every EDF/BDF file under DIR with the model and store it, one "
        "transaction per recording: an interrupted run keeps what it finished, and running it "
        "again adds the rest. A report is read from --reports, else from a .txt file of the "
        "same name beside the recording.",
    )
    add.add_argument("folder", type=Path, metavar="DIR", help="folder of recordings")
    add.add_argument(
        "--reports", type=Path, metavar="FILE", help="corpus manifest.jsonl with reports"
    )
    add.add_argument("--archive", default=None, help=ARCHIVE_HELP)
    add.add_argument("--model", type=Path, default=None, help="model bundle folder")
    add.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    add.add_argument(
        "--keep-identity",
        action="store_true",
        help="also store patient name, birth date and the true recording date (off by default)",
    )
    add.add_argument(
        "--dates",
        choices=("reduce", "keep"),
        default=None,
        help="how a new archive stores recording dates (default reduce: age at the recording "
        "and hour of day, no date; keep: the true dates)",
    )
    add.add_argument(
        "--keep-source-paths",
        action="store_true",
        help="also store each file's path, to reopen it from the archive (off by default: "
        "paths often name patients)",
    )
    add.set_defaults(handler=run_add)

    search = commands.add_parser(
        "search",
        help="find archived recordings similar to a recording, or matching a phrase",
    )
    query = search.add_mutually_exclusive_group(required=True)
    query.add_argument("--file", type=Path, help="a recording: find similar archived ones")
    query.add_argument("--text", help="a phrase: find archived recordings that match it")
    search.add_argument("--archive", default=None, help=ARCHIVE_HELP)
    search.add_argument("--model", type=Path, default=None, help="model bundle folder")
    search.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    search.add_argument("-k", type=int, default=10, help="how many results (default 10)")
    search.add_argument("--json", action="store_true", help="print JSON instead of a table")
    search.set_defaults(handler=run_search)

    stats = commands.add_parser("stats", help="say what the archive holds")
    stats.add_argument("--archive", default=None, help=ARCHIVE_HELP)
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(handler=run_stats)

    scrub = commands.add_parser(
        "scrub",
        help="remove names, dates and record numbers from the reports already archived",
        description="Scrub the stored reports and report segments as `archive add` now "
        "scrubs a report on the way in (archives filled before it stored reports as written), "
        "and rewrite the storage so the old text leaves no bytes in the archive's files. Cases "
        "added with --keep-identity and signed reports are left as written. On PostgreSQL the "
        "tables are locked while they are rewritten (searches wait), and the server's "
        "write-ahead log and backups are its administrator's to clear.",
    )
    scrub.add_argument("--archive", default=None, help=ARCHIVE_HELP)
    scrub.set_defaults(handler=run_scrub)


def run_add(args: argparse.Namespace) -> int:
    from elm_desktop.archive import open_archive
    from elm_desktop.archive.ingest import add_recordings, find_recordings, read_manifest
    from elm_desktop.progress import TerminalProgress

    paths = find_recordings(args.folder)
    manifest = read_manifest(args.reports) if args.reports else None
    engine = load_engine(args.model, args.device)
    location = args.archive or modality_archive(engine)
    with open_archive(location, date_policy=args.dates) as archive:
        bar = TerminalProgress("archive add")
        try:
            result = add_recordings(
                archive,
                paths,
                engine,
                manifest,
                keep_identity=args.keep_identity,
                progress=bar,
                keep_source_paths=args.keep_source_paths,
            )
        finally:
            bar.close()
        for path, reason in result.failed:
            print(f"elm-desktop: skipped {path}: {reason}", file=sys.stderr)
        print(
            f"{len(result.added)} added, {len(result.skipped)} already archived, "
            f"{len(result.failed)} failed; {archive.location} holds "
            f"{archive.counts()['cases']} cases"
        )
    return 2 if result.failed else 0


def run_search(args: argparse.Namespace) -> int:
    from elm_desktop.archive import content_hash, open_archive
    from elm_desktop.signals.modality import detect_modality, get_modality

    engine = load_engine(args.model, args.device)
    with open_archive(args.archive or modality_archive(engine)) as archive:
        if args.text is not None:
            hits = archive.search_text(engine.embed_text([args.text])[0], k=args.k)
        else:
            modality = get_modality(detect_modality(args.file))
            crops, _ = modality.model_windows(
                modality.open(args.file),
                engine.bundle.window_s,
                str(engine.bundle.manifest.get("normalisation", "mv")),
            )
            encoding = engine.encode(crops)
            hits = archive.search_similar(
                encoding.recording_embedding,
                k=args.k,
                crop_embeddings=encoding.embeddings,
                exclude=archive.same_recording(
                    encoding.recording_embedding, encoding.embeddings, content_hash(args.file)
                ),
            )
    rows = [
        {
            "case_id": hit.case.case_id,
            "score": round(hit.score, 4),
            "age": hit.case.metadata.age,
            "sex": hit.case.metadata.sex,
            "best_segment_s": hit.best_crop.case_start_s,
            "source": hit.case.source,
            "impression": _impression(hit.case.report),
        }
        for hit in hits
    ]
    if args.json:
        print(strict_json(rows, indent=2))
        return 0
    if not rows:
        print("no archived recordings (the archive is empty)")
    for row in rows:
        print(
            f"case {row['case_id']:>6}  cos {row['score']:.3f}  "
            f"{row['age'] if row['age'] is not None else '?':>3} {row['sex'] or '?'}  "
            f"best at {row['best_segment_s']:7.1f} s  {row['impression'] or ''}"
        )
    return 0


def modality_archive(engine) -> Path:
    """The default archive of the model's modality (EEG and ECG cases are kept apart)."""
    from elm_desktop.paths import default_archive
    from elm_desktop.signals.modality import get_modality

    return default_archive(get_modality(engine.bundle.modality).archive_file)


def _impression(report: str | None, width: int = 70) -> str | None:
    """The report's impression (or its start), shortened to one line."""
    if not report:
        return None
    upper = report.upper()
    start = upper.find("IMPRESSION")
    text = " ".join((report[start:] if start >= 0 else report).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def run_stats(args: argparse.Namespace) -> int:
    from elm_desktop.archive import open_archive

    with open_archive(args.archive) as archive:
        stats = archive.stats()
    if args.json:
        print(strict_json(stats, indent=2))
    else:
        for key, value in stats.items():
            print(f"{key:>15}: {value}")
    return 0


def run_scrub(args: argparse.Namespace) -> int:
    from elm_desktop.archive import open_archive

    with open_archive(args.archive) as archive:
        changed, rewritten = archive.scrub_reports()
        print(f"{changed} of {archive.counts()['reports']} reports scrubbed in {archive.location}")
    if not rewritten:
        print(
            "elm-desktop: another program has the archive open, so old text may remain in its "
            "write-ahead log: close it and run `archive scrub` again",
            file=sys.stderr,
        )
        return 2
    return 0
