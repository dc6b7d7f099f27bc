"""The engine on an NVIDIA GPU (skipped, saying why, where CUDA cannot run)."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.runtime import Bundle, Engine
from elm_desktop.runtime.providers import CUDA, probe_cuda

USABLE, REASON = probe_cuda()
pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not USABLE, reason=f"CUDA cannot run here: {REASON}"),
]


def test_cuda_engine_matches_cpu(elm_bundle, real_crops):
    gpu = Engine(elm_bundle, device="cuda", precision="fp32")
    assert gpu.provider == CUDA, gpu.provider_reason
    cpu = Engine(elm_bundle, device="cpu", precision="fp32")
    crops = real_crops[5]
    on_gpu, on_cpu = gpu.encode(crops), cpu.encode(crops)
    np.testing.assert_allclose(on_gpu.embeddings, on_cpu.embeddings, atol=1e-4)
    np.testing.assert_allclose(on_gpu.attention_logits, on_cpu.attention_logits, atol=1e-4)
    prompts = ["normal EEG", "left temporal spikes"]
    np.testing.assert_allclose(gpu.embed_text(prompts), cpu.embed_text(prompts), atol=1e-4)


def test_cuda_fp16_graph_within_its_tolerance(tmp_path, real_crops):
    from elm_desktop.training.config import ModelConfig
    from elm_desktop.training.export import write_bundle
    from elm_desktop.training.model import ElmModel

    model = ElmModel.from_config(ModelConfig(window_s=5, parts=["eeg_encoder", "attention"]))
    path = write_bundle(
        model, tmp_path / "b", name="fp16", version="0", training_data="-", fp16=True
    )
    bundle = Bundle.load(path)
    tolerance = bundle.manifest["eeg_fp16"]["tolerance"]
    half = Engine(bundle, device="cuda")
    assert half.eeg_graph == "eeg_fp16"
    full = Engine(bundle, device="cpu", precision="fp32")
    crops = real_crops[5]
    a, b = half.encode(crops), full.encode(crops)
    cosines = (a.embeddings * b.embeddings).sum(1)
    assert cosines.min() >= tolerance["min_cosine"]
    assert np.abs(a.attention_logits - b.attention_logits).max() <= tolerance["max_abs_logit"]
