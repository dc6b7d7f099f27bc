"""Fixtures shared by the whole suite.

Every test runs with its own user data directory (``ELM_DESKTOP_DATA``) so nothing touches the
real one. Area-specific fixtures live in the ``conftest.py`` of each ``tests/<area>/`` folder.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Nothing may reach the network at run time; the text model loads from site-packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory, monkeypatch):
    """Point the program's user data directory at a fresh temporary folder."""
    path = tmp_path_factory.mktemp("elm-data")
    monkeypatch.setenv("ELM_DESKTOP_DATA", str(path))
    return path
