"""``elm-desktop corpus import``: a department's archive folder -> a training corpus."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: Sessions between two progress lines.
PROGRESS_EVERY = 25


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``corpus`` command group."""
    corpus = subparsers.add_parser(
        "corpus", help="turn an archive of EDF files with reports into a training corpus"
    )
    commands = corpus.add_subparsers(dest="corpus_command", metavar="COMMAND", required=True)
    importer = commands.add_parser(
        "import",
        help="import a TUH-layout or plain folder (de-identified copies, labels from the "
        "reports, patient-level splits); resumable",
    )
    importer.add_argument("source", type=Path, metavar="DIR", help="the archive's top folder")
    importer.add_argument("--out", required=True, type=Path, help="corpus folder (created)")
    importer.add_argument(
        "--layout",
        choices=("auto", "tuh", "plain"),
        default="auto",
        help="tuh: <patient>_<session>_<token>.edf with <patient>_<session>.txt in the session "
        "folder; plain: every EDF with a .txt of the same stem; auto (default): by file name",
    )
    importer.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    importer.add_argument(
        "--min-seconds",
        type=float,
        default=10.0,
        help="skip recordings shorter than this (default 10)",
    )
    importer.add_argument(
        "--private",
        type=Path,
        help="folder for the id key and the id-to-source list, outside the corpus "
        "(default: CORPUS-private beside it); keep it to resume or add to the corpus",
    )
    importer.set_defaults(handler=_import)


def _import(args: argparse.Namespace) -> int:
    from elm_desktop.corpus import import_corpus

    def progress(done: int, session: str) -> None:
        if done % PROGRESS_EVERY == 0:
            print(f"corpus import: {done} sessions (last {session})", file=sys.stderr)

    summary = import_corpus(
        args.source,
        args.out,
        layout=args.layout,
        workers=args.workers,
        min_seconds=args.min_seconds,
        private=args.private,
        progress=progress,
    )
    print(
        f"{summary.manifest}: {summary.recordings} recordings from {summary.sessions} sessions "
        f"({summary.imported} imported now, {summary.resumed} done before); "
        f"{summary.skipped} files skipped, reasons in {summary.log}; "
        f"id key and source list in {summary.private}"
    )
    return 0
