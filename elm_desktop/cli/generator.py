"""``elm-desktop generator train|evaluate``: the report generator's training side (torch).

Both wrap the training package's command lines (``python -m
elm_desktop.training.celm.trainer`` and ``.evaluate``), whose options they pass on unchanged:
``elm-desktop generator train --help`` lists them.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``generator train`` and ``generator evaluate``."""
    generator = subparsers.add_parser(
        "generator", help="train and evaluate the report generator (CELM; needs torch)"
    )
    commands = generator.add_subparsers(dest="generator_command", metavar="SUBCOMMAND")
    commands.required = True
    for name, help_text in (
        ("train", "train a generator from a TOML configuration (configs/celm-*.toml)"),
        ("evaluate", "draft test recordings with a generator checkpoint and measure them"),
    ):
        # Help and options are the wrapped command's own: everything after the name goes to it
        # (no prefix characters, so that no option, --help included, is read here).
        command = commands.add_parser(name, help=help_text, add_help=False, prefix_chars="\0")
        command.add_argument("arguments", nargs=argparse.REMAINDER)
        command.set_defaults(handler=_train if name == "train" else _evaluate)


def _train(args: argparse.Namespace) -> int:
    from elm_desktop.training.celm.trainer import main

    return main(args.arguments, prog="elm-desktop generator train")


def _evaluate(args: argparse.Namespace) -> int:
    from elm_desktop.training.celm.evaluate import main

    return main(args.arguments, prog="elm-desktop generator evaluate")
