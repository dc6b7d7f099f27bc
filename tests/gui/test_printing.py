"""Printing EEG pages from the real window: PDF pages as the traces look, no patient fields
unless asked."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from elm_desktop.signals.events import Event
from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
from elm_desktop.synth.electrodes import ELECTRODES

pypdf = pytest.importorskip("pypdf")

PATIENT = "MCH-0234567 F 02-MAY-1951 Haagse_Harry"
IDENTIFYING = ("Haagse", "MCH-0234567", "1951", "2024-03-05")


def write_named_edf(path, seconds: int = 35):
    """A 35 s EDF+ whose header names a patient, started 2024-03-05 14:30:00."""
    sfreq = 256
    rng = np.random.default_rng(3)
    data = 20.0 * rng.standard_normal((len(ELECTRODES), seconds * sfreq))
    signals = [SignalHeader(f"EEG {name.upper()}-REF", -1000.0, 1000.0) for name in ELECTRODES]
    start = dt.datetime(2024, 3, 5, 14, 30, 0)
    with EdfWriter(path, signals, sfreq, seconds, start, PATIENT, "X X X X") as writer:
        writer.write_block(data)
    return path


def pdf_text(path) -> tuple[int, str]:
    reader = pypdf.PdfReader(str(path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def export(window, qtbot, path, **choices):
    """Export pages from the window and wait until the file is written."""
    with qtbot.waitSignal(window.page_printing.pages_written, timeout=60000) as written:
        assert window.page_printing.export_pdf(path, **choices) is not None
    assert written.args[0] == path
    return path


@pytest.fixture
def named(tmp_path, window, open_in_window, qtbot):
    path = write_named_edf(tmp_path / "named.edf")
    open_in_window(path)
    window.set_montage("acns-banana")
    window.set_sensitivity(10.0)
    window.set_filters(0.5, 35.0, 50.0)
    return path


def test_a_range_of_pages_prints_as_the_traces_look_without_the_patient(
    window, named, tmp_path, qtbot
):
    window.trace_view.set_channel_selection({"Cz-Pz"})

    written = export(window, qtbot, tmp_path / "pages.pdf", first=2, last=4)

    assert written.stat().st_size > 0
    raw = written.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", raw)) == 3
    n_pages, text = pdf_text(written)
    assert n_pages == 3
    assert "Longitudinal bipolar (ACNS double banana, with midline)" in text
    assert "LFF 0.5 Hz, HFF 35 Hz, notch 50 Hz" in text
    assert "Sensitivity: 10 µV/mm" in text and "Page: 10 s" in text
    # Pages 2 to 4 of 10 s: 0:00:10 to 0:00:35 (the last page is cut at the end).
    assert "Time: 0:00:10–0:00:20" in text and "Time: 0:00:30–0:00:35" in text
    assert "Clock: 14:30:10–14:30:20" in text
    assert "100 µV" in text and "1 s" in text  # the calibration bar
    assert "Fz-Cz" in text and "Cz-Pz" not in text  # the channel selection holds on paper
    for field in IDENTIFYING:
        assert field not in text
        assert field.encode() not in raw


def test_the_patient_fields_are_printed_only_when_asked(window, named, tmp_path, qtbot):
    written = export(window, qtbot, tmp_path / "with.pdf", include_patient=True)

    n_pages, text = pdf_text(written)
    assert n_pages == 1  # the page on screen
    assert "Haagse_Harry" in text and "MCH-0234567" in text and "02-MAY-1951" in text
    assert "Recorded: 2024-03-05 14:30" in text


def test_event_labels_are_printed_without_the_patient_unless_asked(window, named, tmp_path, qtbot):
    window.add_event(Event(2.0, 0.0, "note", "Haagse awake, mother present 05.03.2024"))
    window.events_question = lambda _action: "discard"  # teardown closes the window

    _, without = pdf_text(export(window, qtbot, tmp_path / "without.pdf"))
    _, with_patient = pdf_text(export(window, qtbot, tmp_path / "with.pdf", include_patient=True))

    assert "awake" in without and "mother present" in without
    assert "Haagse" not in without and "05.03.2024" not in without
    assert "Haagse awake" in with_patient and "05.03.2024" in with_patient


def test_the_page_on_screen_is_the_one_printed(window, named, tmp_path, qtbot):
    window.trace_view.set_start(12.0)

    _, text = pdf_text(export(window, qtbot, tmp_path / "here.pdf"))

    assert "Time: 0:00:12–0:00:22" in text
    assert "Clock: 14:30:12–14:30:22" in text


def test_pages_outside_the_recording_are_refused_in_one_line(window, named, tmp_path, qtbot):
    with qtbot.waitSignal(window.error_shown) as shown:
        assert window.page_printing.export_pdf(tmp_path / "none.pdf", first=3, last=9) is None
    assert shown.args[0] == "choose pages between 1 and 4 (asked 3 to 9)"
    assert not (tmp_path / "none.pdf").exists()
    assert pdf_text(export(window, qtbot, tmp_path / "ok.pdf", first=4, last=4))[0] == 1


def test_a_cancelled_export_leaves_no_file(window, named, tmp_path, qtbot):
    job = window.page_printing.export_pdf(tmp_path / "stopped.pdf", first=1, last=4)
    with qtbot.waitSignal(job.signals.cancelled, timeout=60000):
        job.cancel()
    assert not (tmp_path / "stopped.pdf").exists()


def test_the_pages_dialog_offers_the_page_on_screen_or_a_range(window, named):
    file_menu = window.menuBar().actions()[0].menu()
    assert window.page_printing.pdf_action in file_menu.actions()
    assert window.key_actions["print_pages"] in file_menu.actions()
    dialog = window.page_printing.ask("pdf")
    assert dialog.chosen() == (None, None, False)
    dialog.first.setValue(3)
    dialog.last.setValue(2)
    dialog.patient.setChecked(True)
    assert dialog.chosen() == (2, 3, True)
    dialog.reject()


def test_pages_print_on_a_printer(window, named, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a printer that writes a file
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))

    assert window.page_printing.print_to(printer, first=1, last=2) == 2

    del printer
    n_pages, text = pdf_text(tmp_path / "printed.pdf")
    assert n_pages == 2 and "Time: 0:00:00–0:00:10" in text and "Haagse" not in text


def test_a_page_image_is_the_sheet_at_its_resolution(qtbot, tmp_path):
    from elm_desktop.gui.page_printing import PageRequest, PrintLayout, page_image
    from elm_desktop.signals import DisplayFilter, open_recording
    from elm_desktop.signals.montages import get_montage

    rec = open_recording(write_named_edf(tmp_path / "named.edf"))
    layout = PrintLayout(get_montage("tcp-elm"), DisplayFilter(), 7.0, 10.0)

    image = page_image(PageRequest(rec, layout, (0.0,)), 0.0, dpi=100)

    assert (image.width(), image.height()) == (int(281 * 100 / 25.4), int(194 * 100 / 25.4))
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    assert 0.01 < float((pixels < 128).mean()) < 0.5  # traces and text drawn, not a blot
