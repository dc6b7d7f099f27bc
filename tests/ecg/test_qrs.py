"""QRS complexes across the 12 leads: the draft's rate where one lead's T waves tower."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.signals.ecg.qrs import detect_qrs

SFREQ = 500.0


def _ecg(
    beats_s: np.ndarray,
    seconds: float = 10.0,
    tall_t_lead: int | None = 1,
    t_size: float = 0.3,
    t_sd_s: float = 0.040,
) -> np.ndarray:
    """Twelve leads of Gaussian QRS complexes (sd 10 ms) and T waves (``t_sd_s``, 280 ms later,
    ``t_size`` times the R wave), with noise; in ``tall_t_lead`` the T wave is three times as
    tall as the R wave."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SFREQ)) / SFREQ
    r_amp = rng.uniform(0.4, 1.5, 12) * rng.choice([-1, 1], 12)
    t_amp = t_size * np.abs(r_amp)
    if tall_t_lead is not None:
        r_amp[tall_t_lead], t_amp[tall_t_lead] = 0.3, 0.9
    qrs = sum(np.exp(-0.5 * ((t - b) / 0.010) ** 2) for b in beats_s)
    twave = sum(np.exp(-0.5 * ((t - b - 0.28) / t_sd_s) ** 2) for b in beats_s)
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


def test_a_steep_t_wave_right_after_its_qrs_is_not_a_beat():
    # As tall as the R wave and narrow (sd 25 ms): its slope clears the height threshold, so
    # only the T-wave rule (within 360 ms, under 60 % of the QRS) keeps it out.
    beats = np.arange(0.3, 9.5, 0.9)
    x = _ecg(beats, tall_t_lead=None, t_size=1.2, t_sd_s=0.025)
    assert len(detect_qrs(x, SFREQ)) == len(beats)


def test_a_dead_lead_with_one_glitch_does_not_drown_the_others():
    beats = np.arange(0.3, 9.8, 0.8)
    x = _ecg(beats)
    x[4] = 0.0
    x[4, 2000] = 0.01  # a 10 uV glitch on a lead that is otherwise off
    x[7, : int(7 * SFREQ)] = 0.0  # a lead off for the first 7 s
    assert len(detect_qrs(x, SFREQ)) == len(beats)


def test_a_quieter_minute_of_a_long_recording_keeps_its_beats():
    beats = np.arange(0.3, 179.5, 0.8)
    x = _ecg(beats, seconds=180.0)
    x[:, int(60 * SFREQ) : int(120 * SFREQ)] *= 0.3
    assert len(detect_qrs(x, SFREQ)) == len(beats)


def test_no_complexes_in_a_flat_or_short_recording():
    assert detect_qrs(np.zeros((12, 5000)), SFREQ).size == 0
    assert detect_qrs(_ecg(np.array([0.2]), seconds=0.5), SFREQ).size == 0
    broken = _ecg(np.arange(0.3, 9.8, 0.8))
    broken[3, 100] = np.nan
    assert detect_qrs(broken, SFREQ).size == 0


@pytest.mark.parametrize("electrode", ["RA", "LL", "V3"])
def test_an_electrode_pop_between_beats_is_no_beat(electrode):
    """A pop moves the twelve leads as its one electrode's column does, which no beat of the
    heart (a dipole every electrode sees) does; a trial saw 81/min printed for 75."""
    from elm_desktop.signals.ecg.electrodes import ELECTRODES, LEADS_FROM_ELECTRODES
    from elm_desktop.synth.ecg.corpus import synthesise
    from elm_desktop.synth.ecg.plan import plan_corpus

    plan = next(p for p in plan_corpus(40, 3) if p.rhythm == "sinus_rhythm")
    recorded, _, _, _ = synthesise(plan, 10, 500)
    clean = detect_qrs(recorded, 500)
    t = np.arange(recorded.shape[1]) / 500
    onset = (clean[4] + clean[5]) / 2 / 500  # between two beats
    step = np.where(t >= onset, 2.0 * np.exp(-np.clip(t - onset, 0, None) / 0.3), 0.0)
    column = LEADS_FROM_ELECTRODES[:, ELECTRODES.index(electrode)]
    popped = detect_qrs(recorded + column[:, None] * step, 500)
    assert len(popped) == len(clean)
    assert np.max(np.abs(popped - clean)) <= 5  # the same beats, within 10 ms
