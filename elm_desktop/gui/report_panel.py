"""The draft report panel: editable text in report sections, provenance of every sentence visible.

Sentences are tinted by origin (model findings, archived reports of similar cases, reviewer
placeholders); a sentence taken from an archived report carries a numbered marker that the
sources list below explains. The edited text is saved with the recording and exports to plain
text and PDF, headed by the recording's file name and sha256.

When the model bundle carries a report generator, its draft appears below the assembled one, in
an editor of its own: the text streams in as the generator writes it, "Stop" cancels it, and
when it is done every sentence stating a finding that the model's zero-shot scores do not support
is marked (``[unsupported: ...]``, tinted), not removed. It is labelled DRAFT and editable. A
draft withheld (the recording not typical enough of the training data) is one line, its reason
on hover, so that the draft above keeps the room.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QMarginsF, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.clinical.draft_check import GeneratedDraft
from elm_desktop.clinical.report import DraftReport
from elm_desktop.runtime.draft_generator import parse_sections

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


UNSUPPORTED_STYLE = "background-color: rgba(214, 60, 60, 0.22);"
GENERATED_BANNER = (
    "DRAFT written by the report generator from the recording; sentences marked [unsupported] "
    "state a finding the model's own scores do not support. Review and edit every sentence."
)


def streamed_text(generated: str) -> str:
    """The sections of a draft being generated (its section JSON so far) as report text.

    Before its first section starts, the JSON's opening is not shown; text that is no section
    JSON at all is shown as it comes.
    """
    sections = parse_sections(generated)
    if sections:
        return "\n\n".join(f"{h}: {t}" for h, t in sections.items())
    return "" if generated.lstrip().startswith("{") else generated


def generated_html(draft: GeneratedDraft) -> str:
    """Return a generated draft as HTML: the DRAFT label, sections, unsupported sentences
    marked, caveats after their sentences."""
    parts = [f"<p><b><i>{html.escape(GENERATED_BANNER)}</i></b></p>"]
    if draft.withheld:
        return "\n".join([*parts, f"<p><i>{html.escape(draft.withheld)}</i></p>"])
    if not draft.finished:
        parts.append("<p><i>The generator stopped before the end of its draft.</i></p>")
    sections: dict[str, list[str]] = {}
    for sentence in draft.checked:
        text = html.escape(sentence.text)
        if not sentence.supported:
            note = html.escape(f"[unsupported: {sentence.note}]")
            text = f"<span style='{UNSUPPORTED_STYLE}'>{note} {text}</span>"
        if sentence.caveat:
            text += f" <i>[{html.escape(sentence.caveat)}]</i>"
        sections.setdefault(sentence.section, []).append(text)
    for heading, texts in sections.items():
        parts.append(f"<p><b>{html.escape(heading)}:</b> {' '.join(texts)}</p>")
    if draft.omitted:
        note = html.escape(draft.omission_note)
        parts.append(f"<p><span style='{UNSUPPORTED_STYLE}'>{note}</span></p>")
    return "\n".join(parts)


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
    """Editable draft report with save and export buttons.

    Signals
    -------
    edited()
        The reviewer changed the text (not emitted when a draft is shown).
    save_requested()
        The reviewer asked to save the draft for this recording.
    export_requested(str)
        The reviewer asked to export it: ``"txt"`` or ``"pdf"``.
    generation_stop_requested()
        The reviewer asked to stop the report generator.
    generated_adopted()
        The reviewer asked to make the generated draft (as edited) the report.
    """

    edited = Signal()
    save_requested = Signal()
    export_requested = Signal(str)
    generation_stop_requested = Signal()
    generated_adopted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QTextEdit()
        self.editor.setAcceptRichText(False)
        self.editor.setPlaceholderText("The draft report appears here after analysis.")
        self.origin_label = QLabel("")
        self.origin_label.setWordWrap(True)
        legend = QLabel(LEGEND)
        legend.setWordWrap(True)
        self.save_button = QPushButton("Save draft")
        self.save_button.setToolTip("Keep this draft with the recording (Ctrl+S)")
        self.text_button = QPushButton("Export text…")
        self.pdf_button = QPushButton("Export PDF…")
        self.save_button.clicked.connect(self.save_requested)
        self.text_button.clicked.connect(lambda: self.export_requested.emit("txt"))
        self.pdf_button.clicked.connect(lambda: self.export_requested.emit("pdf"))
        self.showing = False  # a draft being put in the editor is not an edit
        self.editor.document().contentsChanged.connect(self._changed)
        buttons = QHBoxLayout()  # under the legend: beside it, a narrow dock wraps it word by word
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.text_button)
        buttons.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.origin_label)
        layout.addWidget(self.editor)
        layout.addWidget(legend)
        layout.addLayout(buttons)
        self._build_generated(layout)
        self.set_enabled(False)

    def _build_generated(self, layout: QVBoxLayout) -> None:
        """The generated draft's editor, label and stop button (hidden without a generator)."""
        self.generated_label = QLabel("")
        self.generated_label.setWordWrap(True)
        self.generated_editor = QTextEdit()
        self.generated_editor.setAcceptRichText(False)
        self.generated_editor.setReadOnly(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the report generator")
        self.stop_button.clicked.connect(self.generation_stop_requested)
        # Only the report editor above is saved, signed and exported: this brings the
        # generated draft, with the reviewer's edits, there.
        self.use_button = QPushButton("Use as the report")
        self.use_button.setToolTip(
            "Put this generated draft, with your edits, in the report editor above, "
            "to edit, save and export"
        )
        self.use_button.clicked.connect(self.generated_adopted)
        # The buttons and the editor, hidden when no draft was generated: the label then says
        # so in one line and the draft editor above keeps the room.
        self.generated_body = QWidget()
        body = QVBoxLayout(self.generated_body)
        body.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.use_button)
        row.addWidget(self.stop_button)
        body.addLayout(row)
        body.addWidget(self.generated_editor)
        self.generated_box = QWidget()
        box = QVBoxLayout(self.generated_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.generated_label)
        box.addWidget(self.generated_body)
        layout.addWidget(self.generated_box)
        self.generated_box.setVisible(False)

    def start_generated(self) -> None:
        """Show an empty generated draft that tokens will stream into."""
        self.generated_editor.clear()
        self.generated_editor.setReadOnly(True)  # edits would be overwritten by the stream
        self.generated_editor.setVisible(False)  # an empty box would only take room
        self.generated_label.setText("Generated draft (DRAFT): writing…")
        self.generated_label.setToolTip("")
        self.stop_button.setEnabled(True)
        self.use_button.setEnabled(False)
        self.generated_body.setVisible(True)
        self.generated_box.setVisible(True)

    def stream_generated(self, generated: str) -> None:
        """Show the generated draft so far (its section JSON, shown as report text)."""
        text = streamed_text(generated)
        self.generated_editor.setPlainText(text)
        self.generated_editor.setVisible(bool(text))

    def show_generated(self, draft: GeneratedDraft) -> None:
        """Show a finished (or stopped) generated draft, unsupported sentences marked; a
        withheld one in one line, why in its tooltip."""
        self.generated_editor.setHtml(generated_html(draft))
        self.generated_editor.setReadOnly(False)
        self.generated_editor.setVisible(True)
        state = "complete" if draft.finished else "stopped"
        self.generated_label.setText(
            f"Generated draft withheld ({draft.generator}): hover for why."
            if draft.withheld
            else f"Generated draft (DRAFT, {state}, by {draft.generator}): "
            f"{draft.n_unsupported} sentence(s) marked unsupported by the evidence"
            + (f"; it does not mention {', '.join(draft.omitted)}" if draft.omitted else "")
            + ". Edit it, then use it as the report to save and export it."
        )
        # Rich text, so that a long reason wraps.
        self.generated_label.setToolTip(
            f"<p>{html.escape(draft.withheld)}</p>" if draft.withheld else ""
        )
        self.stop_button.setEnabled(False)
        self.use_button.setEnabled(not draft.withheld)
        self.generated_body.setVisible(not draft.withheld)
        self.generated_box.setVisible(True)

    def clear_generated(self) -> None:
        """Show no generated draft."""
        self.generated_editor.clear()
        self.use_button.setEnabled(False)
        self.generated_label.setText("")
        self.generated_label.setToolTip("")
        self.generated_box.setVisible(False)

    def set_enabled(self, enabled: bool) -> None:
        """Enable or disable editing, saving and exporting."""
        self.editor.setReadOnly(not enabled)
        for button in (self.save_button, self.text_button, self.pdf_button):
            button.setEnabled(enabled)

    def _changed(self) -> None:
        if not self.showing:
            self.edited.emit()

    def show_html(self, content: str, origin: str) -> None:
        """Show a draft (replacing the editor's text) and say where it comes from."""
        self.showing = True
        try:
            position = self.editor.textCursor().position()
            self.editor.setHtml(content)
            cursor = self.editor.textCursor()
            cursor.setPosition(min(position, len(self.editor.toPlainText())))
            self.editor.setTextCursor(cursor)
        finally:
            self.showing = False
        self.origin_label.setText(origin)
        self.set_enabled(True)

    def clear(self) -> None:
        """Show no draft."""
        self.showing = True
        try:
            self.editor.clear()
        finally:
            self.showing = False
        self.origin_label.setText("")
        self.set_enabled(False)

    def export(self, path: str | Path, header: str) -> Path:
        """Write ``header`` and the edited report to ``path``: PDF for ``.pdf``, else text."""
        path = Path(path)
        if path.suffix.lower() == ".pdf":
            writer = QPdfWriter(str(path))
            writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
            writer.setPageMargins(QMarginsF(20, 20, 20, 20), QPageLayout.Unit.Millimeter)
            writer.setTitle("EEG report (draft)")
            writer.setCreator("ELM Desktop")
            document: QTextDocument = self.editor.document().clone()
            QTextCursor(document).insertText(header + "\n")
            document.print_(writer)
        else:
            path.write_text(header + "\n" + self.editor.toPlainText() + "\n", encoding="utf-8")
        return path
