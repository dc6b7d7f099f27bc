"""The ONNX Runtime engine: encoding, pooling, text embedding, provider choice."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.errors import BundleError, CancelledError, ConfigError
from elm_desktop.progress import CancelToken
from elm_desktop.runtime import Engine, attention_weights, recording_embedding
from elm_desktop.runtime.providers import CPU, choose_provider, probe_cuda


@pytest.fixture(scope="module")
def engine(elm_bundle):
    return Engine(elm_bundle, device="cpu")


@pytest.fixture(scope="module")
def crops():
    rng = np.random.default_rng(3)
    return (2.0 * rng.standard_normal((11, 20, 500))).astype(np.float32)


def test_encode_gives_unit_embeddings_and_logits(engine, crops):
    out = engine.encode(crops)
    assert out.embeddings.shape == (11, 256) and out.embeddings.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out.embeddings, axis=1), 1.0, atol=1e-5)
    assert out.attention_logits.shape == (11,)
    assert np.ptp(out.attention_logits) > 0  # a gated head scores crops differently
    np.testing.assert_allclose(out.attention_weights.sum(), 1.0)
    assert out.recording_embedding.shape == (256,)


def test_batching_does_not_change_results(elm_bundle, engine, crops):
    small_batches = Engine(elm_bundle, device="cpu", batch_size=3).encode(crops)
    whole = engine.encode(crops)
    np.testing.assert_allclose(small_batches.embeddings, whole.embeddings, atol=1e-5)
    np.testing.assert_allclose(small_batches.attention_logits, whole.attention_logits, atol=1e-5)


def test_streamed_pooling_equals_whole_recording(engine, crops):
    # Logits from separate chunks pooled afterwards give the same recording embedding.
    parts = [engine.encode(crops[:4]), engine.encode(crops[4:])]
    logits = np.concatenate([p.attention_logits for p in parts])
    embeddings = np.concatenate([p.embeddings for p in parts])
    pooled = recording_embedding(embeddings, attention_weights(logits))
    np.testing.assert_allclose(pooled, engine.encode(crops).recording_embedding, atol=1e-5)


def test_pooling_matches_the_definition():
    embeddings = np.array([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0]])
    logits = np.array([0.0, np.log(2.0), 0.0])
    weights = attention_weights(logits)
    np.testing.assert_allclose(weights, [0.25, 0.5, 0.25])
    summed = 0.25 * np.array([0.6, 0.8]) + 0.5 * np.array([0.0, 1.0]) + 0.25 * np.array([1, 0])
    np.testing.assert_allclose(
        recording_embedding(embeddings, weights), summed / np.linalg.norm(summed), rtol=1e-6
    )


def test_progress_and_cancel(elm_bundle, crops):
    engine = Engine(elm_bundle, device="cpu", batch_size=4)
    calls = []
    engine.encode(crops, progress=lambda done, total, message: calls.append((done, total)))
    assert calls == [(4, 11), (8, 11), (11, 11)]
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        engine.encode(crops, cancel=token)


def test_wrong_crop_shape_is_refused(engine):
    with pytest.raises(BundleError, match=r"\[n, 20, 500\]"):
        engine.encode(np.zeros((2, 20, 6000), dtype=np.float32))


def test_embed_text_is_normalised_and_cached(engine):
    prompts = ["left temporal spikes", "generalized slowing", "left temporal spikes"]
    vectors = engine.embed_text(prompts)
    assert vectors.shape == (3, 256)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])
    # Cached prompts are not recomputed: the cache holds exactly the distinct prompts.
    assert set(engine._text_cache) >= {"left temporal spikes", "generalized slowing"}
    again = engine.embed_text(["generalized slowing"])
    np.testing.assert_array_equal(again[0], vectors[1])
    assert engine.embed_text([]).shape == (0, 256)


def test_embedding_does_not_depend_on_batch_padding(engine):
    # A prompt alone and padded in a batch with a longer one embed the same.
    alone = Engine(engine.bundle, device="cpu").embed_text(["spikes"])
    padded = Engine(engine.bundle, device="cpu").embed_text(
        ["spikes", "a much longer prompt about diffuse polymorphic delta slowing"]
    )
    np.testing.assert_allclose(alone[0], padded[0], atol=1e-5)


def test_eeg_only_bundle_encodes_but_refuses_text(eeg_only_bundle, crops):
    engine = Engine(eeg_only_bundle, device="cpu")
    out = engine.encode(crops)
    assert out.embeddings.shape == (11, 256)
    np.testing.assert_array_equal(out.attention_logits, 0.0)
    np.testing.assert_allclose(out.attention_weights, 1 / 11)
    with pytest.raises(BundleError, match="elm-desktop adapt"):
        engine.embed_text(["normal EEG"])


def test_provider_is_stated_with_a_reason(engine):
    assert engine.provider == CPU
    assert engine.provider_reason == "CPU requested"
    assert "CPUExecutionProvider" in engine.describe()


def test_auto_device_gives_a_reason():
    usable, reason = probe_cuda()
    choice = choose_provider("auto")
    assert reason
    assert choice.is_cuda == usable
    if not usable:
        assert reason in choice.reason and choice.reason.startswith("CPU")


def test_unknown_device_is_refused():
    with pytest.raises(ConfigError, match="device must be"):
        choose_provider("tpu")
