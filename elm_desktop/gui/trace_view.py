"""The trace view: one page of a recording drawn as a clinical EEG review program draws it.

Derivations are stacked top to bottom in montage order, negative up, at a sensitivity in
microvolts per millimetre of the physical screen, each in its montage colour, gain and polarity.
A high-density montage shows a screenful of rows at a time with a vertical scroll bar; rows the
montage or the channel selection hides take no room. Only the visible page plus a margin on each
side is read (and display-filtered) from the recording; paging within that block only re-slices
it, and the block the next step in the same direction will need is read ahead on a reader thread.
Polygraphic channels (EKG, EOG, EMG, photic; :mod:`elm_desktop.signals.polygraphy`) are drawn
under the EEG rows, each at its own kind's sensitivity, in every montage, and stay there while
the EEG rows scroll.
"""

from __future__ import annotations

import math
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath, QPen, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QHBoxLayout, QScrollBar, QVBoxLayout, QWidget

from elm_desktop.gui.event_marks import EventLayer
from elm_desktop.gui.markers import IntervalLayer
from elm_desktop.gui.palette import LIGHT, PlotColours
from elm_desktop.signals.derivations import Derivation
from elm_desktop.signals.display import DisplayFilter, read_page
from elm_desktop.signals.montages import get_montage
from elm_desktop.signals.polygraphy import (
    PolyChannel,
    polygraphic_channels,
    read_polygraphy,
    row_label,
)
from elm_desktop.signals.time_labels import TimeLabels, elapsed

PAGE_LENGTHS_S = (5.0, 10.0, 15.0, 20.0, 30.0)
SENSITIVITIES_UV_MM = (1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 70.0, 100.0, 200.0)
LABEL_LANE_MM = 5.0
"""Height of the lane above the traces where annotation labels sit."""
SCROLL_STEPS_PER_SECOND = 10
ROWS_PER_SCREEN = (0, 8, 12, 16, 20, 24, 32, 48)
"""Rows a screen shows at most; 0 shows every row."""
_OFF_SCREEN_MM = -1e6  # where rows not on screen "are", so their channel events are not drawn
_MARKER_HEIGHT = 0.6  # a marker trace's pulse, as a fraction of the row height
_POLY_REACH_ROWS = 2.5  # a polygraphic trace is clipped this many rows from its baseline
_RIGHT_ELECTRODE = re.compile(r"^[A-Za-z]+[0-9]*[02468]$")


def pixels_per_mm(widget: QWidget) -> float:
    """Return the screen's pixels per physical millimetre (logical DPI if physical is implausible)."""
    screen = widget.screen()
    dpi = screen.physicalDotsPerInchY() if screen is not None else 96.0
    if not 50.0 <= dpi <= 600.0:
        dpi = screen.logicalDotsPerInchY() if screen is not None else 96.0
    return dpi / 25.4


def scale_bar_microvolts(sensitivity_uv_mm: float) -> float:
    """Return a round amplitude (1, 2 or 5 times a power of ten) about 1 cm tall on screen."""
    target = sensitivity_uv_mm * 10.0
    exponent = math.floor(math.log10(target))
    for step in (5.0, 2.0, 1.0):
        value = step * 10.0**exponent
        if value <= target:
            return value
    return 10.0**exponent


def poly_tick_label(channel: PolyChannel) -> str:
    """The label of a polygraphic row with its own scale, e.g. ``"EKG 100 µV/mm"``."""
    scale = "" if channel.display.marker else f" {channel.display.uv_per_mm:g} µV/mm"
    return row_label(channel) + scale


def is_right_hemisphere(label: str) -> bool:
    """Say whether a derivation touches only right-hemisphere or midline electrodes, one right."""
    electrodes = [part.strip() for part in label.split("-") if part.strip()]
    return any(_RIGHT_ELECTRODE.match(name) for name in electrodes) and not any(
        re.match(r"^[A-Za-z]+[0-9]*[13579]$", name) for name in electrodes
    )


def chain_groups(labels: list[str]) -> list[int]:
    """Number the bipolar chains: a new chain starts where a derivation does not continue the last.

    Returns one group index per derivation; montages that are not chains get one group.
    """
    groups = [0]
    for previous, current in zip(labels, labels[1:], strict=False):
        joined = previous.split("-")[-1].lower() == current.split("-")[0].lower()
        groups.append(groups[-1] + (0 if joined else 1))
    return groups if groups[-1] < len(labels) // 2 else [0] * len(labels)


class _TraceViewBox(pg.ViewBox):
    """The page's view box: a click gives its place, a Shift+drag draws a selection box.

    Signals carry view coordinates: seconds across, millimetres from the top down.
    """

    clicked = Signal(float, float)
    box_dragged = Signal(QRectF, bool)
    """The box so far and whether the drag finished."""

    def mouseClickEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseClickEvent(event)
        event.accept()
        point = self.mapSceneToView(event.scenePos())
        self.clicked.emit(point.x(), point.y())

    def mouseDragEvent(self, event, axis=None) -> None:
        shifted = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if event.button() != Qt.MouseButton.LeftButton or not shifted:
            event.ignore()
            return
        event.accept()
        start = self.mapSceneToView(event.buttonDownScenePos())
        end = self.mapSceneToView(event.scenePos())
        self.box_dragged.emit(QRectF(start, end).normalized(), bool(event.isFinish()))


class _PagePlot(pg.PlotWidget):
    """A plot whose mouse wheel scrolls time instead of zooming; with Shift, the rows."""

    wheel_notches = Signal(float)
    row_notches = Signal(float)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        notches = (delta.y() or delta.x()) / 120  # some platforms turn Shift+wheel sideways
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.row_notches.emit(notches)
        else:
            self.wheel_notches.emit(notches)
        event.accept()


class _TraceStack(pg.GraphicsObject):
    """Every trace of the page in one item: one paint call, not one per derivation.

    Its bounds are the page, known in advance; pyqtgraph's curves would scan every sample for
    their extent on every repaint.
    """

    def __init__(self) -> None:
        super().__init__()
        self.page_rect = QRectF()
        self.times = np.empty(0)
        self.rows = np.empty((0, 0))
        self.pens: list[QPen] = []
        self._paths: list[QPainterPath | None] = []

    def set_page_rect(self, rect: QRectF) -> None:
        if rect != self.page_rect:
            self.prepareGeometryChange()
            self.page_rect = rect

    def set_traces(self, times: np.ndarray, rows: np.ndarray, shown: np.ndarray) -> None:
        """Draw ``rows`` [traces, samples] against ``times``; rows not ``shown`` stay blank."""
        self.times, self.rows = times, rows
        self._paths = [
            pg.arrayToQPath(times, row) if visible else None
            for row, visible in zip(rows, shown, strict=True)
        ]
        self.update()

    def set_pens(self, pens: list[QPen]) -> None:
        self.pens = pens
        self.update()

    def boundingRect(self) -> QRectF:
        return self.page_rect

    def paint(self, painter, option, widget=None) -> None:
        for path, pen in zip(self._paths, self.pens, strict=False):
            if path is not None:
                painter.setPen(pen)
                painter.drawPath(path)


def clock(seconds: float) -> str:
    """Format seconds from the start of the recording as elapsed h:mm:ss."""
    return elapsed(seconds)


class ClockAxis(pg.AxisItem):
    """Time axis labelled as the reviewer chose (:attr:`time_labels`): the time of day from the
    recording's start, ticks on round times of day, or elapsed h:mm:ss from the first sample."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        # Otherwise every page step re-typesets the (hidden) axis label to pick an SI prefix.
        self.enableAutoSIPrefix(False)
        self.time_labels = TimeLabels()

    def set_time_labels(self, labels: TimeLabels) -> None:
        """Label the ticks with ``labels`` (time of day or elapsed)."""
        if labels != self.time_labels:
            self.time_labels = labels
            self.picture = None  # pyqtgraph's cached drawing of the ticks
            self.update()

    def tickValues(self, minVal, maxVal, size):
        # Ticks fall on round times of the clock shown: shift to it, pick, shift back.
        origin = self.time_labels.origin_s
        levels = super().tickValues(minVal + origin, maxVal + origin, size)
        # Whole seconds only: h:mm:ss would label finer ticks with repeated times.
        return [
            (spacing, [tick - origin for tick in ticks])
            for spacing, ticks in levels
            if spacing >= 1
        ]

    def tickStrings(self, values, scale, spacing):
        return [self.time_labels(value) for value in values]


@dataclass
class _Block:
    """The page plus margins read from the recording, in microvolts."""

    start_s: float
    stop_s: float
    sfreq: float
    data: np.ndarray
    available: np.ndarray
    labels: list[str]
    poly: np.ndarray | None = None
    """Polygraphic rows over the same samples (microvolts, markers 0 / 1), or None."""

    def holds(self, start_s: float, stop_s: float) -> bool:
        return self.start_s <= start_s and stop_s <= self.stop_s + 1e-9


def _read_block(
    recording, montage, display_filter, start_s: float, page_s: float, poly=()
) -> _Block:
    """Read the page at ``start_s`` plus a page each side (runs on the reader thread), with the
    polygraphic channels ``poly`` when any."""
    first = max(0.0, start_s - page_s)
    last = min(float(recording.duration), start_s + 2 * page_s)
    page = read_page(recording, first, last - first, montage, display_filter)
    labels = [
        label if available else f"{label} (absent)"
        for label, available in zip(page.labels, page.available, strict=True)
    ]
    rows = (
        read_polygraphy(recording, first, last - first, poly, display_filter).data if poly else None
    )
    return _Block(
        page.start_s, last, float(page.sfreq), np.asarray(page.data), page.available, labels, rows
    )


class TraceView(QWidget):
    """Scrollable multichannel trace display of one recording.

    Signals
    -------
    start_changed(float)
        The page start (seconds) changed.
    layout_changed()
        Montage, page length, sensitivity or filters changed.
    clicked(float, int)
        A click on the traces: its time (seconds) and the trace row under it.
    box_dragged(QRectF, bool)
        A Shift+drag: the box in seconds and millimetres, and whether it finished.
    """

    start_changed = Signal(float)
    layout_changed = Signal()
    clicked = Signal(float, int)
    box_dragged = Signal(QRectF, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording = None
        self.montage_name = "tcp-elm"
        self.montage = None
        self.labels: list[str] = []
        self.derivations: tuple[Derivation, ...] = ()
        """The montage's derivations for this recording, one per label (colour, gain, ...)."""
        self.rows_per_screen = 32
        self.first_row = 0
        """Index into :meth:`shown_rows` of the top row on screen."""
        self.deselected: dict[str, frozenset[str]] = {}
        """Per montage name, the labels the reviewer's channel selection leaves out."""
        self._visible_rows = np.empty(0, dtype=int)
        self.page_s = 10.0
        self.sensitivity = 7.0
        self.display_filter = DisplayFilter(lff=1.0, hff=70.0, notch=None)
        self.start_s = 0.0
        self.colours = LIGHT
        self._block: _Block | None = None
        # One reader thread, so reads of the recording never overlap; the UI thread waits on it
        # only when the block it needs was not read ahead.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-reader")
        self._read_ahead: tuple[float, Future] | None = None  # (page start, its read)
        self._offsets_mm = np.empty(0)
        self._height_mm = 100.0
        self._label_every_s = 0.0
        self.show_polygraphy = True
        """Whether the polygraphic channels are drawn under the EEG (View > polygraphy)."""
        self.poly_channels: tuple[PolyChannel, ...] = ()
        """The recording's polygraphic channels (drawn only while :attr:`show_polygraphy`)."""
        self._poly_offsets_mm = np.empty(0)
        self._poly_row_mm = 0.0

        self.axis = ClockAxis(orientation="bottom")
        self.plot_widget = _PagePlot(axisItems={"bottom": self.axis}, viewBox=_TraceViewBox())
        # The whole page changes on every step: skip Qt's search for the region that changed.
        self.plot_widget.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.plot_item = self.plot_widget.getPlotItem()
        self.view_box = self.plot_item.getViewBox()
        self.view_box.setMouseEnabled(x=False, y=False)
        self.view_box.setMenuEnabled(False)
        self.view_box.invertY(True)
        self.view_box.setDefaultPadding(0.0)
        self.plot_item.hideButtons()
        self.plot_item.getAxis("left").setStyle(tickLength=0)
        for name in ("left", "top", "right"):  # the bottom one is a ClockAxis
            self.plot_item.getAxis(name).enableAutoSIPrefix(False)
        self.plot_widget.wheel_notches.connect(
            lambda notches: self.set_start(self.start_s - notches * self.page_s / 10)
        )
        # Three rows a notch, as a list scrolls; down the montage when the wheel turns back.
        self.plot_widget.row_notches.connect(
            lambda notches: self.scroll_rows(-3 * int(math.copysign(1, notches)) if notches else 0)
        )
        self.view_box.sigResized.connect(self._relayout)
        self.view_box.clicked.connect(lambda x, y: self.clicked.emit(x, self.row_at(y)))
        self.view_box.box_dragged.connect(self.box_dragged)

        self.traces = _TraceStack()
        self.view_box.addItem(self.traces, ignoreBounds=True)
        self.annotation_layer = IntervalLayer(LIGHT.annotation, 60, z=-20)
        self.highlight_layer = IntervalLayer(LIGHT.highlight, 90, z=-30)
        self.event_layer = EventLayer(LIGHT.event, 70, z=-10)
        for layer in (self.annotation_layer, self.highlight_layer, self.event_layer):
            self.view_box.addItem(layer, ignoreBounds=True)
        self.second_lines = pg.PlotCurveItem(connect="pairs")
        self.second_lines.setZValue(-40)
        self.view_box.addItem(self.second_lines, ignoreBounds=True)
        self.scale_bar = pg.PlotCurveItem()
        # Bottom right of the label at the corner: it never covers either arm of the bar.
        self.scale_bar_text = pg.TextItem(anchor=(1, 1))
        for item in (self.scale_bar, self.scale_bar_text):
            item.setZValue(50)
            self.view_box.addItem(item, ignoreBounds=True)

        self.scroll_bar = QScrollBar(Qt.Orientation.Horizontal)
        self.scroll_bar.valueChanged.connect(
            lambda value: self.set_start(value / SCROLL_STEPS_PER_SECOND)
        )
        self.row_scroll_bar = QScrollBar(Qt.Orientation.Vertical)
        self.row_scroll_bar.setVisible(False)
        self.row_scroll_bar.valueChanged.connect(self.set_first_row)
        plot_row = QHBoxLayout()
        plot_row.setContentsMargins(0, 0, 0, 0)
        plot_row.setSpacing(0)
        plot_row.addWidget(self.plot_widget)
        plot_row.addWidget(self.row_scroll_bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(plot_row)
        layout.addWidget(self.scroll_bar)
        self.apply_colours(LIGHT)

    # ---- what is shown -------------------------------------------------------------------

    def set_recording(self, recording, start_s: float = 0.0) -> None:
        """Show ``recording`` (an opened :mod:`elm_desktop.signals` recording) from ``start_s``."""
        self.recording = recording
        self.poly_channels = polygraphic_channels(recording)
        if self.montage is None or self.montage.name != self.montage_name:
            self.montage = get_montage(self.montage_name)
        self.labels, self.derivations = [], self.montage.derivations(recording.electrodes)
        self.first_row = 0
        self._forget_blocks()
        self._update_scroll_range()
        self._set_annotations()
        self.event_layer.set_events([], [], [], [])  # the last recording's are not this one's
        self._relayout()
        self.set_start(start_s, force=True)

    def clear(self) -> None:
        """Show no recording: the window shows another modality's, or none could be read."""
        self.recording = None
        self.poly_channels = ()
        self.labels, self.derivations = [], ()
        self._visible_rows = np.empty(0, dtype=int)
        self._offsets_mm = self._poly_offsets_mm = np.empty(0)
        self._forget_blocks()
        self.annotation_layer.set_intervals([], [], labels=[])
        self.highlight_layer.set_intervals([], [], strengths=[])
        self.event_layer.set_events([], [], [], [])
        for layer in (self.annotation_layer, self.highlight_layer, self.event_layer):
            layer.show_window(0.0, self.page_s, LABEL_LANE_MM, self._height_mm)
        self.traces.set_traces(np.empty(0), np.empty((0, 0)), np.empty(0, dtype=bool))
        self.second_lines.setData([], [])
        self.scale_bar.setData([], [])
        self.scale_bar_text.setText("")
        self.plot_item.getAxis("left").setTicks([[]])
        self.start_s = 0.0
        self._update_scroll_range()

    def set_montage(self, name: str) -> None:
        """Switch to another montage in place, keeping the page (read again if it was edited).

        Raises
        ------
        ConfigError
            If no montage has that name (the view keeps the one it shows).
        """
        self.montage = get_montage(name)
        self.montage_name = name
        self.first_row = 0
        self._forget_blocks()
        if self.recording is not None:
            # Labels come with the next block read; styles may change under the same labels.
            self.labels, self.derivations = [], self.montage.derivations(self.recording.electrodes)
            self._relayout()
            self.set_start(self.start_s, force=True)
        self.layout_changed.emit()

    def missing_notice(self) -> str:
        """Return one line naming the electrodes the montage needs and the recording lacks."""
        if self.recording is None or self.montage is None:
            return ""
        missing = self.montage.missing(self.recording.electrodes)
        if not missing:
            return ""
        return (
            f"{self.montage.description}: no {', '.join(missing)} in this recording; the traces "
            "that need them are shown as absent"
        )

    # ---- rows ------------------------------------------------------------------------------

    def shown_rows(self) -> np.ndarray:
        """Return the indices (into :attr:`labels`) of the rows not hidden, in montage order."""
        left_out = self.deselected.get(self.montage_name, frozenset())
        return np.array(
            [
                i
                for i, derivation in enumerate(self.derivations)
                if not derivation.hidden and derivation.label not in left_out
            ],
            dtype=int,
        )

    def visible_rows(self) -> np.ndarray:
        """Return the indices (into :attr:`labels`) of the rows on screen, top to bottom."""
        return self._visible_rows

    def set_channel_selection(self, left_out: set[str] | frozenset[str]) -> None:
        """Leave the derivations labelled ``left_out`` off the screen in this montage."""
        self.deselected[self.montage_name] = frozenset(left_out)
        self._relayout()
        self.layout_changed.emit()

    def drawn_poly_channels(self) -> tuple[PolyChannel, ...]:
        """The polygraphic channels drawn under the EEG (none while they are switched off)."""
        return self.poly_channels if self.show_polygraphy else ()

    def set_polygraphy(self, shown: bool) -> None:
        """Draw the polygraphic channels (EKG, EOG, EMG, photic) under the EEG, or not."""
        self.show_polygraphy = bool(shown)
        self._forget_blocks()
        if self.recording is not None:
            self._relayout()
            self.set_start(self.start_s, force=True)
        self.layout_changed.emit()

    def poly_page(self) -> np.ndarray:
        """The polygraphic rows of the current page, as :meth:`page_data` (empty when off)."""
        block = self._ensure_block()
        if block.poly is None:
            return np.zeros((0, 0))
        first = int(round((self.start_s - block.start_s) * block.sfreq))
        return block.poly[:, first : first + int(round(self.page_s * block.sfreq))]

    def set_rows_per_screen(self, rows: int) -> None:
        """Show at most ``rows`` rows at a time (0: every row)."""
        self.rows_per_screen = int(rows)
        self._relayout()
        self.layout_changed.emit()

    def set_first_row(self, first: int) -> None:
        """Scroll the rows so that shown row ``first`` is at the top."""
        first = int(min(max(first, 0), self._last_first_row()))
        if first != self.first_row:
            self.first_row = first
            self._relayout()

    def scroll_rows(self, rows: int) -> None:
        """Scroll the rows by ``rows`` (negative: up)."""
        self.set_first_row(self.first_row + rows)

    def rows_on_screen(self) -> int:
        """Return how many rows a screen shows at most."""
        shown = len(self.shown_rows())
        return min(self.rows_per_screen, shown) if self.rows_per_screen else shown

    def _last_first_row(self) -> int:
        return max(0, len(self.shown_rows()) - self.rows_on_screen())

    def set_page_length(self, seconds: float) -> None:
        """Show ``seconds`` of EEG per page."""
        self.page_s = float(seconds)
        self._forget_blocks()
        self._update_scroll_range()
        self.set_start(self.start_s, force=True)
        self.layout_changed.emit()

    def set_sensitivity(self, uv_per_mm: float) -> None:
        """Draw ``uv_per_mm`` microvolts per millimetre of screen."""
        self.sensitivity = float(uv_per_mm)
        self._draw()
        self.layout_changed.emit()

    def set_filter(self, lff: float | None, hff: float | None, notch: float | None) -> None:
        """Change the display filters (Hz; None switches one off)."""
        self.display_filter = DisplayFilter(lff=lff, hff=hff, notch=notch)
        self._forget_blocks()
        self.set_start(self.start_s, force=True)
        self.layout_changed.emit()

    def apply_colours(self, colours: PlotColours) -> None:
        """Recolour the view for a palette."""
        self.colours = colours
        self.plot_widget.setBackground(colours.background)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(colours.grid))
            axis.setTextPen(pg.mkPen(colours.text))
        self.second_lines.setPen(pg.mkPen(colours.grid, width=1))
        self.annotation_layer.colour = pg.mkColor(colours.annotation)
        self.annotation_layer.text_colour = pg.mkColor(colours.annotation)
        self.highlight_layer.colour = pg.mkColor(colours.highlight)
        self.event_layer.colour = pg.mkColor(colours.event)
        self.event_layer.text_colour = pg.mkColor(colours.event)
        self.scale_bar.setPen(pg.mkPen(colours.text, width=2))
        self.scale_bar_text.setColor(colours.text)
        self.scale_bar_text.fill = pg.mkBrush(colours.background)
        self._style_traces()
        self._draw()

    def set_highlights(self, starts, durations, strengths) -> None:
        """Shade the segments the model attends to (strength 0-1 sets the opacity)."""
        self.highlight_layer.set_intervals(starts, durations, strengths=strengths)
        self._draw_markers()

    def set_events(self, starts, durations, labels, channels) -> None:
        """Mark the reviewer's events (the file's own annotations are drawn already); an event
        on a derivation (``channels``, None for all) covers that trace only."""
        self.event_layer.set_events(starts, durations, labels, channels)
        self._draw_markers()

    # ---- where -----------------------------------------------------------------------------

    @property
    def duration(self) -> float:
        return float(self.recording.duration) if self.recording is not None else 0.0

    def last_start(self) -> float:
        """Return the start of the last full page."""
        return max(0.0, self.duration - self.page_s)

    def set_start(self, start_s: float, force: bool = False) -> None:
        """Show the page that starts at ``start_s`` (clamped to the recording)."""
        if self.recording is None:
            return
        start_s = min(max(0.0, float(start_s)), self.last_start())
        if not force and abs(start_s - self.start_s) < 1e-9:
            return
        step = start_s - self.start_s
        self.start_s = start_s
        self._draw()
        if step:
            self._read_ahead_for(start_s + math.copysign(self.page_s, step))
        self.scroll_bar.blockSignals(True)
        self.scroll_bar.setValue(int(round(start_s * SCROLL_STEPS_PER_SECOND)))
        self.scroll_bar.blockSignals(False)
        self.start_changed.emit(start_s)

    def centre_on(self, time_s: float) -> None:
        """Show the page whose centre is ``time_s``."""
        self.set_start(time_s - self.page_s / 2)

    def step_pages(self, pages: float) -> None:
        """Move by ``pages`` pages (negative: back)."""
        self.set_start(self.start_s + pages * self.page_s)

    def visible_range(self) -> tuple[float, float]:
        """Return the (start, stop) seconds of the page on screen."""
        return self.start_s, min(self.start_s + self.page_s, self.duration)

    def row_at(self, y_mm: float) -> int:
        """Return the trace row (index into :attr:`labels`) whose baseline is nearest ``y_mm``
        on screen (-1 when none is drawn)."""
        if not len(self._offsets_mm):
            return -1
        return int(self._visible_rows[np.argmin(np.abs(self._offsets_mm - y_mm))])

    def displayed(self, start_s: float, stop_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Return the sample times and microvolts drawn in ``[start_s, stop_s]`` of the page.

        Returns
        -------
        times : ndarray, shape (n,)
        data : ndarray, shape (n_traces, n)
            Display-filtered, in montage order (:attr:`labels`); absent traces NaN.
        """
        block = self._ensure_block()
        start_s, stop_s = max(start_s, self.start_s), min(stop_s, self.start_s + self.page_s)
        first = max(int(np.floor((start_s - block.start_s) * block.sfreq)), 0)
        last = int(np.ceil((stop_s - block.start_s) * block.sfreq)) + 1
        data = block.data[:, first:last]
        return block.start_s + (first + np.arange(data.shape[1])) / block.sfreq, data

    def page_data(self) -> np.ndarray:
        """Return the microvolts drawn on the current page, [derivations, samples]."""
        block = self._ensure_block()
        first = int(round((self.start_s - block.start_s) * block.sfreq))
        count = int(round(self.page_s * block.sfreq))
        return block.data[:, first : first + count]

    # ---- internals --------------------------------------------------------------------------

    def _ensure_block(self) -> _Block:
        """Return a block holding the current page: the current one, the one read ahead, or a
        new read of the page plus a page each side.

        Paging by whole pages then reads on every other step, scrolling by tenths far less.
        """
        stop_s = min(self.start_s + self.page_s, self.duration)
        if self._block is None or not self._block.holds(self.start_s, stop_s):
            block = self._take_read_ahead()
            if block is None or not block.holds(self.start_s, stop_s):
                block = self._submit_read(self.start_s).result()
            self._block = block
            if block.labels != self.labels:
                self.labels = block.labels
                self._relayout()
        return self._block

    def _read_ahead_for(self, start_s: float) -> None:
        """Start reading the block for the page at ``start_s`` unless it is already at hand."""
        start_s = min(max(0.0, start_s), self.last_start())
        stop_s = min(start_s + self.page_s, self.duration)
        if self._block is not None and self._block.holds(start_s, stop_s):
            return
        if self._read_ahead is not None:
            pending_start = self._read_ahead[0]
            if pending_start - self.page_s <= start_s <= pending_start + self.page_s:
                return  # the read under way will hold it
        self._read_ahead = (start_s, self._submit_read(start_s))

    def _submit_read(self, start_s: float) -> Future:
        return self._reader.submit(
            _read_block,
            self.recording,
            self.montage,
            self.display_filter,
            start_s,
            self.page_s,
            self.drawn_poly_channels(),
        )

    def _take_read_ahead(self) -> _Block | None:
        pending, self._read_ahead = self._read_ahead, None
        if pending is None:
            return None
        try:
            return pending[1].result()
        except Exception:  # a speculative read; the read the page needs reports the error
            return None

    def _forget_blocks(self) -> None:
        """Drop what was read: the recording, montage, page length or filters changed."""
        self._block = None
        self._read_ahead = None

    def _set_annotations(self) -> None:
        annotations = self.recording.annotations
        self.annotation_layer.set_intervals(
            [a.onset for a in annotations],
            [a.duration for a in annotations],
            labels=[a.description for a in annotations],
        )

    def _update_scroll_range(self) -> None:
        self.scroll_bar.setRange(0, int(round(self.last_start() * SCROLL_STEPS_PER_SECOND)))
        self.scroll_bar.setPageStep(int(round(self.page_s * SCROLL_STEPS_PER_SECOND)))
        self.scroll_bar.setSingleStep(max(1, int(round(self.page_s))))

    def _relayout(self) -> None:
        """Choose the rows on screen and place their baselines for the height in millimetres."""
        if self.recording is None:
            return
        if not self.labels:
            self._ensure_block()
            return
        shown = self.shown_rows()
        self.first_row = min(self.first_row, self._last_first_row())
        self._visible_rows = shown[self.first_row : self.first_row + self.rows_on_screen()]
        self._update_row_scroll_bar(len(shown))
        height_px = max(self.view_box.height(), 1.0)
        self._height_mm = height_px / pixels_per_mm(self)
        labels = [self.labels[i] for i in self._visible_rows]
        # Half an empty row between chains, as the double banana is usually laid out.
        rows = np.arange(len(labels)) + 0.5 * np.asarray(chain_groups(labels) if labels else [])
        poly = self.drawn_poly_channels()
        # The polygraphic rows follow the EEG's after half an empty row.
        poly_rows = (rows[-1] + 1.5 if labels else 0.0) + np.arange(len(poly))
        last = poly_rows[-1] if len(poly) else (rows[-1] if labels else 0.0)
        row_mm = (self._height_mm - LABEL_LANE_MM) / (last + 1.0)
        self._offsets_mm = LABEL_LANE_MM + (rows + 0.5) * row_mm
        self._poly_offsets_mm = LABEL_LANE_MM + (poly_rows + 0.5) * row_mm
        self._poly_row_mm = row_mm
        every_offset = np.full(len(self.labels), _OFF_SCREEN_MM)
        every_offset[self._visible_rows] = self._offsets_mm
        self.event_layer.place_rows(self.labels, every_offset, row_mm)
        ticks = [
            (offset, self._tick_label(i))
            for offset, i in zip(self._offsets_mm.tolist(), self._visible_rows, strict=True)
        ]
        ticks += [
            (offset, poly_tick_label(channel))
            for offset, channel in zip(self._poly_offsets_mm.tolist(), poly, strict=True)
        ]
        self.plot_item.getAxis("left").setTicks([ticks, []])
        self._style_traces()
        self._draw()

    def _tick_label(self, row: int) -> str:
        derivation = self.derivations[row]
        marks = (f" ×{derivation.gain:g}" if derivation.gain != 1 else "") + (
            " inv" if derivation.inverted else ""
        )
        return self.labels[row] + marks

    def _update_row_scroll_bar(self, n_shown: int) -> None:
        on_screen = self.rows_on_screen()
        self.row_scroll_bar.blockSignals(True)
        self.row_scroll_bar.setRange(0, max(0, n_shown - on_screen))
        self.row_scroll_bar.setPageStep(max(on_screen, 1))
        self.row_scroll_bar.setValue(self.first_row)
        self.row_scroll_bar.blockSignals(False)
        self.row_scroll_bar.setVisible(n_shown > on_screen)

    def _style_traces(self) -> None:
        colours = self.colours
        pens = []
        for row in self._visible_rows:
            colour = self.derivations[row].colour if row < len(self.derivations) else None
            if colour is None:
                right = is_right_hemisphere(self.labels[row])
                colour = colours.trace_right if right else colours.trace
            pens.append(pg.mkPen(colour))
        pens += [pg.mkPen(colours.text) for _ in self.drawn_poly_channels()]
        self.traces.set_pens(pens)

    def _draw(self) -> None:
        """Draw the current page."""
        if self.recording is None:
            return
        if not len(self._offsets_mm) and not len(self._poly_offsets_mm):  # nothing to draw
            self.traces.set_traces(np.empty(0), np.empty((0, 0)), np.empty(0, dtype=bool))
            return
        data = self.page_data()
        block = self._block
        times = self.start_s + np.arange(data.shape[1]) / block.sfreq
        rows = self._visible_rows
        # Positive y is down, so a plain row is drawn negative-up; an inverted one positive-up.
        factors = np.array(
            [
                self.derivations[i].gain * (-1.0 if self.derivations[i].inverted else 1.0)
                for i in rows
            ]
        )
        scaled = data[rows] * (factors / self.sensitivity)[:, None] + self._offsets_mm[:, None]
        available = block.available[rows]
        if len(self._poly_offsets_mm) and block.poly is not None:
            poly = self._scaled_poly(data.shape[1])
            scaled = np.concatenate([scaled, poly]) if len(rows) else poly
            available = np.concatenate([available, np.ones(len(poly), dtype=bool)])
        stop_s = self.start_s + self.page_s
        page_rect = QRectF(self.start_s, 0.0, self.page_s, self._height_mm)
        self.traces.set_page_rect(page_rect)
        self.traces.set_traces(times, scaled, available)
        self.view_box.setRange(
            xRange=(self.start_s, stop_s), yRange=(0.0, self._height_mm), padding=0.0
        )
        # Apply the new range now: pyqtgraph would do it at paint time and so paint twice.
        self.view_box.updateMatrix()
        labelled = 5.0 if self.page_s > 15 else 1.0
        if labelled != self._label_every_s:
            self._label_every_s = labelled
            self.axis.setTickSpacing(levels=[(labelled, 0.0)])
        seconds = np.arange(np.ceil(self.start_s), stop_s + 1e-9)
        self.second_lines.setData(
            np.repeat(seconds, 2), np.tile([LABEL_LANE_MM, self._height_mm], len(seconds))
        )
        self._draw_scale_bar()
        self._draw_markers()

    def _scaled_poly(self, n: int) -> np.ndarray:
        """The polygraphic rows of the page in millimetres on screen, each at its own scale."""
        values = self.poly_page()[:, :n]
        out = np.empty_like(values)
        for k, channel in enumerate(self.drawn_poly_channels()):
            offset = self._poly_offsets_mm[k]
            if channel.display.marker:  # flashes drawn as upward pulses
                out[k] = offset - values[k] * _MARKER_HEIGHT * self._poly_row_mm
            else:  # negative up, as the EEG; kept within its neighbourhood of rows
                reach = _POLY_REACH_ROWS * self._poly_row_mm
                out[k] = offset + np.clip(values[k] / channel.display.uv_per_mm, -reach, reach)
        return out

    def _draw_scale_bar(self) -> None:
        microvolts = scale_bar_microvolts(self.sensitivity)
        height_mm = microvolts / self.sensitivity
        x_end = self.start_s + self.page_s * 0.985
        x_start = x_end - 1.0
        y_bottom = self._height_mm - 2.0
        y_top = y_bottom - height_mm
        self.scale_bar.setData([x_start, x_end, x_end], [y_bottom, y_bottom, y_top])
        self.scale_bar_text.setText(f"{microvolts:g} µV\n1 s")
        self.scale_bar_text.setPos(x_end - self.page_s * 0.005, y_bottom - 0.5)

    def _draw_markers(self) -> None:
        if self.recording is None:
            return
        t0, t1 = self.start_s, self.start_s + self.page_s
        self.annotation_layer.show_window(t0, t1, LABEL_LANE_MM, self._height_mm)
        self.highlight_layer.show_window(t0, t1, LABEL_LANE_MM, self._height_mm)
        self.event_layer.show_window(t0, t1, LABEL_LANE_MM, self._height_mm)
