"""Draw the picture of a printed EEG page in ``docs/user-guide.md`` (``images/printed-page.png``).

A synthetic recording with a left frontotemporal spike focus (:mod:`elm_desktop.synth`, fixed
seed) is drawn by the program's own printing code (:func:`elm_desktop.gui.page_printing.draw_page`,
what File > Export pages to PDF writes) on an A4 landscape image at 150 dpi::

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/print_figure.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

from elm_desktop.gui.page_printing import PageRequest, PrintLayout, _Painter, draw_page
from elm_desktop.signals import DisplayFilter, open_recording
from elm_desktop.signals.montages import get_montage
from elm_desktop.synth import Patient, sample_spec, write_recording

IMAGE = Path(__file__).resolve().parent / "images" / "printed-page.png"
DPI = 150
A4_LANDSCAPE_MM = (297.0 - 16.0, 210.0 - 16.0)  # inside the 8 mm margins of the PDF


class _Sheet(QImage):
    """An image that takes the place of a PDF page (one sheet)."""

    def newPage(self) -> bool:
        return True


def main() -> int:
    QGuiApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        patient = Patient("docs", 40.0, "F", "focal_epileptiform", "left frontotemporal")
        spec = sample_spec(
            np.random.default_rng(1), "print", patient, 120, abnormal={"focal_epileptiform"}
        )
        rec = open_recording(write_recording(Path(tmp) / "print.edf", spec, 1))
        spike = next(e.onset for e in spec.events if e.kind == "spike")
        start = float(np.clip(np.floor(spike - 4), 0, rec.duration - 10))
        layout = PrintLayout(get_montage("acns-banana"), DisplayFilter(1.0, 70.0, None), 7.0, 10.0)
        request = PageRequest(rec, layout, (start,), title="Recording 3fa2c1d0e9ab")
        px_mm = DPI / 25.4
        sheet = _Sheet(
            int(A4_LANDSCAPE_MM[0] * px_mm),
            int(A4_LANDSCAPE_MM[1] * px_mm),
            QImage.Format.Format_RGB32,
        )
        sheet.setDotsPerMeterX(int(DPI / 0.0254))
        sheet.setDotsPerMeterY(int(DPI / 0.0254))
        sheet.fill(QColor("white"))
        painter = QPainter(sheet)
        draw_page(_Painter(sheet, painter), request, start, (1, 1))
        painter.end()
        sheet.save(str(IMAGE))
    print(IMAGE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
