"""The heart-rate trend over the whole recording, under the trends and above the overview strip.

The rate comes from the recording's EKG channel (:mod:`elm_desktop.signals.heart_rate`),
measured off the UI thread on a pool of one thread of its own; the header gives the EKG's
one-line summary (rhythm and rate), the same line the draft states. A recording without an EKG
hides the strip. It shares the overview strip's width and time range: a click jumps there, and
the page on screen is marked.

One recording, one state: :meth:`HeartRateStrip.show_recording` clears what was drawn at once
and cancels the last recording's job; a result that arrives for another recording is dropped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from elm_desktop.gui.latest_job import LatestJob
from elm_desktop.gui.palette import LIGHT, PlotColours
from elm_desktop.signals.heart_rate import HeartRate, measure_heart_rate
from elm_desktop.signals.polygraphy import ekg_channel
from elm_desktop.signals.recording import Recording, open_recording

PLOT_HEIGHT = 44
"""Pixels of the trend row; the header line comes on top."""
START_DELAY_MS = 700
"""The measurement of a recording just opened starts this long after it is on screen."""
MARKER_MIN_PX = 3.0
TICKS_BPM = (60.0, 100.0, 140.0)
"""Grid lines of the trend, labelled at the right edge."""


class HeartRateStrip(QWidget):
    """Heart-rate trend of the open recording; emits :attr:`time_clicked` with a time (s).

    Attributes
    ----------
    heart : HeartRate or None
        What is drawn (None while nothing is).
    recording : Recording or None
    runner : LatestJob
        Runs the measurement on a thread of its own; only the latest recording's comes out.
    """

    time_clicked = Signal(float)
    measured = Signal(object)
    """Emitted with the :class:`HeartRate` just drawn."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.recording: Recording | None = None
        self.heart: HeartRate | None = None
        self.wanted = True
        """Whether the reviewer wants polygraphy shown (View > polygraphy)."""
        self.duration = 0.0
        self.runner = LatestJob(self, START_DELAY_MS)
        self.runner.progress.connect(self._progress)
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(self._failed)

        self.label = QLabel("Heart rate")
        self.label.setContentsMargins(4, 0, 4, 0)
        # No axes, as in the trends area: the strip spans the overview strip's width exactly.
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.ci.setContentsMargins(0, 0, 0, 0)
        self.canvas.setFixedHeight(PLOT_HEIGHT)
        self.plot = self.canvas.addPlot(row=0, col=0)
        self.plot.hideButtons()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.box = self.plot.getViewBox()
        self.box.setMouseEnabled(x=False, y=False)
        self.box.setDefaultPadding(0.0)
        self.curve = pg.PlotCurveItem(connect="finite")
        self.grid = pg.PlotCurveItem(connect="pairs")
        self.plot.addItem(self.grid)
        self.plot.addItem(self.curve)
        self.tick_labels = []
        for bpm in TICKS_BPM:
            text = pg.TextItem(f"{bpm:g}", anchor=(1, 0.5))
            text.setZValue(25)
            self.box.addItem(text, ignoreBounds=True)
            self.tick_labels.append((bpm, text))
        self.marker = QGraphicsRectItem()
        self.marker.setZValue(20)
        self.box.addItem(self.marker, ignoreBounds=True)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.label)
        column.addWidget(self.canvas)
        self.canvas.scene().sigMouseClicked.connect(self._clicked)
        self.apply_colours(LIGHT)
        self.setVisible(False)

    def apply_colours(self, colours: PlotColours) -> None:
        """Recolour the strip for a palette."""
        self.canvas.setBackground(colours.background)
        self.grid.setPen(pg.mkPen(colours.grid, width=1))
        for _bpm, text in self.tick_labels:
            text.setColor(colours.text)
        self.curve.setPen(pg.mkPen(colours.trace, width=1))
        marker = QColor(colours.page_marker)
        self.marker.setPen(QPen(marker, 0))
        marker.setAlpha(60)
        self.marker.setBrush(QBrush(marker))

    # ---- the recording and its job ---------------------------------------------------------

    def _clear(self, message: str) -> None:
        self.heart = None
        self.curve.clear()
        self.label.setText(message)

    def show_recording(self, recording: Recording | None) -> None:
        """Measure and show ``recording``'s heart rate (None: none); hidden without an EKG."""
        self.cancel()
        self.recording = recording
        has_ekg = recording is not None and ekg_channel(recording) is not None
        self.duration = float(recording.duration) if recording is not None else 0.0
        self._clear("Heart rate (EKG): measuring…" if has_ekg else "Heart rate: no EKG")
        self.setVisible(has_ekg and self.wanted)
        if has_ekg:
            self.box.setRange(xRange=(0.0, max(self.duration, 1.0)), padding=0.0)
            if self.wanted:
                self.runner.schedule(*self._job())

    def has_ekg(self) -> bool:
        """Whether the open recording has an EKG channel."""
        return self.recording is not None and ekg_channel(self.recording) is not None

    def set_shown(self, shown: bool) -> None:
        """Show or hide the strip; shown, it measures the open recording if need be."""
        self.wanted = bool(shown)
        self.setVisible(shown and self.has_ekg())
        if shown and self.has_ekg() and self.heart is None and not self.runner.busy():
            self.runner.start(*self._job())

    def cancel(self) -> None:
        """Stop the measurement under way (its result, if any, is dropped)."""
        self.runner.cancel()

    def _job(self):
        """The open recording's measurement: its name and function."""
        path = Path(self.recording.path)

        def run(progress, cancel, partial):
            # A recording of its own: the trace view reads the window's at the same time.
            heart = measure_heart_rate(open_recording(path), progress=progress, cancel=cancel)
            if heart is not None:  # worked out here: a day's beats take ~0.1 s, not the UI's
                heart.summary()
                heart.trend()
            return heart

        return f"Heart rate of {path.name}", run

    def _progress(self, done: int, total: int, _message: str) -> None:
        self.label.setText(f"Heart rate (EKG): measuring… {100 * done // max(total, 1)} %")

    def _finished(self, heart: HeartRate | None) -> None:
        if heart is None:
            self._clear("Heart rate: no EKG")
            return
        self.draw(heart)

    def _failed(self, message: str) -> None:
        self._clear(f"Heart rate unavailable: {message}")

    # ---- drawing ---------------------------------------------------------------------------

    def draw(self, heart: HeartRate) -> None:
        """Draw ``heart`` (of the open recording): its trend and its summary line."""
        self.heart = heart
        times, bpm = heart.trend()
        self.curve.setData(times, bpm)
        finite = bpm[np.isfinite(bpm)]
        low, high = (40.0, 160.0)
        if finite.size:
            low, high = min(low, float(finite.min()) - 5), max(high, float(finite.max()) + 5)
        width = max(heart.duration_s, 1.0)
        self.box.setRange(xRange=(0.0, width), yRange=(low, high), padding=0)
        levels = np.asarray(TICKS_BPM)
        self.grid.setData(np.tile([0.0, width], len(levels)), np.repeat(levels, 2))
        for bpm, text in self.tick_labels:
            text.setPos(width, bpm)
        self.label.setText(f"Heart rate (bpm), {heart.summary()}")
        self.measured.emit(heart)

    def set_page(self, start_s: float, stop_s: float) -> None:
        """Mark the page on screen."""
        pixels = max(self.box.width(), 1.0)
        width = max(stop_s - start_s, MARKER_MIN_PX * max(self.duration, 1.0) / pixels)
        low, high = self.box.viewRange()[1]
        self.marker.setRect(QRectF(start_s, low, width, high - low))

    def _clicked(self, event) -> None:
        if self.duration <= 0:
            return
        time_s = float(self.box.mapSceneToView(event.scenePos()).x())
        if 0.0 <= time_s <= self.duration:
            self.time_clicked.emit(time_s)
