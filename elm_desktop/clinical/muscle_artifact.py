"""Muscle artifact, measured in the recording itself.

Reports name temporal muscle artifact when it is there, and a report generator learns to name
it often, whether it is there or not; the model's zero-shot score for artifact is near chance
(the few seconds of muscle weigh little in a crop embedding). Muscle is easy to measure: bursts
of broadband activity above the EEG's own rhythms. Here, in the model input's temporal
derivations (:data:`TEMPORAL_DERIVATIONS`), the power of each half second between 30 and 45 Hz
(:data:`BAND_HZ`, above beta and below the input's 49 Hz band edge) is compared with the median
half second of the same derivation over the whole recording. Muscle is *measured* when, within
one crop, one derivation has at least two half seconds :data:`BURST_LOG_RATIO` (log10) above
its median: one window alone may be a spike or an electrode pop, and two isolated transients
minutes apart in a long recording are not a burst. A derivation whose median is a tenth of the
others' (a dimmed or disconnected electrode for much of the recording) has no baseline to
measure against and is left out.

With the threshold set before any measurement, it finds the synthetic corpora's true muscle
artifact with sensitivity 0.87-0.97 and specificity 0.87-0.98 on the validation and test sets
of all three generator families (``benchmarks/muscle_artifact_accuracy.py``,
``benchmarks/results/muscle-artifact.txt``); the model's artifact score is at 0.55 AUROC on
its own family. Each crop's largest window ratio
(:attr:`MuscleArtifact.crop_index`) is also what the report generator reads beside the crop's
embedding when it was trained with it.

Where muscle is measured, the artifact finding is present whatever its prompt scores
(:func:`measured_artifact_score`), as the draft check already holds a generated draft's muscle
artifact to the measurement; where it is not, the prompt's score stands, for the artifacts
measured nowhere (eyes, electrodes, movement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.fft

from elm_desktop.clinical.record_score import MUSCLE_MEASURE
from elm_desktop.clinical.zeroshot import FindingScore, Segment
from elm_desktop.signals.time_labels import elapsed

#: The bipolar derivations over the temporalis muscles.
TEMPORAL_DERIVATIONS = ("F7-T3", "T3-T5", "F8-T4", "T4-T6", "T3-C3", "C4-T4")
#: The band of muscle activity measured, in Hz.
BAND_HZ = (30.0, 45.0)
#: The window of one power measurement, in seconds.
WINDOW_S = 0.5
#: A window this far (log10 power) above its derivation's median is a burst.
BURST_LOG_RATIO = 1.0
#: Crop indices are clipped to [0, INDEX_LIMIT] (log10 units).
INDEX_LIMIT = 3.0
#: The finding that measured muscle makes present, and its label then: what was measured,
#: not "Artifact-dominated segments" (two half seconds of one crop make it present).
ARTIFACT = "artifact"
MEASURED_LABEL = "Muscle artifact (measured)"


@dataclass(frozen=True)
class MuscleArtifact:
    """Muscle artifact measured in a recording.

    Attributes
    ----------
    crop_index : tuple of float
        Per crop, the largest log10 ratio of a window's 30-45 Hz power to its derivation's
        median (the second largest window of the derivation, so that one transient does not
        count), clipped to [0, :data:`INDEX_LIMIT`].
    burst_s : float
        Seconds of windows in bursts (any temporal derivation at least
        :data:`BURST_LOG_RATIO` above its median).
    present : bool
        Whether, within one crop, one derivation has at least two burst windows (the largest
        crop index reaches :data:`BURST_LOG_RATIO`).
    strongest_s : float or None
        Start of the crop of the largest index, in seconds from the recording's start (where
        the reviewer looks first); None when no muscle is measured.
    """

    crop_index: tuple[float, ...]
    burst_s: float
    present: bool
    strongest_s: float | None = None


def crop_muscle_power(
    crops: np.ndarray, channels: Sequence[str], sfreq: float = 100.0
) -> np.ndarray:
    """Power between :data:`BAND_HZ` of each half second of the temporal derivations.

    Parameters
    ----------
    crops : ndarray, shape (n_crops, n_channels, n_samples)
        Model input crops (any float type).
    channels : sequence of str
        The crops' derivation names.
    sfreq : float
        Their sampling rate.

    Returns
    -------
    ndarray, shape (n_crops, n_temporal, n_windows), float64
    """
    rows = [list(channels).index(name) for name in TEMPORAL_DERIVATIONS]
    width = int(round(WINDOW_S * sfreq))
    n_windows = crops.shape[2] // width
    x = np.asarray(crops[:, rows, : n_windows * width], np.float64)
    x = x.reshape(x.shape[0], len(rows), n_windows, width)
    x = x - x.mean(axis=-1, keepdims=True)
    spectrum = np.abs(scipy.fft.rfft(x * np.hanning(width), axis=-1)) ** 2
    freqs = scipy.fft.rfftfreq(width, 1 / sfreq)
    band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
    return spectrum[..., band].sum(axis=-1)


def muscle_artifact(power: np.ndarray) -> MuscleArtifact | None:
    """Muscle artifact of a recording from :func:`crop_muscle_power` of all its crops.

    Parameters
    ----------
    power : ndarray, shape (n_crops, n_temporal, n_windows)
        The recording's crops in time order.

    Returns
    -------
    MuscleArtifact or None
        None for a recording without a crop or a crop shorter than two windows.
    """
    if power.shape[0] == 0 or power.shape[2] < 2:
        return None
    n_crops, n_derivations, n_windows = power.shape
    series = power.transpose(1, 0, 2).reshape(n_derivations, -1)  # windows in time order
    median = np.median(series, axis=1, keepdims=True)
    usable = median[:, 0] >= 0.1 * np.median(median)
    ratio = np.log10(np.maximum(series, 1e-12) / np.maximum(median, 1e-12))
    ratio[~usable] = 0.0
    per_crop = ratio.reshape(n_derivations, n_crops, n_windows)
    second = np.sort(per_crop, axis=2)[:, :, -2]  # two windows of one crop, not one transient
    index = np.clip(second.max(axis=0), 0.0, INDEX_LIMIT)
    present = bool(index.max() >= BURST_LOG_RATIO)
    return MuscleArtifact(
        crop_index=tuple(round(float(v), 4) for v in index),
        burst_s=float((ratio >= BURST_LOG_RATIO).any(axis=0).sum() * WINDOW_S),
        present=present,
        strongest_s=float(np.argmax(index) * n_windows * WINDOW_S) if present else None,
    )


def measured_artifact_score(
    score: FindingScore, measured: MuscleArtifact | None, window_s: float
) -> FindingScore:
    """The artifact score where muscle artifact is measured (:meth:`~FindingScore.measured`:
    0.5 plus half the strongest crop index's share of :data:`INDEX_LIMIT`, so present),
    labelled as what was measured and most evident at its strongest crop; the score as it is
    where none is measured."""
    if measured is None or not measured.present:
        return score
    crop = int(np.argmax(measured.crop_index))
    probability = 0.5 + 0.5 * max(measured.crop_index) / INDEX_LIMIT
    return replace(
        score.measured(probability, MUSCLE_MEASURE),
        label=MEASURED_LABEL,
        top_segments=[Segment(crop * window_s, (crop + 1) * window_s, probability, crop)],
    )


def with_crop_index(embeddings: np.ndarray, measured: MuscleArtifact) -> np.ndarray:
    """Crop embeddings with each crop's muscle index as a last column: the input of a report
    generator trained with ``measured_muscle``, in training and at the workstation alike.

    Parameters
    ----------
    embeddings : ndarray, shape (n_crops, dim)
    measured : MuscleArtifact
        Of the same recording (one index per crop, in the same order).

    Returns
    -------
    ndarray, shape (n_crops, dim + 1), float32
    """
    index = np.asarray(measured.crop_index, np.float32)[:, None]
    return np.concatenate([np.asarray(embeddings, np.float32), index], axis=1)


def muscle_words(measured: MuscleArtifact | None) -> str:
    """What was measured, in words for the reviewer.

    Parameters
    ----------
    measured : MuscleArtifact or None
        None: not measured (an ECG, a recording without crops).

    Returns
    -------
    str
    """
    if measured is None:
        return "not measured"
    if not measured.present:
        return "no muscle artifact measured in the temporal derivations"
    where = (
        ""
        if measured.strongest_s is None
        else f"; strongest at {elapsed(measured.strongest_s)} from the start"
    )
    return f"muscle artifact measured in the temporal derivations ({measured.burst_s:.1f} s{where})"
