"""The reviewer's events on the traces: a whole-recording event across every trace, an event on
one derivation across that trace's row only (across all rows when the montage on screen lacks
that derivation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter

from elm_desktop.gui.markers import IntervalLayer


class EventLayer(IntervalLayer):
    """An :class:`IntervalLayer` whose intervals may each belong to one trace row."""

    def __init__(self, colour: str, max_alpha: int, z: float) -> None:
        super().__init__(colour, max_alpha, z)
        self.channels: list[str | None] = []
        self.tops = np.empty(0)
        self.bottoms = np.empty(0)
        self._rows: tuple[list[str], np.ndarray, float] = ([], np.empty(0), 0.0)

    def set_events(
        self,
        starts: Sequence[float],
        durations: Sequence[float],
        labels: Sequence[str],
        channels: Sequence[str | None],
    ) -> None:
        """Replace the events; ``channels`` holds each one's derivation (None: all)."""
        order = np.argsort(np.asarray(starts, dtype=float), kind="stable")
        self.channels = [channels[i] for i in order]
        self.set_intervals(starts, durations, labels=labels)
        self.place_rows(*self._rows)

    def place_rows(self, labels: list[str], offsets_mm: np.ndarray, row_mm: float) -> None:
        """Say where each trace row is drawn (baselines and row height, millimetres)."""
        self._rows = (list(labels), np.asarray(offsets_mm), float(row_mm))
        row_of = {label: offset for label, offset in zip(labels, offsets_mm, strict=True)}
        centres = np.array([row_of.get(channel, np.nan) for channel in self.channels])
        self.tops = centres - row_mm / 2
        self.bottoms = centres + row_mm / 2
        self.update()

    def paint(self, painter: QPainter, *_args) -> None:
        if not len(self.visible_indices):
            return
        window = self._window
        colour = QColor(self.colour)
        colour.setAlpha(self.max_alpha)
        min_width = window.width() * 0.002  # an instant event still shows as a thin line
        for index in self.visible_indices.tolist():
            start = max(self.starts[index], window.left())
            stop = min(max(self.stops[index], start + min_width), window.right())
            top, bottom = self.tops[index], self.bottoms[index]
            if not np.isfinite(top):
                top, bottom = window.top(), window.bottom()
            painter.fillRect(QRectF(start, top, stop - start, bottom - top), colour)
        if self.labels:
            self._paint_labels(painter)
