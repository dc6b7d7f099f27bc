"""The trends area in the real window: computed in the background, drawn, cached, clickable,
marking the page, shown and hidden from the View menu, and one clear line for a recording
without the chains it needs."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.conftest import write_edf


def open_and_wait_for_trends(qtbot, window, path):
    with qtbot.waitSignal(window.trends.trends_shown, timeout=30000) as blocker:
        window.open_file(path)
    return blocker.args[0]


def test_trends_are_drawn_for_the_open_recording(qtbot, window, make_edf):
    path = make_edf("long.edf", seconds=120)
    trends = open_and_wait_for_trends(qtbot, window, path)
    view = window.trends
    assert view.trends is trends and not view.runner.busy()
    assert trends.duration_s == 120.0 and trends.n_epochs == 60
    image = view.dsa_images["dsa_left"].image
    assert image.shape == (60, len(trends.freqs_hz))
    # The test file's 10 Hz rhythm is where the DSA is brightest, on both sides.
    peak = trends.freqs_hz[np.argmax(trends.dsa_left_db.mean(axis=0))]
    assert 9.5 <= peak <= 10.5
    x, lower = view.aeeg_lower["left"].getData()
    assert len(x) == 60 and np.all(lower >= 0)
    assert len(view.suppression_curve.getData()[1]) == 60
    assert "computed" in view.label.text()
    assert not view.progress.isVisible()


def test_hovering_reads_the_trends_out_on_the_clock_shown(qtbot, window, make_edf):
    open_and_wait_for_trends(qtbot, window, make_edf("hover.edf", seconds=120))
    view = window.trends
    box = view.plots["aeeg"].getViewBox()
    view.canvas.scene().sigMouseMoved.emit(box.mapViewToScene(QPointF(61.0, 1.0)))
    text = view.canvas.toolTip()
    # The test file starts at 09:00:00; 61 s is in its 31st epoch (one column per epoch).
    k = 30
    trends = view.trends
    left = trends.freqs_hz[np.argmax(trends.dsa_left_db[k])]
    right = trends.freqs_hz[np.argmax(trends.dsa_right_db[k])]
    assert text.startswith(f"09:01:00–09:01:02: DSA peak left {left:g} Hz, right {right:g} Hz; ")
    low, high = view.trends.aeeg_left_uv[k]
    assert f"C3-P3 {low:.0f}–{high:.0f} µV" in text
    assert f"asymmetry {view.trends.asymmetry[k]:+.2f}" in text
    window.set_clock_time(False)
    view.canvas.scene().sigMouseMoved.emit(box.mapViewToScene(QPointF(61.0, 1.0)))
    assert view.canvas.toolTip().startswith("0:01:00–0:01:02: ")


def test_the_page_marker_follows_paging_and_a_click_jumps(qtbot, window, make_edf):
    open_and_wait_for_trends(qtbot, window, make_edf("page.edf", seconds=120))
    view = window.trends
    window.trace_view.step_pages(3)
    start, stop = window.trace_view.visible_range()
    marker = view.markers["aeeg"].rect()
    assert (marker.left(), marker.right()) == (start, stop) == (30.0, 40.0)
    box = view.plots["dsa_right"].getViewBox()
    where = view.canvas.mapFromScene(box.mapViewToScene(QPointF(95.0, 10.0)))
    with qtbot.waitSignal(view.time_clicked, timeout=2000) as blocker:
        QTest.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert abs(blocker.args[0] - 95.0) < 1.0  # within a pixel of a 1400-pixel-wide strip
    start, stop = window.trace_view.visible_range()
    assert start <= 95.0 <= stop
    marker = view.markers["dsa_left"].rect()
    assert (marker.left(), marker.right()) == (start, stop)


def test_view_menu_hides_and_shows_the_trends(qtbot, window, make_edf):
    action = window.key_actions["toggle_trends"]
    assert action in window.view_menu.actions() and action.isChecked()
    first = make_edf("first.edf", seconds=60)
    open_and_wait_for_trends(qtbot, window, first)
    action.trigger()
    assert not window.trends.isVisible() and not action.isChecked()
    second = make_edf("second.edf", seconds=40)
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(second)
    # Hidden: nothing of the first recording kept, nothing computed for the second.
    assert window.trends.trends is None and not window.trends.runner.busy()
    with qtbot.waitSignal(window.trends.trends_shown, timeout=30000) as blocker:
        action.trigger()
    assert window.trends.isVisible() and action.isChecked()
    assert blocker.args[0].duration_s == 40.0


def test_hidden_trends_stay_hidden_in_the_next_session(qtbot, window):
    from elm_desktop.gui.main_window import MainWindow
    from tests.gui.conftest import discard_on_teardown

    window.action_toggle_trends()
    window.close()
    again = MainWindow()
    again.draft_question = discard_on_teardown
    qtbot.addWidget(again)
    again.show()
    assert not again.trends.wanted and not again.trends.isVisible()
    assert not again.key_actions["toggle_trends"].isChecked()


def test_trends_come_from_the_cache_the_second_time(qtbot, window, make_edf):
    path = make_edf("again.edf", seconds=60)
    first = open_and_wait_for_trends(qtbot, window, path)
    assert "computed" in window.trends.label.text()
    again = open_and_wait_for_trends(qtbot, window, path)
    assert "from the cache" in window.trends.label.text()
    np.testing.assert_array_equal(again.dsa_right_db, first.dsa_right_db)


def test_a_recording_without_homologous_chains_says_so_in_one_line(qtbot, window, tmp_path):
    import datetime as dt

    from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader

    path = tmp_path / "midline.edf"
    signals = [SignalHeader(f"EEG {name}-REF", -1000.0, 1000.0) for name in ("FZ", "CZ", "PZ")]
    with EdfWriter(
        path, signals, 256, 20, dt.datetime(2024, 1, 1, 9), "X X X X", "X X X X", []
    ) as writer:
        writer.write_block(np.zeros((3, 20 * 256)))
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(path)
    qtbot.waitUntil(lambda: "unavailable" in window.trends.label.text(), timeout=10000)
    assert not window.trends.runner.busy()
    text = window.trends.label.text()
    assert text.startswith("Trends unavailable:") and "homologue" in text and "\n" not in text
    assert window.last_error is None  # no dialog: the traces stay in use
    assert window.trends.dsa_images["dsa_left"].image is None


def test_a_short_recording_is_drawn_too(qtbot, window, tmp_path):
    trends = open_and_wait_for_trends(qtbot, window, write_edf(tmp_path / "s.edf", seconds=3))
    assert trends.n_epochs == 1
    assert window.trends.dsa_images["dsa_left"].image.shape[0] == 1
