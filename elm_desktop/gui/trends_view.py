"""The trends area above the overview strip: the whole recording's DSA, aEEG, asymmetry and
suppression ratio (:mod:`elm_desktop.signals.trends`).

The trends are computed off the UI thread, on a pool of one thread of their own so a 24-hour
file's trends never hold up opening, fingerprinting or analysing; progress shows in the area's
header, the result (or the cached one) is drawn when ready. A click jumps to that time, and the
page on screen is marked, as on the overview strip. The area has no time axis of its own: it
sits above the overview strip, spans the same width and time range, and reads off its clock.

One recording, one state: :meth:`TrendsView.show_recording` clears what was drawn at once and
cancels the last recording's job; a result that arrives for another recording is dropped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.gui import workers
from elm_desktop.gui.latest_job import LatestJob
from elm_desktop.gui.palette import LIGHT, PlotColours
from elm_desktop.gui.trace_view import ClockAxis
from elm_desktop.signals.recording import Recording, open_recording
from elm_desktop.signals.time_labels import TimeLabels
from elm_desktop.signals.trends import (
    TrendColumns,
    TrendParams,
    Trends,
    aeeg_scale,
    columns,
    recording_trends,
)

MAX_COLUMNS = 2000
"""Trends are drawn in at most this many columns (runs of epochs), whatever the length."""
AEEG_TICKS_UV = (5.0, 10.0, 25.0, 50.0, 100.0)
AEEG_TOP = float(aeeg_scale([100.0])[0]) + 0.05
ROWS = ("dsa_left", "dsa_right", "aeeg", "asymmetry", "suppression")
ROW_HEIGHTS = {"dsa_left": 28, "dsa_right": 28, "aeeg": 46, "asymmetry": 18, "suppression": 18}
"""Pixels per row; the header line comes on top."""
AEEG_LABELS_UV = (5.0, 10.0, 50.0)
START_DELAY_MS = 500
"""The trends of a recording just opened start this long after it is on screen: the window's
own work of opening it (first page, annotations, fingerprint) goes first, undisturbed."""
MARKER_MIN_PX = 3.0
"""The page marker is at least this wide, so a 10 s page of a 24-hour file still shows."""


def dsa_levels(shown: TrendColumns) -> tuple[float, float]:
    """Colour levels of the DSA: the 2nd and 99.5th percentiles of both sides' dB."""
    both = np.concatenate([shown.dsa_left_db.ravel(), shown.dsa_right_db.ravel()])
    if not len(both):
        return 0.0, 1.0
    low, high = np.percentile(both, [2.0, 99.5])
    return float(low), float(max(high, low + 1e-3))


def _y_range(row: str, params: TrendParams) -> tuple[float, float]:
    return {
        "dsa_left": (params.fmin_hz, params.fmax_hz),
        "dsa_right": (params.fmin_hz, params.fmax_hz),
        "aeeg": (0.0, AEEG_TOP),
        "asymmetry": (-1.0, 1.0),
        "suppression": (0.0, 1.05),
    }[row]


class TrendsView(QWidget):
    """Trends of the open recording; emits :attr:`time_clicked` with a clicked time (seconds).

    Attributes
    ----------
    trends : Trends or None
        What is drawn (None while nothing is).
    recording : Recording or None
        The recording whose trends are (or will be) drawn.
    runner : LatestJob
        The computation under way or waiting to start.
    """

    time_clicked = Signal(float)
    trends_shown = Signal(object)
    """Emitted with the :class:`Trends` just drawn."""

    def __init__(
        self, parent=None, params: TrendParams | None = None, time_axis: ClockAxis | None = None
    ) -> None:
        super().__init__(parent)
        self.params = params or TrendParams()
        self.time_axis = time_axis
        """The axis whose clock the trends read (the overview strip's): hover read-outs use it."""
        self.shown: TrendColumns | None = None
        self.recording: Recording | None = None
        self.trends: Trends | None = None
        self.from_cache = False
        self.runner = LatestJob(self, START_DELAY_MS)
        """Runs the computation; a new recording's job supersedes the last one's."""
        self.runner.progress.connect(self._progress)
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(self._failed)
        self.wanted = True
        """Whether the reviewer wants the trends shown (View > Trends)."""
        self.duration = 0.0
        self.colours = LIGHT

        self.label = QLabel("Trends")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addWidget(self.label, 1)
        header.addWidget(self.progress)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.ci.setContentsMargins(0, 0, 0, 0)
        self.canvas.ci.setSpacing(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(header)
        column.addWidget(self.canvas, 1)
        self.label.setFont(self._small_font())
        self.setFixedHeight(sum(ROW_HEIGHTS.values()) + len(ROW_HEIGHTS) + 18)

        self.plots: dict[str, pg.PlotItem] = {}
        self.markers: dict[str, QGraphicsRectItem] = {}
        self.captions: dict[str, pg.TextItem] = {}
        for index, row in enumerate(ROWS):
            plot = self.canvas.addPlot(row=index, col=0)
            plot.hideButtons()
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setMenuEnabled(False)
            box = plot.getViewBox()
            box.setMouseEnabled(x=False, y=False)
            box.setDefaultPadding(0.0)
            self.canvas.ci.layout.setRowFixedHeight(index, ROW_HEIGHTS[row])
            marker = QGraphicsRectItem()
            marker.setZValue(20)
            box.addItem(marker, ignoreBounds=True)
            caption = pg.TextItem(anchor=(0, 0))
            caption.textItem.setFont(self._small_font())
            caption.setZValue(30)
            box.addItem(caption, ignoreBounds=True)
            self.plots[row], self.markers[row], self.captions[row] = plot, marker, caption
        self.dsa_images = {side: pg.ImageItem() for side in ("dsa_left", "dsa_right")}
        for row, image in self.dsa_images.items():
            self.plots[row].addItem(image)
        self.aeeg_lower = {side: pg.PlotCurveItem() for side in ("left", "right")}
        self.aeeg_upper = {side: pg.PlotCurveItem() for side in ("left", "right")}
        self.aeeg_fill = {
            side: pg.FillBetweenItem(self.aeeg_lower[side], self.aeeg_upper[side])
            for side in ("left", "right")
        }
        self.aeeg_grid = pg.PlotCurveItem(connect="pairs")
        self.plots["aeeg"].addItem(self.aeeg_grid)
        for side in ("left", "right"):
            for item in (self.aeeg_fill[side], self.aeeg_lower[side], self.aeeg_upper[side]):
                self.plots["aeeg"].addItem(item)
        self.aeeg_tick_labels = []
        for microvolts in AEEG_LABELS_UV:
            text = pg.TextItem(f"{microvolts:g}", anchor=(1, 0.5))
            text.textItem.setFont(self._small_font())
            text.setZValue(25)
            self.plots["aeeg"].getViewBox().addItem(text, ignoreBounds=True)
            self.aeeg_tick_labels.append((microvolts, text))
        self.asymmetry_curve = pg.PlotCurveItem()
        self.asymmetry_zero = pg.PlotCurveItem()
        self.plots["asymmetry"].addItem(self.asymmetry_zero)
        self.plots["asymmetry"].addItem(self.asymmetry_curve)
        self.suppression_curve = pg.PlotCurveItem(fillLevel=0.0)
        self.plots["suppression"].addItem(self.suppression_curve)
        for item in self._drawn_items():
            # Paging moves only the page markers: the trends are blitted from cached pixmaps.
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.canvas.scene().sigMouseClicked.connect(self._clicked)
        self.canvas.scene().sigMouseMoved.connect(self._hovered)
        self.apply_colours(LIGHT)
        self._clear("Trends: no recording")

    # ---- appearance ------------------------------------------------------------------------

    def _small_font(self):
        font = self.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        return font

    def _drawn_items(self) -> list[QGraphicsItem]:
        return [
            *self.dsa_images.values(),
            *self.aeeg_lower.values(),
            *self.aeeg_upper.values(),
            *self.aeeg_fill.values(),
            self.aeeg_grid,
            self.asymmetry_curve,
            self.asymmetry_zero,
            self.suppression_curve,
        ]

    def apply_colours(self, colours: PlotColours) -> None:
        """Recolour the area for a palette."""
        self.colours = colours
        self.canvas.setBackground(colours.background)
        sides = {"left": QColor(colours.event), "right": QColor(colours.trace_right)}
        for side, colour in sides.items():
            self.aeeg_lower[side].setPen(pg.mkPen(colour, width=1))
            self.aeeg_upper[side].setPen(pg.mkPen(colour, width=1))
            fill = QColor(colour)
            fill.setAlpha(90)
            self.aeeg_fill[side].setBrush(QBrush(fill))
        self.aeeg_grid.setPen(pg.mkPen(colours.grid, width=1))
        self.asymmetry_zero.setPen(pg.mkPen(colours.grid, width=1))
        self.asymmetry_curve.setPen(pg.mkPen(colours.trace, width=1))
        suppression = QColor(colours.trace)
        self.suppression_curve.setPen(pg.mkPen(suppression, width=1))
        suppression.setAlpha(80)
        self.suppression_curve.setBrush(QBrush(suppression))
        marker = QColor(colours.page_marker)
        for item in self.markers.values():
            item.setPen(QPen(marker, 0))
        marker.setAlpha(60)
        for item in self.markers.values():
            item.setBrush(QBrush(marker))
        backing = QColor(colours.background)
        backing.setAlpha(170)
        for caption in self.captions.values():
            caption.setColor(colours.text)
            caption.fill = pg.mkBrush(backing)
            caption.update()
        for _uv, text in self.aeeg_tick_labels:
            text.setColor(colours.text)
        for item in self._drawn_items():
            item.update()

    def _set_captions(self, trends: Trends | None) -> None:
        p = self.params
        band = f"{p.fmin_hz:g}–{p.fmax_hz:g} Hz"
        low, high = p.asymmetry_band_hz
        left, right = trends.aeeg_chains if trends is not None else ("left", "right")
        texts = {
            "dsa_left": f"DSA left {band}",
            "dsa_right": f"DSA right {band}",
            "aeeg": f"aEEG µV  {left} (red)  {right} (blue)",
            "asymmetry": f"asymmetry {low:g}–{high:g} Hz, left up",
            "suppression": f"suppression ratio (±{p.suppression_uv:g} µV)",
        }
        for row, caption in self.captions.items():
            caption.setText(texts[row])

    # ---- the recording and its job ---------------------------------------------------------

    def set_duration(self, duration_s: float) -> None:
        """Span ``duration_s`` seconds, as the overview strip does."""
        self.duration = float(duration_s)
        width = max(self.duration, 1.0)
        for row, plot in self.plots.items():
            low, high = _y_range(row, self.params)
            plot.getViewBox().setRange(xRange=(0.0, width), yRange=(low, high), padding=0.0)
            self.captions[row].setPos(0.0, high)
        for microvolts, text in self.aeeg_tick_labels:
            text.setPos(width, float(aeeg_scale([microvolts])[0]))
        levels = aeeg_scale(np.asarray(AEEG_TICKS_UV))
        self.aeeg_grid.setData(np.tile([0.0, width], len(levels)), np.repeat(levels, 2))
        self.asymmetry_zero.setData([0.0, width], [0.0, 0.0])

    def _clear(self, message: str) -> None:
        self.trends = None
        self.shown = None
        self.canvas.setToolTip("")
        for image in self.dsa_images.values():
            image.clear()
        for curve in (
            *self.aeeg_lower.values(),
            *self.aeeg_upper.values(),
            self.asymmetry_curve,
            self.suppression_curve,
        ):
            curve.clear()
        for item in self._drawn_items():
            item.update()  # clear() does not repaint, and the cached pixmap would stay
        self._set_captions(None)
        self.progress.setVisible(False)
        self.label.setText(message)

    def show_recording(self, recording: Recording | None) -> None:
        """Show ``recording``'s trends (None: none); what was drawn goes at once.

        The trends are computed (or read from the cache) in the background while the area is
        wanted, starting :data:`START_DELAY_MS` after this call; a hidden area computes nothing
        until it is shown.
        """
        self.cancel()
        self.recording = recording
        if recording is None:
            self._clear("Trends: no recording")
            return
        self._clear("Trends: waiting")
        self.set_duration(recording.duration)
        if self.wanted:
            self.label.setText("Trends: computing…")
            self.runner.schedule(*self._job_for(recording))

    def set_shown(self, shown: bool) -> None:
        """Show or hide the area; shown, it computes the open recording's trends if need be."""
        self.wanted = bool(shown)
        self.setVisible(shown)
        if shown and self.recording is not None and self.trends is None and not self.runner.busy():
            self.start()

    def cancel(self) -> None:
        """Stop the computation under way or waiting (its result, if any, is dropped)."""
        self.runner.cancel()

    def _job_for(self, recording: Recording) -> tuple[str, workers.JobFunction]:
        path, params = Path(recording.path), self.params

        def run(progress, cancel, partial):
            # A recording of its own: the trace view reads the window's at the same time.
            trends, cached = recording_trends(open_recording(path), params, progress, cancel)
            shown = columns(trends, MAX_COLUMNS)  # reduced here, so drawing costs the UI little
            return trends, cached, shown, dsa_levels(shown)

        return f"Trends of {path.name}", run

    def start(self) -> workers.Job | None:
        """Compute (or read from the cache) the open recording's trends in the background now."""
        if self.recording is None:
            return None
        self.label.setText("Trends: computing…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        return self.runner.start(*self._job_for(self.recording))

    def _progress(self, done: int, total: int, _message: str) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.label.setText(f"Trends: computing… {100 * done // max(total, 1)} %")

    def _finished(self, found: tuple) -> None:
        trends, cached, shown, levels = found
        self.from_cache = cached
        self.progress.setVisible(False)
        self.draw(trends, shown, levels)

    def _failed(self, message: str) -> None:
        self._clear(f"Trends unavailable: {message}")

    # ---- drawing ---------------------------------------------------------------------------

    def draw(
        self,
        trends: Trends,
        shown: TrendColumns | None = None,
        levels: tuple[float, float] | None = None,
    ) -> None:
        """Draw ``trends`` (of the open recording), as ``shown`` when already reduced."""
        self.trends = trends
        self.set_duration(trends.duration_s)
        self._set_captions(trends)
        p = trends.params
        epochs = f"{p.epoch_s:g} s epochs"
        if trends.n_epochs == 0:
            self.label.setText(f"Trends: the recording is shorter than one epoch ({epochs})")
            self.trends_shown.emit(trends)
            return
        shown = shown if shown is not None else columns(trends, MAX_COLUMNS)
        self.shown = shown
        levels = levels if levels is not None else dsa_levels(shown)
        group_s = float(shown.stops_s[0] - shown.starts_s[0])
        width = group_s * len(shown.starts_s)
        df = float(trends.freqs_hz[1] - trends.freqs_hz[0]) if len(trends.freqs_hz) > 1 else 1.0
        lut = pg.colormap.get("inferno").getLookupTable(nPts=256)
        for row, values in (("dsa_left", shown.dsa_left_db), ("dsa_right", shown.dsa_right_db)):
            image = self.dsa_images[row]
            image.setImage(values, levels=levels, lut=lut)
            image.setRect(
                QRectF(
                    0.0,
                    float(trends.freqs_hz[0]) - df / 2,
                    width,
                    float(trends.freqs_hz[-1] - trends.freqs_hz[0]) + df,
                )
            )
        centres = (shown.starts_s + shown.stops_s) / 2
        for side, margins in (("left", shown.aeeg_left_uv), ("right", shown.aeeg_right_uv)):
            scaled = np.minimum(aeeg_scale(margins), AEEG_TOP)
            with QSignalBlocker(self.aeeg_lower[side]):  # the fill follows the upper's change
                self.aeeg_lower[side].setData(centres, scaled[:, 0])
            self.aeeg_upper[side].setData(centres, scaled[:, 1])
        self.asymmetry_curve.setData(centres, shown.asymmetry)
        self.suppression_curve.setData(centres, shown.suppression)
        for item in self._drawn_items():
            item.update()
        source = "from the cache" if self.from_cache else "computed"
        self.label.setText(
            f"Trends ({epochs}, {source}): mean asymmetry {float(np.mean(trends.asymmetry)):+.2f}, "
            f"suppressed {100 * float(np.mean(trends.suppression)):.0f} % of the recording"
        )
        self.trends_shown.emit(trends)

    def set_page(self, start_s: float, stop_s: float) -> None:
        """Mark the page on screen."""
        pixels = max(self.plots[ROWS[0]].getViewBox().width(), 1.0)
        width = max(stop_s - start_s, MARKER_MIN_PX * max(self.duration, 1.0) / pixels)
        for row, marker in self.markers.items():
            low, high = _y_range(row, self.params)
            marker.setRect(QRectF(start_s, low, width, high - low))

    def time_at(self, scene_x: float, scene_y: float) -> float:
        """The recording time under a scene position."""
        box = self.plots[ROWS[0]].getViewBox()
        return float(box.mapSceneToView(pg.Point(scene_x, scene_y)).x())

    def readout(self, time_s: float) -> str:
        """What the trends say at ``time_s``: the column there, one line (empty if none)."""
        shown, trends = self.shown, self.trends
        if shown is None or trends is None or not len(shown.starts_s):
            return ""
        k = int(np.clip(np.searchsorted(shown.starts_s, time_s, side="right") - 1, 0, None))
        k = min(k, len(shown.starts_s) - 1)
        labels = self.time_axis.time_labels if self.time_axis is not None else TimeLabels()
        freqs = trends.freqs_hz
        left = freqs[int(np.argmax(shown.dsa_left_db[k]))]
        right = freqs[int(np.argmax(shown.dsa_right_db[k]))]
        (l_low, l_high), (r_low, r_high) = shown.aeeg_left_uv[k], shown.aeeg_right_uv[k]
        return (
            f"{labels(float(shown.starts_s[k]))}–{labels(float(shown.stops_s[k]))}: "
            f"DSA peak left {left:g} Hz, right {right:g} Hz; "
            f"aEEG {trends.aeeg_chains[0]} {l_low:.0f}–{l_high:.0f} µV, "
            f"{trends.aeeg_chains[1]} {r_low:.0f}–{r_high:.0f} µV; "
            f"asymmetry {float(shown.asymmetry[k]):+.2f}; "
            f"suppressed {100 * float(shown.suppression[k]):.0f} %"
        )

    def _hovered(self, position) -> None:
        if self.shown is None:
            return
        self.canvas.setToolTip(self.readout(self.time_at(position.x(), position.y())))

    def _clicked(self, event) -> None:
        if self.duration <= 0:
            return
        position = event.scenePos()
        time_s = self.time_at(position.x(), position.y())
        if 0.0 <= time_s <= self.duration:
            self.time_clicked.emit(time_s)
