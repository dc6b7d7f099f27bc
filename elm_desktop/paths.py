"""Where the program keeps its files.

Everything lives under one user data directory (``platformdirs``), which the environment
variable ``ELM_DESKTOP_DATA`` overrides (tests point it at a temporary folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

PACKAGE_ROOT = Path(__file__).resolve().parent
RESOURCES = PACKAGE_ROOT.parent / "resources"


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


def default_archive() -> Path:
    """Return the path of the default SQLite case archive."""
    return data_dir() / "archive.sqlite"


def default_bundle() -> Path:
    """Return the demo model bundle in ``resources/``.

    ``make`` exports it from the committed checkpoint ``resources/checkpoints/demo-5s``: its
    text encoder (93 MB) is too large to keep in git, and export is deterministic.
    """
    return RESOURCES / "models" / "elm-demo"
