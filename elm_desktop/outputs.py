"""Output files: checked before any work starts, JSON written strictly (commands and window)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from elm_desktop.errors import OutputError


def check_output_file(path: Path | None, option: str) -> None:
    """Check that a file can be written at ``path``, before the work that fills it.

    Parameters
    ----------
    path : Path or None
        The file asked for; None (option not given) passes.
    option : str
        The command-line option that named it, for the message (e.g. ``"--json"``).

    Raises
    ------
    OutputError
        The folder does not exist or is not writable, or ``path`` is a folder or not a
        regular file.
    """
    if path is None:
        return
    folder = path.parent
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; give a file name inside it")
    if path.exists() and not path.is_file():
        raise OutputError(f"{option} {path} is not a regular file; give a file name")
    if not folder.is_dir():
        raise OutputError(
            f"{option} {path}: the folder {folder} does not exist; create it or choose another"
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"{option} {path}: no permission to write there; choose another place")


def strict_json(data: Any, indent: int | None = None) -> str:
    """Return ``data`` as standard JSON, refusing NaN and infinity (which JSON cannot hold).

    Raises
    ------
    OutputError
        ``data`` holds a NaN or infinite number; nothing should be written.
    """
    try:
        return json.dumps(data, indent=indent, allow_nan=False)
    except ValueError:
        raise OutputError(
            "the result holds a NaN or infinite number, which valid JSON cannot hold; nothing "
            "was written: report this with the recording"
        ) from None
