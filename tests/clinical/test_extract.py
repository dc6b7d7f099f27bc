"""The findings extractor: terms, negation, sections, the special normal finding."""

from __future__ import annotations

import numpy as np
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
        ("There are intermittent electrode pops.", {"artifact"}),
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


def test_extractor_recovers_the_ground_truth_of_synthetic_reports(kb):
    """On reports written by the synthetic corpus, what the report states is found.

    Artifacts are left out (reports mention them only now and then), as is precision of
    generalized slowing (obtunded backgrounds are described as diffuse theta and delta
    without the spec calling them generalized slowing).
    """
    from elm_desktop.clinical.metrics import finding_counts
    from elm_desktop.synth import sample_patient, sample_spec, write_report
    from elm_desktop.synth.spec import DEFAULT_MIX

    rng = np.random.default_rng(7)
    conditions = list(DEFAULT_MIX)
    predicted, truth = [], []
    for i in range(150):
        patient = sample_patient(rng, f"p{i}", conditions[i % len(conditions)])
        spec = sample_spec(rng, f"r{i}", patient, float(rng.choice([300, 600])))
        predicted.append(extract_findings(write_report(spec, rng), kb))
        truth.append({f.name for f in spec.findings} | (set() if spec.abnormal else {"normal"}))
    counts = finding_counts(predicted, truth, [f for f in kb if f != "artifact"])
    for name, count in counts.items():
        assert count.support >= 5, (name, count)
        assert count.recall >= 0.9, (name, count)
        if name != "generalized_slowing":
            assert count.precision >= 0.9, (name, count)
