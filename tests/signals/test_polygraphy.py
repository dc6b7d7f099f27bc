"""Polygraphic channels (EKG, EOG, EMG, photic) and the heart rate from the EKG."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.signals.heart_rate import detect_r_peaks, measure_heart_rate
from elm_desktop.signals.polygraphy import (
    DISPLAYS,
    polygraphic_channels,
    read_polygraphy,
    row_label,
)
from elm_desktop.signals.recording import open_recording
from elm_desktop.synth.heart_rhythm import HeartBeats, draw_rhythm

SFREQ = 256.0


def _ekg(rhythm: str, duration_s: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An EKG in microvolts with a known rhythm, and the true R-peak times."""
    heart = HeartBeats(
        draw_rhythm(np.random.default_rng(seed), 75.0, [], rhythm), duration_s, SFREQ
    )
    t = np.arange(int(duration_s * SFREQ)) / SFREQ
    return 900.0 * heart.render(t), heart.times[heart.times < duration_s]


def _photic(duration_s: float) -> np.ndarray:
    """Flashes at 5 Hz from 10 s to 15 s: 500 uV pulses 4 samples long."""
    out = np.zeros(int(duration_s * SFREQ))
    for onset in np.arange(10.0, 15.0, 0.2):
        k = int(onset * SFREQ)
        out[k : k + 4] = 500.0
    return out


@pytest.fixture(scope="module")
def poly_edf(tmp_path_factory):
    from tests.signals.conftest import TUH_LABELS, eeg_like, write_edf

    duration = 60.0
    ekg, beats = _ekg("sinus", duration)
    rng = np.random.default_rng(1)
    n = int(duration * SFREQ)
    extra = [
        ("PHOTIC-REF", _photic(duration), SFREQ),
        ("EEG EKG1-REF", -ekg + 40.0 * rng.standard_normal(n), SFREQ),  # upside down, noisy
        ("EOG LOC", 80.0 * np.sin(2 * np.pi * 1.0 * np.arange(n) / SFREQ), SFREQ),
        ("EMG CHIN", 10.0 * rng.standard_normal(n), SFREQ),
    ]
    path = tmp_path_factory.mktemp("poly") / "poly.edf"
    data = eeg_like(len(TUH_LABELS), n, SFREQ)
    return write_edf(path, data, SFREQ, TUH_LABELS, extra=extra), beats


def test_polygraphic_channels_named_and_ordered(poly_edf):
    rec = open_recording(poly_edf[0])
    channels = polygraphic_channels(rec)
    assert [c.kind for c in channels] == ["ecg", "eog", "emg", "photic"]
    assert [row_label(c) for c in channels] == ["EKG", "EOG LOC", "EMG CHIN", "Photic"]
    assert DISPLAYS["ecg"].uv_per_mm == 100.0
    assert all(c.index >= len(rec.electrodes) for c in channels)


def test_page_of_polygraphy(poly_edf):
    rec = open_recording(poly_edf[0])
    page = read_polygraphy(rec, 9.0, 10.0)
    assert page.data.shape == (4, int(10 * SFREQ))
    assert page.start_s == pytest.approx(9.0)
    ekg, eog, _, photic = page.data
    assert 600 < np.ptp(ekg) < 2500  # microvolts, R waves of ~900 uV
    assert np.ptp(eog) == pytest.approx(160.0, rel=0.1)  # 1 Hz passes the EOG's 0.3 Hz LFF
    # The photic row is a marker: 0 / 1, on at each of the 25 flashes between 10 s and 15 s.
    assert set(np.unique(photic)) == {0.0, 1.0}
    onsets = page.times[np.flatnonzero(np.diff(photic) > 0) + 1]
    assert len(onsets) == 25
    assert onsets[0] == pytest.approx(10.0, abs=2 / SFREQ)
    quiet = read_polygraphy(rec, 30.0, 10.0, [polygraphic_channels(rec)[-1]])
    assert not quiet.data.any()


def test_heart_rate_of_an_inverted_noisy_lead(poly_edf):
    path, beats = poly_edf
    hr = measure_heart_rate(open_recording(path))
    assert hr is not None and hr.inverted
    assert len(hr.peaks_s) == len(beats)
    assert np.max(np.abs(hr.peaks_s - beats)) < 0.02
    assert hr.rate_bpm() == pytest.approx(60 / np.mean(np.diff(beats)), abs=1.0)
    assert hr.summary().startswith("single-lead EKG: regular rhythm, ")


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_r_peaks_either_polarity(sign):
    ekg, beats = _ekg("atrial_fibrillation", 120.0, seed=3)
    peaks, inverted = detect_r_peaks(sign * ekg, SFREQ)
    assert inverted == (sign < 0)
    assert len(peaks) == len(beats)
    assert np.max(np.abs(peaks / SFREQ - beats)) < 0.02


def test_no_ekg_no_heart_rate(make_edf):
    rec = open_recording(make_edf())
    assert polygraphic_channels(rec) == ()
    assert measure_heart_rate(rec) is None
    assert read_polygraphy(rec, 0.0, 10.0).data.shape == (0, int(10 * SFREQ))


def test_flat_ekg_says_too_few_beats(make_edf):
    rec = open_recording(make_edf(extra=[("EKG", np.zeros(int(20 * SFREQ)), SFREQ)]))
    hr = measure_heart_rate(rec)
    assert hr is not None and len(hr.peaks_s) == 0
    assert hr.rhythm() == "not assessed"
    assert "too few beats" in hr.summary()


def test_oximetry_is_not_drawn_as_a_trace(make_edf):
    n = int(20 * SFREQ)
    extra = [("SpO2", np.full(n, 97.0), SFREQ), ("Resp Thor", np.zeros(n), SFREQ)]
    rec = open_recording(make_edf(extra=extra))
    assert [(c.kind, row_label(c)) for c in polygraphic_channels(rec)] == [("resp", "Resp THOR")]
