"""The trace view in the real window: paging, montage, sensitivity, filters, annotations."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from elm_desktop.gui.trace_view import chain_groups, is_right_hemisphere, scale_bar_microvolts


def test_open_shows_tcp_page_negative_up(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    view = window.trace_view
    assert view.labels[:2] == ["Fp1-F7", "F7-T3"]
    assert len(view.labels) == 20
    assert view.visible_range() == (0.0, 10.0)
    # Negative up: a sample's y (downwards on screen) grows with its voltage.
    y = view.traces.rows[0]
    data = view.page_data()[0]
    assert np.corrcoef(y, data)[0, 1] > 0.999
    assert view.view_box.yInverted()


def test_traces_are_painted_where_the_view_maps_their_samples(
    qtbot, window, edf_path, open_in_window
):
    open_in_window(edf_path)
    view = window.trace_view
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # a page that does not start at 0
    image = view.plot_widget.grab().toImage()
    scale = image.devicePixelRatio()
    traces = view.traces
    shown = view.view_box.sceneBoundingRect()  # a sample past it (under the axis) is clipped
    for trace in (0, 19):
        inked = visible = 0
        for k in range(100, len(traces.times) - 100, 97):
            scene = view.view_box.mapViewToScene(QPointF(traces.times[k], traces.rows[trace][k]))
            if not shown.contains(scene):
                continue
            visible += 1
            pixel = view.plot_widget.mapFromScene(scene)
            x, y = round(pixel.x() * scale), round(pixel.y() * scale)
            window_pixels = [
                image.pixelColor(x + dx, y + dy).lightness()
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
            ]
            inked += min(window_pixels) < 160  # a trace pixel, not the white page
        assert visible >= 0.75 * len(range(100, len(traces.times) - 100, 97))
        assert inked >= 0.9 * visible


def test_page_forward_and_back_by_keys(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    view = window.trace_view
    first = view.page_data().copy()
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert view.start_s == pytest.approx(10.0)
    assert not np.allclose(view.page_data(), first)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert view.start_s == pytest.approx(11.0)
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert view.start_s == pytest.approx(0.0)
    np.testing.assert_allclose(view.page_data(), first)
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert view.visible_range()[1] == pytest.approx(60.0)


def test_pages_read_ahead_match_a_direct_read(qtbot, window, edf_path, open_in_window):
    from elm_desktop.signals.display import read_page

    open_in_window(edf_path)
    view = window.trace_view
    read_ahead_used = 0
    for key in [Qt.Key.Key_PageDown] * 5 + [Qt.Key.Key_PageUp] * 5:
        pending = view._read_ahead
        qtbot.keyClick(window, key)
        read_ahead_used += pending is not None and pending[1].result() is view._block
        expected = read_page(view.recording, view.start_s, view.page_s, view.montage)
        # Within a hundredth of a microvolt: filter edges settle differently in other blocks.
        np.testing.assert_allclose(view.page_data(), expected.data, atol=1e-2)
    # Every other whole-page step needs a new block; the read ahead supplies it.
    assert read_ahead_used >= 3
    # A montage switch while a read ahead is under way shows the new montage, not the old.
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    window.set_montage("transverse")
    expected = read_page(view.recording, view.start_s, view.page_s, "transverse")
    assert view.labels[0] == "F7-Fp1"
    np.testing.assert_allclose(view.page_data(), expected.data, atol=1e-2)


def test_scroll_bar_and_wheel_move_the_page(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    view = window.trace_view
    view.scroll_bar.setValue(250)
    assert view.start_s == pytest.approx(25.0)
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    viewport = view.plot_widget.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(
        centre, viewport.mapToGlobal(centre), QPoint(), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(viewport, wheel)
    assert view.start_s == pytest.approx(26.0)


def test_montage_switch_in_place_keeps_the_page(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    window.trace_view.set_start(20.0)
    window.set_montage("transverse")
    view = window.trace_view
    assert view.labels[0] == "F7-Fp1"
    assert view.start_s == pytest.approx(20.0)
    assert window.recording is not None
    window.set_montage("average")
    assert view.labels[0] == "Fp1-Avg"
    # The common average derivations sum to zero at every sample.
    data = view.page_data()
    assert np.abs(data.sum(axis=0)).max() < 1e-6 * np.abs(data).max()


def test_sensitivity_scales_the_traces_and_scale_bar(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    view = window.trace_view
    y7 = view.traces.rows[3].copy()
    bar7 = np.ptp(view.scale_bar.getData()[1])
    qtbot.keyClick(window, Qt.Key.Key_Down)  # less sensitive: 10 uV/mm
    assert view.sensitivity == 10.0
    y10 = view.traces.rows[3]
    np.testing.assert_allclose(np.ptp(y10), np.ptp(y7) * 7 / 10, rtol=1e-6)
    bar10 = np.ptp(view.scale_bar.getData()[1])
    # The bar shows a round amplitude drawn at the current sensitivity.
    assert bar7 == pytest.approx(scale_bar_microvolts(7) / 7)
    assert bar10 == pytest.approx(scale_bar_microvolts(10) / 10)
    assert window.settings.value("display/sensitivity_uv_mm") == 10.0


def test_filters_change_the_trace(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    before = window.trace_view.page_data().copy()
    window.set_filters(1.0, 15.0, 50.0)
    after = window.trace_view.page_data()
    assert np.std(after) < np.std(before)  # the 15 Hz low-pass removes the broadband noise


def test_only_visible_annotations_get_items(window, make_edf, open_in_window):
    open_in_window(make_edf("many.edf", seconds=200, n_annotations=10_000))
    layer = window.trace_view.annotation_layer
    assert len(layer.starts) == 10_000
    # 10,000 events in 198 s: about 500 fall on the first 10 s page, and only those are painted.
    assert 450 <= len(layer.visible_indices) <= 550
    onsets = layer.starts[layer.visible_indices]
    assert onsets.min() >= 0.0 and onsets.max() <= 10.0
    # Labels that would overlap are left out.
    window.trace_view.plot_widget.grab()
    assert 0 < len(layer.labelled_indices) < len(layer.visible_indices)


def test_page_length_choices(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    window.set_page_length(30.0)
    assert window.trace_view.visible_range() == (0.0, 30.0)
    assert window.trace_view.page_data().shape[1] == 30 * 256


def test_helpers():
    assert scale_bar_microvolts(7) == 50
    assert scale_bar_microvolts(10) == 100
    assert is_right_hemisphere("Fp2-F8") and is_right_hemisphere("Cz-C4")
    assert not is_right_hemisphere("Fp1-F7") and not is_right_hemisphere("Fp1-Fp2")
    groups = chain_groups(["Fp1-F7", "F7-T3", "Fp2-F8", "F8-T4"])
    assert groups == [0, 0, 1, 1]
