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


def test_focal_attenuation_lowers_voltage_on_its_side_only(make_recording):
    rec = make_recording({"focal_attenuation"}, region="right temporal", seconds=60, seed=5)
    spikeless = {name: _highpass(x, rec.sfreq) for name, x in rec.data.items()}

    def rms(a: str, b: str) -> float:
        return float(np.std(spikeless[a] - spikeless[b]))

    right = rms("F8", "T4") + rms("T4", "T6")
    left = rms("F7", "T3") + rms("T3", "T5")
    assert right < 0.7 * left


def test_excess_beta_raises_frontocentral_beta_power(make_recording):
    normal = make_recording(set(), seconds=60, seed=8)
    drugged = make_recording({"excess_beta"}, seconds=60, seed=8)
    ratio = _band_power(drugged.data["F3"], drugged.sfreq, 15, 25) / _band_power(
        normal.data["F3"], normal.sfreq, 15, 25
    )
    assert ratio > 4
    # Frontocentral, not occipital, maximum.
    assert _band_power(drugged.data["Cz"], drugged.sfreq, 15, 25) > 3 * _band_power(
        drugged.data["O1"], drugged.sfreq, 15, 25
    )


def test_lpds_recur_at_their_rate_over_one_hemisphere(make_recording):
    rec = make_recording({"lpd"}, region="left hemisphere", age=70, seconds=60, seed=2)
    train = next(e for e in rec.spec.events if e.kind == "lpd")
    lag = int(train.params["period"] * rec.sfreq)

    def recurrence(a: str, b: str) -> float:
        """Autocorrelation, at the discharge period, of the chain's sharp-activity envelope."""
        start, stop = int(train.onset * rec.sfreq), int((train.onset + train.duration) * rec.sfreq)
        band = signal.butter(2, [2, 15], "bandpass", fs=rec.sfreq, output="sos")
        sharp = signal.sosfiltfilt(band, rec.bipolar(a, b)[start:stop])
        smooth = signal.butter(2, 3, fs=rec.sfreq, output="sos")
        envelope = signal.sosfiltfilt(smooth, sharp**2)
        envelope -= envelope.mean()
        auto = np.correlate(envelope, envelope, "full")[envelope.size - 1 :]
        tolerance = int(0.1 * rec.sfreq)
        return float(auto[lag - tolerance : lag + tolerance].max() / auto[0])

    assert recurrence("F7", "T3") > 0.4
    assert recurrence("F8", "T4") < 0.2
