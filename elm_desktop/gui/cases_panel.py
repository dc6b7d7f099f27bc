"""The similar cases panel: the archived recordings nearest to this one."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.archive import RecordingHit

WAITING = "Similar prior cases appear here after analysis."
_IMPRESSION = re.compile(r"IMPRESSION:\s*(.+?)(?:\n\s*\n|\n[A-Z][A-Z /]+:|$)", re.S)


def impression_line(report: str | None) -> str:
    """Return the impression of a report in one line (its first sentence if no heading)."""
    if not report:
        return ""
    match = _IMPRESSION.search(report)
    text = match.group(1) if match else report
    return " ".join(text.split())[:160]


class CasesPanel(QWidget):
    """Similar cases, best first; emits :attr:`case_opened` with the row's index."""

    case_opened = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = QLabel(WAITING)
        self.notice.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Similarity", "Age", "Sex", "Impression"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        # Rows of two lines, the impression elided (whole on hover): sized to their contents,
        # while the tab was hidden and its column narrow, three cases filled the panel.
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(2 * self.table.fontMetrics().lineSpacing() + 8)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(lambda row, _column: self.case_opened.emit(row))
        self.open_button = QPushButton("Compare with this recording")
        self.open_button.clicked.connect(self._open_selected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.notice)
        layout.addWidget(self.table)
        layout.addWidget(self.open_button)
        self.hits: list[RecordingHit] = []

    def set_cases(self, hits: Sequence[RecordingHit], notice: str | None = None) -> None:
        """Show ``hits`` (best first)."""
        self.hits = list(hits)
        self.table.setRowCount(len(self.hits))
        for row, hit in enumerate(self.hits):
            meta = hit.case.metadata
            impression = impression_line(hit.case.report)
            cells = [
                f"{hit.score:.2f}",
                "" if meta.age is None else str(meta.age),
                meta.sex or "",
                impression,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(impression if column == 3 else f"case {hit.case.case_id}")
                self.table.setItem(row, column, item)
        if notice is None and not self.hits:
            notice = "No similar cases: no archive, or it is empty."
        self.notice.setText(notice or "")
        self.notice.setVisible(bool(notice))

    def clear(self) -> None:
        """Show no cases (the open recording is not analysed)."""
        self.set_cases([], WAITING)

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.case_opened.emit(rows[0].row())
        elif self.hits:
            self.case_opened.emit(0)
