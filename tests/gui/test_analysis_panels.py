"""Analysis in the real window: highlights, phenotypes, prompts, similar cases, draft export.

The model is the test suite's randomly initialised bundle (real ONNX graphs, meaningless
scores), the recordings come from ``synth``, and the archive is a real SQLite store.
"""

from __future__ import annotations

import html

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from elm_desktop.clinical.muscle_artifact import muscle_words
from elm_desktop.clinical.signal_features import signal_words
from elm_desktop.gui.palette import LIGHT
from tests.gui.conftest import write_edf


@pytest.fixture
def analysed(analysed_window):
    """The window with the first recording opened and analysed."""
    return analysed_window()


def test_analysis_fills_overview_highlights_and_status(analysed):
    result = analysed.result
    assert result.n_crops == 24  # 2 minutes of 5 s crops
    x, heights = analysed.overview.attention.getData()
    assert len(heights) == result.n_crops
    expected = np.clip(result.attention * result.n_crops / 4.0, 0, 1) * 0.95
    np.testing.assert_allclose(heights, expected, rtol=1e-5)
    assert len(analysed.trace_view.highlight_layer.starts) >= 1
    # Name, version and the fingerprint of the weights, as the archive records them.
    assert f"Model: {result.model} · " in analysed.model_label.text()
    assert "elm-random" in result.model and result.model.endswith(")")
    assert "CPU" in analysed.model_label.text() or "CUDA" in analysed.model_label.text()


def test_next_highlight_key_jumps_to_a_highlighted_crop(qtbot, analysed):
    layer = analysed.trace_view.highlight_layer
    qtbot.keyClick(analysed, Qt.Key.Key_N)
    start, stop = analysed.trace_view.visible_range()
    centres = (layer.starts + layer.stops) / 2
    assert np.any((centres >= start) & (centres <= stop))


def test_clicking_a_phenotype_lands_on_its_top_segment(analysed):
    panel = analysed.phenotype_panel
    assert panel.table.rowCount() == len(analysed.result.findings)
    finding_id = panel.finding_ids[-1]
    panel.click_finding(finding_id)
    top = analysed.result.finding(finding_id).top_segments[0]
    start, stop = analysed.trace_view.visible_range()
    assert start <= top.start_s and top.end_s <= stop
    assert panel.table.item(0, 0).toolTip()  # the definition from the knowledge base


def test_typing_a_prompt_draws_its_curve(qtbot, analysed):
    before = analysed.overview.prompt_curve.getData()[1]
    with qtbot.waitSignal(analysed.prompt_scored, timeout=20000) as blocker:
        qtbot.keyClicks(analysed.prompt_panel.entry, "left temporal sharp waves")
    assert blocker.args[0].prompt == "left temporal sharp waves"  # debounced: one request
    _, after = analysed.overview.prompt_curve.getData()
    assert len(after) == analysed.result.n_crops
    assert before is None or len(before) != len(after) or not np.allclose(before, after)
    with qtbot.waitSignal(analysed.prompt_scored, timeout=20000):
        analysed.prompt_panel.entry.setText("generalized slowing")
        analysed.prompt_panel.entry.returnPressed.emit()
    assert analysed.prompt_panel.history.count() == 2  # earlier prompts kept


def test_opening_a_similar_case_shows_the_comparison(qtbot, analysed):
    hits = analysed.cases_panel.hits
    assert len(hits) == 2
    with qtbot.waitSignal(analysed.compare_opened, timeout=10000) as blocker:
        analysed.cases_panel.case_opened.emit(0)
    compare = blocker.args[0]
    qtbot.addWidget(compare)
    assert compare.right.recording is not None
    start, stop = compare.right.visible_range()
    assert start <= hits[0].best_crop.case_start_s <= stop
    assert compare.report.toPlainText() == hits[0].case.report


def test_draft_is_editable_and_exports_to_text_and_pdf(analysed, tmp_path):
    editor = analysed.report_panel.editor
    assert "DRAFT" in editor.toPlainText().upper()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    editor.insertPlainText("\nReviewed by the reader.")
    text = analysed.export(tmp_path / "report.txt").read_text()
    assert "Reviewed by the reader." in text
    assert "IMPRESSION" in text.upper()
    pdf = analysed.export(tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_a_finding_the_draft_holds_back_is_not_shown_as_present(analysed):
    from dataclasses import replace

    panel = analysed.phenotype_panel
    findings = [replace(f, present=True, probability=0.99) for f in analysed.result.findings]
    held = findings[0].finding_id
    reason = "the record-level score calls the record normal"
    panel.set_scores(findings, analysed.model.knowledge_base, None, held={held: reason})
    row = panel.finding_ids.index(held)
    assert row == len(findings) - 1  # after the findings the draft states
    name, bar = panel.table.item(row, 0), panel.table.item(row, 1)
    assert name.font().italic() and not name.font().bold()
    assert bar.data(Qt.ItemDataRole.UserRole)[2] is False  # drawn as not called
    assert reason in name.toolTip()
    other = panel.table.item(1 - min(row, 1), 0)
    assert other.font().bold() and not other.font().italic()


def test_a_response_to_a_procedure_not_recorded_is_not_shown_as_present(analysed):
    from dataclasses import replace

    panel = analysed.phenotype_panel
    findings = [replace(f, present=True, probability=0.99) for f in analysed.result.findings]
    panel.set_scores(
        findings, analysed.model.knowledge_base, None, unassessed=["hyperventilation_response"]
    )
    row = panel.finding_ids.index("hyperventilation_response")
    name, bar = panel.table.item(row, 0), panel.table.item(row, 1)
    assert name.font().italic() and not name.font().bold()
    assert bar.data(Qt.ItemDataRole.UserRole)[2] is False
    assert "Not assessed" in name.toolTip()
    # On the window, the draft's own list decides (the test recording records no procedure).
    assert "hyperventilation_response" in analysed.result.draft.unassessed


def test_a_new_recording_clears_the_overview_curves(analysed):
    """The curves are cached as pixmaps: clearing them must repaint, not reuse the old picture."""
    overview = analysed.overview
    attention = QColor(LIGHT.attention)

    def attention_pixels() -> int:
        image = overview.grab().toImage()
        return sum(
            image.pixelColor(x, y) == attention
            for x in range(0, image.width(), 2)
            for y in range(0, image.height(), 2)
        )

    assert attention_pixels() > 0
    overview.set_duration(overview.duration)  # what opening a recording of that length does
    assert attention_pixels() == 0


def test_the_measured_muscle_links_to_its_strongest_burst(analysed_window, tmp_path, qtbot):
    """A recording with a burst of fast activity at T3 in its 8th crop: the line names where it
    is strongest, and its link moves the traces there."""
    window = analysed_window(write_edf(tmp_path / "muscle.edf", muscle_at_s=37.0))
    measured = window.result.muscle_artifact
    assert measured.present and measured.strongest_s == 35.0
    assert '<a href="muscle">' in window.phenotype_panel.measured.text()
    window.trace_view.centre_on(100.0)
    window.phenotype_panel.measured.linkActivated.emit("muscle")
    start, end = window.trace_view.visible_range()
    assert start <= 37.5 <= end and start > 20.0


def test_the_measured_rhythm_and_muscle_show_beside_the_scores(analysed, edf_path, qtbot):
    panel = analysed.phenotype_panel
    rhythm = analysed.result.posterior_rhythm
    assert panel.measured.isVisible()
    if rhythm.clear:
        assert f"Posterior rhythm: {rhythm.frequency_hz:.1f} Hz" in panel.measured.text()
    else:
        assert "Posterior rhythm: no clear posterior rhythm measured" in panel.measured.text()
    measured = analysed.result.muscle_artifact
    assert f"Muscle artifact: {html.escape(muscle_words(measured))}" in panel.measured.text()
    # The band powers beside the scores, every feature in the tooltip.
    features = analysed.result.signal_features
    assert f"Signal: {html.escape(signal_words(features, brief=True))}" in panel.measured.text()
    assert html.escape(signal_words(features)) in panel.measured.toolTip()
    with qtbot.waitSignal(analysed.recording_opened, timeout=10000):
        analysed.open_file(edf_path)  # another recording: nothing of this one stays
    assert not panel.measured.isVisible() and panel.measured.text() == ""


def _scores(knowledge_base, values: dict[str, tuple[float, float]]):
    """FindingScores of ``values`` (finding id -> probability, threshold)."""
    from elm_desktop.clinical.zeroshot import FindingScore

    return [
        FindingScore(
            f, knowledge_base[f].label, p, t, p >= t, knowledge_base[f].abnormal, np.array([p])
        )
        for f, (p, t) in values.items()
    ]


def test_findings_over_their_thresholds_lead_the_table_whatever_the_draft_states(window):
    """A recording unlike the training data (a new-user trial): the draft states nothing, so
    every score over its threshold is set aside; they still come before those under their
    thresholds, by probability, and only what the draft states is bold."""
    panel = window.phenotype_panel
    kb = window.model.knowledge_base
    scores = _scores(
        kb,
        {
            "gpd": (0.82, 0.98),
            "burst_suppression": (0.75, 0.96),
            "seizure": (0.90, 0.83),
            "focal_epileptiform": (0.92, 0.65),
            "photic_driving": (0.78, 0.50),
            "normal": (0.18, 0.58),
        },
    )
    weak = {"focal_epileptiform": "too weak where its threshold was calibrated"}
    panel.set_scores(scores, kb, None, ["photic_driving"], weak, stated=[])
    assert panel.finding_ids == [
        "focal_epileptiform",
        "seizure",
        "photic_driving",
        "gpd",
        "burst_suppression",
        "normal",
    ]
    fonts = [panel.table.item(row, 0).font() for row in range(len(scores))]
    assert [f.italic() for f in fonts] == [True, True, True, False, False, False]
    assert not any(f.bold() for f in fonts)

    # What the draft states leads, bold; then the scores it sets aside over their thresholds.
    panel.set_scores(scores, kb, None, ["photic_driving"], weak, stated=["seizure"])
    assert panel.finding_ids[:3] == ["seizure", "focal_epileptiform", "photic_driving"]
    seizure = panel.table.item(0, 0).font()
    assert seizure.bold() and not seizure.italic()
    assert panel.table.item(0, 1).data(Qt.ItemDataRole.UserRole)[2] is True


def test_the_panels_keep_their_rows_in_view_at_1600_by_1000(analysed, qtbot):
    """A new-user trial at 1600 x 1000: five findings in view, three similar cases, and a
    withheld generated draft taking half the draft report's room."""
    from elm_desktop.clinical.draft_check import GeneratedDraft

    analysed.resize(1600, 1000)
    qtbot.wait(100)
    table = analysed.phenotype_panel.table
    shown = [
        row
        for row in range(table.rowCount())
        if table.visualRect(table.model().index(row, 0)).bottom() <= table.viewport().height()
    ]
    assert len(shown) >= 10 and table.rowCount() == len(analysed.result.findings)

    dock = next(d for d in analysed.docks if d.windowTitle() == "Similar cases")
    dock.raise_()
    qtbot.wait(50)
    cases = analysed.cases_panel.table
    line = cases.fontMetrics().lineSpacing()
    assert cases.rowCount() == 2
    assert all(cases.rowHeight(row) <= 2 * line + 8 for row in range(cases.rowCount()))

    panel = analysed.report_panel
    dock = next(d for d in analysed.docks if d.windowTitle() == "Draft report")
    dock.raise_()
    why = "No draft generated: the recording is less typical of the training data than 96%."
    panel.show_generated(GeneratedDraft({}, [], False, "celm-test", withheld=why))
    qtbot.wait(50)
    assert panel.generated_box.isVisible() and not panel.generated_editor.isVisible()
    assert not panel.use_button.isVisible() and not panel.stop_button.isVisible()
    assert why in panel.generated_label.toolTip()
    assert panel.generated_label.height() <= 2 * panel.fontMetrics().lineSpacing()
    assert panel.editor.height() > panel.height() / 2
