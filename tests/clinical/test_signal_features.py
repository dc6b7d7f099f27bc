"""Quantitative EEG features of a recording and the record score's signal model."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.metrics import auroc
from elm_desktop.clinical.record_score import fit_reference
from elm_desktop.clinical.signal_features import (
    FEATURE_NAMES,
    crops_features,
    fit_signal_model,
    out_of_fold_probabilities,
    without_suppression,
)
from elm_desktop.clinical.zeroshot import FindingScore
from elm_desktop.errors import ConfigError
from elm_desktop.signals import ELM_CHANNELS, ELM_SFREQ
from tests.clinical.test_posterior_rhythm import SAMPLES, _crops

BASE = load_knowledge_base(user_path=os.devnull)


def feature(crops: np.ndarray, name: str) -> float:
    return float(crops_features(crops, ELM_SFREQ, 5.0)[FEATURE_NAMES.index(name)])


def with_delta(crops: np.ndarray, channels: list[str], amplitude: float = 3.0) -> np.ndarray:
    t = np.arange(SAMPLES) / ELM_SFREQ
    out = crops.copy()
    rows = [ELM_CHANNELS.index(c) for c in channels]
    out[:, rows] += amplitude * np.sin(2 * np.pi * 2.0 * t)
    return out


def test_no_feature_depends_on_the_recordings_amplitude():
    crops = with_delta(_crops(10.0), ["F7-T3", "T3-T5"])
    np.testing.assert_allclose(
        crops_features(crops * 7.0, ELM_SFREQ, 5.0),
        crops_features(crops, ELM_SFREQ, 5.0),
        rtol=1e-3,
        atol=1e-3,
    )


def test_slowing_raises_delta_and_one_sided_slowing_the_asymmetry():
    normal = _crops(10.0)
    generalized = with_delta(normal, list(ELM_CHANNELS))
    left = with_delta(normal, ["Fp1-F7", "F7-T3", "T3-T5", "T5-O1"])
    assert feature(generalized, "relative delta") > feature(normal, "relative delta") + 0.2
    assert feature(left, "slow asymmetry, largest") > feature(normal, "slow asymmetry, largest") + 1
    assert feature(generalized, "slow asymmetry, largest") < 0.5
    assert feature(normal, "posterior rhythm Hz") == pytest.approx(10.0, abs=0.3)


def test_suppressed_stretches_are_counted():
    crops = _crops(10.0, n=12)
    crops[::2] *= 0.05  # every other 5 s crop suppressed: half the record
    assert feature(crops, "suppressed fraction") == pytest.approx(0.5, abs=0.05)
    assert feature(_crops(10.0, n=12), "suppressed fraction") < 0.05


def test_burst_suppression_needs_half_the_record_suppressed():
    """Called present on a continuous record it is held with the share measured; on one
    suppressed two crops in three it stands; under its threshold nothing is held."""
    zeros = np.zeros(12, np.float32)

    def burst_suppression(present: bool) -> FindingScore:
        f = BASE["burst_suppression"]
        return FindingScore(f.id, f.label, 0.97, f.threshold, present, True, zeros)

    continuous = crops_features(_crops(10.0, n=12), ELM_SFREQ, 5.0)
    (why,) = without_suppression([burst_suppression(True)], continuous).values()
    assert why.startswith("low-amplitude stretches 0% of the recording") and "at least 50%" in why
    crops = _crops(10.0, n=12)
    crops[np.arange(12) % 3 != 0] *= 0.05
    suppressed = crops_features(crops, ELM_SFREQ, 5.0)
    assert without_suppression([burst_suppression(True)], suppressed) == {}
    assert without_suppression([burst_suppression(False)], continuous) == {}
    assert without_suppression([burst_suppression(True)], None) == {}


def test_spikes_in_one_derivation_are_counted_per_minute():
    crops = _crops(10.0, n=12)  # one minute
    quiet = feature(crops, "transients/min, most")
    spiky = crops.copy()
    row = ELM_CHANNELS.index("F7-T3")
    for crop in range(12):
        for at in (100, 300):  # two spikes of 40 ms in each 5 s crop: 24 a minute
            spiky[crop, row, at : at + 4] += np.array([0.0, 15.0, -6.0, 0.0], np.float32)
    assert quiet < 3
    assert feature(spiky, "transients/min, most") == pytest.approx(24, abs=3)
    assert feature(spiky, "transients/min, median") < 3  # the others have none


def test_the_signal_model_separates_what_its_features_separate():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((200, len(FEATURE_NAMES)))
    abnormal = features[:, 0] + 0.3 * rng.standard_normal(200) > 0
    model = fit_signal_model(features, abnormal)
    assert model.coef[0] > 0 and abs(model.coef[0]) == max(abs(model.coef))
    held_out = out_of_fold_probabilities(features, abnormal)
    assert auroc(abnormal, held_out) > 0.9
    with pytest.raises(ValueError, match="normal and abnormal"):
        fit_signal_model(features, np.zeros(200, bool))


def signal_reference():
    rng = np.random.default_rng(1)
    features = rng.standard_normal((5, len(FEATURE_NAMES)))
    abnormal = np.array([False, False, False, True, True])
    signal = (fit_signal_model(features, abnormal), out_of_fold_probabilities(features, abnormal))
    probabilities = {
        "normal": [0.9, 0.8, 0.7, 0.2, 0.1],
        "seizure": [0.1, 0.2, 0.3, 0.9, 0.4],
        "focal_slowing": [0.2, 0.1, 0.1, 0.3, 0.8],
    }
    return replace(fit_reference(probabilities, BASE, "plain", signal), threshold=0.4), features


def test_the_record_score_averages_three_places_and_needs_the_features(tmp_path):
    ref, features = signal_reference()
    scores = {"normal": 0.95, "seizure": 0.05, "focal_slowing": 0.05}
    measured = ref.signal.probability(features[0])
    expected_place = float(np.mean(ref.measured < measured) + np.mean(ref.measured <= measured)) / 2
    assert ref.normal_probability(scores, features[0]) == pytest.approx(
        1.0 - (0.0 + 0.0 + expected_place) / 3
    )
    with pytest.raises(ValueError, match="signal features"):
        ref.normal_probability(scores)
    # The parts the panel, JSON and HTML show: each place by name, the score their mean's rest.
    places = ref.places(scores, features[0])
    assert list(places) == ["normal prompt", "strongest abnormal finding", "signal features"]
    assert places["signal features"] == pytest.approx(expected_place)
    assert ref.normal_probability(scores, features[0]) == pytest.approx(
        1.0 - np.mean(list(places.values()))
    )

    path = tmp_path / "phenotypes.toml"
    path.write_text(f'prompt_style = "plain"\n\n{ref.toml()}\n', encoding="utf-8")
    loaded = load_knowledge_base(user_path=os.devnull, model_path=path).record_references["plain"]
    assert loaded.normal_probability(scores, features[0]) == pytest.approx(
        ref.normal_probability(scores, features[0]), abs=1e-6
    )
    # A file fitted on features this program does not measure is refused, with what to do.
    path.write_text(
        path.read_text(encoding="utf-8").replace('"relative delta"', '"delta power"'),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="calibrate the model again"):
        load_knowledge_base(user_path=os.devnull, model_path=path)


def test_a_flat_recording_is_suppressed_throughout_and_gives_numbers():
    features = crops_features(np.zeros((6, len(ELM_CHANNELS), SAMPLES), np.float32), ELM_SFREQ, 5)
    assert np.all(np.isfinite(features))
    assert features[FEATURE_NAMES.index("suppressed fraction")] == 1.0


def test_one_flat_derivation_and_a_minute_of_artifact_do_not_decide_the_features():
    crops = _crops(10.0, n=24)
    reference = crops_features(crops, ELM_SFREQ, 5.0)
    broken = crops.copy()
    broken[:, ELM_CHANNELS.index("T3-T5")] = 0.0  # a bridged pair of electrodes
    np.testing.assert_allclose(crops_features(broken, ELM_SFREQ, 5.0), reference, atol=0.1)
    moving = with_delta(crops[:3], list(ELM_CHANNELS), amplitude=40.0)  # 15 s of movement
    artifact = np.concatenate([moving, crops[3:]])
    delta = FEATURE_NAMES.index("relative delta")
    assert abs(crops_features(artifact, ELM_SFREQ, 5.0)[delta] - reference[delta]) < 0.05


def test_a_feature_far_outside_the_calibration_range_moves_the_probability_no_further():
    rng = np.random.default_rng(2)
    features = rng.standard_normal((100, len(FEATURE_NAMES)))
    model = fit_signal_model(features, features[:, 0] > 0)
    at_edge, beyond = np.zeros(len(FEATURE_NAMES)), np.zeros(len(FEATURE_NAMES))
    at_edge[0] = model.mean[0] + 5 * model.scale[0]
    beyond[0] = model.mean[0] + 500 * model.scale[0]
    assert model.probability(beyond) == model.probability(at_edge)
