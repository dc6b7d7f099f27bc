"""The ``elm-desktop`` command.

Each command group lives in a module of this package that defines ``register(subparsers)``;
:data:`COMMAND_MODULES` lists them in the order ``--help`` shows them. Handlers import heavy
dependencies (torch, Qt) only when they run, so ``elm-desktop info`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence

from elm_desktop.errors import ElmError
from elm_desktop.version import producer

#: What only the ``train`` extra installs, and the training code (not in the desktop build).
TRAINING_MODULES = (
    "torch",
    "transformers",
    "onnx",
    "onnxscript",
    "safetensors",
    "sklearn",
    "elm_desktop.training",
)

COMMAND_MODULES: tuple[str, ...] = (
    "recording",
    "training",
    "generator",
    "synth",
    "corpus",
    "gui",
    "archive",
    "analyze",
    "model",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="elm-desktop",
        description="Review clinical EEG with an EEG-language model (ELM) beside the traces.",
    )
    parser.add_argument("--version", action="version", version=producer())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"elm_desktop.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status.

    A user error (:class:`~elm_desktop.errors.ElmError`) prints one line to stderr and returns 2.
    A reader that closes the output early (``elm-desktop info F | head -2``) ends the command
    quietly with 128 + SIGPIPE, the status of a Unix tool stopped the same way.
    """
    args = build_parser().parse_args(argv)
    try:
        status = int(args.handler(args) or 0)
        sys.stdout.flush()  # so a closed pipe shows here, not in the interpreter's last flush
        return status
    except BrokenPipeError:
        # Nothing more can reach the reader; point stdout at /dev/null so that the
        # interpreter's last flush does not report the closed pipe either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except ElmError as error:
        # One line, even when a file name in the message holds a line break.
        print(f"elm-desktop: error: {' '.join(str(error).splitlines())}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        name = error.name or ""
        if not any(name == module or name.startswith(f"{module}.") for module in TRAINING_MODULES):
            raise
        # A wheel installed without the train extra, or the desktop build, which leaves it out.
        print(
            f"elm-desktop: error: {args.command} needs the training code and torch ({error.name} "
            "is not installed): pip install 'elm-desktop[train]' into a Python environment",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("elm-desktop: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
