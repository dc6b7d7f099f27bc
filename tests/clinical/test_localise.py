"""Sides and regions of lateralised findings from the channels' band power.

The recordings here are built sample by sample (noise plus slow waves on chosen derivations) and
go through the real band-power computation; the finding's per-crop curve is given, as the model
would give it.
"""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.clinical.localise import (
    MIN_ASYMMETRY,
    crop_band_power,
    evidence_weights,
    localise,
    without_asymmetry,
)
from elm_desktop.clinical.zeroshot import FindingScore
from elm_desktop.signals.montages import ELM_CHANNELS

SFREQ = 100.0
CROP_S = 5.0
N_CROPS = 40
LEFT_TEMPORAL = ("F7-T3", "T3-T5")
RIGHT_TEMPORAL = ("F8-T4", "T4-T6")


def crops_with_slowing(where: dict[tuple[str, ...], range], seed: int = 0) -> np.ndarray:
    """[N_CROPS, 20, samples] of background noise, with a 2 Hz wave five times the noise's
    amplitude on each group of derivations during its range of crops."""
    rng = np.random.default_rng(seed)
    samples = int(CROP_S * SFREQ)
    crops = rng.standard_normal((N_CROPS, len(ELM_CHANNELS), samples)).astype(np.float32)
    t = np.arange(samples) / SFREQ
    for channels, crop_range in where.items():
        for name in channels:
            crops[crop_range, ELM_CHANNELS.index(name)] += 5.0 * np.sin(2 * np.pi * 2.0 * t)
    return crops


def slowing_score(curve: np.ndarray) -> FindingScore:
    return FindingScore(
        "focal_slowing", "Focal slowing", float(np.mean(curve)), 0.5, True, True, curve
    )


def curve_high_in(crop_range: range, high: float = 0.8, low: float = 0.4) -> np.ndarray:
    curve = np.full(N_CROPS, low, np.float32)
    curve[crop_range] = high
    return curve


def test_focal_slowing_is_named_on_its_side_and_region():
    slowing = range(10, 22)
    crops = crops_with_slowing({LEFT_TEMPORAL: slowing})
    location = localise(
        slowing_score(curve_high_in(slowing)), crop_band_power(crops, SFREQ), ELM_CHANNELS
    )
    assert (location.side, location.region) == ("left", "temporal")
    assert location.asymmetry >= MIN_ASYMMETRY


def test_symmetric_slowing_names_no_side():
    slowing = range(10, 22)
    crops = crops_with_slowing({LEFT_TEMPORAL: slowing, RIGHT_TEMPORAL: slowing})
    location = localise(
        slowing_score(curve_high_in(slowing)), crop_band_power(crops, SFREQ), ELM_CHANNELS
    )
    assert location.side == "" and location.region == ""
    assert abs(location.asymmetry) < MIN_ASYMMETRY
    assert location.words() == ""


def test_side_comes_from_every_crop_where_the_finding_is_evident_not_the_few_highest():
    """Left slowing evident in twelve crops outweighs three crops of right-sided slow waves that
    the curve ranks a little higher: the few highest crops alone once named the wrong side."""
    slowing, stray = range(10, 22), range(30, 33)
    crops = crops_with_slowing({LEFT_TEMPORAL: slowing, RIGHT_TEMPORAL: stray})
    curve = curve_high_in(slowing)
    curve[stray] = 0.9
    location = localise(slowing_score(curve), crop_band_power(crops, SFREQ), ELM_CHANNELS)
    assert location.side == "left"


def test_evidence_weights_favour_crops_above_the_recordings_median():
    weights = evidence_weights(np.array([0.2, 0.3, 0.3, 0.5, 0.9]))
    assert weights.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(weights, [0, 0, 0, 0.2 / 0.8, 0.6 / 0.8])
    np.testing.assert_allclose(evidence_weights(np.full(4, 0.7)), np.full(4, 0.25))


def test_a_finding_without_a_side_is_not_localised():
    crops = crops_with_slowing({})
    score = FindingScore(
        "generalized_slowing", "Generalized slowing", 0.9, 0.5, True, True, np.ones(N_CROPS)
    )
    assert localise(score, crop_band_power(crops, SFREQ), ELM_CHANNELS) is None


def attenuation_score(curve: np.ndarray, present: bool = True) -> FindingScore:
    return FindingScore(
        "focal_attenuation", "Focal attenuation", float(np.mean(curve)), 0.5, present, True, curve
    )


def test_attenuation_the_derivations_do_not_show_is_held_and_one_they_show_is_not():
    """Focal attenuation is an asymmetry: called present over symmetric derivations, it is held
    with the measured difference; over a quieter right temporal chain, in its fast bands or in
    every band, it stands."""
    rng = np.random.default_rng(3)
    samples = int(CROP_S * SFREQ)
    t = np.arange(samples) / SFREQ
    crops = rng.standard_normal((N_CROPS, len(ELM_CHANNELS), samples)).astype(np.float32)
    crops += 3.0 * np.sin(2 * np.pi * 10.0 * t)  # alpha everywhere
    score = attenuation_score(curve_high_in(range(N_CROPS)))
    (why,) = without_asymmetry([score], crop_band_power(crops, SFREQ), ELM_CHANNELS).values()
    assert "no asymmetry measured" in why and f"a side from {MIN_ASYMMETRY}" in why
    quieter = crops.copy()
    for name in RIGHT_TEMPORAL:
        quieter[:, ELM_CHANNELS.index(name)] *= 0.4
    power = crop_band_power(quieter, SFREQ)
    assert localise(score, power, ELM_CHANNELS).side == "right"
    assert without_asymmetry([score], power, ELM_CHANNELS) == {}
    # Its fast bands equal, every band together lower on the right (slow waves on the left).
    slow_left = crops.copy()
    for name in LEFT_TEMPORAL:
        slow_left[:, ELM_CHANNELS.index(name)] += 6.0 * np.sin(2 * np.pi * 2.0 * t)
    power = crop_band_power(slow_left, SFREQ)
    assert localise(score, power, ELM_CHANNELS, ("alpha", "beta")).side == ""
    every = localise(score, power, ELM_CHANNELS, ("delta", "theta", "alpha", "beta"))
    assert every.side == "right"
    assert without_asymmetry([score], power, ELM_CHANNELS) == {}
    # Stated for every band's side, the draft names that side (a trial read "not determined").
    assert localise(score, power, ELM_CHANNELS) == every
    # Its fast bands lower on the right, every band together level (slow waves there too).
    fast_only = quieter.copy()
    for name in RIGHT_TEMPORAL:
        fast_only[:, ELM_CHANNELS.index(name)] += 4.0 * np.sin(2 * np.pi * 2.0 * t)
    power = crop_band_power(fast_only, SFREQ)
    assert localise(score, power, ELM_CHANNELS).side == "right"
    assert not localise(score, power, ELM_CHANNELS, ("delta", "theta", "alpha", "beta")).side
    assert without_asymmetry([score], power, ELM_CHANNELS) == {}
    # Under its threshold, or a finding that is not an asymmetry, nothing is held here.
    symmetric = crop_band_power(crops, SFREQ)
    below = attenuation_score(score.crop_probability, present=False)
    assert without_asymmetry([below], symmetric, ELM_CHANNELS) == {}
    spikes = FindingScore(
        "focal_epileptiform", "Focal spikes", 0.9, 0.5, True, True, score.crop_probability
    )
    assert without_asymmetry([spikes], symmetric, ELM_CHANNELS) == {}


def test_slowing_the_derivations_do_not_show_is_held_and_one_they_show_is_not():
    """Focal slowing is an asymmetry too: called present over symmetric slow waves it is held;
    over slow waves on the left temporal chain alone it stands, on the left."""
    curve = curve_high_in(range(10, 30))
    both_sides = crops_with_slowing({LEFT_TEMPORAL + RIGHT_TEMPORAL: range(10, 30)})
    (why,) = without_asymmetry(
        [slowing_score(curve)], crop_band_power(both_sides, SFREQ), ELM_CHANNELS
    ).values()
    assert "no asymmetry measured" in why
    left_only = crop_band_power(crops_with_slowing({LEFT_TEMPORAL: range(10, 30)}), SFREQ)
    assert localise(slowing_score(curve), left_only, ELM_CHANNELS).side == "left"
    assert without_asymmetry([slowing_score(curve)], left_only, ELM_CHANNELS) == {}
