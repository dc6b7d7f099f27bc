"""The report generator's draft streams into the draft panel, stops on request, and never
shows on another recording."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import discard_on_teardown

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def generator_bundle(tmp_path_factory, elm_bundle):
    """The random test bundle plus an untrained tiny generator that never ends its draft."""
    from elm_desktop.runtime.bundle import write_generator
    from elm_desktop.training.celm.onnx_export import export_generator
    from elm_desktop.training.celm.onnx_greedy import DECODER_FILE, PREFIX_FILE, TOKENIZER_FILE
    from elm_desktop.training.celm.trainer import build_generator
    from tests.test_celm_scratch import _config, _examples

    folder = tmp_path_factory.mktemp("generator-bundle")
    bundle = shutil.copytree(elm_bundle, folder / "bundle")
    generator = build_generator(_config(), _examples())
    checkpoint = generator.save(folder / "ckpt")
    exported = export_generator(generator, checkpoint, folder / "onnx")
    files = {
        "file": exported / DECODER_FILE,
        "prefix": exported / PREFIX_FILE,
        "tokenizer": exported / TOKENIZER_FILE,
    }
    # Untrained, it writes until its limit: long enough to be stopped while it streams.
    entry = {"prompt": "x", "sections": ["IMPRESSION"], "max_new_tokens": 100_000}
    return write_generator(bundle, files, {**entry, "source": {"checkpoint": "tiny"}})


@pytest.fixture
def generating_window(qtbot, corpus, generator_bundle):
    from elm_desktop.gui.main_window import MainWindow

    recording, archive = corpus
    window = MainWindow(bundle_path=generator_bundle, archive_path=archive)
    window.draft_question = discard_on_teardown
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.file_fingerprinted, timeout=20000):
        window.open_file(recording)
    return window


def _start(qtbot, window):
    panel = window.report_panel
    with qtbot.waitSignal(window.analysis_finished, timeout=120000):
        window.analyze()
    job = window.generation_job
    assert job is not None and panel.generated_box.isVisible()
    # Tokens arrive one after another: the text grows while the generator runs.
    qtbot.waitUntil(lambda: len(panel.generated_editor.toPlainText()) > 0, timeout=20000)
    first = len(panel.generated_editor.toPlainText())
    qtbot.waitUntil(lambda: len(panel.generated_editor.toPlainText()) > first, timeout=20000)
    assert not job.done
    return job


def test_tokens_stream_into_the_panel_and_stop_stops_them(qtbot, generating_window):
    window = generating_window
    panel = window.report_panel
    job = _start(qtbot, window)
    # The analysis has ended: its progress bar and Cancel go; the generator has its own Stop.
    assert not window.progress_bar.isVisible() and not window.cancel_button.isVisible()
    # The assembled draft stays beside it, in its own editor.
    assert panel.editor.toPlainText()
    assert panel.generated_editor.isReadOnly()  # edits would be overwritten by the stream
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    qtbot.waitUntil(lambda: "stopped" in panel.generated_label.text(), timeout=5000)
    generated = window.result.generated
    assert generated is not None and not generated.finished
    assert not panel.generated_editor.isReadOnly()  # the reviewer edits the draft
    assert "DRAFT" in panel.generated_editor.toPlainText()


def test_opening_another_recording_cancels_and_discards_the_draft(
    qtbot, generating_window, edf_path
):
    window = generating_window
    panel = window.report_panel
    job = _start(qtbot, window)
    with qtbot.waitSignal(window.recording_opened, timeout=10000):
        window.open_file(edf_path)
    assert window.generation_job is None
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    qtbot.wait(200)  # tokens queued before the cancel arrive now, and must be dropped
    assert panel.generated_editor.toPlainText() == ""
    assert not panel.generated_box.isVisible()


def test_the_generated_draft_with_its_edits_becomes_the_report_to_save_and_export(
    qtbot, generating_window, tmp_path
):
    window = generating_window
    panel = window.report_panel
    job = _start(qtbot, window)
    assert not panel.use_button.isEnabled()  # not while it streams
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.done and panel.use_button.isEnabled(), timeout=20000)
    panel.editor.moveCursor(panel.editor.textCursor().MoveOperation.End)
    panel.editor.insertPlainText(" My own sentence.")
    assert window.review.draft_edited
    panel.generated_editor.moveCursor(panel.generated_editor.textCursor().MoveOperation.End)
    panel.generated_editor.insertPlainText(" Read and corrected by the reviewer.")

    window.draft_question = lambda _action: "cancel"  # keep my own draft
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert "My own sentence." in panel.editor.toPlainText()

    window.draft_question = discard_on_teardown
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    report = panel.editor.toPlainText()
    assert "Read and corrected by the reviewer." in report and "DRAFT" in report
    assert "My own sentence." not in report
    assert window.review.draft_edited  # taken, not yet saved
    saved = window.save_draft()
    assert saved is not None and not window.review.draft_edited
    assert "Read and corrected by the reviewer." in window.review.saved_draft.text
    exported = window.export(tmp_path / "report.txt")
    assert "Read and corrected by the reviewer." in Path(exported).read_text(encoding="utf-8")


def test_the_streamed_json_shows_as_report_sections():
    from elm_desktop.gui.report_panel import streamed_text

    assert streamed_text('{"report_sec') == ""  # the JSON's opening is not shown
    opened = '{"report_sections": [{"section_name": "IMPRESSION", "section_text": "Normal aw'
    assert streamed_text(opened) == "IMPRESSION: Normal aw"
    assert streamed_text("no JSON") == "no JSON"
