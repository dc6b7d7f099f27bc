"""The ECG model's input: 10 s windows of the 12 leads at 500 Hz (MERL's 12 x 5000).

:func:`ecg_model_input` turns an :class:`~elm_desktop.signals.ecg.EcgRecording` into windows
``[n, 12, 5000]`` float32, the same way at training and at analysis time:

1. resample to 500 Hz when the file is at another rate (polyphase, scipy);
2. cut into consecutive 10 s windows (a record shorter than 10 s, or a last part of at least
   half a window, is padded at the end with each lead's last value);
3. normalise each window (``"mv"`` by default, see below).

Normalisation. MERL min-max normalises each record to [0, 1]. That removes the record's overall
scale, and two of the findings read here are defined by absolute amplitude in millivolts (low
voltage: every limb QRS under 0.5 mV; LVH: Sokolow-Lyon over 3.5 mV), so the default ``"mv"``
keeps millivolts: each lead minus its median (the baseline), divided by :data:`MV_SCALE` and
clipped to +-:data:`MV_CLIP` mV (an electrode pop does not dominate). ``"minmax"`` is MERL's
normalisation, kept for comparison.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import numpy as np

from elm_desktop.errors import ConfigError

ECG_SFREQ = 500.0
WINDOW_S = 10.0
N_SAMPLES = int(ECG_SFREQ * WINDOW_S)
N_LEADS = 12
MV_SCALE = 1.0
MV_CLIP = 5.0

Normalisation = Literal["mv", "minmax"]
NORMALISATIONS: tuple[str, ...] = ("mv", "minmax")


def resample_leads(samples: np.ndarray, sfreq: float, target: float = ECG_SFREQ) -> np.ndarray:
    """Resample ``[leads, n]`` from ``sfreq`` to ``target`` Hz (polyphase; a no-op at target)."""
    if sfreq == target:
        return np.asarray(samples, dtype=np.float64)
    from scipy.signal import resample_poly

    ratio = Fraction(target / sfreq).limit_denominator(1000)
    return resample_poly(samples, ratio.numerator, ratio.denominator, axis=1)


def normalise_window(window: np.ndarray, how: Normalisation = "mv") -> np.ndarray:
    """Normalise one ``[12, n]`` window in millivolts (see the module docstring)."""
    if how == "mv":
        centred = window - np.median(window, axis=1, keepdims=True)
        return np.clip(centred / MV_SCALE, -MV_CLIP, MV_CLIP)
    if how == "minmax":
        low, high = float(window.min()), float(window.max())
        return (window - low) / (high - low + 1e-8)
    raise ConfigError(f"ECG normalisation must be one of {', '.join(NORMALISATIONS)}, not {how!r}")


def window_starts(n_samples: int) -> np.ndarray:
    """Start sample of every window of a record of ``n_samples`` at 500 Hz."""
    full = n_samples // N_SAMPLES
    rest = n_samples - full * N_SAMPLES
    count = full + (1 if full == 0 or rest >= N_SAMPLES // 2 else 0)
    return np.arange(count, dtype=np.int64) * N_SAMPLES


def ecg_model_input(
    samples_mv: np.ndarray, sfreq: float, normalisation: Normalisation = "mv"
) -> np.ndarray:
    """Return the model input of a 12-lead record: float32 ``[n_windows, 12, 5000]``.

    Parameters
    ----------
    samples_mv : ndarray [12, n]
        The leads in the standard order (I, II, III, aVR, aVL, aVF, V1-V6), millivolts.
    sfreq : float
        Their sampling rate.
    normalisation : {"mv", "minmax"}
    """
    if samples_mv.ndim != 2 or samples_mv.shape[0] != N_LEADS:
        raise ConfigError(f"ECG model input needs 12 leads, got shape {samples_mv.shape}")
    leads = resample_leads(samples_mv, sfreq)
    windows = []
    for start in window_starts(leads.shape[1]):
        window = leads[:, start : start + N_SAMPLES]
        if window.shape[1] < N_SAMPLES:
            pad = N_SAMPLES - window.shape[1]
            window = np.pad(window, ((0, 0), (0, pad)), mode="edge")
        windows.append(normalise_window(window, normalisation))
    return np.stack(windows).astype(np.float32)
