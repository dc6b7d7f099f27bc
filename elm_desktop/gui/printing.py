"""File > Export pages to PDF and File > Print pages: the window's side of printing EEG pages.

The reviewer chooses the page on screen or a range of pages (page k starts at (k-1) x the page
length), and whether the patient's name, code, birth date and the recording date are printed
(off unless ticked); the pages look as the traces do (:mod:`~elm_desktop.gui.page_printing`).
Without them, the events' labels are printed without the names, dates and numbers they hold, as
the events copy writes them (a technologist's "J. Smith awake" names the patient).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
)

from elm_desktop.archive.deidentify import identifying_tokens
from elm_desktop.archive.report_scrub import scrub_report
from elm_desktop.errors import ElmError
from elm_desktop.gui import workers
from elm_desktop.gui.page_printing import (
    PageRequest,
    PrintLayout,
    count_pages,
    page_starts,
    print_pages,
    write_pages_pdf,
)
from elm_desktop.gui.trace_view import clock

if TYPE_CHECKING:
    from elm_desktop.gui.main_window import MainWindow


class PagesDialog(QDialog):
    """Which pages to print, and whether with the patient's fields.

    Parameters
    ----------
    n_pages : int
        Pages in the recording at the current page length.
    current : tuple of (float, float)
        The span on screen, seconds.
    """

    def __init__(self, n_pages: int, current: tuple[float, float], title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        grid = QGridLayout(self)
        self.this_page = QRadioButton(f"This page ({clock(current[0])}–{clock(current[1])})")
        self.range = QRadioButton("Pages")
        self.this_page.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.this_page)
        group.addButton(self.range)
        here = min(int(current[0] // max(current[1] - current[0], 1e-9)) + 1, n_pages)
        self.first = QSpinBox()
        self.last = QSpinBox()
        for box in (self.first, self.last):
            box.setRange(1, n_pages)
            box.setValue(here)
            box.valueChanged.connect(lambda _v: self.range.setChecked(True))
        self.patient = QCheckBox("Print the patient's name, ID, birth date and recording date")
        self.patient.setToolTip("Off by default: printed pages often leave the department")
        grid.addWidget(self.this_page, 0, 0, 1, 4)
        grid.addWidget(self.range, 1, 0)
        grid.addWidget(self.first, 1, 1)
        grid.addWidget(QLabel("to"), 1, 2)
        grid.addWidget(self.last, 1, 3)
        grid.addWidget(QLabel(f"of {n_pages}"), 1, 4)
        grid.addWidget(self.patient, 2, 0, 1, 5)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        grid.addWidget(buttons, 3, 0, 1, 5)

    def chosen(self) -> tuple[int | None, int | None, bool]:
        """Return (first, last) page (None, None for the page on screen) and the patient option."""
        if self.this_page.isChecked():
            return None, None, self.patient.isChecked()
        first, last = sorted((self.first.value(), self.last.value()))
        return first, last, self.patient.isChecked()


class PagePrinting(QObject):
    """The window's printing of EEG pages (built once, after its menus).

    Signals
    -------
    pages_written(object)
        A PDF of EEG pages was written (its Path).
    """

    pages_written = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: PagesDialog | None = None
        file_menu = window.menuBar().actions()[0].menu()
        before = window.export_menu.menuAction()
        self.pdf_action = QAction("Export &pages to PDF…", file_menu)
        self.print_action = window.key_actions["print_pages"]
        file_menu.insertActions(before, [self.pdf_action, self.print_action])
        self.pdf_action.triggered.connect(lambda _checked=False: self.ask("pdf"))

    # ---- what is printed -----------------------------------------------------------------

    def layout(self) -> PrintLayout:
        """Return how the traces look now: montage, filters, sensitivity, page, selection."""
        view = self.window.trace_view
        return PrintLayout(
            view.montage,
            view.display_filter,
            float(view.sensitivity),
            float(view.page_s),
            frozenset(view.deselected.get(view.montage_name, frozenset())),
        )

    def starts(self, first: int | None, last: int | None) -> list[float]:
        """Return page starts: the page on screen (None) or pages ``first``..``last``."""
        view = self.window.trace_view
        if first is None or last is None:
            return [float(view.start_s)]
        return page_starts(view.duration, view.page_s, first, last)

    def title(self, include_patient: bool) -> str:
        """The line that heads each page: the file's name only with the patient's fields."""
        review = self.window.review
        if include_patient:
            return f"Recording: {Path(self.window.recording.path).name}"
        if review is not None and review.recording_id is not None:
            return f"Recording {review.recording_id}"
        return "EEG"

    def request(
        self, first: int | None = None, last: int | None = None, include_patient: bool = False
    ) -> PageRequest:
        """Return what to print: the page on screen (None) or pages ``first``..``last``.

        Raises
        ------
        OutputError
            The pages lie outside the recording (or are too many).
        """
        events, recording = self.window.event_list, self.window.recording
        known = identifying_tokens(recording.patient)

        def label(text: str) -> str:
            return text if include_patient else scrub_report(text, known)

        return PageRequest(
            recording,
            self.layout(),
            tuple(self.starts(first, last)),
            include_patient,
            self.title(include_patient),
            tuple((e.onset, label(e.label)) for e in events.events) if events is not None else (),
        )

    def _check_recording(self) -> bool:
        if self.window.recording is None:
            self.window.show_error("Nothing to print", "open an EEG recording first (Ctrl+O)")
            return False
        return True

    # ---- writing -------------------------------------------------------------------------

    def export_pdf(
        self,
        path: str | Path,
        first: int | None = None,
        last: int | None = None,
        include_patient: bool = False,
    ) -> workers.Job | None:
        """Write the page on screen, or pages ``first``..``last``, to a PDF off the UI thread.

        :attr:`pages_written` gives the file; None (and one line) when nothing can be written.
        """
        if not self._check_recording():
            return None
        try:
            request = self.request(first, last, include_patient)
        except ElmError as error:
            self.window.show_error("Cannot export the pages", str(error))
            return None

        def run(progress, cancel, partial):
            def step(done: int, total: int) -> None:
                cancel.check()
                progress(done, total, f"EEG page {done + 1} of {total}")

            return write_pages_pdf(path, request, step)

        def ready(written: Path) -> None:
            self.window.statusBar().showMessage(f"EEG pages written to {written}", 5000)
            self.pages_written.emit(written)

        job = workers.Job(f"Writing {Path(path).name}", run)
        return self.window.run_job(job, ready)

    def print_to(self, printer, first=None, last=None, include_patient=False) -> int:
        """Print pages on ``printer`` (a QPrinter); return how many, 0 on failure."""
        if not self._check_recording():
            return 0
        try:
            return print_pages(printer, self.request(first, last, include_patient))
        except ElmError as error:
            self.window.show_error("Cannot print the pages", str(error))
            return 0

    def ask(self, kind: str) -> PagesDialog | None:
        """Ask which pages (and, for a PDF, where), then write or print them."""
        if not self._check_recording():
            return None
        view = self.window.trace_view
        title = "Export pages to PDF" if kind == "pdf" else "Print pages"
        dialog = PagesDialog(
            count_pages(view.duration, view.page_s), view.visible_range(), title, self.window
        )
        review = self.window.review
        dialog.accepted.connect(lambda: self._chosen(review, kind, *dialog.chosen()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _chosen(self, review, kind: str, first, last, include_patient: bool) -> None:
        """Write or print the pages chosen in the dialog, opened on ``review``'s recording."""
        action = "Pages not written" if kind == "pdf" else "Pages not printed"
        if not self.window.still_open(review, action):
            return
        if kind == "pdf":
            name, _ = QFileDialog.getSaveFileName(
                self.window, "Export pages to PDF", "eeg-pages.pdf", "PDF (*.pdf)"
            )
            if name and self.window.still_open(review, action):
                path = Path(name)
                self.export_pdf(
                    path if path.suffix.lower() == ".pdf" else path.with_name(f"{path.name}.pdf"),
                    first,
                    last,
                    include_patient,
                )
            return
        try:
            from PySide6.QtPrintSupport import QPrintDialog, QPrinter
        except ImportError:  # a Qt build without printing: the PDF export still works
            self.window.show_error("Cannot print", "this Qt has no printing; export a PDF instead")
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(printer.pageLayout().Orientation.Landscape)
        accepted = QPrintDialog(printer, self.window).exec() == QDialog.DialogCode.Accepted
        if accepted and self.window.still_open(review, action):
            self.print_to(printer, first, last, include_patient)
