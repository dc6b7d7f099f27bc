"""On-the-fly augmentation of training crops, for a model that reads EEG rather than its generator.

A model trained on one generator learns that generator's absolute amplitude, spectral slope
and rhythm tempo as cues (``docs/model_card.md``). Each ingredient below takes one such cue
away by varying it within limits that real recordings span, so that only what a report names
stays informative. They act on the cached model input (20 TCP derivations at 100 Hz, units of
10 uV) of one batch, per recording (one draw per bag) unless said otherwise:

- ``crop_jitter``: the 5 s window starts anywhere up to one window later (read from the next
  crop of the same recording), so findings are not tied to the cache's crop grid.
- ``time_warp`` (largest relative change, e.g. 0.1): rhythms play 1 +- w times as fast, the
  physiological spread of a posterior rhythm (8-13 Hz) around its mean.
- ``spectral_tilt`` (largest exponent, e.g. 0.5): the spectrum is multiplied by
  ``(f / 10 Hz) ** b``, b uniform in +-tilt: more or less beta against delta, as electrodes,
  amplifiers, age and drugs shift it.
- ``amplitude_scale`` (largest factor, e.g. 2): the whole recording times a log-uniform factor in
  [1/s, s]; ``channel_gain`` (e.g. 1.4): each derivation times its own factor in [1/g, g],
  as electrode impedance and head geometry vary.
- ``background_mix`` (largest fraction, e.g. 0.3): a crop of a recording labelled normal is
  added at a fraction up to this of the crop's amplitude; the findings stay the report's.
- ``channel_dropout`` (probability per derivation, e.g. 0.05): a derivation is flat for the
  whole bag, as a disconnected electrode leaves it.

The result is clipped to the pipeline's +-80, as preprocessing clips real input.
"""

from __future__ import annotations

import numpy as np

from elm_desktop.signals.preprocess import ELM_CLIP
from elm_desktop.training.config import AugmentConfig
from elm_desktop.training.data import Batch, CropCache

#: Pivot of the spectral tilt: the alpha band keeps its power.
TILT_PIVOT_HZ = 10.0


def normal_crop_pool(cache: CropCache, recordings: np.ndarray) -> np.ndarray:
    """Crop indices of the recordings among ``recordings`` whose report calls them normal."""
    normal = [int(r) for r in recordings if not cache.recordings[int(r)]["abnormal"]]
    if not normal:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.asarray(cache.crop_range(r)) for r in normal]).astype(np.int64)


def _sources(
    cache: CropCache, batch: Batch, crop_ids: np.ndarray, config: AugmentConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Each crop, followed by the next crop of its recording when that one follows on in time.

    Returns float32 [n, channels, 2T] and the number of valid samples of each row (T or 2T).
    """
    crops = np.asarray(cache.crops[crop_ids], dtype=np.float32)
    n, channels, samples = crops.shape
    source = np.zeros((n, channels, 2 * samples), dtype=np.float32)
    source[:, :, :samples] = crops
    valid = np.full(n, samples)
    if not (config.crop_jitter or config.time_warp > 0):
        return source, valid
    owner = batch.recordings[batch.crop_bags]
    following = crop_ids + 1
    ends = cache.offsets[owner + 1]
    has_next = following < ends
    has_next[has_next] &= np.isclose(
        cache.starts_s[following[has_next]] - cache.starts_s[crop_ids[has_next]], cache.window_s
    )
    if has_next.any():
        source[has_next, :, samples:] = cache.crops[following[has_next]]
        valid[has_next] = 2 * samples
    return source, valid


def _window(
    source: np.ndarray,
    valid: np.ndarray,
    samples: int,
    rate: np.ndarray,
    jitter: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """Read ``samples`` output samples from each source row, ``rate`` source samples apart."""
    # A row without a following crop can only play slower or at its own speed from its start.
    rate = np.where(valid > samples, rate, np.minimum(rate, 1.0))
    span = (samples - 1) * rate
    room = np.maximum(valid - 1 - span, 0.0)
    offset = rng.uniform(0.0, 1.0, len(rate)) * room if jitter else np.zeros(len(rate))
    position = offset[:, None] + np.arange(samples)[None, :] * rate[:, None]
    low = np.clip(np.floor(position).astype(np.int64), 0, source.shape[-1] - 2)
    fraction = (position - low)[:, None, :].astype(np.float32)
    rows = np.arange(len(rate))[:, None, None]
    channels = np.arange(source.shape[1])[None, :, None]
    before = source[rows, channels, low[:, None, :]]
    after = source[rows, channels, low[:, None, :] + 1]
    return before + fraction * (after - before)


def _tilt(x: np.ndarray, exponent: np.ndarray, sfreq: float) -> np.ndarray:
    """Multiply each row's spectrum by ``(f / pivot) ** exponent`` (DC and below 0.5 Hz kept)."""
    spectrum = np.fft.rfft(x, axis=-1)
    freqs = np.fft.rfftfreq(x.shape[-1], 1.0 / sfreq)
    relative = np.maximum(freqs, 0.5) / TILT_PIVOT_HZ
    gain = relative[None, :] ** exponent[:, None]
    return np.fft.irfft(spectrum * gain[:, None, :], n=x.shape[-1], axis=-1).astype(np.float32)


def augment_batch(
    batch: Batch,
    crop_ids: np.ndarray,
    cache: CropCache,
    config: AugmentConfig,
    normal_pool: np.ndarray,
    rng: np.random.Generator,
) -> Batch:
    """Return ``batch`` with its crops augmented as ``config`` says.

    Parameters
    ----------
    batch : Batch
        As :func:`~elm_desktop.training.data.load_batch` read it.
    crop_ids : numpy.ndarray
        The cache index of each of ``batch.crops``.
    cache : CropCache
        The cache the batch came from (for the following crops and normal backgrounds).
    config : AugmentConfig
        Which ingredients, how strong.
    normal_pool : numpy.ndarray
        Crop indices that ``background_mix`` draws from (:func:`normal_crop_pool`).
    rng : numpy.random.Generator
        The step's generator, so that a resumed run draws the same.
    """
    if not config.active:
        return batch
    n_bags = len(batch.recordings)
    bags = batch.crop_bags
    samples = batch.crops.shape[-1]
    sfreq = samples / cache.window_s
    source, valid = _sources(cache, batch, crop_ids, config)
    rate = 1.0 + rng.uniform(-config.time_warp, config.time_warp, n_bags)[bags]
    x = _window(source, valid, samples, rate, config.crop_jitter, rng)
    if config.spectral_tilt > 0:
        exponent = rng.uniform(-config.spectral_tilt, config.spectral_tilt, n_bags)[bags]
        x = _tilt(x, exponent, sfreq)
    channels = x.shape[1]
    log_scale = np.log(config.amplitude_scale)
    log_gain = np.log(config.channel_gain)
    scale = np.exp(rng.uniform(-log_scale, log_scale, n_bags))[:, None]
    scale = scale * np.exp(rng.uniform(-log_gain, log_gain, (n_bags, channels)))
    x *= scale[bags][:, :, None].astype(np.float32)
    if config.background_mix > 0 and len(normal_pool):
        fraction = rng.uniform(0.0, config.background_mix, n_bags)[bags]
        background = np.asarray(
            cache.crops[np.sort(rng.choice(normal_pool, len(x)))], dtype=np.float32
        )
        # The sort keeps memory-map reads in order; which crop goes where is still random.
        background = background[rng.permutation(len(x))]
        ratio = x.std(axis=(1, 2)) / np.maximum(background.std(axis=(1, 2)), 1e-6)
        x += (fraction * ratio)[:, None, None].astype(np.float32) * background
    if config.channel_dropout > 0:
        flat = rng.random((n_bags, channels)) < config.channel_dropout
        x[flat[bags]] = 0.0
    np.clip(x, -ELM_CLIP, ELM_CLIP, out=x)
    return Batch(
        crops=x.astype(np.float16),
        crop_bags=batch.crop_bags,
        text=batch.text,
        text_bags=batch.text_bags,
        recordings=batch.recordings,
    )
