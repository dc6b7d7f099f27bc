"""The ECG view: a 12-lead ECG drawn on ECG paper as an electrocardiograph prints it.

The paper's layout (:mod:`elm_desktop.signals.ecg.paper`): three rows of four leads, each lead
showing its quarter of the page, then a lead II rhythm strip over the whole page; a 1 mV, 200 ms
calibration pulse opens every row. The paper is drawn at its true size on the screen: 1 mm minor
and 5 mm major lines, 25 or 50 mm/s, 5, 10 or 20 mm/mV, from the screen's physical DPI as the
EEG view's sensitivity is. A page is 250 mm of paper: 10 s at 25 mm/s, 5 s at 50 mm/s; the
scroll bar and the mouse wheel move it through a longer record.

Calipers: a mostly horizontal drag sets two time cursors (interval, rate), a mostly vertical
drag two level cursors (amplitude), a click one time cursor and a Shift+click one level cursor.
A cursor dropped on a wave's peak snaps to it, one dropped elsewhere stays where it fell
(:mod:`elm_desktop.signals.ecg.calipers`); with Ctrl held, no cursor snaps.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QScrollBar, QVBoxLayout, QWidget

# The trace view's plot: its mouse wheel scrolls time instead of zooming.
from elm_desktop.gui.trace_view import _PagePlot, pixels_per_mm
from elm_desktop.signals.ecg import EcgRecording
from elm_desktop.signals.ecg.calipers import CaliperReading, read_calipers, snap_time, trace_level
from elm_desktop.signals.ecg.measurements import NOT_MEASURED
from elm_desktop.signals.ecg.paper import (
    COLUMN_MM,
    GAINS_MM_MV,
    LAYOUT,
    MAJOR_COLOUR,
    MAJOR_MM,
    MINOR_COLOUR,
    MINOR_MM,
    PULSE_MV,
    PULSE_S,
    RHYTHM_LEAD,
    ROW_MM,
    SPEEDS_MM_S,
    TRACE_COLOUR,
    baseline_mm,
    left_margin_mm,
    page_seconds,
)
from elm_desktop.signals.time_labels import start_time_of_day

CURSOR_COLOUR = "#1f5fbf"
SCROLL_STEPS_PER_SECOND = 10
LEVEL_SNAP_MM = 2.0
"""A level cursor dropped this close (on paper) to a wave peak or the trace takes its level."""


class _PaperGrid(pg.GraphicsObject):
    """The 1 mm / 5 mm grid of ECG paper: its lines made once per paper size, drawn in two calls."""

    def __init__(self) -> None:
        super().__init__()
        self.rect = QRectF()
        self.lines: list[tuple[QPen, list[QLineF]]] = []
        self.setZValue(-100)

    def set_size(self, width_mm: float, height_mm: float) -> None:
        self.prepareGeometryChange()
        self.rect = QRectF(0.0, 0.0, width_mm, height_mm)
        self.lines = []
        for step, colour in ((MINOR_MM, MINOR_COLOUR), (MAJOR_MM, MAJOR_COLOUR)):
            pen = QPen(QColor(colour))
            pen.setCosmetic(True)  # one pixel wide at any scale
            across = [QLineF(x, 0.0, x, height_mm) for x in np.arange(0.0, width_mm + 1e-9, step)]
            down = [QLineF(0.0, y, width_mm, y) for y in np.arange(0.0, height_mm + 1e-9, step)]
            self.lines.append((pen, across + down))
        self.update()

    def boundingRect(self) -> QRectF:
        return self.rect

    def paint(self, painter, option, widget=None) -> None:
        for pen, lines in self.lines:  # major lines last, over the minor ones
            painter.setPen(pen)
            painter.drawLines(lines)


class _PaperViewBox(pg.ViewBox):
    """The paper's view box: clicks and drags in paper millimetres (y down)."""

    clicked = Signal(QPointF, bool, bool)
    """The point, whether Shift was held and whether Ctrl was (place exactly, no snapping)."""
    dragged = Signal(QPointF, QPointF, bool, bool)
    """Start, current point, whether the drag finished and whether Ctrl was held."""

    def mouseClickEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseClickEvent(event)
        event.accept()
        modifiers = event.modifiers()
        self.clicked.emit(
            self.mapSceneToView(event.scenePos()),
            bool(modifiers & Qt.KeyboardModifier.ShiftModifier),
            bool(modifiers & Qt.KeyboardModifier.ControlModifier),
        )

    def mouseDragEvent(self, event, axis=None) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        start = self.mapSceneToView(event.buttonDownScenePos())
        exact = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        self.dragged.emit(start, self.mapSceneToView(event.scenePos()), event.isFinish(), exact)


class EcgView(QWidget):
    """A 12-lead ECG on ECG paper with calipers.

    Signals
    -------
    start_changed(float)
        The page start (seconds) changed.
    calipers_changed(object)
        The :class:`~elm_desktop.signals.ecg.calipers.CaliperReading` of the cursors.
    """

    start_changed = Signal(float)
    calipers_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording: EcgRecording | None = None
        self.speed = 25.0
        self.gain = 10.0
        self.start_s = 0.0
        self.cursor_times: list[float] = []
        self.cursor_levels: list[tuple[int, float]] = []
        """Level cursors as (row, millivolts above that row's baseline)."""

        self.plot_widget = _PagePlot(viewBox=_PaperViewBox())
        self.plot_widget.setBackground("#ffffff")
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.hideButtons()
        for name in ("left", "bottom"):
            self.plot_item.hideAxis(name)
        self.view_box = self.plot_item.getViewBox()
        self.view_box.setMouseEnabled(x=False, y=False)
        self.view_box.setMenuEnabled(False)
        self.view_box.invertY(True)
        self.view_box.setDefaultPadding(0.0)
        self.view_box.sigResized.connect(self._fit_scale)
        self.view_box.clicked.connect(self._clicked)
        self.view_box.dragged.connect(self._dragged)
        self.plot_widget.wheel_notches.connect(
            lambda notches: self.set_start(self.start_s - notches * self.page_s / 10)
        )

        self.grid = _PaperGrid()
        self.view_box.addItem(self.grid, ignoreBounds=True)
        trace_pen = pg.mkPen(TRACE_COLOUR, width=1)
        self.panels = {
            (row, column): pg.PlotCurveItem(pen=trace_pen)
            for row in range(len(LAYOUT) + 1)
            for column in range(len(LAYOUT[0]) if row < len(LAYOUT) else 1)
        }
        """One curve per panel, (row, column); row 3 is the rhythm strip."""
        self.pulses = pg.PlotCurveItem(pen=trace_pen, connect="finite")
        self.separators = pg.PlotCurveItem(pen=trace_pen, connect="pairs")
        for item in (*self.panels.values(), self.pulses, self.separators):
            self.view_box.addItem(item, ignoreBounds=True)
        self.labels = {key: pg.TextItem(color=TRACE_COLOUR, anchor=(0, 0)) for key in self.panels}
        for label in self.labels.values():
            self.view_box.addItem(label, ignoreBounds=True)
        cursor_pen = pg.mkPen(CURSOR_COLOUR, width=1, style=Qt.PenStyle.DashLine)
        self.time_lines = [pg.InfiniteLine(angle=90, pen=cursor_pen) for _ in range(2)]
        self.level_lines = [pg.InfiniteLine(angle=0, pen=cursor_pen) for _ in range(2)]
        self.reading_text = pg.TextItem(color=CURSOR_COLOUR, anchor=(1, 0), fill="#ffffffd0")
        for item in (*self.time_lines, *self.level_lines, self.reading_text):
            item.setZValue(50)
            item.setVisible(False)
            self.view_box.addItem(item, ignoreBounds=True)

        self.speed_box = self._combo(
            "Paper speed", [(f"{s:g} mm/s", s) for s in SPEEDS_MM_S], self.set_speed
        )
        self.gain_box = self._combo(
            "Gain", [(f"{g:g} mm/mV", g) for g in GAINS_MM_MV], self.set_gain
        )
        self._select(self.speed_box, self.speed)
        self._select(self.gain_box, self.gain)
        self.info_label = QLabel("")
        self.info_label.setWordWrap(True)  # a long warning wraps instead of widening the window
        self.reading_label = QLabel("")
        self.reading_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 2, 6, 2)
        for text, widget in (("Speed", self.speed_box), ("  Gain", self.gain_box)):
            controls.addWidget(QLabel(text))
            controls.addWidget(widget)
        controls.addSpacing(12)
        controls.addWidget(self.info_label, 1)
        controls.addWidget(self.reading_label)
        self.scroll_bar = QScrollBar(Qt.Orientation.Horizontal)
        self.scroll_bar.valueChanged.connect(
            lambda value: self.set_start(value / SCROLL_STEPS_PER_SECOND)
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(controls)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.scroll_bar)
        self._layout_paper()

    def _combo(self, tooltip: str, items: list[tuple[str, float]], on_change) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip(tooltip)
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(lambda _index: on_change(combo.currentData()))
        return combo

    # ---- what is shown -------------------------------------------------------------------

    def set_recording(self, recording: EcgRecording | None) -> None:
        """Show ``recording`` from its start; None shows blank paper."""
        self.recording = recording
        self.start_s = 0.0
        self.clear_calipers()
        self._update_scroll_range()
        description = self._describe(recording)
        self.info_label.setText(description)
        self.info_label.setToolTip(description)
        self._draw()

    def set_speed(self, mm_per_s: float) -> None:
        """Draw at ``mm_per_s`` millimetres of paper per second (25 or 50)."""
        self.speed = float(mm_per_s)
        self._select(self.speed_box, self.speed)
        self._layout_paper()
        self._update_scroll_range()
        self.set_start(self.start_s, force=True)
        self._show_calipers()

    def set_gain(self, mm_per_mv: float) -> None:
        """Draw at ``mm_per_mv`` millimetres per millivolt (5, 10 or 20)."""
        self.gain = float(mm_per_mv)
        self._select(self.gain_box, self.gain)
        self._draw()
        self._show_calipers()

    @staticmethod
    def _select(combo: QComboBox, value: float) -> None:
        index = combo.findData(value)
        if index != combo.currentIndex():
            combo.blockSignals(True)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)

    @staticmethod
    def _describe(recording: EcgRecording | None) -> str:
        if recording is None:
            return ""
        text = (
            f"{recording.path.name}   {recording.source_format}   {recording.duration:g} s at "
            f"{recording.sfreq:g} Hz"
        )
        if (clock := start_time_of_day(recording.start)) is not None:
            text += f"   acquired at {clock} (time of day)"  # serial ECGs are told apart by it
        spans = page_seconds(SPEEDS_MM_S[0])
        if recording.duration < spans:  # the later columns' leads have nothing to draw
            text += (
                f"   shorter than the {spans:g} s the 3 x 4 layout spans: leads after "
                f"{recording.duration:g} s are blank"
            )
        if recording.warnings:
            text += "   warning: " + "; ".join(recording.warnings)
        measured = recording.measurements
        text += "\nMedian beat: " + (measured.summary() if measured is not None else NOT_MEASURED)
        return text

    # ---- where -----------------------------------------------------------------------------

    @property
    def page_s(self) -> float:
        """Seconds of the record on one page."""
        return page_seconds(self.speed)

    @property
    def margin_mm(self) -> float:
        return float(left_margin_mm(self.speed))

    @property
    def paper_size_mm(self) -> tuple[float, float]:
        """Width and height of the paper drawn."""
        return self.margin_mm + 4 * COLUMN_MM + MAJOR_MM, (len(LAYOUT) + 1) * ROW_MM

    def last_start(self) -> float:
        """Return the start of the last full page."""
        duration = self.recording.duration if self.recording is not None else 0.0
        return max(0.0, duration - self.page_s)

    def set_start(self, start_s: float, force: bool = False) -> None:
        """Show the page that starts at ``start_s`` (clamped to the record)."""
        start_s = min(max(0.0, float(start_s)), self.last_start())
        if not force and abs(start_s - self.start_s) < 1e-9:
            return
        self.start_s = start_s
        self._draw()
        self._show_calipers()
        self.scroll_bar.blockSignals(True)
        self.scroll_bar.setValue(int(round(start_s * SCROLL_STEPS_PER_SECOND)))
        self.scroll_bar.blockSignals(False)
        self.start_changed.emit(start_s)

    def x_of(self, time_s: float) -> float:
        """Return the paper x (mm) of a time of the record: the same for every row."""
        return self.margin_mm + (time_s - self.start_s) * self.speed

    def time_of(self, x_mm: float) -> float:
        """Return the time of the record (seconds) at paper x ``x_mm``."""
        return self.start_s + (x_mm - self.margin_mm) / self.speed

    def baseline_mm(self, row: int) -> float:
        """Return the paper y (mm, down) of a row's 0 mV line."""
        return baseline_mm(row)

    def lead_at(self, x_mm: float, y_mm: float) -> tuple[int, str]:
        """Return the row and the lead drawn at a paper point."""
        row = int(np.clip(y_mm // ROW_MM, 0, len(LAYOUT)))
        if row == len(LAYOUT):
            return row, RHYTHM_LEAD
        column = int(np.clip((x_mm - self.margin_mm) // COLUMN_MM, 0, len(LAYOUT[0]) - 1))
        return row, LAYOUT[row][column]

    def panel_labels(self) -> dict[tuple[int, int], str]:
        """Return the label shown on every panel, by (row, column)."""
        return {key: label.textItem.toPlainText() for key, label in self.labels.items()}

    # ---- calipers --------------------------------------------------------------------------

    def reading(self) -> CaliperReading:
        """Return what the cursors placed measure."""
        times = tuple(self.cursor_times) if len(self.cursor_times) == 2 else None
        levels = (
            tuple(self._level_mm(cursor) / -self.gain for cursor in self.cursor_levels)
            if len(self.cursor_levels) == 2
            else None
        )
        return read_calipers(times, levels)

    def clear_calipers(self) -> None:
        """Remove every cursor."""
        self.cursor_times, self.cursor_levels = [], []
        self._show_calipers()

    def place_time_cursor(self, x_mm: float, y_mm: float, snap: bool = True) -> float:
        """Drop a time cursor at a paper point (the second of a pair, or a new pair's first).

        Returns its time, snapped to a wave peak of the lead under it when ``snap``.
        """
        time_s = self._snapped_time(x_mm, y_mm) if snap else self.time_of(x_mm)
        self.cursor_times = (
            [*self.cursor_times[-1:], time_s] if len(self.cursor_times) == 1 else [time_s]
        )
        self._show_calipers()
        return time_s

    def place_level_cursor(self, x_mm: float, y_mm: float, snap: bool = True) -> float:
        """Drop a level cursor at a paper point (the second of a pair, or a new pair's first).

        Returns its level in millivolts above the baseline of the row under it: when ``snap``
        and the pointer is within :data:`LEVEL_SNAP_MM` of a wave peak, the peak's level, else
        within that distance of the trace, the trace's level there.
        """
        row, _lead = self.lead_at(x_mm, y_mm)
        level = (self.baseline_mm(row) - y_mm) / self.gain
        on_trace = self._trace_level(x_mm, y_mm) if snap else None
        cursor = (row, level if on_trace is None else on_trace)
        self.cursor_levels = (
            [*self.cursor_levels, cursor] if len(self.cursor_levels) == 1 else [cursor]
        )
        self._show_calipers()
        return cursor[1]

    def _snapped_time(self, x_mm: float, y_mm: float) -> float:
        time_s = self.time_of(x_mm)
        if self.recording is None:
            return time_s
        row, lead = self.lead_at(x_mm, y_mm)
        level = (self.baseline_mm(row) - y_mm) / self.gain
        return snap_time(
            self.recording.lead(lead), self.recording.sfreq, time_s, level, self.speed, self.gain
        )

    def _trace_level(self, x_mm: float, y_mm: float) -> float | None:
        """Return the level (mV) of the wave peak, else of the trace, within
        :data:`LEVEL_SNAP_MM` of a paper point; None when the trace is further."""
        if self.recording is None:
            return None
        row, lead = self.lead_at(x_mm, y_mm)
        signal, sfreq = self.recording.lead(lead), self.recording.sfreq
        level = (self.baseline_mm(row) - y_mm) / self.gain
        for time_s in (self._snapped_time(x_mm, y_mm), self.time_of(x_mm)):
            on_trace = trace_level(signal, sfreq, time_s)
            if np.hypot(self.x_of(time_s) - x_mm, (on_trace - level) * self.gain) <= LEVEL_SNAP_MM:
                return on_trace
        return None

    def _level_mm(self, cursor: tuple[int, float]) -> float:
        row, level = cursor
        return self.baseline_mm(row) - level * self.gain

    def _clicked(self, point: QPointF, shifted: bool, exact: bool) -> None:
        place = self.place_level_cursor if shifted else self.place_time_cursor
        place(point.x(), point.y(), snap=not exact)

    def _dragged(self, start: QPointF, end: QPointF, finished: bool, exact: bool) -> None:
        """A mostly horizontal drag spans two time cursors, a mostly vertical one two levels;
        the cursors follow the pointer unsnapped and snap when the drag ends (unless exact)."""
        horizontal = abs(end.x() - start.x()) >= abs(end.y() - start.y())
        place = self.place_time_cursor if horizontal else self.place_level_cursor
        if horizontal:
            self.cursor_times = []
        else:
            self.cursor_levels = []
        for point in (start, end):
            place(point.x(), point.y(), snap=finished and not exact)

    def _show_calipers(self) -> None:
        for line, time_s in zip(self.time_lines, self.cursor_times, strict=False):
            line.setPos(self.x_of(time_s))
        for line, cursor in zip(self.level_lines, self.cursor_levels, strict=False):
            line.setPos(self._level_mm(cursor))
        for lines, placed in (
            (self.time_lines, self.cursor_times),
            (self.level_lines, self.cursor_levels),
        ):
            for index, line in enumerate(lines):
                line.setVisible(index < len(placed))
        reading = self.reading()
        text = reading.describe()
        self.reading_label.setText(text)
        self.reading_text.setText(text)
        self.reading_text.setVisible(bool(text))
        self.reading_text.setPos(self.paper_size_mm[0], 0.0)
        self.calipers_changed.emit(reading)

    # ---- drawing ---------------------------------------------------------------------------

    def _update_scroll_range(self) -> None:
        self.scroll_bar.setRange(0, int(round(self.last_start() * SCROLL_STEPS_PER_SECOND)))
        self.scroll_bar.setPageStep(int(round(self.page_s * SCROLL_STEPS_PER_SECOND)))
        self.scroll_bar.setSingleStep(SCROLL_STEPS_PER_SECOND)

    def _fit_scale(self) -> None:
        """Show the paper from its top left corner at the screen's true millimetres."""
        per_mm = pixels_per_mm(self)
        width_mm = max(self.view_box.width(), 1.0) / per_mm
        height_mm = max(self.view_box.height(), 1.0) / per_mm
        self.view_box.setRange(xRange=(0.0, width_mm), yRange=(0.0, height_mm), padding=0.0)
        self.view_box.updateMatrix()

    def _layout_paper(self) -> None:
        """Place the grid, calibration pulses and separators for the current speed."""
        width, height = self.paper_size_mm
        self.grid.set_size(width, height)
        self.reading_text.setPos(width, 0.0)
        self._fit_scale()
        self._draw()

    def _draw(self) -> None:
        """Draw the page: pulses, separators, labels and the traces of every panel."""
        self._draw_frame()
        recording = self.recording
        for (row, column), curve in self.panels.items():
            lead = RHYTHM_LEAD if row == len(LAYOUT) else LAYOUT[row][column]
            self.labels[(row, column)].setText(lead if recording is not None else "")
            if recording is None:
                curve.setData([], [])
                continue
            span = self.page_s if row == len(LAYOUT) else self.page_s / 4
            first_s = self.start_s + column * span
            first = int(round(first_s * recording.sfreq))
            last = min(int(round((first_s + span) * recording.sfreq)) + 1, recording.n_samples)
            samples = recording.lead(lead)[first:last]
            times = np.arange(first, first + len(samples)) / recording.sfreq
            curve.setData(
                self.x_of(times), self.baseline_mm(row) - samples * self.gain, skipFiniteCheck=True
            )

    def _draw_frame(self) -> None:
        x0 = self.margin_mm
        pulse_x = [1.0, 3.0, 3.0, 3.0 + PULSE_S * self.speed, 3.0 + PULSE_S * self.speed]
        pulse_x += [x0 - 1.0, np.nan]
        xs, ys, ticks_x, ticks_y = [], [], [], []
        for row in range(len(LAYOUT) + 1):
            base = self.baseline_mm(row)
            top = base - PULSE_MV * self.gain
            xs += pulse_x
            ys += [base, base, top, top, base, base, np.nan]
            label_y = row * ROW_MM + 1.0
            columns = 1 if row == len(LAYOUT) else len(LAYOUT[0])
            for column in range(columns):
                self.labels[(row, column)].setPos(x0 + column * COLUMN_MM + 1.0, label_y)
            for column in range(1, columns):  # a short tick where one lead gives way to the next
                x = x0 + column * COLUMN_MM
                ticks_x += [x, x]
                ticks_y += [base - 3.0, base + 3.0]
        if self.recording is None:
            xs = ys = ticks_x = ticks_y = []
        self.pulses.setData(np.asarray(xs, float), np.asarray(ys, float))
        self.separators.setData(np.asarray(ticks_x, float), np.asarray(ticks_y, float))
