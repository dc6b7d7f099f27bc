"""Quantitative EEG features of a recording, measured on the model's input crops.

What a reviewer reads in the signal itself, as numbers: how the power divides between the
bands, whether slow activity is focal or one-sided, how it changes over the recording, whether
the record is suppressed for stretches, how often sharp transients stand out of a derivation,
and the posterior rhythm. None depends on the recording's absolute amplitude, which differs
between amplifiers, sites and generators.

They are computed from three small measures of each crop (its power in 1 Hz bins,
:func:`crop_spectrum`; the amplitude of each half second, :func:`crop_window_rms`; its sharp
transients, :func:`crop_transients`) and from the posterior rhythm the analysis measures
(:mod:`~elm_desktop.clinical.posterior_rhythm`), so a 24-hour recording is never held whole.
The crops are those of :func:`elm_desktop.signals.preprocess.elm_input`: 20 bipolar
derivations at 100 Hz.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from elm_desktop.clinical.localise import HOMOLOGOUS, crop_band_power
from elm_desktop.clinical.posterior_rhythm import (
    PosteriorRhythm,
    crop_posterior_spectra,
    posterior_rhythm,
)
from elm_desktop.signals.montages import ELM_CHANNELS

if TYPE_CHECKING:  # zeroshot imports the knowledge base, which reads the record score
    from elm_desktop.clinical.zeroshot import FindingScore

#: Half-second windows whose amplitude is under this fraction of the recording's 90th
#: percentile count as suppressed (a ratio, so the amplifier's gain does not matter; the
#: percentile, because in burst suppression most of the record is suppressed).
SUPPRESSED_FRACTION = 0.25
#: Share of the record that burst suppression keeps suppressed, at least (ACNS 2021: 50-99 %).
BURST_SUPPRESSION_SHARE = 0.5
#: The bins of :func:`crop_spectrum`: 0.5-1 Hz, then 1 Hz wide up to 30 Hz.
SPECTRUM_BINS: tuple[tuple[str, float, float], ...] = (
    ("0.5-1", 0.5, 1.0),
    *((f"{low}-{low + 1}", float(low), float(low + 1)) for low in range(1, 30)),
)
#: Clinical bands, as ranges of those bins (Hz).
BANDS_HZ = {"delta": (0.5, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 30.0)}
#: The spectral edge: the frequency under which this share of the 0.5-30 Hz power lies.
EDGE_SHARE = 0.9
#: Derivations with less power than this share of the median derivation's are flat or
#: bridged, and left out of the features.
LIVE_SHARE = 0.01
#: Log power ratios are capped here (a ratio of about 150): beyond it a derivation is broken.
MAX_LOG_RATIO = 5.0
#: Standardised features are clipped here before the logistic model: a recording far outside
#: the calibration recordings' range moves the probability no further than one at the edge.
MAX_Z = 5.0
#: Half-second RMS at or under this (ELM units, 10 uV) is no signal at all.
_FLAT = 1e-4
RMS_WINDOW_S = 0.5
#: A transient stands out when its slope exceeds this many robust deviations of the crop's
#: slopes in that derivation.
TRANSIENT_DEVIATIONS = 8.0
#: Samples over the threshold closer than this are one transient.
TRANSIENT_REFRACTORY_S = 0.2

FEATURE_NAMES = (
    "relative delta",
    "relative theta",
    "relative alpha",
    "relative beta",
    "slow/fast, most focal",
    "slow asymmetry, largest",
    "slow/fast, variation in time",
    "power, peak over median",
    "suppressed fraction",
    "transients/min, most",
    "transients/min, median",
    "posterior rhythm Hz",
    "posterior rhythm prominence",
    "spectral edge Hz",
)

_EPS = 1e-12
_LOWS = np.array([low for _, low, _ in SPECTRUM_BINS])
_HIGHS = np.array([high for _, _, high in SPECTRUM_BINS])
_BAND = {name: (_LOWS >= low) & (_LOWS < high) for name, (low, high) in BANDS_HZ.items()}
_CHANNEL = {name: k for k, name in enumerate(ELM_CHANNELS)}


def crop_spectrum(crops: np.ndarray, sfreq: float) -> np.ndarray:
    """Mean power of each crop and derivation in the bins of :data:`SPECTRUM_BINS`.

    Returns
    -------
    numpy.ndarray
        float32 [n_crops, n_channels, len(SPECTRUM_BINS)], log10 (as ``crop_band_power``).
    """
    return crop_band_power(crops, sfreq, SPECTRUM_BINS)


def crop_window_rms(crops: np.ndarray, sfreq: float) -> np.ndarray:
    """RMS of each half second of each crop, the median over its derivations.

    Returns
    -------
    numpy.ndarray
        float32 [n_crops, n_windows].
    """
    width = int(round(RMS_WINDOW_S * sfreq))
    n_windows = crops.shape[-1] // width
    x = np.asarray(crops[..., : n_windows * width], np.float32)
    x = x.reshape(x.shape[0], x.shape[1], n_windows, width)
    x = x - x.mean(axis=-1, keepdims=True)
    return np.median(np.sqrt((x**2).mean(axis=-1)), axis=1).astype(np.float32)


def crop_transients(crops: np.ndarray, sfreq: float) -> np.ndarray:
    """Sharp transients in each crop and derivation: slopes far above the crop's own.

    A slope is a transient's when it exceeds the median of the derivation's slopes in the crop
    by :data:`TRANSIENT_DEVIATIONS` robust deviations; samples closer than
    :data:`TRANSIENT_REFRACTORY_S` are one transient. Slopes are taken within a crop only, so
    its edges never count.

    Returns
    -------
    numpy.ndarray
        uint16 [n_crops, n_channels], transients counted.
    """
    slope = np.abs(np.diff(np.asarray(crops, np.float32), axis=-1))
    median = np.median(slope, axis=-1, keepdims=True)
    deviation = 1.4826 * np.median(np.abs(slope - median), axis=-1, keepdims=True) + 1e-6
    crop, channel, sample = np.nonzero(slope > median + TRANSIENT_DEVIATIONS * deviation)
    counts = np.zeros(crops.shape[:2], np.uint16)
    if len(sample) == 0:
        return counts
    # A hit starts a transient unless the previous hit is in the same row and close before it.
    same_row = (crop[1:] == crop[:-1]) & (channel[1:] == channel[:-1])
    close = (sample[1:] - sample[:-1]) <= TRANSIENT_REFRACTORY_S * sfreq
    starts = np.concatenate([[True], ~(same_row & close)])
    np.add.at(counts, (crop[starts], channel[starts]), 1)
    return counts


def recording_features(
    spectrum: np.ndarray,
    window_rms: np.ndarray,
    transients: np.ndarray,
    rhythm: PosteriorRhythm | None,
    window_s: float,
) -> np.ndarray:
    """The recording's features, in the order of :data:`FEATURE_NAMES`.

    Parameters
    ----------
    spectrum : numpy.ndarray
        [n_crops, 20, len(SPECTRUM_BINS)] from :func:`crop_spectrum`.
    window_rms : numpy.ndarray
        [n_crops, n_windows] from :func:`crop_window_rms`.
    transients : numpy.ndarray
        [n_crops, 20] from :func:`crop_transients`.
    rhythm : PosteriorRhythm or None
        The recording's measured posterior rhythm.
    window_s : float
        Crop length in seconds.

    Returns
    -------
    numpy.ndarray
        float64 [len(FEATURE_NAMES)].
    """
    bins = 10.0 ** np.asarray(spectrum, np.float64)  # mean power per FFT bin, in each bin
    bins = bins * (_HIGHS - _LOWS)  # now proportional to the power within each bin
    power = np.stack([bins[..., _BAND[name]].sum(axis=-1) for name in BANDS_HZ], axis=-1)
    total = power.sum(axis=2)  # [n, 20]
    # Medians over crops, so that minutes of high-amplitude artifact do not outweigh the rest;
    # a flat or bridged derivation (power under 1 % of the median one's) is left out.
    level = np.median(total, axis=0)
    live = level >= LIVE_SHARE * np.median(level)
    relative = np.median(np.median(power / (total[..., None] + _EPS), axis=0)[live], axis=0)
    delta, theta, alpha, beta = range(4)
    slow = power[..., delta] + power[..., theta]
    ratio = np.log((slow + _EPS) / (power[..., alpha] + power[..., beta] + _EPS))  # [n, 20]
    per_channel = np.median(ratio, axis=0)[live]
    pairs = [
        np.median(np.log((slow[:, _CHANNEL[left]] + _EPS) / (slow[:, _CHANNEL[right]] + _EPS)))
        for left, right in HOMOLOGOUS
        if live[_CHANNEL[left]] and live[_CHANNEL[right]]
    ]
    asymmetry = min(max((abs(float(v)) for v in pairs), default=0.0), MAX_LOG_RATIO)
    share = bins[:, live].mean(axis=1)  # [n, bins]
    cumulative = np.cumsum(share, axis=1)
    edges = _HIGHS[
        np.minimum((cumulative < EDGE_SHARE * cumulative[:, -1:]).sum(axis=1), len(_HIGHS) - 1)
    ]
    crop_power = np.log(np.median(total, axis=1) + _EPS)
    rms = np.asarray(window_rms, np.float64).ravel()
    loud = np.percentile(rms, 90)
    # A record with no measurable signal at all is suppressed throughout.
    suppressed = float(np.mean(rms < SUPPRESSED_FRACTION * loud)) if loud > _FLAT else 1.0
    rates = np.asarray(transients, np.float64).sum(axis=0) / (len(transients) * window_s / 60)
    rates = rates[live] if live.any() else rates
    return np.array(
        [
            relative[delta],
            relative[theta],
            relative[alpha],
            relative[beta],
            float(per_channel.max() - np.median(per_channel)) if len(per_channel) else 0.0,
            asymmetry,
            float(np.std(np.median(ratio, axis=1))),
            float(np.percentile(crop_power, 95) - np.median(crop_power)),
            suppressed,
            float(rates.max()),
            float(np.median(rates)),
            rhythm.frequency_hz if rhythm is not None else 0.0,
            rhythm.prominence if rhythm is not None else 0.0,
            float(np.median(edges)),
        ]
    )


@dataclass(frozen=True)
class SignalModel:
    """A logistic model of a recording's abnormality on its standardised features.

    Fitted at calibration (:func:`fit_signal_model`) on the model's reference recordings, and
    kept in the bundle beside the record score's reference
    (:mod:`elm_desktop.clinical.record_score`).

    Attributes
    ----------
    mean, scale : numpy.ndarray
        Each feature's mean and standard deviation over the recordings it was fitted on.
    coef : numpy.ndarray
        The weight of each standardised feature.
    intercept : float
    """

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probability(self, features: np.ndarray) -> float:
        """The probability that a recording with these features is abnormal."""
        z = np.clip((np.asarray(features, np.float64) - self.mean) / self.scale, -MAX_Z, MAX_Z)
        return float(1.0 / (1.0 + np.exp(-(z @ self.coef + self.intercept))))


#: The L2 penalty of the logistic model on the summed log-likelihood (scikit-learn's ``C = 1``).
L2_PENALTY = 1.0


def fit_signal_model(features: np.ndarray, abnormal: np.ndarray) -> SignalModel:
    """Fit :class:`SignalModel` by Newton's method on the L2-penalised log-likelihood.

    Parameters
    ----------
    features : numpy.ndarray
        [n_recordings, len(FEATURE_NAMES)].
    abnormal : numpy.ndarray
        [n_recordings] bool, whether each recording is abnormal (both kinds must occur).
    """
    x = np.asarray(features, np.float64)
    y = np.asarray(abnormal, np.float64)
    if not 0 < y.sum() < len(y):
        raise ValueError("the signal model needs normal and abnormal recordings")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = np.column_stack([(x - mean) / scale, np.ones(len(x))])
    penalty = np.diag([L2_PENALTY] * x.shape[1] + [0.0])  # the intercept is not penalised
    w = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return SignalModel(mean, scale, w[:-1], float(w[-1]))


#: Fewer normal or abnormal reference recordings than this fit no signal model.
MIN_RECORDINGS_PER_CLASS = 5


def out_of_fold_probabilities(
    features: np.ndarray, abnormal: np.ndarray, folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Each recording's probability from a model fitted without it (``folds``-fold).

    What the signal model says of recordings it has not seen: the reference that its
    probability on a new recording is placed on. The folds are stratified, so every fit has
    normal and abnormal recordings when each kind has at least ``folds``.
    """
    x = np.asarray(features, np.float64)
    y = np.asarray(abnormal, bool)
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(x), int)
    for kind in (False, True):
        members = rng.permutation(np.flatnonzero(y == kind))
        fold_of[members] = np.arange(len(members)) % folds
    out = np.empty(len(x))
    for fold in range(folds):
        held = fold_of == fold
        model = fit_signal_model(x[~held], y[~held])
        out[held] = [model.probability(row) for row in x[held]]
    return out


def crops_features(crops: np.ndarray, sfreq: float, window_s: float) -> np.ndarray:
    """:func:`recording_features` of crops held in memory (a training cache's, a test's)."""
    crops = np.asarray(crops, np.float32)
    rhythm = posterior_rhythm(crop_posterior_spectra(crops, ELM_CHANNELS), sfreq, crops.shape[-1])
    return recording_features(
        crop_spectrum(crops, sfreq),
        crop_window_rms(crops, sfreq),
        crop_transients(crops, sfreq),
        rhythm,
        window_s,
    )


def signal_words(features: Mapping[str, float] | np.ndarray, brief: bool = False) -> str:
    """The features in a reviewer's words (``features`` by name, or in their order).

    Measurements, not findings: steep deflections include artifact, and low-amplitude
    stretches are relative to the record's own amplitude, not a clinical voltage. ``brief``:
    the band powers only (a line beside the scores).
    """
    if not isinstance(features, Mapping):
        features = dict(zip(FEATURE_NAMES, np.asarray(features, float).tolist(), strict=True))
    if features["suppressed fraction"] >= 1.0:
        return "no measurable signal"
    bands = ", ".join(
        f"{band} {features[f'relative {band}']:.0%}" for band in ("delta", "theta", "alpha", "beta")
    )
    if brief:
        return f"power {bands} (median derivation)"
    return (
        f"power {bands} (median derivation); 90% of it below "
        f"{features['spectral edge Hz']:g} Hz; slow activity up to "
        f"{math.exp(features['slow asymmetry, largest']):.1f}x stronger on one side; "
        f"low-amplitude stretches {features['suppressed fraction']:.0%}; steep deflections of "
        f"any cause, artifact included, up to {features['transients/min, most']:.1f}/min in "
        "one derivation"
    )


def without_suppression(
    scores: Sequence[FindingScore], features: np.ndarray | None
) -> dict[str, str]:
    """Burst suppression called present where less than :data:`BURST_SUPPRESSION_SHARE` of the
    record is suppressed (``suppressed fraction``), with why the draft holds it (neither stated
    nor denied). Suppression for half the record or more is what the pattern is; on the four
    generator families' test sets every recording with it measured 0.59 or more, and a family
    the demo model never saw had most of its burst suppression drafted on recordings without
    it (``benchmarks/results/wave-atoms-transfer.md``)."""
    if features is None:
        return {}
    share = float(np.asarray(features, float)[FEATURE_NAMES.index("suppressed fraction")])
    return {
        s.finding_id: (
            f"low-amplitude stretches {share:.0%} of the recording, where burst suppression "
            f"keeps at least {BURST_SUPPRESSION_SHARE:.0%} of it suppressed"
        )
        for s in scores
        if s.finding_id == "burst_suppression" and s.present and share < BURST_SUPPRESSION_SHARE
    }
