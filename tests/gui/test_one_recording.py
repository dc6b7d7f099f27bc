"""One recording, one state, in the real window: nothing of one recording shown or exported
with another; drafts offered for saving before they are lost and reopened with their file;
prompts refused when empty and shown as probabilities; the model's provenance in view.

The model is the test suite's randomly initialised bundle (real ONNX graphs, meaningless
scores), recording A comes from ``synth`` and B is a small EDF+ file of noise.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QLineEdit,
    QListWidget,
    QTableWidget,
    QTextEdit,
    QWidget,
)

from elm_desktop.archive import content_hash
from elm_desktop.gui.main_window import MainWindow
from elm_desktop.review import StaleResultError
from elm_desktop.signals.trends import trends_cache_dir
from tests.gui.conftest import discard_on_teardown

PROMPT = "left temporal sharp waves"


def shown_text(window: MainWindow) -> str:
    """Every piece of text the window and its panels show, one per line."""
    parts = [window.windowTitle(), window.statusBar().currentMessage()]
    for widget in window.findChildren(QWidget):
        if isinstance(widget, QLabel | QAbstractButton):
            parts.append(widget.text())
        elif isinstance(widget, QLineEdit):
            parts.append(widget.text())
        elif isinstance(widget, QTextEdit):
            parts.append(widget.toPlainText())
        elif isinstance(widget, QListWidget):
            parts.extend(widget.item(row).text() for row in range(widget.count()))
        elif isinstance(widget, QTableWidget):
            parts.extend(
                widget.item(row, column).text()
                for row in range(widget.rowCount())
                for column in range(widget.columnCount())
                if widget.item(row, column) is not None
            )
    return "\n".join(parts)


def drawn(item) -> int:
    """How many points a pyqtgraph curve draws."""
    y = item.getData()[1]
    return 0 if y is None else len(y)


def type_in_draft(window: MainWindow, text: str) -> None:
    editor = window.report_panel.editor
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    editor.insertPlainText(text)


def open_and_fingerprint(qtbot, window: MainWindow, path) -> None:
    with qtbot.waitSignal(window.file_fingerprinted, timeout=20000):
        window.open_file(path)


def score(qtbot, window: MainWindow, prompt: str):
    with qtbot.waitSignal(window.prompt_scored, timeout=20000) as blocker:
        window.prompt_panel.entry.setText(prompt)
        window.prompt_panel.entry.returnPressed.emit()
    return blocker.args[0]


def test_opening_another_recording_leaves_nothing_of_the_last(
    qtbot, analysed_window, make_edf, tmp_path
):
    window = analysed_window()
    a = window.result
    a_name = a.path.name
    curve = score(qtbot, window, PROMPT)
    window.phenotype_panel.click_finding(window.phenotype_panel.finding_ids[0])
    with qtbot.waitSignal(window.compare_opened, timeout=10000) as blocker:
        window.cases_panel.case_opened.emit(0)
    compare = blocker.args[0]
    qtbot.addWidget(compare)
    assert compare.isVisible()
    # What A shows, so the test can look for it after B is open.
    draft = window.report_panel.editor.toPlainText()
    first_line = next(line for line in draft.splitlines() if "Digital EEG" in line)
    case_cells = window.cases_panel.table.item(0, 3).text()
    assert a_name in shown_text(window) and first_line in shown_text(window)
    # Exports name the recording by its opaque id; its file name only when asked (a name may
    # carry the patient's).
    a_id = window.review.recording_id
    assert window.export(tmp_path / "a.txt").read_text().startswith(f"Recording: {a_id}\n")
    assert a_name not in window.export(tmp_path / "a.json").read_text()
    window.name_in_exports_action.trigger()
    assert window.export(tmp_path / "a.txt").read_text().startswith(f"Recording: {a_name}\n")
    assert window.settings.value("export/file_name") is True

    b_path = make_edf("b.edf", seconds=30)
    open_and_fingerprint(qtbot, window, b_path)

    text = shown_text(window)
    assert a_name not in text
    assert first_line not in text
    assert PROMPT not in text
    assert case_cells not in text
    assert f"{curve.recording_probability:.2f}  " not in text  # the prompt history's entry
    assert window.result is None
    assert window.review.prompts == {} and window.review.selection is None
    assert window.phenotype_panel.table.rowCount() == 0
    assert window.phenotype_panel.table.selectedItems() == []
    assert window.prompt_panel.history.count() == 0 and window.prompt_panel.peaks.count() == 0
    assert drawn(window.prompt_panel.curve) == 0
    assert window.cases_panel.hits == [] and window.cases_panel.table.rowCount() == 0
    assert window.report_panel.editor.toPlainText() == ""
    assert not window.report_panel.text_button.isEnabled()
    assert drawn(window.overview.attention) == 0
    assert drawn(window.overview.prompt_curve) == 0
    assert len(window.trace_view.highlight_layer.starts) == 0
    assert not compare.isVisible() and window.compare_windows == []
    for name in ("b.txt", "b.pdf", "b.html", "b.json"):
        with pytest.raises(StaleResultError, match="b.edf has not been analysed"):
            window.export(tmp_path / name)
    assert not (tmp_path / "b.txt").exists() and not (tmp_path / "b.json").exists()
    # B's own state: what its sha256 says, and a prompt waits for B's analysis.
    assert window.review.file_sha256 == content_hash(b_path)
    window.prompt_panel.entry.setText(PROMPT)
    window.prompt_panel.entry.returnPressed.emit()
    assert "Analyse the recording first" in window.prompt_panel.score_label.text()

    with qtbot.waitSignal(window.analysis_finished, timeout=60000):
        window.analyze()
    b = window.result
    assert b.path == b_path and b.file_sha256 == content_hash(b_path)
    assert window.prompt_panel.history.count() == 0  # A's prompts are not re-scored for B
    assert PROMPT not in window.prompt_panel.score_label.text()
    assert a_name not in shown_text(window)
    assert window.phenotype_panel.table.selectedItems() == []
    assert all(s.end_s <= b.duration_s for f in b.findings for s in f.top_segments)
    exported = json.loads(window.export(tmp_path / "b.json").read_text())
    assert exported["recording"]["file"] == "b.edf" and exported["recording"]["modality"] == "eeg"
    assert exported["recording"]["sha256"] == content_hash(b_path)
    header = window.export(tmp_path / "b.txt").read_text().splitlines()[:4]
    assert header[:2] == ["Recording: b.edf", f"SHA-256: {content_hash(b_path)}"]
    assert header[3] == "Started at: 09:00:00 (time of day)"  # written 2024-01-01 09:00
    assert "2024" not in window.export(tmp_path / "b.txt").read_text()
    html = window.export(tmp_path / "b.html").read_text()
    assert a_name not in html and b.provenance in html


def test_a_late_analysis_of_the_last_recording_is_dropped(qtbot, analysed_window, make_edf):
    window = analysed_window()
    a_review = window.review
    job = window.analyze()  # re-analysing A ...
    b_path = make_edf("b.edf", seconds=30)
    open_and_fingerprint(qtbot, window, b_path)  # ... while B is opened
    qtbot.waitUntil(lambda: job.done, timeout=60000)
    qtbot.wait(50)  # let the finished job's queued signal arrive
    assert a_review.closed
    assert window.review.path == b_path and window.result is None
    assert window.phenotype_panel.table.rowCount() == 0
    assert drawn(window.overview.attention) == 0


def test_a_result_of_another_file_is_refused(analysed_window):
    window = analysed_window()
    a = window.result
    other = replace(a, file_sha256="0" * 64)
    with pytest.raises(StaleResultError, match="does not belong"):
        window.review.set_result(other)
    assert window.result is a


def test_edited_draft_is_offered_before_it_is_lost_and_reopens(
    qtbot, analysed_window, corpus, elm_bundle, make_edf
):
    window = analysed_window()
    asked: list[str] = []

    def answer(reply):
        return lambda action: asked.append(action) or reply

    type_in_draft(window, "\nFirst reading: no change.")
    assert window.review.draft_edited
    window.draft_question = answer("cancel")
    assert window.analyze() is None  # cancelled: nothing changes
    assert asked == ["analyse the recording again"]
    assert "First reading" in window.report_panel.editor.toPlainText()

    window.draft_question = answer("save")
    with qtbot.waitSignal(window.analysis_finished, timeout=60000):
        window.analyze()
        # No edit can be typed into a draft that the new analysis is about to replace.
        assert window.report_panel.editor.isReadOnly()
    assert not window.report_panel.editor.isReadOnly()
    assert len(asked) == 2
    assert "First reading: no change." in window.report_panel.editor.toPlainText()
    assert not window.review.draft_edited  # the saved draft is shown again

    type_in_draft(window, "\nSecond reading: signed.")
    window.draft_question = answer("cancel")
    assert not window.close() and window.isVisible()  # the window stays, with the edits
    window.draft_question = answer("save")
    assert window.close()
    assert asked[-1] == "close the window"

    again = MainWindow(bundle_path=elm_bundle, archive_path=corpus[1])
    again.draft_question = answer("discard")
    qtbot.addWidget(again)
    again.show()
    open_and_fingerprint(qtbot, again, corpus[0])
    text = again.report_panel.editor.toPlainText()
    assert "First reading: no change." in text and "Second reading: signed." in text
    assert "saved" in again.report_panel.origin_label.text()
    assert not again.review.draft_edited
    # Nothing is named after the file in the drafts folder: the sha256 is the key.
    saved = list(again.drafts.folder.iterdir())
    assert [p.name for p in saved] == [f"{content_hash(corpus[0])}.json"]
    assert corpus[0].name not in saved[0].read_text()

    type_in_draft(again, "\nThird reading: discarded.")
    again.draft_question = answer("discard")
    open_and_fingerprint(qtbot, again, make_edf("b.edf", seconds=30))
    assert again.report_panel.editor.toPlainText() == ""
    open_and_fingerprint(qtbot, again, corpus[0])
    assert "Third reading" not in again.report_panel.editor.toPlainText()
    assert "Second reading: signed." in again.report_panel.editor.toPlainText()


def test_prompts_are_probabilities_with_a_labelled_curve_and_peaks(qtbot, analysed_window):
    window = analysed_window()
    panel = window.prompt_panel
    for empty in ("", "   "):
        panel.entry.setText(empty)
        panel.entry.returnPressed.emit()
        assert panel.score_label.text() == "Type a finding to score: the prompt is empty."
    assert panel.history.count() == 0 and window.review.prompts == {}

    curve = score(qtbot, window, PROMPT)
    assert 0.0 <= curve.recording_probability <= 1.0
    assert f"probability {curve.recording_probability:.2f}" in panel.score_label.text()
    _, drawn = panel.curve.getData()
    np.testing.assert_allclose(drawn, curve.probability, rtol=1e-6)
    plot = panel.plot.getPlotItem()
    assert plot.getAxis("left").labelText == "probability"
    assert "time" in plot.getAxis("bottom").labelText
    assert tuple(plot.getViewBox().viewRange()[1]) == pytest.approx((0.0, 1.0), abs=0.05)
    assert panel.peaks.count() == len(curve.top_segments) >= 1
    last = curve.top_segments[-1]
    panel.peaks.itemClicked.emit(panel.peaks.item(panel.peaks.count() - 1))
    start, stop = window.trace_view.visible_range()
    assert start <= last.start_s and last.end_s <= stop
    assert panel.history.item(0).text() == f"{curve.recording_probability:.2f}  {PROMPT}"


def test_provenance_is_in_view_before_and_after_analysis(qtbot, corpus, elm_bundle, tmp_path):
    from elm_desktop.runtime import Bundle

    statement = Bundle.load(elm_bundle).manifest["training_data"]
    window = MainWindow(bundle_path=elm_bundle, archive_path=corpus[1])
    window.draft_question = discard_on_teardown
    qtbot.addWidget(window)
    window.show()
    assert window.provenance_label.text() == f"Trained on: {statement}"
    assert statement in window.phenotype_panel.provenance.text()  # short: no colon in it
    open_and_fingerprint(qtbot, window, corpus[0])
    with qtbot.waitSignal(window.analysis_finished, timeout=60000):
        window.analyze()
    assert window.result.provenance == statement
    assert window.provenance_label.text() == f"Trained on: {statement}"
    assert statement in window.phenotype_panel.provenance.text()  # short: no colon in it
    exported = json.loads(window.export(tmp_path / "a.json").read_text())
    assert statement in exported["notice"]
    assert statement in window.export(tmp_path / "a.txt").read_text().splitlines()[2]


def test_an_export_follows_the_menu_item_and_a_failed_write_is_one_message(
    qtbot, analysed_window, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    window = analysed_window()
    errors: list[str] = []
    window.show_error = lambda title, message: errors.append(message)
    chosen = str(tmp_path / "analysis")  # typed without a suffix
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (chosen, ""))
    window.ask_and_export("json")
    assert json.loads((tmp_path / "analysis.json").read_text())["recording"]["sha256"]
    assert not (tmp_path / "analysis").exists()
    chosen = str(tmp_path / "missing" / "report.txt")
    window.ask_and_export("txt")
    assert len(errors) == 1 and "\n" not in errors[0]  # the window stays usable


def test_a_file_chosen_after_another_recording_opened_is_not_written(
    qtbot, analysed_window, make_edf, tmp_path, monkeypatch
):
    # The save dialog runs its own event loop: an open under way may finish inside it. The
    # name was chosen for the last recording, so nothing is written for the new one.
    from PySide6.QtWidgets import QFileDialog

    window = analysed_window()
    other = make_edf("other.edf", seconds=30)
    chosen = tmp_path / "patient-a.txt"

    def chosen_while_another_opens(*args):
        with qtbot.waitSignal(window.recording_opened, timeout=10000):
            window.open_file(other)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", chosen_while_another_opens)
    window.ask_and_export("txt")
    assert window.recording.path == other and not chosen.exists()
    assert "another recording was opened meanwhile" in window.last_error


def test_trends_of_one_recording_never_stay_with_another(qtbot, window, make_edf):
    a_path = make_edf("a-trends.edf", seconds=600)
    b_path = make_edf("b-trends.edf", seconds=30)
    with qtbot.waitSignal(window.trends.trends_shown, timeout=60000):
        window.open_file(a_path)
    assert window.trends.trends.duration_s == 600.0
    # A's trends are computed again (another recording's cache would not do): open A, then B
    # while A's trends may still be under way; only B's may ever be drawn after that.
    for entry in trends_cache_dir().glob("*.npz"):
        entry.unlink()
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(a_path)
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(b_path)
    drawn_after: list = []
    window.trends.trends_shown.connect(drawn_after.append)
    # Nothing of A is on screen from the moment B is open.
    assert window.trends.trends is None
    assert window.trends.dsa_images["dsa_left"].image is None
    assert drawn(window.trends.aeeg_upper["left"]) == 0
    assert drawn(window.trends.suppression_curve) == 0
    qtbot.waitUntil(lambda: window.trends.trends is not None, timeout=30000)
    qtbot.wait(1500)  # time for A's job, if still running, to finish and be dropped
    assert [t.duration_s for t in drawn_after] == [30.0]
    assert window.trends.trends.duration_s == 30.0
    assert window.trends.dsa_images["dsa_left"].image.shape[0] == 15
    assert drawn(window.trends.aeeg_upper["left"]) == 15


def test_a_file_without_electrode_names_is_one_message_and_the_last_recording_stays(
    qtbot, analysed_window, tmp_path
):
    import datetime as dt

    from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader

    window = analysed_window()
    shown = window.recording.path
    errors: list[str] = []
    window.show_error = lambda title, message: errors.append(message)
    path = tmp_path / "generic.edf"
    signals = [SignalHeader(f"Chan {i}", -500.0, 500.0) for i in range(1, 7)]
    with EdfWriter(path, signals, 256, 10, dt.datetime(2024, 1, 1), "X", "X", []) as writer:
        writer.write_block(np.zeros((6, 2560)))
    window.open_file(path)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "generic.edf has no EEG channel named as the 10-20" in errors[0]
    assert "Chan 1, Chan 2, Chan 3, Chan 4, ..." in errors[0] and "\n" not in errors[0]
    assert window.recording.path == shown


def test_a_cancelled_analysis_is_named_after_its_recording(
    qtbot, elm_bundle, make_edf, monkeypatch
):
    """Opening B while A is analysed cancels A's analysis: the status bar names A, so that the
    message does not read as B's analysis cancelled (a new-user trial)."""
    import elm_desktop.analysis
    from elm_desktop.errors import CancelledError

    def slow_analyze(path, engine, archive, prompts, progress, cancel, partial, generate):
        while not cancel.cancelled:  # as long as it takes B to open
            time.sleep(0.01)
        raise CancelledError("cancelled by the user")

    monkeypatch.setattr(elm_desktop.analysis, "analyze", slow_analyze)
    window = MainWindow(bundle_path=elm_bundle)
    window.draft_question = discard_on_teardown
    qtbot.addWidget(window)
    window.show()
    open_and_fingerprint(qtbot, window, make_edf("a.edf", seconds=20))
    job = window.analyze()
    with qtbot.waitSignal(job.signals.cancelled, timeout=20000):
        open_and_fingerprint(qtbot, window, make_edf("b.edf", seconds=20))
    assert window.windowTitle().startswith("b.edf")
    assert window.statusBar().currentMessage() == "Analysis of a.edf cancelled"
