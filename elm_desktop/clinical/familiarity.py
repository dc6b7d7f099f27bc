"""How familiar a recording is to the model: its distance from the model's training data.

A model's scores apply to recordings like those it was trained on. On a recording unlike them
(another amplifier, montage or population; for the demo model, anything that is not the
project's own synthetic EEG) its probabilities may mean little, and the reader must be told.

The bundle keeps a summary of its training recordings (``familiarity.npz``) and a recording is
compared with it in two ways, combined into one score:

* **What the model sees**: each crop embedding's cosine distance to its :data:`KNN_K`-th nearest
  training crop (a bank of unit-length training crop embeddings, float16), the median over the
  recording's crops (the median, so that a few artefact crops do not make a familiar recording
  strange). Nearest neighbours, not a distance to the mean: the training data are several
  generators and findings, far from one Gaussian.
* **What the signal looks like**: :func:`crop_profile` of each crop (spectral shape, spatial
  power pattern, amplitude distribution, coupling of neighbouring derivations), the median over
  crops, as a whitened distance from the training recordings' profiles.

Each distance is put on the scale of held-out training recordings (z of its logarithm) and the
two are added; a recording beyond :data:`WARN_QUANTILE` of the held-out recordings is flagged.
The score and the 97th percentile were chosen on one leave-one-out model (trained on two
generator families) and confirmed on another: 3.3-4.0 % of the training families' own test
recordings flagged, 70.7 % and 88.0 % of the unseen family's, AUROC 0.952 and 0.981, against
0.724 and 0.821 for the Mahalanobis distance of the crop embeddings used before
(``benchmarks/results/familiarity-study.md``).
Simple checks say what is wrong with a badly recorded file: band power outside the training
recordings' range (widened by :data:`POWER_MARGIN`), flat or disconnected derivations, and
electrodes flat in the file as recorded (found by the caller, who reads the file). On an
EEG flagged for any reason, derivations with ten times the power of the others are named too
(a loose or floating electrode is the usual cause).

The profile and the band-power check depend on the kind of recording: :data:`PROFILES` holds,
per modality of the registry (:mod:`elm_desktop.signals.modality`), the model input's sampling
rate, the spectral bins, the pairs of neighbouring channels whose coupling is measured, the
power bands and what its channels are called (:class:`SignalProfile`). The EEG entry is the
profile the EEG references were fitted with, unchanged; the ECG entry reads the 12 leads at
500 Hz.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.fft

from elm_desktop.clinical.localise import BANDS, crop_band_power
from elm_desktop.errors import BundleError, ConfigError
from elm_desktop.signals.modality import get_modality

#: Weight of the identity in the profiles' shrunk covariance (as a fraction of the mean variance).
SHRINKAGE = 0.1
#: Held-out recordings closer than this quantile pass without a warning.
WARN_QUANTILE = 0.97
#: The k-th nearest training crop scores a crop.
KNN_K = 10
#: At most this many training crops are kept in the bundle (float16: 0.5 kB each at 256-d).
BANK_SIZE = 16384
#: Margin, in log10 power, around the training recordings' band-power range (a factor of 1.8).
POWER_MARGIN = 0.25
#: A derivation this far below the recording's median log10 power is flat or disconnected.
FLAT_BELOW = 2.0
#: A derivation this far above it (ten times the power, three times the amplitude) is named
#: beside another reason, never as one: a loose or floating electrode, or strong focal activity
#: (the training recordings' focal slowing reaches it, and is not unlike them for that).
LOUD_ABOVE = 1.0
#: Edges in Hz of the spectral bins of :func:`crop_profile` (model input at 100 Hz).
PROFILE_EDGES = (0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 18, 21, 25, 30, 35, 40, 45, 49)
#: Edges in Hz of the ECG profile's spectral bins (model input at 500 Hz): finer where the P, T
#: and QRS waves put their power, then wide bins up to 150 Hz, where noise and mains show.
ECG_PROFILE_EDGES = (
    0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 48, 52, 60, 80, 100, 150,
)  # fmt: skip
#: Bands of the ECG band-power check, named by frequency (no EEG band names for an ECG).
ECG_BANDS: tuple[tuple[str, float, float], ...] = (
    ("0.5-5 Hz", 0.5, 5.0),
    ("5-15 Hz", 5.0, 15.0),
    ("15-40 Hz", 15.0, 40.0),
    ("40-150 Hz", 40.0, 150.0),
)
#: Neighbouring ECG leads whose coupling is measured: limb leads that share a view of the
#: frontal plane, and adjacent precordial leads.
ECG_NEIGHBOURS = (
    ("I", "aVL"), ("I", "II"), ("II", "aVF"), ("III", "aVF"),
    ("V1", "V2"), ("V2", "V3"), ("V3", "V4"), ("V4", "V5"), ("V5", "V6"),
)  # fmt: skip


@dataclass(frozen=True)
class SignalProfile:
    """How the profile and the band-power check read one modality's model input.

    Attributes
    ----------
    sfreq : float
        The model input's sampling rate in Hz.
    edges : tuple of float
        Edges in Hz of the spectral bins of :func:`crop_profile`.
    pairs : tuple of (int, int), or None
        Channel indices of neighbouring channels whose coupling is measured; None: the EEG
        input's chains of four (adjacent links share an electrode).
    bands : tuple of (str, float, float)
        Name, low and high edge in Hz of each band of the band-power check.
    channels : str
        What the modality's channels are called in messages ("derivations", "leads").
    loud_above : float or None
        :data:`LOUD_ABOVE` where far louder channels are named; None where they are normal
        (an ECG's precordial leads carry many times the limb leads' power).
    """

    sfreq: float
    edges: tuple[float, ...]
    pairs: tuple[tuple[int, int], ...] | None
    bands: tuple[tuple[str, float, float], ...]
    channels: str
    loud_above: float | None = None


def _ecg_profile() -> SignalProfile:
    """The ECG entry of :data:`PROFILES`: rate and lead order from the modality registry."""
    ecg = get_modality("ecg")
    index = {name: i for i, name in enumerate(ecg.model_channels)}
    pairs = tuple((index[a], index[b]) for a, b in ECG_NEIGHBOURS)
    return SignalProfile(ecg.model_sfreq, ECG_PROFILE_EDGES, pairs, ECG_BANDS, "leads")


#: The signal profile of each modality of the registry.
PROFILES: dict[str, SignalProfile] = {
    "eeg": SignalProfile(
        get_modality("eeg").model_sfreq, PROFILE_EDGES, None, BANDS, "derivations", LOUD_ABOVE
    ),
    "ecg": _ecg_profile(),
}


def signal_profile(modality: str) -> SignalProfile:
    """The :class:`SignalProfile` of a modality; an unknown one is a :class:`ConfigError`."""
    if modality not in PROFILES:
        raise ConfigError(f"no familiarity profile for modality {modality!r}")
    return PROFILES[modality]


@dataclass(frozen=True)
class FamiliarityReference:
    """The training data's summary, as a bundle carries it.

    Attributes
    ----------
    bank : numpy.ndarray
        float16 [m, dim], unit-length crop embeddings of the training recordings.
    profile_mean : numpy.ndarray
        float64 [p], mean :func:`recording_profile` of the training recordings.
    profile_whitening : numpy.ndarray
        float64 [p, p], inverse square root of their shrunk covariance.
    scale : numpy.ndarray
        float64 [4]: mean and standard deviation of the log nearest-neighbour distance, then of
        the log profile distance, over held-out recordings.
    heldout : numpy.ndarray
        float64 [k], sorted combined scores of the held-out recordings.
    threshold : float
        Combined score above which a recording is flagged as unlike the training data.
    power_low, power_high : numpy.ndarray
        float64 [bands], the training recordings' range of :func:`band_features` (one value
        per band of the modality's :class:`SignalProfile`),
        widened by :data:`POWER_MARGIN`.
    note : str
        What the reference was fitted on.
    """

    bank: np.ndarray
    profile_mean: np.ndarray
    profile_whitening: np.ndarray
    scale: np.ndarray
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
                bank=self.bank,
                profile_mean=self.profile_mean,
                profile_whitening=self.profile_whitening,
                scale=self.scale,
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
                if "bank" not in data.files:
                    raise BundleError(
                        f"the familiarity reference {path} is of an older kind: refit it with "
                        "`elm-desktop model familiarity fit`"
                    )
                reference = cls(
                    bank=np.asarray(data["bank"], dtype=np.float16),
                    profile_mean=np.asarray(data["profile_mean"], dtype=np.float64),
                    profile_whitening=np.asarray(data["profile_whitening"], dtype=np.float64),
                    scale=np.asarray(data["scale"], dtype=np.float64),
                    heldout=np.asarray(data["heldout"], dtype=np.float64),
                    threshold=float(data["threshold"]),
                    power_low=np.asarray(data["power_low"], dtype=np.float64),
                    power_high=np.asarray(data["power_high"], dtype=np.float64),
                    note=str(data["note"]),
                )
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            raise BundleError(f"the familiarity reference {path} cannot be read: {error}") from None
        features = reference.profile_mean.shape[0]
        if (
            reference.bank.ndim != 2
            or len(reference.bank) < KNN_K
            or reference.profile_mean.ndim != 1
            or reference.profile_whitening.shape != (features, features)
            or reference.scale.shape != (4,)
            or reference.heldout.ndim != 1
            or reference.heldout.size == 0
            or reference.power_low.ndim != 1
            or reference.power_high.shape != reference.power_low.shape
            or not np.isfinite(reference.threshold)
        ):
            raise BundleError(f"the familiarity reference {path} has inconsistent shapes")
        return reference

    def neighbour_distance(self, crop_embeddings: np.ndarray) -> float:
        """Median over crops of the cosine distance to the :data:`KNN_K`-th nearest bank crop."""
        crops = np.asarray(crop_embeddings, dtype=np.float32)
        if crops.ndim != 2 or crops.shape[1] != self.bank.shape[1] or len(crops) == 0:
            raise ValueError(
                f"expected crop embeddings [n, {self.bank.shape[1]}], got {crops.shape}"
            )
        return knn_distance(self.bank, crops)

    def profile_distance(self, crop_profiles: np.ndarray) -> float:
        """Squared whitened distance per feature of the recording's :func:`recording_profile`."""
        white = (recording_profile(crop_profiles) - self.profile_mean) @ self.profile_whitening.T
        return float(np.mean(white**2))

    def score(self, crop_embeddings: np.ndarray, crop_profiles: np.ndarray) -> tuple[float, float]:
        """The combined score and how much of it the model's features make (their z)."""
        features = _z(self.neighbour_distance(crop_embeddings), *self.scale[:2])
        signal = _z(self.profile_distance(crop_profiles), *self.scale[2:])
        return features + signal, features

    def percentile(self, score: float) -> float:
        """Fraction of held-out training-like recordings that score lower than ``score``."""
        return float(np.searchsorted(self.heldout, score, side="left") / len(self.heldout))


def _z(distance: float | np.ndarray, mean: float, sd: float) -> float | np.ndarray:
    """A distance on the held-out recordings' scale: z of its logarithm."""
    return (_log(distance) - mean) / sd


def _log(distance) -> np.ndarray:
    """Logarithm of distances floored at 1e-12 (a crop identical to a training crop is 0)."""
    return np.log(np.maximum(np.asarray(distance, np.float64), 1e-12))


@dataclass(frozen=True)
class Familiarity:
    """How far one recording lies from the model's training data.

    Attributes
    ----------
    score : float
        :meth:`FamiliarityReference.score` of the recording (0 is a typical held-out
        training recording; larger is further away).
    percentile : float
        Fraction of held-out training-like recordings closer to the training data.
    reasons : tuple of str
        Each way the recording is unlike the training data; empty when it is not.
    statement : str
        One sentence for the reader, naming what the model was trained on.
    """

    score: float
    percentile: float
    reasons: tuple[str, ...]
    statement: str

    @property
    def unfamiliar(self) -> bool:
        """Whether the recording is unlike the training data in any way."""
        return bool(self.reasons)

    @property
    def warning(self) -> str | None:
        """The statement's warning without what the model was trained on, for a notice that
        names the training data already (the analysis's provenance); None when familiar."""
        return unlike_warning(self.reasons) if self.reasons else None


def unlike_warning(reasons: Sequence[str]) -> str:
    """The sentence that warns of a recording unlike the training data, with its reasons."""
    return (
        "Scores may not apply to this recording, which is unlike the model's training "
        f"data: {'; '.join(reasons)}."
    )


def band_features(band_power: np.ndarray) -> np.ndarray:
    """A recording's log10 power per band: median over crops of the median over derivations.

    Medians, so that one flat derivation or a few artefact crops do not move it (flat
    derivations have their own check, :func:`flat_derivations`).

    ``band_power`` is [n_crops, derivations, bands] from :func:`profile_band_power`.
    """
    return np.median(np.median(np.asarray(band_power, np.float64), axis=1), axis=0)


def flat_derivations(band_power: np.ndarray, channels: Sequence[str]) -> list[str]:
    """Derivations whose median total power is :data:`FLAT_BELOW` decades under the others'."""
    level = channel_levels(band_power)
    return [name for name, v in zip(channels, level, strict=True) if v < -FLAT_BELOW]


def loud_derivations(
    band_power: np.ndarray, channels: Sequence[str], above: float = LOUD_ABOVE
) -> list[str]:
    """Derivations whose median total power is ``above`` decades over the others'."""
    level = channel_levels(band_power)
    return [name for name, v in zip(channels, level, strict=True) if v > above]


def channel_levels(band_power: np.ndarray) -> np.ndarray:
    """Each channel's median log10 total power over crops, less the median channel's
    (``band_power``: [n_crops, channels, bands] log10 power)."""
    total = np.log10(np.sum(10.0 ** np.asarray(band_power, np.float64), axis=2))
    per_channel = np.median(total, axis=0)
    return per_channel - np.median(per_channel)


def knn_distance(bank: np.ndarray, crop_embeddings: np.ndarray, k: int = KNN_K) -> float:
    """Median over crops of the cosine distance to the ``k``-th nearest crop of ``bank``.

    ``bank`` holds unit-length training crop embeddings [m, dim].
    """
    crops = np.asarray(crop_embeddings, np.float32)
    crops = crops / np.maximum(np.linalg.norm(crops, axis=1, keepdims=True), 1e-12)
    similarity = crops @ np.asarray(bank, np.float32).T
    kth = -np.partition(-similarity, k - 1, axis=1)[:, k - 1]
    # float16 bank rows are unit length only to ~1e-3: a near-duplicate can exceed 1.
    return float(np.median(np.maximum(1.0 - kth, 0.0)))


def crop_profile(crops: np.ndarray, profile: SignalProfile | None = None) -> np.ndarray:
    """What each crop looks like before the model sees it, as one vector per crop.

    From the model input [n_crops, derivations, samples]: the shape of the spectrum (log10
    power in the profile's bins relative to the total, median over derivations), each
    derivation's log10 power against the crop's median (the spatial pattern), the median total
    log10 power, the amplitude distribution's shape (kurtosis, share of samples beyond 3 SD) and
    how much neighbouring derivations move together.

    Parameters
    ----------
    crops : numpy.ndarray
        The model input.
    profile : SignalProfile, optional
        The modality's (:func:`signal_profile`); default the EEG one (100 Hz,
        :data:`PROFILE_EDGES`, chains of four).

    Returns
    -------
    numpy.ndarray
        float32 [n_crops, len(edges) - 1 + derivations + 4].
    """
    profile = profile if profile is not None else PROFILES["eeg"]
    x = np.asarray(crops, np.float32)
    x = x - x.mean(axis=-1, keepdims=True)
    power = np.abs(scipy.fft.rfft(x, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(x.shape[-1], 1.0 / profile.sfreq)
    # Mean power per bin from one cumulative sum (the bins tile the edges without gaps).
    edges = np.searchsorted(freqs, profile.edges, side="left")
    cumulative = np.concatenate(
        [np.zeros((*power.shape[:-1], 1), np.float32), power.cumsum(-1)], -1
    )
    sums = cumulative[..., edges[1:]] - cumulative[..., edges[:-1]]
    bins = sums / np.maximum(np.diff(edges), 1)
    above = cumulative[..., -1] - cumulative[..., edges[0]]
    total = np.log10(above / (power.shape[-1] - edges[0]) + 1e-9)
    shape = np.median(np.log10(bins + 1e-9) - total[..., None], axis=1)
    spatial = total - np.median(total, axis=1, keepdims=True)
    z = x / (x.std(axis=-1, keepdims=True) + 1e-12)
    squared = z * z
    kurtosis = np.median(np.mean(squared * squared, axis=-1), axis=1)
    beyond = np.median(np.mean(squared > 9, axis=-1), axis=1)
    if profile.pairs is None:
        # The EEG input's derivations are chains of four (TCP): adjacent links share an electrode.
        first = [i for start in range(0, x.shape[1] - 3, 4) for i in range(start, start + 3)]
        pairs = np.array([(i, i + 1) for i in first])
    else:
        pairs = np.array(profile.pairs)
    coupling = np.median(np.mean(z[:, pairs[:, 0]] * z[:, pairs[:, 1]], axis=-1), axis=1)
    level = np.median(total, axis=1)
    return np.column_stack([shape, spatial, level, kurtosis, beyond, coupling]).astype(np.float32)


def profile_band_power(crops: np.ndarray, profile: SignalProfile | None = None) -> np.ndarray:
    """:func:`~elm_desktop.clinical.localise.crop_band_power` in the bands of a profile.

    float32 [n, channels, bands]; the EEG profile's bands are those of
    :data:`~elm_desktop.clinical.localise.BANDS`, the ECG's :data:`ECG_BANDS`.
    """
    profile = profile if profile is not None else PROFILES["eeg"]
    return crop_band_power(crops, profile.sfreq, profile.bands)


def recording_profile(crop_profiles: np.ndarray) -> np.ndarray:
    """A recording's :func:`crop_profile`: the median over crops, and how its level varies.

    The median, so that a few artefact crops do not make a recording strange; the spread
    (90th minus 10th percentile of the crops' power level) tells a steady record from one that
    comes and goes.
    """
    profiles = np.asarray(crop_profiles, np.float64)
    level = profiles[:, -4]
    return np.append(np.median(profiles, axis=0), np.subtract(*np.percentile(level, [90, 10])))


def shrunk_whitening(
    samples: np.ndarray, shrinkage: float = SHRINKAGE
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and inverse square root of the covariance of ``samples`` [n, dim], shrunk.

    The identity, scaled to the mean variance, is mixed in with weight ``shrinkage`` so that
    the matrix is invertible however few the samples.
    """
    x = np.asarray(samples, np.float64)
    covariance = np.cov(x, rowvar=False)
    dim = covariance.shape[0]
    covariance = (1 - shrinkage) * covariance + shrinkage * np.trace(covariance) / dim * np.eye(dim)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    return x.mean(axis=0), (eigenvectors / np.sqrt(eigenvalues)) @ eigenvectors.T


def fit_reference(
    training_crops: Sequence[np.ndarray],
    training_profiles: Sequence[np.ndarray],
    training_band_power: Sequence[np.ndarray],
    heldout_crops: Sequence[np.ndarray],
    heldout_profiles: Sequence[np.ndarray],
    *,
    shrinkage: float = SHRINKAGE,
    warn_quantile: float = WARN_QUANTILE,
    bank_size: int = BANK_SIZE,
    note: str = "",
) -> FamiliarityReference:
    """Summarise the training recordings and scale the score on held-out ones.

    Parameters
    ----------
    training_crops, training_profiles : sequence of numpy.ndarray
        Per training recording, its crop embeddings [n_i, dim] and :func:`crop_profile` rows.
    training_band_power : sequence of numpy.ndarray
        Band power [n_i, derivations, len(BANDS)] of each training recording.
    heldout_crops, heldout_profiles : sequence of numpy.ndarray
        The same for held-out recordings of the same data, which set the scale and threshold.
    shrinkage : float
        Weight of the identity (scaled to the mean variance) in the profiles' covariance.
    warn_quantile : float
        Quantile of the held-out scores above which a recording is flagged.
    bank_size : int
        At most this many training crops are kept (an even sample when there are more).
    note : str
        What the reference is fitted on, for ``elm-desktop model info``.
    """
    if len(training_crops) < 2 or not heldout_crops or not training_band_power:
        raise ValueError("need two training recordings and held-out ones to fit a reference")
    crops = np.concatenate(training_crops).astype(np.float32)
    if len(crops) < KNN_K + 1:
        raise ValueError(f"need more than {KNN_K} training crops, got {len(crops)}")
    if len(crops) > bank_size:
        crops = crops[np.linspace(0, len(crops) - 1, bank_size).round().astype(int)]
    bank = (crops / np.linalg.norm(crops, axis=1, keepdims=True)).astype(np.float16)
    profiles = np.array([recording_profile(p) for p in training_profiles])
    mean, whitening = shrunk_whitening(profiles, shrinkage)
    features = np.array([band_features(power) for power in training_band_power])
    low = features.min(axis=0) - POWER_MARGIN
    high = features.max(axis=0) + POWER_MARGIN
    unscaled = FamiliarityReference(
        bank, mean, whitening, np.array([0.0, 1.0, 0.0, 1.0]), np.zeros(1), 0.0, low, high
    )
    neighbour = _log([unscaled.neighbour_distance(z) for z in heldout_crops])
    signal = _log([unscaled.profile_distance(p) for p in heldout_profiles])
    scale = np.array([neighbour.mean(), neighbour.std(), signal.mean(), signal.std()])
    scale[[1, 3]] = np.maximum(scale[[1, 3]], 1e-6)
    heldout = np.sort(_z(np.exp(neighbour), *scale[:2]) + _z(np.exp(signal), *scale[2:]))
    threshold = float(np.quantile(heldout, warn_quantile))
    return FamiliarityReference(bank, mean, whitening, scale, heldout, threshold, low, high, note)


def assess(
    reference: FamiliarityReference,
    crop_embeddings: np.ndarray,
    crop_profiles: np.ndarray,
    band_power: np.ndarray,
    channels: Sequence[str],
    trained_on: str,
    profile: SignalProfile | None = None,
    flat_electrodes: Sequence[str] = (),
) -> Familiarity:
    """Place one recording against the reference and say what that means for its scores.

    Parameters
    ----------
    reference : FamiliarityReference
    crop_embeddings : numpy.ndarray
        [n_crops, dim], the recording's crop embeddings.
    crop_profiles : numpy.ndarray
        [n_crops, p], :func:`crop_profile` of its model input.
    band_power : numpy.ndarray
        [n_crops, derivations, len(BANDS)] of its model input.
    channels : sequence of str
        The derivations of ``band_power``.
    trained_on : str
        The bundle's statement of its training data.
    profile : SignalProfile, optional
        The modality's (its bands and what its channels are called); default the EEG one.
    flat_electrodes : sequence of str
        Electrodes flat in the file as recorded
        (:func:`~elm_desktop.signals.flat_electrodes.flat_electrodes`): every derivation
        through them is wrong, though none of them need be flat.
    """
    profile = profile if profile is not None else PROFILES["eeg"]
    score, by_features = reference.score(crop_embeddings, crop_profiles)
    # Floored, so that a recording beyond 99.6 % of them never reads as beyond 100 %.
    percentile = np.floor(reference.percentile(score) * 1000) / 1000
    reasons = []
    if score > reference.threshold:
        what = (
            "the model's features of it lie"
            if by_features > score - by_features
            else "its signal (spectrum, amplitude, spatial pattern) lies"
        )
        reasons.append(
            f"{what} further from that data than {percentile:.1%} of held-out training recordings"
        )
    features = band_features(band_power)
    for (band, _, _), value, low, high in zip(
        profile.bands, features, reference.power_low, reference.power_high, strict=True
    ):
        if not low <= value <= high:
            side = "above" if value > high else "below"
            reasons.append(f"its {band} power lies {side} that of every training recording")
    if flat_electrodes:
        reasons.append(
            f"flat or disconnected electrodes: {', '.join(flat_electrodes)} (every derivation "
            "through them is wrong)"
        )
    flat = flat_derivations(band_power, channels)
    if flat:
        reasons.append(f"flat or disconnected {profile.channels}: {', '.join(flat)}")
    loud = (
        loud_derivations(band_power, channels, profile.loud_above)
        if reasons and profile.loud_above is not None
        else []
    )
    if loud:  # what may have made it unlike them; alone, no reason (see LOUD_ABOVE)
        shared = (
            set.intersection(*(set(name.split("-")) for name in loud)) if len(loud) > 1 else set()
        )
        reasons.append(
            f"{profile.channels} with ten times the power of the others or more (three times "
            f"the amplitude: a loose or floating electrode, or strong focal activity): "
            f"{', '.join(loud)}" + (f" (all through {', '.join(sorted(shared))})" if shared else "")
        )
    if reasons:
        statement = f"{unlike_warning(reasons)} The model was trained on {trained_on}."
    else:
        # Worded as the generated draft's withholding is ("less typical than"): "closer" read
        # as reassuring beside a draft withheld for the same figure (a new-user trial).
        statement = (
            "This recording lies within the range of the model's training data; it is less "
            f"typical of it than {percentile:.1%} of held-out training recordings. The model "
            f"was trained on {trained_on}."
        )
    return Familiarity(score, float(percentile), tuple(reasons), statement)
