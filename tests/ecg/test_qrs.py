"""QRS complexes across the 12 leads: the draft's rate where one lead's T waves tower."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.signals.ecg.qrs import detect_qrs

SFREQ = 500.0


def _ecg(beats_s: np.ndarray, seconds: float = 10.0, tall_t_lead: int | None = 1) -> np.ndarray:
    """Twelve leads of Gaussian QRS complexes (20 ms) and T waves (80 ms, 280 ms later), with
    noise; in ``tall_t_lead`` the T wave is three times as tall as the R wave."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SFREQ)) / SFREQ
    r_amp = rng.uniform(0.4, 1.5, 12) * rng.choice([-1, 1], 12)
    t_amp = 0.3 * np.abs(r_amp)
    if tall_t_lead is not None:
        r_amp[tall_t_lead], t_amp[tall_t_lead] = 0.3, 0.9
    qrs = sum(np.exp(-0.5 * ((t - b) / 0.010) ** 2) for b in beats_s)
    twave = sum(np.exp(-0.5 * ((t - b - 0.28) / 0.040) ** 2) for b in beats_s)
    x = r_amp[:, None] * qrs + t_amp[:, None] * twave
    return x + 0.01 * rng.standard_normal(x.shape)


@pytest.mark.parametrize("rate_bpm", [48, 75, 120])
def test_every_beat_is_found_once_where_a_lead_has_towering_t_waves(rate_bpm):
    beats = np.arange(0.3, 9.8, 60.0 / rate_bpm)
    found = detect_qrs(_ecg(beats), SFREQ) / SFREQ
    assert len(found) == len(beats)
    assert np.max(np.abs(found - beats)) < 0.03


def test_an_irregular_rhythm_keeps_its_short_intervals():
    rr = np.random.default_rng(1).uniform(0.38, 1.0, 20)
    beats = 0.3 + np.concatenate([[0.0], np.cumsum(rr)])
    beats = beats[beats < 9.7]
    found = detect_qrs(_ecg(beats, tall_t_lead=None), SFREQ) / SFREQ
    assert len(found) == len(beats)


def test_no_complexes_in_a_flat_or_short_recording():
    assert detect_qrs(np.zeros((12, 5000)), SFREQ).size == 0
    assert detect_qrs(_ecg(np.array([0.2]), seconds=0.5), SFREQ).size == 0
    broken = _ecg(np.arange(0.3, 9.8, 0.8))
    broken[3, 100] = np.nan
    assert detect_qrs(broken, SFREQ).size == 0
