"""``elm-desktop gui``: the clinician desktop program."""

from __future__ import annotations

import argparse
from pathlib import Path

# Options that act on an opened recording, with their argparse names.
OPTIONS_NEEDING_FILE = {
    "--screenshot": "screenshot",
    "--exit-after-first-page": "exit_after_first_page",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gui`` command."""
    parser = subparsers.add_parser(
        "gui",
        help="open the desktop program (traces, highlighted segments, scores, report, cases)",
        description=(
            "Open the ELM Desktop window, optionally on a recording. With --screenshot it opens "
            "the file, analyses it, saves a picture of the window and exits."
        ),
    )
    parser.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="a recording to open: EEG (EDF, EDF+, BDF) or 12-lead ECG (WFDB .hea, EDF, HL7 aECG or GE MUSE XML)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="open the demo recording (built once if needed)"
    )
    parser.add_argument("--analyze", action="store_true", help="analyse the file once it is open")
    parser.add_argument(
        "--screenshot", type=Path, metavar="PNG", help="open, analyse, save the window, exit"
    )
    parser.add_argument("--model", type=Path, default=None, help="model bundle folder")
    parser.add_argument(
        "--archive", default=None, help="case archive: a SQLite path (default: the user archive)"
    )
    parser.add_argument("--dark", action="store_true", help="start with the dark palette")
    parser.add_argument(
        "--exit-after-first-page",
        action="store_true",
        help="print when FILE's first page was drawn (Unix seconds) and exit: start-up time",
    )
    parser.set_defaults(handler=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    """Start the window."""
    from elm_desktop.errors import ConfigError
    from elm_desktop.gui.platform import check_platform

    # Before anything loads Qt's GUI: without its libraries Qt aborts with no message of ours.
    check_platform()
    from elm_desktop.gui.app import demo_recording, run
    from elm_desktop.paths import demo_archive

    path = demo_recording() if args.demo else args.file
    option = next(
        (name for name, given in OPTIONS_NEEDING_FILE.items() if getattr(args, given)), None
    )
    if option is not None and path is None:
        raise ConfigError(f"{option} needs a recording: give FILE or --demo")
    if path is not None and not Path(path).exists():
        raise ConfigError(f"{path} does not exist; give the path of an EDF, EDF+ or BDF file")
    return run(
        path,
        analyze=args.analyze,
        screenshot=args.screenshot,
        bundle=args.model,
        archive=args.archive or (demo_archive() if args.demo else None),
        dark=True if args.dark else None,
        exit_after_first_page=args.exit_after_first_page,
    )
