"""ECG calipers: readings from cursor positions and the snapping of dropped cursors."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.signals.ecg.calipers import (
    SNAP_DISTANCE_MM,
    CaliperReading,
    read_calipers,
    snap_time,
    trace_level,
)

SFREQ = 500.0
#: How far in time (s) a pointer on the baseline may be from a wave's tip to snap to it, at
#: snap_time's default 25 mm/s.
REACH_S = SNAP_DISTANCE_MM / 25.0


def spikes(times_s: list[float], heights_mv: list[float], seconds: float = 4.0) -> np.ndarray:
    """A flat lead with narrow triangular waves (20 ms wide) peaking at the given times."""
    t = np.arange(int(seconds * SFREQ)) / SFREQ
    lead = np.zeros_like(t)
    for at, height in zip(times_s, heights_mv, strict=True):
        lead += height * np.clip(1 - np.abs(t - at) / 0.01, 0, None)
    return lead


def test_interval_rate_and_amplitude():
    reading = read_calipers((1.25, 2.05), (1.6, -0.1))
    assert reading.interval_ms == pytest.approx(800.0)
    assert reading.rate_bpm == pytest.approx(75.0)
    assert reading.amplitude_mv == pytest.approx(1.7)
    assert reading.describe() == "800 ms (75 bpm)   1.70 mV"


def test_cursor_order_does_not_matter_and_unplaced_pairs_read_none():
    assert read_calipers((2.0, 1.5), None) == read_calipers((1.5, 2.0), None)
    assert read_calipers(None, None) == CaliperReading()
    assert read_calipers((1.0, 1.0), None).rate_bpm is None  # no cycle, no rate
    assert read_calipers(None, (0.2, 0.5)).describe() == "0.30 mV"


@pytest.mark.parametrize("height", [1.2, -0.8])
def test_time_cursor_snaps_to_the_nearest_wave_peak_or_trough(height):
    lead = spikes([1.0, 1.9], [height, height])
    assert snap_time(lead, SFREQ, 1.0 + 0.8 * REACH_S) == pytest.approx(1.0)
    assert snap_time(lead, SFREQ, 1.9 - 0.5 * REACH_S) == pytest.approx(1.9)


def test_time_cursor_far_from_a_wave_or_on_noise_keeps_its_sample():
    lead = spikes([1.0], [1.0]) + np.random.default_rng(0).normal(0, 0.01, 2000)
    assert snap_time(lead, SFREQ, 1.5013) == pytest.approx(1.502)  # nearest sample
    assert snap_time(lead, SFREQ, 1.0 + 2 * REACH_S) == pytest.approx(1.0 + 2 * REACH_S)


def test_time_cursor_at_the_ends_of_the_lead_stays_inside_it():
    lead = spikes([0.01], [1.0])
    assert snap_time(lead, SFREQ, -0.5) == pytest.approx(0.0)  # far from the wave: first sample
    assert snap_time(lead, SFREQ, -0.01) == pytest.approx(0.01)
    assert snap_time(lead, SFREQ, 10.0) == pytest.approx((len(lead) - 1) / SFREQ)


def test_trace_level_is_the_sample_nearest_the_time():
    lead = spikes([1.0], [1.5])
    assert trace_level(lead, SFREQ, 1.0004) == pytest.approx(1.5)
    assert trace_level(lead, SFREQ, 1.0061) == pytest.approx(0.6)  # sample 503


def test_time_cursor_pointing_at_a_level_snaps_to_the_peak_nearest_on_paper():
    # an R wave at 1.00 s and its S trough 30 ms later; the pointer 16 ms after R
    lead = spikes([1.0, 1.03], [1.5, -0.6])
    assert snap_time(lead, SFREQ, 1.016) == pytest.approx(1.03)  # nearest in time: S
    assert snap_time(lead, SFREQ, 1.016, level_mv=1.45) == pytest.approx(1.0)  # at R's tip: R
    assert snap_time(lead, SFREQ, 1.016, level_mv=-0.55) == pytest.approx(1.03)


def test_time_cursor_off_the_peaks_stays_where_it_fell():
    # the onset of a QRS with a small q wave (0.15 mV, 16 ms later) and an R wave 40 ms later:
    # a cursor dropped on the baseline at the onset is an interval's end, not a peak
    lead = spikes([1.016, 1.04], [-0.15, 1.5])
    assert snap_time(lead, SFREQ, 1.0, level_mv=0.0) == pytest.approx(1.0)
    # 40 ms before R's tip, 0.05 mV under it: on the tip at 25 mm/s (1 mm), 2 mm off at 50
    assert snap_time(lead, SFREQ, 1.0, level_mv=1.45) == pytest.approx(1.04)
    assert snap_time(lead, SFREQ, 1.0, level_mv=1.45, mm_per_s=50.0) == pytest.approx(1.0)


def test_small_waves_beside_an_onset_do_not_attract_a_cursor():
    # a dip of 0.15 mV 15 ms before a P wave of 0.2 mV: a cursor on the P onset stays there
    lead = spikes([0.985, 1.05], [-0.15, 0.2])
    assert snap_time(lead, SFREQ, 1.0, level_mv=0.0) == pytest.approx(1.0)
    assert snap_time(lead, SFREQ, 1.056, level_mv=0.2) == pytest.approx(1.056)  # P: too small


def test_an_r_tip_lower_on_a_wandering_baseline_still_attracts_the_cursor():
    # a horizontal drag from one R tip ends 0.4 mm before the next, 1.6 mm above it
    lead = spikes([1.0, 1.8], [1.5, 1.34])
    assert snap_time(lead, SFREQ, 1.8 - 0.4 / 25, level_mv=1.5) == pytest.approx(1.8)
