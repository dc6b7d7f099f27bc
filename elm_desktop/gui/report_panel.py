"""The draft report panel: editable text in report sections, provenance of every sentence visible.

Sentences are tinted by origin (model findings, archived reports of similar cases, reviewer
placeholders); a sentence taken from an archived report carries a numbered marker that the
sources list below explains. The edited text exports to plain text and PDF.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QMarginsF, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.clinical.report import DraftReport

ORIGIN_STYLE = {
    "file": "",
    "model": "background-color: rgba(122, 90, 184, 0.18);",
    "archive": "background-color: rgba(0, 140, 122, 0.18);",
    "reviewer": "color: #888888; font-style: italic;",
}
LEGEND = (
    "<span style='{model}'>&nbsp;model finding&nbsp;</span> "
    "<span style='{archive}'>&nbsp;from a similar case's report [n]&nbsp;</span> "
    "<span style='{reviewer}'>&nbsp;for the reviewer to complete&nbsp;</span>"
).format(**ORIGIN_STYLE)


def draft_html(draft: DraftReport) -> str:
    """Return the draft as HTML: sections, tinted sentences, numbered sources."""
    parts = [f"<p><b><i>{html.escape(draft.banner)}</i></b></p>"]
    sources = []
    for section in draft.sections:
        sentences = []
        for sentence in section.sentences:
            text = html.escape(sentence.text)
            if sentence.provenance is not None:
                sources.append(sentence.provenance)
                text += f" [{len(sources)}]"
            sentences.append(f"<span style='{ORIGIN_STYLE[sentence.origin]}'>{text}</span>")
        if sentences:
            parts.append(f"<p><b>{html.escape(section.title)}:</b> {' '.join(sentences)}</p>")
    if sources:
        parts.append(
            "<p><b>SOURCES</b> (sentences taken from archived reports of similar recordings):<br>"
        )
        parts.append(
            "<br>".join(
                f"[{i}] case {p.case_id}, {html.escape(p.section or 'report')} segment {p.index}, "
                f"similarity {p.score:.2f}"
                for i, p in enumerate(sources, start=1)
            )
            + "</p>"
        )
    return "\n".join(parts)


class ReportPanel(QWidget):
    """Editable draft report with export buttons; emits :attr:`exported` with the file written."""

    exported = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QTextEdit()
        self.editor.setAcceptRichText(False)
        self.editor.setPlaceholderText("The draft report appears here after analysis.")
        legend = QLabel(LEGEND)
        legend.setWordWrap(True)
        self.text_button = QPushButton("Export text…")
        self.pdf_button = QPushButton("Export PDF…")
        self.text_button.clicked.connect(lambda: self._ask_and_export("txt"))
        self.pdf_button.clicked.connect(lambda: self._ask_and_export("pdf"))
        buttons = QHBoxLayout()
        buttons.addWidget(legend, 1)
        buttons.addWidget(self.text_button)
        buttons.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.editor)
        layout.addLayout(buttons)
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        self.text_button.setEnabled(enabled)
        self.pdf_button.setEnabled(enabled)

    def set_draft(self, draft: DraftReport) -> None:
        """Show a new draft (replacing any edits)."""
        self.editor.setHtml(draft_html(draft))
        self.set_enabled(True)

    def export(self, path: str | Path) -> Path:
        """Write the edited report to ``path``: PDF for ``.pdf``, plain text otherwise."""
        path = Path(path)
        if path.suffix.lower() == ".pdf":
            writer = QPdfWriter(str(path))
            writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
            writer.setPageMargins(QMarginsF(20, 20, 20, 20), QPageLayout.Unit.Millimeter)
            writer.setTitle("EEG report (draft)")
            writer.setCreator("ELM Desktop")
            document: QTextDocument = self.editor.document().clone()
            document.print_(writer)
        else:
            path.write_text(self.editor.toPlainText() + "\n", encoding="utf-8")
        self.exported.emit(str(path))
        return path

    def _ask_and_export(self, kind: str) -> None:
        filters = {"txt": "Text (*.txt)", "pdf": "PDF (*.pdf)"}
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the report", f"report.{kind}", filters[kind]
        )
        if name:
            self.export(name)
