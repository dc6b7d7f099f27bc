"""Polygraphy in the real window: EKG and photic rows under the EEG, the heart-rate strip."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from elm_desktop.synth.corpus import plan_corpus, write_recording
from elm_desktop.synth.heart_rhythm import draw_rhythm, rhythm_truth


@pytest.fixture
def ekg_edf(tmp_path):
    """One minute with an EKG in atrial fibrillation and a photic channel; and its truth."""
    spec, _ = plan_corpus(1, 1.0, 5)[0]
    spec.with_ekg = spec.with_photic = True
    spec.heart_rhythm = draw_rhythm(
        np.random.default_rng(2), spec.heart_rate, [], "atrial_fibrillation"
    )
    truth = rhythm_truth(spec.heart_rhythm, spec.heart_rate, spec.duration_s)
    return write_recording(tmp_path / "ekg.edf", spec, [5, 3, 0]), truth


def _tick_texts(view) -> list[str]:
    return [text for _, text in view.plot_item.getAxis("left")._tickLevels[0]]


def test_polygraphy_rows_under_the_eeg_in_every_montage(qtbot, window, ekg_edf, open_in_window):
    open_in_window(ekg_edf[0])
    view = window.trace_view
    assert [c.kind for c in view.poly_channels] == ["ecg", "photic"]
    n_eeg = len(view.visible_rows())
    ticks = _tick_texts(view)
    assert ticks[n_eeg:] == ["EKG 100 µV/mm", "Photic"]
    rows = view.traces.rows
    assert rows.shape[0] == n_eeg + 2
    # Under the last EEG row, in order; the EKG at its own 100 uV/mm, negative up.
    ekg_row = rows[n_eeg]
    assert np.median(ekg_row) > np.max(view._offsets_mm)
    ekg_uv = view.poly_page()[0][: rows.shape[1]]
    slope = np.polyfit(ekg_uv, ekg_row, 1)[0]
    assert slope == pytest.approx(1 / 100.0, rel=1e-6)
    for name in ("acns-banana", "ref-ears", "laplacian"):
        window.set_montage(name)
        assert _tick_texts(view)[-2:] == ["EKG 100 µV/mm", "Photic"]
        assert view.traces.rows.shape[0] == len(view.visible_rows()) + 2


def test_polygraphy_toggle_by_key(qtbot, window, ekg_edf, open_in_window):
    open_in_window(ekg_edf[0])
    view = window.trace_view
    n_eeg = len(view.visible_rows())
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert not view.show_polygraphy
    assert view.traces.rows.shape[0] == n_eeg
    assert not any("EKG" in text for text in _tick_texts(view))
    assert not window.heart_rate.isVisible()
    assert not window.key_actions["toggle_polygraphy"].isChecked()
    assert window.settings.value("display/polygraphy") is False  # remembered
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert view.traces.rows.shape[0] == n_eeg + 2
    assert window.heart_rate.isVisible()
    assert window.settings.value("display/polygraphy") is True


def test_heart_rate_strip_follows_the_ekg(qtbot, window, ekg_edf, open_in_window, make_edf):
    path, truth = ekg_edf
    with qtbot.waitSignal(window.heart_rate.measured, timeout=60000) as measured:
        open_in_window(path)
    heart = measured.args[0]
    assert window.heart_rate.isVisible()
    assert heart.rate_bpm() == pytest.approx(truth["rate_bpm"], abs=2.0)
    label = window.heart_rate.label.text()
    assert "irregularly irregular" in label and "bpm" in label
    times, bpm = window.heart_rate.curve.getData()
    assert len(times) == 6 and np.nanmin(bpm) > 30
    # A recording without an EKG: the strip goes, and nothing of the last one stays.
    open_in_window(make_edf("plain.edf"))
    assert window.heart_rate.heart is None
    assert not window.heart_rate.isVisible()
    assert window.trace_view.poly_channels == ()
