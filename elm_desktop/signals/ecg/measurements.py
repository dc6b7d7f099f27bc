"""Intervals, axis, voltages and ST levels of a 12-lead ECG, measured on its median beat.

What an ECG machine prints above its interpretation, measured from the signal alone, so that
the draft can state them and check the model's findings against them:

1. **Filtering**: a zero-phase high-pass at :data:`HIGH_PASS_HZ` (the AHA's limit for filters
   that keep the ST segment) and a low-pass at :data:`LOW_PASS_HZ` (mains and muscle).
2. **The dominant beats**: the QRS complexes of :func:`~.qrs.detect_qrs`, each aligned on its
   steepest point (the largest spatial velocity, the norm of all leads' slopes) within
   :data:`ALIGN_S`; a beat that comes early (RR under :data:`PREMATURE_RATIO` of the median) or
   whose QRS correlates under :data:`MIN_CORRELATION` with the others' median (an ectopic or
   artefact beat) is left out, and so is the beat after a premature one.
3. **The median beat** of the rest, at least :data:`MIN_BEATS` of them, each lead's level set
   to zero on its PR segment (the last :data:`PR_SEGMENT_S` before the QRS onset), the
   isoelectric reference of ST measurement.
4. **Fiducial points** on the median beat, from the spatial velocity ``v`` (QRS) and the
   spatial magnitude ``m`` (the norm over the leads of the level; P and T waves):

   - QRS onset and end: where ``v`` stays under :data:`QRS_REST` of its QRS peak for
     :data:`REST_S`, searching out from the steepest point;
   - P wave: ``m``'s highest point between :data:`P_SEARCH_S` before the QRS onset and
     :data:`PR_SEGMENT_S` before it; there is one when it stands :data:`MIN_P_MV` above the
     PR segment; its onset where ``m`` falls under :data:`WAVE_REST` of the P peak before it;
   - T end: the tangent method (the steepest fall of ``m`` after the T peak, extended to
     zero), the T peak being ``m``'s highest point between 100 ms after the QRS end and
     :data:`T_SEARCH_RR` of the RR interval after the QRS onset.

   QTc is Bazett's (QT over the square root of the median RR in seconds).
5. **Axis**: the direction of the net QRS area (the integral from onset to end) in leads I
   and aVF. **Voltages**: Sokolow-Lyon (S in V1 + the taller R of V5 and V6), Cornell (R in aVL
   + S in V3), and the largest peak-to-peak QRS of the limb and of the chest leads. **ST**:
   each lead's level 60 ms after the J point (the QRS end), in mV.

Known limits: the rules are those of a clean, regular rhythm. In atrial fibrillation or
flutter no PR interval is given, and the T end may fall on a flutter wave; a wide QRS whose
slope is low for long may be measured short; a record with fewer than :data:`MIN_BEATS`
similar beats is not measured. The accuracy against the synthetic generator's truth is in
``benchmarks/results/ecg-measurements.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from scipy import signal

from elm_desktop.signals.ecg.leads import STANDARD_LEADS

#: Zero-phase band of the measured signal, in Hz.
HIGH_PASS_HZ = 0.5
LOW_PASS_HZ = 40.0
#: A QRS complex is aligned on its steepest point within this many seconds of its detection.
ALIGN_S = 0.06
#: A beat whose RR is under this fraction of the median RR is premature.
PREMATURE_RATIO = 0.85
#: A beat whose QRS correlates under this with the median QRS is not a dominant beat.
MIN_CORRELATION = 0.9
#: Fewest dominant beats for a measurement.
MIN_BEATS = 3
#: The PR segment: the isoelectric reference, this long, ending at the QRS onset.
PR_SEGMENT_S = 0.02
#: The QRS complex rests where the spatial velocity is under this fraction of its peak ...
QRS_REST = 0.1
#: ... for this long (seconds).
REST_S = 0.01
#: A P or T wave begins or ends where the spatial magnitude is under this fraction of its peak.
WAVE_REST = 0.1
#: The P wave is looked for this far before the QRS onset (seconds) ...
P_SEARCH_S = 0.32
#: ... and counts when its peak stands this many mV above the PR segment.
MIN_P_MV = 0.04
#: The P wave's onset rests under this fraction of its peak (not a dip between waves).
P_DIP = 0.3
#: ... for this long before it (seconds).
REST_BEFORE_P_S = 0.04
#: Each beat's P wave correlates at least this with the median beat's (median over beats).
MIN_P_CORRELATION = 0.6
#: The T peak lies before this fraction of the RR interval after the QRS onset.
T_SEARCH_RR = 0.7
#: The T wave's steepest fall is looked for this long after its peak (seconds).
T_FALL_S = 0.2
#: After a pause of at most LATE_PAUSE_S, a burst of at most LATE_BURST_S is the QRS's late
#: part (a bundle branch block's R'); a longer one is the T wave.
LATE_PAUSE_S = 0.04
LATE_BURST_S = 0.045
#: ST is measured this long after the J point (seconds).
ST_AFTER_J_S = 0.06


@dataclass(frozen=True)
class EcgMeasurements:
    """What the median beat measures; None where a value could not be measured.

    Attributes
    ----------
    beats : int
        The dominant beats the median beat is made of.
    pr_ms, qrs_ms, qt_ms, qtc_ms : float or None
        Intervals in ms (QTc: Bazett). No PR without a P wave.
    axis_deg : float
        The frontal QRS axis in degrees (-180 to 180; 0 points to lead I, 90 to aVF).
    sokolow_lyon_mv, cornell_mv, max_limb_qrs_mv, max_chest_qrs_mv : float
        QRS voltages in mV.
    st_mv : dict of str to float
        Each lead's ST level 60 ms after the J point, in mV, against the PR segment.
    premature_like_beats : int
        Beats that come early (RR under :data:`PREMATURE_RATIO` of the median) with a QRS
        like the dominant beats' (a supraventricular premature beat looks so).
    unlike_beats : int
        Beats whose QRS is unlike the dominant beats' (a ventricular beat, or an artefact).
    """

    beats: int
    pr_ms: float | None
    qrs_ms: float
    qt_ms: float | None
    qtc_ms: float | None
    axis_deg: float
    sokolow_lyon_mv: float
    cornell_mv: float
    max_limb_qrs_mv: float
    max_chest_qrs_mv: float
    st_mv: dict[str, float] = field(default_factory=dict)
    premature_like_beats: int = 0
    unlike_beats: int = 0

    def summary(self) -> str:
        """The intervals and axis as one line, e.g. ``"PR 168 ms, QRS 96 ms, QT 380 ms, QTc
        410 ms (Bazett), QRS axis +45 degrees"``."""
        pr = (
            f"PR {self.pr_ms:.0f} ms"
            if self.pr_ms is not None
            else "no PR interval (no P wave before each QRS)"
        )
        qt = (
            f"QT {self.qt_ms:.0f} ms, QTc {self.qtc_ms:.0f} ms (Bazett)"
            if self.qt_ms is not None and self.qtc_ms is not None
            else "QT not measured"
        )
        return f"{pr}, QRS {self.qrs_ms:.0f} ms, {qt}, QRS axis {self.axis_deg:+.0f} degrees"

    def to_dict(self) -> dict:
        """Plain data for JSON (values rounded as printed)."""
        whole = ("pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "axis_deg")
        out: dict = {"beats": self.beats}
        for key in whole:
            value = getattr(self, key)
            out[key] = None if value is None else round(value)
        for key in ("sokolow_lyon_mv", "cornell_mv", "max_limb_qrs_mv", "max_chest_qrs_mv"):
            out[key] = round(getattr(self, key), 2)
        out["st_mv"] = {lead: round(v, 2) for lead, v in self.st_mv.items()}
        out["premature_like_beats"] = self.premature_like_beats
        out["unlike_beats"] = self.unlike_beats
        return out


@lru_cache(maxsize=8)
def _band_sos(sfreq: float) -> np.ndarray:
    high = min(LOW_PASS_HZ, 0.45 * sfreq)
    return signal.butter(2, [HIGH_PASS_HZ, high], "bandpass", fs=sfreq, output="sos")


def _spatial_velocity(x: np.ndarray, sfreq: float) -> np.ndarray:
    return np.linalg.norm(np.gradient(x, axis=-1), axis=0) * sfreq


def _rest(quiet: np.ndarray, start: int, step: int, run: int) -> int | None:
    """The first index from ``start`` going ``step`` where ``quiet`` holds ``run`` samples on."""
    k = start
    while run <= k < len(quiet) - run:
        stretch = quiet[k : k + run] if step > 0 else quiet[k - run + 1 : k + 1]
        if stretch.all():
            return k
        k += step
    return None


def measure_ecg(samples_mv: np.ndarray, sfreq: float, qrs: np.ndarray) -> EcgMeasurements | None:
    """Measure a 12-lead ECG on its median beat (module docstring).

    Parameters
    ----------
    samples_mv : ndarray, shape (12, n_samples)
        The leads in mV, in :data:`~.leads.STANDARD_LEADS` order.
    sfreq : float
        Sampling rate in Hz.
    qrs : ndarray of int
        The QRS complexes' samples (:func:`~.qrs.detect_qrs`).

    Returns
    -------
    EcgMeasurements or None
        None when fewer than :data:`MIN_BEATS` dominant beats fit in the record, or the QRS
        complex or its surroundings could not be delimited.
    """
    samples = np.asarray(samples_mv, np.float64)
    if len(qrs) < MIN_BEATS + 1 or not np.all(np.isfinite(samples)):
        return None
    x = signal.sosfiltfilt(_band_sos(float(sfreq)), samples, axis=1)
    velocity = _spatial_velocity(x, sfreq)
    reach = int(ALIGN_S * sfreq)
    starts = [max(int(p) - reach, 0) for p in qrs]
    aligned = np.array([a + int(np.argmax(velocity[a : a + 2 * reach])) for a in starts])
    rr = np.diff(aligned)
    median_rr = float(np.median(rr))
    premature = np.zeros(len(aligned), bool)
    premature[1:] = rr < PREMATURE_RATIO * median_rr
    after_premature = np.zeros(len(aligned), bool)
    after_premature[1:] = premature[:-1]
    # Each QRS against the median QRS of the timely beats: an ectopic or artefact beat differs.
    half = int(0.05 * sfreq)
    fits = (aligned >= half) & (aligned + half <= x.shape[1])
    timely = fits & ~premature & ~after_premature
    if timely.sum() < MIN_BEATS:
        return None
    cores = {}
    for k in np.flatnonzero(fits):
        core = x[:, aligned[k] - half : aligned[k] + half]
        # Each lead from its own level: an early beat rises from the T wave before it.
        cores[int(k)] = (core - core.mean(axis=1, keepdims=True)).ravel()
    reference = np.median([cores[k] for k in np.flatnonzero(timely)], axis=0)
    like = np.zeros(len(aligned), bool)
    for k, core in cores.items():
        like[k] = np.corrcoef(core, reference)[0, 1] >= MIN_CORRELATION
    before = int(min(0.4 * sfreq, 0.6 * median_rr))
    after = int(min(0.65 * sfreq, 0.95 * median_rr))
    inside = (aligned - before >= 0) & (aligned + after <= x.shape[1])
    chosen = aligned[inside & timely & like]
    if len(chosen) < MIN_BEATS:
        return None
    beats = np.stack([x[:, p - before : p + after] for p in chosen])
    ectopy = {
        "premature_like_beats": int(np.sum(premature & like)),
        "unlike_beats": int(np.sum(fits & ~like)),
    }
    measured = _measure_beat(beats, before, median_rr, sfreq)
    return None if measured is None else replace(measured, **ectopy)


def _measure_beat(
    beats: np.ndarray, fiducial: int, rr_samples: float, sfreq: float
) -> EcgMeasurements | None:
    """Measure the median of ``beats`` [n, 12, samples], aligned at ``fiducial``."""
    beat = np.median(beats, axis=0)
    velocity = _spatial_velocity(beat, sfreq)
    run = max(2, int(REST_S * sfreq))
    peak = fiducial
    quiet = velocity < QRS_REST * velocity[peak]
    onset = _rest(quiet, peak, -1, run)
    end = _qrs_end(quiet, peak, run, sfreq)
    if onset is None or end is None:
        return None
    onset += 1
    segment = slice(max(onset - int(PR_SEGMENT_S * sfreq), 0), onset)
    beat = beat - beat[:, segment].mean(axis=1, keepdims=True)
    magnitude = np.linalg.norm(beat, axis=0)
    pr_ms = _pr_interval(magnitude, onset, segment.start, sfreq)
    if pr_ms is not None and not _p_waves_repeat(beats, onset, pr_ms, segment, sfreq):
        pr_ms = None
    t_end = _t_end(magnitude, onset, end, rr_samples, sfreq)
    if (
        pr_ms is not None
        and t_end is not None
        and _waves_after_t(magnitude, t_end, pr_ms, onset, rr_samples, sfreq)
    ):
        pr_ms = None  # flutter waves between the T wave and the next P wave
    qt_ms = None if t_end is None else (t_end - onset) / sfreq * 1000
    qtc_ms = None if qt_ms is None else qt_ms / np.sqrt(rr_samples / sfreq)
    lead = {name: beat[k, onset : end + 1] for k, name in enumerate(STANDARD_LEADS)}
    area_i, area_avf = lead["I"].sum(), lead["aVF"].sum()
    spans = {name: float(v.max() - v.min()) for name, v in lead.items()}
    j60 = end + int(ST_AFTER_J_S * sfreq)
    st = (
        {name: float(beat[k, j60]) for k, name in enumerate(STANDARD_LEADS)}
        if j60 < beat.shape[1]
        else {}
    )
    return EcgMeasurements(
        beats=len(beats),
        pr_ms=pr_ms,
        qrs_ms=(end - onset) / sfreq * 1000,
        qt_ms=qt_ms,
        qtc_ms=qtc_ms,
        axis_deg=float(np.degrees(np.arctan2(area_avf, area_i))),
        sokolow_lyon_mv=float(-lead["V1"].min() + max(lead["V5"].max(), lead["V6"].max())),
        cornell_mv=float(lead["aVL"].max() - lead["V3"].min()),
        max_limb_qrs_mv=max(spans[name] for name in STANDARD_LEADS[:6]),
        max_chest_qrs_mv=max(spans[name] for name in STANDARD_LEADS[6:]),
        st_mv=st,
    )


def _qrs_end(quiet: np.ndarray, peak: int, run: int, sfreq: float) -> int | None:
    """The QRS end: the first rest after ``peak``, moved past short late bursts."""
    end = _rest(quiet, peak, 1, run)
    while end is not None:
        pause = np.flatnonzero(~quiet[end : end + int(LATE_PAUSE_S * sfreq)])
        if pause.size == 0:
            break
        burst = end + int(pause[0])
        burst_end = _rest(quiet, burst, 1, run)
        if burst_end is None or burst_end - burst > LATE_BURST_S * sfreq:
            break
        end = burst_end
    return end


def _pr_interval(magnitude: np.ndarray, onset: int, pr_start: int, sfreq: float) -> float | None:
    """PR in ms from the P wave's onset to the QRS onset; None without one clear P wave."""
    first = max(onset - int(P_SEARCH_S * sfreq), 0)
    window = magnitude[first:pr_start]
    if window.size < int(0.04 * sfreq):
        return None
    peaks, properties = signal.find_peaks(window, prominence=MIN_P_MV / 2)
    if peaks.size == 0:
        return None
    prominence = properties["prominences"]
    # Flutter waves (or fibrillation) make several waves of like size where a P wave is one.
    if np.sum(prominence >= 0.5 * prominence.max()) > 1:
        return None
    p_peak = first + int(peaks[np.argmax(prominence)])
    peak = magnitude[p_peak]
    if peak < MIN_P_MV:
        return None
    # Its onset: back to rest, or to the dip where it leaves the T wave before it.
    k = p_peak
    while k > 0 and magnitude[k - 1] < magnitude[k] and magnitude[k] >= WAVE_REST * peak:
        k -= 1
    # A P wave rises from rest; a flutter wave rises from the one before it.
    if magnitude[max(k - int(REST_BEFORE_P_S * sfreq), 0) : k + 1].max() > P_DIP * peak:
        return None
    return (onset - k) / sfreq * 1000


def _p_waves_repeat(
    beats: np.ndarray, onset: int, pr_ms: float, segment: slice, sfreq: float
) -> bool:
    """Whether the P wave of the median beat is in each beat: fibrillation is not."""
    window = slice(onset - int(pr_ms / 1000 * sfreq), segment.start)
    waves = beats[:, :, window] - beats[:, :, segment].mean(axis=2, keepdims=True)
    median = np.median(waves, axis=0).ravel()
    correlations = [np.corrcoef(wave.ravel(), median)[0, 1] for wave in waves]
    return float(np.median(correlations)) >= MIN_P_CORRELATION


def _t_end(
    magnitude: np.ndarray, onset: int, end: int, rr_samples: float, sfreq: float
) -> float | None:
    """The T wave's end (a sample, fractional) by the tangent method on the spatial magnitude;
    None without a T wave."""
    first = end + int(0.1 * sfreq)
    last = min(onset + int(T_SEARCH_RR * rr_samples), len(magnitude) - 1)
    if last - first < int(0.05 * sfreq):
        return None
    t_peak = first + int(np.argmax(magnitude[first:last]))
    stop = min(t_peak + int(T_FALL_S * sfreq), last + int(0.1 * sfreq))
    fall = np.gradient(magnitude[t_peak:stop])
    if fall.size < 3 or fall.min() >= 0:
        return None
    steepest = t_peak + int(np.argmin(fall))
    return steepest + magnitude[steepest] / -fall.min()


def _waves_after_t(
    magnitude: np.ndarray, t_end: float, pr_ms: float, onset: int, rr_samples: float, sfreq: float
) -> bool:
    """Whether a wave half as tall as the P wave or more stands between the T wave's end and
    the next beat's P wave (one RR interval after this one's)."""
    pr = int(pr_ms / 1000 * sfreq)
    p_height = magnitude[onset - pr : onset].max()
    tail = magnitude[int(t_end) + int(0.02 * sfreq) : onset + int(rr_samples) - pr]
    peaks, _ = signal.find_peaks(tail, prominence=0.5 * p_height)
    return bool(peaks.size)
