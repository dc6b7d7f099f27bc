"""The version is written once (``elm_desktop/version.py``) and shown wherever it is asked."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tomllib
from importlib.metadata import version as installed_version
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from elm_desktop.paths import default_bundle
from elm_desktop.version import PROGRAM, VERSION, producer

CHECKOUT = Path(__file__).resolve().parents[2]


def test_pyproject_reads_the_version_from_the_module():
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "elm_desktop.version.VERSION"
    assert installed_version("elm-desktop") == VERSION


def test_the_changelog_has_a_section_for_this_version():
    changelog = (CHECKOUT / "CHANGELOG.md").read_text()
    assert f"## {VERSION}" in changelog


def test_version_option():
    result = subprocess.run(
        [sys.executable, "-m", "elm_desktop.cli", "--version"], capture_output=True, text=True
    )
    assert result.stdout.strip() == producer() == f"{PROGRAM} {VERSION}"


def test_the_demo_bundle_records_the_program_that_exported_it():
    manifest = json.loads((default_bundle() / "manifest.json").read_text())
    assert manifest["created_by"] == producer()


def test_about_box(qtbot):
    from elm_desktop.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in help_menu.actions() if a.text() == "&About ELM Desktop")
    about.trigger()
    box = window.findChild(QMessageBox)
    assert box is not None and box.isVisible()
    assert producer() in box.text()
    assert f"EEG model trained on: {window.models['eeg'].provenance}" in box.text()
    assert "ECG model trained on:" in box.text()  # installed or not, it says which
    box.close()


def test_exit_after_first_page_prints_when_the_page_was_drawn(tmp_path):
    from tests.gui.conftest import write_edf

    edf = write_edf(tmp_path / "short.edf", seconds=20, n_annotations=0)
    launched = time.time()
    result = subprocess.run(
        [sys.executable, "-m", "elm_desktop.cli", "gui", str(edf), "--exit-after-first-page"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    ended = time.time()
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    drawn = float(line.removeprefix("first page drawn at "))
    assert launched < drawn < ended
