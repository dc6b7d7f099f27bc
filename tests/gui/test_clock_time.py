"""Clock time on the real window: the time axes, status bar, event list and cursors read the
time of day from the file's start, or elapsed time when the reviewer switches (Ctrl+T)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from elm_desktop.gui.main_window import MainWindow
from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
from elm_desktop.synth.electrodes import ELECTRODES


def drawn_ticks(qtbot, axis) -> list[str]:
    """Return the tick labels ``axis`` draws (pyqtgraph's own drawing specification), once the
    layout has given it its height (a squeezed axis draws no labels)."""
    qtbot.waitUntil(lambda: axis.geometry().height() > 10, timeout=5000)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in texts]


def edf_starting_at(path, start: dt.datetime, seconds: int = 60, sfreq: int = 128):
    import numpy as np

    data = 10.0 * np.random.default_rng(3).standard_normal((len(ELECTRODES), seconds * sfreq))
    signals = [SignalHeader(f"EEG {name.upper()}-REF", -500.0, 500.0) for name in ELECTRODES]
    with EdfWriter(path, signals, sfreq, seconds, start, "X X X X", "X X X X") as writer:
        writer.write_block(data)
    return path


def test_time_axes_show_the_time_of_day_and_ctrl_t_switches_to_elapsed(
    qtbot, window, edf_path, open_in_window
):
    open_in_window(edf_path)  # starts 2024-01-01 09:00:00
    view = window.trace_view
    view.set_start(20.0)
    assert window.clock_time and window.key_actions["toggle_clock_time"].isChecked()
    ticks = drawn_ticks(qtbot, view.axis)
    assert "09:00:25" in ticks and all(t.startswith("09:00:") for t in ticks)
    assert "09:00:20–09:00:30" in window.position_label.text()
    overview = drawn_ticks(qtbot, window.overview.axis)
    assert overview and all(t.startswith("09:0") for t in overview)
    onsets = [window.events_panel.model.index(row, 0).data() for row in range(3)]
    assert onsets[0] == "09:00:01.000"
    reading = window.measure.set_cursors(21.0, 21.5, 0)
    assert reading.clock == ("09:00:21.000", "09:00:21.500")

    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert not window.clock_time and not window.key_actions["toggle_clock_time"].isChecked()
    ticks = drawn_ticks(qtbot, view.axis)
    assert "0:00:25" in ticks and not any(t.startswith("09") for t in ticks)
    assert window.position_label.text().startswith("0:00:20–0:00:30 of 0:01:00")
    assert window.events_panel.model.index(0, 0).data() == "0:00:01.000"
    assert window.measure.reading.clock == ("0:00:21.000", "0:00:21.500")
    assert all(t.startswith("0:0") for t in drawn_ticks(qtbot, window.overview.axis))

    # Remembered: a new window shows elapsed time until switched back from the View menu.
    again = MainWindow()
    qtbot.addWidget(again)
    again.resize(1400, 900)
    again.show()
    assert not again.clock_time
    with qtbot.waitSignal(again.recording_opened, timeout=10000):
        again.open_file(edf_path)
    assert "0:00:05" in drawn_ticks(qtbot, again.trace_view.axis)
    again.key_actions["toggle_clock_time"].trigger()
    assert again.clock_time and "09:00:05" in drawn_ticks(qtbot, again.trace_view.axis)


def test_ticks_fall_on_round_times_of_day_across_midnight(qtbot, window, tmp_path, open_in_window):
    open_in_window(edf_starting_at(tmp_path / "night.edf", dt.datetime(2023, 12, 31, 23, 59, 57)))
    window.set_page_length(20.0)  # a label every 5 s
    view = window.trace_view
    assert view.visible_range() == (0.0, 20.0)
    ticks = drawn_ticks(qtbot, view.axis)
    # Elapsed 3 s is midnight: ticks on the clock's fives, not on the recording's.
    assert ticks[:3] == ["00:00:00", "00:00:05", "00:00:10"]
    assert window.position_label.text().startswith("23:59:57–00:00:17")
    window.set_clock_time(False)
    assert drawn_ticks(qtbot, view.axis)[:3] == ["0:00:05", "0:00:10", "0:00:15"]
