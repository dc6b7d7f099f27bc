"""ECG calipers: intervals and rate from two time cursors, amplitude from two level cursors.

A reviewer drops cursors by eye, a few pixels from where they mean (one pixel is about 10 ms
and 0.03 mV at 25 mm/s and 10 mm/mV on a 96 DPI screen). A cursor dropped on the trace
therefore snaps to it, as the calipers of ECG review programs do: a time cursor to the
peak of a large wave (an R or S wave, a tall T) within :data:`SNAP_DISTANCE_MM` of the pointer
on paper (the pointer's own time when none is that near), a level cursor to the level of the
trace at its time. Only a pointer on such a peak snaps: the onsets and ends that intervals run
between (P onset, QRS onset, J point, T end) lie off them, and the small waves and dips beside
an onset (a q wave, the dip before a P wave) are too small to attract a cursor, so a cursor
dropped there stays where it fell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

#: Smallest prominence (mV) of a peak a time cursor snaps to: an R or S wave or a tall T, not
#: a P wave, a small q or the dip before a P wave (at 0.1 mV a cursor dropped on a P onset
#: jumped 15 ms to such a dip in a new-user trial).
MIN_PROMINENCE_MV = 0.3
#: How near (paper millimetres) the pointer must be to a peak for a time cursor to snap to it:
#: a hand's aim at an R tip, with the next R a little lower on a wandering baseline (1.6 mm in
#: the same trial, missed at 1 mm).
SNAP_DISTANCE_MM = 2.0


@dataclass(frozen=True)
class CaliperReading:
    """What two pairs of cursors measure; None where a pair is not placed.

    Attributes
    ----------
    interval_ms : float or None
        Time between the two time cursors, in milliseconds.
    rate_bpm : float or None
        The rate of a cycle that long (60000 / interval), beats per minute.
    amplitude_mv : float or None
        Difference between the two level cursors, in millivolts (always positive).
    """

    interval_ms: float | None = None
    rate_bpm: float | None = None
    amplitude_mv: float | None = None

    def describe(self) -> str:
        """Return the reading as one line, e.g. ``"820 ms (73 bpm)   1.42 mV"``."""
        parts = []
        if self.interval_ms is not None:
            rate = f" ({self.rate_bpm:.0f} bpm)" if self.rate_bpm is not None else ""
            parts.append(f"{self.interval_ms:.0f} ms{rate}")
        if self.amplitude_mv is not None:
            parts.append(f"{self.amplitude_mv:.2f} mV")
        return "   ".join(parts)


def read_calipers(
    times_s: tuple[float, float] | None, levels_mv: tuple[float, float] | None
) -> CaliperReading:
    """Measure between two time cursors and between two level cursors.

    Parameters
    ----------
    times_s : (float, float) or None
        The time cursors, seconds.
    levels_mv : (float, float) or None
        The level cursors, millivolts.

    Returns
    -------
    CaliperReading
        The rate is None when the time cursors coincide.
    """
    interval_ms = rate_bpm = amplitude_mv = None
    if times_s is not None:
        interval_ms = abs(times_s[1] - times_s[0]) * 1000.0
        rate_bpm = 60000.0 / interval_ms if interval_ms > 0 else None
    if levels_mv is not None:
        amplitude_mv = abs(levels_mv[1] - levels_mv[0])
    return CaliperReading(interval_ms, rate_bpm, amplitude_mv)


def snap_time(
    signal_mv: np.ndarray,
    sfreq: float,
    time_s: float,
    level_mv: float | None = None,
    mm_per_s: float = 25.0,
    mm_per_mv: float = 10.0,
) -> float:
    """Return the time a cursor dropped at ``time_s`` on a lead snaps to.

    Parameters
    ----------
    signal_mv : ndarray, shape (n,)
        The lead, in millivolts, its first sample at time 0.
    sfreq : float
        Sampling rate, Hz.
    time_s : float
        Where the cursor fell.
    level_mv : float, optional
        The level the pointer was at: the peak nearest on paper is taken (the R tip, not the
        S trough beside it). Without it, the peak nearest in time, its level not counted.
    mm_per_s, mm_per_mv : float
        The paper's speed and gain, which make time and level one distance.

    Returns
    -------
    float
        The time of the nearest peak or trough with a prominence of at least
        :data:`MIN_PROMINENCE_MV` within :data:`SNAP_DISTANCE_MM` of the pointer on paper;
        otherwise of the sample nearest ``time_s`` (inside the lead).
    """
    n = len(signal_mv)
    at = int(np.clip(round(time_s * sfreq), 0, n - 1))
    reach = int(np.ceil(SNAP_DISTANCE_MM / mm_per_s * sfreq))
    first, last = max(at - reach, 0), min(at + reach + 1, n)
    window = signal_mv[first:last]
    found = [find_peaks(sign * window, prominence=MIN_PROMINENCE_MV)[0] for sign in (1.0, -1.0)]
    peaks = np.concatenate(found) + first
    if not len(peaks):
        return at / sfreq
    across = (peaks / sfreq - time_s) * mm_per_s
    up = (signal_mv[peaks] - level_mv) * mm_per_mv if level_mv is not None else 0.0
    distance = np.hypot(across, up)
    nearest = int(np.argmin(distance))
    return int(peaks[nearest] if distance[nearest] <= SNAP_DISTANCE_MM else at) / sfreq


def trace_level(signal_mv: np.ndarray, sfreq: float, time_s: float) -> float:
    """Return the lead's level (mV) at the sample nearest ``time_s``: where a level cursor
    dropped on the trace there snaps to."""
    at = int(np.clip(round(time_s * sfreq), 0, len(signal_mv) - 1))
    return float(signal_mv[at])
