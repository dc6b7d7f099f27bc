"""Muscle artifact measured in the model input, and the generated draft's check of it."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.clinical.draft_check import check_draft
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.muscle_artifact import (
    TEMPORAL_DERIVATIONS,
    MuscleArtifact,
    crop_muscle_power,
    muscle_artifact,
    muscle_words,
)
from elm_desktop.signals import ELM_CHANNELS, ELM_SFREQ

SAMPLES = int(5 * ELM_SFREQ)
MUSCLE_SENTENCE = "There is muscle artifact in the temporal leads at times."


def _crops(*bursts: tuple[int, float, float], seed: int = 0) -> np.ndarray:
    """Twelve crops of brown-ish background; each burst = (crop, start s, seconds) of broadband
    fast activity added to the left temporal derivations."""
    rng = np.random.default_rng(seed)
    noise = np.cumsum(rng.standard_normal((12, len(ELM_CHANNELS), SAMPLES)), axis=-1)
    crops = noise - noise.mean(axis=-1, keepdims=True)
    crops = crops / crops.std() + 0.05 * rng.standard_normal(crops.shape)
    for crop, start_s, seconds in bursts:
        span = slice(int(start_s * ELM_SFREQ), int((start_s + seconds) * ELM_SFREQ))
        rows = [ELM_CHANNELS.index(c) for c in ("F7-T3", "T3-T5")]
        fast = rng.standard_normal((len(rows), span.stop - span.start))
        fast -= np.convolve(fast.ravel(), np.ones(5) / 5, "same").reshape(fast.shape)  # high-pass
        crops[crop, rows, span] += 1.5 * fast
    return crops.astype(np.float32)


def test_a_burst_of_fast_activity_is_measured_in_its_crop():
    measured = muscle_artifact(crop_muscle_power(_crops((7, 1.0, 2.0)), ELM_CHANNELS))
    assert measured.present
    assert 1.5 <= measured.burst_s <= 2.5
    assert int(np.argmax(measured.crop_index)) == 7
    assert measured.strongest_s == 35.0  # the start of crop 7, where the reviewer looks
    assert muscle_words(measured).endswith("; strongest at 0:00:35 from the start)")
    assert max(measured.crop_index[:7]) < 0.5 < measured.crop_index[7]


def test_background_alone_and_one_short_transient_are_not_muscle():
    assert not muscle_artifact(crop_muscle_power(_crops(), ELM_CHANNELS)).present
    # A quarter second of fast activity touches one half-second window only.
    single = muscle_artifact(crop_muscle_power(_crops((3, 2.1, 0.25)), ELM_CHANNELS))
    assert not single.present
    # Nor are two such transients in crops far apart: a burst lies within one crop.
    apart = muscle_artifact(crop_muscle_power(_crops((2, 2.1, 0.25), (9, 2.1, 0.25)), ELM_CHANNELS))
    assert not apart.present and apart.burst_s >= 1.0


def test_a_derivation_dimmed_for_most_of_the_recording_is_not_read_as_bursts():
    crops = _crops()
    crops[:7, ELM_CHANNELS.index("F7-T3")] *= 1e-3  # an electrode off for 35 of 60 s
    dimmed = muscle_artifact(crop_muscle_power(crops, ELM_CHANNELS))
    assert not dimmed.present and max(dimmed.crop_index) < 0.5


def test_the_power_is_of_the_temporal_derivations_per_half_second():
    power = crop_muscle_power(_crops(), ELM_CHANNELS)
    assert power.shape == (12, len(TEMPORAL_DERIVATIONS), 10)
    assert muscle_artifact(power[:0]) is None


@pytest.mark.parametrize(("present", "marked"), [(False, True), (True, False)])
def test_a_muscle_sentence_is_held_to_the_measurement_not_the_score(present, marked):
    kb = load_knowledge_base()
    # The artifact score says absent; only the measurement decides a muscle sentence.
    scores = {"artifact": 0.01, "normal": 0.9}
    muscle = MuscleArtifact(
        crop_index=(0.2,) * 12, burst_s=3.0 if present else 0.0, present=present
    )
    checked = check_draft({"DESCRIPTION OF THE RECORD": MUSCLE_SENTENCE}, scores, kb, muscle=muscle)
    assert [s.supported for s in checked] == [not marked]
    if marked:
        assert "no muscle artifact measured" in checked[0].note
    # Without the measurement the score holds it, as for any finding.
    unmeasured = check_draft({"DESCRIPTION OF THE RECORD": MUSCLE_SENTENCE}, scores, kb)
    assert not unmeasured[0].supported


@pytest.mark.parametrize(
    ("sentence", "score", "present", "supported"),
    [
        # Negated muscle: only the electrode artifact is asserted, and the score holds it.
        ("Electrode artifact is seen over T3; there is no muscle artifact.", 0.9, False, True),
        ("Electrode artifact is seen over T3; there is no muscle artifact.", 0.01, True, False),
        # Both kinds asserted: the measurement holds the muscle, the score the electrode.
        ("Muscle and electrode artifact are seen.", 0.9, False, False),
        ("Muscle and electrode artifact are seen.", 0.01, True, False),
        ("Muscle and electrode artifact are seen.", 0.9, True, True),
        ("There is no muscle artifact.", 0.01, False, True),
        ("Electrode artifact without muscle artifact.", 0.9, False, True),
    ],
)
def test_each_kind_of_artifact_in_a_sentence_is_held_to_its_own_evidence(
    sentence, score, present, supported
):
    kb = load_knowledge_base()
    muscle = MuscleArtifact(crop_index=(0.2,) * 12, burst_s=3.0 * present, present=present)
    checked = check_draft(
        {"DESCRIPTION OF THE RECORD": sentence}, {"artifact": score}, kb, muscle=muscle
    )
    assert checked[0].supported is supported
    assert checked[0].unsupported in ((), ("artifact",))


def test_other_artifact_sentences_keep_the_score_check():
    kb = load_knowledge_base()
    muscle = MuscleArtifact(crop_index=(2.0,) * 12, burst_s=6.0, present=True)
    checked = check_draft(
        {"DESCRIPTION OF THE RECORD": "There are intermittent electrode pops."},
        {"artifact": 0.01},
        kb,
        muscle=muscle,
    )
    assert not checked[0].supported


@pytest.mark.parametrize(("present", "supported"), [(False, True), (True, False)])
def test_a_denied_muscle_artifact_is_held_to_the_measurement_too(present, supported):
    # The artifact score is too weak where calibrated, but muscle is measured: it decides.
    from dataclasses import replace

    from elm_desktop.clinical.knowledge import KnowledgeBase

    base = load_knowledge_base()
    weak = KnowledgeBase(
        [replace(f, calibration_auroc=0.5 if f.id == "artifact" else 0.9) for f in base.values()],
        base.sources,
        base.prompt_style,
    )
    muscle = MuscleArtifact(crop_index=(0.2,) * 12, burst_s=3.0 * present, present=present)
    [checked] = check_draft(
        {"DESCRIPTION OF THE RECORD": "No muscle artifact is seen."},
        {"artifact": 0.01},
        weak,
        muscle=muscle,
    )
    assert checked.supported is supported


@pytest.mark.parametrize(
    "sentence",
    [
        "Temporal muscle artefact at times.",
        "EMG artifact over the temporal leads.",
        "Muscle artifacts.",
    ],
)
def test_muscle_artifact_in_other_words_is_held_to_the_measurement(sentence):
    kb = load_knowledge_base()
    muscle = MuscleArtifact(crop_index=(2.0,) * 12, burst_s=4.0, present=True)
    [checked] = check_draft(
        {"DESCRIPTION OF THE RECORD": sentence}, {"artifact": 0.01}, kb, muscle=muscle
    )
    assert checked.supported, checked.note


def test_measured_muscle_makes_the_artifact_score_present_and_leaves_it_otherwise():
    from elm_desktop.clinical.muscle_artifact import measured_artifact_score
    from elm_desktop.clinical.record_score import MUSCLE_MEASURE, PROBABILITY
    from elm_desktop.clinical.zeroshot import FindingScore

    curve = np.full(12, 0.1, np.float32)
    prompt = FindingScore("artifact", "Artifact", 0.2, 0.6, False, False, curve)
    burst = muscle_artifact(crop_muscle_power(_crops((4, 1.0, 2.0)), ELM_CHANNELS))
    quiet = muscle_artifact(crop_muscle_power(_crops(), ELM_CHANNELS))
    assert burst.present and not quiet.present
    measured = measured_artifact_score(prompt, burst, 5.0)
    assert measured.present and measured.measure == MUSCLE_MEASURE
    assert measured.label == "Muscle artifact (measured)"  # not "Artifact-dominated segments"
    assert [(s.start_s, s.end_s, s.crop) for s in measured.top_segments] == [(20.0, 25.0, 4)]
    assert 0.5 < measured.probability <= 1.0 and measured.threshold == 0.5
    assert measured.prompt_probability == 0.2 and measured.curve_threshold == 0.6
    for unmeasured in (quiet, None):  # eyes, electrodes, movement: the prompt decides
        kept = measured_artifact_score(prompt, unmeasured, 5.0)
        assert kept is prompt and kept.measure == PROBABILITY
