"""The main window around the traces: errors, settings, recent files, keys, palettes, drops."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from elm_desktop.gui.keymap import KEYMAP
from elm_desktop.gui.main_window import MainWindow
from elm_desktop.gui.settings import Settings


def test_bad_file_shows_error_and_window_still_works(
    qtbot, window, tmp_path, edf_path, open_in_window
):
    bad = tmp_path / "notes.edf"
    bad.write_text("this is not an EDF file")
    with qtbot.waitSignal(window.error_shown, timeout=10000) as blocker:
        window.open_file(bad)
    assert "notes.edf" in blocker.args[0]
    assert window.error_box is not None and window.error_box.isVisible()
    assert window.recording is None
    window.error_box.accept()
    # The window is still usable: a good file opens and pages.
    window.activateWindow()
    qtbot.waitActive(window)
    open_in_window(edf_path)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.trace_view.start_s == 10.0


def test_a_recording_that_cannot_be_drawn_leaves_the_last_one_whole(
    qtbot, window, edf_path, make_edf, open_in_window, monkeypatch
):
    from elm_desktop.gui import trace_view
    from elm_desktop.signals.events import Event

    open_in_window(edf_path)
    window.trace_view.set_start(20.0)
    window.events_question = lambda action: "discard"
    window.add_event(Event(25.0, 0.0, "spike"))
    other = make_edf("other.edf", seconds=30, n_annotations=1)
    read_page = trace_view.read_page

    def failing(recording, *args, **kwargs):
        if recording.path == other:
            raise OSError("the disk went away")
        return read_page(recording, *args, **kwargs)

    monkeypatch.setattr(trace_view, "read_page", failing)
    with qtbot.waitSignal(window.error_shown, timeout=10000) as blocker:
        window.open_file(other)
    assert "the disk went away" in blocker.args[0]
    # The view had taken the new file before its page failed: the last one is back in it,
    # with its own annotations, under the title and results that are still the last one's.
    assert window.recording.path == edf_path
    assert window.trace_view.recording is window.recording
    assert len(window.trace_view.annotation_layer.starts) == len(window.recording.annotations)
    assert list(window.trace_view.event_layer.starts) == [25.0]  # its events, on its page
    assert window.trace_view.start_s == 20.0
    assert edf_path.name in window.windowTitle()


def test_analyse_without_recording_says_what_to_do(qtbot, window):
    with qtbot.waitSignal(window.error_shown, timeout=2000) as blocker:
        window.analyze()
    assert "open a recording" in blocker.args[0]


def test_settings_and_recent_files_persist(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    window.set_montage("transverse")
    window.set_page_length(20.0)
    window.set_dark(True)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.trace_view.montage_name == "transverse"
    assert again.trace_view.page_s == 20.0
    assert again.dark
    assert Settings().recent_files() == [str(edf_path.resolve())]

    again.recent_menu.aboutToShow.emit()
    clear = again.recent_menu.actions()[-1]
    assert clear.text() == "&Clear the list"
    clear.trigger()
    assert Settings().recent_files() == []
    again.recent_menu.aboutToShow.emit()
    assert [a.text() for a in again.recent_menu.actions()] == ["(none)"]


def test_help_dialog_lists_every_key_binding(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    table = window.keys_dialog.table
    assert table.rowCount() == len(KEYMAP)
    assert table.item(0, 1).text() == next(iter(KEYMAP.values())).description
    window.keys_dialog.close()


def test_dark_palette_recolours_the_traces(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    light = window.trace_view.plot_widget.backgroundBrush().color().name()
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dark = window.trace_view.plot_widget.backgroundBrush().color().name()
    assert light != dark
    assert QApplication.instance().palette().window().color().lightness() < 100


def test_dropping_a_file_opens_it(qtbot, window, edf_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(edf_path))])
    drop = QDropEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.dropEvent(drop)
    assert window.recording.path == edf_path


def test_overview_click_jumps_to_time(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    window.overview.time_clicked.emit(45.0)
    assert window.trace_view.visible_range() == (40.0, 50.0)
    start, stop = (
        window.overview.page_marker.rect().left(),
        window.overview.page_marker.rect().right(),
    )
    assert (start, stop) == (40.0, 50.0)


def test_the_annotations_are_read_off_the_ui_thread(qtbot, window, edf_path, monkeypatch):
    """A day-long EDF+ file spreads its annotations over 86,400 records: seconds to parse."""
    import threading

    from elm_desktop.signals import recording as recording_module

    readers = []
    read = recording_module._annotations_on_record_time

    def spy(header):
        readers.append(threading.current_thread())
        return read(header)

    monkeypatch.setattr(recording_module, "_annotations_on_record_time", spy)
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(edf_path)
    assert len(readers) == 1 and readers[0] is not threading.main_thread()
    assert len(window.recording.annotations) == 3  # and the window has them
