"""The window says whether an ECG is like the ECG model's training data, as it does for EEG."""

from __future__ import annotations

import pytest

from tests.ecg_model.conftest import ecg_bundle, ecg_checkpoint, ecg_corpus  # noqa: F401
from tests.ecg_model.test_familiarity import (  # noqa: F401
    ecg_bundle_with_reference,
    write_noise_ecg,
)

pytestmark = pytest.mark.slow


def analyse(qtbot, window, open_in_window, path):
    open_in_window(path)
    with qtbot.waitSignal(window.analysis_finished, timeout=60000):
        window.analyze()
    return window.result


def test_an_ecg_of_white_noise_is_flagged_in_the_status_bar_and_the_phenotype_panel(
    qtbot,
    window,
    open_in_window,
    tmp_path,
    ecg_bundle_with_reference,  # noqa: F811
    ecg_corpus,  # noqa: F811
):
    window.models["ecg"].bundle_path = ecg_bundle_with_reference
    noise = analyse(qtbot, window, open_in_window, write_noise_ecg(tmp_path / "noise"))
    assert noise.familiarity is not None and noise.familiarity.unfamiliar
    assert "Unlike the training data" in window.familiarity_label.text()
    assert window.familiarity_label.toolTip() == noise.familiarity.statement
    assert noise.familiarity.warning in window.phenotype_panel.notice.text()
    assert noise.draft.asserted == []  # the ECG draft withholds the model's findings

    own = analyse(qtbot, window, open_in_window, ecg_corpus / "ecg-r00001.hea")
    assert not own.familiarity.unfamiliar
    assert window.familiarity_label.text().startswith("Like the training data (")
    assert "scores may not apply" not in window.phenotype_panel.notice.text().lower()
