"""Cursor readings and selection measurements on displayed traces."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from elm_desktop.signals import DisplayFilter, open_recording, read_page
from elm_desktop.signals.measure import (
    clock_time,
    cursor_reading,
    dominant_frequency,
    selection_stats,
)
from tests.signals.conftest import TUH_LABELS, write_edf

SFREQ = 256.0


def sine(freq: float, amplitude: float, seconds: float, sfreq: float = SFREQ, phase: float = 0.0):
    t = np.arange(int(seconds * sfreq)) / sfreq
    return t, amplitude * np.sin(2 * np.pi * freq * t + phase)


@pytest.mark.parametrize("freq", [2.0, 3.0, 10.0, 17.3, 45.0])  # 3 cycles or more
@pytest.mark.parametrize("seconds", [1.5, 4.0])
def test_dominant_frequency_of_a_sine_within_half_a_percent(freq, seconds):
    _, trace = sine(freq, 50.0, seconds, phase=0.3)
    trace += np.random.default_rng(1).normal(0, 5.0, trace.size)
    assert dominant_frequency(trace, SFREQ) == pytest.approx(freq, rel=0.005)


def test_dominant_frequency_of_nothing_is_nan():
    assert np.isnan(dominant_frequency(np.zeros(100), SFREQ))
    assert np.isnan(dominant_frequency(np.array([1.0, np.nan, 2.0, 3.0]), SFREQ))
    assert np.isnan(dominant_frequency(np.ones(3), SFREQ))


def test_cursors_on_peak_and_trough_of_a_10_hz_sine():
    times, trace = sine(10.0, 100.0, 2.0)
    reading = cursor_reading(
        times, trace, 0.125, 0.175, "Fp1-F7", dt.datetime(2024, 1, 1, 10, 11, 12)
    )
    assert reading.dt_s == pytest.approx(0.05)
    assert reading.frequency_hz == pytest.approx(20.0)
    assert reading.amplitude_difference_uv == pytest.approx(-200.0, rel=0.01)
    assert reading.clock == ("10:11:12.125", "10:11:12.175")


def test_cursor_reading_outside_the_data_is_refused():
    times, trace = sine(10.0, 100.0, 1.0)
    with pytest.raises(ValueError):
        cursor_reading(times, trace, 0.5, 1.5, "Fp1-F7")


def test_clock_time_without_a_start_is_elapsed_time():
    assert clock_time(3725.25, None) == "1:02:05.250"


def test_selection_stats_per_channel():
    _, ten = sine(10.0, 100.0, 2.0)
    _, four = sine(4.0, 25.0, 2.0)
    data = np.stack([ten, four, np.full(ten.size, np.nan)])
    stats = selection_stats(data, SFREQ, 3.0, ["a", "b", "absent"])
    assert stats.dominant_hz[:2] == pytest.approx([10.0, 4.0], rel=0.01)
    assert stats.peak_to_peak_uv[:2] == pytest.approx([200.0, 50.0], rel=0.01)
    assert np.isnan(stats.dominant_hz[2]) and np.isnan(stats.peak_to_peak_uv[2])
    assert (stats.start_s, stats.stop_s) == (3.0, 5.0)


def test_measured_on_a_displayed_page_of_a_written_sine(tmp_path):
    """10 Hz, 100 uV on Fp1 only: Fp1-F7 of the double banana carries it through the display
    filters (LFF 1 Hz, HFF 70 Hz) within 1 % in frequency and 2 % in amplitude."""
    seconds = 10
    _, wave = sine(10.0, 100e-6, seconds)
    data = np.zeros((len(TUH_LABELS), wave.size))
    data[0] = wave  # EEG FP1-REF
    recording = open_recording(write_edf(tmp_path / "sine.edf", data, SFREQ, TUH_LABELS))
    page = read_page(recording, 2.0, 2.0, "tcp-elm", DisplayFilter(1.0, 70.0, None))
    row = page.labels.index("Fp1-F7")
    stats = selection_stats(page.data[row : row + 1], page.sfreq, page.start_s, ["Fp1-F7"])
    assert stats.dominant_hz[0] == pytest.approx(10.0, rel=0.01)
    assert stats.peak_to_peak_uv[0] == pytest.approx(200.0, rel=0.02)
