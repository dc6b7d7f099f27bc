"""Where the program keeps its files.

What the program reads (the knowledge base, the demo model bundle) is package data under
``elm_desktop/resources``, found through :mod:`importlib.resources`, so a wheel or a frozen build
works outside the checkout. What it writes lives under one user data directory
(``platformdirs``), which the environment variable ``ELM_DESKTOP_DATA`` overrides (tests point it
at a temporary folder).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import platformdirs

# Wheels and PyInstaller builds both install the package as plain files, so the resource
# folder is a real directory that MNE, ONNX Runtime and SQLite can open by path.
RESOURCES = Path(str(files("elm_desktop") / "resources"))


def data_dir() -> Path:
    """Return the user data directory, created if needed."""
    override = os.environ.get("ELM_DESKTOP_DATA")
    path = Path(override) if override else Path(platformdirs.user_data_dir("elm-desktop", "ELM"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_dir() -> Path:
    """Return the folder of the demo recording and its small archive of prior cases."""
    return data_dir() / "demo"


def demo_archive() -> Path:
    """Return the archive of the demo's prior cases (kept apart from the user's own archive)."""
    return demo_dir() / "archive.sqlite"


def default_archive(file_name: str = "archive.sqlite") -> Path:
    """Return the path of a default SQLite case archive in the user data directory.

    ``file_name`` is a modality's ``archive_file`` (``signals.modality.MODALITIES``); the
    default is the EEG archive's.
    """
    return data_dir() / file_name


def default_bundle() -> Path:
    """Return the demo model bundle shipped as package data (``elm_desktop/resources/models``).

    ``make bundle`` exports it from the committed checkpoint ``resources/checkpoints/demo-5s``
    (its text encoder, 93 MB, is too large to keep in git, and export is deterministic); wheels
    and desktop builds carry it, so an installed program never needs torch or a download.
    """
    return RESOURCES / "models" / "elm-demo"


def default_ecg_bundle() -> Path:
    """Return the ECG model bundle shipped as package data (``resources/models/ecg-demo``).

    ``make bundle`` exports it from the committed checkpoint ``resources/checkpoints/ecg-merl``.
    """
    return RESOURCES / "models" / "ecg-demo"
