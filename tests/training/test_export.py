"""Export of a training checkpoint to a bundle: variants, tolerances, refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from elm_desktop.errors import ConfigError
from elm_desktop.runtime import Bundle, Engine
from elm_desktop.training.config import ModelConfig
from elm_desktop.training.export import FP16_TOLERANCE, export_checkpoint, probe_crops
from elm_desktop.training.model import ElmModel


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A saved 5 s checkpoint with an attention head and no text projector."""
    model = ElmModel.from_config(ModelConfig(parts=["eeg_encoder", "attention"]), seed=3)
    folder = tmp_path_factory.mktemp("ckpt") / "elm-test"
    return model.save(folder, notes={"training_data": "unit test", "version": "1.2"})


def test_export_checkpoint_with_fp16_variant(checkpoint, tmp_path):
    path = export_checkpoint(checkpoint, tmp_path / "bundle", fp16=True)
    bundle = Bundle.load(path)
    manifest = bundle.manifest
    assert manifest["name"] == "elm-test" and manifest["version"] == "1.2"
    assert manifest["training_data"] == "unit test"
    assert manifest["eeg"]["parity_max_abs"] <= 1e-4
    assert manifest["text"] is None and manifest["attention"]["kind"] == "gated"
    fp16 = manifest["eeg_fp16"]
    assert fp16["tolerance"] == FP16_TOLERANCE
    assert fp16["min_cosine"] >= FP16_TOLERANCE["min_cosine"]
    assert fp16["max_abs_logit"] <= FP16_TOLERANCE["max_abs_logit"]
    # The fp16 graph really is float16 inside and runs (on the CPU, with casts).
    assert (path / "eeg_encoder.fp16.onnx").stat().st_size < 0.6 * (
        path / "eeg_encoder.onnx"
    ).stat().st_size
    crops = probe_crops(3, 500, seed=9)
    full = Engine(bundle, device="cpu").encode(crops)
    model = ElmModel.load(checkpoint)
    with torch.no_grad():
        z, logits = model.encode_crops(torch.from_numpy(crops))
    np.testing.assert_allclose(full.embeddings, F.normalize(z, dim=-1).numpy(), atol=1e-4)
    np.testing.assert_allclose(full.attention_logits, logits.numpy(), atol=1e-4)


def test_export_carries_the_checkpoints_thresholds(checkpoint, tmp_path):
    import shutil

    folder = shutil.copytree(checkpoint, tmp_path / "elm-calibrated")
    (folder / "phenotypes.toml").write_text(
        "# Finding thresholds for elm-test: a unit test.\n\n[findings.lpd]\nthreshold = 0.8\n"
    )
    bundle = Bundle.load(export_checkpoint(folder, tmp_path / "bundle"))
    assert bundle.phenotypes.read_text() == (folder / "phenotypes.toml").read_text()
    assert bundle.manifest["phenotypes"]["note"].startswith("Finding thresholds for elm-test")
    (folder / "phenotypes.toml").write_text("[findings.lpd]\nthreshold = 'high'\n")
    with pytest.raises(ConfigError, match="lpd.threshold must be a number"):
        export_checkpoint(folder, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()


def test_export_refuses_a_non_empty_folder(checkpoint, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file.txt").write_text("x")
    with pytest.raises(ConfigError, match="not empty"):
        export_checkpoint(checkpoint, tmp_path / "taken")
    assert (tmp_path / "taken" / "file.txt").read_text() == "x"


def test_export_of_a_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not an ELM checkpoint"):
        export_checkpoint(tmp_path / "nothing", tmp_path / "out")
    assert not (tmp_path / "out").exists()
