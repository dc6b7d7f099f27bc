"""Photic driving, measured: a peak at the flash rate in the posterior derivations.

A driving response is the posterior rhythm taking up the flash rate (or its first harmonic)
while the flashes last. It is measured, not read from the model's prompt, which cannot know
the rate: for each train of flashes at :data:`RATES_HZ` (from annotations that give a rate,
``"Photic 10 Hz"``, ``"PS 12Hz"``, or from the stimulator channel's flash trains), its
**prominence** is the power at the rate and its harmonic over the power 0.8-2 Hz beside them,
in the crops of the train (:func:`~elm_desktop.clinical.posterior_rhythm.crop_posterior_spectra`),
and the train's **ratio** that prominence over the same frequencies' prominence in the
crops outside stimulation: a narrow peak the flashes add, not the posterior rhythm already
there (alpha at 10 Hz is as prominent with and without 10 Hz flashes). The recording's driving
is its largest ratio; present from :data:`DRIVING_RATIO`.

:data:`DRIVING_RATIO` was set on synthetic recordings of the three generator families made for
the purpose (40 of each, 4 minutes, seed 777; not the test sets): with driving every train
measured 29-280 times, without it 35 of 36 recordings under 4 (the other 5.3). On the test sets
measured after, driving is found in every recording with it, and called in 3 of 30 and 1 of 24
without it (``benchmarks/photic_driving_accuracy.py``, ``benchmarks/results/photic-driving.txt``).
Synthetic driving is stronger than most real driving, so the bar stands low among those.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from elm_desktop.clinical.consistency import PROCEDURES
from elm_desktop.clinical.record_score import DRIVING_MEASURE
from elm_desktop.clinical.zeroshot import FindingScore
from elm_desktop.signals.photic import FlashTrain
from elm_desktop.signals.recording import Annotation

#: The finding measured here.
PHOTIC_DRIVING = "photic_driving"
#: Flash rates a response is measured at (Hz): driving below 4 Hz is not told from the delta
#: and theta already there, and the model's input holds nothing above 30 Hz that it keeps.
RATES_HZ = (4.0, 30.0)
#: A train's ratio from which its driving is present.
DRIVING_RATIO = 4.0
#: How far beside the rate the flanks lie (Hz).
FLANK_HZ = (0.8, 2.0)
#: A crop belongs to a train when at least this share of it lies within the train.
MIN_SHARE_IN_TRAIN = 0.5
#: Fewest crops outside stimulation to compare with.
MIN_BASELINE_CROPS = 3
#: How long a train marked only where it starts lasts, at most (seconds).
UNMARKED_TRAIN_S = 10.0
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*hz\b", re.I)
_FLASH_RATE_ONLY = re.compile(r"^\s*ps\s*\d", re.I)


@dataclass(frozen=True)
class PhoticTrain:
    """One train of flashes: when, and at what rate."""

    start_s: float
    end_s: float
    rate_hz: float


@dataclass(frozen=True)
class PhoticDriving:
    """A recording's photic driving, as measured.

    Attributes
    ----------
    ratio : float
        The largest train's ratio (prominence at its rate over the same outside stimulation).
    rate_hz : float
        That train's flash rate.
    driven_hz : tuple of float
        The flash rates whose trains reach :data:`DRIVING_RATIO`, in order.
    trains : int
        How many trains were measured.
    """

    ratio: float
    rate_hz: float
    driven_hz: tuple[float, ...]
    trains: int

    @property
    def present(self) -> bool:
        return self.ratio >= DRIVING_RATIO

    @property
    def probability(self) -> float:
        """The ratio on a 0-1 scale: 0.5 (:data:`~elm_desktop.clinical.zeroshot.MEASURED_THRESHOLD`)
        at :data:`DRIVING_RATIO`, rising with it."""
        return self.ratio / (self.ratio + DRIVING_RATIO)

    def words(self) -> str:
        """What was measured, in a reviewer's words."""
        if self.present:
            rates = ", ".join(f"{r:g}" for r in self.driven_hz)
            return (
                f"a peak at the flash rate {self.ratio:.1f} times as prominent as outside "
                f"stimulation, driving at {rates} Hz ({self.trains} trains measured)"
            )
        return (
            f"no peak at the flash rate: at most {self.ratio:.1f} times as prominent as outside "
            f"stimulation ({self.rate_hz:g} Hz; {self.trains} trains measured, "
            f"driving from {DRIVING_RATIO:g})"
        )


def photic_trains(
    annotations: Sequence[Annotation], flashes: Sequence[FlashTrain] = ()
) -> tuple[PhoticTrain, ...]:
    """The trains of flashes whose rate the recording says: its photic annotations that give
    one (a train marked only where it starts lasts until the next annotation, at most
    :data:`UNMARKED_TRAIN_S`), and its stimulator channel's flash trains."""
    marked = sorted(annotations, key=lambda a: a.onset)
    trains = []
    for index, note in enumerate(marked):
        rate = _RATE.search(note.description)
        photic = PROCEDURES["photic stimulation"].search(
            note.description
        ) or _FLASH_RATE_ONLY.match(note.description)
        if rate is None or not photic:
            continue
        end = note.onset + note.duration
        if note.duration <= 0:
            later = [a.onset for a in marked[index + 1 :] if a.onset > note.onset]
            end = min([note.onset + UNMARKED_TRAIN_S, *later])
        trains.append(PhoticTrain(note.onset, end, float(rate.group(1))))
    trains += [PhoticTrain(t.start_s, t.end_s, t.frequency_hz) for t in flashes]
    return tuple(trains)


def photic_driving(
    spectra: np.ndarray,
    sfreq: float,
    n_samples: int,
    starts_s: np.ndarray,
    window_s: float,
    trains: Sequence[PhoticTrain],
) -> PhoticDriving | None:
    """Measure photic driving; None when no train at :data:`RATES_HZ` covers a crop, or too
    few crops lie outside stimulation to compare with.

    Parameters
    ----------
    spectra : numpy.ndarray
        [n_crops, n_samples // 2 + 1], log10 power of each crop's posterior derivations
        (:func:`~elm_desktop.clinical.posterior_rhythm.crop_posterior_spectra`); no columns
        without posterior derivations (nothing measured).
    sfreq : float
        The crops' sampling rate.
    n_samples : int
        Samples per crop.
    starts_s : numpy.ndarray
        Each crop's start (seconds).
    window_s : float
        Crop length (seconds).
    trains : sequence of PhoticTrain
        :func:`photic_trains`.
    """
    if spectra.shape[-1] == 0 or not len(spectra):
        return None
    power = 10.0 ** np.asarray(spectra, np.float64)
    freqs = np.fft.rfftfreq(n_samples, 1.0 / sfreq)
    starts = np.asarray(starts_s, np.float64)
    ends = starts + window_s
    stimulated = np.zeros(len(starts), bool)
    for train in trains:
        stimulated |= (starts < train.end_s) & (ends > train.start_s)
    if (~stimulated).sum() < MIN_BASELINE_CROPS:
        return None
    measured = []  # (ratio, rate)
    for train in trains:
        if not RATES_HZ[0] <= train.rate_hz <= RATES_HZ[1]:
            continue
        overlap = np.minimum(ends, train.end_s) - np.maximum(starts, train.start_s)
        inside = overlap >= MIN_SHARE_IN_TRAIN * window_s
        if not inside.any():
            continue
        during = _prominence(power[inside], freqs, train.rate_hz)
        outside = _prominence(power[~stimulated], freqs, train.rate_hz)
        measured.append((during / outside, train.rate_hz))
    if not measured:
        return None
    ratio, rate = max(measured)
    driven = sorted({r for v, r in measured if v >= DRIVING_RATIO})
    return PhoticDriving(float(ratio), rate, tuple(driven), len(measured))


def _prominence(power: np.ndarray, freqs: np.ndarray, rate_hz: float) -> float:
    """Mean power at the rate and its harmonic (within the spectrum's first 30 Hz) over the
    mean power of their flanks, over the crops given."""
    mean = power.mean(axis=0)
    ratios = []
    for harmonic in (rate_hz, 2 * rate_hz):
        if harmonic > RATES_HZ[1]:
            continue
        peak = int(np.argmin(np.abs(freqs - harmonic)))
        away = np.abs(freqs - freqs[peak])
        flanks = (away >= FLANK_HZ[0]) & (away <= FLANK_HZ[1])
        ratios.append(mean[peak] / (mean[flanks].mean() + 1e-30))
    return float(np.mean(ratios))


def measured_driving_score(score: FindingScore, driving: PhoticDriving) -> FindingScore:
    """The photic driving score, measured (:meth:`~FindingScore.measured`)."""
    return score.measured(driving.probability, DRIVING_MEASURE)
