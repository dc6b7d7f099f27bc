"""How familiar a recording is to the model: its distance from the model's training data.

A model's scores apply to recordings like those it was trained on. On a recording unlike them
(another amplifier, montage or population; for the demo model, anything that is not the
project's own synthetic EEG) its probabilities may mean little, and the reader must be told.

The bundle keeps a summary of its training recordings (``familiarity.npz``) and a recording is
compared with it in two ways:

* **What the model sees**: the mean of the training crop embeddings and a whitening matrix from
  their covariance, shrunk towards the identity so that directions the training data never
  varied along still count. A recording's distance is the median over its crops of the squared
  Mahalanobis distance per dimension (the median, so that a few artefact crops do not make a
  familiar recording strange). The same distance over held-out training recordings gives the
  scale: a recording further away than ``warn_quantile`` of them is flagged.
* **The signal itself**: the range of the training recordings' power in each band of the model
  input (median over crops of the median over derivations), widened by :data:`POWER_MARGIN`; and
  derivations far weaker than the recording's others, which are flat or disconnected.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from elm_desktop.clinical.localise import BANDS
from elm_desktop.errors import BundleError

#: Weight of the identity in the shrunk covariance (as a fraction of the mean variance).
SHRINKAGE = 0.1
#: Held-out recordings closer than this quantile pass without a warning.
WARN_QUANTILE = 0.99
#: Margin, in log10 power, around the training recordings' band-power range (a factor of 1.8).
POWER_MARGIN = 0.25
#: A derivation this far below the recording's median log10 power is flat or disconnected.
FLAT_BELOW = 2.0


@dataclass(frozen=True)
class FamiliarityReference:
    """The training data's crop-embedding distribution, as a bundle carries it.

    Attributes
    ----------
    mean : numpy.ndarray
        float64 [dim], mean crop embedding of the training recordings.
    whitening : numpy.ndarray
        float64 [dim, dim], inverse square root of the shrunk covariance.
    heldout : numpy.ndarray
        float64 [k], sorted distances of the held-out recordings.
    threshold : float
        Distance above which a recording is flagged as unlike the training data.
    power_low, power_high : numpy.ndarray
        float64 [len(BANDS)], the training recordings' range of :func:`band_features`,
        widened by :data:`POWER_MARGIN`.
    note : str
        What the reference was fitted on.
    """

    mean: np.ndarray
    whitening: np.ndarray
    heldout: np.ndarray
    threshold: float
    power_low: np.ndarray
    power_high: np.ndarray
    note: str = ""

    def save(self, path: str | Path) -> Path:
        """Write the reference as an ``.npz`` of plain arrays (no pickles)."""
        path = Path(path)
        with path.open("wb") as stream:
            np.savez(
                stream,
                mean=self.mean,
                whitening=self.whitening,
                heldout=self.heldout,
                threshold=np.float64(self.threshold),
                power_low=self.power_low,
                power_high=self.power_high,
                note=np.array(self.note),
            )
        return path

    @classmethod
    def load(cls, path: str | Path) -> FamiliarityReference:
        """Read a reference written by :meth:`save`; a damaged file is a :class:`BundleError`."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                reference = cls(
                    mean=np.asarray(data["mean"], dtype=np.float64),
                    whitening=np.asarray(data["whitening"], dtype=np.float64),
                    heldout=np.asarray(data["heldout"], dtype=np.float64),
                    threshold=float(data["threshold"]),
                    power_low=np.asarray(data["power_low"], dtype=np.float64),
                    power_high=np.asarray(data["power_high"], dtype=np.float64),
                    note=str(data["note"]),
                )
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            raise BundleError(f"the familiarity reference {path} cannot be read: {error}") from None
        dim = reference.mean.shape[0]
        if (
            reference.mean.ndim != 1
            or reference.whitening.shape != (dim, dim)
            or reference.heldout.ndim != 1
            or reference.heldout.size == 0
            or reference.power_low.shape != (len(BANDS),)
            or reference.power_high.shape != (len(BANDS),)
            or not np.isfinite(reference.threshold)
        ):
            raise BundleError(f"the familiarity reference {path} has inconsistent shapes")
        return reference

    def distance(self, crop_embeddings: np.ndarray) -> float:
        """Median over the crops of the squared whitened distance per dimension."""
        crops = np.asarray(crop_embeddings, dtype=np.float64)
        if crops.ndim != 2 or crops.shape[1] != self.mean.shape[0] or len(crops) == 0:
            raise ValueError(
                f"expected crop embeddings [n, {self.mean.shape[0]}], got {crops.shape}"
            )
        white = (crops - self.mean) @ self.whitening.T
        return float(np.median(np.mean(white**2, axis=1)))

    def percentile(self, distance: float) -> float:
        """Fraction of held-out training-like recordings that lie closer than ``distance``."""
        return float(np.searchsorted(self.heldout, distance, side="left") / len(self.heldout))


@dataclass(frozen=True)
class Familiarity:
    """How far one recording lies from the model's training data.

    Attributes
    ----------
    distance : float
        :meth:`FamiliarityReference.distance` of its crops.
    percentile : float
        Fraction of held-out training-like recordings closer to the training data.
    reasons : tuple of str
        Each way the recording is unlike the training data; empty when it is not.
    statement : str
        One sentence for the reader, naming what the model was trained on.
    """

    distance: float
    percentile: float
    reasons: tuple[str, ...]
    statement: str

    @property
    def unfamiliar(self) -> bool:
        """Whether the recording is unlike the training data in any way."""
        return bool(self.reasons)


def band_features(band_power: np.ndarray) -> np.ndarray:
    """A recording's log10 power per band: median over crops of the median over derivations.

    Medians, so that one flat derivation or a few artefact crops do not move it (flat
    derivations have their own check, :func:`flat_derivations`).

    ``band_power`` is [n_crops, derivations, len(BANDS)] from
    :func:`~elm_desktop.clinical.localise.crop_band_power`.
    """
    return np.median(np.median(np.asarray(band_power, np.float64), axis=1), axis=0)


def flat_derivations(band_power: np.ndarray, channels: Sequence[str]) -> list[str]:
    """Derivations whose median total power is :data:`FLAT_BELOW` decades under the others'."""
    total = np.log10(np.sum(10.0 ** np.asarray(band_power, np.float64), axis=2))
    per_channel = np.median(total, axis=0)
    flat = per_channel < np.median(per_channel) - FLAT_BELOW
    return [name for name, is_flat in zip(channels, flat, strict=True) if is_flat]


def fit_reference(
    training_crops: np.ndarray,
    training_band_power: Sequence[np.ndarray],
    heldout_recordings: Sequence[np.ndarray],
    *,
    shrinkage: float = SHRINKAGE,
    warn_quantile: float = WARN_QUANTILE,
    note: str = "",
) -> FamiliarityReference:
    """Summarise the training recordings and scale the distance on held-out ones.

    Parameters
    ----------
    training_crops : numpy.ndarray
        [n, dim] crop embeddings of the training recordings.
    training_band_power : sequence of numpy.ndarray
        Band power [n_i, derivations, len(BANDS)] of each training recording.
    heldout_recordings : sequence of numpy.ndarray
        Crop embeddings [n_i, dim] of each held-out recording of the same data.
    shrinkage : float
        Weight of the identity (scaled to the mean variance) in the covariance.
    warn_quantile : float
        Quantile of the held-out distances above which a recording is flagged.
    note : str
        What the reference is fitted on, for ``elm-desktop model info``.
    """
    crops = np.asarray(training_crops, dtype=np.float64)
    # The shrinkage keeps the covariance invertible however few the crops.
    if crops.ndim != 2 or len(crops) < 2:
        raise ValueError(f"need at least two training crops to fit a reference, got {crops.shape}")
    if not heldout_recordings or not training_band_power:
        raise ValueError("need training band power and held-out recordings to fit a reference")
    mean = crops.mean(axis=0)
    covariance = np.cov(crops, rowvar=False)
    dim = covariance.shape[0]
    covariance = (1 - shrinkage) * covariance + shrinkage * np.trace(covariance) / dim * np.eye(dim)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    whitening = (eigenvectors / np.sqrt(eigenvalues)) @ eigenvectors.T
    features = np.array([band_features(power) for power in training_band_power])
    low = features.min(axis=0) - POWER_MARGIN
    high = features.max(axis=0) + POWER_MARGIN
    unscaled = FamiliarityReference(mean, whitening, np.zeros(1), 0.0, low, high)
    heldout = np.sort([unscaled.distance(recording) for recording in heldout_recordings])
    threshold = float(np.quantile(heldout, warn_quantile))
    return FamiliarityReference(mean, whitening, heldout, threshold, low, high, note)


def assess(
    reference: FamiliarityReference,
    crop_embeddings: np.ndarray,
    band_power: np.ndarray,
    channels: Sequence[str],
    trained_on: str,
) -> Familiarity:
    """Place one recording against the reference and say what that means for its scores.

    Parameters
    ----------
    reference : FamiliarityReference
    crop_embeddings : numpy.ndarray
        [n_crops, dim], the recording's crop embeddings.
    band_power : numpy.ndarray
        [n_crops, derivations, len(BANDS)] of its model input.
    channels : sequence of str
        The derivations of ``band_power``.
    trained_on : str
        The bundle's statement of its training data.
    """
    distance = reference.distance(crop_embeddings)
    # Floored, so that a recording beyond 99.6 % of them never reads as beyond 100 %.
    percentile = np.floor(reference.percentile(distance) * 1000) / 1000
    reasons = []
    if distance > reference.threshold:
        reasons.append(
            f"the model's features of it lie further from that data than {percentile:.1%} of "
            "held-out training recordings"
        )
    features = band_features(band_power)
    for (band, _, _), value, low, high in zip(
        BANDS, features, reference.power_low, reference.power_high, strict=True
    ):
        if not low <= value <= high:
            side = "above" if value > high else "below"
            reasons.append(f"its {band} power lies {side} that of every training recording")
    flat = flat_derivations(band_power, channels)
    if flat:
        reasons.append(f"flat or disconnected derivations: {', '.join(flat)}")
    if reasons:
        statement = (
            "Scores may not apply to this recording, which is unlike the model's training "
            f"data: {'; '.join(reasons)}. The model was trained on {trained_on}."
        )
    else:
        statement = (
            "This recording lies within the range of the model's training data: "
            f"{percentile:.1%} of held-out training recordings are closer. The model was trained "
            f"on {trained_on}."
        )
    return Familiarity(distance, float(percentile), tuple(reasons), statement)
