"""The phenotypes panel: each finding's zero-shot probability as a bar.

Clicking a finding jumps the traces to its top segment (where its own per-crop probability
is highest; for a spike finding, the crop that reads like it and holds the sharpest transient,
:mod:`elm_desktop.clinical.sharp_transients`); hovering shows the knowledge base's definition and threshold. Above
the table, the model bundle's statement of what it was trained on.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.clinical.knowledge import KnowledgeBase
from elm_desktop.clinical.record_score import PROBABILITY, measure_words, places_words
from elm_desktop.clinical.zeroshot import FindingScore

WAITING = "Analyse the recording (Ctrl+R) to score the findings."
_PRESENT = QColor("#d9534f")
_ABSENT = QColor("#7f8c99")


#: The measured line's tooltip: what it is.
MEASURED_TIP = "Measured in the recording's signal, not scored by the model"


class ProbabilityBar(QStyledItemDelegate):
    """Paints a probability (0-1, in the item's UserRole) as a bar with a threshold tick."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        probability, threshold, present = index.data(Qt.ItemDataRole.UserRole)
        rect = option.rect.adjusted(4, 5, -44, -5)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        track = QColor(option.palette.mid().color())
        track.setAlpha(70)
        painter.setBrush(track)
        painter.drawRect(rect)
        painter.setBrush(_PRESENT if present else _ABSENT)
        painter.drawRect(
            QRect(rect.left(), rect.top(), int(rect.width() * probability), rect.height())
        )
        painter.setPen(option.palette.text().color())
        tick = rect.left() + int(rect.width() * threshold)
        painter.drawLine(tick, rect.top() - 2, tick, rect.bottom() + 2)
        text_rect = QRect(rect.right() + 4, option.rect.top(), 40, option.rect.height())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, f"{probability:.2f}")
        painter.restore()


class PhenotypePanel(QWidget):
    """Finding scores, best first; emits :attr:`finding_clicked` with a finding id."""

    finding_clicked = Signal(str)
    #: The ``href`` of a link in the measured line ("muscle": go to the strongest burst).
    measured_link_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provenance = QLabel("")
        self.provenance.setWordWrap(True)
        self.provenance.setToolTip("What the model bundle says it was trained on")
        self.notice = QLabel(WAITING)
        self.notice.setWordWrap(True)
        self.measured = QLabel("")
        self.measured.setWordWrap(True)
        self.measured.setTextFormat(Qt.TextFormat.RichText)
        self.measured.linkActivated.connect(self.measured_link_clicked)
        self.measured.setToolTip(MEASURED_TIP)
        self.measured.setVisible(False)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Finding", "Score"])
        rows = self.table.verticalHeader()
        rows.hide()
        # One line of text a row (the style's default is taller): more findings in view.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().lineSpacing() + 8)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setItemDelegateForColumn(1, ProbabilityBar(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.cellClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.provenance)
        layout.addWidget(self.notice)
        layout.addWidget(self.measured)
        layout.addWidget(self.table)
        self.finding_ids: list[str] = []

    def set_provenance(self, statement: str) -> None:
        """Say what the model was trained on (the bundle's own statement; empty: no model)."""
        if not statement:
            self.provenance.setText("")
            self.provenance.setToolTip("")
            return
        head, _, rest = statement.partition(":")
        more = " (more: hover)" if rest else ""
        self.provenance.setText(f"<i>Model trained on: {html.escape(head)}{more}</i>")
        self.provenance.setToolTip(f"What the model bundle says it was trained on: {statement}")

    def set_measured(self, text: str, details: str = "") -> None:
        """Show what was measured in the signal (rich text: the posterior rhythm, the muscle
        artifact with a link to where it is strongest); empty: nothing. ``details`` (plain
        text) follow in the tooltip: what does not fit beside the scores."""
        self.measured.setText(text)
        self.measured.setVisible(bool(text))
        extra = f"<br>{html.escape(details)}" if details else ""
        self.measured.setToolTip(MEASURED_TIP + extra)

    def clear(self) -> None:
        """Show no scores (the open recording is not analysed)."""
        self.set_measured("")
        self.finding_ids = []
        self.table.clearSelection()
        self.table.setRowCount(0)
        self.notice.setText(WAITING)
        self.notice.setVisible(True)

    def set_scores(
        self,
        scores: Sequence[FindingScore],
        knowledge_base: KnowledgeBase,
        notice: str | None,
        unassessed: Sequence[str] = (),
        held: Mapping[str, str] | None = None,
        stated: Collection[str] | None = None,
    ) -> None:
        """Show ``scores`` (any order): the findings the draft states first, then the others
        over their thresholds, then those under them; each group by probability, highest
        first.

        Findings in ``unassessed`` are responses to a procedure the recording does not show;
        findings in ``held`` are not stated by the draft, for the reason given (e.g. the
        record-level score disagrees; the model too weak at them, present or absent; for an
        ECG, a rate the QRS complexes contradict); with ``stated`` (what the draft states),
        findings over their thresholds that it does not state (a recording unlike the
        training data) too. All are italic, with the bar of an absent finding; the other
        findings over their thresholds, the ones called, are bold with a red bar.
        """
        held = held or {}

        def set_aside(score: FindingScore) -> bool:
            unstated = stated is not None and score.present and score.finding_id not in stated
            return score.finding_id in held or score.finding_id in unassessed or unstated

        def group(score: FindingScore) -> int:
            # A reader takes the top rows for the leading findings: a score over its threshold
            # the draft sets aside still outranks one under its threshold (a new-user trial
            # saw unstated scores under their thresholds above a seizure over its own).
            if not score.present:
                return 2
            return 1 if set_aside(score) else 0

        ordered = sorted(scores, key=lambda s: (group(s), -s.probability))
        self.finding_ids = [score.finding_id for score in ordered]
        self.table.setRowCount(len(ordered))
        for row, score in enumerate(ordered):
            finding = knowledge_base.get(score.finding_id)
            tooltip = (
                f"<b>{score.label}</b><br>{finding.definition if finding else ''}<br>"
                f"{score.measure} {score.probability:.2f}, present at ≥ {score.threshold:.2f}"
                + (
                    f"<br>The {score.measure}: {measure_words(score.measure, score.parts)}."
                    + (f" Here, {places_words(score.parts)}." if score.parts else "")
                    if score.measure != PROBABILITY
                    else ""
                )
                + (
                    "<br>Not assessed: the recording shows no such procedure, so the draft "
                    "neither states nor denies it."
                    if score.finding_id in unassessed
                    else ""
                )
                + (
                    (
                        "<br>Over its threshold, but not stated in the draft: "
                        if score.present
                        else "<br>Neither stated nor denied in the draft: "
                    )
                    + html.escape(held[score.finding_id])
                    + "."
                    if score.finding_id in held
                    else "<br>Over its threshold, but not stated in the draft (see the notice)."
                    if set_aside(score) and score.finding_id not in unassessed
                    else ""
                )
                + "<br><i>Click to show its top segment.</i>"
            )
            called = score.present and not set_aside(score)
            name = QTableWidgetItem(score.label)
            name.setToolTip(tooltip)
            font = name.font()
            font.setBold(called)
            font.setItalic(set_aside(score))
            name.setFont(font)
            bar = QTableWidgetItem()
            bar.setData(Qt.ItemDataRole.UserRole, (score.probability, score.threshold, called))
            bar.setToolTip(tooltip)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, bar)
        self.notice.setText(notice or "")
        self.notice.setVisible(bool(notice))

    def click_finding(self, finding_id: str) -> None:
        """Act as if the row of ``finding_id`` was clicked."""
        self._clicked(self.finding_ids.index(finding_id), 0)

    def _clicked(self, row: int, _column: int) -> None:
        self.table.selectRow(row)
        self.finding_clicked.emit(self.finding_ids[row])
