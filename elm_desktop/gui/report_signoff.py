"""Report > Sign-off report: the reviewer's report, signed, kept, archived and exported.

A window beside the traces with the report's sections (from a template), the reviewer's name
(remembered between sessions), and the report's status: a *draft* the reviewer writes (and may
prefill, on request, from the draft report panel: only empty sections, never the model's
findings list), then *final* once signed, with a signature line (name, date and time). A final
report is read-only until it is reopened, which notes an amendment that stays with it. The
report is kept with the recording (by the sha256 of its file, like the draft), stored with the
recording's case in the archive when the reviewer chooses ("Store in archive"; the case is
added too when the recording was analysed in this session and is not archived yet), and
exported as PDF, HTML or text. An EEG's report starts from the routine EEG template, an ECG's
from the resting ECG one, and each is archived with its own modality's model and archive
(:attr:`MainWindow.model <elm_desktop.gui.main_window.MainWindow.model>`). The model
(:mod:`~elm_desktop.clinical.signoff`) is Qt-free.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QObject, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.archive import ArchivedReport
from elm_desktop.clinical.signoff import (
    ReportError,
    ReportStore,
    SignedReport,
    load_templates,
    new_report,
    prefill,
    reopen,
    sign,
)
from elm_desktop.errors import ArchiveError, ElmError
from elm_desktop.gui import workers

if TYPE_CHECKING:
    from elm_desktop.gui.main_window import MainWindow
    from elm_desktop.review import Review

REVIEWER_KEY = "report/reviewer"
EXPORT_KINDS = {"pdf": "PDF (*.pdf)", "html": "HTML page (*.html)", "txt": "Text (*.txt)"}


class SignoffDialog(QDialog):
    """The report of the open recording, section by section, with its sign-off.

    Signals
    -------
    changed()
        The report shown changed (edited, prefilled, signed, reopened, replaced).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Report sign-off")
        self.resize(640, 760)
        self.report: SignedReport | None = None
        self.editors: dict[str, QPlainTextEdit] = {}
        self._showing = False
        self.templates = load_templates()
        self.notice = QLabel("Open a recording to write its report.")
        self.notice.setWordWrap(True)
        self.template_box = QComboBox()
        for template in self.templates.values():
            self.template_box.addItem(template.title, template.name)
            self.template_box.setItemData(
                self.template_box.count() - 1, template.description, 3
            )  # 3: tooltip role
        self.template_button = QPushButton("Start from template")
        self.prefill_button = QPushButton("Prefill empty sections from the draft")
        self.prefill_button.setToolTip(
            "Copy the draft report's sentences into the sections you have not written "
            "(never the model's findings list); check and edit them: the report is yours"
        )
        self.reviewer_edit = QLineEdit()
        self.reviewer_edit.setPlaceholderText("Your name, as it goes on the signature line")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.sections_widget = QWidget()
        self.sections_layout = QFormLayout(self.sections_widget)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.sections_widget)
        self.save_button = QPushButton("Save")
        self.sign_button = QPushButton("Sign (final)")
        self.reopen_button = QPushButton("Reopen for amendment…")
        self.archive_button = QPushButton("Store in archive")
        self.archive_button.setToolTip(
            "Keep the signed report with this recording's case in the archive, where it can "
            "later serve to adapt the model"
        )
        self.export_box = QComboBox()
        for kind in EXPORT_KINDS:
            self.export_box.addItem(f"Export {kind.upper()}…", kind)
        self.export_button = QPushButton("Export")

        top = QHBoxLayout()
        top.addWidget(QLabel("Template"))
        top.addWidget(self.template_box, 1)
        top.addWidget(self.template_button)
        top.addWidget(self.prefill_button)
        reviewer = QHBoxLayout()
        reviewer.addWidget(QLabel("Reviewer"))
        reviewer.addWidget(self.reviewer_edit, 1)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.sign_button, self.reopen_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.archive_button)
        buttons.addWidget(self.export_box)
        buttons.addWidget(self.export_button)
        column = QVBoxLayout(self)
        column.addWidget(self.notice)
        column.addLayout(top)
        column.addLayout(reviewer)
        column.addWidget(scroll, 1)
        column.addWidget(self.status_label)
        column.addLayout(buttons)
        self.set_report(None)

    def set_report(self, report: SignedReport | None, notice: str = "") -> None:
        """Show ``report`` (None: no recording, or none yet), replacing the sections."""
        self.report = report
        self._showing = True
        try:
            while self.sections_layout.rowCount():
                self.sections_layout.removeRow(0)
            self.editors = {}
            hints = {}
            if report is not None:
                index = self.template_box.findData(report.template)
                if index >= 0:
                    self.template_box.setCurrentIndex(index)
                template = self.templates.get(report.template)
                hints = {h: hint for h, hint, _ in template.sections} if template else {}
                for heading, text in report.sections:
                    editor = QPlainTextEdit(text)
                    editor.setPlaceholderText(hints.get(heading, ""))
                    editor.setMinimumHeight(60)
                    editor.textChanged.connect(lambda h=heading: self._edited(h))
                    self.sections_layout.addRow(QLabel(f"<b>{heading}</b>"), editor)
                    self.editors[heading] = editor
        finally:
            self._showing = False
        if notice:
            self.notice.setText(notice)
        self._show_status()

    def _edited(self, heading: str) -> None:
        if self._showing or self.report is None or self.report.final:
            return
        self.report = self.report.with_text(heading, self.editors[heading].toPlainText())
        self._show_status()
        self.changed.emit()

    def _show_status(self) -> None:
        report = self.report
        final = report is not None and report.final
        for editor in self.editors.values():
            editor.setReadOnly(final)
        has = report is not None
        self.template_button.setEnabled(has and not final)
        self.prefill_button.setEnabled(has and not final)
        self.save_button.setEnabled(has)
        self.sign_button.setEnabled(has and not final)
        self.reopen_button.setEnabled(final)
        self.archive_button.setEnabled(final)
        self.export_button.setEnabled(has)
        if report is None:
            self.status_label.setText("")
            return
        lines = report.status_lines()[0 if final else 1 :]  # "Status: DRAFT" says it
        if report.prefilled and not final:
            lines.append(
                "Prefilled from the draft: " + ", ".join(report.prefilled) + " (check them)"
            )
        state = "FINAL (read-only; reopen to amend)" if final else "DRAFT"
        self.status_label.setText(f"<b>Status: {state}</b><br>" + "<br>".join(lines))


class ReportSignoff(QObject):
    """The window's report sign-off (built once, after its menus).

    Signals
    -------
    report_changed(object)
        The open recording's report was saved, signed or reopened (the SignedReport).
    archived(object)
        The signed report was stored in the archive (``(case_id or None, added)``).
    """

    report_changed = Signal(object)
    archived = Signal(object)

    def __init__(self, window: MainWindow, store: ReportStore | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.store = store or ReportStore()
        self.reopen_reason = self._ask_reason
        """Asked for the reason of an amendment (None: cancelled); tests put their answer here."""
        self.dialog = SignoffDialog(window)
        dialog = self.dialog
        dialog.reviewer_edit.setText(str(window.settings.value(REVIEWER_KEY)))
        dialog.reviewer_edit.editingFinished.connect(self._remember_reviewer)
        dialog.template_button.clicked.connect(lambda: self.start_from_template())
        dialog.prefill_button.clicked.connect(lambda: self.prefill_from_draft())
        dialog.save_button.clicked.connect(lambda: self.save())
        dialog.sign_button.clicked.connect(lambda: self.sign())
        dialog.reopen_button.clicked.connect(lambda: self.ask_reopen())
        dialog.archive_button.clicked.connect(lambda: self.store_in_archive())
        dialog.export_button.clicked.connect(
            lambda: self.ask_export(dialog.export_box.currentData())
        )
        self.confirm_restart = self._confirm_restart
        """Asked before a template replaces written sections; tests put their answer here."""
        self.shown_sha: str | None = None
        """The recording (sha256) whose report the window shows."""
        self.dirty = False
        dialog.changed.connect(self._mark_dirty)
        menu = QMenu("&Report", window)
        bar = window.menuBar()
        bar.insertMenu(bar.actions()[-1], menu)  # before Help
        menu.addAction(window.key_actions["report_signoff"])
        window.review_replaced.connect(lambda _review: self.load())
        window.file_fingerprinted.connect(lambda _review: self.load())

    # ---- the open recording's report ------------------------------------------------------

    @property
    def review(self) -> Review | None:
        review = self.window.review
        return review if review is not None and self.window.open_recording is not None else None

    def _remember_reviewer(self) -> None:
        self.window.settings.set_value(REVIEWER_KEY, self.reviewer())

    def reviewer(self) -> str:
        return " ".join(self.dialog.reviewer_edit.text().split())

    def set_reviewer(self, name: str) -> None:
        """Type the reviewer's name (remembered between sessions)."""
        self.dialog.reviewer_edit.setText(name)
        self._remember_reviewer()

    def _mark_dirty(self) -> None:
        """Keep every edit as it is typed, so closing the window loses none."""
        self.dirty = True
        if self.shown_sha is None or self.dialog.report is None:
            return
        try:
            self.store.save(self.shown_sha, self.dialog.report)
        except ReportError as error:
            self.window.statusBar().showMessage(str(error), 10000)
            return
        self.dirty = False

    def load(self) -> None:
        """Show the report kept for the open recording, or a new one from its modality's
        template.

        Unsaved changes to the report shown before are kept with its own recording first.
        """
        review = self.review
        if self.dirty and self.shown_sha is not None and self.dialog.report is not None:
            if review is None or review.file_sha256 != self.shown_sha:
                try:
                    self.store.save(self.shown_sha, self.dialog.report)
                except ReportError as error:
                    self.window.show_error("Cannot save the report", str(error))
        self.dirty = False
        self.shown_sha = None if review is None else review.file_sha256
        if review is None:
            self.dialog.set_report(None, "Open a recording to write its report.")
            return
        if review.file_sha256 is None:
            self.dialog.set_report(None, f"Reading {review.path.name}…")
            return
        try:
            kept = self.store.load(review.file_sha256)
        except ReportError as error:
            self.window.show_error("Report", str(error))
            kept = None
        if kept is not None:
            self.dialog.set_report(kept, f"Your report of {review.path.name}.")
            return
        # The open recording's modality's template: an ECG's report is not an EEG's.
        template = self.dialog.templates.get(self.window.model.analysis.report_template) or next(
            iter(self.dialog.templates.values())
        )
        self.dialog.set_report(
            new_report(template),
            f"Your report of {review.path.name}: write it, or prefill it from the draft.",
        )

    def open(self) -> SignoffDialog:
        """Show the sign-off window for the open recording."""
        if self.dialog.report is None:
            self.load()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _report(self) -> SignedReport | None:
        if self.dialog.report is None or self.review is None or self.review.file_sha256 is None:
            self.window.show_error("No report", "open a recording and wait until it is read")
            return None
        return self.dialog.report

    def _replace(self, report: SignedReport, save: bool = True) -> None:
        self.dialog.set_report(report)
        if save:
            self.save()

    def set_section(self, heading: str, text: str) -> None:
        """Type ``text`` into a section (as the reviewer would)."""
        self.dialog.editors[heading].setPlainText(text)

    def start_from_template(self, name: str | None = None) -> None:
        """Restart the report from a template (the one chosen in the box by default)."""
        report = self._report()
        if report is None or report.final:
            return
        name = name or self.dialog.template_box.currentData()
        filled = [h for h, t in report.sections if t.strip()]
        review = self.window.review
        if filled and not self.confirm_restart(filled):
            return
        if not self.window.still_open(review, "Not restarted"):
            return
        self.dialog.set_report(new_report(self.dialog.templates[name]))
        self._mark_dirty()

    def _confirm_restart(self, filled: list[str]) -> bool:
        answer = QMessageBox.question(
            self.dialog,
            "Start from template",
            f"Replace what you wrote ({', '.join(filled)}) with the template?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def prefill_from_draft(self) -> None:
        """Fill the empty sections from the draft report panel (the draft on screen)."""
        report = self._report()
        if report is None:
            return
        draft = self.window.report_panel.editor.toPlainText()
        if not draft.strip():
            self.window.show_error(
                "No draft", "analyse the recording (Ctrl+R) or open a saved draft first"
            )
            return
        try:
            self.dialog.set_report(prefill(report, draft))
        except ReportError as error:
            self.window.show_error("Cannot prefill the report", str(error))
            return
        self._mark_dirty()

    def save(self) -> Path | None:
        """Keep the report with the open recording; return the file, None on failure."""
        report = self._report()
        if report is None:
            return None
        try:
            path = self.store.save(self.review.file_sha256, report)
        except ReportError as error:
            self.window.show_error("Cannot save the report", str(error))
            return None
        self.dirty = False
        self.window.statusBar().showMessage(f"Report of {self.review.path.name} saved", 5000)
        self.report_changed.emit(report)
        return path

    def sign(self) -> SignedReport | None:
        """Sign the report as the reviewer named: it becomes final and read-only."""
        report = self._report()
        if report is None:
            return None
        self._remember_reviewer()
        try:
            final = sign(report, self.reviewer())
        except ReportError as error:
            self.window.show_error("Cannot sign the report", str(error))
            return None
        self._replace(final)
        return final

    def _ask_reason(self) -> str | None:
        reason, ok = QInputDialog.getText(
            self.dialog, "Reopen for amendment", "Why is the report amended?"
        )
        return reason if ok else None

    def ask_reopen(self) -> SignedReport | None:
        """Reopen the final report for amendment, asking why."""
        review = self.window.review
        reason = self.reopen_reason()
        if reason is None or not self.window.still_open(review, "Not reopened"):
            return None
        return self.reopen(reason)

    def reopen(self, reason: str) -> SignedReport | None:
        """Reopen the final report (the amendment, with ``reason``, stays on it)."""
        report = self._report()
        if report is None:
            return None
        try:
            reopened = reopen(report, self.reviewer(), reason)
        except ReportError as error:
            self.window.show_error("Cannot reopen the report", str(error))
            return None
        self._replace(reopened)
        return reopened

    # ---- archive and exports ------------------------------------------------------------------

    def store_in_archive(self) -> workers.Job | None:
        """Store the signed report with the recording's case in the archive (off the UI thread).

        When the recording is not archived yet and was analysed in this session, its case is
        added too, with the report's text; otherwise the report waits there for its case.
        """
        report = self._report()
        if report is None:
            return None
        if not report.final:
            self.window.show_error("Not signed", "sign the report before storing it in the archive")
            return None
        review = self.review
        sha = review.file_sha256
        signature = report.signature
        archived = ArchivedReport(
            sha,
            signature.reviewer,
            signature.signed_at,
            len(report.amendments),
            report.body(),
            json.dumps(report.to_dict()),
        )
        result = review.result if review.result is not None and review.owns(review.result) else None
        # The open recording's modality: an ECG's report and case go to the ECG archive.
        model, recording = self.window.model, self.window.open_recording
        engine, location = model.engine, model.archive_path

        problems: list[str] = []

        def run(progress, cancel, partial):
            from elm_desktop.archive import open_archive

            with open_archive(location) as archive:
                added = False
                if not archive.contains(sha) and result is not None and engine is not None:
                    from elm_desktop.archive.ingest import case_for_recording

                    case = case_for_recording(
                        recording,
                        engine,
                        result.crop_embeddings,
                        result.attention,
                        result.crop_starts_s,
                        archived.text,
                        file_hash=sha,
                    )
                    try:
                        added = archive.add_case(case) is not None
                    except ArchiveError as error:  # e.g. an archive of another model
                        problems.append(f"its case was not added: {error}")
                archive.store_signed_report(archived)
                return archive.signed_report(sha).case_id, added

        def ready(outcome) -> None:
            case_id, added = outcome
            if case_id is None:
                message = (
                    "Signed report stored in the archive; the recording is not archived yet "
                    "(analyse it, then store the report again, to add its case)"
                )
            else:
                message = f"Signed report stored in the archive with case {case_id}" + (
                    " (added now)" if added else ""
                )
            if problems:
                message = f"{message}; {problems[0]}"
            self.window.statusBar().showMessage(message, 10000)
            self.archived.emit(outcome)

        job = workers.Job("Storing the report in the archive", run)
        return self.window.run_job(job, ready)

    def header(self) -> str:
        review = self.review
        name = review.export_name(self.window.names_file_in_exports)
        return f"Recording: {name}\nSHA-256: {review.file_sha256}\n"

    def export(self, path: str | Path) -> Path | None:
        """Write the report to ``path``: PDF, HTML or text by its suffix; None on failure."""
        report = self._report()
        if report is None:
            return None
        path = Path(path)
        suffix = path.suffix.lower()
        try:
            if suffix == ".pdf":
                writer = QPdfWriter(str(path))
                writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
                writer.setPageMargins(QMarginsF(20, 20, 20, 20), QPageLayout.Unit.Millimeter)
                writer.setTitle("EEG report" if report.final else "EEG report (draft)")
                writer.setCreator("ELM Desktop")
                document = QTextDocument()
                document.setHtml(report.to_html(self.header()))
                document.print_(writer)
                del writer
            elif suffix in (".html", ".htm"):
                path.write_text(report.to_html(self.header()), encoding="utf-8")
            else:
                path.write_text(report.to_text(self.header()), encoding="utf-8")
            if not path.is_file():
                raise OSError(f"{path} could not be written")
        except (ElmError, OSError) as error:
            self.window.show_error("Cannot export the report", str(error))
            return None
        self.window.statusBar().showMessage(f"Report written to {path}", 5000)
        return path

    def ask_export(self, kind: str) -> None:
        review = self.window.review
        name, _ = QFileDialog.getSaveFileName(
            self.dialog, "Export the report", f"eeg-report.{kind}", EXPORT_KINDS[kind]
        )
        if name and self.window.still_open(review, "Not exported"):
            path = Path(name)
            self.export(
                path if path.suffix.lower() == f".{kind}" else path.with_name(f"{path.name}.{kind}")
            )
