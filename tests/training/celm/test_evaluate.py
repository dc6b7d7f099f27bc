"""Figures of generated drafts: the reference's own sections score as the reference does."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.training.celm.evaluate import draft_figures
from elm_desktop.training.celm.examples import Example
from elm_desktop.training.celm.sections import DEFAULT_SECTIONS, split_report

SLOWING = (
    "CLINICAL HISTORY: Adult with weakness.\n\n"
    "DESCRIPTION OF THE RECORD: Continuous polymorphic delta slowing over the left temporal "
    "region. No epileptiform discharges.\n\n"
    "EVENTS: None.\n\n"
    "IMPRESSION: Abnormal EEG due to focal slowing in the left temporal region."
)
NORMAL = (
    "CLINICAL HISTORY: Adult with headaches.\n\n"
    "DESCRIPTION OF THE RECORD: The background is well organized with a 10 Hz PDR.\n\n"
    "EVENTS: None.\n\n"
    "IMPRESSION: Normal EEG."
)


def _example(report: str, truth: set[str]) -> Example:
    return Example("r", np.zeros((1, 4), np.float32), "", "", report, frozenset(truth))


def test_reference_sections_score_like_the_reference():
    kb = load_knowledge_base()
    examples = [_example(SLOWING, {"focal_slowing"}), _example(NORMAL, {"normal"})]
    drafts = [
        {k: v for k, v in split_report(e.reference).items() if k in DEFAULT_SECTIONS}
        for e in examples
    ]
    figures = draft_figures(drafts, examples, list(DEFAULT_SECTIONS), kb)
    assert figures["findings"] == figures["reference_findings"]
    assert figures["findings"]["f1"] == 1.0 and figures["findings"]["hallucination_rate"] == 0.0
    assert figures["rouge"]["rouge1"] == pytest.approx(1.0)
    assert figures["complete"] == 1.0


def test_swapped_drafts_hallucinate_and_lose_sections():
    kb = load_knowledge_base()
    examples = [_example(SLOWING, {"focal_slowing"}), _example(NORMAL, {"normal"})]
    drafts = [{"IMPRESSION": "Normal EEG."}, {"IMPRESSION": split_report(SLOWING)["IMPRESSION"]}]
    figures = draft_figures(drafts, examples, list(DEFAULT_SECTIONS), kb)
    assert figures["findings"]["true_positive"] == 0
    assert figures["findings"]["hallucination_rate"] == 1.0
    assert figures["recordings_with_a_hallucinated_finding"] == 2
    assert figures["complete"] == 0.0
    # Missing sections count 0 in the per-section ROUGE.
    assert figures["rouge"]["per_section"]["EVENTS"]["rouge1"] == 0.0
