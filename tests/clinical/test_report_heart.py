"""The draft's heart-rate line: stated only from the EKG, and claiming no EEG finding."""

from __future__ import annotations

from dataclasses import replace

import pytest

from elm_desktop.clinical.consistency import contradictions
from elm_desktop.clinical.extract import extract_findings
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.report import RecordingFacts, draft_report

FACTS = RecordingFacts(
    duration_s=600.0,
    sfreq=256.0,
    channels=("Fp1", "Fp2"),
    montage="20-channel longitudinal bipolar (TCP)",
    window_s=5.0,
    n_crops=120,
)
LINES = [
    "single-lead EKG: regular rhythm, 72 bpm",
    "single-lead EKG: irregularly irregular rhythm, mean ventricular rate 96 bpm",
    "single-lead EKG: regular rhythm with 12 premature beats, 80 bpm; rising to 131 bpm at "
    "0:03:10-0:04:30 from the start",
]


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(user_path="/nonexistent")


def _introduction(draft) -> list[str]:
    section = next(s for s in draft.sections if s.title == "INTRODUCTION")
    return [s.text for s in section.sentences]


def test_no_ekg_no_heart_line(kb):
    draft = draft_report(FACTS, kb, "m", None)
    assert not any("EKG" in line for line in _introduction(draft))


@pytest.mark.parametrize("line", LINES)
def test_heart_line_in_the_introduction_asserts_no_eeg_finding(kb, line):
    draft = draft_report(replace(FACTS, heart=line), kb, "m", None)
    said = _introduction(draft)
    assert said[-1] == f"S{line[1:]}."
    assert next(s for s in draft.sections if s.title == "INTRODUCTION").sentences[-1].origin == (
        "file"
    )
    assert extract_findings(said[-1], kb) <= {"normal"}
    assert not contradictions(draft.text(annotate=False), kb)
