"""Sharp transients, measured in the recording itself: where a spike finding's segments are.

A spike finding's score says whether a recording has spikes; the segments shown beside it
should say where, and the model's per-crop curve places them poorly on a generator family it
never saw (the spikes' 5 s crops ranked at 0.50-0.77 mean AUROC, leave one family out). A
spike is the EEG's most local event: a transient standing far above its derivation's
background once slower waves are taken away. Each crop's **sharpness** is that: in the model
input's derivations, the signal minus its running median over :data:`SLOW_WINDOW_S` (which
keeps what is briefer than about 150 ms), its largest absolute value in the crop over the
derivation's typical spread (the median over the recording's crops of that difference's
median absolute value in each crop), the largest over derivations. The running median costs
about 4 s of one core per hour of recording; a running mean, twenty times cheaper, placed the
spikes less well on the recordings it was chosen on.

A spike finding's segments (:func:`sharpest_segments`) are then its crops ranked by the
model's curve times their sharpness: a crop must read like the finding *and* hold a sharp
transient. Blinks, pops and muscle are sharp too, and the curve does not always keep them
down (on normal recordings the segments fall on them): the reader sees the transient itself.
The score, its threshold and the curve are the model's.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.ndimage import median_filter

from elm_desktop.clinical.zeroshot import FindingScore, Segment, top_segments

#: The spike findings whose segments are placed at sharp transients.
SPIKE_FINDINGS = ("focal_epileptiform", "generalized_spike_wave")
#: The running median removed before the transients are measured, in seconds: a spike
#: (20-70 ms) or sharp wave (70-200 ms) stands out of it, a slow wave does not.
SLOW_WINDOW_S = 0.31


def crop_transient_parts(crops: np.ndarray, sfreq: float) -> np.ndarray:
    """Each crop's largest transient and typical spread per derivation (the running parts of
    :func:`crop_sharpness`, computed crop by crop as the recording is read).

    Parameters
    ----------
    crops : numpy.ndarray
        [n_crops, n_channels, n_samples], the model input's crops.
    sfreq : float
        Their sampling rate.

    Returns
    -------
    numpy.ndarray
        float32 [n_crops, n_channels, 2]: the largest absolute value of the signal minus its
        running median, and that difference's median absolute value.
    """
    x = np.asarray(crops, np.float32)
    if x.size == 0:
        return np.zeros((*x.shape[:2], 2), np.float32)
    width = max(3, int(round(SLOW_WINDOW_S * sfreq)) | 1)  # odd: centred on each sample
    fast = np.abs(x - median_filter(x, size=(1, 1, width), mode="nearest"))
    return np.stack([fast.max(axis=-1), np.median(fast, axis=-1)], axis=-1).astype(np.float32)


def crop_sharpness(parts: np.ndarray) -> np.ndarray:
    """Each crop's sharpest transient, in units of its derivation's typical spread.

    Parameters
    ----------
    parts : numpy.ndarray
        [n_crops, n_channels, 2] from :func:`crop_transient_parts`, the whole recording.

    Returns
    -------
    numpy.ndarray
        float32 [n_crops]; empty for no crops.
    """
    parts = np.asarray(parts, np.float64)
    if len(parts) == 0:
        return np.zeros(0, np.float32)
    spread = np.median(parts[..., 1], axis=0)  # [n_channels], over the recording's crops
    # A flat derivation has no spread to stand out of.
    ratio = np.where(spread > 0, parts[..., 0] / np.where(spread > 0, spread, 1.0), 0.0)
    return ratio.max(axis=1).astype(np.float32)


def sharpest_segments(
    score: FindingScore, sharpness: np.ndarray, crop_starts_s: np.ndarray, window_s: float
) -> FindingScore:
    """A spike finding's score with its segments at the crops that read like it and hold the
    sharpest transients (the model's curve times :func:`crop_sharpness`); each segment's score
    stays the curve's own. Other findings, and a recording without sharpness, as they are.

    Parameters
    ----------
    score : FindingScore
    sharpness : numpy.ndarray
        [n_crops] from :func:`crop_sharpness`, the crops of ``score.crop_probability``.
    crop_starts_s : numpy.ndarray
        [n_crops] start times.
    window_s : float
        Crop length in seconds.
    """
    curve = np.asarray(score.crop_probability, np.float64)
    if score.finding_id not in SPIKE_FINDINGS or len(sharpness) != len(curve) or not len(curve):
        return score
    ranked = top_segments(curve * np.asarray(sharpness, np.float64), crop_starts_s, window_s)
    return replace(
        score,
        top_segments=[Segment(s.start_s, s.end_s, float(curve[s.crop]), s.crop) for s in ranked],
    )
