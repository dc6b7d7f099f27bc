"""Polygraphy: the non-EEG channels a reviewer reads under the EEG, and the heart rate.

A clinical EEG carries an EKG lead, often eye (EOG) and muscle (EMG) channels, respiration and
a photic stimulator channel. :func:`polygraphic_channels` names those of a recording (from the
channel kinds of :mod:`elm_desktop.signals.channels`), each with its own display
(:data:`DISPLAYS`): the EKG at 100 uV/mm (1-40 Hz), EOG at 10 uV/mm (0.3-35 Hz, as sleep
scoring shows it), EMG at 5 uV/mm (from 10 Hz), respiration at 50 uV/mm (0.1-5 Hz), and the
photic channel as a marker trace (flash on / off). :func:`read_polygraphy`
reads one page of them, filtered for display like the EEG.

The heart rate (:mod:`elm_desktop.signals.heart_rate`) is measured from the EKG channel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import signal

from elm_desktop.signals.display import DisplayFilter, _design
from elm_desktop.signals.recording import Recording


@dataclass(frozen=True)
class PolyDisplay:
    """How one kind of polygraphic channel is drawn.

    Attributes
    ----------
    kind : str
        Channel kind (``"ecg"``, ``"eog"``, ``"emg"``, ``"resp"``, ``"photic"``).
    name : str
        Short label a reviewer reads (``"EKG"``).
    uv_per_mm : float
        Sensitivity in microvolts per millimetre; 0 for a marker trace.
    marker : bool
        Drawn as on / off pulses (0 or 1), not as a voltage.
    lff, hff : float or None
        The kind's own display filters (Hz), None where the EEG's apply.
    """

    kind: str
    name: str
    uv_per_mm: float
    marker: bool = False
    lff: float | None = None
    hff: float | None = None


#: Display of each polygraphic kind, in the order the rows are drawn under the EEG.
DISPLAYS: dict[str, PolyDisplay] = {
    d.kind: d
    for d in (
        PolyDisplay("ecg", "EKG", 100.0, lff=1.0, hff=40.0),
        PolyDisplay("eog", "EOG", 10.0, lff=0.3, hff=35.0),
        PolyDisplay("emg", "EMG", 5.0, lff=10.0, hff=None),
        PolyDisplay("resp", "Resp", 50.0, lff=0.1, hff=5.0),
        PolyDisplay("photic", "Photic", 0.0, marker=True),
    )
}


#: Respiration-kind channels that are not voltages (oximetry, pulse): not drawn as traces.
_NOT_DRAWN = re.compile(r"^(SPO2|SAO2|OSAT|PULSE|PLETH)")


@dataclass(frozen=True)
class PolyChannel:
    """A polygraphic channel of a recording.

    Attributes
    ----------
    index : int
        Its index in :attr:`Recording.channels`.
    label : str
        The label as the file carries it.
    name : str
        The normalised name (``"EKG1"``, ``"PHOTIC"``).
    display : PolyDisplay
    """

    index: int
    label: str
    name: str
    display: PolyDisplay

    @property
    def kind(self) -> str:
        """The channel kind."""
        return self.display.kind


def polygraphic_channels(rec: Recording) -> tuple[PolyChannel, ...]:
    """Return the recording's polygraphic channels, EKG first, then EOG, EMG, resp, photic.

    Channels of other kinds (EEG electrodes, triggers, annotations, unknown) are left out, and
    so are oximetry and pulse channels (percent and beats, not voltages).
    """
    found = [
        PolyChannel(i, c.label, c.name, DISPLAYS[c.kind])
        for i, c in enumerate(rec.channels)
        if c.kind in DISPLAYS and not _NOT_DRAWN.match(c.name)
    ]
    order = list(DISPLAYS)
    return tuple(sorted(found, key=lambda c: (order.index(c.kind), c.index)))


def ekg_channel(rec: Recording) -> PolyChannel | None:
    """Return the recording's first EKG channel, or None."""
    return next((c for c in polygraphic_channels(rec) if c.kind == "ecg"), None)


@dataclass(frozen=True)
class PolyPage:
    """One page of polygraphic traces.

    Attributes
    ----------
    data : ndarray, shape (n_channels, n_times)
        Microvolts for voltage channels, 0 / 1 for marker channels.
    channels : tuple of PolyChannel
    start_s, sfreq : float
    """

    data: np.ndarray
    channels: tuple[PolyChannel, ...]
    start_s: float
    sfreq: float

    @property
    def times(self) -> np.ndarray:
        """Time of every sample in seconds from the start of the recording."""
        return self.start_s + np.arange(self.data.shape[1]) / self.sfreq

    @property
    def labels(self) -> list[str]:
        """Row labels: the reviewer's name of the kind and the file's channel name."""
        return [row_label(c) for c in self.channels]


def row_label(channel: PolyChannel) -> str:
    """The label of a polygraphic row, e.g. ``"EKG"`` or ``"EOG LOC"``."""
    name = channel.name.upper()
    short = channel.display.name
    for prefix in (short.upper(), channel.kind.upper(), "ECG", "EKG"):
        name = name.removeprefix(prefix).strip(" -_:")
    return f"{short} {name}" if name and not name.isdigit() else short


def _markers(values: np.ndarray) -> np.ndarray:
    """On / off pulses of a stimulator channel: 1 above half-way from its baseline to its peak."""
    if values.size == 0:
        return values
    base = np.median(values)
    peak = values[np.argmax(np.abs(values - base))]
    spread = np.median(np.abs(values - base)) + 1e-12
    if abs(peak - base) < 10 * spread:  # no pulse on this page: only noise
        return np.zeros_like(values)
    return ((values - base) / (peak - base) > 0.5).astype(float)


def read_polygraphy(
    rec: Recording,
    start_s: float,
    duration_s: float,
    channels: Sequence[PolyChannel] | None = None,
    display_filter: DisplayFilter | None = None,
) -> PolyPage:
    """Read one page of polygraphic channels for display.

    Parameters
    ----------
    rec : Recording
    start_s, duration_s : float
        As for :func:`~elm_desktop.signals.display.read_page`; the same samples are read.
    channels : sequence of PolyChannel, optional
        Default: every polygraphic channel of the recording.
    display_filter : DisplayFilter, optional
        The EEG's filters; a kind with its own (the EKG's 1-40 Hz, the EOG's 0.3-35 Hz, the
        EMG's 10 Hz high-pass) uses those instead. Marker channels are never filtered.

    Returns
    -------
    PolyPage
    """
    channels = tuple(polygraphic_channels(rec) if channels is None else channels)
    display_filter = display_filter or DisplayFilter()
    sfreq = rec.sfreq
    start = min(max(int(round(start_s * sfreq)), 0), rec.n_samples)
    stop = min(start + int(round(duration_s * sfreq)), rec.n_samples)
    data = np.zeros((len(channels), stop - start))
    if not channels:
        return PolyPage(data, channels, start / sfreq, sfreq)
    settle = [display_filter.margin_s()]
    settle += [DisplayFilter(c.display.lff).margin_s() for c in channels if c.display.lff]
    margin = int(round(max(settle) * sfreq))
    read_start, read_stop = max(start - margin, 0), min(stop + margin, rec.n_samples)
    raw = rec.read_channel_samples(read_start, read_stop, [c.index for c in channels])
    for row, channel in enumerate(channels):
        values = raw[row]
        if channel.display.marker:
            data[row] = _markers(values[start - read_start : stop - read_start])
            continue
        own = DisplayFilter(
            channel.display.lff or display_filter.lff,
            channel.display.hff or display_filter.hff,
            display_filter.notch,
        )
        sos = _design(sfreq, own)
        if sos is not None and values.size > 6 * len(sos) + 3:
            values = signal.sosfiltfilt(sos, values)
        data[row] = values[start - read_start : stop - read_start] * 1e6
    return PolyPage(data, channels, start / sfreq, sfreq)
