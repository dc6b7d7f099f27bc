"""The findings extractor: terms, negation, sections, the special normal finding."""

from __future__ import annotations

import pytest

from elm_desktop.clinical.extract import extract_findings, find_mentions
from elm_desktop.clinical.knowledge import load_knowledge_base


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(user_path="/nonexistent")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("There is no focal slowing.", set()),
        ("Focal slowing is seen over the left temporal region.", {"focal_slowing"}),
        ("Without epileptiform discharges.", set()),
        ("Sharp waves were not seen.", set()),
        ("Occasional right temporal sharp waves.", {"focal_epileptiform"}),
        ("No seizures were recorded.", set()),
        ("The patient did not fall asleep.", set()),
        ("Sleep spindles and vertex waves are present.", {"sleep"}),
        ("Generalized spike and slow wave discharges at 3 Hz.", {"generalized_spike_wave"}),
        ("Photic stimulation produced no driving response.", set()),
        ("No slowing; however, lateralized periodic discharges over the left hemisphere.", {"lpd"}),
        ("There is no focal slowing but frequent left temporal spikes.", {"focal_epileptiform"}),
    ],
)
def test_assertions_and_negations(kb, text, expected):
    assert extract_findings(text, kb) - {"normal"} == expected


def test_longest_term_wins_where_terms_overlap(kb):
    mentions = find_mentions("Generalized spike and wave bursts.", kb)
    assert [m.finding_id for m in mentions] == ["generalized_spike_wave"]


def test_patient_sections_are_skipped(kb):
    report = (
        "CLINICAL HISTORY: 30 year old with seizures and focal slowing on a prior study.\n"
        "MEDICATIONS: Keppra.\n"
        "DESCRIPTION OF THE RECORD: Alpha rhythm of 10 Hz, no epileptiform discharges.\n"
        "IMPRESSION: Normal EEG."
    )
    assert extract_findings(report, kb) == {"normal"}


def test_normal_gives_way_to_any_abnormality(kb):
    assert extract_findings("IMPRESSION: Normal background. Frequent focal slowing.", kb) == {
        "focal_slowing"
    }
    assert "normal" not in extract_findings(
        "IMPRESSION: Abnormal EEG; otherwise a normal record.", kb
    )
