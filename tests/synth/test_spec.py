"""Specs: the requested findings are present, coherent with the patient, at any length."""

from __future__ import annotations

import pytest

from elm_desktop.synth import ABNORMAL, FINDINGS, plan_corpus


@pytest.mark.parametrize("minutes", [10 / 60, 1, 20])
def test_every_requested_finding_is_present_at_any_length(minutes):
    for name in FINDINGS:
        for spec, _ in plan_corpus(4, minutes, 9, findings=[name]):
            names = {f.name for f in spec.findings}
            assert name in names, (name, minutes)
            if name == "normal":
                assert not names & ABNORMAL


def test_findings_fit_the_patient_and_medications():
    plan = plan_corpus(80, 20, 13)
    for spec, _ in plan:
        names = {f.name for f in spec.findings}
        if "burst_suppression" in names:
            assert spec.states_present() == {"coma"}
            assert not spec.procedures
        if "excess_beta" in names:
            assert set(spec.clinical.medications) & {
                "lorazepam", "clonazepam", "diazepam", "alprazolam", "midazolam",
                "phenobarbital", "propofol", "pentobarbital",
            }  # fmt: skip
        if "generalized_spike_wave" in names:
            assert spec.patient.age < 30
        if "hyperventilation_response" in names:
            assert any(p.kind == "hv" and p.response for p in spec.procedures)
        if "photic_driving" in names:
            assert any(p.kind == "photic" and p.response for p in spec.procedures)
        for finding in spec.findings:
            for start, end in finding.intervals:
                assert 0 <= start < end <= spec.duration_s + 1
    primaries = {spec.patient.condition for spec, _ in plan}
    assert len(primaries) >= 8  # the default mix covers most findings
