"""The synthetic 12-lead corpus: determinism, files that read back, ground truth that the signal
shows when measured (tests/ecg/measure.py), reports and splits."""

from __future__ import annotations

import re

import numpy as np
import pytest

from elm_desktop.errors import ConfigError
from elm_desktop.signals.ecg import STANDARD_LEADS, read_ecg
from elm_desktop.signals.modality import detect_modality
from elm_desktop.synth.ecg.corpus import (
    generate_ecg_corpus,
    read_ecg_manifest,
    record_findings,
    synthesise,
)
from elm_desktop.synth.ecg.plan import ECG_FINDINGS, RHYTHMS, plan_corpus
from elm_desktop.synth.ecg.rhythm import SINUS_RHYTHMS
from tests.ecg.measure import heart_rate, intervals
from tests.synth.test_cli import main

SECONDS, SFREQ = 10, 500
LEAD = {name: k for k, name in enumerate(STANDARD_LEADS)}


@pytest.fixture(scope="module")
def records():
    """Up to four records of every rhythm and finding: (plan, recorded, clean, truth, conditions)."""
    chosen = {}
    for plan in plan_corpus(400, 11):
        for name in plan.findings:
            if sum(name in p.findings for p, *_ in chosen.values()) < 4:
                chosen[plan.record_id] = (plan, *synthesise(plan, SECONDS, SFREQ))
    return list(chosen.values())


def having(records, name):
    return [r for r in records if name in r[0].findings]


def plain_sinus(records):
    """Sinus rhythms without ectopic beats: one beat shape, measurable intervals."""
    return [
        r
        for r in records
        if r[0].rhythm in SINUS_RHYTHMS and not {"pvc", "pac"} & set(r[0].findings)
    ]


def test_every_rhythm_and_finding_is_made(records):
    present = {name for r in records for name in r[0].findings}
    assert present == set(ECG_FINDINGS) - {"left_axis_deviation", "right_axis_deviation"}


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    first = generate_ecg_corpus(tmp_path / "a", 5, seed=4, formats=("wfdb", "edf", "aecg"))
    second = generate_ecg_corpus(tmp_path / "b", 5, seed=4, formats=("wfdb", "edf", "aecg"))
    other = generate_ecg_corpus(tmp_path / "c", 5, seed=5)
    names = sorted(p.name for p in first.parent.iterdir())
    assert len(names) == 1 + 5 * 5  # manifest; .hea .dat .edf .xml .txt per record
    for name in names:
        assert (first.parent / name).read_bytes() == (second.parent / name).read_bytes(), name
    assert first.read_bytes() != other.read_bytes()


def test_every_written_format_reads_back_as_rendered(tmp_path):
    manifest = generate_ecg_corpus(tmp_path, 3, seed=8, formats=("wfdb", "edf", "aecg"))
    for entry, plan in zip(read_ecg_manifest(manifest), plan_corpus(3, 8), strict=True):
        recorded = synthesise(plan, SECONDS, SFREQ)[0]
        for fmt in ("wfdb", "edf", "aecg"):
            path = tmp_path / entry[fmt]
            ecg = read_ecg(path)
            assert detect_modality(path) == "ecg"
            assert ecg.warnings == ()
            assert ecg.samples_mv.shape == (12, SECONDS * SFREQ)
            assert np.abs(ecg.samples_mv - recorded).max() <= 0.0005 + 1e-9  # 1 uV steps
            lead = ecg.lead
            assert np.abs(lead("III") - (lead("II") - lead("I"))).max() <= 0.0015


def test_lead_relations_hold_before_and_after_noise(records):
    for _, recorded, clean, *_ in records:
        for leads in (clean, recorded):
            first, second = leads[LEAD["I"]], leads[LEAD["II"]]
            assert np.abs(leads[LEAD["III"]] - (second - first)).max() < 0.001
            assert np.abs(leads[LEAD["aVR"]] + (first + second) / 2).max() < 0.001
            assert np.abs(leads[LEAD["aVL"]] - (first - second / 2)).max() < 0.001
            assert np.abs(leads[LEAD["aVF"]] - (second - first / 2)).max() < 0.001


@pytest.mark.parametrize("rhythm", list(RHYTHMS))
def test_measured_heart_rate_matches_the_truth(records, rhythm):
    chosen = [r for r in records if r[0].rhythm == rhythm]
    assert chosen
    for plan, _, clean, truth, _ in chosen:
        measured, _ = heart_rate(clean, SFREQ)
        assert measured == pytest.approx(truth["heart_rate"], abs=2.0), plan.record_id


def test_heart_rate_through_noise_wander_and_mains(records):
    """Records without a muscle burst or an electrode pop, at normal voltage."""
    chosen = [
        r
        for r in records
        if r[4]["muscle"] is None and r[4]["pop"] is None and "low_voltage" not in r[0].findings
    ]
    assert len(chosen) >= 20
    for plan, recorded, _, truth, _ in chosen:
        measured, _ = heart_rate(recorded, SFREQ)
        assert measured == pytest.approx(truth["heart_rate"], abs=2.0), plan.record_id


def test_atrial_fibrillation_is_irregular_and_sinus_is_not(records):
    for plan, _, clean, _, _ in having(records, "atrial_fibrillation"):
        assert heart_rate(clean, SFREQ)[1] > 0.1, plan.record_id
    for plan, _, clean, _, _ in plain_sinus(records) + having(records, "atrial_flutter"):
        assert heart_rate(clean, SFREQ)[1] < 0.05, plan.record_id


def test_intervals_of_the_truth_are_in_the_signal(records):
    chosen = plain_sinus(records)
    assert {"first_degree_av_block", "lbbb", "rbbb", "long_qt"} <= {
        name for r in chosen for name in r[0].findings
    }
    for plan, _, clean, truth, _ in chosen:
        measured = intervals(clean, SFREQ)
        assert measured.pr_ms == pytest.approx(truth["pr_ms"], abs=10), plan.record_id
        assert measured.qrs_ms == pytest.approx(truth["qrs_ms"], abs=10), plan.record_id
        assert measured.qtc_ms == pytest.approx(truth["qtc_ms"], abs=10), plan.record_id


def test_interval_findings_meet_their_criteria(records):
    for plan, *_, truth, _ in records:
        findings = set(plan.findings)
        if plan.rhythm in SINUS_RHYTHMS:
            assert (truth["pr_ms"] > 200) == ("first_degree_av_block" in findings)
        assert (truth["qrs_ms"] >= 120) == bool({"lbbb", "rbbb"} & findings)
        if "long_qt" in findings:
            assert truth["qtc_ms"] > 480
        assert truth["heart_rate"] < 60 or plan.rhythm != "sinus_bradycardia"
        assert truth["heart_rate"] > 100 or plan.rhythm != "sinus_tachycardia"


def test_voltage_findings_hold_on_the_measured_beat(records):
    for plan, _, clean, _, _ in plain_sinus(records):
        beat = intervals(clean, SFREQ)
        qrs = beat.median_beat[:, beat.qrs_slice]
        sokolow = -qrs[LEAD["V1"]].min() + max(qrs[LEAD["V5"]].max(), qrs[LEAD["V6"]].max())
        limb_span = (qrs[:6].max(axis=1) - qrs[:6].min(axis=1)).max()
        assert (sokolow > 3.5) == ("lvh" in plan.findings), plan.record_id
        assert (limb_span < 0.5) == ("low_voltage" in plan.findings), plan.record_id


def test_st_changes_show_in_their_leads(records):
    def st(record):
        beat = intervals(record[2], SFREQ)
        j60 = beat.qrs_slice.stop - 1 + int(0.06 * SFREQ)
        return {lead: beat.median_beat[k, j60] for lead, k in LEAD.items()}

    sinus = plain_sinus(records)
    for name in ("inferior_stemi", "anterior_stemi", "st_depression"):
        assert having(sinus, name), name
    for record in having(sinus, "inferior_stemi"):
        level = st(record)
        assert min(level["II"], level["III"], level["aVF"]) > 0.1 and level["aVL"] < 0
    for record in having(sinus, "anterior_stemi"):
        level = st(record)
        assert min(level["V2"], level["V3"]) > 0.1 and level["aVR"] < 0.05
    for record in having(sinus, "st_depression"):
        level = st(record)
        assert max(level["V5"], level["V6"]) < -0.05 and level["aVR"] > 0
    for record in sinus:
        if not {"inferior_stemi", "anterior_stemi", "st_depression"} & set(record[0].findings):
            if record[0].heart.conduction == "normal" and not record[0].heart.strain:
                assert max(abs(v) for v in st(record).values()) < 0.1  # the criterion


def test_manifest_splits_reports_and_truth(tmp_path):
    manifest = generate_ecg_corpus(tmp_path, 120, seed=2)
    entries = read_ecg_manifest(manifest)
    splits: dict[str, set[str]] = {}
    for entry in entries:
        splits.setdefault(entry["patient_id"], set()).add(entry["split"])
        names = [f["name"] for f in entry["findings"]]
        assert names[0] == entry["rhythm"] and set(names) <= set(ECG_FINDINGS)
        assert (tmp_path / f"{entry['id']}.txt").read_text().strip() == entry["report"]
        assert entry["modality"] == "ecg" and entry["leads"] == list(STANDARD_LEADS)
        machine, report = entry["machine_report"], entry["report"]
        assert machine.endswith(("Normal ECG.", "Abnormal ECG.", "Otherwise normal ECG."))
        assert ("Abnormal" in machine) == ("bnormal ECG" in report)
        if "lvh" in names:
            assert "No LVH" not in report and "ypertrophy" in machine
        if "atrial_fibrillation" in names:
            assert "Atrial fibrillation" in machine
        if "first_degree_av_block" in names:
            assert re.search(r"(1st|First) degree", machine)
    assert all(len(s) == 1 for s in splits.values()), "a patient in two splits"
    shares = {
        s: sum(e["split"] == s for e in entries) / len(entries) for s in ("train", "val", "test")
    }
    assert 0.65 < shares["train"] < 0.92 and shares["val"] > 0.02 and shares["test"] > 0.02
    assert len({e["report"] for e in entries}) > 0.8 * len(entries)


def test_ectopic_beats_are_listed_when_the_signal_has_them(records):
    listed = 0
    for plan, *_, truth, _ in records:
        findings = record_findings(plan, truth)
        kinds = {kind for _, kind in truth["beats"]}
        assert ("pvc" in findings) == ("pvc" in kinds) and ("pac" in findings) == ("pac" in kinds)
        listed += "pvc" in findings and "pac" not in findings
    assert listed >= 2


def test_axis_deviation_follows_the_measured_axis(records):
    for plan, *_, truth, _ in records:
        findings = record_findings(plan, truth)
        assert ("left_axis_deviation" in findings) == (truth["axis_deg"] < -30)
        assert ("right_axis_deviation" in findings) == (truth["axis_deg"] > 90)


def test_synth_command_writes_an_ecg_corpus(tmp_path, capsys):
    out = tmp_path / "ecg"
    argv = ["synth", "--modality", "ecg", "--out", str(out), "--n", "3", "--seed", "1"]
    assert main([*argv, "--seconds", "12", "--sfreq", "250", "--ecg-formats", "edf"]) == 0
    entries = read_ecg_manifest(out / "manifest.jsonl")
    assert [e["duration_s"] for e in entries] == [12] * 3
    assert read_ecg(out / entries[0]["edf"]).samples_mv.shape == (12, 3000)
    assert str(out / "manifest.jsonl") in capsys.readouterr().out


def test_a_corpus_built_around_findings(tmp_path):
    targets = ["lbbb", "atrial_flutter", "normal", "anterior_stemi"]
    entries = read_ecg_manifest(generate_ecg_corpus(tmp_path, 8, seed=6, findings=targets))
    for k, entry in enumerate(entries):
        names = [f["name"] for f in entry["findings"]]
        target = targets[k % len(targets)]
        assert names == ["sinus_rhythm"] if target == "normal" else target in names
    assert len({e["patient_id"] for e in entries}) == 8


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--findings", "lbbb,spikes"], "unknown ECG finding spikes"),
        (["--findings", "left_axis_deviation"], "unknown ECG finding"),
        (["--family", "dipole-spectral"], "--family: EEG options"),
        (["--seconds", "10", "--minutes", "1"], "not both"),
        (["--sfreq", "256"], "not 256"),
        (["--ecg-formats", "scp"], "unknown ECG format scp"),
        (["--seconds", "2.5"], "whole seconds"),
    ],
)
def test_synth_command_refuses_what_an_ecg_corpus_cannot_be(tmp_path, extra, message):
    with pytest.raises(ConfigError, match=message):
        main(["synth", "--modality", "ecg", "--out", str(tmp_path), "--n", "1", *extra])
