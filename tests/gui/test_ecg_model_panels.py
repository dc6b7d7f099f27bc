"""The window with an ECG model: the phenotype and prompt panels score an open 12-lead ECG."""

from __future__ import annotations

import pytest

from elm_desktop.gui.main_window import NO_ECG_MODEL
from tests.ecg_model.conftest import ecg_bundle, ecg_checkpoint, ecg_corpus  # noqa: F401


@pytest.fixture
def ecg_window(window, ecg_bundle):  # noqa: F811
    window.ecg_bundle_path = ecg_bundle
    return window


def test_an_ecg_is_scored_in_the_phenotype_and_prompt_panels(
    qtbot,
    ecg_window,
    open_in_window,
    ecg_corpus,  # noqa: F811
):
    window = ecg_window
    open_in_window(ecg_corpus / "ecg-r00000.hea")
    assert window.phenotype_panel.notice.text() != NO_ECG_MODEL
    with qtbot.waitSignal(window.analysis_finished, timeout=60000) as finished:
        window.analyze()
    result = finished.args[0]
    assert window.result is result and result.n_crops == 1
    assert result.channels[:6] == ("I", "II", "III", "aVR", "aVL", "aVF")
    table = window.phenotype_panel.table
    assert table.rowCount() == len(result.findings) == 19
    shown = {table.item(row, 0).text() for row in range(table.rowCount())}
    assert "Atrial fibrillation" in " ".join(shown)
    assert window.model_label.text().startswith("Model: ecg-tiny")
    with qtbot.waitSignal(window.prompt_scored, timeout=30000) as scored:
        window.score_prompt("irregularly irregular rhythm without P waves")
    curve = scored.args[0]
    assert 0.0 < curve.recording_probability < 1.0
    assert "irregularly irregular rhythm without P waves" in window.review.prompts
    window.show_finding(result.findings[0].finding_id)  # an ECG has no trace page to jump to


def test_an_eeg_model_never_scores_an_ecg(qtbot, ecg_window, open_in_window, ecg_corpus):  # noqa: F811
    window = ecg_window
    open_in_window(ecg_corpus / "ecg-r00001.hea")
    with qtbot.waitSignal(window.analysis_finished, timeout=60000):
        window.analyze()
    assert window.engine is None  # the EEG bundle was never loaded for it
    assert window.ecg_engine.bundle.modality == "ecg"
