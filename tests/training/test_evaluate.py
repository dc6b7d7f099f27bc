"""Evaluation on the tiny corpus: every table is computed and written."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from elm_desktop.training.config import ModelConfig
from elm_desktop.training.evaluate import EvaluationOptions, evaluate, localisation
from elm_desktop.training.model import ElmModel


def test_localisation_is_perfect_when_attention_equals_ground_truth(tiny_cache):
    cache, _ = tiny_cache
    recordings = np.arange(len(cache))
    crop_index = np.arange(len(cache.crops))
    owner = np.repeat(recordings, np.diff(cache.offsets))
    truth = cache.labels[:, :].max(1).astype(float)
    embedded = {"crop_owner": owner, "crop_index": crop_index, "weights": truth + 0.01}
    result = localisation(embedded, cache, recordings)
    assert result["spikes"] == {"recordings": 6, "auroc": 1.0}
    assert result["seizures"]["recordings"] == 0
    embedded["weights"] = -truth
    assert localisation(embedded, cache, recordings)["spikes"]["auroc"] == 0.0


@pytest.mark.slow
def test_evaluate_writes_every_table(tiny_corpus, tiny_cache, tmp_path):
    cache, _ = tiny_cache
    model_dir = ElmModel.from_config(ModelConfig(attention_hidden=8), seed=0).save(tmp_path / "m")
    # The model's calibrated thresholds set balanced accuracy: here nothing is called normal.
    (model_dir / "phenotypes.toml").write_text("[findings.normal]\nthreshold = 0.999\n")
    paths = evaluate(
        model_dir,
        tiny_corpus,
        tmp_path / "eval",
        cache_dir=cache.directory,
        options=EvaluationOptions(split="all", baseline_epochs=1, device="cpu"),
    )
    report = json.loads(paths["json"].read_text())
    assert report["recordings"] == 12 and report["abnormal"] == 6
    for style in ("plain", "knowledge"):
        normal = report["zero_shot"][style]["findings"]["normal"]
        assert normal["positives"] == 6 and 0.0 <= normal["auroc"] <= 1.0
        assert normal["balanced_accuracy"] == 0.5
        # No file of the tiny corpus shows a procedure or muscle: both macros alike.
        figures = report["zero_shot"][style]
        assert figures["macro_auroc_scores_alone"] == pytest.approx(figures["macro_auroc"])
    assert report["zero_shot"]["files_unread"] == 0
    retrieval = report["retrieval"]
    assert retrieval["pool"] == 12
    for direction in ("eeg_to_report", "report_to_eeg"):
        assert retrieval[direction]["R@10"] >= retrieval[direction]["R@1"]
        assert 1 <= retrieval[direction]["median_rank"] <= 12
    assert set(report["linear_probe"]) == {"1%", "10%", "100%"}
    assert report["linear_probe"]["100%"]["recordings"] == 8
    assert report["supervised_100%"]["epochs"] == 1
    assert report["localisation"]["spikes"]["recordings"] == 6
    for style in ("plain", "knowledge"):
        shown = report["zero_shot"][style]["spike_segments"]
        assert shown["recordings"] == 6 and 0.0 <= shown["auroc"] <= 1.0
    markdown = paths["markdown"].read_text()
    assert "## Where the program shows spikes" in markdown
    assert "## Retrieval among 12 recordings" in markdown
    assert "at the thresholds of the model's phenotypes.toml" in markdown
    assert "| linear probe, 10% of labels |" in markdown


def test_the_record_score_reads_each_recordings_signal_features(tiny_cache, tmp_path):
    """A model's record score with a signal model is computed from the cache as analysed."""
    import os

    import torch

    from elm_desktop.clinical.knowledge import load_knowledge_base
    from elm_desktop.clinical.record_score import fit_reference
    from elm_desktop.clinical.signal_features import (
        crops_features,
        fit_signal_model,
        out_of_fold_probabilities,
    )
    from elm_desktop.training.evaluate import embed_recordings, finding_probabilities
    from elm_desktop.training.text import TextEncoder

    cache, _ = tiny_cache
    model = ElmModel.from_config(ModelConfig(attention_hidden=8), seed=0)
    encoder = TextEncoder(model.config.text_model, model.config.pooling, model.config.max_length)
    device = torch.device("cpu")
    embedded = embed_recordings(model, cache, np.arange(len(cache)), device)
    base = load_knowledge_base(user_path=os.devnull)
    ids, raw = finding_probabilities(model, encoder, embedded, cache, device, base, "plain")
    features = np.stack(
        [
            crops_features(
                cache.crops[cache.crop_range(r).start : cache.crop_range(r).stop],
                100.0,
                cache.window_s,
            )  # fmt: skip
            for r in range(len(cache))
        ]
    )
    abnormal = np.array([r["abnormal"] for r in cache.recordings])
    signal = (fit_signal_model(features, abnormal), out_of_fold_probabilities(features, abnormal))
    reference = fit_reference(dict(zip(ids, raw.T, strict=True)), base, "plain", signal)
    path = tmp_path / "phenotypes.toml"
    path.write_text(f'prompt_style = "plain"\n\n{reference.toml()}\n', encoding="utf-8")
    with_signal = load_knowledge_base(user_path=os.devnull, model_path=path)
    _, scored = finding_probabilities(model, encoder, embedded, cache, device, with_signal, "plain")
    expected = [
        reference.normal_probability(dict(zip(ids, row, strict=True)), f)
        for row, f in zip(raw, features, strict=True)
    ]
    np.testing.assert_allclose(scored[:, ids.index("normal")], expected)


def test_procedure_findings_are_ranked_as_the_program_assesses_them(tmp_path):
    """The evaluation reads what each recording's file shows and measures what the analysis
    measures, from a real crop cache: photic driving at an annotated rate, a response to a
    procedure not done last, sleep the annotations mark first; a moved file's scores as they
    are."""
    import datetime as dt

    from elm_desktop.clinical import load_knowledge_base
    from elm_desktop.clinical.zeroshot import FindingScore
    from elm_desktop.synth.edf_writer import Annotation, EdfWriter, SignalHeader
    from elm_desktop.synth.electrodes import ELECTRODES, channel_label
    from elm_desktop.training.data import build_cache
    from elm_desktop.training.evaluate import _read_shown, assessed_probabilities

    t = np.arange(12000) / 100.0

    def write(name, annotations, driven=False):
        data = 10 * np.random.default_rng(0).standard_normal((len(ELECTRODES), len(t)))
        if driven:  # the occipital rhythm takes up the 12 Hz flashes
            under = (t >= 60) & (t < 70)
            for e in ("O1", "O2"):
                data[ELECTRODES.index(e), under] += 30 * np.sin(2 * np.pi * 12 * t[under])
        signals = [SignalHeader(channel_label(e, "tuh"), -2000.0, 2000.0) for e in ELECTRODES]
        start = dt.datetime(2024, 1, 1, 9)
        with EdfWriter(
            tmp_path / name, signals, 100, 120, start, "X X X X", "X X X X", annotations
        ) as writer:
            writer.write_block(data)
        entry = {"id": name[:-4], "patient_id": name[:-4], "split": "test", "edf": name,
                 "sfreq": 100, "duration_s": 120, "age": 40, "sex": "F", "naming": "tuh",
                 "report": "Routine EEG.", "findings": [], "abnormal": False}  # fmt: skip
        return entry

    entries = [
        write("photic.edf", [Annotation(5, 0, "HV start"), Annotation(40, 0, "HV stop"),
                             Annotation(45, 10, "asleep"), Annotation(60, 10, "Photic 12 Hz")],
              driven=True),
        write("plain.edf", []),
        write("moved.edf", []),
    ]  # fmt: skip
    (tmp_path / "manifest.jsonl").write_text("\n".join(json.dumps(e) for e in entries) + "\n")
    cache = build_cache(tmp_path, tmp_path / "cache", window_s=5)
    (tmp_path / "moved.edf").unlink()
    shown = _read_shown(cache, np.arange(3))
    assert shown[0] is not None and shown[1] is not None and shown[2] is None
    assert shown[0].duration_s == 120 and len(shown[0].annotations) == 4
    assert shown[0].spectra is not None and shown[1].spectra is None  # photic shown or not

    def row(probability):
        return [
            FindingScore(f, f, probability, 0.5, probability >= 0.5, False, np.zeros(24))
            for f in ("hyperventilation_response", "photic_driving", "sleep", "seizure")
        ]

    knowledge_base = load_knowledge_base(user_path=os.devnull)
    assessed, thresholds = assessed_probabilities(
        [row(0.3), row(0.3), row(0.3)], shown, [None, None, None], knowledge_base, 5.0
    )
    # Hyperventilation done: its score stands; photic driving measured; sleep marked: shown.
    # The plain file shows nothing; the moved file's scores are kept as they are.
    np.testing.assert_allclose(assessed[0, [0, 2, 3]], [0.3, 1.0, 0.3])
    assert 0.5 < assessed[0, 1] < 1.0  # the 12 Hz train drove
    np.testing.assert_allclose(assessed[1], [0.0, 0.0, 0.0, 0.3])
    np.testing.assert_allclose(assessed[2], [0.3, 0.3, 0.3, 0.3])
    assert (thresholds == 0.5).all()
