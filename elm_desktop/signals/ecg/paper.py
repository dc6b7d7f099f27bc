"""ECG paper as an electrocardiograph prints it: the 12-lead layout, its grid and its scales.

Three rows of four leads (I, aVR, V1, V4 / II, aVL, V2, V5 / III, aVF, V3, V6), each lead showing
its quarter of the page, then a lead II rhythm strip over the whole page; a 1 mV, 200 ms
calibration pulse opens every row; 1 mm minor and 5 mm major lines. Shared by the window's ECG
view and the HTML page's tracing, so that both print the same paper.
"""

from __future__ import annotations

import numpy as np

SPEEDS_MM_S = (25.0, 50.0)
GAINS_MM_MV = (5.0, 10.0, 20.0)
LAYOUT: tuple[tuple[str, ...], ...] = (
    ("I", "aVR", "V1", "V4"),
    ("II", "aVL", "V2", "V5"),
    ("III", "aVF", "V3", "V6"),
)
RHYTHM_LEAD = "II"
COLUMN_MM = 62.5
"""Width of one lead's panel: 2.5 s at 25 mm/s."""
ROW_MM = 40.0
BASELINE_FRACTION = 0.6
"""Where a row's baseline sits, from its top: QRS complexes point mostly up."""
PULSE_MV, PULSE_S = 1.0, 0.2
MINOR_MM, MAJOR_MM = 1.0, 5.0
MINOR_COLOUR, MAJOR_COLOUR = "#f6c4c4", "#e27878"
"""The conventional pink-red of ECG paper."""
TRACE_COLOUR = "#101010"


def page_seconds(speed_mm_s: float) -> float:
    """Return how much of the record one page (four panels) shows at ``speed_mm_s``."""
    return 4 * COLUMN_MM / speed_mm_s


def left_margin_mm(speed_mm_s: float) -> float:
    """Return the room before the traces: the calibration pulse and a gap, on a major line."""
    return MAJOR_MM * np.ceil((4.0 + PULSE_S * speed_mm_s) / MAJOR_MM)


def baseline_mm(row: int) -> float:
    """Return the paper y (mm, down) of a row's 0 mV line."""
    return (row + BASELINE_FRACTION) * ROW_MM
