"""Montages in the real window: the ACNS montages, the editor, montage files, channel selection,
vertical scrolling of a 64-channel recording, and the model's input left alone."""

from __future__ import annotations

import datetime as dt
import json

import mne
import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication

from elm_desktop.gui.main_window import MainWindow
from elm_desktop.signals.derivations import LAPLACIAN, Trace
from elm_desktop.signals.display import read_page
from elm_desktop.signals.montage_files import montage_folder
from elm_desktop.signals.montages import builtin_montages, get_montage
from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader


def new_window(qtbot) -> MainWindow:
    """Another real window on the same user data folder (shown: the keys are its shortcuts)."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def drawn_microvolts(view, visible_index: int) -> np.ndarray:
    """Undo the drawing of one on-screen row: microvolts times its gain and polarity."""
    return (view.traces.rows[visible_index] - view._offsets_mm[visible_index]) * view.sensitivity


def test_acns_double_banana_in_the_window(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    view = window.trace_view
    assert window.montage_box.currentText() == "TCP (ELM input)"
    window.set_montage("acns-banana")
    assert view.labels[-2:] == ["Fz-Cz", "Cz-Pz"] and len(view.labels) == 18
    expected = read_page(view.recording, view.start_s, view.page_s, "acns-banana")
    np.testing.assert_allclose(view.page_data(), expected.data, atol=1e-2)
    for name in builtin_montages():  # every built-in draws
        window.set_montage(name)
        assert len(view.visible_rows()) == len(view.labels) > 0
        assert view.traces.rows.shape[0] == len(view.labels)


def shift_wheel(view, delta: int, modifiers) -> None:
    """Turn the mouse wheel over the traces by ``delta`` (-120: one notch towards the user)."""
    viewport = view.plot_widget.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(
        centre, viewport.mapToGlobal(centre), QPoint(), QPoint(0, delta),
        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(viewport, wheel)


def biosemi64_edf(path, seconds: int = 30, sfreq: int = 128):
    names = mne.channels.make_standard_montage("biosemi64").ch_names
    rng = np.random.default_rng(11)
    data = 20.0 * rng.standard_normal((len(names), seconds * sfreq))
    data += np.arange(len(names))[:, None]  # every channel its own offset
    signals = [SignalHeader(f"EEG {name}", -1000.0, 1000.0) for name in names]
    with EdfWriter(
        path, signals, sfreq, seconds, dt.datetime(2024, 1, 1, 9), "X X X X", "X X X X"
    ) as writer:
        writer.write_block(data)
    return path


def test_64_channels_scroll_and_every_row_is_reachable(qtbot, window, tmp_path, open_in_window):
    open_in_window(biosemi64_edf(tmp_path / "hd64.edf"))
    view = window.trace_view
    window.set_montage("as-recorded")
    assert len(view.labels) == 64
    window.montage_menu.set_rows(16)
    assert len(view.visible_rows()) == 16 and view.row_scroll_bar.isVisible()
    assert view.row_scroll_bar.maximum() == 48
    seen = [view.labels[i] for i in view.visible_rows()]
    for _ in range(5):
        qtbot.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ShiftModifier)
        seen += [view.labels[i] for i in view.visible_rows()]
    assert set(seen) == set(view.labels) and view.first_row == 48
    assert list(view.visible_rows()) == list(range(48, 64))
    # What is drawn is the rows on screen: the bottom row is the last channel.
    np.testing.assert_allclose(drawn_microvolts(view, 15), view.page_data()[63], atol=1e-6)
    assert view.row_at(view._offsets_mm[15]) == 63
    qtbot.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert view.first_row == 47
    view.row_scroll_bar.setValue(0)
    assert list(view.visible_rows()) == list(range(16))
    # Shift+wheel scrolls the rows (three a notch), the page stays; the plain wheel scrolls time.
    start = view.start_s
    shift_wheel(view, -120, Qt.KeyboardModifier.ShiftModifier)
    assert view.first_row == 3 and view.start_s == start
    shift_wheel(view, 120, Qt.KeyboardModifier.ShiftModifier)
    assert view.first_row == 0
    shift_wheel(view, -120, Qt.KeyboardModifier.NoModifier)
    assert view.first_row == 0 and view.start_s > start
    # 10-10 names (T7, P7) fill the ACNS double banana: 18 rows, 2 to scroll, none at "all".
    window.set_montage("acns-banana")
    assert not any("absent" in label for label in view.labels)
    assert view.row_scroll_bar.maximum() == 2
    window.montage_menu.set_rows(0)
    assert not view.row_scroll_bar.isVisible() and len(view.visible_rows()) == 18
    window.set_montage("average")
    assert len(view.visible_rows()) == 64


def test_absent_electrode_gives_a_one_line_notice(qtbot, window, tmp_path, open_in_window):
    open_in_window(biosemi64_edf(tmp_path / "hd64.edf"))  # no ear electrodes
    window.set_montage("ref-ears")
    message = window.statusBar().currentMessage()
    assert "no A1, A2 in this recording" in message and "\n" not in message
    assert all(label.endswith("(absent)") for label in window.trace_view.labels)


def test_channel_selection_leaves_rows_out(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    view = window.trace_view
    dialog = window.montage_menu.open_selection()
    dialog.set_shown("Fp1-F7", False)
    dialog.set_shown("P4-O2", False)
    dialog.accept()
    shown = [view.labels[i] for i in view.visible_rows()]
    assert "Fp1-F7" not in shown and "P4-O2" not in shown and len(shown) == 18
    assert view.traces.rows.shape[0] == 18
    # Remembered for this montage: the next session leaves them out too; other montages not.
    again = new_window(qtbot)
    with qtbot.waitSignal(again.recording_opened, timeout=10000):
        again.open_file(edf_path)
    shown_again = [again.trace_view.labels[i] for i in again.trace_view.visible_rows()]
    assert shown_again == shown
    again.set_montage("acns-banana")
    assert len(again.trace_view.visible_rows()) == 18 and "Fp1-F7" in again.trace_view.labels
    dialog = window.montage_menu.open_selection()
    dialog.tick_all(False)
    dialog.accept()
    assert len(view.visible_rows()) == 0 and view.traces.rows.shape[0] == 0
    window.trace_view.step_pages(1)  # paging with nothing shown draws nothing, and fails not
    assert view.traces.rows.shape[0] == 0
    dialog = window.montage_menu.open_selection()
    dialog.tick_all(True)
    dialog.accept()
    assert len(view.visible_rows()) == 20 and view.traces.rows.shape[0] == 20


def test_editor_saves_a_montage_that_reloads_and_draws_the_same(
    qtbot, window, edf_path, open_in_window
):
    open_in_window(edf_path)
    view = window.trace_view
    window.set_montage("acns-banana")
    editor = window.montage_menu.open_editor()
    assert editor.name_edit.text() == "acns-banana-mine"
    assert editor.table.rowCount() == 18 and editor.table.currentRow() == 0
    assert editor.start_box.currentData() == "acns-banana"
    assert editor.start_box.currentText() == get_montage("acns-banana").description
    editor.set_colour(0, "#aa2200")
    editor.table.cellWidget(1, 3).setValue(2.0)
    editor.table.item(2, 4).setCheckState(Qt.CheckState.Checked)  # T3-T5 inverted
    editor.table.item(16, 5).setCheckState(Qt.CheckState.Checked)  # Fz-Cz hidden
    editor.remove_row(4)  # Fp2-F8
    editor.move_row(15, 1)  # Fz-Cz (row 15 now) after Cz-Pz
    editor.add_trace(Trace("C3", LAPLACIAN))
    with qtbot.waitSignal(editor.saved):
        editor.save()
    assert (montage_folder() / "acns-banana-mine.json").is_file()
    assert window.montage_box.currentData() == "acns-banana-mine"
    assert view.labels[-3:] == ["Cz-Pz", "Fz-Cz", "C3-Lap"]
    assert "Fp2-F8" not in view.labels
    shown = [view.labels[i] for i in view.visible_rows()]
    assert "Fz-Cz" not in shown and len(shown) == 17
    data = view.page_data()
    np.testing.assert_allclose(drawn_microvolts(view, 1), 2.0 * data[1], atol=1e-6)
    np.testing.assert_allclose(drawn_microvolts(view, 2), -data[2], atol=1e-6)
    assert view.traces.pens[0].color() == QColor("#aa2200")
    first_page = data.copy()

    # Reloaded from its file in a new window: the same traces.
    again = new_window(qtbot)
    with qtbot.waitSignal(again.recording_opened, timeout=10000):
        again.open_file(edf_path)
    assert again.trace_view.montage_name == "acns-banana-mine"  # kept in the settings
    np.testing.assert_array_equal(again.trace_view.page_data(), first_page)
    assert again.trace_view.labels == view.labels


def test_a_bad_montage_name_or_row_is_said_in_the_editor(qtbot, window):
    editor = window.montage_menu.open_editor()  # no recording: the 10-20 electrodes
    editor.name_edit.setText("tcp-elm")
    assert editor.save() is None and "built-in" in editor.message.text()
    editor.name_edit.setText("fine")
    editor.table.item(0, 0).setText("XYZ")
    assert editor.save() is None
    assert editor.message.text() == "trace 1: 'XYZ' is not a 10-20 / 10-10 electrode name"


def test_corrupt_montage_file_is_one_line_and_builtins_still_work(qtbot, edf_path, tmp_path):
    folder = montage_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.json").write_text("{ not json", encoding="utf-8")
    window = new_window(qtbot)
    (problem,) = window.montage_menu.problems
    assert problem.startswith("montage file broken.json is not valid JSON") and "\n" not in problem
    assert "broken.json" in window.statusBar().currentMessage()
    listed = [window.montage_box.itemData(i) for i in range(window.montage_box.count())]
    assert listed == builtin_montages()
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(edf_path)
    window.set_montage("laplacian")
    assert window.trace_view.labels[0] == "Fp1-Lap"
    # Loading a bad file from elsewhere: one line, nothing added.
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "elm-desktop-montage", "version": 7}))
    with qtbot.waitSignal(window.error_shown) as blocker:
        assert window.montage_menu.load(other) is None
    assert blocker.args[0] == "montage file other.json: montage file version 7 is not 1"
    # A good one is listed and shown.
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "format": "elm-desktop-montage",
                "version": 1,
                "name": "midline",
                "traces": [
                    {"electrode": "Fz", "reference": "Cz"},
                    {"electrode": "Cz", "reference": "Pz"},
                ],
            }
        )
    )
    assert window.montage_menu.load(good) == "midline"
    assert window.trace_view.labels == ["Fz-Cz", "Cz-Pz"]
    assert get_montage("midline").description == "midline"


def test_switching_montages_leaves_the_analysis_unchanged(qtbot, window, edf_path, open_in_window):
    open_in_window(edf_path)
    with qtbot.waitSignal(window.analysis_finished, timeout=120000) as first:
        window.analyze()
    window.set_montage("laplacian")
    window.montage_menu.set_rows(8)
    with qtbot.waitSignal(window.analysis_finished, timeout=120000) as second:
        window.analyze()
    before, after = first.args[0], second.args[0]
    assert after.channels == before.channels and after.n_crops == before.n_crops > 0
    np.testing.assert_array_equal(after.crop_embeddings, before.crop_embeddings)
    np.testing.assert_array_equal(after.attention, before.attention)
    assert [f.probability for f in after.findings] == [f.probability for f in before.findings]
