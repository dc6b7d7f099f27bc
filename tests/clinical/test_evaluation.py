"""Evaluation figures from per-recording results."""

from __future__ import annotations

import math

import pytest

from elm_desktop.clinical.evaluation import (
    EvaluatedRecording,
    calibrate_thresholds,
    evaluation_figures,
    figures_markdown,
    thresholds_toml,
    with_thresholds,
)
from elm_desktop.clinical.knowledge import load_knowledge_base


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(user_path="/nonexistent")


def record(kb, i, truth, knowledge, plain, draft, reference, impression):
    probabilities = {
        "knowledge": {f: knowledge.get(f, 0.1) for f in kb},
        "plain": {f: plain.get(f, 0.1) for f in kb},
    }
    return EvaluatedRecording(
        f"r{i}",
        frozenset(truth),
        "normal" not in truth,
        reference,
        probabilities,
        draft,
        impression,
    )


def test_figures(kb):
    records = [
        record(
            kb,
            0,
            {"lpd"},
            {"lpd": 0.9},
            {"lpd": 0.2},
            "LPDs over the left.",
            "DESCRIPTION OF THE RECORD: LPDs over the left hemisphere.",
            "abnormal",
        ),
        record(
            kb,
            1,
            {"normal"},
            {"lpd": 0.3},
            {"lpd": 0.6},
            "Normal EEG.",
            "IMPRESSION: Normal EEG.",
            "normal",
        ),
        record(
            kb,
            2,
            {"lpd", "sleep"},
            {"lpd": 0.8},
            {"lpd": 0.4},
            "No periodic discharges.",
            "Spindles are seen. Lateralized periodic discharges.",
            "normal",
        ),
    ]
    figures = evaluation_figures(records, kb)
    assert figures["n_recordings"] == 3
    assert figures["zero_shot_auroc"]["lpd"]["knowledge"] == 1.0
    assert figures["zero_shot_auroc"]["lpd"]["plain"] == 0.0
    assert figures["zero_shot_auroc"]["lpd"]["positives"] == 2
    assert math.isnan(figures["zero_shot_auroc"]["seizure"]["knowledge"])  # no positives
    # The draft of r2 denies the LPDs the reference reports: one false negative.
    lpd = figures["draft_findings_vs_reference"]["lpd"]
    assert (lpd["support"], lpd["precision"], lpd["recall"]) == (2, 1.0, 0.5)
    assert figures["draft_findings_vs_reference"]["sleep"]["recall"] == 0.0
    assert figures["impression_accuracy"] == pytest.approx(2 / 3)
    assert 0 < figures["rouge_l"]["mean"] < 1
    text = figures_markdown(figures)
    assert "| lpd | 2/3 | 1.000 | 0.000 |" in text
    assert "ROUGE-L" in text


def test_calibrated_thresholds_maximise_f1_and_round_trip_as_user_entries(kb, tmp_path):
    labels = {"lpd": [True, True, False, False, False], "seizure": [False] * 5}
    probabilities = {"lpd": [0.55, 0.7, 0.52, 0.3, 0.56], "seizure": [0.9] * 5}
    thresholds = calibrate_thresholds(labels, probabilities)
    assert set(thresholds) == {"lpd"}  # seizure lacks positives: keeps its threshold
    # Calling >= 0.55 gives the best F1, 0.8 (one false positive at 0.56); the threshold lies
    # halfway between 0.55 and the next lower probability, 0.52.
    assert thresholds["lpd"] == pytest.approx(0.535)
    calibrated = with_thresholds(kb, thresholds)
    assert calibrated["lpd"].threshold == pytest.approx(0.535)
    assert calibrated["seizure"].threshold == kb["seizure"].threshold
    user = tmp_path / "phenotypes.toml"
    user.write_text(thresholds_toml(thresholds, "calibrated\non val"), encoding="utf-8")
    reloaded = load_knowledge_base(user_path=user)
    assert reloaded["lpd"].threshold == pytest.approx(0.535, abs=1e-4)
    assert reloaded["lpd"].knowledge == kb["lpd"].knowledge
