"""Events in the real window: add, edit, delete, save beside the recording, one recording's
events only, unsaved events asked about and recovered, bad sidecars and bad events."""

from __future__ import annotations

import hashlib

import mne
import numpy as np
import pytest
from PySide6.QtCore import Qt

from elm_desktop.signals.event_files import EventAutosave, sidecar_path
from elm_desktop.signals.events import Event

SFREQ = 256


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def answer(reply: str):
    return lambda _action: reply


@pytest.fixture
def events_window(window):
    window.events_question = answer("discard")  # teardown closes the window
    return window


def open_and_wait(qtbot, window, path):
    with qtbot.waitSignal(window.events_replaced, timeout=10000):
        window.open_file(path)
    return window.event_list


def test_events_round_trip_through_an_edf_plus_sidecar(qtbot, events_window, make_edf):
    window = events_window
    path = make_edf("a.edf")
    before = sha256(path)
    open_and_wait(qtbot, window, path)
    window.add_event(Event(2.0 + 7 / SFREQ, 0.0, "spike", "", "Fp1-F7"))
    window.add_event(Event(20.5, 4.25, "seizure onset", "left temporal"))
    # one through the dialog, as the reviewer adds it
    window.trace_view.clicked.emit(33.3, 0)
    dialog = window.ask_add_event()
    assert dialog.onset.value() == pytest.approx(33.3)
    dialog.kind.setCurrentText("note")
    dialog.text.setText("patient drowsy")
    dialog.accept()
    mine = window.event_list.reviewer_events
    assert [e.kind for e in mine] == ["spike", "seizure onset", "note"]
    assert window.events_panel.model.rowCount() == 3 + 3  # and the file's three annotations
    assert len(window.trace_view.event_layer.starts) == 3

    written = window.save_events()
    assert written == sidecar_path(path) and not window.event_list.unsaved
    by_mne = mne.read_annotations(written)
    assert np.all(np.abs(by_mne.onset - [e.onset for e in mine]) <= 1 / SFREQ)
    assert list(by_mne.description) == [e.description() for e in mine]
    assert sha256(path) == before

    window.close()  # nothing unsaved: no question
    from elm_desktop.gui.main_window import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    back = open_and_wait(qtbot, again, path).reviewer_events
    assert [(e.kind, e.text, e.channel) for e in back] == [
        (e.kind, e.text, e.channel) for e in mine
    ]
    assert np.all(np.abs(np.array([e.onset for e in back]) - [e.onset for e in mine]) <= 1 / SFREQ)
    assert sha256(path) == before


def test_events_of_one_recording_are_not_shown_with_another(qtbot, events_window, make_edf):
    window = events_window
    a, b = make_edf("a.edf"), make_edf("b.edf", n_annotations=2)
    open_and_wait(qtbot, window, a)
    window.add_event(Event(12.0, 1.0, "artifact", "electrode pop", "T3-T5"))
    window.save_events()
    open_and_wait(qtbot, window, b)
    assert window.event_list.reviewer_events == ()
    assert len(window.trace_view.event_layer.starts) == 0
    texts = [
        window.events_panel.model.rows[i].text for i in range(window.events_panel.model.rowCount())
    ]
    assert texts == ["event 0", "event 1"]  # b's own annotations only
    ticks, _ = window.overview.annotation_ticks.getData()
    assert sorted(set(ticks.tolist())) == [e.onset for e in window.event_list.events]
    window.trace_view.centre_on(12.0)
    assert len(window.trace_view.event_layer.visible_indices) == 0
    open_and_wait(qtbot, window, a)
    assert [e.text for e in window.event_list.reviewer_events] == ["electrode pop"]
    assert len(window.trace_view.event_layer.starts) == 1
    ticks, _ = window.overview.annotation_ticks.getData()
    assert 12.0 in ticks.tolist()


def test_unsaved_events_are_asked_about_before_another_file_opens(qtbot, events_window, make_edf):
    window = events_window
    a, b = make_edf("a.edf"), make_edf("b.edf")
    open_and_wait(qtbot, window, a)
    window.add_event(Event(5.0, 0.0, "spike"))
    asked = []
    window.events_question = lambda action: asked.append(action) or "cancel"
    assert window.open_file(b) is None
    assert asked == ["open b.edf"] and window.recording.path == a
    window.events_question = answer("save")
    open_and_wait(qtbot, window, b)
    assert sidecar_path(a).is_file() and window.recording.path == b


def test_unsaved_events_survive_a_killed_program(qtbot, events_window, make_edf):
    window = events_window
    path = make_edf("a.edf")
    open_and_wait(qtbot, window, path)
    window.add_event(Event(5.0, 0.0, "sharp wave", "", "F7-T3"))
    window.add_event(Event(8.0, 0.0, "spike"))
    window.delete_event(window.event_list.reviewer_events[1])
    # The program dies here: no save, no question. A new one opens the same recording.
    from elm_desktop.gui.main_window import MainWindow

    again = MainWindow()
    again.events_question = answer("discard")
    qtbot.addWidget(again)
    recovered = open_and_wait(qtbot, again, path)
    assert [(e.kind, e.channel) for e in recovered.reviewer_events] == [("sharp wave", "F7-T3")]
    assert recovered.unsaved and not sidecar_path(path).exists()
    again.save_events()
    assert EventAutosave().load(again.recording) is None


def test_a_corrupt_sidecar_gives_one_line_and_is_kept(qtbot, events_window, make_edf):
    window = events_window
    path = make_edf("a.edf")
    sidecar_path(path).write_bytes(b"\x00garbage that is no EDF")
    with qtbot.waitSignal(window.error_shown, timeout=10000) as shown:
        window.open_file(path)
    assert "a.events.unreadable.edf" in shown.args[0] and "\n" not in shown.args[0]
    assert path.with_name("a.events.unreadable.edf").read_bytes() == b"\x00garbage that is no EDF"
    assert window.recording.path == path  # the recording still opened, with its annotations
    assert len(window.event_list.file_events) == 3
    window.error_box.accept()
    window.add_event(Event(1.0, 0.0, "note"))
    window.save_events()
    assert path.with_name("a.events.unreadable.edf").is_file()  # not overwritten


def test_an_event_outside_the_recording_is_refused_in_one_line(qtbot, events_window, make_edf):
    window = events_window
    open_and_wait(qtbot, window, make_edf("a.edf"))
    window.add_event(Event(3.0, 0.0, "spike"))
    before = window.event_list.events
    with qtbot.waitSignal(window.error_shown, timeout=2000) as shown:
        assert window.add_event(Event(75.0, 0.0, "spike")) is None
    assert "outside the recording" in shown.args[0] and "\n" not in shown.args[0]
    assert window.event_list.events == before
    window.error_box.accept()
    assert window.add_event(Event(4.0, 0.0, "spike")) is not None  # still usable


def test_file_annotations_are_read_only_in_the_window(qtbot, events_window, make_edf):
    window = events_window
    open_and_wait(qtbot, window, make_edf("a.edf"))
    annotation = window.event_list.file_events[0]
    with qtbot.waitSignal(window.error_shown, timeout=2000):
        window.ask_edit_event(annotation)
    window.error_box.accept()
    window.delete_event(annotation)
    assert window.event_list.file_events[0] == annotation


def test_edit_through_the_dialog_and_a_new_type_joins_the_list(qtbot, events_window, make_edf):
    window = events_window
    open_and_wait(qtbot, window, make_edf("a.edf"))
    spike = window.add_event(Event(10.0, 0.0, "spike"))
    dialog = window.ask_edit_event(spike)
    dialog.kind.setCurrentText("vertex wave")
    dialog.channel.setCurrentText("C3-Cz")
    dialog.accept()
    assert [(e.kind, e.channel) for e in window.event_list.reviewer_events] == [
        ("vertex wave", "C3-Cz")
    ]
    assert "vertex wave" in window.settings.event_types()
    assert window.events_panel.type_box.findText("vertex wave") >= 0


def test_next_and_previous_event_keys_follow_the_type_filter(qtbot, events_window, make_edf):
    window = events_window
    open_and_wait(qtbot, window, make_edf("a.edf", seconds=120, n_annotations=0))
    for onset, kind in ((30.0, "spike"), (50.0, "artifact"), (90.0, "spike")):
        window.add_event(Event(onset, 0.0, kind))
    window.activateWindow()
    qtbot.waitActive(window)
    view = window.trace_view
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert view.visible_range() == (25.0, 35.0)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert view.visible_range() == (45.0, 55.0)
    window.events_panel.type_box.setCurrentText("spike")
    assert window.events_panel.model.rowCount() == 2
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert view.visible_range() == (85.0, 95.0)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ShiftModifier)
    assert view.visible_range() == (25.0, 35.0)
    # a double-click in the list jumps too
    index = window.events_panel.model.index(1, 0)
    window.events_panel.table.doubleClicked.emit(index)
    assert view.visible_range() == (85.0, 95.0)


def test_export_a_copy_with_the_events(qtbot, events_window, make_edf, tmp_path):
    window = events_window
    path = make_edf("a.edf")
    before = sha256(path)
    open_and_wait(qtbot, window, path)
    window.add_event(Event(7.5, 0.0, "spike", "", "Fp1-F7"))
    failures = []
    window.error_shown.connect(failures.append)
    job = window.export_events_copy(tmp_path / "copy.edf")
    qtbot.waitUntil(lambda: job.done, timeout=60000)  # a busy shared machine can be slow
    qtbot.wait(50)  # its signals arrive through the event loop
    assert failures == []
    copy = mne.io.read_raw_edf(tmp_path / "copy.edf", verbose="error")
    assert "spike@@Fp1-F7" in list(copy.annotations.description)
    assert "event 0" in list(copy.annotations.description)
    assert sha256(path) == before


def test_an_event_on_a_derivation_covers_its_trace_only(qtbot, events_window, make_edf):
    window = events_window
    open_and_wait(qtbot, window, make_edf("a.edf"))
    view = window.trace_view
    window.add_event(Event(3.0, 1.0, "spike", "", "T3-C3"))
    window.add_event(Event(5.0, 1.0, "artifact"))
    layer = view.event_layer
    row = view.labels.index("T3-C3")
    centre = (layer.tops[0] + layer.bottoms[0]) / 2
    assert centre == pytest.approx(view._offsets_mm[row])
    assert layer.bottoms[0] - layer.tops[0] < view._offsets_mm[1] - view._offsets_mm[0] + 1e-9
    assert np.isnan(layer.tops[1])  # the whole recording: every trace
    view.plot_widget.grab()  # paints both
    window.set_montage("transverse")  # T3-C3 is there too, on another row
    assert (layer.tops[0] + layer.bottoms[0]) / 2 == pytest.approx(
        view._offsets_mm[view.labels.index("T3-C3")]
    )
    window.set_montage("average")
    assert np.isnan(layer.tops[0])  # no such derivation on screen: across every trace


def test_the_delete_key_deletes_the_selected_event(qtbot, events_window, make_edf):
    window = events_window
    open_and_wait(qtbot, window, make_edf("a.edf", n_annotations=0))
    window.add_event(Event(3.0, 0.0, "spike"))
    window.add_event(Event(4.0, 0.0, "note", "keep me"))
    window.events_panel.table.selectRow(0)
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert [e.text for e in window.event_list.reviewer_events] == ["keep me"]


def test_opening_a_sidecar_says_to_open_the_recording(qtbot, events_window, make_edf):
    window = events_window
    path = make_edf("a.edf")
    open_and_wait(qtbot, window, path)
    window.add_event(Event(3.0, 0.0, "spike"))
    window.save_events()
    with qtbot.waitSignal(window.error_shown, timeout=2000) as shown:
        assert window.open_file(sidecar_path(path)) is None
    assert "open the recording beside it" in shown.args[0]
    assert window.recording.path == path and len(window.event_list.reviewer_events) == 1


def test_the_e_key_asks_for_an_event_of_this_recording_only(qtbot, events_window, make_edf):
    window = events_window
    a, b = make_edf("a.edf"), make_edf("b.edf", n_annotations=0)
    open_and_wait(qtbot, window, a)
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_E)
    dialog = window.event_dialog
    assert dialog.isVisible() and dialog.onset.value() == pytest.approx(5.0)  # the page centre
    open_and_wait(qtbot, window, b)
    assert not dialog.isVisible()
    dialog.accept()  # too late: it belonged to a.edf
    assert window.event_list.reviewer_events == ()
