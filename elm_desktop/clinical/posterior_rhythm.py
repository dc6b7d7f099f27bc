"""The posterior dominant rhythm's frequency, measured in the recording itself.

A draft that says "a 10 Hz posterior dominant rhythm" states a number the model's finding
scores cannot check. It is measured here from the model input's posterior derivations
(:data:`POSTERIOR_DERIVATIONS`): per crop the Hann-windowed power spectrum averaged over those
derivations (log10), then the median over the crops, so that stretches of eye opening,
artifact or a seizure do not move it. A straight line fitted to that spectrum against log
frequency over 2-30 Hz stands for the background's 1/f fall; the rhythm is the highest local
maximum above that line between 4 and 14 Hz (a rise that only climbs to the band's edge is
slowing, not a rhythm), and is called *clear* when it rises at least :data:`MIN_PROMINENCE`
(log10 units: about three times the power of the 1/f line).

Against the synthetic corpora's true posterior rhythm (val and test sets of the three generator
families) the median error is 0.06-0.20 Hz and most clear measurements lie within
:data:`STATED_RHYTHM_TOLERANCE_HZ` (``benchmarks/posterior_rhythm_accuracy.py``,
``benchmarks/results/posterior-rhythm.txt``); the misses are mostly burst suppression, which
has no posterior rhythm to measure.

:func:`stated_rhythm_hz` reads the frequency a sentence gives the rhythm, for the generated
draft's check (:mod:`elm_desktop.clinical.draft_check`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.fft

#: The bipolar derivations over the occipital and posterior temporal regions.
POSTERIOR_DERIVATIONS = ("P3-O1", "P4-O2", "T5-O1", "T6-O2")
#: Where the posterior rhythm is looked for, in Hz (from a slow theta PDR to fast alpha).
SEARCH_HZ = (4.0, 14.0)
#: The band the 1/f line is fitted over, in Hz.
FIT_HZ = (2.0, 30.0)
#: How far above the 1/f line (log10 power) a peak must rise to be a clear rhythm.
MIN_PROMINENCE = 0.5
#: How far a draft's stated frequency may lie from the measured one before it is marked.
STATED_RHYTHM_TOLERANCE_HZ = 1.5
#: What is said of a recording without a clear rhythm.
NO_CLEAR_RHYTHM = "no clear posterior rhythm measured"

#: How reports name the posterior rhythm ("posterior dominant rhythm", "PDR", "alpha rhythm").
RHYTHM_NAME = re.compile(
    r"posterior(?:\s+dominant)?\s+(?:background\s+)?rhythm|\bpdr\b|\balpha rhythm\b|"
    r"\bposterior\s+(?:dominant\s+)?(?:alpha|background)\b",
    re.I,
)
_FREQUENCY = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*hz\b", re.I)
_CLAUSE = re.compile(r";|\bbut\b|\bwhereas\b|\bwhile\b", re.I)
_NEGATION = re.compile(r"\b(no|not|without|absent|lack of|lacks)\b", re.I)
#: Words before the rhythm's name that may deny it ("there is no clear PDR"); wider, and
#: "did not alter the 10 Hz posterior rhythm" would read as a denial.
_NEGATION_WORDS = 3


@dataclass(frozen=True)
class PosteriorRhythm:
    """The measured posterior dominant rhythm of a recording.

    Attributes
    ----------
    frequency_hz : float
        The peak's frequency.
    prominence : float
        Its height above the 1/f line, log10 power.
    crops : int
        How many crops the median spectrum was taken over.
    """

    frequency_hz: float
    prominence: float
    crops: int

    @property
    def clear(self) -> bool:
        """Whether the peak rises enough above the background to be a rhythm."""
        return self.prominence >= MIN_PROMINENCE


def rhythm_words(rhythm: PosteriorRhythm | None) -> str:
    """The measured rhythm in words, for the analysis's text, HTML and window."""
    if rhythm is None:
        return "not measured: no posterior derivations"
    if not rhythm.clear:
        return NO_CLEAR_RHYTHM
    return f"{rhythm.frequency_hz:.1f} Hz, measured in the posterior derivations"


def rhythm_sentence(rhythm: PosteriorRhythm | None) -> str | None:
    """The measured rhythm as a draft's sentence; None without posterior derivations."""
    if rhythm is None:
        return None
    if not rhythm.clear:
        return "No clear posterior dominant rhythm is measured in the posterior derivations."
    return (
        f"A posterior dominant rhythm of {rhythm.frequency_hz:.1f} Hz is measured in the "
        "posterior derivations."
    )


def crop_posterior_spectra(crops: np.ndarray, channels: Sequence[str]) -> np.ndarray:
    """Log10 power spectrum of each crop, averaged over its posterior derivations.

    Parameters
    ----------
    crops : numpy.ndarray
        [n, channels, samples], the model input.
    channels : sequence of str
        The names of its channels (bipolar derivations).

    Returns
    -------
    numpy.ndarray
        float32 [n, samples // 2 + 1]; no columns when no posterior derivation is there.
    """
    rows = [list(channels).index(c) for c in POSTERIOR_DERIVATIONS if c in channels]
    x = np.asarray(crops, np.float32)[:, rows]
    if not rows:
        return np.zeros((x.shape[0], 0), np.float32)
    x = x - x.mean(axis=-1, keepdims=True)
    power = np.abs(scipy.fft.rfft(x * np.hanning(x.shape[-1]), axis=-1)) ** 2
    return np.log10(power.mean(axis=1) + 1e-9).astype(np.float32)


def posterior_rhythm(spectra: np.ndarray, sfreq: float, n_samples: int) -> PosteriorRhythm | None:
    """The posterior rhythm of a recording from its crops' spectra; None without spectra.

    Parameters
    ----------
    spectra : numpy.ndarray
        [n, frequencies] from :func:`crop_posterior_spectra`.
    sfreq : float
        The crops' sampling rate.
    n_samples : int
        Samples per crop (the spectra's length follows from it).
    """
    if spectra.size == 0:
        return None
    freqs = np.fft.rfftfreq(n_samples, 1.0 / sfreq)
    median = np.median(spectra, axis=0)
    fit = (freqs >= FIT_HZ[0]) & (freqs <= FIT_HZ[1])
    slope, intercept = np.polyfit(np.log10(freqs[fit]), median[fit], 1)
    above = median - (slope * np.log10(np.maximum(freqs, 1e-3)) + intercept)
    search = np.flatnonzero((freqs >= SEARCH_HZ[0]) & (freqs <= SEARCH_HZ[1]))
    inner = search[1:-1]
    peaks = inner[(above[inner] > above[inner - 1]) & (above[inner] >= above[inner + 1])]
    if not peaks.size:  # no rhythm, only a slope across the band
        return PosteriorRhythm(float(freqs[search[0]]), 0.0, int(spectra.shape[0]))
    peak = int(peaks[np.argmax(above[peaks])])
    return PosteriorRhythm(float(freqs[peak]), float(above[peak]), int(spectra.shape[0]))


def stated_rhythm_hz(sentence: str) -> list[tuple[float, float]]:
    """The frequencies (low, high) a sentence gives the posterior rhythm.

    Per clause that names the rhythm and does not deny it ("no posterior dominant rhythm"),
    the first frequency after the name, else the last one before it ("a 9 Hz posterior
    rhythm"); a range ("8-9 Hz") is kept whole. Other frequencies of the sentence (theta,
    photic flash rates) are not the rhythm's.
    """
    stated = []
    for clause in _CLAUSE.split(sentence):
        for name in RHYTHM_NAME.finditer(clause):
            before = clause[: name.start()].split()[-_NEGATION_WORDS:]
            if _NEGATION.search(" ".join(before)):
                continue
            after = list(_FREQUENCY.finditer(clause, name.end()))
            earlier = list(_FREQUENCY.finditer(clause, 0, name.start()))
            found = after[0] if after else earlier[-1] if earlier else None
            if found is not None:
                low = float(found.group(1))
                stated.append((low, float(found.group(2) or low)))
    return list(dict.fromkeys(stated))
