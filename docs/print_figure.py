"""Draw the picture of a printed EEG page in ``docs/user-guide.md`` (``images/printed-page.png``).

A synthetic recording with a left frontotemporal spike focus (:mod:`elm_desktop.synth`, fixed
seed) is drawn by the program's own printing code (:func:`elm_desktop.gui.page_printing.page_image`,
what File > Export pages to PDF writes) on an A4 landscape image at 150 dpi::

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/print_figure.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication

from elm_desktop.gui.page_printing import PageRequest, PrintLayout, page_image
from elm_desktop.signals import DisplayFilter, open_recording
from elm_desktop.signals.montages import get_montage
from elm_desktop.synth import Patient, sample_spec, write_recording

IMAGE = Path(__file__).resolve().parent / "images" / "printed-page.png"
DPI = 150


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
        sheet = page_image(request, start, DPI)
        sheet.save(str(IMAGE))
    print(IMAGE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
