"""The ECG page's tracing and ST table: paper at true scale, the leads where the layout puts them."""

from __future__ import annotations

import re

import numpy as np

from elm_desktop.clinical.html_ecg import ecg_paper_svg, st_table
from elm_desktop.signals.ecg import STANDARD_LEADS
from elm_desktop.signals.ecg.paper import COLUMN_MM, baseline_mm, left_margin_mm

SFREQ = 500.0


def _traces(svg: str) -> list[np.ndarray]:
    """The polylines with more than the calibration pulse's six points, as [n, 2] mm."""
    lines = re.findall(r'<polyline[^>]*points="([^"]+)"', svg)
    points = [np.array([p.split(",") for p in line.split()], float) for line in lines]
    return [p for p in points if len(p) > 6]


def test_the_tracing_is_ecg_paper_at_25_mm_s_and_10_mm_mv():
    samples = np.zeros((12, int(10 * SFREQ)))
    samples[STANDARD_LEADS.index("V4")] = 1.0  # 1 mV throughout: 10 mm over its baseline
    samples[STANDARD_LEADS.index("II")] = np.linspace(0.0, 2.0, samples.shape[1])
    svg = ecg_paper_svg(samples, SFREQ, STANDARD_LEADS)
    margin = float(left_margin_mm(25.0))
    width = margin + 4 * COLUMN_MM + 5.0
    assert f'width="{width:g}mm" height="160mm"' in svg  # printed at true size
    traces = _traces(svg)
    assert len(traces) == 13  # 3 x 4 panels and the rhythm strip
    v4 = traces[3]  # row 0: I, aVR, V1, V4
    assert np.allclose(v4[:, 1], baseline_mm(0) - 10.0)
    # V4 shows the page's last quarter, 7.5-10 s, at 25 mm/s after the margin.
    assert np.isclose(v4[0, 0], margin + 3 * COLUMN_MM) and np.isclose(
        v4[-1, 0], margin + 250.0, atol=0.1
    )
    rhythm = traces[12]  # lead II over the whole 10 s: 0 to 2 mV, 0 to 20 mm up
    assert np.isclose(rhythm[0, 0], margin) and np.isclose(rhythm[-1, 0], margin + 250.0, atol=0.1)
    assert np.isclose(rhythm[0, 1], baseline_mm(3)) and np.isclose(
        rhythm[-1, 1], baseline_mm(3) - 20.0, atol=0.01
    )
    # A 4 s record leaves the panels after 4 s blank.
    assert len(_traces(ecg_paper_svg(samples[:, : int(4 * SFREQ)], SFREQ, STANDARD_LEADS))) == 7


def test_a_fast_record_is_drawn_at_most_500_samples_a_second():
    samples = np.zeros((12, 10 * 2000))
    rhythm = _traces(ecg_paper_svg(samples, 2000.0, STANDARD_LEADS))[12]
    assert len(rhythm) == 5000


def test_the_st_table_lists_each_lead_at_j_and_after_in_mv_and_mm_but_those_not_read():
    after = {"II": 0.31, "V2": -0.12, "I": 0.0, "V3": None, "V4": 0.1}
    at_j = {"I": 0.0, "II": 0.05, "V2": -0.1, "V3": None, "V4": 0.1}
    table = "".join(st_table(after, at_j, unreadable=("V4",)))  # V4: as an older summary
    cell = r"<td>([^<]+)</td>"
    rows = re.findall(rf"<tr>{cell * 4}</tr>", table)
    assert rows == [
        ("I", "+0.00", "+0.00", "+0.0"),
        ("II", "+0.05", "+0.31", "+3.1"),
        ("V2", "-0.10", "-0.12", "-1.2"),
    ]
    assert "<tr><td>V3</td><td colspan=3>not read: flat or noise only</td></tr>" in table
    assert "<tr><td>V4</td><td colspan=3>not read: flat or noise only</td></tr>" in table
