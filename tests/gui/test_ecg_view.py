"""The ECG view in the real window: 12-lead layout, ECG paper at the screen's millimetres,
calipers driven by the mouse, opening ECG and EEG files in turn, bad ECG files."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from elm_desktop.gui import ecg_view as ecg_view_module
from elm_desktop.gui.ecg_view import (
    LAYOUT,
    MAJOR_COLOUR,
    MAJOR_MM,
    RHYTHM_LEAD,
    ROW_MM,
)
from elm_desktop.gui.main_window import NO_ECG_MODEL
from elm_desktop.gui.trace_view import pixels_per_mm
from elm_desktop.signals.ecg import STANDARD_LEADS
from elm_desktop.synth.ecg.corpus import generate_ecg_corpus, read_ecg_manifest, synthesise
from elm_desktop.synth.ecg.plan import plan_corpus
from elm_desktop.synth.ecg.render import calibrate, template_leads
from elm_desktop.synth.ecg.writers import write_wfdb
from tests.gui.test_measure import shift_drag

SFREQ = 500


@pytest.fixture(scope="module")
def ecg_files(tmp_path_factory):
    """A 20 s synthetic 12-lead record in WFDB, EDF+ and HL7 aECG, and its manifest entry."""
    folder = tmp_path_factory.mktemp("ecg")
    manifest = generate_ecg_corpus(
        folder, n=1, seconds=20, seed=11, formats=("wfdb", "edf", "aecg"), findings=["normal"]
    )
    entry = read_ecg_manifest(manifest)[0]
    return {fmt: folder / entry[fmt] for fmt in ("wfdb", "edf", "aecg")}, entry


@pytest.fixture(scope="module")
def clean_record(tmp_path_factory):
    """A noise-free 10 s sinus record written to WFDB, with its QRS onsets, the R amplitude of
    lead II from the generator's own beat template, and its plan (PR, QRS and QT)."""
    plan = plan_corpus(1, seed=4, findings=["normal"])[0]
    _, clean, truth, _ = synthesise(plan, 10.0, SFREQ)
    path = write_wfdb(
        tmp_path_factory.mktemp("clean") / "clean", clean, SFREQ, STANDARD_LEADS, plan.start
    )
    calibrated = calibrate(plan)
    template = template_leads(calibrated, calibrated.heart)
    r_amplitude = float(template[STANDARD_LEADS.index("II")].max())
    onsets = [onset for onset, kind in truth["beats"] if kind == "normal"]
    return path, np.asarray(onsets), r_amplitude, plan


def view_point(view, x_mm: float, y_mm: float) -> QPointF:
    """The viewport position of a point of the paper (millimetres)."""
    scene = view.view_box.mapViewToScene(QPointF(x_mm, y_mm))
    return QPointF(view.plot_widget.mapFromScene(scene))


def click(qtbot, view, x_mm: float, y_mm: float, modifiers=Qt.KeyboardModifier.NoModifier):
    """Press and release the left button at a point of the paper (the view takes the pixel
    under it, as it does the mouse's)."""
    qtbot.wait(QApplication.styleHints().mouseDoubleClickInterval() + 100)  # not a double-click
    port = view.plot_widget.viewport()
    pos = view_point(view, x_mm, y_mm)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for kind, button, buttons in (
        (QEvent.Type.MouseButtonPress, left, left),
        (QEvent.Type.MouseButtonRelease, left, none),
    ):
        event = QMouseEvent(kind, pos, port.mapToGlobal(pos), button, buttons, modifiers)
        QApplication.sendEvent(port, event)


def shift_click(qtbot, view, x_mm: float, y_mm: float) -> None:
    qtbot.wait(QApplication.styleHints().mouseDoubleClickInterval() + 100)  # not a double-click
    point = view_point(view, x_mm, y_mm).toPoint()
    qtbot.mouseClick(
        view.plot_widget.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        QPoint(point),
    )


def grid_spacing_px(image, fixed: int, along_x: bool) -> float:
    """Mean spacing (pixels) of the major grid lines crossing one image row (or column)."""
    colour = QColor(MAJOR_COLOUR).rgb()
    count = image.width() if along_x else image.height()
    hits = [
        k
        for k in range(count)
        if (image.pixel(k, fixed) if along_x else image.pixel(fixed, k)) == colour
    ]
    assert len(hits) > 10
    return (hits[-1] - hits[0]) / (len(hits) - 1)


@pytest.mark.parametrize("fmt", ["wfdb", "edf", "aecg"])
def test_a_12_lead_record_opens_in_the_ecg_view(qtbot, window, open_in_window, ecg_files, fmt):
    files, entry = ecg_files
    open_in_window(files[fmt])
    view = window.ecg_view
    assert window.views.currentWidget() is view and not window.trace_view.isVisible()
    labels = view.panel_labels()
    assert len(labels) == 13  # 3 x 4 panels and the rhythm strip
    for row, leads in enumerate(LAYOUT):
        assert [labels[(row, column)] for column in range(4)] == list(leads)
    assert labels[(len(LAYOUT), 0)] == RHYTHM_LEAD == "II"
    # each panel draws its lead over its quarter of the page, the rhythm strip the whole page
    recording = view.recording
    x, y = view.panels[(0, 2)].getData()
    times = view.start_s + 2 * 2.5 + np.arange(len(x)) / SFREQ
    assert np.allclose(x, view.x_of(times))
    expected = view.baseline_mm(0) - recording.lead("V1")[2500 : 2500 + len(x)] * view.gain
    assert np.allclose(y, expected)
    rhythm_x, _ = view.panels[(len(LAYOUT), 0)].getData()
    assert (rhythm_x[-1] - rhythm_x[0]) == pytest.approx(10.0 * view.speed, abs=0.1)
    assert "ECG" in window.position_label.text() and files[fmt].name in window.windowTitle()
    # the median beat's intervals beside the paper, near the generator's (QRS runs ~8 ms long)
    measured = recording.measurements
    assert measured.qrs_ms == pytest.approx(entry["measurements"]["qrs_ms"] + 8, abs=8)
    assert f"Median beat: {measured.summary()}" in view.info_label.text()
    if recording.start is not None:  # the acquisition's time of day, never its date
        assert f"acquired at {recording.start:%H:%M:%S}" in view.info_label.text()
        assert f"{recording.start:%Y-%m-%d}" not in view.info_label.text()


@pytest.mark.parametrize("dpi", [None, 144.0])
def test_paper_grid_is_one_millimetre_at_the_screen_dpi(
    qtbot, window, open_in_window, ecg_files, monkeypatch, dpi
):
    if dpi is not None:  # a screen of another density: the paper keeps its millimetres
        monkeypatch.setattr(ecg_view_module, "pixels_per_mm", lambda widget: dpi / 25.4)
        window.resize(2600, 1600)
    open_in_window(ecg_files[0]["wfdb"])
    view = window.ecg_view
    qtbot.wait(50)
    image = view.plot_widget.grab().toImage()
    per_mm = ecg_view_module.pixels_per_mm(view)
    if dpi is not None:
        assert per_mm == pytest.approx(dpi / 25.4)
    bottom = int(view_point(view, 0.0, 4 * ROW_MM - 2.5).y())  # below the rhythm strip
    left = int(view_point(view, 0.5, 0.0).x())  # before the calibration pulses
    assert grid_spacing_px(image, bottom, along_x=True) == pytest.approx(
        MAJOR_MM * per_mm, rel=0.01
    )
    assert grid_spacing_px(image, left, along_x=False) == pytest.approx(MAJOR_MM * per_mm, rel=0.01)
    # 25 mm/s and 10 mm/mV: a second and a millivolt of the trace at their paper lengths
    one_second = view_point(view, view.x_of(1.0), 0).x() - view_point(view, view.x_of(0.0), 0).x()
    assert one_second == pytest.approx(25.0 * per_mm, rel=0.01)
    baseline = view.baseline_mm(1)
    one_mv = view_point(view, 0, baseline).y() - view_point(view, 0, baseline - view.gain).y()
    assert one_mv == pytest.approx(10.0 * per_mm, rel=0.01)
    # the calibration pulse: 1 mV tall, 200 ms wide
    x, y = view.pulses.getData()
    first = slice(0, 6)
    assert np.nanmax(y[first]) - np.nanmin(y[first]) == pytest.approx(10.0)
    assert x[3] - x[2] == pytest.approx(0.2 * 25.0)


def test_speed_gain_and_scrolling(qtbot, window, open_in_window, ecg_files):
    open_in_window(ecg_files[0]["wfdb"])
    view = window.ecg_view
    view.gain_box.setCurrentIndex(view.gain_box.findData(20.0))
    x, y = view.panels[(1, 0)].getData()
    lead = view.recording.lead("II")[: len(y)]
    assert np.allclose(y, view.baseline_mm(1) - 20.0 * lead)
    _, pulse_y = view.pulses.getData()
    assert np.nanmax(pulse_y[:6]) - np.nanmin(pulse_y[:6]) == pytest.approx(20.0)
    view.speed_box.setCurrentIndex(view.speed_box.findData(50.0))
    assert view.page_s == pytest.approx(5.0)
    x, _ = view.panels[(len(LAYOUT), 0)].getData()
    assert x[-1] - x[0] == pytest.approx(250.0, abs=0.2)  # 5 s at 50 mm/s
    assert view.pulses.getData()[0][3] - view.pulses.getData()[0][2] == pytest.approx(10.0)
    # a 20 s record scrolls: the scroll bar moves the page, the last page ends with the record
    view.scroll_bar.setValue(view.scroll_bar.maximum())
    assert view.start_s == pytest.approx(20.0 - view.page_s)
    x, y = view.panels[(len(LAYOUT), 0)].getData()
    assert np.allclose(y[-5:], view.baseline_mm(3) - view.gain * view.recording.lead("II")[-5:])
    assert "0:00:15–0:00:20" in window.position_label.text()


def test_calipers_read_rr_rate_and_r_amplitude(qtbot, window, open_in_window, clean_record):
    path, onsets, r_amplitude, plan = clean_record
    qrs_s = plan.qrs_s
    open_in_window(path)
    view = window.ecg_view
    recording = view.recording
    rhythm = len(LAYOUT)
    lead = recording.lead("II")
    # the R peaks the calipers should find: the top of lead II within each QRS
    r_times = []
    for onset in onsets[1:3]:
        first = int(np.ceil(onset * SFREQ))
        r_times.append((first + int(np.argmax(lead[first : first + int(qrs_s * SFREQ)]))) / SFREQ)
    true_rr = onsets[2] - onsets[1]
    # a horizontal drag on the rhythm strip from about one R tip to about the next (a pixel or
    # two off, as a hand places it); the drag holds Shift, which the ECG view does not heed
    y = view.baseline_mm(rhythm) - r_amplitude * view.gain + 0.6
    shift_drag(view, (view.x_of(r_times[0]) + 0.5, y), (view.x_of(r_times[1]) - 0.5, y))
    assert view.cursor_times == pytest.approx(r_times, abs=0.5 / SFREQ)
    reading = view.reading()
    assert reading.interval_ms == pytest.approx(true_rr * 1000, abs=1000 / SFREQ)  # one sample
    assert reading.rate_bpm == pytest.approx(60 / true_rr, abs=1.0)
    # two Shift+clicks: on the baseline just before the QRS (the PR segment), then on the R tip
    shift_click(qtbot, view, view.x_of(onsets[1] - 0.012), view.baseline_mm(rhythm) + 0.4)
    tip = view.baseline_mm(rhythm) - lead[int(round(r_times[0] * SFREQ))] * view.gain
    shift_click(qtbot, view, view.x_of(r_times[0]) + 0.5, tip + 0.7)
    assert view.reading().amplitude_mv == pytest.approx(r_amplitude, rel=0.02)
    assert f"{reading.interval_ms:.0f} ms" in view.reading_label.text()
    # the cursors are drawn where they read
    line_x = [line.value() for line in view.time_lines]
    assert line_x == pytest.approx([view.x_of(t) for t in view.cursor_times])


@pytest.mark.parametrize("speed", [25.0, 50.0])
def test_calipers_measure_pr_qrs_and_qt_between_onsets_and_ends(
    qtbot, window, open_in_window, clean_record, speed
):
    path, onsets, _, plan = clean_record
    open_in_window(path)
    view = window.ecg_view
    view.speed_box.setCurrentIndex(view.speed_box.findData(speed))
    onset = next(t for t in onsets if t > view.start_s + plan.pr_s + 0.1)
    # A hand on the rhythm strip's baseline, a little under it, at the true P onset, QRS onset,
    # J point and T end: cursors off a wave's peak stay where they fall, to the pixel the screen
    # resolves (10.6 ms at 25 mm/s and 96 DPI, 5.3 ms at 50 mm/s) and the sample they round to.
    pixel_s = 1 / (speed * pixels_per_mm(view))
    y = view.baseline_mm(len(LAYOUT)) + 0.3
    truth = {"PR": (-plan.pr_s, 0.0), "QRS": (0.0, plan.qrs_s), "QT": (0.0, plan.qt_s)}
    for name, (first, second) in truth.items():
        for at in (first, second):
            click(qtbot, view, view.x_of(onset + at), y)
            assert view.cursor_times[-1] == pytest.approx(
                onset + at, abs=pixel_s / 2 + 1 / SFREQ
            ), name
        assert view.reading().interval_ms == pytest.approx(
            (second - first) * 1000, abs=(pixel_s + 2 / SFREQ) * 1000
        ), name
    # a click half a millimetre from the R tip snaps to it; with Ctrl held it stays put
    lead = view.recording.lead(RHYTHM_LEAD)
    first = int(round(onset * SFREQ))
    r_time = (first + int(np.argmax(lead[first : first + int(plan.qrs_s * SFREQ)]))) / SFREQ
    tip = view.baseline_mm(len(LAYOUT)) - lead[int(round(r_time * SFREQ))] * view.gain
    click(qtbot, view, view.x_of(r_time) + 0.5, tip)
    assert view.cursor_times[-1] == pytest.approx(r_time)
    click(qtbot, view, view.x_of(r_time) + 0.5, tip, Qt.KeyboardModifier.ControlModifier)
    assert view.cursor_times[-1] == pytest.approx(r_time + 0.5 / view.speed, abs=pixel_s / 2)


def test_ecg_panels_say_there_is_no_ecg_model(qtbot, window, open_in_window, ecg_files, tmp_path):
    window.models["ecg"].bundle_path = tmp_path / "no-ecg-model"  # as where none is installed
    open_in_window(ecg_files[0]["wfdb"])
    assert window.phenotype_panel.notice.text() == NO_ECG_MODEL
    assert window.cases_panel.notice.text() == NO_ECG_MODEL
    assert window.prompt_panel.score_label.text() == NO_ECG_MODEL
    assert window.report_panel.origin_label.text() == NO_ECG_MODEL
    assert window.analyze() is None
    assert window.statusBar().currentMessage() == NO_ECG_MODEL
    assert window.score_prompt("sinus rhythm") is None
    assert window.prompt_panel.score_label.text() == NO_ECG_MODEL
    assert window.phenotype_panel.table.rowCount() == 0
    # no model named, and not the EEG model's training data either
    assert window.model_label.text() == "Model: no ECG model installed"
    assert window.provenance_label.text() == window.phenotype_panel.provenance.text() == ""


def assert_no_ecg(window) -> None:
    view = window.ecg_view
    assert window.views.currentWidget() is not view and window.trace_view.isVisible()
    assert view.recording is None and window.ecg_recording is None
    for curve in view.panels.values():
        x, _ = curve.getData()
        assert x is None or len(x) == 0
    assert set(view.panel_labels().values()) == {""} and view.info_label.text() == ""
    assert view.reading().describe() == "" and window.toolbar.isVisible()
    for text in (
        window.phenotype_panel.notice.text(),
        window.cases_panel.notice.text(),
        window.prompt_panel.score_label.text(),
        window.report_panel.origin_label.text(),
    ):
        assert "ECG" not in text


def test_eeg_ecg_eeg_leaves_nothing_of_the_last_recording(
    qtbot, analysed_window, ecg_files, edf_path
):
    window = analysed_window()
    eeg = window.recording
    assert window.phenotype_panel.table.rowCount() > 0 and window.cases_panel.table.rowCount() > 0
    assert window.report_panel.editor.toPlainText().strip()
    qtbot.keyClicks(window.prompt_panel.entry, "left temporal spikes")
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(ecg_files[0]["wfdb"])
    assert window.recording is None and window.result is None
    # The hidden trace view keeps nothing of the EEG (what compares and prints traces reads it)
    assert window.trace_view.recording is None and not window.trace_view.labels
    window.prompt_panel.entry.undo()  # the phrase typed for the EEG does not come back
    assert window.prompt_panel.entry.text() == ""
    assert not window.trace_view.isVisible() and not window.overview.isVisible()
    assert not window.toolbar.isVisible()  # montage and filters are the EEG view's
    assert window.phenotype_panel.table.rowCount() == 0
    assert window.cases_panel.table.rowCount() == 0
    assert window.report_panel.editor.toPlainText() == ""
    assert window.prompt_panel.history.count() == 0
    assert window.event_list is None and window.events_panel.events is None
    assert window.measure.reading is None
    assert eeg.path.name not in window.windowTitle()
    assert eeg.path.name not in window.position_label.text()
    assert len(window.trace_view.highlight_layer.starts) == 0
    assert "QRS" in window.prompt_panel.entry.placeholderText()  # an ECG phrase, not an EEG one
    # and back to an EEG: the ECG view is emptied, the EEG view shown
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(edf_path)
    assert window.recording.path == edf_path
    assert_no_ecg(window)
    assert "QRS" not in window.prompt_panel.entry.placeholderText()
    assert window.phenotype_panel.table.rowCount() == 0  # the new EEG is not analysed


def test_ecg_then_another_ecg_keeps_no_cursor(
    qtbot, window, open_in_window, ecg_files, clean_record
):
    open_in_window(clean_record[0])
    window.ecg_view.place_time_cursor(50.0, 150.0)
    window.ecg_view.place_time_cursor(80.0, 150.0)
    assert window.ecg_view.reading().interval_ms is not None
    open_in_window(ecg_files[0]["edf"])
    assert window.ecg_view.cursor_times == [] and window.ecg_view.reading_label.text() == ""
    assert window.ecg_view.recording.path == ecg_files[0]["edf"]


def test_a_long_warning_wraps_instead_of_widening_the_window(
    qtbot, window, open_in_window, ecg_files, tmp_path
):
    from tests.ecg_model.conftest import swap_labels

    open_in_window(ecg_files[0]["wfdb"])
    width = window.ecg_view.minimumSizeHint().width()
    open_in_window(swap_labels(ecg_files[0]["wfdb"], tmp_path / "swapped"))
    label = window.ecg_view.info_label
    assert "carries" in label.text()
    # the label asks for less room than its text takes on one line, and so does the view
    assert label.minimumSizeHint().width() < label.fontMetrics().horizontalAdvance(label.text())
    assert window.ecg_view.minimumSizeHint().width() <= width


def test_corrupt_header_gives_one_line_and_the_window_stays_usable(
    qtbot, window, open_in_window, ecg_files, tmp_path
):
    open_in_window(ecg_files[0]["wfdb"])
    bad = tmp_path / "bad.hea"
    bad.write_text("bad 12 five-hundred 5000\ngarbage line\n")
    with qtbot.waitSignal(window.error_shown, timeout=10000) as shown:
        window.open_file(bad)
    message = shown.args[0]
    assert "\n" not in message and "bad.hea" in message
    # the ECG on screen is still the one that was open, and another file still opens
    assert window.ecg_view.recording.path == ecg_files[0]["wfdb"]
    window.error_box.close()
    open_in_window(ecg_files[0]["aecg"])
    assert window.ecg_view.recording.path == ecg_files[0]["aecg"]


def test_a_record_shorter_than_the_layout_says_why_later_leads_are_blank(ecg_files):
    """A trial opened a 3 s record: V1-V6 stood on empty paper without a word."""
    from dataclasses import replace

    from elm_desktop.gui.ecg_view import EcgView
    from elm_desktop.signals.ecg import read_ecg

    files, _ = ecg_files
    whole = read_ecg(files["wfdb"])
    short = replace(whole, samples_mv=whole.samples_mv[:, : 3 * SFREQ])
    assert "leads after 3 s are blank" in EcgView._describe(short)
    assert "blank" not in EcgView._describe(whole)


def test_a_finding_the_draft_does_not_rule_out_is_set_aside_in_the_panel():
    """A trial saw a measured STEMI's row drawn plain, its tooltip silent."""
    from elm_desktop.clinical.report import DraftReport
    from elm_desktop.gui.main_window import _neither_stated_nor_denied

    draft = DraftReport(
        "DRAFT",
        [],
        "left to the reviewer",
        [],
        held={"pac": "too weak"},
        verdicts={
            "anterior_stemi": "under its threshold, not ruled out: the ECG measures ST raised",
            "lvh": "absent",
            "pac": "not stated: too weak",
        },
        unruled={"anterior_stemi": "the ECG measures ST raised"},
    )
    assert _neither_stated_nor_denied(draft) == {
        "anterior_stemi": "not ruled out: the ECG measures ST raised",
        "pac": "too weak",
    }
    assert _neither_stated_nor_denied(None) is None
