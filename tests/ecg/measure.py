"""A simple ECG measurement, written for the tests, independent of the generator's code.

R peaks: band-pass 8-40 Hz, the spatial slope (norm over the leads) averaged over 80 ms,
peaks at least 200 ms apart above 20 % of its 99th percentile; a peak up to 330 ms before or 600
ms after a QRS with less than 60 % of its slope is its P or T wave, and so is such a slow peak in the first or
last 600 ms; peaks in the first and last 100 ms (cut QRS complexes) are left out. Intervals on a clean signal:
the median beat around the R peaks; QRS onset and end where the spatial velocity (the norm of
the slopes of all leads) rests, P onset where the spatial magnitude returns to baseline before
the P wave, T end where it returns to baseline after the T peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

#: Slope of a candidate near a QRS, relative to that QRS, below which it is its P or T wave.
WAVE_RATIO = 0.6
#: Fractions of the beat's largest slope and of the T peak below which a clean signal rests.
REST_SLOPE = 0.01
REST_LEVEL = 0.03
#: How long it must stay at rest, in seconds.
REST_RUN = 0.008


def r_peaks(leads: np.ndarray, sfreq: float) -> np.ndarray:
    """Sample indices of the R peaks of a (12, n) ECG in mV."""
    sos = butter(2, [8, 40], btype="bandpass", fs=sfreq, output="sos")
    slope = np.linalg.norm(np.gradient(sosfiltfilt(sos, leads, axis=1), axis=1), axis=0)
    window = int(0.08 * sfreq)
    speed = np.convolve(slope, np.ones(window) / window, mode="same")
    candidates, _ = find_peaks(
        speed, height=0.2 * np.percentile(speed, 99), distance=int(0.2 * sfreq)
    )
    peaks: list[int] = []
    for k in sorted(candidates, key=lambda c: -speed[c]):  # strongest first
        # A much slower wave up to 600 ms after a QRS is its T wave, up to 330 ms before, its P.
        wave_of = [
            a
            for a in peaks
            if -0.33 * sfreq < k - a < 0.6 * sfreq and speed[k] < WAVE_RATIO * speed[a]
        ]
        if not wave_of:
            peaks.append(k)
    # Near the ends, a slow peak is the P or T wave of a QRS outside the record.
    # In the first and last 100 ms a QRS is cut by the end of the record.
    typical = np.median(speed[peaks])
    edge, cut = 0.6 * sfreq, 0.1 * sfreq
    return np.array(
        sorted(
            k
            for k in peaks
            if cut <= k < len(speed) - cut
            and (edge <= k < len(speed) - edge or speed[k] >= WAVE_RATIO * typical)
        )
    )


def heart_rate(leads: np.ndarray, sfreq: float) -> tuple[float, float]:
    """Heart rate (bpm, 60 over the mean RR) and the coefficient of variation of RR."""
    rr = np.diff(r_peaks(leads, sfreq)) / sfreq
    return 60 / rr.mean(), rr.std() / rr.mean()


@dataclass(frozen=True)
class Intervals:
    pr_ms: float
    qrs_ms: float
    qt_ms: float
    qtc_ms: float
    median_beat: np.ndarray
    qrs_slice: slice


def _first_rest(quiet: np.ndarray, start: int, step: int, run: int) -> int:
    """First index from ``start`` going ``step`` where ``quiet`` holds for ``run`` samples."""
    k = start
    while 0 <= k < len(quiet):
        stretch = quiet[k : k + step * run : step] if step > 0 else quiet[k - run + 1 : k + 1]
        if len(stretch) == run and stretch.all():
            return k
        k += step
    raise ValueError("no rest found")


def intervals(leads: np.ndarray, sfreq: float) -> Intervals:
    """PR, QRS, QT and QTc (Bazett) of a clean sinus-rhythm ECG from its median beat."""
    peaks = r_peaks(leads, sfreq)
    before, after = int(0.55 * sfreq), int(0.75 * sfreq)
    peaks = peaks[(peaks >= before) & (peaks + after <= leads.shape[1])]
    beat = np.median([leads[:, p - before : p + after] for p in peaks], axis=0)
    # Forward differences: sample k moves when a wave runs between k and k + 1.
    velocity = np.linalg.norm(np.diff(beat, axis=1, append=beat[:, -1:]), axis=0) * sfreq
    level = np.linalg.norm(beat, axis=0)
    run = max(int(REST_RUN * sfreq), 2)
    still = velocity < REST_SLOPE * velocity.max()
    qrs_on = _first_rest(still, before, -1, run) + 1
    qrs_end = _first_rest(still, before, 1, run)
    p_end = int(np.flatnonzero(~still[: qrs_on - run])[-1])  # across the PR segment
    p_peak = p_end - int(0.12 * sfreq) + int(np.argmax(level[p_end - int(0.12 * sfreq) : p_end]))
    p_on = _first_rest(level < REST_LEVEL * level[p_peak], p_peak, -1, run) + 1
    rr = np.diff(r_peaks(leads, sfreq)).mean() / sfreq
    # The T peak lies between the J point and 70 % of the cycle, before the next P wave.
    search = slice(qrs_end + int(0.04 * sfreq), qrs_on + int(0.7 * rr * sfreq))
    t_peak = search.start + int(np.argmax(level[search]))
    t_end = t_peak + int(np.argmax(level[t_peak:] < REST_LEVEL * level[t_peak]))
    qt = (t_end - qrs_on) / sfreq
    return Intervals(
        pr_ms=(qrs_on - p_on) / sfreq * 1000,
        qrs_ms=(qrs_end - qrs_on) / sfreq * 1000,
        qt_ms=qt * 1000,
        qtc_ms=qt / np.sqrt(rr) * 1000,
        median_beat=beat,
        qrs_slice=slice(qrs_on, qrs_end + 1),
    )
