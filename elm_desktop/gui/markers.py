"""Interval markers (annotations, highlighted segments) drawn only for the visible window.

A recording can carry thousands of annotations. One graphics item per annotation would slow
every repaint, so an :class:`IntervalLayer` keeps the intervals as sorted arrays and is itself
one item that paints just the intervals that overlap the page on screen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFontMetricsF, QPainter

MAX_VISIBLE = 500
"""Most intervals painted at once; beyond that a page is too crowded to read anyway."""
LABEL_GAP_PX = 6.0
"""Labels closer than this to the previous one are left out rather than drawn over it."""


class IntervalLayer(pg.GraphicsObject):
    """Translucent bands, optionally labelled, in a :class:`pyqtgraph.ViewBox`.

    Parameters
    ----------
    colour
        Band colour; the alpha of each band is ``max_alpha`` times its strength.
    max_alpha
        Alpha (0-255) of a band of strength 1.
    z
        Stacking order relative to the traces (negative: behind them).
    """

    def __init__(self, colour: str, max_alpha: int, z: float) -> None:
        super().__init__()
        self.colour = QColor(colour)
        self.text_colour = QColor(colour)
        self.max_alpha = max_alpha
        self.setZValue(z)
        self.starts = np.empty(0)
        self.stops = np.empty(0)
        self.strengths = np.empty(0)
        self.labels: list[str] = []
        self._longest = 0.0
        self._window = QRectF()
        self.visible_indices = np.empty(0, dtype=int)
        self._spans: list[tuple] = []
        self.labelled_indices: list[int] = []

    def set_intervals(
        self,
        starts: Sequence[float] | np.ndarray,
        durations: Sequence[float] | np.ndarray,
        labels: Sequence[str] | None = None,
        strengths: Sequence[float] | np.ndarray | None = None,
    ) -> None:
        """Replace the intervals (any order; they are sorted by start)."""
        starts = np.asarray(starts, dtype=float)
        order = np.argsort(starts, kind="stable")
        self.starts = starts[order]
        durations = np.asarray(durations, dtype=float)[order] if len(starts) else np.empty(0)
        self.stops = self.starts + durations
        self._longest = float(durations.max()) if len(durations) else 0.0
        self.labels = [labels[i] for i in order] if labels is not None else []
        self.strengths = (
            np.clip(np.asarray(strengths, dtype=float)[order], 0.0, 1.0)
            if strengths is not None
            else np.ones(len(starts))
        )
        self.update()

    def indices_in(self, t0: float, t1: float) -> np.ndarray:
        """Return the indices of intervals that overlap ``[t0, t1]``."""
        lo = int(np.searchsorted(self.starts, t0 - self._longest, side="left"))
        hi = int(np.searchsorted(self.starts, t1, side="right"))
        candidates = np.arange(lo, hi)
        return candidates[self.stops[lo:hi] >= t0]

    def show_window(self, t0: float, t1: float, y_top: float, y_bottom: float) -> None:
        """Paint the intervals visible in ``[t0, t1]`` between ``y_top`` and ``y_bottom``."""
        window = QRectF(t0, y_top, t1 - t0, y_bottom - y_top)
        if window != self._window:
            self.prepareGeometryChange()
            self._window = window
        self.visible_indices = self.indices_in(t0, t1)[:MAX_VISIBLE]
        self._spans = self._merged_spans(self.visible_indices, t0, t1)
        self.update()

    def _merged_spans(self, indices: np.ndarray, t0: float, t1: float) -> list[tuple]:
        """Return (start, stop, alpha) to paint; overlapping bands of one strength merge.

        Blending the same tint many times over costs time and only darkens the traces.
        """
        if not len(indices):
            return []
        min_width = (t1 - t0) * 0.002  # an instant event still shows as a thin line
        starts = np.maximum(self.starts[indices], t0)
        stops = np.minimum(np.maximum(self.stops[indices], starts + min_width), t1)
        alphas = (self.max_alpha * self.strengths[indices]).astype(int)
        if np.ptp(alphas) == 0:
            reach = np.maximum.accumulate(stops)
            first = np.flatnonzero(np.r_[True, starts[1:] > reach[:-1]])
            last = np.r_[first[1:] - 1, len(starts) - 1]
            starts, stops, alphas = starts[first], reach[last], alphas[first]
        return list(zip(starts.tolist(), stops.tolist(), alphas.tolist(), strict=True))

    def boundingRect(self) -> QRectF:
        return self._window

    def paint(self, painter: QPainter, *_args) -> None:
        if not len(self.visible_indices):
            return
        window = self._window
        colour = QColor(self.colour)
        for start, stop, alpha in self._spans:
            colour.setAlpha(alpha)
            painter.fillRect(QRectF(start, window.top(), stop - start, window.height()), colour)
        if self.labels:
            self._paint_labels(painter)

    def _paint_labels(self, painter: QPainter) -> None:
        """Write labels just above the band, unscaled, skipping any that would overlap."""
        transform = painter.transform()
        painter.resetTransform()
        painter.setPen(self.text_colour)
        metrics = QFontMetricsF(painter.font())
        # The view only scales and translates, so every anchor maps in one numpy expression.
        window = self._window
        xs = np.maximum(self.starts[self.visible_indices], window.left()) * transform.m11()
        xs = (xs + transform.m31()).tolist()
        y = window.top() * transform.m22() + transform.m32() - metrics.descent() - 1
        free_from = -np.inf
        self.labelled_indices = []
        for index, x in zip(self.visible_indices.tolist(), xs, strict=True):
            if x < free_from:
                continue
            text = self.labels[index]
            painter.drawText(QPointF(x + 2, y), text)
            free_from = x + metrics.horizontalAdvance(text) + LABEL_GAP_PX
            self.labelled_indices.append(index)
        painter.setTransform(transform)
