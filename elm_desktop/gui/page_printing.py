"""EEG pages on paper: the traces as the reviewer sees them, drawn on a printer or a PDF file.

Each page is read from the recording (:func:`~elm_desktop.signals.display.read_page`) in the
montage, display filters, sensitivity and page length on screen, and drawn at true size: the
sensitivity in microvolts per millimetre of paper, the page length across the paper's width.
A header line names montage, filters, sensitivity, page length (and paper speed), the time span
and, when the file has a start time, the clock time; a calibration bar (1, 2 or 5 times a power
of ten microvolts, and 1 s) sits at the bottom right; channel labels at the left; seconds are
ruled and labelled. The patient's name, code and birth date and the recording date are printed
only when asked (``include_patient``). Nothing here needs a widget: it paints on any
:class:`~PySide6.QtGui.QPagedPaintDevice` (:class:`~PySide6.QtGui.QPdfWriter`, a printer).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPolygonF,
)

from elm_desktop.errors import OutputError
from elm_desktop.gui.palette import LIGHT
from elm_desktop.gui.trace_view import (
    chain_groups,
    clock,
    is_right_hemisphere,
    scale_bar_microvolts,
)
from elm_desktop.signals.derivations import Derivation, Montage
from elm_desktop.signals.display import DisplayFilter, read_page

PDF_DPI = 300
MARGIN_MM = 8.0
HEADER_MM = 11.0
LABEL_MM = 22.0
AXIS_MM = 6.0
CALIBRATION_MM = 11.0
"""The strip under the time labels that holds the calibration bar (at most 10 mm tall)."""
MAX_PAGES = 500
"""The most pages one export writes (about 80 minutes at 10 s a page)."""


@dataclass(frozen=True)
class PrintLayout:
    """How the pages look: what the trace view shows.

    Attributes
    ----------
    montage : Montage
    display_filter : DisplayFilter
    sensitivity_uv_mm : float
    page_s : float
    left_out : frozenset of str
        Derivation labels left off (the channel selection); hidden derivations are left off too.
    """

    montage: Montage
    display_filter: DisplayFilter
    sensitivity_uv_mm: float
    page_s: float
    left_out: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PageRequest:
    """Which pages of which recording to print, and how.

    Attributes
    ----------
    recording : Recording
    layout : PrintLayout
    starts : tuple of float
        Page starts in seconds.
    include_patient : bool
        Print the patient's name, code, birth date and the recording date (off by default).
    title : str
        Printed at the top of each page (e.g. the recording's opaque id; never its file name
        unless the caller chose so, as names of files often name patients).
    events : tuple of (onset_s, label)
        Marks drawn over the traces with their labels.
    """

    recording: object
    layout: PrintLayout
    starts: tuple[float, ...]
    include_patient: bool = False
    title: str = ""
    events: tuple[tuple[float, str], ...] = ()


def _hz(value: float | None) -> str:
    return "off" if not value else f"{value:g} Hz"


def _clock_of_day(start: dt.datetime, seconds: float) -> str:
    return (start + dt.timedelta(seconds=seconds)).strftime("%H:%M:%S")


def header_line(recording, layout: PrintLayout, start_s: float, stop_s: float, paper_mm_s: float):
    """Return the header line of a page (no patient field, no date)."""
    flt = layout.display_filter
    parts = [
        f"Montage: {layout.montage.description}",
        f"Filters: LFF {_hz(flt.lff)}, HFF {_hz(flt.hff)}, notch {_hz(flt.notch)}",
        f"Sensitivity: {layout.sensitivity_uv_mm:g} µV/mm",
        f"Page: {layout.page_s:g} s ({paper_mm_s:.1f} mm/s)",
        f"Time: {clock(start_s)}–{clock(stop_s)}",
    ]
    start = recording.patient.meas_date
    if start is not None:
        parts.append(f"Clock: {_clock_of_day(start, start_s)}–{_clock_of_day(start, stop_s)}")
    return "   ".join(parts)


def patient_line(recording) -> str:
    """Return the patient's identifying fields and the recording date (printed only on request)."""
    patient = recording.patient
    fields = []
    if patient.name:
        fields.append(f"Patient: {patient.name}")
    if patient.code:
        fields.append(f"ID: {patient.code}")
    if patient.birthdate:
        fields.append(f"Born: {patient.birthdate}")
    if not fields and patient.patient.strip():
        fields.append(f"Patient: {patient.patient.strip()}")
    if patient.meas_date is not None:
        fields.append(f"Recorded: {patient.meas_date:%Y-%m-%d %H:%M}")
    return "   ".join(fields) or "Patient: not given in the file"


def page_starts(duration_s: float, page_s: float, first: int, last: int) -> list[float]:
    """Return the start times of pages ``first`` to ``last`` (1-based, page k from (k-1)*page_s).

    Raises
    ------
    OutputError
        The range is empty, outside the recording or longer than :data:`MAX_PAGES`.
    """
    n_pages = max(1, math.ceil(duration_s / page_s - 1e-9))
    if not 1 <= first <= last <= n_pages:
        raise OutputError(f"choose pages between 1 and {n_pages} (asked {first} to {last})")
    if last - first + 1 > MAX_PAGES:
        raise OutputError(f"at most {MAX_PAGES} pages at a time (asked {last - first + 1})")
    return [(k - 1) * page_s for k in range(first, last + 1)]


def count_pages(duration_s: float, page_s: float) -> int:
    """Return how many pages of ``page_s`` a recording fills (the last one may be short)."""
    return max(1, math.ceil(duration_s / page_s - 1e-9))


def _rows(recording, layout: PrintLayout) -> tuple[list[int], list[Derivation]]:
    derivations = list(layout.montage.derivations(recording.electrodes))
    shown = [
        i for i, d in enumerate(derivations) if not d.hidden and d.label not in layout.left_out
    ]
    return shown, derivations


def _polyline(painter: QPainter, xs: np.ndarray, ys: np.ndarray) -> None:
    """Draw the finite runs of a trace."""
    finite = np.isfinite(ys)
    if finite.all():
        runs = [(0, len(ys))]
    else:
        edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(int), [0]])))
        runs = list(zip(edges[::2], edges[1::2], strict=True))
    for a, b in runs:
        if b - a > 1:
            painter.drawPolyline(
                QPolygonF([QPointF(x, y) for x, y in zip(xs[a:b], ys[a:b], strict=True)])
            )


class _Painter:
    """Draws pages on one paged device, in millimetres of paper."""

    def __init__(self, device: QPagedPaintDevice, painter: QPainter) -> None:
        self.device = device
        self.painter = painter
        self.px_mm = device.logicalDpiX() / 25.4
        self.width_mm = device.width() / self.px_mm
        self.height_mm = device.height() / self.px_mm

    def font(self, points: float, bold: bool = False) -> None:
        font = QFont("Sans Serif")
        font.setPointSizeF(points)
        font.setBold(bold)
        self.painter.setFont(font)

    def pen(self, colour: str, width_mm: float = 0.15) -> None:
        pen = QPen(QColor(colour))
        pen.setWidthF(width_mm * self.px_mm)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self.painter.setPen(pen)

    def text(self, x_mm: float, y_mm: float, w_mm: float, h_mm: float, text: str, align) -> None:
        s = self.px_mm
        self.painter.drawText(QRectF(x_mm * s, y_mm * s, w_mm * s, h_mm * s), align, text)

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        s = self.px_mm
        self.painter.drawLine(QPointF(x0 * s, y0 * s), QPointF(x1 * s, y1 * s))


def draw_page(
    target: _Painter, request: PageRequest, start_s: float, page_number: tuple[int, int]
) -> None:
    """Draw one EEG page at ``start_s`` on the current sheet of ``target``."""
    recording, layout, include_patient = request.recording, request.layout, request.include_patient
    title, events = request.title, request.events
    stop_s = min(start_s + layout.page_s, recording.duration)
    page = read_page(recording, start_s, stop_s - start_s, layout.montage, layout.display_filter)
    shown, derivations = _rows(recording, layout)
    left, top = LABEL_MM, HEADER_MM + (4.0 if include_patient else 0.0)
    width = target.width_mm - LABEL_MM - 2.0
    height = target.height_mm - top - AXIS_MM - CALIBRATION_MM
    mm_per_s = width / layout.page_s
    align_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    align_right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    centred = Qt.AlignmentFlag.AlignCenter

    target.pen("#000000")
    target.font(7.5, bold=True)
    heading = f"{title}   page {page_number[0]} of {page_number[1]}" if title else ""
    target.text(0, 0, target.width_mm, 4.5, heading or f"page {page_number[0]}", align_left)
    target.font(7.0)
    header = header_line(recording, layout, start_s, stop_s, mm_per_s)
    target.text(0, 4.5, target.width_mm, 4.5, header, align_left)
    if include_patient:
        target.text(0, 9.0, target.width_mm, 4.5, patient_line(recording), align_left)

    # Seconds ruled and labelled (clock time when the file has a start time).
    target.pen("#c8c8c8", 0.1)
    target.font(6.0)
    start_time = recording.patient.meas_date
    every = 5 if layout.page_s > 15 else 1
    for second in np.arange(math.ceil(start_s), stop_s + 1e-9):
        x = left + (second - start_s) * mm_per_s
        target.pen("#c8c8c8", 0.1)
        target.line(x, top, x, top + height)
        if int(second) % every == 0 and x + 10 <= target.width_mm:
            target.pen("#000000")
            label = (
                _clock_of_day(start_time, float(second))
                if start_time is not None
                else clock(float(second))
            )
            target.text(x - 10, top + height + 0.5, 20, 4, label, centred)

    # Events and annotations in the lane above the traces.
    target.font(6.0)
    for onset, label in events:
        if start_s <= onset <= stop_s:
            x = left + (onset - start_s) * mm_per_s
            target.pen("#b05000", 0.2)
            target.line(x, top, x, top + height)
            target.text(x + 0.5, top - 3.5, 40, 3.5, label, align_left)

    # Traces: negative up, at the sensitivity in microvolts per millimetre of paper.
    labels = [derivations[i].label for i in shown]
    rows = np.arange(len(shown)) + 0.5 * np.asarray(chain_groups(labels) if labels else [])
    row_mm = height / ((rows[-1] if len(shown) else 0.0) + 1.0)
    offsets = top + (rows + 0.5) * row_mm
    times = left + (page.times - start_s) * mm_per_s
    painter = target.painter
    painter.save()
    s = target.px_mm
    painter.setClipRect(QRectF(0, top * s, (left + width) * s, height * s))
    target.font(6.5)
    for row, offset in zip(shown, offsets, strict=True):
        derivation = derivations[row]
        marks = (f" ×{derivation.gain:g}" if derivation.gain != 1 else "") + (
            " inv" if derivation.inverted else ""
        )
        absent = not page.available[row]
        target.pen("#000000")
        target.text(0, offset - 2, LABEL_MM - 1, 4, derivation.label + marks, align_right)
        if absent:
            target.pen("#888888")
            target.text(left + 1, offset - 2, 60, 4, "(electrode absent)", align_left)
            continue
        colour = derivation.colour or (
            LIGHT.trace_right if is_right_hemisphere(derivation.label) else LIGHT.trace
        )
        target.pen(colour, 0.12)
        factor = derivation.gain * (-1.0 if derivation.inverted else 1.0)
        ys = offset + page.data[row] * factor / layout.sensitivity_uv_mm
        _polyline(painter, times * s, ys * s)
    painter.restore()

    # Calibration bar: a round number of microvolts tall (about 1 cm), 1 s wide.
    microvolts = scale_bar_microvolts(layout.sensitivity_uv_mm)
    bar_mm = microvolts / layout.sensitivity_uv_mm
    # Under the traces (it hides none of them), at the right, beside its labels.
    x_end = left + width - 2.0
    y_bottom = target.height_mm - 0.5
    target.pen("#000000", 0.3)
    target.line(x_end - mm_per_s, y_bottom, x_end, y_bottom)
    target.line(x_end, y_bottom, x_end, y_bottom - bar_mm)
    target.font(6.5)
    target.text(x_end - mm_per_s - 41, y_bottom - 4, 40, 4, f"{microvolts:g} µV, 1 s", align_right)


def print_pages(
    device: QPagedPaintDevice,
    request: PageRequest,
    step: Callable[[int, int], None] | None = None,
) -> int:
    """Draw one sheet per page of ``request`` on ``device`` (a PDF writer or a printer).

    Parameters
    ----------
    device : QPagedPaintDevice
    request : PageRequest
    step : callable, optional
        Called as ``step(done, total)`` before each page; it may raise
        :class:`~elm_desktop.errors.CancelledError` to stop.

    Returns
    -------
    int
        The number of pages drawn.
    """
    painter = QPainter()
    if not painter.begin(device):
        raise OutputError("cannot draw on the printer or PDF file (is it writable?)")
    starts = request.starts
    try:
        target = _Painter(device, painter)
        for index, start_s in enumerate(starts):
            if step is not None:
                step(index, len(starts))
            if index:
                device.newPage()
            draw_page(target, request, float(start_s), (index + 1, len(starts)))
    finally:
        painter.end()
    return len(starts)


class _Sheet(QImage):
    """An image that takes the place of one sheet of paper."""

    def newPage(self) -> bool:
        return True


def page_image(request: PageRequest, start_s: float, dpi: float = 150.0) -> QImage:
    """Return one page as an image of an A4 landscape sheet inside the PDF's margins.

    What :func:`write_pages_pdf` draws, at ``dpi`` (a preview, or a picture for the docs).
    """
    px_mm = dpi / 25.4
    size = (297.0 - 2 * MARGIN_MM, 210.0 - 2 * MARGIN_MM)
    sheet = _Sheet(int(size[0] * px_mm), int(size[1] * px_mm), QImage.Format.Format_RGB32)
    sheet.setDotsPerMeterX(int(round(dpi / 0.0254)))
    sheet.setDotsPerMeterY(int(round(dpi / 0.0254)))
    sheet.fill(QColor("#ffffff"))
    painter = QPainter(sheet)
    try:
        draw_page(_Painter(sheet, painter), request, float(start_s), (1, 1))
    finally:
        painter.end()
    return QImage(sheet)


def write_pages_pdf(
    path: str | Path, request: PageRequest, step: Callable[[int, int], None] | None = None
) -> Path:
    """Write the pages of ``request`` to a PDF file (A4 landscape) and return its path.

    ``step`` is that of :func:`print_pages`. A stopped or failed export leaves no file.

    Raises
    ------
    OutputError
        No page to write, or the file could not be written.
    """
    path = Path(path)
    if not request.starts:
        raise OutputError("no page to write")
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle("EEG pages")
    writer.setCreator("ELM Desktop")
    try:
        print_pages(writer, request, step)
    except BaseException:
        del writer
        path.unlink(missing_ok=True)
        raise
    del writer  # the file is complete once the writer is gone
    if not path.is_file() or path.stat().st_size == 0:
        raise OutputError(f"{path} could not be written")
    return path
