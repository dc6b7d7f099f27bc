"""Flash trains read from a recording's photic stimulator channel.

Many systems record the stimulator's trigger as a channel (``PHOTIC``, ``PHO``) and do not
always annotate the trains. A flash is a rise of that channel through half its largest
excursion from its median (:data:`FLASH_LEVEL`), when that excursion stands
:data:`MIN_PEAK_OVER_NOISE` times above the channel's noise (1.4826 times the median absolute
deviation); flashes less than :data:`MAX_GAP_S` apart belong to one train, and a train needs
:data:`MIN_FLASHES` at intervals that vary by at most :data:`MAX_INTERVAL_CV` (a stimulator is
regular; noise is not). A flat or noisy channel holds no flashes: a stimulator channel recorded
without stimulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from elm_desktop.progress import CancelToken
from elm_desktop.signals.polygraphy import polygraphic_channels
from elm_desktop.signals.recording import Recording

#: A flash is where the channel rises through this share of its range above its median.
FLASH_LEVEL = 0.5
#: Flashes further apart than this (seconds) start a new train.
MAX_GAP_S = 2.0
#: Fewest flashes of a train.
MIN_FLASHES = 3
#: The largest excursion must stand this many times above the channel's noise.
MIN_PEAK_OVER_NOISE = 10.0
#: Largest coefficient of variation of a train's intervals.
MAX_INTERVAL_CV = 0.1
#: Seconds read at a time (a long recording's channel is not read into memory at once).
CHUNK_S = 600.0


@dataclass(frozen=True)
class FlashTrain:
    """One train of flashes.

    Attributes
    ----------
    start_s, end_s : float
        The first and the last flash, in seconds from the start of the recording.
    frequency_hz : float
        Flashes per second (over the whole train).
    flashes : int
    """

    start_s: float
    end_s: float
    frequency_hz: float
    flashes: int


def flash_trains(rec: Recording, cancel: CancelToken | None = None) -> list[FlashTrain]:
    """The flash trains of the recording's first photic channel; none without one."""
    channel = next((c for c in polygraphic_channels(rec) if c.kind == "photic"), None)
    if channel is None:
        return []
    step = max(int(CHUNK_S * rec.sfreq), 1)
    parts = []
    for start in range(0, rec.n_samples, step):
        if cancel is not None:
            cancel.check()
        stop = min(start + step, rec.n_samples)
        parts.append(rec.read_channel_samples(start, stop, [channel.index])[0])
    return trains_in(np.concatenate(parts) if parts else np.zeros(0), rec.sfreq)


def trains_in(samples: np.ndarray, sfreq: float) -> list[FlashTrain]:
    """The flash trains of one photic channel's samples (module docstring)."""
    if samples.size < 2 or not np.all(np.isfinite(samples)):
        return []
    baseline = float(np.median(samples))
    excursion = samples - baseline
    # Pulses either way up: the larger side is the flash.
    if abs(float(excursion.min())) > abs(float(excursion.max())):
        excursion = -excursion
    peak = float(excursion.max())
    noise = 1.4826 * float(np.median(np.abs(excursion)))
    if peak <= 0 or peak < MIN_PEAK_OVER_NOISE * noise:
        return []
    above = excursion > FLASH_LEVEL * peak
    onsets = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    times = onsets / sfreq
    trains = []
    for group in np.split(times, np.flatnonzero(np.diff(times) > MAX_GAP_S) + 1):
        intervals = np.diff(group)
        if len(group) >= MIN_FLASHES and intervals.std() <= MAX_INTERVAL_CV * intervals.mean():
            rate = (len(group) - 1) / float(group[-1] - group[0])  # no one interval's rounding
            trains.append(FlashTrain(float(group[0]), float(group[-1]), rate, len(group)))
    return trains
