"""How familiar a recording is to the model: its distance from the model's training data.

A model's scores apply to recordings like those it was trained on. On a recording unlike them
(another amplifier, montage or population; for the demo model, anything that is not the
project's own synthetic EEG) its probabilities may mean little, and the reader must be told.

The bundle keeps a summary of its training recordings' crop embeddings (``familiarity.npz``):
their mean and a whitening matrix from their covariance, shrunk towards the identity so that
directions the training data never varied along still count. A recording's distance is the
median over its crops of the squared Mahalanobis distance per dimension; the median, so that a
few artefact crops do not make a familiar recording strange. The same distance over held-out
recordings of the training data gives the scale: a recording further away than
``warn_quantile`` of them is flagged.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from elm_desktop.errors import BundleError

#: Weight of the identity in the shrunk covariance (as a fraction of the mean variance).
SHRINKAGE = 0.1
#: Held-out recordings closer than this quantile pass without a warning.
WARN_QUANTILE = 0.99


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
    note : str
        What the reference was fitted on.
    """

    mean: np.ndarray
    whitening: np.ndarray
    heldout: np.ndarray
    threshold: float
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
                    note=str(data["note"]),
                )
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            raise BundleError(f"the familiarity reference {path} cannot be read: {error}") from None
        dim = reference.mean.shape[0]
        if (
            reference.mean.ndim != 1
            or reference.whitening.shape != (dim, dim)
            or reference.heldout.ndim != 1
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
    unfamiliar : bool
        Whether the distance exceeds the reference's threshold.
    statement : str
        One sentence for the reader, naming what the model was trained on.
    """

    distance: float
    percentile: float
    unfamiliar: bool
    statement: str


def fit_reference(
    training_crops: np.ndarray,
    heldout_recordings: Sequence[np.ndarray],
    *,
    shrinkage: float = SHRINKAGE,
    warn_quantile: float = WARN_QUANTILE,
    note: str = "",
) -> FamiliarityReference:
    """Summarise training crop embeddings and scale the distance on held-out recordings.

    Parameters
    ----------
    training_crops : numpy.ndarray
        [n, dim] crop embeddings of the training recordings.
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
    if not heldout_recordings:
        raise ValueError("need held-out recordings to scale the familiarity distance")
    mean = crops.mean(axis=0)
    covariance = np.cov(crops, rowvar=False)
    dim = covariance.shape[0]
    covariance = (1 - shrinkage) * covariance + shrinkage * np.trace(covariance) / dim * np.eye(dim)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    whitening = (eigenvectors / np.sqrt(eigenvalues)) @ eigenvectors.T
    unscaled = FamiliarityReference(mean, whitening, np.zeros(1), 0.0)
    heldout = np.sort([unscaled.distance(recording) for recording in heldout_recordings])
    threshold = float(np.quantile(heldout, warn_quantile))
    return FamiliarityReference(mean, whitening, heldout, threshold, note)


def assess(
    reference: FamiliarityReference, crop_embeddings: np.ndarray, trained_on: str
) -> Familiarity:
    """Place one recording against the reference and say what that means for its scores.

    ``trained_on`` is the bundle's statement of its training data.
    """
    distance = reference.distance(crop_embeddings)
    percentile = reference.percentile(distance)
    unfamiliar = distance > reference.threshold
    if unfamiliar:
        statement = (
            f"This recording is unlike the model's training data ({trained_on}): it lies further "
            f"from it than {percentile:.0%} of held-out training-like recordings, so its scores "
            "may not apply to this recording."
        )
    else:
        statement = (
            f"This recording lies within the range of the model's training data ({trained_on}): "
            f"{percentile:.0%} of held-out training-like recordings are closer."
        )
    return Familiarity(distance, percentile, unfamiliar, statement)
