"""Measurement on the traces: two cursors and a selection box, and the dock that reads them.

:class:`MeasureTools` draws on a :class:`~elm_desktop.gui.trace_view.TraceView`: in cursor mode
(key C) a click places cursor 1, the next cursor 2, later clicks move the nearer one, and either
line can be dragged; a Shift+drag draws a selection box. What they measure is computed by
:mod:`elm_desktop.signals.measure` from the traces as drawn (display-filtered microvolts) and
shown in a :class:`MeasurePanel`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGraphicsRectItem,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.gui.trace_view import TraceView
from elm_desktop.signals.measure import (
    CursorReading,
    SelectionStats,
    cursor_reading,
    selection_stats,
)

CURSOR_COLOUR = "#d02020"
HINT = (
    "C: cursor mode (click to place cursor 1, then 2; drag a cursor to move it). "
    "Shift+drag: a box measuring each trace."
)


def _figure(value: float, unit: str, digits: int = 1) -> str:
    return "–" if not np.isfinite(value) else f"{value:.{digits}f} {unit}"


class MeasurePanel(QWidget):
    """The cursors' read-out and the selection box's table (trace, dominant Hz, peak-to-peak)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.readout = QLabel(HINT)
        self.readout.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Trace", "Dominant", "Peak-to-peak"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.box_label = QLabel("")
        layout = QVBoxLayout(self)
        layout.addWidget(self.readout)
        layout.addWidget(self.box_label)
        layout.addWidget(self.table, 1)

    def show_reading(self, reading: CursorReading | None) -> None:
        """Show what the cursors read (None: the hint)."""
        if reading is None:
            self.readout.setText(HINT)
            return
        first, second = reading.clock
        self.readout.setText(
            f"Cursor 1 {first} · cursor 2 {second}\n"
            f"Δt {reading.dt_s:.3f} s ({_figure(reading.frequency_hz, 'Hz', 2)}) · "
            f"ΔA {reading.amplitude_difference_uv:.1f} µV on {reading.channel}"
        )

    def show_stats(self, stats: SelectionStats | None) -> None:
        """Fill the table from a selection box (None: empty it)."""
        if stats is None:
            self.box_label.setText("")
            self.table.setRowCount(0)
            return
        self.box_label.setText(
            f"Box {stats.start_s:.2f}–{stats.stop_s:.2f} s ({stats.stop_s - stats.start_s:.2f} s)"
        )
        self.table.setRowCount(len(stats.channels))
        for row, (label, hz, uv) in enumerate(
            zip(stats.channels, stats.dominant_hz, stats.peak_to_peak_uv, strict=True)
        ):
            for column, text in enumerate((label, _figure(hz, "Hz", 2), _figure(uv, "µV"))):
                self.table.setItem(row, column, QTableWidgetItem(text))


class MeasureTools(QObject):
    """Two cursors and a selection box on a trace view.

    Parameters
    ----------
    view : TraceView
    start_time : callable
        Returns the open recording's start (for clock times), or None.

    Signals
    -------
    reading_changed(object)
        The cursors' :class:`CursorReading`, or None when they are not both placed.
    stats_changed(object)
        The selection box's :class:`SelectionStats`, or None.
    """

    reading_changed = Signal(object)
    stats_changed = Signal(object)

    def __init__(self, view: TraceView, start_time: Callable[[], dt.datetime | None]) -> None:
        super().__init__(view)
        self.view = view
        self.start_time = start_time
        self.cursor_mode = False
        self.row = 0
        self.placed = 0
        self.reading: CursorReading | None = None
        self.stats: SelectionStats | None = None
        self.box: tuple[float, float, int, int] | None = None
        self.cursors = [
            pg.InfiniteLine(
                angle=90,
                movable=True,
                pen=pg.mkPen(CURSOR_COLOUR, width=1),
                label=str(number),
                labelOpts={"position": 0.02, "color": CURSOR_COLOUR},
            )
            for number in (1, 2)
        ]
        for line in self.cursors:
            line.setZValue(60)
            line.setVisible(False)
            line.sigPositionChanged.connect(self._update_reading)
            view.view_box.addItem(line, ignoreBounds=True)
        self.box_item = QGraphicsRectItem()
        self.box_item.setPen(pg.mkPen(CURSOR_COLOUR, width=0, style=Qt.PenStyle.DashLine))
        self.box_item.setZValue(60)
        self.box_item.setVisible(False)
        view.view_box.addItem(self.box_item, ignoreBounds=True)
        view.clicked.connect(self._clicked)
        view.box_dragged.connect(self._box_dragged)
        view.layout_changed.connect(self.refresh)

    # ---- cursors -----------------------------------------------------------------------------

    def set_cursor_mode(self, on: bool) -> None:
        """Let clicks place the cursors (or not)."""
        self.cursor_mode = bool(on)

    def _clicked(self, time_s: float, row: int) -> None:
        if self.cursor_mode and row >= 0:
            self.place_cursor(time_s, row)

    def place_cursor(self, time_s: float, row: int) -> None:
        """Place cursor 1, then cursor 2, then move the nearer one; read trace ``row``."""
        self.row = row
        if self.placed < 2:
            line = self.cursors[self.placed]
            self.placed += 1
        else:
            line = min(self.cursors, key=lambda c: abs(c.value() - time_s))
        line.setVisible(True)
        line.setValue(time_s)
        self._update_reading()

    def set_cursors(self, first_s: float, second_s: float, row: int) -> CursorReading | None:
        """Place both cursors on trace ``row`` and return what they read."""
        self.row = row
        self.placed = 2
        for line, value in zip(self.cursors, (first_s, second_s), strict=True):
            line.blockSignals(True)
            line.setValue(value)
            line.blockSignals(False)
            line.setVisible(True)
        self._update_reading()
        return self.reading

    def _update_reading(self, *_args) -> None:
        reading = None
        if (
            self.placed == 2
            and self.view.recording is not None
            and self.row < len(self.view.labels)
        ):
            first, second = (float(line.value()) for line in self.cursors)
            times, data = self.view.displayed(min(first, second), max(first, second))
            try:
                reading = cursor_reading(
                    times,
                    data[self.row],
                    first,
                    second,
                    self.view.labels[self.row],
                    self.start_time(),
                )
            except ValueError:  # a cursor off the page: keep the last reading
                return
        self.reading = reading
        self.reading_changed.emit(reading)

    # ---- selection box -----------------------------------------------------------------------

    def _box_dragged(self, rect: QRectF, finished: bool) -> None:
        self.box_item.setRect(rect)
        self.box_item.setVisible(True)
        if finished:
            top, bottom = self.view.row_at(rect.top()), self.view.row_at(rect.bottom())
            self.select_box(rect.left(), rect.right(), top, bottom)

    def select_box(
        self, start_s: float, stop_s: float, first_row: int, last_row: int
    ) -> SelectionStats | None:
        """Measure traces ``first_row``..``last_row`` between two times; return the stats."""
        if self.view.recording is None or first_row < 0:
            return None
        first_row, last_row = sorted((first_row, last_row))
        self.box = (start_s, stop_s, first_row, last_row)
        times, data = self.view.displayed(start_s, stop_s)
        inside = (times >= start_s - 1e-9) & (times <= stop_s + 1e-9)
        # The rows on screen between the two: rows hidden or scrolled away are not measured.
        rows = [row for row in self.view.visible_rows() if first_row <= row <= last_row]
        self.stats = (
            selection_stats(
                data[rows][:, inside],
                self.view.recording.sfreq,
                float(times[inside][0]),
                [self.view.labels[row] for row in rows],
            )
            if inside.sum() >= 2
            else None
        )
        self.stats_changed.emit(self.stats)
        return self.stats

    def refresh(self) -> None:
        """Measure again: montage, filters or page changed what is drawn, or the reviewer
        switched between time of day and elapsed time."""
        self._update_reading()
        if self.box is not None:
            self.select_box(*self.box)

    def clear(self) -> None:
        """Remove the cursors and the box (another recording, or the reviewer asked)."""
        self.placed = 0
        self.box = None
        for line in self.cursors:
            line.setVisible(False)
        self.box_item.setVisible(False)
        self.reading = None
        self.stats = None
        self.reading_changed.emit(None)
        self.stats_changed.emit(None)
