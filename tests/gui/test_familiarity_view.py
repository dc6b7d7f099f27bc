"""The window says whether a recording is like the demo model's training data."""

from __future__ import annotations

import pytest

from elm_desktop.gui.main_window import MainWindow
from elm_desktop.synth import generate_corpus, read_manifest
from tests.conftest import write_white_noise
from tests.gui.conftest import discard_on_teardown

pytestmark = pytest.mark.slow


def analyse(qtbot, window: MainWindow, path):
    with qtbot.waitSignal(window.file_fingerprinted, timeout=20000):
        window.open_file(path)
    with qtbot.waitSignal(window.analysis_finished, timeout=120000):
        window.analyze()
    return window.result


def test_status_bar_and_phenotype_panel_warn_on_a_recording_unlike_the_training_data(
    qtbot, tmp_path, demo_engine
):
    window = MainWindow(bundle_path=demo_engine.bundle.path)
    window.draft_question = discard_on_teardown
    qtbot.addWidget(window)
    window.show()

    # The status bar and the panel keep the statement short; their tooltips give it whole.
    statement = demo_engine.bundle.manifest["training_data"]
    assert window.provenance_label.text() == "Trained on: synthetic EEG only"
    assert statement in window.provenance_label.toolTip()
    panel = window.phenotype_panel.provenance
    assert "synthetic EEG only (more: hover)" in panel.text()
    assert statement in panel.toolTip()

    noise = analyse(qtbot, window, write_white_noise(tmp_path / "noise.edf"))
    assert noise.familiarity.unfamiliar
    assert "Unlike the training data" in window.familiarity_label.text()
    assert window.familiarity_label.toolTip() == noise.familiarity.statement
    assert noise.familiarity.warning in window.phenotype_panel.notice.text()
    # No finding shows as called where the draft states none: over their thresholds, italic.
    table = window.phenotype_panel.table
    over = range(table.rowCount())
    assert not any(table.item(row, 0).font().bold() for row in over)
    present = [s.label for s in noise.findings if s.present]
    italic = [table.item(r, 0).text() for r in over if table.item(r, 0).font().italic()]
    assert set(present) <= set(italic)

    manifest = generate_corpus(tmp_path / "corpus", n=3, minutes=1, seed=31, workers=1)
    for entry in read_manifest(manifest):
        result = analyse(qtbot, window, manifest.parent / entry["edf"])
        if not result.familiarity.unfamiliar:
            break
    assert not result.familiarity.unfamiliar  # the generator's own recordings are familiar
    assert window.familiarity_label.text() == (
        f"Like the training data ({result.familiarity.percentile:.0%} of its held-out "
        "recordings closer)"
    )
    assert "scores may not apply" not in window.phenotype_panel.notice.text().lower()
