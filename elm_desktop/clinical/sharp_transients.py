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

The same measurement says when a draft may not deny generalized spike-and-wave
(:func:`unsupported_absences`): where the crop its segments rank first (its curve times the
sharpness) holds a transient
:data:`GENERALIZED_RATIO` times its derivation's typical spread in at least
:data:`GENERALIZED_DERIVATIONS` of the 20 derivations, the recording shows something
generalized and sharp, and "No generalized epileptiform discharges are seen." would rest on
the prompt's score alone (a new-user trial read it on 6 of 17 recordings with spike-and-wave,
scored under the bar that rules it out). Both were set on 120 recordings made for it
(``benchmarks/results/spike-segments.md``): the crop held such transients on all 12 with
spike-and-wave, and on 21 of the 108 without, 4 of them normal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy.ndimage import median_filter

from elm_desktop.clinical.zeroshot import FindingScore, Segment, top_segments

#: The spike findings whose segments are placed at sharp transients.
SPIKE_FINDINGS = ("focal_epileptiform", "generalized_spike_wave")
#: The findings whose absence a generalized sharp transient leaves unstated.
GENERALIZED_FINDINGS = ("generalized_spike_wave",)
#: A transient this many times its derivation's typical spread counts toward a generalized one.
GENERALIZED_RATIO = 8.0
#: In at least this many of the 20 derivations of one crop: half the head.
GENERALIZED_DERIVATIONS = 10
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


def crop_transient_ratios(parts: np.ndarray) -> np.ndarray:
    """Each crop's largest transient per derivation, in units of the derivation's typical
    spread (the median over the recording's crops of each crop's).

    Parameters
    ----------
    parts : numpy.ndarray
        [n_crops, n_channels, 2] from :func:`crop_transient_parts`, the whole recording.

    Returns
    -------
    numpy.ndarray
        float32 [n_crops, n_channels]; 0 in a flat derivation (no spread to stand out of).
    """
    parts = np.asarray(parts, np.float64)
    if len(parts) == 0:
        return np.zeros(parts.shape[:2], np.float32)
    spread = np.median(parts[..., 1], axis=0)  # [n_channels], over the recording's crops
    ratio = np.where(spread > 0, parts[..., 0] / np.where(spread > 0, spread, 1.0), 0.0)
    return ratio.astype(np.float32)


def crop_sharpness(parts: np.ndarray) -> np.ndarray:
    """Each crop's sharpest transient: the largest of :func:`crop_transient_ratios`.

    Returns
    -------
    numpy.ndarray
        float32 [n_crops]; empty for no crops.
    """
    ratios = crop_transient_ratios(parts)
    return ratios.max(axis=1) if ratios.size else np.zeros(len(ratios), np.float32)


def generalized_transients(parts: np.ndarray) -> np.ndarray:
    """int [n_crops]: in how many derivations each crop holds a transient
    :data:`GENERALIZED_RATIO` times their typical spread (``parts`` as :func:`crop_sharpness`)."""
    return (crop_transient_ratios(parts) >= GENERALIZED_RATIO).sum(axis=1)


def unsupported_absences(scores: Sequence[FindingScore], generalized: np.ndarray) -> dict[str, str]:
    """The generalized findings under their thresholds whose absence the recording does not
    support, each with why: the crop of their first segment holds generalized sharp
    transients (:func:`generalized_transients`). Both drafts neither state nor deny them.

    Parameters
    ----------
    scores : sequence of FindingScore
    generalized : numpy.ndarray
        [n_crops] from :func:`generalized_transients`, the crops of the scores' curves.
    """
    held = {}
    for s in scores:
        if s.finding_id not in GENERALIZED_FINDINGS or s.present or not s.top_segments:
            continue
        crop = s.top_segments[0].crop
        if 0 <= crop < len(generalized) and generalized[crop] >= GENERALIZED_DERIVATIONS:
            held[s.finding_id] = (
                f"under its threshold, but the crop its segments rank first holds sharp "
                f"transients in {int(generalized[crop])} of its derivations: its absence not "
                "stated either"
            )
    return held


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
