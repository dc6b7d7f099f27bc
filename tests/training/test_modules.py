"""The EEG encoder against the authors' checkpoints, the attention pooling, and checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from elm_desktop.errors import ConfigError  # noqa: E402
from elm_desktop.training.config import ModelConfig  # noqa: E402
from elm_desktop.training.encoder import EEGResNet  # noqa: E402
from elm_desktop.training.mil import GatedAttention, attention_pool  # noqa: E402
from elm_desktop.training.model import ElmModel  # noqa: E402

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "elm_reference"


def test_parameter_count_matches_the_authors():
    for window_s in (5, 60):
        model = EEGResNet(window_s)
        assert sum(p.numel() for p in model.parameters()) == 928_416


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="ELM reference checkpoints not present")
@pytest.mark.parametrize("window_s", [5, 60])
def test_released_checkpoint_loads_strictly_and_reproduces_reference_outputs(window_s):
    state = torch.load(
        REFERENCE / f"{window_s}s" / "model_0_checkpoint.pt", map_location="cpu", weights_only=True
    )
    model = EEGResNet(window_s)
    model.load_state_dict(state, strict=True)
    model.eval()
    reference = np.load(REFERENCE / "reference_outputs.npz")
    with torch.no_grad():
        h, z = model(torch.from_numpy(reference[f"x_{window_s}s"]).float())
    assert h.shape == (4, 96) and z.shape == (4, 256)
    np.testing.assert_allclose(h.numpy(), reference[f"h_{window_s}s"], atol=1e-4)
    np.testing.assert_allclose(z.numpy(), reference[f"z_{window_s}s"], atol=1e-4)


def test_encoder_refuses_unknown_window():
    with pytest.raises(ValueError, match="window_s"):
        EEGResNet(10)


def _slow_pool(embeddings, logits, bag_ids, n_bags):
    pooled, weights = [], torch.zeros_like(logits)
    for bag in range(n_bags):
        mask = bag_ids == bag
        w = torch.softmax(logits[mask], dim=0)
        weights[mask] = w
        unit = embeddings[mask] / embeddings[mask].norm(dim=1, keepdim=True)
        summed = (unit * w[:, None]).sum(0)
        pooled.append(summed / summed.norm())
    return torch.stack(pooled), weights


def test_attention_pool_matches_a_direct_per_bag_computation():
    generator = torch.Generator().manual_seed(1)
    embeddings = torch.randn(11, 8, generator=generator)
    logits = torch.randn(11, generator=generator) * 3
    bag_ids = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 1, 0])
    pooled, weights = attention_pool(embeddings, logits, bag_ids, 3)
    expected_pooled, expected_weights = _slow_pool(embeddings, logits, bag_ids, 3)
    torch.testing.assert_close(weights, expected_weights)
    torch.testing.assert_close(pooled, expected_pooled)
    torch.testing.assert_close(pooled.norm(dim=1), torch.ones(3))


def test_gated_attention_scores_each_crop_independently():
    attention = GatedAttention(16, 8)
    x = torch.randn(6, 16)
    together = attention(x)
    alone = torch.cat([attention(x[i : i + 1]) for i in range(6)])
    assert together.shape == (6,)
    torch.testing.assert_close(together, alone)


def test_checkpoint_round_trip(tmp_path):
    config = ModelConfig(window_s=5, text_dim=32, attention_hidden=16)
    model = ElmModel.from_config(config, seed=3).eval()
    again = ElmModel.from_config(config, seed=3)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, again.state_dict()[key])
    model.save(tmp_path / "ckpt", notes={"epochs": 1})
    assert (tmp_path / "ckpt" / "model.safetensors").is_file()
    loaded = ElmModel.load(tmp_path / "ckpt")
    assert loaded.config == config
    crops = torch.randn(3, 20, 500)
    with torch.no_grad():
        z1, a1 = model.encode_crops(crops)
        z2, a2 = loaded.encode_crops(crops)
        t = loaded.project_text(torch.randn(4, 32))
    torch.testing.assert_close(z1, z2)
    torch.testing.assert_close(a1, a2)
    assert t.shape == (4, 256)


def test_eeg_only_model_has_no_text_projector(tmp_path):
    model = ElmModel.from_config(ModelConfig(parts=["eeg_encoder"]))
    assert model.attention is None and model.text_projector is None
    model.save(tmp_path)
    with pytest.raises(ConfigError, match="no text projector"):
        ElmModel.load(tmp_path).project_text(torch.randn(2, 384))


def test_loading_a_folder_without_checkpoint_says_so(tmp_path):
    with pytest.raises(ConfigError, match="not an ELM checkpoint"):
        ElmModel.load(tmp_path)
