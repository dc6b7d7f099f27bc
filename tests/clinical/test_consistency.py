"""The contradiction checker: what it flags, and that it flags nothing in consistent reports."""

from __future__ import annotations

import pytest

from elm_desktop.clinical.consistency import claims, contradictions
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.synth import generate_corpus, read_manifest


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(user_path="/nonexistent")


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        (
            "There are left frontal spikes.",
            "Frequent spikes over the right frontal region.",
            "focal_epileptiform on the",
        ),
        ("Left temporal slowing is seen.", "There is no focal slowing.", "focal_slowing both"),
        (
            "The posterior dominant rhythm is 9.4 Hz.",
            "In wakefulness, there is a 10.5 Hz posterior dominant rhythm.",
            "posterior rhythm at",
        ),
        (
            "The PDR is 9.5 Hz and reactive to eye opening.",
            "The background shows a burst suppression pattern.",
            "organised background beside burst suppression",
        ),
        (
            "Hyperventilation was not performed.",
            "Hyperventilation produced a build-up of diffuse slowing.",
            "hyperventilation both",
        ),
        (
            "Photic stimulation was not performed or not recorded.",
            "Photic stimulation produced a symmetric driving response.",
            "photic stimulation both",
        ),
    ],
)
def test_each_kind_of_contradiction_is_found(kb, first, second, reason):
    (found,) = contradictions([first, second], kb)
    assert reason in found.reason and (found.first, found.second) == (first, second)
    assert contradictions([first], kb) == [] and contradictions([second], kb) == []


def test_what_agrees_is_not_flagged(kb):
    consistent = [
        "The posterior dominant rhythm is 9.5 Hz and reactive to eye opening.",
        "In wakefulness the posterior rhythm is 9.6 Hz.",  # the same rhythm within 0.5 Hz
        "Photic stimulation was done; HV was not done.",  # two procedures, two clauses
        "Photic stimulation produces symmetric driving in the occipital regions.",
        "There are left temporal spikes, max T3.",
        "Left temporal sharp waves increase in sleep.",
        "No generalized periodic discharges.",
    ]
    assert contradictions(consistent, kb) == []
    sides = {c.value for c in claims("Independent left and right temporal spikes.", kb)}
    assert "left" not in sides and "right" not in sides  # bilateral: no one side


def test_a_finding_held_in_the_model_findings_list_asserts_nothing(kb):
    """Four drafts of a family the model never saw were flagged for a measured posterior
    rhythm beside "Burst suppression: not stated: just under its threshold", which states it
    neither present nor absent."""
    rhythm = "A posterior dominant rhythm of 9.2 Hz is measured in the posterior derivations."
    held = (
        "Burst suppression: not stated: just under its threshold, its absence not stated "
        "either (finding score 0.95, threshold 0.96)."
    )
    assert claims(held, kb) == frozenset()
    assert contradictions([rhythm, held], kb) == []
    assert contradictions([rhythm, "Burst suppression: present (finding score 0.99)."], kb)
    # Only the held entry's shape: a description that also says "not stated" still claims.
    described = "Focal slowing over the left temporal region is seen, its cause not stated."
    assert ("focal_slowing", "left") in {(c.subject, c.value) for c in claims(described, kb)}


def test_synthetic_reference_reports_hold_no_contradiction(kb, tmp_path):
    """Reports written from ground truth are consistent: the checker must stay silent on them
    (history sections, which mention past seizures, are not about the record)."""
    manifest = generate_corpus(tmp_path, n=12, minutes=1, seed=11, workers=1)
    reports = [entry["report"] for entry in read_manifest(manifest)]
    assert all(contradictions(report, kb) == [] for report in reports)
    # ... while the same reports joined with a conflicting sentence are caught.
    joined = reports[0] + "\nEVENTS: None.\nIMPRESSION: Burst suppression. The PDR is 7 Hz."
    assert contradictions(joined, kb)


def test_slowing_with_hyperventilation_is_its_response_not_background_slowing(kb):
    sentences = [
        "Hyperventilation produced a build-up of diffuse slowing that resolved afterwards.",
        "Generalized slowing: absent (probability 0.20, threshold 0.50).",
    ]
    assert contradictions(sentences, kb) == []
    assert contradictions(["There is diffuse slowing.", sentences[1]], kb)


@pytest.mark.parametrize(
    "sentence",
    [
        "A seizure arises from the right temporal region and spreads to both hemispheres.",
        "One electrographic seizure over the right temporal region, with secondary generalization.",
    ],
)
def test_a_seizure_is_on_the_side_of_its_onset_however_far_it_spreads(kb, sentence):
    sides = {c.value for c in claims(sentence, kb) if c.kind == "side"}
    assert sides == {"right"}
    # A seizure on both sides from its onset has none, nor a finding named after the spread
    # on the other side.
    for no_side in (
        "A seizure arises bilaterally and spreads to the right hemisphere.",
        "Left temporal sharp waves spread to the right, with independent right temporal sharp "
        "waves.",
        "A seizure arises from the left temporal region and spreads to both hemispheres, "
        "followed by right temporal slowing.",
    ):
        assert not [c for c in claims(no_side, kb) if c.kind == "side"], no_side
