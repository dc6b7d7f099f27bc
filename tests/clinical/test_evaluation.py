"""Evaluation figures from per-recording results."""

from __future__ import annotations

import math

import numpy as np
import pytest

from elm_desktop.archive import SegmentHit
from elm_desktop.clinical.evaluation import (
    SEIZURE_PROMPT,
    EvaluatedRecording,
    calibrate_thresholds,
    denied_findings,
    evaluation_figures,
    figures_markdown,
    safety_figures,
    safety_markdown,
    safety_record,
    thresholds_toml,
    with_thresholds,
)
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.localise import Location
from elm_desktop.clinical.report import RecordingFacts, draft_report
from elm_desktop.clinical.zeroshot import FindingScore, PromptCurve, Segment


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


def test_safety_figures_count_what_the_drafts_get_wrong(kb):
    facts = RecordingFacts(600.0, 256.0, ("Fp1",), "TCP", 5.0, 120)
    seizure_at = [[300.0, 400.0]]
    entry = {
        "id": "r0",
        "abnormal": True,
        "annotations": [[10.0, 0.0, "eyes closed"]],  # no procedure
        "findings": [
            {"name": "seizure", "location": "left temporal", "intervals": seizure_at},
            {"name": "focal_slowing", "location": "right frontal", "intervals": [[0, 600]]},
            # Scored low below, so the draft states it absent.
            {
                "name": "generalized_spike_wave",
                "location": "generalized",
                "intervals": [[500, 505]],
            },
        ],
    }

    def score(finding_id, probability, start):
        f = kb[finding_id]
        return FindingScore(
            finding_id,
            f.label,
            probability,
            f.threshold,
            probability >= f.threshold,
            f.abnormal,
            np.zeros(120, np.float32),
            [Segment(start, start + 5.0, probability, int(start // 5))],
        )

    scores = [score(f, 0.1, 0.0) for f in kb if f not in ("seizure", "focal_slowing", "normal")]
    scores += [score("seizure", 0.95, 350.0), score("focal_slowing", 0.95, 100.0)]
    scores += [score("normal", 0.05, 0.0)]
    locations = {
        "seizure": Location("left", "temporal", 0.3),
        "focal_slowing": Location("left", "frontal", 0.3),  # the wrong side
    }
    hits = [SegmentHit(3, "DESCRIPTION OF THE RECORD", 1, "Hyperventilation was done.", 0.9)]
    draft = draft_report(facts, kb, "m", scores, hits, locations)
    curve = PromptCurve(SEIZURE_PROMPT, np.zeros(120, np.float32), 0.9, np.zeros(120), 0.1)
    curve.top_segments = [Segment(355.0, 360.0, 0.9, 71)]
    sick = safety_record(entry, draft, scores, locations, [curve], kb)
    normal_entry = dict(entry, id="r1", abnormal=False, findings=[])
    low = PromptCurve(SEIZURE_PROMPT, np.zeros(120, np.float32), 0.2, np.zeros(120), 0.1)
    # On a normal record every lateralised finding's location is the side rule's noise floor.
    floor = {
        "seizure": Location("", "", 0.04),
        "focal_slowing": Location("right", "frontal", 0.12),
        "artifact": Location("left", "temporal", 0.5),  # not a lateralised finding: not counted
    }
    healthy = safety_record(normal_entry, draft, scores, floor, [low], kb)
    figures = safety_figures([sick, healthy])
    # The archive sentence about hyperventilation is not borrowed: no draft describes it.
    assert figures["procedures_unbacked"]["hyperventilation"]["drafts"] == 0
    assert figures["drafts_with_contradictions"]["drafts"] == 0
    assert figures["lateralised_sides"] == {
        "stated_findings": 2,
        "correct": 1,
        "no_side": 0,
        "wrong": 1,
    }
    on_normal = figures["sides_on_normal_recordings"]
    assert (on_normal["localised"], on_normal["named"]) == (2, 1)
    assert on_normal["median_asymmetry"] == pytest.approx(0.08)
    assert sick.normal_asymmetries == ()
    assert figures["seizure_jump"] == {"recordings_with_seizure": 1, "inside": 1}
    prompt = figures["seizure_prompt"]
    assert prompt["peak_inside"] == 1 and prompt["peak_inside_and_above_paired_normal"] == 1
    denied = figures["true_findings_denied"]
    assert (denied["true_findings"], denied["denied"]) == (3, 1)
    assert denied["by_finding"] == {"generalized_spike_wave": 1} and denied["ids"] == ["r0"]
    assert healthy.denied == frozenset() and healthy.true_findings == frozenset()
    markdown = "\n".join(safety_markdown(figures))
    assert "Draft safety" in markdown
    assert (
        "true findings the report body states absent: 1 of 3 (generalized_spike_wave 1)" in markdown
    )


def test_the_procedures_a_recording_has_are_read_from_its_annotations_as_the_program_reads_them(
    kb,
):
    """A flash train marked by its rate alone ("PS 6 Hz", as the wave-atoms family and some
    systems write it) is photic stimulation: 76 of 150 drafts of that family were counted as
    describing stimulation their recordings lacked. A procedure marked as not done is not one."""
    facts = RecordingFacts(60.0, 256.0, ("Fp1",), "TCP", 5.0, 12)
    low_everywhere = [Segment(0.0, 5.0, 0.1, 0)]
    scores = [
        FindingScore(f, k.label, 0.1, k.threshold, False, k.abnormal, np.zeros(12), low_everywhere)
        for f, k in ((f, kb[f]) for f in kb)
    ]
    draft = draft_report(facts, kb, "m", scores, [], {})
    low = PromptCurve(SEIZURE_PROMPT, np.zeros(12, np.float32), 0.1, np.zeros(12), 0.1)

    def procedures(*notes):
        entry = {
            "id": "r0",
            "abnormal": False,
            "findings": [],
            "annotations": [[10.0 * i, 8.0, note] for i, note in enumerate(notes)],
        }
        return safety_record(entry, draft, scores, {}, [low], kb).procedures

    assert procedures("EYES CLOSED", "PS 6 Hz") == {"photic stimulation"}
    assert procedures("Photic 9 Hz", "HV start") == {"photic stimulation", "hyperventilation"}
    assert procedures("HV not performed") == frozenset()


def test_a_finding_is_denied_only_where_the_draft_never_states_it(kb):
    body = (
        "DESCRIPTION OF THE RECORD: No generalized epileptiform discharges are seen. "
        "Focal slowing over the left temporal region.\n"
        "MODEL FINDINGS: Focal slowing: absent (probability 0.20, threshold 0.70). "
        "Burst suppression: absent (probability 0.10, threshold 0.90). "
        "Focal epileptiform discharges: not stated: too weak where its threshold was "
        "calibrated (AUROC 0.74) (probability 0.30, threshold 0.65).\n"
        "CLINICAL HISTORY: no seizures."
    )
    # Focal slowing is also stated; focal spikes are held, not denied; the history is skipped.
    assert denied_findings(body, kb) == {"generalized_spike_wave", "burst_suppression"}


def test_bagged_thresholds_hold_better_on_another_split_when_positives_are_few():
    """A dozen positives among scores crowded near 1, as the ECG model's RBBB: the single
    maximum-F1 threshold sometimes sits above every positive of the next split; the median
    over bootstrap resamples rarely does. Thirty pairs of val / test splits drawn alike."""
    rng = np.random.default_rng(1)

    def split():
        y = np.r_[np.ones(12, bool), np.zeros(280, bool)]
        logits = np.r_[rng.normal(4.2, 0.8, 12), rng.normal(2.0, 1.0, 280)]
        return y, 1 / (1 + np.exp(-logits))

    def f1(y, called):
        return 2 * (y & called).sum() / (y.sum() + called.sum())

    gains = []
    for _ in range(30):
        (val_y, val_p), (test_y, test_p) = split(), split()
        single = calibrate_thresholds({"x": val_y}, {"x": val_p})["x"]
        bagged = calibrate_thresholds({"x": val_y}, {"x": val_p}, resamples=200)["x"]
        gains.append(f1(test_y, test_p >= bagged) - f1(test_y, test_p >= single))
    assert np.mean(gains) > 0.01 and min(gains) > -0.1
    again = calibrate_thresholds({"x": val_y}, {"x": val_p}, resamples=200)["x"]
    assert again == bagged  # seeded: the same split gives the same threshold
