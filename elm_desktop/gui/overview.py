"""The overview strip under the traces: the whole recording at a glance.

It shows the model's attention per crop (bars), the similarity curve of the current prompt
(a line), annotations (ticks) and the page on screen (a shaded box). A click jumps there.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from elm_desktop.gui.palette import LIGHT, PlotColours
from elm_desktop.gui.trace_view import ClockAxis

UNIFORM_TO_FULL = 4.0
"""A crop with this many times an even share of attention fills the strip's height."""


def _unit_range(values: np.ndarray) -> np.ndarray:
    """Scale ``values`` to 0-1 (a flat curve sits at 0.5)."""
    span = float(values.max() - values.min()) if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.full(len(values), 0.5)


class OverviewStrip(pg.PlotWidget):
    """Whole-recording strip; emits :attr:`time_clicked` with the clicked time in seconds."""

    time_clicked = Signal(float)

    def __init__(self, parent=None) -> None:
        self.axis = ClockAxis(orientation="bottom")
        super().__init__(parent, axisItems={"bottom": self.axis})
        self.setMinimumHeight(80)
        self.setMaximumHeight(120)
        item = self.getPlotItem()
        item.hideButtons()
        item.hideAxis("left")
        item.setMenuEnabled(False)
        self.view_box = item.getViewBox()
        self.view_box.setMouseEnabled(x=False, y=False)
        self.view_box.setDefaultPadding(0.0)
        self.duration = 0.0
        self.attention = pg.PlotCurveItem(fillLevel=0.0)
        self.prompt_curve = pg.PlotCurveItem()
        self.annotation_ticks = pg.PlotCurveItem(connect="pairs")
        self.page_marker = QGraphicsRectItem()
        self.page_marker.setZValue(20)
        for curve in (self.attention, self.prompt_curve, self.annotation_ticks):
            # Paging moves only the page marker: the curves are blitted from a cached pixmap
            # instead of stroking, say, 10,000 annotation ticks again on every step.
            curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.view_box.addItem(curve)
        self.view_box.addItem(self.page_marker, ignoreBounds=True)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.apply_colours(LIGHT)

    def apply_colours(self, colours: PlotColours) -> None:
        """Recolour the strip for a palette."""
        self.setBackground(colours.background)
        self.axis.setPen(pg.mkPen(colours.grid))
        self.axis.setTextPen(pg.mkPen(colours.text))
        attention = QColor(colours.attention)
        self.attention.setPen(pg.mkPen(attention, width=1))
        attention.setAlpha(110)
        self.attention.setBrush(QBrush(attention))
        self.prompt_curve.setPen(pg.mkPen(colours.prompt_curve, width=2))
        self.annotation_ticks.setPen(pg.mkPen(colours.annotation, width=1))
        marker = QColor(colours.page_marker)
        self.page_marker.setPen(QPen(marker, 0))
        marker.setAlpha(60)
        self.page_marker.setBrush(QBrush(marker))

    def set_duration(self, duration_s: float) -> None:
        """Show a recording of ``duration_s`` seconds; clears the curves."""
        self.duration = float(duration_s)
        for curve in (self.attention, self.prompt_curve):
            curve.clear()
            curve.update()  # clear() does not repaint, and the cached pixmap would stay
        self.view_box.setRange(xRange=(0.0, max(self.duration, 1.0)), yRange=(0.0, 1.05))

    def set_annotations(self, onsets: np.ndarray) -> None:
        """Mark annotation onsets as short ticks along the bottom."""
        onsets = np.asarray(onsets, dtype=float)
        x = np.repeat(onsets, 2)
        y = np.tile([0.0, 0.12], len(onsets))
        self.annotation_ticks.setData(x, y)

    def set_attention(self, crop_starts: np.ndarray, crop_s: float, weights: np.ndarray) -> None:
        """Draw one bar per crop; even attention (every crop 1/n) fills a quarter of the height."""
        starts = np.asarray(crop_starts, dtype=float)
        if not len(starts):
            self.attention.clear()
            self.attention.update()
            return
        edges = np.append(starts, starts[-1] + crop_s)
        relative = np.asarray(weights, dtype=float) * len(starts)  # 1 = an even share
        heights = np.clip(relative / UNIFORM_TO_FULL, 0.0, 1.0)
        self.attention.setData(edges, heights * 0.95, stepMode="center")

    def set_prompt_curve(self, crop_starts: np.ndarray, crop_s: float, scores: np.ndarray) -> None:
        """Draw a prompt's per-crop similarity, scaled to the strip's height."""
        times = np.asarray(crop_starts, dtype=float) + crop_s / 2
        self.prompt_curve.setData(times, _unit_range(np.asarray(scores, dtype=float)) * 0.95)

    def set_page(self, start_s: float, stop_s: float) -> None:
        """Mark the page on screen."""
        self.page_marker.setRect(QRectF(start_s, 0.0, stop_s - start_s, 1.05))

    def _clicked(self, event) -> None:
        if self.duration <= 0:
            return
        point = self.view_box.mapSceneToView(event.scenePos())
        if 0.0 <= point.x() <= self.duration:
            self.time_clicked.emit(float(point.x()))
