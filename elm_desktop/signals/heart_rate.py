"""Heart rate from the EKG channel of an EEG: R peaks, a trend and a one-line summary.

R peaks come from ``ecgdatakit``'s Pan-Tompkins detector (already the program's reader of XML
ECGs; numpy and scipy only, so importing it on a worker thread does not hold up the window as
neurokit2's pandas, scikit-learn and matplotlib did, 120 ms), on the EKG band-passed 0.5-40 Hz,
read in blocks of :data:`BLOCK_S` seconds with an overlap so that a 24-hour recording needs
memory for one block only. Each block's polarity is decided first (an EKG lead placed the other
way round gives negative R waves): the side of the signal with the larger extreme excursions is
taken as up. A detected peak far lower than the block's R waves is dropped.

The summary states only what the EKG shows: its rhythm from the RR intervals (regular;
irregularly irregular when successive intervals vary as in atrial fibrillation; premature beats
when a short interval is followed by a compensatory pause), its rate (the median of the
:data:`TREND_STEP_S` second trend) and rises of the rate well above it. A rate outside the
awake range for the patient's age (:data:`RATE_BPM_BY_AGE`, from the EDF+ birthdate and start
date) is named bradycardia or tachycardia, but for a child's or adolescent's rate between the
lowest asleep and the lowest awake, which is said as such (the EKG does not say whether the child slept); where the
file does not give the age, for an adult.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from scipy import signal

from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.signals.polygraphy import PolyChannel, ekg_channel
from elm_desktop.signals.recording import Recording
from elm_desktop.signals.time_labels import elapsed

#: Seconds of EKG read and searched for R peaks at a time.
BLOCK_S = 300.0
#: Seconds read on each side of a block, so a beat at its edge is found once.
_OVERLAP_S = 2.0
#: A detected peak lower than this fraction of the median R wave is not a beat.
_MIN_R_HEIGHT = 0.3
#: Width of one point of the heart-rate trend, seconds.
TREND_STEP_S = 10.0
#: RR intervals outside this range (seconds) are gaps or noise, not beats (20-240 bpm).
_RR_RANGE = (0.25, 3.0)
#: Normalised RMSSD of RR intervals (premature beats left out) above which the rhythm is
#: irregularly irregular; sinus rhythm at rest stays well under it.
IRREGULAR_RMSSD = 0.12
#: A rise of the rate (ictal tachycardia, say): trend points this many bpm and this fraction
#: over the recording's rate.
EPISODE_RISE_BPM = 20.0
EPISODE_RISE_FRACTION = 0.25
#: Heart-rate ranges by age (Pediatric Advanced Life Support, American Heart Association,
#: 2020): the least age of each group in years, its lowest and highest normal awake rate and
#: its lowest normal rate asleep in bpm, and the group in words (None: an adult, the usual
#: limits, asleep too).
RATE_BPM_BY_AGE: tuple[tuple[float, float, float, float, str | None], ...] = (
    (0.0, 100.0, 205.0, 90.0, "a newborn"),
    (28 / 366, 100.0, 180.0, 90.0, "an infant"),  # day 28 on; age_years counts days / 366
    (1.0, 98.0, 140.0, 80.0, "a child of 1-2 years"),
    (3.0, 80.0, 120.0, 65.0, "a child of 3-5 years"),
    (6.0, 75.0, 118.0, 58.0, "a child of 6-11 years"),
    (12.0, 60.0, 100.0, 50.0, "an adolescent"),
    (18.0, 60.0, 100.0, 60.0, None),
)


def _age_row(age_years: float | None) -> tuple[float, float, float, float, str | None]:
    if age_years is None:
        return 0.0, 60.0, 100.0, 60.0, "an adult"
    return [row for row in RATE_BPM_BY_AGE if row[0] <= age_years][-1]


def awake_rate_range(age_years: float | None) -> tuple[float, float, str | None]:
    """The normal awake heart rate for an age, lowest and highest in bpm, and the age group in
    words; an adult's (60-100 bpm, "an adult") where the age is not known."""
    _, low, high, _, group = _age_row(age_years)
    return low, high, group


def asleep_lowest_bpm(age_years: float | None) -> float:
    """The lowest normal heart rate asleep for an age (a child's falls well under its awake
    range in sleep); an adult's awake limit where the age is not known."""
    return _age_row(age_years)[3]


@lru_cache(maxsize=8)
def _clean_sos(sfreq: float) -> np.ndarray:
    """Band-pass 0.5-40 Hz: no baseline wander and no mains, the QRS complex as it is."""
    return signal.butter(2, [0.5, min(40.0, 0.45 * sfreq)], "bandpass", fs=sfreq, output="sos")


def _oriented(cleaned: np.ndarray) -> tuple[np.ndarray, bool]:
    """The cleaned EKG with R waves up, and whether it was turned over."""
    if cleaned.size == 0:
        return cleaned, False
    centred = cleaned - np.median(cleaned)
    high, low = np.percentile(centred, [99.8, 0.2])
    inverted = bool(-low > 1.3 * high)
    return (-centred if inverted else centred), inverted


def detect_r_peaks(ekg: np.ndarray, sfreq: float) -> tuple[np.ndarray, bool]:
    """Find the R peaks of one stretch of EKG.

    Parameters
    ----------
    ekg : ndarray, shape (n_times,)
        One EKG lead, any unit.
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    peaks : ndarray of int
        Sample indices of the R peaks.
    inverted : bool
        Whether the lead was read upside down (negative R waves).
    """
    from ecgdatakit.processing.peaks import detect_r_peaks as pan_tompkins

    if ekg.size < 2 * sfreq or not np.all(np.isfinite(ekg)) or np.ptp(ekg) == 0:
        return np.zeros(0, dtype=int), False
    cleaned = signal.sosfiltfilt(_clean_sos(sfreq), ekg)
    oriented, inverted = _oriented(cleaned)
    peaks = np.asarray(pan_tompkins(oriented, fs=int(round(sfreq))), dtype=int)
    if peaks.size:  # an R wave stands as tall as its neighbours; noise or a T wave does not
        heights = oriented[peaks]
        peaks = peaks[heights > _MIN_R_HEIGHT * np.median(heights)]
    return peaks, inverted


@dataclass(frozen=True)
class HeartRate:
    """The heart rate of a recording, measured from its EKG.

    Attributes
    ----------
    channel : str
        The EKG channel's label.
    peaks_s : ndarray
        Time of each R peak in seconds from the start of the recording.
    duration_s : float
        Length of the recording.
    inverted : bool
        Whether most of the EKG was read upside down.
    age_years : float or None
        The patient's age when recorded, which sets the normal rate; None: not known.
    """

    channel: str
    peaks_s: np.ndarray
    duration_s: float
    inverted: bool = False
    age_years: float | None = None

    @property
    def rr_s(self) -> np.ndarray:
        """Every RR interval in seconds (including gaps and noise)."""
        return np.diff(self.peaks_s)

    def _valid(self) -> np.ndarray:
        rr = self.rr_s
        return (rr >= _RR_RANGE[0]) & (rr <= _RR_RANGE[1])

    def rate_bpm(
        self,
        start_s: float = 0.0,
        stop_s: float | None = None,
        exclude: Sequence[Sequence[float]] = (),
    ) -> float:
        """Mean rate in beats per minute (60 over the mean RR interval) over a time range.

        Parameters
        ----------
        start_s, stop_s : float
            The range; intervals that end inside it count. Default: the whole recording.
        exclude : sequence of (start, end)
            Spans left out (an interval ending inside one does not count).

        Returns
        -------
        float
            NaN when fewer than two beats fall in the range.
        """
        stop_s = self.duration_s if stop_s is None else stop_s
        ends = self.peaks_s[1:]
        keep = self._valid() & (ends >= start_s) & (ends < stop_s)
        for a, b in exclude:
            keep &= ~((ends >= a) & (ends < b))
        if not keep.any():
            return float("nan")
        return float(60.0 / np.mean(self.rr_s[keep]))

    def trend(self, step_s: float = TREND_STEP_S) -> tuple[np.ndarray, np.ndarray]:
        """The heart rate every ``step_s`` seconds over the whole recording.

        Returns
        -------
        times : ndarray
            Centre of each step, seconds.
        bpm : ndarray
            Mean rate of the intervals that end in the step; NaN where there are none.
            Computed once per step (a day of beats takes tens of milliseconds); do not modify.
        """
        if step_s not in self._trends:
            self._trends[step_s] = self._trend(step_s)
        return self._trends[step_s]

    @cached_property
    def _trends(self) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        return {}

    def _trend(self, step_s: float) -> tuple[np.ndarray, np.ndarray]:
        edges = np.arange(0.0, self.duration_s + step_s, step_s)
        valid = self._valid()
        ends = self.peaks_s[1:][valid]
        rr = self.rr_s[valid]
        index = np.searchsorted(edges, ends, side="right") - 1
        n = len(edges) - 1
        count = np.bincount(index, minlength=n)[:n]
        total = np.bincount(index, weights=rr, minlength=n)[:n]
        with np.errstate(invalid="ignore", divide="ignore"):
            bpm = np.where(count > 0, 60.0 * count / total, np.nan)
        return edges[:-1] + step_s / 2, bpm

    def premature(self) -> np.ndarray:
        """Indices (into :attr:`peaks_s`) of premature beats: early, then a compensatory pause."""
        return self._premature

    @cached_property
    def _premature(self) -> np.ndarray:
        rr = self.rr_s
        if rr.size < 5:
            return np.zeros(0, dtype=int)
        local = _running_median(rr, 9)
        early = rr[:-1] < 0.8 * local[:-1]
        pause = rr[1:] > 1.1 * local[1:]
        return np.flatnonzero(early & pause) + 1

    def irregularity(self) -> float:
        """RMSSD of the RR intervals over their local median, premature beats left out."""
        return self._irregularity

    @cached_property
    def _irregularity(self) -> float:
        rr = self.rr_s
        valid = self._valid()
        for beat in self.premature():  # the early interval and the pause after it
            valid[max(beat - 1, 0) : beat + 1] = False
        if valid.sum() < 8:
            return float("nan")
        normal = rr / _running_median(rr, 9)
        diffs = np.diff(normal)[valid[1:] & valid[:-1]]
        return float(np.sqrt(np.mean(diffs**2))) if diffs.size else float("nan")

    def rhythm(self) -> str:
        """``"regular"``, ``"irregularly irregular"``, ``"regular with premature beats"``, or
        ``"not assessed"`` when too few beats were found."""
        irregularity = self.irregularity()
        if not np.isfinite(irregularity):
            return "not assessed"
        if irregularity > IRREGULAR_RMSSD:
            return "irregularly irregular"
        if len(self.premature()) >= 2:
            return "regular with premature beats"
        return "regular"

    def typical_bpm(self) -> float:
        """The recording's rate: the median of its trend (so a brief episode does not move it)."""
        return self._typical_bpm

    @cached_property
    def _typical_bpm(self) -> float:
        _, bpm = self.trend()
        bpm = bpm[np.isfinite(bpm)]
        return float(np.median(bpm)) if bpm.size else float("nan")

    def episodes(self, min_s: float = 2 * TREND_STEP_S) -> list[tuple[float, float, float]]:
        """Spans where the rate rises well above the recording's rate: (start, end, peak bpm)."""
        times, bpm = self.trend()
        typical = self.typical_bpm()
        if not np.isfinite(typical):
            return []
        high = np.nan_to_num(bpm) > max(
            typical + EPISODE_RISE_BPM, typical * (1 + EPISODE_RISE_FRACTION)
        )
        found = []
        start = None
        for k, flag in enumerate([*high, False]):
            if flag and start is None:
                start = k
            elif not flag and start is not None:
                if (k - start) * TREND_STEP_S >= min_s:
                    found.append(
                        (
                            float(times[start] - TREND_STEP_S / 2),
                            float(times[k - 1] + TREND_STEP_S / 2),
                            float(np.nanmax(bpm[start:k])),
                        )
                    )
                start = None
        return found

    def summary(self) -> str:
        """One line for the draft, e.g. ``"single-lead EKG: regular rhythm, 72 bpm"``."""
        rhythm = self.rhythm()
        if rhythm == "not assessed":
            return "single-lead EKG: too few beats found to assess the heart rate"
        rate = self.typical_bpm()
        words = "mean ventricular rate " if rhythm == "irregularly irregular" else ""
        text = f"single-lead EKG: {rhythm} rhythm, {words}{rate:.0f} bpm"
        if rhythm == "regular with premature beats":
            text = (
                f"single-lead EKG: regular rhythm with {len(self.premature())} premature beats, "
                f"{rate:.0f} bpm"
            )
        # By age: 109 bpm at 4 years is normal (a trial saw it called tachycardia).
        low, high, group = awake_rate_range(self.age_years)
        against = "" if group is None else f" for {group}"
        if self.age_years is not None and group is not None:
            against += f", {low:.0f}-{high:.0f} bpm awake"
        asleep = asleep_lowest_bpm(self.age_years)
        if rhythm != "irregularly irregular" and asleep <= rate < low:
            # A child's rate falls under its awake range in sleep, which the EKG cannot tell.
            text += f" (under the awake range{against}; normal asleep from {asleep:.0f} bpm)"
        elif rhythm != "irregularly irregular" and rate < low:
            text += f" (bradycardia{against})"
        elif rate > high:
            text += f" (tachycardia{against})"
        for start, end, peak in self.episodes():
            text += f"; rising to {peak:.0f} bpm at {elapsed(start)}-{elapsed(end)} from the start"
        return text


def _running_median(values: np.ndarray, width: int) -> np.ndarray:
    """Median of a centred window of ``width`` values at each position (edges padded)."""
    half = width // 2
    padded = np.pad(values, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    return np.median(windows, axis=1)


def measure_heart_rate(
    rec: Recording,
    channel: PolyChannel | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> HeartRate | None:
    """Measure the heart rate over the whole recording from its EKG, block by block.

    Parameters
    ----------
    rec : Recording
    channel : PolyChannel, optional
        The EKG channel; by default the recording's first.
    progress : ProgressCallback, optional
        Called with (seconds read, seconds total, "heart rate") after each block.
    cancel : CancelToken, optional
        Checked between blocks.

    Returns
    -------
    HeartRate or None
        None when the recording has no EKG channel.
    """
    channel = channel or ekg_channel(rec)
    if channel is None:
        return None
    sfreq = rec.sfreq
    block = int(BLOCK_S * sfreq)
    overlap = int(_OVERLAP_S * sfreq)
    peaks: list[np.ndarray] = []
    inverted = 0
    blocks = 0
    for start in range(0, rec.n_samples, block):
        if cancel is not None:
            cancel.check()
        stop = min(start + block, rec.n_samples)
        read_start, read_stop = max(start - overlap, 0), min(stop + overlap, rec.n_samples)
        values = rec.read_channel_samples(read_start, read_stop, [channel.index])[0]
        found, flipped = detect_r_peaks(values, sfreq)
        found = found + read_start
        peaks.append(found[(found >= start) & (found < stop)])
        inverted += flipped
        blocks += 1
        if progress is not None:
            progress(int(stop / sfreq), int(rec.duration), "heart rate")
    times = np.concatenate(peaks) / sfreq if peaks else np.zeros(0)
    return HeartRate(
        channel.label, times, rec.duration, inverted * 2 > blocks, rec.patient.age_years
    )
