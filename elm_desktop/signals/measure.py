"""Measurements a reviewer takes on the traces: two cursors, and a selected box of them.

Both work on what is drawn: the displayed, filtered traces in microvolts (a
:class:`~elm_desktop.signals.display.Page` or the trace view's block), never the raw file.

- Two cursors give the time between them, 1 / that time as a frequency, the clock time of each
  from the recording's start, and the amplitude difference on one trace (linear interpolation
  between samples, so a cursor need not fall on a sample).
- A selected box gives, per trace, the dominant frequency (the peak of a Hann-windowed,
  zero-padded periodogram, refined by parabolic interpolation of the log spectrum) and the
  peak-to-peak amplitude. On a sine with 10 % noise it reads within 0.3 % when the selection
  holds three cycles or more, within 1 % at two; with fewer the window biases it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

MIN_DOMINANT_HZ = 0.1
"""Below this the "dominant frequency" of a selection is its drift, not a rhythm."""
_ZERO_PAD = 16  # spectrum points per natural frequency bin, before interpolation
_MIN_FFT = 4096


@dataclass(frozen=True)
class CursorReading:
    """What two cursors on one trace read.

    Attributes
    ----------
    times_s : tuple of float
        The cursors, seconds from the first sample, in the order placed.
    clock : tuple of str
        Their clock times (``hh:mm:ss.sss``) from the recording's start time, or elapsed time
        when the start is unknown.
    dt_s : float
        Second cursor minus first.
    frequency_hz : float
        ``1 / |dt_s|`` (inf when the cursors coincide).
    amplitudes_uv : tuple of float
        The trace at each cursor, microvolts as drawn.
    amplitude_difference_uv : float
        Second minus first.
    channel : str
        The trace read.
    """

    times_s: tuple[float, float]
    clock: tuple[str, str]
    dt_s: float
    frequency_hz: float
    amplitudes_uv: tuple[float, float]
    amplitude_difference_uv: float
    channel: str


def clock_time(seconds: float, start: dt.datetime | None) -> str:
    """Format a time as the clock reads it: ``start`` plus ``seconds`` (elapsed if no start)."""
    if start is not None:
        moment = start + dt.timedelta(seconds=seconds)
        return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    whole = int(seconds // 1)
    return (
        f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{int(seconds % 1 * 1000):03d}"
    )


def cursor_reading(
    times: np.ndarray,
    trace: np.ndarray,
    first_s: float,
    second_s: float,
    channel: str,
    start: dt.datetime | None = None,
) -> CursorReading:
    """Read two cursors on one displayed trace.

    Parameters
    ----------
    times : ndarray, shape (n,)
        Sample times in seconds from the first sample of the recording.
    trace : ndarray, shape (n,)
        The trace as drawn, microvolts.
    first_s, second_s : float
        The cursors, seconds; each within ``times``.
    channel : str
        The trace's label.
    start : datetime, optional
        The recording's start, for clock times.
    """
    inside = (
        times[0] - 1e-9 <= min(first_s, second_s) and max(first_s, second_s) <= times[-1] + 1e-9
    )
    if not inside:
        raise ValueError(
            f"cursors at {first_s:g} s and {second_s:g} s, data {times[0]:g}-{times[-1]:g} s"
        )
    amplitudes = np.interp([first_s, second_s], times, trace)
    dt_s = second_s - first_s
    return CursorReading(
        times_s=(first_s, second_s),
        clock=(clock_time(first_s, start), clock_time(second_s, start)),
        dt_s=dt_s,
        frequency_hz=1.0 / abs(dt_s) if dt_s else float("inf"),
        amplitudes_uv=(float(amplitudes[0]), float(amplitudes[1])),
        amplitude_difference_uv=float(amplitudes[1] - amplitudes[0]),
        channel=channel,
    )


def dominant_frequency(trace: np.ndarray, sfreq: float) -> float:
    """Return the frequency (Hz) of the largest spectral peak of ``trace``.

    The mean is removed and the trace Hann-windowed and zero-padded; the peak bin is refined by
    a parabola through the log magnitudes of it and its neighbours. NaN when the trace is too
    short (under 4 samples), flat or holds NaN.
    """
    trace = np.asarray(trace, dtype=float)
    if trace.size < 4 or not np.all(np.isfinite(trace)) or np.ptp(trace) == 0:
        return float("nan")
    centred = (trace - trace.mean()) * np.hanning(trace.size)
    n_fft = max(_MIN_FFT, 1 << int(np.ceil(np.log2(trace.size * _ZERO_PAD))))
    magnitude = np.abs(np.fft.rfft(centred, n_fft))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sfreq)
    lowest = max(MIN_DOMINANT_HZ, sfreq / trace.size)  # one cycle in the selection at least
    candidates = np.flatnonzero(freqs >= lowest)
    if not len(candidates):
        return float("nan")
    peak = int(candidates[np.argmax(magnitude[candidates])])
    if 0 < peak < len(magnitude) - 1:
        left, centre, right = np.log(magnitude[peak - 1 : peak + 2] + 1e-300)
        curvature = left - 2 * centre + right
        shift = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        return float(freqs[peak] + shift * (freqs[1] - freqs[0]))
    return float(freqs[peak])


@dataclass(frozen=True)
class SelectionStats:
    """Dominant frequency and peak-to-peak amplitude of each trace in a selected box.

    Attributes
    ----------
    start_s, stop_s : float
        The selected time range.
    channels : list of str
    dominant_hz : ndarray, shape (n_channels,)
        NaN where a trace is absent, flat or too short.
    peak_to_peak_uv : ndarray, shape (n_channels,)
        NaN where a trace is absent.
    """

    start_s: float
    stop_s: float
    channels: list[str]
    dominant_hz: np.ndarray
    peak_to_peak_uv: np.ndarray


def selection_stats(
    data: np.ndarray, sfreq: float, start_s: float, channels: list[str]
) -> SelectionStats:
    """Measure the selected traces.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_samples)
        The selected part of the displayed traces, microvolts; absent traces NaN.
    sfreq : float
    start_s : float
        Time of the first selected sample.
    channels : list of str
        The traces' labels.
    """
    data = np.atleast_2d(np.asarray(data, dtype=float))
    if data.shape[0] != len(channels):
        raise ValueError(f"{data.shape[0]} traces, {len(channels)} labels")
    finite = np.all(np.isfinite(data), axis=1) & (data.shape[1] > 0)
    peak_to_peak = np.full(len(channels), np.nan)
    if data.shape[1]:
        peak_to_peak[finite] = np.ptp(data[finite], axis=1)
    return SelectionStats(
        start_s=start_s,
        stop_s=start_s + data.shape[1] / sfreq,
        channels=list(channels),
        dominant_hz=np.array([dominant_frequency(row, sfreq) for row in data]),
        peak_to_peak_uv=peak_to_peak,
    )
