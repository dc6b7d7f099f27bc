"""Where a finding is: its side and region from the channels' band power where it is evident.

While a recording is encoded, each crop's power in four bands is kept per bipolar derivation
(:func:`crop_band_power`, one FFT per block: 20 x 4 numbers per crop). A finding's side and
region then come from the crops where the model finds it more evident than in the recording's
typical crop: every crop whose value on the finding's own per-crop curve exceeds the curve's
median counts, weighted by how far it exceeds it (:func:`evidence_weights`). In those crops the
homologous left and right derivations are compared in the bands the finding lives in (slow bands
for slowing, fast bands for attenuation, every band for discharges and seizures), and the side
whose power departs most, up for most findings and down for attenuation, is the finding's side;
the region is that of the electrode whose derivations depart most on that side. A difference
under :data:`MIN_ASYMMETRY` names no side.

Why weighted crops rather than the few highest: a curve's handful of highest crops is a small,
noisy sample; it fell on drowsiness or on muscle artifact for intermittent slowing and brief
discharges, and their left-right difference then said nothing (or said the muscle's side). The
weighted mean over every crop where the finding is more evident keeps the finding's own crops
in front (a seizure's crops carry most of the weight) while averaging out the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.fft

if TYPE_CHECKING:  # zeroshot imports the knowledge base, which reads the record score
    from elm_desktop.clinical.zeroshot import FindingScore

#: Frequency bands in Hz (lower edge inclusive): delta, theta, alpha, beta.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("delta", 1.0, 4.0),
    ("theta", 4.0, 8.0),
    ("alpha", 8.0, 13.0),
    ("beta", 13.0, 30.0),
)

#: Homologous derivations of the 20-channel TCP montage: (left, right).
HOMOLOGOUS: tuple[tuple[str, str], ...] = (
    ("Fp1-F7", "Fp2-F8"),
    ("F7-T3", "F8-T4"),
    ("T3-T5", "T4-T6"),
    ("T5-O1", "T6-O2"),
    ("T3-C3", "C4-T4"),
    ("C3-Cz", "Cz-C4"),
    ("Fp1-F3", "Fp2-F4"),
    ("F3-C3", "F4-C4"),
    ("C3-P3", "C4-P4"),
    ("P3-O1", "P4-O2"),
)

#: The region of each left-hemisphere electrode (its right homologue shares it).
REGION_OF: dict[str, str] = {
    "Fp1": "frontal",
    "F3": "frontal",
    "F7": "temporal",
    "T3": "temporal",
    "T5": "temporal",
    "C3": "central",
    "P3": "parietal",
    "O1": "occipital",
}

#: Findings that have a side, with the bands they show in and the direction of the change
#: (+1 more power on the finding's side, -1 less).
LATERALISED: dict[str, tuple[tuple[str, ...], int]] = {
    "focal_slowing": (("delta", "theta"), 1),
    "focal_epileptiform": (("delta", "theta", "alpha", "beta"), 1),
    "lpd": (("delta", "theta", "alpha", "beta"), 1),
    "seizure": (("delta", "theta", "alpha", "beta"), 1),
    # Attenuated faster rhythms: slowing over the same region often raises its slow bands.
    "focal_attenuation": (("alpha", "beta"), -1),
}

#: Mean log10 power difference (left minus right, in the finding's bands and its
#: largest-departing derivation pairs) under which no side is named: about 25 % more power.
#: It lies above the noise floor of the measure: on 60 normal synthetic recordings (seeds 1501
#: and 1505), the difference computed for each of the five lateralised findings had a 99th
#: percentile of 0.092 (benchmarks/results/draft-safety.md).
MIN_ASYMMETRY = 0.1
#: Derivation pairs whose asymmetry decides the side (the largest of the ten).
DECIDING_PAIRS = 3
#: Findings of one region against its homologue: focal attenuation (one region's background
#: lower than its homologue's) and focal slowing (one region's slow activity above it). Called
#: present where the homologous derivations name no side, they are held, neither stated nor
#: denied (slowing over the midline, or over both sides independently, names no side either:
#: the reviewer reads it): on a generator family the demo model never saw, most focal
#: attenuations it drafted were false and had no side, and every focal slowing it stated was
#: false, 7 of the 36 over its threshold without a side
#: (benchmarks/results/wave-atoms-transfer.md, benchmarks/results/trial-fixes-2026-12-06.md).
ASYMMETRIES = ("focal_attenuation", "focal_slowing")


@dataclass(frozen=True)
class Location:
    """Where a finding is.

    Attributes
    ----------
    side : str
        ``"left"``, ``"right"`` or ``""`` (not lateralised).
    region : str
        ``"frontal"``, ``"temporal"``, ``"central"``, ``"parietal"`` or ``"occipital"``;
        ``""`` when no side is named.
    asymmetry : float
        The mean log10 band-power difference behind the side (positive: the named side).
    """

    side: str
    region: str
    asymmetry: float

    def words(self) -> str:
        """``"left temporal"``, or ``""`` without a side."""
        return f"{self.side} {self.region}" if self.side else ""


def crop_band_power(
    crops: np.ndarray, sfreq: float, bands: Sequence[tuple[str, float, float]] = BANDS
) -> np.ndarray:
    """Return log10 mean power of each crop and channel in each of ``bands`` (:data:`BANDS`).

    Parameters
    ----------
    crops : numpy.ndarray
        [n, channels, samples], the model input.
    sfreq : float
        Its sampling rate.
    bands : sequence of (str, float, float)
        Name, low and high edge in Hz of each band (default the EEG bands).

    Returns
    -------
    numpy.ndarray
        float32 [n, channels, len(bands)].
    """
    x = np.asarray(crops, np.float32)
    x = x - x.mean(axis=-1, keepdims=True)
    power = np.abs(scipy.fft.rfft(x, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(x.shape[-1], 1.0 / sfreq)
    means = [power[..., (freqs >= low) & (freqs < high)].mean(axis=-1) for _, low, high in bands]
    return np.log10(np.stack(means, axis=-1) + 1e-6).astype(np.float32)


def localise(
    score: FindingScore,
    band_power: np.ndarray,
    channels: tuple[str, ...] | list[str],
    bands: tuple[str, ...] | None = None,
) -> Location | None:
    """Return the side and region of a lateralised finding; None for one without a side.

    Parameters
    ----------
    score : FindingScore
        The finding's score; its ``crop_probability`` weighs the crops to read
        (:func:`evidence_weights`).
    band_power : numpy.ndarray
        [n_crops, channels, bands] from :func:`crop_band_power`.
    channels : sequence of str
        The derivations of ``band_power``'s second axis (the model's montage).
    bands : tuple of str, optional
        The bands compared (names of :data:`BANDS`); by default the finding's own, and for
        an asymmetry (:data:`ASYMMETRIES`) whose own bands name no side, every band, as
        :func:`without_asymmetry` reads them (a trial saw focal attenuation stated, its side
        found in every band, beside "the side is not determined").
    """
    if score.finding_id not in LATERALISED or len(band_power) == 0:
        return None
    own_bands, direction = LATERALISED[score.finding_id]
    if bands is None and score.finding_id in ASYMMETRIES:
        own = localise(score, band_power, channels, own_bands)
        broad = localise(score, band_power, channels, tuple(name for name, _, _ in BANDS))
        return broad if own is not None and not own.side and broad.side else own
    bands = bands or own_bands
    band_index = [i for i, (name, _, _) in enumerate(BANDS) if name in bands]
    order = list(channels)
    left = [order.index(pair[0]) for pair in HOMOLOGOUS]
    right = [order.index(pair[1]) for pair in HOMOLOGOUS]
    weights = evidence_weights(score.crop_probability)
    chosen = band_power[:, :, band_index].astype(np.float64)  # [crops, channels, bands]
    # Left minus right per crop and homologous pair, signed so that the finding's side is
    # positive on the left: more power for most findings, less for attenuation.
    per_crop = direction * (chosen[:, left] - chosen[:, right]).mean(axis=2)  # [crops, pairs]
    asymmetry = weights @ per_crop  # [pairs]
    deciding = np.argsort(-np.abs(asymmetry), kind="stable")[:DECIDING_PAIRS]
    mean = float(asymmetry[deciding].mean())
    if abs(mean) < MIN_ASYMMETRY:
        return Location("", "", mean)
    side = "left" if mean > 0 else "right"
    on_side = asymmetry if mean > 0 else -asymmetry
    # An electrode's departure is the mean over the derivations it is part of: a focus at T3
    # shows in F7-T3, T3-T5 and T3-C3 alike.
    electrode = {
        name: float(
            np.mean(
                [
                    v
                    for (pair, _), v in zip(HOMOLOGOUS, on_side, strict=True)
                    if name in pair.split("-")
                ]
            )
        )
        for name in REGION_OF
    }
    return Location(side, REGION_OF[max(electrode, key=electrode.__getitem__)], abs(mean))


def evidence_weights(curve: np.ndarray) -> np.ndarray:
    """Return each crop's weight in a finding's localisation; they sum to 1.

    A crop weighs by how far the finding's per-crop curve exceeds its median over the
    recording; crops at or under the median weigh nothing. A flat curve (no crop more evident
    than the rest) weighs every crop alike.

    Parameters
    ----------
    curve : numpy.ndarray
        [n_crops], the finding's ``crop_probability``.
    """
    values = np.asarray(curve, np.float64)
    excess = np.clip(values - np.median(values), 0.0, None)
    total = excess.sum()
    return excess / total if total > 0 else np.full(len(values), 1.0 / len(values))


def without_asymmetry(
    scores: Sequence[FindingScore], band_power: np.ndarray, channels: tuple[str, ...] | list[str]
) -> dict[str, str]:
    """The findings of :data:`ASYMMETRIES` over their thresholds whose homologous derivations
    name no side where they are evident, neither in the finding's own bands nor in all bands
    together, each with why the draft holds it (neither stated nor denied: the prompt says it,
    the signal does not show it).

    Both comparisons, because an attenuated background shows in its faster rhythms (the
    finding's bands) where slowing over the region raises the slow ones, and in every band
    where it does not (one generator family's attenuations named their side only so); focal
    slowing shows in its slow bands, and in every band where the region's fast rhythms are not
    lower at the same time.
    """
    held = {}
    for score in scores:
        if score.finding_id not in ASYMMETRIES or not score.present or len(band_power) == 0:
            continue
        every_band = tuple(name for name, _, _ in BANDS)
        own, broad = (
            localise(score, band_power, channels, bands)
            for bands in (LATERALISED[score.finding_id][0], every_band)
        )
        if own is None or broad is None or own.side or broad.side:
            continue
        largest = max(abs(own.asymmetry), abs(broad.asymmetry))
        held[score.finding_id] = (
            "no side in the homologous bipolar derivations of the crops that score it "
            f"highest (their largest pairs differ by {largest:.2f} log10 power on average, "
            f"a side from {MIN_ASYMMETRY}): no asymmetry measured"
        )
    return held
