"""Sharp transients: a spike finding's segments at the crops holding the sharpest transient."""

import numpy as np
import pytest

from elm_desktop.clinical.sharp_transients import (
    GENERALIZED_DERIVATIONS,
    crop_sharpness,
    crop_transient_parts,
    generalized_transients,
    sharpest_segments,
    unsupported_absences,
)
from elm_desktop.clinical.zeroshot import FindingScore, Segment

SFREQ = 100.0


def _background(n_crops: int, seed: int = 0) -> np.ndarray:
    """[n_crops, 20, 500] of noise and a 10 Hz rhythm, about 3 units (30 uV)."""
    rng = np.random.default_rng(seed)
    t = np.arange(500) / SFREQ
    crops = rng.normal(0.0, 1.0, (n_crops, 20, 500)) + 2.0 * np.sin(2 * np.pi * 10 * t)
    return crops.astype(np.float32)


def _spike(amplitude: float, width_s: float = 0.03) -> np.ndarray:
    t = np.arange(500) / SFREQ
    return -amplitude * np.exp(-0.5 * ((t - 2.5) / width_s) ** 2)


def test_the_crop_with_a_spike_is_the_sharpest():
    crops = _background(12)
    crops[7, 5] += _spike(20.0)
    sharpness = crop_sharpness(crop_transient_parts(crops, SFREQ))
    assert sharpness.shape == (12,)
    assert int(np.argmax(sharpness)) == 7
    assert sharpness[7] > 2 * np.median(sharpness)


def test_a_slow_wave_as_large_is_not_sharp():
    """The running median takes slower waves away: a 1 Hz wave of a spike's height adds
    nothing; the spike does."""
    crops = _background(12)
    t = np.arange(500) / SFREQ
    crops[3, 5] += 20.0 * np.sin(2 * np.pi * 1.0 * t)
    crops[7, 5] += _spike(20.0)
    sharpness = crop_sharpness(crop_transient_parts(crops, SFREQ))
    assert sharpness[3] < 1.5 * np.median(sharpness)
    assert sharpness[7] > 2 * sharpness[3]


def test_a_flat_derivation_and_no_crops_give_finite_values():
    crops = _background(6)
    crops[:, 2] = 0.0
    sharpness = crop_sharpness(crop_transient_parts(crops, SFREQ))
    assert np.all(np.isfinite(sharpness))
    empty = crop_transient_parts(np.zeros((0, 20, 500), np.float32), SFREQ)
    assert crop_sharpness(empty).shape == (0,)


def _score(finding_id: str, curve: np.ndarray) -> FindingScore:
    return FindingScore(
        finding_id=finding_id,
        label=finding_id,
        probability=0.7,
        threshold=0.5,
        present=True,
        abnormal=True,
        crop_probability=np.asarray(curve, np.float32),
    )


@pytest.mark.parametrize("finding_id", ["focal_epileptiform", "generalized_spike_wave"])
def test_a_spike_findings_segments_go_to_the_sharp_crop_the_curve_reads(finding_id):
    curve = np.full(10, 0.5)
    curve[2] = 0.6  # reads most like the finding, but holds nothing sharp
    sharpness = np.full(10, 3.0)
    sharpness[6] = 9.0
    starts = np.arange(10) * 5.0
    score = sharpest_segments(_score(finding_id, curve), sharpness, starts, 5.0)
    first = score.top_segments[0]
    assert (first.crop, first.start_s, first.end_s) == (6, 30.0, 35.0)
    assert first.score == pytest.approx(0.5)  # the curve's own value, not the product
    # A crop the model reads as unlike the finding is not lifted by sharpness alone.
    curve[6] = 0.05
    score = sharpest_segments(_score(finding_id, curve), sharpness, starts, 5.0)
    assert score.top_segments[0].crop == 2
    assert score.probability == 0.7 and score.present


def test_other_findings_and_mismatched_lengths_are_left_as_they_are():
    curve = np.linspace(0.1, 0.9, 8)
    starts = np.arange(8) * 5.0
    slowing = _score("focal_slowing", curve)
    assert sharpest_segments(slowing, np.ones(8), starts, 5.0) is slowing
    spikes = _score("focal_epileptiform", curve)
    assert sharpest_segments(spikes, np.ones(5), starts, 5.0) is spikes


def _parts_with_a_discharge(n_derivations: int) -> np.ndarray:
    crops = _background(12)
    for derivation in range(n_derivations):
        crops[4, derivation] += _spike(30.0)
    return crop_transient_parts(crops, SFREQ)


def test_a_discharge_in_half_the_derivations_is_generalized():
    assert generalized_transients(_parts_with_a_discharge(12))[4] >= GENERALIZED_DERIVATIONS
    focal = generalized_transients(_parts_with_a_discharge(3))
    assert focal[4] == 3 and focal.max() < GENERALIZED_DERIVATIONS


def _spike_wave(probability: float, crop: int) -> FindingScore:
    score = _score("generalized_spike_wave", np.full(12, probability))
    score.present = probability >= score.threshold
    score.top_segments = [Segment(crop * 5.0, crop * 5.0 + 5.0, probability, crop)]
    return score


def test_generalized_sharp_transients_leave_spike_and_wave_unruled_out():
    generalized = generalized_transients(_parts_with_a_discharge(12))
    held = unsupported_absences([_spike_wave(0.3, 4)], generalized)
    assert "sharp transients in" in held["generalized_spike_wave"]
    # Elsewhere in the recording, focal, or called present: its score speaks.
    assert unsupported_absences([_spike_wave(0.3, 7)], generalized) == {}
    assert (
        unsupported_absences(
            [_spike_wave(0.3, 4)], generalized_transients(_parts_with_a_discharge(3))
        )
        == {}
    )
    assert unsupported_absences([_spike_wave(0.9, 4)], generalized) == {}
