"""Evaluation figures from per-recording results."""

from __future__ import annotations

import math

import pytest

from elm_desktop.clinical.evaluation import (
    EvaluatedRecording,
    evaluation_figures,
    figures_markdown,
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
