"""Display pages: what the trace view draws for one time range and montage.

A page reads only its own time range plus a margin for the filters to settle, derives the
montage's traces, applies the reviewer's display filters (LFF, HFF, notch) and returns
microvolts. Drawing negative-up is the trace view's job. Filter designs are cached, so paging
costs one small read and a few short zero-phase IIR passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

from elm_desktop.signals.montages import Montage, get_montage
from elm_desktop.signals.recording import Recording

_HIGHPASS_ORDER = 2  # doubled by the forward-backward pass
_LOWPASS_ORDER = 4
_NOTCH_Q = 30.0
_MIN_MARGIN_S = 1.0


@dataclass(frozen=True)
class DisplayFilter:
    """The reviewer's display filters.

    Parameters
    ----------
    lff : float or None
        Low-frequency filter (high-pass cut-off) in Hz; None for off. Reviewers default to 1 Hz.
    hff : float or None
        High-frequency filter (low-pass cut-off) in Hz; None for off. Reviewers default to 70 Hz.
    notch : float or None
        Mains notch, 50 or 60 Hz; None (the default) for off.

    A filter at or above the recording's Nyquist frequency is left out.
    """

    lff: float | None = 1.0
    hff: float | None = 70.0
    notch: float | None = None

    def margin_s(self) -> float:
        """Seconds read on each side of a page so the filters settle before it starts."""
        return max(_MIN_MARGIN_S, 3.0 / self.lff) if self.lff else _MIN_MARGIN_S


@lru_cache(maxsize=64)
def _design(sfreq: float, display_filter: DisplayFilter) -> np.ndarray | None:
    """Second-order sections of the display filter at ``sfreq`` (None when all off)."""
    nyquist = sfreq / 2
    sections = []
    if display_filter.lff and display_filter.lff < nyquist:
        sections.append(
            signal.butter(_HIGHPASS_ORDER, display_filter.lff, "highpass", fs=sfreq, output="sos")
        )
    if display_filter.hff and display_filter.hff < nyquist:
        sections.append(
            signal.butter(_LOWPASS_ORDER, display_filter.hff, "lowpass", fs=sfreq, output="sos")
        )
    if display_filter.notch and display_filter.notch < nyquist:
        b, a = signal.iirnotch(display_filter.notch, _NOTCH_Q, fs=sfreq)
        sections.append(signal.tf2sos(b, a))
    return np.concatenate(sections) if sections else None


@dataclass(frozen=True)
class Page:
    """Traces of one time range in one montage.

    Attributes
    ----------
    data : ndarray, shape (n_traces, n_times)
        Microvolts, display filters applied; rows that cannot be built are NaN.
    labels : list of str
        Trace labels, e.g. ``"Fp1-F7"``.
    available : ndarray of bool, shape (n_traces,)
        False for traces that need an absent electrode.
    missing : list of str
        The absent electrodes the montage needs.
    start_s : float
        Time of the first sample, seconds from the start of the recording.
    sfreq : float
    display_filter : DisplayFilter
    """

    data: np.ndarray
    labels: list[str]
    available: np.ndarray
    missing: list[str]
    start_s: float
    sfreq: float
    display_filter: DisplayFilter

    @property
    def times(self) -> np.ndarray:
        """Time of every sample in seconds from the start of the recording."""
        return self.start_s + np.arange(self.data.shape[1]) / self.sfreq


def read_page(
    rec: Recording,
    start_s: float,
    duration_s: float,
    montage: Montage | str = "tcp-elm",
    display_filter: DisplayFilter | None = None,
) -> Page:
    """Read one page of traces for display.

    Parameters
    ----------
    rec : Recording
    start_s : float
        Start of the page in seconds; clipped to the recording.
    duration_s : float
        Page length in seconds; a page past the end is cut at the end.
    montage : Montage or str
        A montage or its registry name.
    display_filter : DisplayFilter, optional
        Defaults to LFF 1 Hz, HFF 70 Hz, notch off.

    Returns
    -------
    Page
    """
    montage = get_montage(montage) if isinstance(montage, str) else montage
    display_filter = display_filter or DisplayFilter()
    needed = {e for d in montage.derivations(rec.electrodes) for e in d.weights}
    used = [e for e in rec.electrodes if e in needed]
    sfreq = rec.sfreq
    start = min(max(int(round(start_s * sfreq)), 0), rec.n_samples)
    stop = min(start + int(round(duration_s * sfreq)), rec.n_samples)
    margin = int(round(display_filter.margin_s() * sfreq))
    read_start, read_stop = max(start - margin, 0), min(stop + margin, rec.n_samples)
    referential = rec.read_samples(read_start, read_stop, used)
    sos = _design(sfreq, display_filter)
    if sos is not None and referential.shape[1] > 6 * len(sos) + 3:  # sosfiltfilt's padding
        referential = signal.sosfiltfilt(sos, referential, axis=-1)
    referential = referential[:, start - read_start : stop - read_start]
    traces = montage.apply(referential, used) * 1e6
    _, available = montage.matrix(used)
    return Page(
        data=traces,
        labels=montage.labels(used),
        available=available,
        missing=montage.missing(rec.electrodes),
        start_s=start / sfreq,
        sfreq=sfreq,
        display_filter=display_filter,
    )
