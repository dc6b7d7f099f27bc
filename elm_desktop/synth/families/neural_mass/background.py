"""Ongoing activity: the columns' linear response to noisy afferent drive.

Around its resting point a column behaves as a linear filter of its input. Each of its
resonances (delta, theta, alpha, sigma, beta) is a damped oscillator driven by white noise: an
AR(2) process whose pole radius sets the damping (bandwidth) and whose angle sets the frequency,
and whose drive is scaled over time by the brain state (thalamic drive, arousal, vigilance).
Frequency and damping change at state boundaries (the alpha loop damps when the eyes open,
slows in drowsiness) with the filter state carried over. Aperiodic activity is the columns'
leaky synaptic integration of noise, through slow synapses (corner 3 Hz) and fast ones (corner
25 Hz). Columns are coupled by cortico-cortical
connections that fall off with distance: with coupling faster than the rhythms, the coupled
network's activity is ``(I - k W)^-1`` times the uncoupled columns'. The thalamocortical alpha
is the most coherent (k = 0.85), slow cortical rhythms less (0.5), beta and the fast
synapses' activity the least (0.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
from scipy import signal

from elm_desktop.synth.families.neural_mass.cortex import column_distances

#: Reach (radians) of the cortico-cortical coupling.
_REACH = 0.35


@dataclass(frozen=True)
class Piece:
    """One stretch of a resonance with fixed parameters: samples [start, stop)."""

    start: int
    stop: int
    frequency: float
    bandwidth: float


@lru_cache(maxsize=8)
def coupling_matrix(strength: float) -> np.ndarray:
    """Map from uncoupled to coupled column activity, rows scaled to unit energy."""
    distances = column_distances()
    weights = np.exp(-((distances / _REACH) ** 2))
    np.fill_diagonal(weights, 0.0)
    weights /= weights.sum(axis=1, keepdims=True)
    mixing = np.linalg.inv(np.eye(len(weights)) - strength * weights)
    return mixing / np.linalg.norm(mixing, axis=1, keepdims=True)


def _ar2(frequency: float, bandwidth: float, sfreq: float) -> tuple[np.ndarray, float]:
    """Denominator of a damped oscillator and the gain that gives its output unit variance."""
    radius = np.exp(-np.pi * bandwidth / sfreq)
    a1, a2 = -2.0 * radius * np.cos(2.0 * np.pi * frequency / sfreq), radius**2
    variance = (1.0 + a2) / ((1.0 - a2) * ((1.0 + a2) ** 2 - a1**2))
    return np.array([1.0, a1, a2]), 1.0 / np.sqrt(variance)


def resonance(drive: np.ndarray, pieces: list[Piece], sfreq: float) -> np.ndarray:
    """Filter ``drive`` (columns, samples) through a damped oscillator, piece by piece.

    The output has about the variance of the drive (unit variance for unit white noise); the
    oscillator's state runs on across pieces, so a change of frequency or damping is smooth.
    """
    if (
        pieces[0].start != 0
        or pieces[-1].stop != drive.shape[1]
        or any(a.stop != b.start for a, b in pairwise(pieces))
    ):
        raise ValueError("the pieces must tile the drive's samples, one after the other")
    out = np.empty_like(drive)
    state = np.zeros((drive.shape[0], 2))
    for piece in pieces:
        denominator, gain = _ar2(piece.frequency, piece.bandwidth, sfreq)
        part = slice(piece.start, piece.stop)
        out[:, part], state = signal.lfilter([gain], denominator, drive[:, part], axis=1, zi=state)
    return out


def aperiodic(drive: np.ndarray, corner_hz: float, sfreq: float) -> np.ndarray:
    """Leaky integration of the drive (a Lorentzian 1/f^2 spectrum above ``corner_hz``)."""
    pole = np.exp(-2.0 * np.pi * corner_hz / sfreq)
    out = signal.lfilter([np.sqrt(1.0 - pole**2)], [1.0, -pole], drive, axis=1)
    return out
