"""Interval markers (annotations, highlighted segments) drawn only for the visible window.

A recording can carry thousands of annotations. Making one graphics item per annotation slows
every repaint, so an :class:`IntervalLayer` keeps the intervals as sorted arrays and a small pool
of items that it moves onto whatever falls in the visible window.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

MAX_VISIBLE = 200
"""Most intervals drawn at once; beyond that the window is too crowded to read anyway."""


class IntervalLayer:
    """Translucent bands, optionally labelled, over a :class:`pyqtgraph.ViewBox`.

    Parameters
    ----------
    view_box
        The view the bands are drawn in (x in seconds, y in the view's units).
    colour
        Band colour; the alpha of each band is ``max_alpha`` times its strength.
    max_alpha
        Alpha (0-255) of a band of strength 1.
    z
        Stacking order relative to the traces (negative: behind them).
    """

    def __init__(self, view_box: pg.ViewBox, colour: str, max_alpha: int, z: float) -> None:
        self.view_box = view_box
        self.colour = QColor(colour)
        self.max_alpha = max_alpha
        self.z = z
        self.starts = np.empty(0)
        self.stops = np.empty(0)
        self.strengths = np.empty(0)
        self.labels: list[str] = []
        self._longest = 0.0
        self._bands: list[QGraphicsRectItem] = []
        self._texts: list[pg.TextItem] = []
        self.visible_indices = np.empty(0, dtype=int)

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

    def indices_in(self, t0: float, t1: float) -> np.ndarray:
        """Return the indices of intervals that overlap ``[t0, t1]``."""
        lo = int(np.searchsorted(self.starts, t0 - self._longest, side="left"))
        hi = int(np.searchsorted(self.starts, t1, side="right"))
        candidates = np.arange(lo, hi)
        return candidates[self.stops[lo:hi] >= t0]

    def show_window(self, t0: float, t1: float, y_top: float, y_bottom: float) -> None:
        """Place bands (and labels) on the intervals visible in ``[t0, t1]``."""
        indices = self.indices_in(t0, t1)[:MAX_VISIBLE]
        self.visible_indices = indices
        min_width = (t1 - t0) * 0.002  # an instant event still shows as a thin line
        for slot, index in enumerate(indices):
            band = self._band(slot)
            start, stop = self.starts[index], self.stops[index]
            band.setRect(start, y_top, max(stop - start, min_width), y_bottom - y_top)
            colour = QColor(self.colour)
            colour.setAlpha(int(self.max_alpha * self.strengths[index]))
            band.setBrush(QBrush(colour))
            band.setVisible(True)
            if self.labels:
                text = self._text(slot)
                text.setText(self.labels[index])
                text.setPos(max(start, t0), y_top)
                text.setVisible(True)
        for band in self._bands[len(indices) :]:
            band.setVisible(False)
        for text in self._texts[len(indices) :]:
            text.setVisible(False)

    def set_text_colour(self, colour: str) -> None:
        """Change the colour of the labels."""
        for text in self._texts:
            text.setColor(colour)

    def _band(self, slot: int) -> QGraphicsRectItem:
        while len(self._bands) <= slot:
            band = QGraphicsRectItem()
            band.setPen(QPen(pg.mkColor(0, 0, 0, 0)))
            band.setZValue(self.z)
            self.view_box.addItem(band, ignoreBounds=True)
            self._bands.append(band)
        return self._bands[slot]

    def _text(self, slot: int) -> pg.TextItem:
        while len(self._texts) <= slot:
            colour = QColor(self.colour)
            text = pg.TextItem(color=colour, anchor=(0, 1))
            text.setZValue(self.z + 100)
            self.view_box.addItem(text, ignoreBounds=True)
            self._texts.append(text)
        return self._texts[slot]
