"""The generated signals look like EEG to a signal-processing eye, not by reading labels back."""

from __future__ import annotations

import numpy as np
from scipy import signal


def _spectrum(x: np.ndarray, sfreq: float) -> tuple[np.ndarray, np.ndarray]:
    return signal.welch(x, sfreq, nperseg=int(4 * sfreq))


def _peak(x: np.ndarray, sfreq: float, low: float = 3.0, high: float = 15.0) -> float:
    f, p = _spectrum(x, sfreq)
    band = (f >= low) & (f <= high)
    return float(f[band][np.argmax(p[band])])


def _band_power(x: np.ndarray, sfreq: float, low: float, high: float) -> float:
    f, p = _spectrum(x, sfreq)
    return float(p[(f >= low) & (f <= high)].mean())


def _highpass(x: np.ndarray, sfreq: float, cutoff: float = 1.0) -> np.ndarray:
    sos = signal.butter(2, cutoff, "highpass", fs=sfreq, output="sos")
    return signal.sosfiltfilt(sos, x)


def test_normal_adult_has_occipital_alpha_peak_larger_than_frontal(make_recording):
    rec = make_recording(set(), age=35, seconds=90)
    assert not rec.spec.abnormal
    for occipital, frontal in (("O1", "Fp1"), ("O2", "Fp2")):
        assert 8.0 <= _peak(rec.data[occipital], rec.sfreq) <= 12.0
        alpha_back = _band_power(rec.data[occipital], rec.sfreq, 8, 12)
        alpha_front = _band_power(rec.data[frontal], rec.sfreq, 8, 12)
        assert alpha_back > 4 * alpha_front


def test_generalized_slowing_moves_the_occipital_peak_below_8_hz(make_recording):
    rec = make_recording({"generalized_slowing"}, age=75, seconds=90)
    for electrode in ("O1", "O2"):
        assert _peak(rec.data[electrode], rec.sfreq) < 8.0


def test_focal_spike_at_f7_reverses_phase_between_fp1_f7_and_f7_t3(make_recording):
    rec = make_recording({"focal_epileptiform"}, region="left frontotemporal", seconds=120)
    spikes = [e for e in rec.spec.events if e.kind == "spike"]
    assert spikes and all(e.centers == ("F7",) for e in spikes)
    before = _highpass(rec.bipolar("Fp1", "F7"), rec.sfreq)
    after = _highpass(rec.bipolar("F7", "T3"), rec.sfreq)
    signs = []
    for spike in spikes:
        window = slice(int(spike.onset * rec.sfreq), int((spike.onset + 0.1) * rec.sfreq))
        a, b = before[window], after[window]
        # The largest deflection of each chain in the 100 ms after onset.
        signs.append((np.sign(a[np.argmax(np.abs(a))]), np.sign(b[np.argmax(np.abs(b))])))
    signs = np.array(signs)
    opposite = np.mean(signs[:, 0] == -signs[:, 1])
    assert opposite >= 0.9
    # Surface-negative spike at F7: Fp1-F7 goes positive, F7-T3 negative.
    assert np.mean(signs[:, 0] > 0) >= 0.9


def test_seizure_dominant_frequency_changes_over_its_course(make_recording):
    rec = make_recording({"seizure"}, region="left temporal", seconds=150, seed=3)
    seizure = next(e for e in rec.spec.events if e.kind == "seizure")
    ictal = seizure.params["ictal"]
    chain = rec.bipolar("T3", "C3")
    third = ictal / 3

    def dominant(start: float) -> float:
        piece = chain[int(start * rec.sfreq) : int((start + third) * rec.sfreq)]
        f, p = signal.welch(piece, rec.sfreq, nperseg=int(2 * rec.sfreq))
        band = (f >= 1.5) & (f <= 14)
        return float(f[band][np.argmax(p[band])])

    early = dominant(seizure.onset)
    late = dominant(seizure.onset + 2 * third)
    assert early - late >= 2.0
    # The seizure also grows: the last third carries more power than the first.
    power = [
        np.var(chain[int(s * rec.sfreq) : int((s + third) * rec.sfreq)])
        for s in (seizure.onset, seizure.onset + 2 * third)
    ]
    assert power[1] > 2 * power[0]


def test_blinks_are_largest_at_fp1_and_fp2(make_recording):
    rec = make_recording(set(), seconds=120, seed=11)
    blinks = [e for e in rec.spec.events if e.kind == "blink"]
    assert len(blinks) >= 3
    filtered = {name: _highpass(x, rec.sfreq, 0.3) for name, x in rec.data.items()}
    size = {}
    for name, x in filtered.items():
        windows = [x[int(b.onset * rec.sfreq) : int((b.onset + 0.5) * rec.sfreq)] for b in blinks]
        average = np.mean([w for w in windows if w.size == windows[0].size], axis=0)
        size[name] = average.max() - average.min()
    largest = sorted(size, key=size.get, reverse=True)[:2]
    assert set(largest) == {"Fp1", "Fp2"}
    assert size["Fp1"] > 3 * size["O1"]


def test_burst_suppression_alternates_bursts_with_flat_stretches(make_recording):
    rec = make_recording({"burst_suppression"}, seconds=60)
    x = _highpass(rec.bipolar("C3", "P3"), rec.sfreq)
    second = int(rec.sfreq)
    rms = np.array([x[i : i + second].std() for i in range(0, x.size - second, second)])
    assert np.percentile(rms, 20) < 5.0  # suppression below 5 uV
    assert rms.max() > 8 * np.percentile(rms, 20)
