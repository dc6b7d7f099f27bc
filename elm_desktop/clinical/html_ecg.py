"""What an ECG's HTML page draws from the file itself: the 12 leads on paper, the ST per lead.

A cardiologist reading an exported analysis wants the tracing it rests on and the measurement
behind an ST statement (a trial: the page had neither). The tracing is the first page of ECG
paper as the window's ECG view draws it (:mod:`elm_desktop.signals.ecg.paper`: 3 x 4 leads and a
lead II rhythm strip, 25 mm/s, 10 mm/mV, the samples as read, unfiltered), an inline SVG sized in
millimetres, so that it prints at true size; nothing identifying is drawn.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.clinical.ecg_report import implausible_voltages
from elm_desktop.signals.ecg import STANDARD_LEADS, read_ecg
from elm_desktop.signals.ecg.paper import (
    COLUMN_MM,
    LAYOUT,
    MAJOR_COLOUR,
    MAJOR_MM,
    MINOR_COLOUR,
    MINOR_MM,
    PULSE_MV,
    PULSE_S,
    RHYTHM_LEAD,
    ROW_MM,
    TRACE_COLOUR,
    baseline_mm,
    left_margin_mm,
    page_seconds,
)

SPEED_MM_S = 25.0
GAIN_MM_MV = 10.0
#: The tracing keeps at most this many samples a second (a 0.1 mm step at 25 mm/s).
MAX_DRAWN_HZ = 500.0


def ecg_figures(path: str | Path, summary: Mapping[str, Any]) -> list[str]:
    """The page's blocks drawn from the ECG file: its tracing, then its ST level per lead
    (left out where the voltages cannot be a human ECG's: nothing is measured then)."""
    ecg = read_ecg(path)
    shown = min(ecg.duration, page_seconds(SPEED_MM_S))
    derived = (
        f"; {', '.join(ecg.derived_leads)} computed from I and II" if ecg.derived_leads else ""
    )
    caption = (
        f"12-lead ECG, {shown:g} s of {ecg.duration:g} s as recorded (no filter{derived}), "
        f"{SPEED_MM_S:g} mm/s, {GAIN_MM_MV:g} mm/mV; 1 mm squares at true size when printed"
    )
    blocks = [
        "<h2>Tracing</h2>",
        f"<figure><figcaption>{html.escape(caption)}</figcaption>"
        f"{ecg_paper_svg(ecg.samples_mv, ecg.sfreq, STANDARD_LEADS)}</figure>",
    ]
    measured = summary.get("ecg_measurements") or {}
    if measured.get("st_mv") and not implausible_voltages(ecg.measurements):
        blocks += st_table(measured["st_mv"], measured["st_j_mv"], ecg.unreadable)
    return blocks


def ecg_paper_svg(
    samples_mv: np.ndarray,
    sfreq: float,
    leads: Sequence[str],
    speed_mm_s: float = SPEED_MM_S,
    gain_mm_mv: float = GAIN_MM_MV,
) -> str:
    """One page of ECG paper with the record's first seconds, as inline SVG in millimetres.

    Parameters
    ----------
    samples_mv : ndarray, shape (n_leads, n_samples)
        The leads in mV, rows named by ``leads``.
    sfreq : float
    leads : sequence of str
        Must hold every lead of the layout.
    speed_mm_s, gain_mm_mv : float
        Paper speed and gain.
    """
    margin = float(left_margin_mm(speed_mm_s))
    width, height = margin + 4 * COLUMN_MM + MAJOR_MM, (len(LAYOUT) + 1) * ROW_MM
    page_s = page_seconds(speed_mm_s)
    step = max(1, int(np.ceil(sfreq / MAX_DRAWN_HZ)))
    row_of = {lead: k for k, lead in enumerate(leads)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" height="{height:g}mm" '
        f'viewBox="0 0 {width:g} {height:g}" style="background:#fff">',
        _grid(width, height),
    ]
    pulse_end = 3.0 + PULSE_S * speed_mm_s
    for row in range(len(LAYOUT) + 1):
        base = baseline_mm(row)
        top = base - PULSE_MV * gain_mm_mv
        parts.append(
            f'<polyline fill="none" stroke="{TRACE_COLOUR}" stroke-width="0.25" points="1,{base:g} '
            f"3,{base:g} 3,{top:g} {pulse_end:g},{top:g} {pulse_end:g},{base:g} "
            f'{margin - 1:g},{base:g}"/>'
        )
        panels = [RHYTHM_LEAD] if row == len(LAYOUT) else list(LAYOUT[row])
        span = page_s / len(panels)
        for column, lead in enumerate(panels):
            x0 = margin + column * span * speed_mm_s
            parts.append(
                f'<text x="{x0 + 1:g}" y="{row * ROW_MM + 4:g}" font-size="3.5" '
                f'font-family="sans-serif" fill="{TRACE_COLOUR}">{html.escape(lead)}</text>'
            )
            if column:  # a short tick where one lead gives way to the next
                parts.append(
                    f'<line x1="{x0:g}" y1="{base - 3:g}" x2="{x0:g}" y2="{base + 3:g}" '
                    f'stroke="{TRACE_COLOUR}" stroke-width="0.25"/>'
                )
            first = int(round(column * span * sfreq))
            last = min(int(round((column + 1) * span * sfreq)) + 1, samples_mv.shape[1])
            if first >= last:
                continue  # a record shorter than the page leaves the later panels blank
            indices = np.arange(first, last, step)
            x = margin + indices / sfreq * speed_mm_s
            y = base - np.asarray(samples_mv[row_of[lead], indices], np.float64) * gain_mm_mv
            points = " ".join(f"{a:.2f},{b:.2f}" for a, b in zip(x, y, strict=True))
            parts.append(
                f'<polyline fill="none" stroke="{TRACE_COLOUR}" stroke-width="0.25" '
                f'stroke-linejoin="round" points="{points}"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _grid(width: float, height: float) -> str:
    """The 1 mm and 5 mm lines, one path each."""
    paths = []
    for step, colour, stroke in ((MINOR_MM, MINOR_COLOUR, 0.08), (MAJOR_MM, MAJOR_COLOUR, 0.18)):
        xs, ys = np.arange(0.0, width + 1e-9, step), np.arange(0.0, height + 1e-9, step)
        lines = [f"M{x:g} 0V{height:g}" for x in xs] + [f"M0 {y:g}H{width:g}" for y in ys]
        paths.append(
            f'<path d="{"".join(lines)}" stroke="{colour}" stroke-width="{stroke}" fill="none"/>'
        )
    return "".join(paths)


def st_table(
    st_mv: Mapping[str, float | None],
    st_j_mv: Mapping[str, float | None],
    unreadable: Sequence[str] = (),
) -> list[str]:
    """The ST level of each lead as the median beat measures it at the J point and after it
    (``st_mv``), in mV and on paper; a lead the reader found flat or of noise only
    (``unreadable``, or a null level: a summary saved before 2026-12-06 has levels for it) is
    listed as not read."""

    def row(lead: str) -> str:
        name = f"<td>{html.escape(lead)}</td>"
        at_j, after = st_j_mv[lead], st_mv[lead]
        if lead in unreadable or at_j is None or after is None:
            return f"<tr>{name}<td colspan=3>not read: flat or noise only</td></tr>"
        return f"<tr>{name}<td>{at_j:+.2f}</td><td>{after:+.2f}</td><td>{after * GAIN_MM_MV:+.1f}</td></tr>"

    rows = "".join(row(lead) for lead in STANDARD_LEADS if lead in st_mv)
    return [
        "<h2>ST level per lead</h2>",
        "<p>Median beat, at the J point and 60 ms after it (40 ms over 100/min), against the PR "
        "segment; acute injury is read where both meet its limit. The draft says which other "
        "leads it does not read, and why.</p>",
        "<table><tr><th>lead</th><th>at J (mV)</th><th>after J (mV)</th>"
        f"<th>after J on paper (mm at {GAIN_MM_MV:g} mm/mV)</th></tr>{rows}</table>",
    ]
