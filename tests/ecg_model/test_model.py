"""The MERL model: shapes, losses, configuration, a few training steps, evaluation, export."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from elm_desktop.errors import ConfigError
from elm_desktop.runtime import Bundle, Engine
from elm_desktop.signals.ecg import read_ecg
from elm_desktop.signals.ecg.model_input import ecg_model_input, window_starts
from elm_desktop.training.ecg.config import EcgModelConfig, ecg_config_from_dict
from elm_desktop.training.ecg.data import ECG_CLASSES, build_ecg_cache, report_sentences
from elm_desktop.training.ecg.losses import clip_loss, multi_positive_clip
from elm_desktop.training.ecg.model import MerlModel, encoder_length, is_ecg_checkpoint
from tests.ecg_model.conftest import TINY_MODEL


def test_forward_shapes():
    model = MerlModel.from_config(EcgModelConfig(width=4), seed=0).eval()
    x = torch.randn(3, 12, 5000)
    embedding, view1, view2 = model(x)
    assert embedding.shape == view1.shape == view2.shape == (3, 256)
    assert model.features(x).shape == (3, 256, encoder_length()) == (3, 256, 313)
    assert model.project_text(torch.randn(5, 384)).shape == (5, 256)


def test_same_seed_same_weights_and_width_sets_the_stages():
    a = MerlModel.from_config(EcgModelConfig(width=8), seed=1)
    b = MerlModel.from_config(EcgModelConfig(width=8), seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert a.ecg_encoder.layer4[0].conv1.out_channels == 64


def test_dropout_views_differ_in_training_only():
    model = MerlModel.from_config(EcgModelConfig(width=4, dropout=0.5), seed=0)
    x = torch.randn(2, 12, 5000)
    model.train()
    _, v1, _ = model(x)
    _, v1_again, _ = model(x)
    assert not torch.allclose(v1, v1_again)
    model.eval()
    assert torch.allclose(model(x)[1], model(x)[1])


def test_clip_loss_prefers_matching_pairs():
    x = torch.randn(8, 16)
    assert clip_loss(x, x, 0.1) < clip_loss(x, torch.randn(8, 16), 0.1)
    assert clip_loss(x, x, 0.1) < 0.05


def test_multi_positive_clip_counts_shared_sentences_as_positives():
    ecg = torch.eye(3, 4)
    text = torch.eye(3, 4)
    positives = torch.eye(3, dtype=torch.bool)
    matched = multi_positive_clip(ecg, text, positives, 0.1)
    positives_shared = positives.clone()
    positives_shared[:, 0] = True  # sentence 0 belongs to every record
    shared = multi_positive_clip(ecg, text, positives_shared, 0.1)
    assert matched < 0.01
    assert shared > matched  # records 1, 2 now also own a sentence they are far from
    with pytest.raises(RuntimeError):
        multi_positive_clip(ecg, text, positives[:, :2], 0.1)


def test_config_refuses_unknown_keys_and_wrong_modality():
    with pytest.raises(ConfigError, match="unknown key"):
        ecg_config_from_dict({"model": {"widht": 4}})
    with pytest.raises(ConfigError, match="modality"):
        ecg_config_from_dict({"modality": "eeg"})
    with pytest.raises(ConfigError, match="normalisation"):
        EcgModelConfig(normalisation="zscore")


def test_model_input_windows_rates_and_normalisation():
    rng = np.random.default_rng(0)
    leads = rng.normal(0, 1, (12, 2500)) + 3.0  # 10 s at 250 Hz, offset 3 mV
    windows = ecg_model_input(leads, 250.0)
    assert windows.shape == (1, 12, 5000) and windows.dtype == np.float32
    assert np.abs(np.median(windows[0], axis=1)).max() < 0.1  # baseline removed, mV kept
    minmax = ecg_model_input(leads, 250.0, "minmax")
    assert minmax.min() == pytest.approx(0) and minmax.max() == pytest.approx(1)
    assert list(window_starts(12_000)) == [0, 5000]  # the last 2000 samples are < half a window
    assert list(window_starts(13_000)) == [0, 5000, 10_000]
    assert list(window_starts(3000)) == [0]


def test_report_sentences_drop_negations():
    record = {"report": "Sinus rhythm. No LVH. Normal QT.", "machine_report": "Sinus rhythm."}
    assert report_sentences(record, ["report", "machine_report"]) == [
        "Sinus rhythm.",
        "Normal QT.",
    ]
    kept = report_sentences(record, ["report"], drop_negations=False)
    assert "No LVH." in kept


def test_cache_labels_follow_the_manifest(ecg_corpus):
    cache = build_ecg_cache(ecg_corpus)
    manifest = [json.loads(line) for line in (ecg_corpus / "manifest.jsonl").open()]
    assert cache.inputs.shape == (40, 12, 5000)
    for row, entry in zip(cache.labels, manifest, strict=True):
        names = {f["name"] for f in entry["findings"]}
        assert {ECG_CLASSES[i] for i in np.flatnonzero(row)} - {"normal"} == names
        assert bool(row[0]) == (not entry["abnormal"])
    ecg = read_ecg(ecg_corpus / manifest[0]["wfdb"])
    expected = ecg_model_input(ecg.samples_mv, ecg.sfreq)[0]
    np.testing.assert_allclose(cache.inputs[0], expected, atol=2e-3)


def test_tiny_training_run_writes_a_checkpoint(ecg_checkpoint):
    assert is_ecg_checkpoint(ecg_checkpoint)
    log = [json.loads(line) for line in (ecg_checkpoint.parent / "log.jsonl").open()]
    assert log[0]["epoch"] == 1 and np.isfinite(log[0]["loss"])
    assert {"ecg_text", "uni_modal"} <= set(log[0])
    model = MerlModel.load(ecg_checkpoint)
    assert model.config.width == 4
    notes = json.loads((ecg_checkpoint / "config.json").read_text())["notes"]
    assert "synthetic 12-lead ECG only" in notes["training_data"]


def test_training_lowers_the_loss(ecg_corpus, tmp_path):
    from elm_desktop.training.ecg.config import ecg_config_from_dict
    from elm_desktop.training.ecg.trainer import train_ecg

    config = ecg_config_from_dict(
        {
            "model": {"width": 4, "max_length": 32},
            "data": {"corpus": str(ecg_corpus), "batch_size": 8},
            "train": {"out_dir": str(tmp_path), "epochs": 4, "lr": 3e-3, "device": "cpu"},
        }
    )
    train_ecg(config, log=lambda _line: None)
    losses = [json.loads(line)["loss"] for line in (tmp_path / "log.jsonl").open()]
    assert losses[-1] < losses[0]


def test_export_matches_torch(ecg_checkpoint, ecg_bundle, ecg_corpus):
    bundle = Bundle.load(ecg_bundle)
    assert bundle.modality == "ecg"
    assert bundle.channels[4:6] == ["aVL", "aVF"] and bundle.n_samples == 5000
    assert bundle.manifest["eeg"]["parity_max_abs"] < 1e-4
    engine = Engine(bundle, device="cpu")
    model = MerlModel.load(ecg_checkpoint)
    cache = build_ecg_cache(ecg_corpus)
    x = np.asarray(cache.inputs[:5], np.float32)
    with torch.no_grad():
        expected = torch.nn.functional.normalize(model.encode(torch.from_numpy(x)), dim=1)
    np.testing.assert_allclose(engine.encode(x).embeddings, expected.numpy(), atol=1e-4)
    text = engine.embed_text(["Atrial fibrillation."])
    assert text.shape == (1, 256)


def test_evaluate_writes_every_figure(ecg_checkpoint, ecg_corpus, tmp_path):
    from elm_desktop.training.ecg.evaluate import EcgEvaluationOptions, evaluate_ecg

    options = EcgEvaluationOptions(split="all", baseline_epochs=1, device="cpu")
    paths = evaluate_ecg(ecg_checkpoint, ecg_corpus, tmp_path, options)
    report = json.loads(paths["json"].read_text())
    assert set(report["zero_shot"]) == {"knowledge", "plain"}
    assert set(report["linear_probe"]) == {"1%", "10%", "100%"}
    assert 0 <= report["retrieval"]["R@10"] <= 1 and report["retrieval"]["pool"] == 40
    assert report["supervised"]["records"] == len(
        build_ecg_cache(ecg_corpus).split_indices("train")
    )
    for style in ("knowledge", "plain"):
        classes = report["zero_shot"][style]["classes"]
        assert set(classes) == set(ECG_CLASSES)
    assert "zero-shot macro AUROC" in paths["markdown"].read_text()
    swap = report["lead_swap"]
    assert swap["records"] == 40 and swap["mean_abs_change"] > 0


def test_calibrated_thresholds_travel_into_the_bundle(ecg_checkpoint, ecg_corpus, tmp_path):
    import shutil

    from elm_desktop.analysis_ecg import ecg_knowledge_base
    from elm_desktop.training.ecg.evaluate import EcgEvaluationOptions, evaluate_ecg
    from elm_desktop.training.ecg.export import export_ecg_checkpoint

    options = EcgEvaluationOptions(probe=False, device="cpu")
    paths = evaluate_ecg(ecg_checkpoint, ecg_corpus, tmp_path / "eval", options)
    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(ecg_checkpoint, checkpoint)
    shutil.copy(paths["thresholds"], checkpoint / "phenotypes.toml")
    bundle = Bundle.load(export_ecg_checkpoint(checkpoint, tmp_path / "bundle"))
    assert bundle.phenotypes is not None
    kb = ecg_knowledge_base(bundle.phenotypes)
    assert any(finding.threshold != 0.5 for finding in kb.values())
    report = json.loads(paths["json"].read_text())
    chosen = report["prompt_style_chosen_on_val"]
    macro = {style: value or 0.0 for style, value in report["val_macro_auroc"].items()}
    assert macro[chosen] == max(macro.values())  # None: no class with 10 val positives here
    assert kb.prompt_style == chosen


def test_the_command_line_trains_evaluates_and_exports_an_ecg_model(ecg_corpus, tmp_path):
    from elm_desktop.cli import main
    from elm_desktop.training.ecg.config import load_ecg_config

    shipped = load_ecg_config("configs/ecg-merl.toml")  # the shipped model's configuration
    assert shipped.modality == "ecg" and shipped.train.max_minutes < 60
    config = tmp_path / "tiny-ecg.toml"
    config.write_text(
        'modality = "ecg"\n'
        f"[model]\nwidth = {TINY_MODEL['width']}\nmax_length = {TINY_MODEL['max_length']}\n"
        f'[data]\ncorpus = "{ecg_corpus.as_posix()}"\nbatch_size = 8\n'
        f'[train]\nout_dir = "{(tmp_path / "run").as_posix()}"\nepochs = 1\ndevice = "cpu"\n',
        encoding="utf-8",
    )
    assert main(["train", "--config", str(config)]) == 0
    final = tmp_path / "run" / "final"
    assert is_ecg_checkpoint(final)
    out = tmp_path / "evaluation"
    args = ["evaluate", "--model", str(final), "--corpus", str(ecg_corpus), "--out", str(out)]
    assert main([*args, "--split", "all", "--no-probe", "--device", "cpu"]) == 0
    report = json.loads((out / "evaluation.json").read_text())
    assert report["records"] == 40 and "plain" in report["zero_shot"]
    bundle = tmp_path / "bundle"
    assert main(["model", "export", str(final), "--out", str(bundle)]) == 0
    assert Bundle.load(bundle).modality == "ecg"


def test_calibrated_thresholds_write_a_rule_out_bar_where_enough_records_have_the_class():
    import tomllib

    from elm_desktop.clinical.knowledge import MIN_RULE_OUT_POSITIVES, RULE_OUT_SENSITIVITY
    from elm_desktop.training.ecg.evaluate import calibrated_thresholds

    rng = np.random.default_rng(0)
    labels = np.zeros((200, len(ECG_CLASSES)), np.int64)
    labels[:40, 0] = 1  # 40 records with the first class
    labels[: MIN_RULE_OUT_POSITIVES - 1, 1] = 1  # one too few with the second
    probabilities = np.clip(labels * 0.5 + rng.uniform(0, 0.5, labels.shape), 0, 1)
    written = tomllib.loads(calibrated_thresholds(probabilities, labels, "c", "plain"))
    first, second = (written["findings"][name] for name in ECG_CLASSES[:2])
    positives = probabilities[:40, 0]
    assert first["rule_out"] == pytest.approx(
        np.quantile(positives, 1 - RULE_OUT_SENSITIVITY, method="lower"), abs=1e-4
    )
    assert "rule_out" not in second and "threshold" in second
