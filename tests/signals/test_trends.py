"""Trends over the whole recording: DSA peak, aEEG calibration, asymmetry sign, suppression
ratio, block-wise reading and the cache, on EDF files written with known content."""

from __future__ import annotations

import os

import numpy as np
import pytest

from elm_desktop.errors import MissingChannelsError
from elm_desktop.signals import open_recording
from elm_desktop.signals.trends import (
    LEFT_CHAINS,
    RIGHT_CHAINS,
    TrendParams,
    aeeg_scale,
    columns,
    compute_trends,
    recording_trends,
)

from .conftest import TUH_LABELS, write_edf

SFREQ = 256.0
LEFT = {e for chain in LEFT_CHAINS for e in chain.split("-")}
RIGHT = {e for chain in RIGHT_CHAINS for e in chain.split("-")}


def electrode(label: str) -> str:
    """Canonical name of a TUH label (``EEG FP1-REF`` -> ``Fp1``)."""
    name = label[4:-4]
    return "Fp" + name[2:] if name.startswith("FP") else name.capitalize()


def write(path, seconds: float, signals: dict[str, np.ndarray], seed: int = 0):
    """Write the TUH electrodes; those not in ``signals`` carry 0.3 uV of noise."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SFREQ)
    data = 0.3e-6 * rng.standard_normal((len(TUH_LABELS), n))
    for row, label in enumerate(TUH_LABELS):
        if electrode(label) in signals:
            data[row] += signals[electrode(label)]
    return write_edf(path, data, SFREQ, TUH_LABELS)


def sine(freq: float, amplitude_v: float, seconds: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * SFREQ)) / SFREQ
    return amplitude_v * np.sin(2 * np.pi * freq * t + phase)


def rhythm_on(electrodes, freq: float, seconds: float, seed: int, scale_v: float = 50e-6):
    """A rhythm whose amplitude differs between electrodes, so bipolar chains carry it."""
    rng = np.random.default_rng(seed)
    return {
        e: sine(freq, scale_v * rng.uniform(0.2, 1.5), seconds, rng.uniform(0, 2 * np.pi))
        for e in electrodes
    }


def test_dsa_peaks_at_each_hemispheres_rhythm(tmp_path):
    signals = rhythm_on(LEFT - RIGHT, 6.0, 60, seed=1)
    signals |= rhythm_on(RIGHT - LEFT, 11.0, 60, seed=2)
    trends = compute_trends(open_recording(write(tmp_path / "dsa.edf", 60, signals)))
    assert trends.n_epochs == 30 and trends.params.epoch_s == 2.0
    assert trends.freqs_hz[0] == 0.5 and trends.freqs_hz[-1] == 30.0
    left_peak = trends.freqs_hz[np.argmax(trends.dsa_left_db, axis=1)]
    right_peak = trends.freqs_hz[np.argmax(trends.dsa_right_db, axis=1)]
    assert np.all(left_peak == 6.0)
    assert np.all(right_peak == 11.0)
    # Each hemisphere's own rhythm stands far above the other's at that frequency.
    six, eleven = np.searchsorted(trends.freqs_hz, [6.0, 11.0])
    assert np.all(trends.dsa_left_db[:, six] - trends.dsa_right_db[:, six] > 20)
    assert np.all(trends.dsa_right_db[:, eleven] - trends.dsa_left_db[:, eleven] > 20)


def test_dsa_power_density_is_calibrated(tmp_path):
    # C3 = +20 uV and P3 = -20 uV sines at 10 Hz: C3-P3 carries 40 uV (power 800 uV^2), F3-C3
    # and P3-O1 20 uV each (200 uV^2): 1200 uV^2 in the hemisphere's chains, all within 9-11 Hz
    # once the Hann window's spread is summed.
    signals = {"C3": sine(10.0, 20e-6, 20), "P3": sine(10.0, -20e-6, 20)}
    trends = compute_trends(open_recording(write(tmp_path / "cal.edf", 20, signals)))
    band = (trends.freqs_hz >= 9) & (trends.freqs_hz <= 11)
    n_chains = len(trends.left_chains)
    density = 10 ** (trends.dsa_left_db[:, band] / 10)
    power = density.sum(axis=1) * 0.5 * n_chains  # the mean over chains, times their number
    np.testing.assert_allclose(power, 1200.0, rtol=0.02)


def test_aeeg_reads_a_sines_peak_to_peak_and_ignores_slow_waves(tmp_path):
    amplitude = 25e-6  # C3-P3 = 50 uV sine, 100 uV peak to peak
    signals = {"C3": sine(10.0, amplitude, 40), "P3": sine(10.0, -amplitude, 40)}
    signals |= {"C4": sine(0.5, 100e-6, 40), "P4": sine(0.5, -100e-6, 40)}  # 400 uV p-p, 0.5 Hz
    trends = compute_trends(open_recording(write(tmp_path / "aeeg.edf", 40, signals)))
    assert trends.aeeg_chains == ("C3-P3", "C4-P4")
    settled = slice(2, None)  # the causal filter's first second
    np.testing.assert_allclose(trends.aeeg_left_uv[settled], 100.0, rtol=0.03)
    assert np.all(trends.aeeg_right_uv[settled, 1] < 10.0)  # 0.5 Hz is below the pass band
    assert np.all(trends.aeeg_left_uv[:, 0] <= trends.aeeg_left_uv[:, 1])


def test_aeeg_scale_is_linear_to_10_uv_and_logarithmic_above():
    np.testing.assert_allclose(aeeg_scale([0, 5, 10, 100, 1000]), [0, 0.5, 1, 2, 3])


def test_a_flat_stretch_has_suppression_ratio_one(tmp_path):
    rng = np.random.default_rng(3)
    signals = {}
    for e in LEFT | RIGHT:
        eeg = 30e-6 * rng.standard_normal(int(60 * SFREQ))
        eeg[int(20 * SFREQ) : int(40 * SFREQ)] = 0.0  # suppressed 20-40 s
        signals[e] = eeg
    trends = compute_trends(open_recording(write(tmp_path / "flat.edf", 60, signals)))
    starts = trends.epoch_starts_s
    flat = (starts >= 20) & (starts + 2 <= 40)
    active = (starts + 2 <= 20) | (starts >= 40)
    assert np.all(trends.suppression[flat] == 1.0)
    assert np.all(trends.suppression[active] == 0.0)


def test_low_voltage_but_not_suppressed_activity_is_not_counted(tmp_path):
    # 8 uV peak bipolar alpha is low voltage, but leaves +-5 uV: not suppression.
    signals = {"C3": sine(10.0, 4e-6, 20), "P3": sine(10.0, -4e-6, 20)}
    trends = compute_trends(open_recording(write(tmp_path / "low.edf", 20, signals)))
    assert np.all(trends.suppression == 0.0)


@pytest.mark.parametrize("side", ["left", "right"])
def test_one_sided_slowing_gives_the_asymmetry_sign(tmp_path, side):
    background = rhythm_on(LEFT | RIGHT, 10.0, 40, seed=4, scale_v=20e-6)
    slowed = (LEFT - RIGHT) if side == "left" else (RIGHT - LEFT)
    delta = rhythm_on(slowed, 1.5, 40, seed=5, scale_v=60e-6)
    signals = {e: background[e] + delta.get(e, 0.0) for e in background}
    trends = compute_trends(open_recording(write(tmp_path / f"{side}.edf", 40, signals)))
    sign = 1 if side == "left" else -1
    assert np.all(sign * trends.asymmetry > 0.5)


def test_block_wise_reading_gives_the_same_trends(tmp_path):
    signals = rhythm_on(LEFT | RIGHT, 7.0, 60, seed=6)
    recording = open_recording(write(tmp_path / "blocks.edf", 60, signals, seed=1))
    whole = compute_trends(recording, TrendParams(block_s=600.0))
    pieces = compute_trends(recording, TrendParams(block_s=6.0))
    for name in ("dsa_left_db", "dsa_right_db", "aeeg_left_uv", "asymmetry", "suppression"):
        np.testing.assert_allclose(getattr(pieces, name), getattr(whole, name), atol=1e-3)


def test_missing_homologous_pairs_is_one_clear_line(tmp_path):
    labels = ["EEG C3-REF", "EEG P3-REF", "EEG O1-REF"]
    path = write_edf(tmp_path / "few.edf", np.zeros((3, 2560)), SFREQ, labels)
    with pytest.raises(MissingChannelsError, match="homologue") as error:
        compute_trends(open_recording(path))
    assert "\n" not in str(error.value)


def test_progress_and_cancel(tmp_path):
    from elm_desktop.errors import CancelledError
    from elm_desktop.progress import CancelToken

    recording = open_recording(write(tmp_path / "p.edf", 60, rhythm_on(LEFT, 5.0, 60, 7)))
    seen = []
    compute_trends(recording, TrendParams(block_s=20.0), progress=lambda d, t, m: seen.append(d))
    assert seen == [10, 20, 30]
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        compute_trends(recording, cancel=token)


def test_cache_hit_miss_and_no_patient_fields(tmp_path):
    path = write(tmp_path / "Haagse_Harry.edf", 30, rhythm_on(LEFT | RIGHT, 9.0, 30, seed=8))
    recording = open_recording(path)
    folder = tmp_path / "cache"
    first, cached = recording_trends(recording, folder=folder)
    assert not cached
    stored = list(folder.iterdir())
    assert len(stored) == 1 and "Haagse" not in stored[0].name
    again, cached = recording_trends(recording, folder=folder)
    assert cached
    for name in ("dsa_left_db", "aeeg_right_uv", "asymmetry", "suppression", "epoch_starts_s"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    assert again.params == first.params and again.left_chains == first.left_chains
    raw = stored[0].read_bytes()
    for secret in (b"Haagse", b"MCH-0234567", b"1951", path.name.encode(), str(tmp_path).encode()):
        assert secret not in raw
    # Other parameters are another entry; a changed file is computed again.
    _, cached = recording_trends(recording, TrendParams(epoch_s=4.0), folder=folder)
    assert not cached and len(list(folder.iterdir())) == 2
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    _, cached = recording_trends(open_recording(path), folder=folder)
    assert not cached
    # Another recording written to the same path, of the same size, its timestamp kept (as
    # copy tools and unzip keep it): computed again, not the last one's trends.
    stat = path.stat()
    write(path, 30, rhythm_on(LEFT | RIGHT, 6.0, 30, seed=9))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    other, cached = recording_trends(open_recording(path), folder=folder)
    assert not cached
    assert not np.array_equal(other.dsa_left_db, first.dsa_left_db)


def test_a_damaged_cache_file_is_computed_again(tmp_path):
    recording = open_recording(write(tmp_path / "d.edf", 20, rhythm_on(LEFT, 9.0, 20, seed=9)))
    folder = tmp_path / "cache"
    first, _ = recording_trends(recording, folder=folder)
    (entry,) = folder.iterdir()
    entry.write_bytes(entry.read_bytes()[:100])
    again, cached = recording_trends(recording, folder=folder)
    assert not cached
    np.testing.assert_array_equal(again.dsa_left_db, first.dsa_left_db)


def test_columns_reduce_to_the_screen(tmp_path):
    recording = open_recording(write(tmp_path / "c.edf", 60, rhythm_on(LEFT | RIGHT, 9.0, 60, 10)))
    trends = compute_trends(recording)
    reduced = columns(trends, 7)
    assert len(reduced.starts_s) == 6  # 30 epochs in runs of 5
    assert reduced.stops_s[-1] == pytest.approx(60.0)
    np.testing.assert_allclose(reduced.suppression, trends.suppression.reshape(6, 5).mean(axis=1))
    assert np.all(reduced.aeeg_left_uv[:, 0] == trends.aeeg_left_uv[:, 0].reshape(6, 5).min(1))
    assert np.all(reduced.aeeg_left_uv[:, 1] == trends.aeeg_left_uv[:, 1].reshape(6, 5).max(1))
    full = columns(trends, 1000)
    np.testing.assert_array_equal(full.dsa_left_db, trends.dsa_left_db)
