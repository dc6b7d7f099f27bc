"""Measurement in the real window: cursors and a selection box on a written 10 Hz, 100 uV sine."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
from elm_desktop.synth.electrodes import ELECTRODES

SFREQ = 256
FREQ_HZ = 10.0
AMPLITUDE_UV = 100.0


@pytest.fixture
def sine_edf(tmp_path):
    """30 s: a 10 Hz, 100 uV sine on Fp1 only, so Fp1-F7 of the double banana carries it."""
    seconds = 30
    t = np.arange(seconds * SFREQ) / SFREQ
    data = np.zeros((len(ELECTRODES), t.size))
    data[[e.lower() for e in ELECTRODES].index("fp1")] = AMPLITUDE_UV * np.sin(
        2 * np.pi * FREQ_HZ * t
    )
    signals = [SignalHeader(f"EEG {name.upper()}-REF", -1000.0, 1000.0) for name in ELECTRODES]
    path = tmp_path / "sine.edf"
    with EdfWriter(
        path, signals, SFREQ, seconds, dt.datetime(2024, 1, 1, 9, 30), "X X X X", "X X X X"
    ) as writer:
        writer.write_block(data)
    return path


@pytest.fixture
def sine_window(window, open_in_window, sine_edf):
    open_in_window(sine_edf)
    window.trace_view.set_start(10.0)
    return window


def click_traces(qtbot, view, time_s: float, row: int) -> None:
    """Click the trace view where trace ``row`` passes ``time_s`` (a real mouse click)."""
    scene = view.view_box.mapViewToScene(QPointF(time_s, float(view._offsets_mm[row])))
    pos = view.plot_widget.mapFromScene(scene)
    qtbot.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def shift_drag(view, start: tuple[float, float], stop: tuple[float, float]) -> None:
    """Drag with Shift held from one (seconds, mm) point of the traces to another, through the
    viewport as the mouse does (QTest's moves carry no held button)."""
    port = view.plot_widget.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    a, b = (
        QPointF(view.plot_widget.mapFromScene(view.view_box.mapViewToScene(QPointF(*point))))
        for point in (start, stop)
    )
    steps = [(QEvent.Type.MouseButtonPress, a, left, left)]
    steps += [(QEvent.Type.MouseMove, a + (b - a) * k / 10, none, left) for k in range(1, 11)]
    steps += [(QEvent.Type.MouseButtonRelease, b, left, none)]
    for kind, pos, button, buttons in steps:
        event = QMouseEvent(
            kind, pos, port.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.ShiftModifier
        )
        QApplication.sendEvent(port, event)


def test_cursors_read_frequency_and_amplitude_of_the_sine(qtbot, sine_window):
    window = sine_window
    row = window.trace_view.labels.index("Fp1-F7")
    # one period: the first two peaks after 12 s (sin peaks at 0.025 s + k / 10)
    reading = window.measure.set_cursors(12.025, 12.125, row)
    assert reading.channel == "Fp1-F7"
    assert reading.frequency_hz == pytest.approx(FREQ_HZ, rel=0.01)
    # peak to trough: twice the amplitude
    reading = window.measure.set_cursors(12.025, 12.075, row)
    assert abs(reading.amplitude_difference_uv) / 2 == pytest.approx(AMPLITUDE_UV, rel=0.02)
    assert reading.clock == ("09:30:12.025", "09:30:12.075")
    assert "on Fp1-F7" in window.measure_panel.readout.text()


def test_cursor_mode_places_cursors_with_clicks(qtbot, sine_window):
    window = sine_window
    view = window.trace_view
    row = view.labels.index("Fp1-F7")
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_C)
    assert window.measure.cursor_mode
    click_traces(qtbot, view, 12.025, row)
    click_traces(qtbot, view, 13.025, row)
    reading = window.measure.reading
    assert reading is not None and reading.channel == "Fp1-F7"
    # a click lands within a pixel (under 10 ms here): ten periods within 1 %
    assert reading.dt_s * FREQ_HZ == pytest.approx(10.0, rel=0.01)
    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ShiftModifier)
    assert window.measure.reading is None and not window.measure.cursors[0].isVisible()


def test_selection_box_gives_dominant_frequency_and_peak_to_peak(qtbot, sine_window):
    window = sine_window
    view = window.trace_view
    row = view.labels.index("Fp1-F7")
    top, bottom = view._offsets_mm[row] - 1.0, view._offsets_mm[row + 1] + 1.0
    shift_drag(view, (11.0, top), (13.0, bottom))
    stats = window.measure.stats
    assert stats.channels == ["Fp1-F7", "F7-T3"]
    assert stats.dominant_hz[0] == pytest.approx(FREQ_HZ, rel=0.01)
    assert stats.peak_to_peak_uv[0] == pytest.approx(2 * AMPLITUDE_UV, rel=0.02)
    assert np.isnan(stats.dominant_hz[1])  # F7-T3 is flat
    table = window.measure_panel.table
    assert table.item(0, 0).text() == "Fp1-F7" and table.item(0, 1).text() == "10.00 Hz"
    # the box becomes the span of a new event on that trace
    qtbot.wait(QApplication.styleHints().mouseDoubleClickInterval() + 100)  # not a double-click
    shift_drag(view, (11.0, top), (13.0, top + 0.5))
    template = window.new_event_template()
    assert template.channel == "Fp1-F7"
    assert (template.onset, template.duration) == pytest.approx((11.0, 2.0), abs=0.02)  # pixels


def test_measurement_is_cleared_when_another_recording_opens(
    qtbot, sine_window, open_in_window, edf_path
):
    window = sine_window
    window.measure.set_cursors(12.025, 12.125, 0)
    open_in_window(edf_path)
    assert window.measure.reading is None and window.measure_panel.table.rowCount() == 0
