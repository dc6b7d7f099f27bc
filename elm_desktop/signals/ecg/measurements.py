"""Intervals, axis, voltages and ST levels of a 12-lead ECG, measured on its median beat.

What an ECG machine prints above its interpretation, measured from the signal alone, so that
the draft can state them and check the model's findings against them:

1. **Filtering**: a zero-phase band-pass :data:`HIGH_PASS_HZ` - :data:`LOW_PASS_HZ` (the AHA's
   high-pass limit for filters that keep the ST segment; mains and muscle above) and notches
   at :data:`MAINS_HZ`.
2. **The dominant beats**: the QRS complexes of :func:`~.qrs.detect_qrs`, each aligned on its
   steepest point (the largest spatial velocity, the norm of all leads' slopes) within
   :data:`ALIGN_S`; a beat that comes early (RR under :data:`PREMATURE_RATIO` of the median) or
   whose QRS correlates under :data:`MIN_CORRELATION` with the others' median (an ectopic or
   artefact beat) is left out, and so is the beat after a premature one.
3. **The median beat** of the rest, at least :data:`MIN_BEATS` of them, each lead's level set
   to zero on its PR segment (the last :data:`PR_SEGMENT_S` before the QRS onset), the
   isoelectric reference of ST measurement. It is **not measured** when its quietest tenth
   moves faster than :data:`NOISE_FLOOR` of its QRS (noise, or waves running into each other at
   a fast rate), when no lead spans :data:`MIN_QRS_MV`, when its QRS falls outside
   :data:`QRS_RANGE_MS`, or when no T wave is found: a value that cannot be trusted is not
   given.
4. **Fiducial points** on the median beat, from the spatial velocity ``v`` (QRS) and the
   spatial magnitude ``m`` (the norm over the leads of the level; P and T waves):

   - QRS onset and end: where ``v`` stays under :data:`QRS_REST` of its QRS peak for
     :data:`REST_S`, searching out from the steepest point; one burst of at most
     :data:`LATE_BURST_S` within :data:`LATE_PAUSE_S` after the end is the QRS's late part (a
     bundle branch block's R');
   - P wave: the most prominent wave of ``m`` between :data:`P_SEARCH_S` before the QRS onset
     (or the previous beat's T end, one RR interval before this beat's, if later) and
     :data:`PR_SEGMENT_S` before it, standing :data:`MIN_P_MV` above the PR segment, the
     only one of its size there, rising from rest (under :data:`P_DIP` of it for
     :data:`REST_BEFORE_P_S`, or from :data:`T_TAIL_S` after that T end, for
     :data:`REST_AFTER_T_S` at least), in every beat (median correlation :data:`MIN_P_CORRELATION`),
     and with no wave half its size between the T wave and the next P wave (flutter); its
     onset where ``m`` falls under :data:`WAVE_REST` of the P peak, or to the dip where it
     leaves the T wave. Otherwise no PR is given;
   - T end: the tangent method (the steepest fall of ``m`` within :data:`T_FALL_S` after the T
     peak, extended to the PR segment's level of ``m``), the T peak being the first peak of
     ``m`` at least :data:`T_PEAK_SHARE` of its highest point between 100 ms after the QRS end
     and :data:`T_SEARCH_RR` of the median RR interval after the QRS onset, and before the
     complex that follows a quarter of the median's beats soonest; a fall cut there gives no T
     end.

   QTc is Bazett's (QT over the square root of the dominant beats' mean RR in seconds, the RR
   between two alike complexes, printed beside it), beside Fridericia's (over its cube root).
5. **Axis**: the direction of the net QRS area (the integral from onset to end) in leads I
   and aVF, when a limb lead's QRS spans :data:`MIN_LIMB_QRS_MV`. **Voltages**: Sokolow-Lyon
   (S in V1 + the taller R of V5 and V6), Cornell (R in aVL + S in V3), and the largest
   peak-to-peak QRS of the limb and of the chest leads. **ST**: each lead's level at the J
   point (the QRS end) and :data:`ST_AFTER_J_S` after it (:data:`ST_AFTER_J_FAST_S` over
   100/min), in mV.

Known limits: the rules are those of a regular rhythm. In atrial fibrillation or flutter the
T end may fall on a fibrillation or flutter wave, and in 2:1 flutter one flutter wave may pass
for a P wave; a P wave hidden in the T wave before it gives no PR (fast rates, long PR). In
flutter the flutter waves under the QRS move its net area, and so the axis (on the synthetic
test set by -8.9 degrees on average, 10.7 mean absolute, against 2.7 in sinus rhythm). The
accuracy against the synthetic generator's truth, at several sampling rates and on another
simulator, is in ``benchmarks/results/ecg-measurements.txt``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from scipy import signal

from elm_desktop.signals.ecg.leads import STANDARD_LEADS

#: Zero-phase band of the measured signal, in Hz.
HIGH_PASS_HZ = 0.5
LOW_PASS_HZ = 40.0
#: Mains frequencies notched out (zero phase, quality factor NOTCH_Q).
MAINS_HZ = (50.0, 60.0)
NOTCH_Q = 30.0
#: A QRS complex is aligned on its steepest point within this many seconds of its detection.
ALIGN_S = 0.06
#: A beat whose RR is under this fraction of the median RR is premature.
PREMATURE_RATIO = 0.85
#: A beat whose QRS correlates under this with the median QRS is not a dominant beat.
MIN_CORRELATION = 0.9
#: Fewest dominant beats for a measurement.
MIN_BEATS = 3
#: The leads each QRS voltage index reads: Sokolow-Lyon (S in V1, the taller R of V5 and V6)
#: and Cornell (R in aVL, S in V3).
VOLTAGE_LEADS = {"sokolow_lyon_mv": ("V1", "V5", "V6"), "cornell_mv": ("aVL", "V3")}
#: The leads the frontal QRS axis is measured in.
AXIS_LEADS = ("I", "aVF")
#: What the draft, the view and ``info`` say of an ECG whose median beat is not measured.
NOT_MEASURED = (
    f"not measured: no {MIN_BEATS} similar, clean beats (noise, mains, or waves running into "
    "each other)"
)
#: The PR segment: the isoelectric reference, this long, ending at the QRS onset.
PR_SEGMENT_S = 0.02
#: A median beat whose quietest tenth moves faster than this fraction of its QRS peak is too
#: noisy to delimit.
NOISE_FLOOR = 0.045
#: A median beat whose largest lead spans less than this (mV) is not measured.
MIN_QRS_MV = 0.1
#: A QRS measured outside this range (ms) is a failure of the measurement, not a QRS.
QRS_RANGE_MS = (40.0, 200.0)
#: The axis needs a limb-lead QRS of at least this span (mV).
MIN_LIMB_QRS_MV = 0.1
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
#: Where the T wave before it ends close to the P wave (a long PR, a fast rate), the rest
#: before the P wave starts this long after the tangent's T end (its tail) ...
T_TAIL_S = 0.01
#: ... and lasts this long at least (seconds).
REST_AFTER_T_S = 0.01
#: Each beat's P wave correlates at least this with the median beat's (median over beats).
MIN_P_CORRELATION = 0.6
#: The T peak lies before this fraction of the RR interval after the QRS onset.
T_SEARCH_RR = 0.7
#: The T peak is the first peak of ``m`` in its window at least this share of the window's
#: highest point.
T_PEAK_SHARE = 0.8
#: The T wave's steepest fall is looked for this long after its peak (seconds).
T_FALL_S = 0.2
#: After a pause of at most LATE_PAUSE_S, a burst of at most LATE_BURST_S is the QRS's late
#: part (a bundle branch block's R'); a longer one is the T wave.
LATE_PAUSE_S = 0.04
LATE_BURST_S = 0.045
#: The QRS's terminal part whose direction in V1 tells a right bundle branch block (R') from a
#: left one (S), in seconds.
TERMINAL_QRS_S = 0.04
#: ST is measured this long after the J point (seconds) ...
ST_AFTER_J_S = 0.06
#: ... and this long at rates over 100/min.
ST_AFTER_J_FAST_S = 0.04


@dataclass(frozen=True)
class EcgMeasurements:
    """What the median beat measures; None where a value could not be measured.

    Attributes
    ----------
    beats : int
        The dominant beats the median beat is made of.
    pr_ms : float or None
        PR in ms; None when no single P wave was found before each QRS.
    qrs_ms, qt_ms, qtc_ms : float
        Intervals in ms (QTc: Bazett's, the one the knowledge base's long QT is defined by).
    qtcf_ms : float
        QT corrected by Fridericia's cube root, which over-corrects less at fast rates.
    axis_deg : float or None
        The frontal QRS axis in degrees (-180 to 180; 0 points to lead I, 90 to aVF); None when
        the limb leads' QRS is too small to point anywhere (flat or disconnected limb leads).
    sokolow_lyon_mv, cornell_mv, max_limb_qrs_mv, max_chest_qrs_mv : float
        QRS voltages in mV.
    st_mv : dict of str to float
        Each lead's ST level 60 ms after the J point (40 ms over 100/min), in mV, against the PR
        segment.
    st_j_mv : dict of str to float
        Each lead's level at the J point, in mV, against the PR segment: the level the
        definition of acute injury is read at (a T wave that starts early raises ``st_mv``
        but not this).
    premature_like_beats : int
        Beats that come early (RR under :data:`PREMATURE_RATIO` of the median) with a QRS
        like the dominant beats' (a supraventricular premature beat looks so).
    unlike_beats : int
        Beats whose QRS is unlike the dominant beats' (a ventricular beat, or an artefact).
    early_unlike_beats : int
        Those of them that come early, as a premature ventricular beat does (an artefact
        need not).
    axis_withheld : str or None
        Why the axis is not given although it was measured (:meth:`without_axis`).
    rr_ms : float or None
        The dominant beats' mean RR interval in ms (between two alike complexes), QTc's RR;
        printed beside QTc, since the rate counts every complex.
    v1_terminal_mv : float or None
        V1's mean level over the QRS's last :data:`TERMINAL_QRS_S` (mV): positive where the QRS
        ends in an R' (right bundle branch block), negative where it ends in a deep S (left).
    unread_leads : tuple of str
        Leads flat or of noise only, nothing read in them (:meth:`without_leads`): their ST is
        at the PR segment's level in ``st_mv`` and ``st_j_mv`` so that no criterion reads it,
        and a voltage index that reads them (:data:`VOLTAGE_LEADS`) meets no criterion
        (:meth:`reads`); in the JSON both are null, so that no export states a figure read
        from them.
    """

    beats: int
    pr_ms: float | None
    qrs_ms: float
    qt_ms: float
    qtc_ms: float
    qtcf_ms: float
    axis_deg: float | None
    sokolow_lyon_mv: float
    cornell_mv: float
    max_limb_qrs_mv: float
    max_chest_qrs_mv: float
    st_mv: dict[str, float] = field(default_factory=dict)
    st_j_mv: dict[str, float] = field(default_factory=dict)
    premature_like_beats: int = 0
    unlike_beats: int = 0
    early_unlike_beats: int = 0
    axis_withheld: str | None = None
    rr_ms: float | None = None
    v1_terminal_mv: float | None = None
    unread_leads: tuple[str, ...] = ()

    def without_axis(self, reason: str) -> EcgMeasurements:
        """The same measurements without the axis, saying why (leads not where their labels put
        them: the axis they give is not the heart's)."""
        return replace(self, axis_deg=None, axis_withheld=reason)

    def without_st(self, leads: Collection[str]) -> EcgMeasurements:
        """The same measurements with the ST of ``leads`` at the PR segment's level (0 mV at
        the J point and after it), so that no ST criterion reads it: leads crossed by flutter
        waves, or whose labels may be misplaced. Their other figures stand."""
        if not leads:
            return self
        return replace(
            self,
            st_mv={lead: 0.0 if lead in leads else v for lead, v in self.st_mv.items()},
            st_j_mv={lead: 0.0 if lead in leads else v for lead, v in self.st_j_mv.items()},
        )

    def without_leads(self, leads: Collection[str]) -> EcgMeasurements:
        """The same measurements with nothing read in ``leads``, flat or of noise only
        (:attr:`unread_leads`): their ST as :meth:`without_st` leaves it, no voltage index that
        reads them (:meth:`reads`), no V1 terminal level without V1, and no axis without I or
        aVF, which it is measured in."""
        unread = tuple(dict.fromkeys([*self.unread_leads, *leads]))
        if unread == self.unread_leads:
            return self
        out = replace(self.without_st(unread), unread_leads=unread)
        if "V1" in unread:
            out = replace(out, v1_terminal_mv=None)
        if axis_leads := [lead for lead in AXIS_LEADS if lead in unread]:
            out = out.without_axis(f"{' and '.join(axis_leads)} flat or of noise only")
        return out

    def reads(self, voltage: str) -> bool:
        """Whether the voltage ``voltage`` (a key of :data:`VOLTAGE_LEADS`) reads no lead of
        ``unread_leads``."""
        return not set(VOLTAGE_LEADS[voltage]) & set(self.unread_leads)

    def summary(self) -> str:
        """The intervals and axis as one line, e.g. ``"PR 168 ms, QRS 96 ms, QT 380 ms, QTc
        410 ms (Bazett), 400 ms (Fridericia) at RR 860 ms, QRS axis +45 degrees"``: the RR is
        the dominant beats' (the rate counts every complex, early and ectopic ones too)."""
        pr = (
            f"PR {self.pr_ms:.0f} ms"
            if self.pr_ms is not None
            else "PR not measured (no P wave found alone before each QRS: one within the T "
            "wave, as with a long PR, is not excluded)"
        )
        rr = "" if self.rr_ms is None else f" at RR {self.rr_ms:.0f} ms"
        qt = (
            f"QT {self.qt_ms:.0f} ms, QTc {self.qtc_ms:.0f} ms (Bazett), "
            f"{self.qtcf_ms:.0f} ms (Fridericia){rr}"
        )
        axis = (
            f"QRS axis not stated: {self.axis_withheld}"
            if self.axis_withheld
            else f"QRS axis {round(self.axis_deg):+d} degrees"
            if self.axis_deg is not None
            else "QRS axis not measured (limb leads too small)"
        )
        return f"{pr}, QRS {self.qrs_ms:.0f} ms, {qt}, {axis}"

    def to_dict(self) -> dict:
        """Plain data for JSON (values rounded as printed; what reads a lead not read is null)."""
        whole = ("pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "qtcf_ms", "axis_deg")
        out: dict = {"beats": self.beats}
        for key in whole:
            value = getattr(self, key)
            out[key] = None if value is None else round(value)
        for key in ("sokolow_lyon_mv", "cornell_mv", "max_limb_qrs_mv", "max_chest_qrs_mv"):
            read = key not in VOLTAGE_LEADS or self.reads(key)
            out[key] = round(getattr(self, key), 2) if read else None
        for key in ("st_mv", "st_j_mv"):
            # + 0.0 turns a level rounded from just under zero (-0.0) into 0.0
            out[key] = {
                lead: None if lead in self.unread_leads else round(v, 2) + 0.0
                for lead, v in getattr(self, key).items()
            }
        out["premature_like_beats"] = self.premature_like_beats
        out["unlike_beats"] = self.unlike_beats
        out["early_unlike_beats"] = self.early_unlike_beats
        out["rr_ms"] = None if self.rr_ms is None else round(self.rr_ms)
        terminal = self.v1_terminal_mv
        out["v1_terminal_mv"] = None if terminal is None else round(terminal, 2) + 0.0
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


@dataclass(frozen=True)
class BeatAnalysis:
    """What one pass over an ECG's complexes gives (:func:`analyse_beats`).

    Attributes
    ----------
    alike : float or None
        :func:`alike_fraction`'s share.
    measurements : EcgMeasurements or None
        :func:`measure_ecg`'s measurements.
    """

    alike: float | None
    measurements: EcgMeasurements | None


def analyse_beats(samples_mv: np.ndarray, sfreq: float, qrs: np.ndarray) -> BeatAnalysis:
    """Filter and sort the complexes once, for both :func:`alike_fraction` and :func:`measure_ecg`.

    Parameters
    ----------
    samples_mv : ndarray, shape (12, n_samples)
        The leads in mV, in :data:`~.leads.STANDARD_LEADS` order.
    sfreq : float
        Sampling rate in Hz.
    qrs : ndarray of int
        The QRS complexes' samples (:func:`~.qrs.detect_qrs`).
    """
    samples = np.asarray(samples_mv, np.float64)
    if len(qrs) < MIN_BEATS or not np.all(np.isfinite(samples)):
        return BeatAnalysis(None, None)
    x = band_passed(samples, sfreq)
    kinds = _classify_beats(x, sfreq, qrs)
    if kinds is None:
        return BeatAnalysis(None, None)
    aligned, premature, timely, like, fits = kinds
    alike = float(like[fits].mean())
    if len(qrs) < MIN_BEATS + 1:
        return BeatAnalysis(alike, None)
    median_rr = float(np.median(np.diff(aligned)))
    before = int(min(0.4 * sfreq, 0.6 * median_rr))
    after = int(min(0.65 * sfreq, 0.95 * median_rr))
    inside = (aligned - before >= 0) & (aligned + after <= x.shape[1])
    chosen = aligned[inside & timely & like]
    if len(chosen) < MIN_BEATS:
        return BeatAnalysis(alike, None)
    beats = np.stack([x[:, p - before : p + after] for p in chosen])
    # QTc corrects by the mean RR of the dominant beats (intervals between two alike
    # complexes): in atrial fibrillation the median RR runs shorter than the mean and would
    # overstate QTc, and an interpolated ectopic beat or a missed complex would move it.
    dominant = like[:-1] & like[1:]
    intervals = np.diff(aligned)
    mean_rr = float(np.mean(intervals[dominant] if dominant.any() else intervals))
    # The T wave is sought before the complex that follows a quarter of the chosen beats
    # soonest: with an irregular rhythm short intervals put the next QRS into the median beat,
    # while one early beat (or a T wave taken for a QRS) after a single beat does not.
    followed = np.flatnonzero(inside & timely & like)
    followed = followed[followed < len(aligned) - 1]
    gaps = np.sort(aligned[followed + 1] - aligned[followed])
    next_qrs = before + int(gaps[len(gaps) // 4]) if gaps.size else None
    measured = _measure_beat(beats, before, median_rr, mean_rr, next_qrs, sfreq)
    if measured is not None:
        measured = replace(
            measured,
            premature_like_beats=int(np.sum(premature & like)),
            unlike_beats=int(np.sum(fits & ~like)),
            early_unlike_beats=int(np.sum(fits & ~like & premature)),
        )
    return BeatAnalysis(alike, measured)


def measure_ecg(samples_mv: np.ndarray, sfreq: float, qrs: np.ndarray) -> EcgMeasurements | None:
    """Measure a 12-lead ECG on its median beat (module docstring; arguments as
    :func:`analyse_beats`).

    Returns
    -------
    EcgMeasurements or None
        None when fewer than :data:`MIN_BEATS` dominant beats fit in the record, or the QRS
        complex or its surroundings could not be delimited.
    """
    return analyse_beats(samples_mv, sfreq, qrs).measurements


def alike_fraction(samples_mv: np.ndarray, sfreq: float, qrs: np.ndarray) -> float | None:
    """The share of QRS complexes whose shape is the dominant beats' (correlation
    :data:`MIN_CORRELATION` or more with their median QRS).

    Complexes found in noise are not alike; those of a real rhythm mostly are, ectopic beats
    apart. None with fewer than :data:`MIN_BEATS` timely complexes to compare.
    """
    return analyse_beats(samples_mv, sfreq, qrs).alike


def band_passed(samples: np.ndarray, sfreq: float) -> np.ndarray:
    """The leads as measured: band-passed and notched (module docstring, step 1), zero phase."""
    x = signal.sosfiltfilt(_band_sos(float(sfreq)), samples, axis=1)
    for mains in MAINS_HZ:  # what the low-pass leaves of 50 or 60 Hz still moves the QRS ends
        if mains < 0.45 * sfreq:
            b, a = signal.iirnotch(mains, NOTCH_Q, fs=sfreq)
            x = signal.filtfilt(b, a, x, axis=1)
    return x


def _classify_beats(x: np.ndarray, sfreq: float, qrs: np.ndarray):
    """Align the complexes and sort them: (aligned, premature, timely, like, fits) arrays, or
    None with fewer than :data:`MIN_BEATS` timely ones."""
    velocity = _spatial_velocity(x, sfreq)
    reach = int(ALIGN_S * sfreq)
    starts = [max(int(p) - reach, 0) for p in qrs]
    aligned = np.array([a + int(np.argmax(velocity[a : a + 2 * reach])) for a in starts])
    rr = np.diff(aligned)
    premature = np.zeros(len(aligned), bool)
    premature[1:] = rr < PREMATURE_RATIO * np.median(rr)
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
        like[k] = _correlation(core, reference) >= MIN_CORRELATION
    return aligned, premature, timely, like, fits


def _measure_beat(
    beats: np.ndarray,
    fiducial: int,
    rr_samples: float,
    mean_rr_samples: float,
    next_qrs: int | None,
    sfreq: float,
) -> EcgMeasurements | None:
    """Measure the median of ``beats`` [n, 12, samples], aligned at ``fiducial``; the waves
    are sought within the median RR (``rr_samples``) and before ``next_qrs``, the fiducial
    point of the complex that follows a quarter of the beats soonest (None: no beat is
    followed), QT corrected by the dominant beats' mean RR (``mean_rr_samples``)."""
    beat = np.median(beats, axis=0)
    velocity = _spatial_velocity(beat, sfreq)
    run = max(2, int(np.ceil(REST_S * sfreq)))
    peak = fiducial
    spans = beat.max(axis=1) - beat.min(axis=1)
    # Where nothing rests (noise, mains, waves running into each other at a fast rate) the
    # ends of the QRS cannot be told; nor can a QRS of a few microvolts (a scale error).
    if np.percentile(velocity, 10) > NOISE_FLOOR * velocity[peak] or spans.max() < MIN_QRS_MV:
        return None
    quiet = velocity < QRS_REST * velocity[peak]
    onset = _rest(quiet, peak, -1, run)
    end = _qrs_end(quiet, peak, run, sfreq)
    if (
        onset is None
        or end is None
        or not QRS_RANGE_MS[0] <= (end - onset - 1) / sfreq * 1000 <= QRS_RANGE_MS[1]
    ):
        return None
    onset += 1
    segment = slice(max(onset - int(PR_SEGMENT_S * sfreq), 0), onset)
    beat = beat - beat[:, segment].mean(axis=1, keepdims=True)
    magnitude = np.linalg.norm(beat, axis=0)
    # The floor the tangent meets: the PR segment's level, above zero where fibrillation or
    # noise is left in the median beat (a tangent to zero would end the T wave late there).
    floor = float(magnitude[segment].mean())
    limit = len(magnitude) if next_qrs is None else next_qrs - (fiducial - onset)
    t_end = _t_end(magnitude[:limit], onset, end, rr_samples, sfreq, floor)
    if t_end is None:  # no T wave to find: the QRS's ends are not to be trusted either
        return None
    # The previous beat's T wave ends one RR interval before this beat's.
    p_onset = _p_onset(
        magnitude, onset, segment.start, sfreq, after=int(np.ceil(t_end - rr_samples))
    )
    if p_onset is not None and (
        not _p_waves_repeat(beats, p_onset, segment)
        # flutter waves between the T wave and the next P wave
        or _waves_after_t(magnitude, t_end, p_onset, onset, rr_samples, sfreq)
    ):
        p_onset = None
    pr_ms = None if p_onset is None else (onset - p_onset) / sfreq * 1000
    qt_ms = (t_end - onset) / sfreq * 1000
    rr_s = rr_samples / sfreq
    mean_rr_s = mean_rr_samples / sfreq
    qtc_ms = qt_ms / np.sqrt(mean_rr_s)
    lead = {name: beat[k, onset : end + 1] for k, name in enumerate(STANDARD_LEADS)}
    area_i, area_avf = lead["I"].sum(), lead["aVF"].sum()
    spans = {name: float(v.max() - v.min()) for name, v in lead.items()}
    # Over 100/min the T wave starts early: ST is read 40 ms after J, as is usual there.
    after_j = ST_AFTER_J_S if 60 / rr_s <= 100 else ST_AFTER_J_FAST_S
    j60 = end + int(after_j * sfreq)
    st, st_j = (
        (
            {name: float(beat[k, j60]) for k, name in enumerate(STANDARD_LEADS)},
            {name: float(beat[k, end]) for k, name in enumerate(STANDARD_LEADS)},
        )
        if j60 < beat.shape[1]
        else ({}, {})
    )
    return EcgMeasurements(
        beats=len(beats),
        pr_ms=pr_ms,
        qrs_ms=(end - onset) / sfreq * 1000,
        qt_ms=qt_ms,
        qtc_ms=qtc_ms,
        qtcf_ms=qt_ms / np.cbrt(mean_rr_s),
        rr_ms=mean_rr_s * 1000,
        axis_deg=(
            float(np.degrees(np.arctan2(area_avf, area_i)))
            if max(spans[name] for name in STANDARD_LEADS[:6]) >= MIN_LIMB_QRS_MV
            else None
        ),
        sokolow_lyon_mv=float(-lead["V1"].min() + max(lead["V5"].max(), lead["V6"].max())),
        cornell_mv=float(lead["aVL"].max() - lead["V3"].min()),
        max_limb_qrs_mv=max(spans[name] for name in STANDARD_LEADS[:6]),
        max_chest_qrs_mv=max(spans[name] for name in STANDARD_LEADS[6:]),
        st_mv=st,
        st_j_mv=st_j,
        v1_terminal_mv=float(lead["V1"][-max(1, int(TERMINAL_QRS_S * sfreq)) :].mean()),
    )


def _qrs_end(quiet: np.ndarray, peak: int, run: int, sfreq: float) -> int | None:
    """The QRS end: the first rest after ``peak``, or after one short late burst that follows
    it closely (a bundle branch block's R'; more would be noise or the waves of a flutter)."""
    end = _rest(quiet, peak, 1, run)
    if end is None:
        return None
    pause = np.flatnonzero(~quiet[end : end + int(LATE_PAUSE_S * sfreq)])
    if pause.size:
        burst = end + int(pause[0])
        burst_end = _rest(quiet, burst, 1, run)
        if burst_end is not None and burst_end - burst <= LATE_BURST_S * sfreq:
            return burst_end
    return end


def _p_onset(
    magnitude: np.ndarray, onset: int, pr_start: int, sfreq: float, after: int = 0
) -> int | None:
    """The sample where the P wave before the QRS onset begins; None without one clear P wave.
    It is looked for from ``after`` on: the T wave before it has ended there (at a fast rate,
    or with a long PR, the previous beat's T wave reaches into the search and passed for a
    second wave of a P wave's size: a trial's sinus tachycardia at 129/min, PR 136 ms)."""
    first = max(onset - int(P_SEARCH_S * sfreq), after, 0)
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
    # A P wave rises from rest; a flutter wave rises from the one before it. The rest need not
    # reach back into the T wave before it (a long PR, a fast rate: the P wave follows the T
    # wave closely), beyond the tail the tangent cuts off, but lasts REST_AFTER_T_S at least.
    rest = max(k - int(REST_BEFORE_P_S * sfreq), after + int(T_TAIL_S * sfreq), 0)
    rest = min(rest, k - int(REST_AFTER_T_S * sfreq))
    if magnitude[max(rest, 0) : k + 1].max() > P_DIP * peak:
        return None
    return k


def _p_waves_repeat(beats: np.ndarray, p_onset: int, segment: slice) -> bool:
    """Whether the P wave of the median beat is in each beat: fibrillation is not."""
    window = slice(p_onset, segment.start)
    waves = beats[:, :, window] - beats[:, :, segment].mean(axis=2, keepdims=True)
    median = np.median(waves, axis=0).ravel()
    correlations = [_correlation(wave.ravel(), median) for wave in waves]
    return float(np.median(correlations)) >= MIN_P_CORRELATION


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's correlation; 0 when either is constant (a flat lead has no shape)."""
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm > 0 else 0.0


def _t_end(
    magnitude: np.ndarray, onset: int, end: int, rr_samples: float, sfreq: float, floor: float
) -> float | None:
    """The T wave's end (a sample, fractional) by the tangent method on the spatial magnitude:
    where the tangent at the steepest fall meets ``floor``; None without a T wave."""
    first = end + int(0.1 * sfreq)
    last = min(onset + int(T_SEARCH_RR * rr_samples), len(magnitude) - 1)
    if last - first < int(0.05 * sfreq):
        return None
    # The first wave nearly as tall as the tallest: a flutter wave after the T wave, locked to
    # the QRS and so kept in the median beat, can outgrow it.
    window = magnitude[first:last]
    peaks, _ = signal.find_peaks(window, height=T_PEAK_SHARE * window.max())
    t_peak = first + int(peaks[0] if peaks.size else np.argmax(window))
    stop = min(t_peak + int(T_FALL_S * sfreq), last + int(0.1 * sfreq))
    fall = np.gradient(magnitude[t_peak:stop])
    if fall.size < 3 or fall.min() >= 0:
        return None
    steepest = t_peak + int(np.argmin(fall))
    t_end = steepest + max(magnitude[steepest] - floor, 0.0) / -fall.min()
    # A fall still steepening where the beat (or the next complex) cuts it, or a tangent
    # reaching past that, is no T wave's end that can be read.
    edge = len(magnitude) - 1
    return None if steepest >= edge - 1 or t_end > edge else t_end


def _waves_after_t(
    magnitude: np.ndarray, t_end: float, p_onset: int, onset: int, rr_samples: float, sfreq: float
) -> bool:
    """Whether a wave half as tall as the P wave or more stands between the T wave's end and
    the next beat's P wave (one RR interval after this one's)."""
    pr = onset - p_onset
    p_height = magnitude[p_onset:onset].max()
    tail = magnitude[int(t_end) + int(0.02 * sfreq) : onset + int(rr_samples) - pr]
    peaks, _ = signal.find_peaks(tail, prominence=0.5 * p_height)
    return bool(peaks.size)
