"""On-the-fly augmentation: each ingredient does what it says, on a real cache of real EDF files."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.errors import ConfigError
from elm_desktop.signals.preprocess import ELM_CLIP
from elm_desktop.training.augment import augment_batch, normal_crop_pool
from elm_desktop.training.config import AugmentConfig, training_config_from_dict
from elm_desktop.training.data import Batch


def _batch(cache, recordings=(0, 1, 2, 3)):
    ids = np.concatenate([np.asarray(cache.crop_range(r))[:6] for r in recordings])
    bags = np.repeat(
        np.arange(len(recordings)), [min(6, len(cache.crop_range(r))) for r in recordings]
    )
    batch = Batch(
        np.asarray(cache.crops[ids]),
        bags,
        np.zeros((1, 4), np.float32),
        np.zeros(1, np.int64),
        np.asarray(recordings, np.int64),
    )
    return batch, ids


def _run(cache, config, seed=0):
    batch, ids = _batch(cache)
    pool = normal_crop_pool(cache, np.arange(len(cache)))
    out = augment_batch(batch, ids, cache, config, pool, np.random.default_rng(seed))
    return batch.crops.astype(np.float32), out.crops.astype(np.float32), batch


def test_off_by_default_returns_the_batch_unchanged(tiny_cache):
    cache, _ = tiny_cache
    before, after, _ = _run(cache, AugmentConfig())
    np.testing.assert_array_equal(before, after)


def test_amplitude_scale_stays_within_its_factor_per_recording(tiny_cache):
    cache, _ = tiny_cache
    before, after, batch = _run(cache, AugmentConfig(amplitude_scale=2.0))
    for bag in range(len(batch.recordings)):
        rows = batch.crop_bags == bag
        ratio = after[rows].std() / before[rows].std()
        assert 0.49 <= ratio <= 2.01
        # One factor for the whole recording: every channel moves by the same ratio.
        per_channel = after[rows].std(axis=(0, 2)) / before[rows].std(axis=(0, 2))
        np.testing.assert_allclose(per_channel, ratio, rtol=0.02)


def test_channel_gain_differs_between_channels(tiny_cache):
    cache, _ = tiny_cache
    before, after, _ = _run(cache, AugmentConfig(channel_gain=1.4))
    ratio = after.std(axis=(0, 2)) / before.std(axis=(0, 2))
    assert ratio.min() >= 1 / 1.41 and ratio.max() <= 1.41
    assert ratio.max() / ratio.min() > 1.05


def test_spectral_tilt_moves_power_between_slow_and_fast_bands(tiny_cache):
    cache, _ = tiny_cache
    before, after, batch = _run(cache, AugmentConfig(spectral_tilt=0.8), seed=3)
    freqs = np.fft.rfftfreq(before.shape[-1], 1 / 100)

    def fast_over_slow(x):
        power = np.abs(np.fft.rfft(x, axis=-1)) ** 2
        return power[..., freqs > 15].sum() / power[..., (freqs > 1) & (freqs < 4)].sum()

    changes = [
        fast_over_slow(after[batch.crop_bags == b]) / fast_over_slow(before[batch.crop_bags == b])
        for b in range(len(batch.recordings))
    ]
    assert max(abs(np.log(c)) for c in changes) > 0.3


def test_channel_dropout_flattens_whole_derivations(tiny_cache):
    cache, _ = tiny_cache
    _, after, batch = _run(cache, AugmentConfig(channel_dropout=0.5), seed=1)
    flat = after.std(axis=-1) == 0  # [crops, channels]
    assert flat.any()
    for bag in range(len(batch.recordings)):
        rows = flat[batch.crop_bags == bag]
        # Flat for the whole recording: a disconnected electrode stays disconnected.
        assert (rows == rows[0]).all()


def test_jitter_and_time_warp_read_the_following_crop(tiny_cache):
    cache, _ = tiny_cache
    before, after, _ = _run(cache, AugmentConfig(crop_jitter=True, time_warp=0.1), seed=2)
    assert after.shape == before.shape
    assert not np.allclose(after, before)
    # Shifted and warped, the signal keeps its size (no zero padding read into the window).
    np.testing.assert_allclose(after.std(axis=-1).mean(), before.std(axis=-1).mean(), rtol=0.3)


def test_all_ingredients_give_finite_clipped_deterministic_crops(tiny_cache):
    cache, _ = tiny_cache
    config = AugmentConfig(
        amplitude_scale=2.0,
        channel_gain=1.4,
        spectral_tilt=0.5,
        time_warp=0.1,
        crop_jitter=True,
        background_mix=0.3,
        channel_dropout=0.05,
    )
    _, first, _ = _run(cache, config, seed=5)
    _, again, _ = _run(cache, config, seed=5)
    _, other, _ = _run(cache, config, seed=6)
    assert np.isfinite(first).all() and np.abs(first).max() <= ELM_CLIP
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_background_mix_draws_from_normal_recordings_only(tiny_cache):
    cache, _ = tiny_cache
    pool = normal_crop_pool(cache, np.arange(len(cache)))
    owners = {int(np.searchsorted(cache.offsets, c, side="right") - 1) for c in pool}
    assert owners and all(not cache.recordings[r]["abnormal"] for r in owners)


@pytest.mark.parametrize(
    "values",
    [{"amplitude_scale": 0.5}, {"time_warp": 0.5}, {"channel_dropout": -0.1}, {"nonsense": 1}],
)
def test_bad_augment_settings_are_refused_in_one_line(values):
    with pytest.raises(ConfigError) as error:
        training_config_from_dict({"augment": values})
    assert "augment" in str(error.value) and "\n" not in str(error.value)


def test_a_misspelt_recording_condition_is_refused_before_any_corpus_exists():
    with pytest.raises(ConfigError, match="data.generate_conditions: unknown") as error:
        training_config_from_dict({"data": {"generate_conditions": "ampltude"}})
    assert "amplitude" in str(error.value)  # the names available are listed
