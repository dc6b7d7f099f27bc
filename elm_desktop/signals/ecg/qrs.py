"""QRS complexes of a 12-lead ECG, for the draft's rate and rhythm.

One lead is not enough: in some ECGs a lead's T waves stand taller than its R waves (neurokit2's
simulated lead II at 75 bpm has T waves three times as tall), and a single-lead detector then
counts T waves or misses beats. The QRS complex is the one event that is steep in most leads at
once. Each lead is band-passed to :data:`BAND_HZ` (the QRS band, above T and P waves), its
absolute slope put on its own scale (divided by its median, and clipped at its
:data:`CLIP_PERCENTILE` th percentile so that one glitch cannot outweigh the other leads), and
the slopes summed over the leads and smoothed over :data:`SMOOTH_S`; of the twelve standard
leads, samples that one electrode alone moved (an electrode pop,
:mod:`~elm_desktop.signals.ecg.electrodes`) and the :data:`SMOOTH_S` around them add no slope.
A lead whose median slope is under :data:`DEAD_LEAD_FRACTION` of the leads' median (flat, or
off for most of the recording) is left out. Peaks of that envelope :data:`REFRACTORY_S` apart
and above :data:`HEIGHT_FRACTION` of its 99th percentile within their :data:`BLOCK_S` block (so
that a stretch of lower amplitude in a long recording keeps its beats) are QRS complexes; a
peak within :data:`T_WAVE_WINDOW_S` of the one before and lower than :data:`T_WAVE_RATIO` of it
is a T wave (Pan and Tompkins's T-wave discrimination, on the summed slope).

Known limits: a wide ventricular complex (a PVC or escape beat of 100 ms or more) has little
5-25 Hz slope and may be missed; a peaked T wave later than 360 ms after its QRS (bradycardia
with a long QT) or as steep as the QRS may be counted; pacing spikes without capture count as
beats. The readers give at least 100 Hz.

On the project's own 590 val and test ECGs the rate (60 over the mean RR) is within 2 bpm of
the generator's for 99.3 % of records (98.3 % before pops were left out; 95.4 % with lead II
alone), and on 30 neurokit2 ECGs for all of them (none with lead II alone)
(``benchmarks/results/ecg-qrs.txt``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

from elm_desktop.signals.ecg.electrodes import LEADS_FROM_ELECTRODES, one_electrode_samples

#: The band of the QRS complex, in Hz.
BAND_HZ = (5.0, 25.0)
#: Smoothing of the summed slope, in seconds (about a QRS width).
SMOOTH_S = 0.05
#: Two QRS complexes are at least this far apart, in seconds (300/min).
REFRACTORY_S = 0.2
#: A QRS complex rises above this fraction of the envelope's 99th percentile.
HEIGHT_FRACTION = 0.4
#: A peak this soon after a QRS complex (seconds) ...
T_WAVE_WINDOW_S = 0.36
#: ... and lower than this fraction of it is that complex's T wave.
T_WAVE_RATIO = 0.6
#: Each lead's scaled slope is clipped at this percentile of itself.
CLIP_PERCENTILE = 99.5
#: A lead whose median slope is under this fraction of the leads' median adds nothing.
DEAD_LEAD_FRACTION = 1e-3
#: Fewest QRS complexes for a rate (two RR intervals).
MIN_RATE_BEATS = 3
#: Least share of complexes alike for a rate (noise: none alike; the project's test and val
#: ECGs: 0.80 or more, ``benchmarks/results/ecg-measurements.txt``).
MIN_ALIKE = 0.5
#: The height threshold is set per block of this many seconds.
BLOCK_S = 10.0


@lru_cache(maxsize=8)
def _band_sos(sfreq: float) -> np.ndarray:
    return signal.butter(
        2, [BAND_HZ[0], min(BAND_HZ[1], 0.45 * sfreq)], "bandpass", fs=sfreq, output="sos"
    )


def detect_qrs(samples: np.ndarray, sfreq: float) -> np.ndarray:
    """Find the QRS complexes of a multi-lead ECG.

    Parameters
    ----------
    samples : ndarray, shape (n_leads, n_samples)
        The leads (any unit; each is scaled on its own).
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    ndarray of int
        Sample indices of the QRS complexes (the peak of the summed slope), in time order;
        empty for a recording shorter than a second, flat or not finite.
    """
    samples = np.asarray(samples, np.float64)
    if samples.shape[1] < sfreq or not np.all(np.isfinite(samples)):
        return np.zeros(0, dtype=int)
    filtered = signal.sosfiltfilt(_band_sos(float(sfreq)), samples, axis=1)
    slope = np.abs(np.gradient(filtered, axis=1))
    scale = np.median(slope, axis=1)
    live = scale > max(DEAD_LEAD_FRACTION * np.median(scale), 0.0)
    if not live.any():
        return np.zeros(0, dtype=int)
    scaled = slope[live] / scale[live, None]
    scaled = np.minimum(scaled, np.percentile(scaled, CLIP_PERCENTILE, axis=1, keepdims=True))
    width = max(1, int(round(SMOOTH_S * sfreq)))
    summed = scaled.sum(axis=0)
    if samples.shape[0] == len(LEADS_FROM_ELECTRODES):
        # Of the twelve leads, what one electrode alone moved (a pop) is no QRS: its slope is
        # left out, around it too, so that the envelope gets no edge there.
        alone = one_electrode_samples(filtered).astype(float)
        summed = summed * (1 - np.minimum(np.convolve(alone, np.ones(width), "same"), 1))
    envelope = np.convolve(summed, np.ones(width) / width, "same")
    peaks, _ = signal.find_peaks(
        envelope,
        distance=max(1, int(round(REFRACTORY_S * sfreq))),
        height=_block_heights(envelope, sfreq),
    )
    kept: list[int] = []
    for peak in peaks:
        after_qrs = kept and peak - kept[-1] < T_WAVE_WINDOW_S * sfreq
        if after_qrs and envelope[peak] < T_WAVE_RATIO * envelope[kept[-1]]:
            continue
        kept.append(int(peak))
    return np.asarray(kept, dtype=int)


def rate_bpm(qrs_s: np.ndarray, alike: float | None = None) -> float | None:
    """The ventricular rate: 60 over the mean RR interval of QRS complexes at ``qrs_s``
    (seconds); None with fewer than :data:`MIN_RATE_BEATS` complexes, or when under
    :data:`MIN_ALIKE` of them share the dominant shape (``alike``,
    :func:`~.measurements.alike_fraction`: complexes found in noise are not alike)."""
    if len(qrs_s) < MIN_RATE_BEATS or (alike is not None and alike < MIN_ALIKE):
        return None
    return float(60.0 / np.mean(np.diff(qrs_s)))


def _block_heights(envelope: np.ndarray, sfreq: float) -> np.ndarray:
    """The height threshold at each sample: a fraction of its block's 99th percentile (the
    last, shorter block joins the one before)."""
    block = int(round(BLOCK_S * sfreq))
    n_blocks = max(1, envelope.size // block)
    heights = np.empty_like(envelope)
    for i in range(n_blocks):
        part = slice(i * block, envelope.size if i == n_blocks - 1 else (i + 1) * block)
        heights[part] = HEIGHT_FRACTION * np.percentile(envelope[part], 99)
    return heights
