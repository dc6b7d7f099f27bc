"""Photic driving is measured at the flash rate, in the signal, not read from a prompt."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.clinical.photic_driving import (
    DRIVING_RATIO,
    PhoticTrain,
    measured_driving_score,
    photic_driving,
    photic_trains,
)
from elm_desktop.clinical.posterior_rhythm import crop_posterior_spectra
from elm_desktop.clinical.procedures import ANNOTATIONS, ProcedureEvidence
from elm_desktop.clinical.record_score import DRIVING_MEASURE, measure_words
from elm_desktop.clinical.zeroshot import FindingScore
from elm_desktop.signals.montages import ELM_CHANNELS
from elm_desktop.signals.photic import FlashTrain
from elm_desktop.signals.recording import Annotation

SFREQ, WINDOW_S = 100.0, 5.0
TRAINS = [PhoticTrain(60.0 + 10 * i, 70.0 + 10 * i, rate) for i, rate in enumerate((2, 6, 12, 18))]


def crops(driven_at: tuple[float, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three minutes of 5 s crops: noise and a 10 Hz posterior rhythm everywhere (also during
    the flashes, as with eyes closed), and a rhythm at the flash rate in the trains at
    ``driven_at``."""
    rng = np.random.default_rng(seed)
    starts = np.arange(36) * WINDOW_S
    t = np.arange(int(WINDOW_S * SFREQ)) / SFREQ
    x = rng.standard_normal((len(starts), len(ELM_CHANNELS), len(t))).astype(np.float32)
    x += 3 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, (len(starts), 1, 1)))
    for train in TRAINS:
        if train.rate_hz in driven_at:
            inside = (starts >= train.start_s) & (starts < train.end_s)
            x[inside] += 3 * np.sin(2 * np.pi * train.rate_hz * t)
    return crop_posterior_spectra(x, ELM_CHANNELS), starts


def measure(spectra, starts, trains=TRAINS):
    return photic_driving(spectra, SFREQ, int(WINDOW_S * SFREQ), starts, WINDOW_S, trains)


def test_driving_at_the_flash_rate_is_found_and_the_posterior_rhythm_is_not_taken_for_it():
    driven = measure(*crops(driven_at=(6, 18)))
    assert driven.present and driven.driven_hz == (6, 18) and driven.trains == 3  # not 2 Hz
    assert driven.probability > 0.5
    # The 10 Hz posterior rhythm lies under the 12 Hz train's harmonic flanks and the 6 Hz
    # train's harmonic: without driving, nothing stands out of what is there outside the flashes.
    quiet = measure(*crops(driven_at=()))
    assert not quiet.present and quiet.driven_hz == () and quiet.ratio < DRIVING_RATIO
    assert quiet.probability < 0.5
    assert "no peak at the flash rate" in quiet.words() and "driving at 6, 18 Hz" in driven.words()


def test_nothing_is_measured_without_a_rate_to_measure_at_or_a_baseline():
    spectra, starts = crops(driven_at=(6,))
    assert measure(spectra, starts, trains=[]) is None
    assert measure(spectra, starts, trains=[PhoticTrain(60, 70, 2.0)]) is None  # below 4 Hz
    assert measure(spectra, starts, trains=[PhoticTrain(400, 410, 8.0)]) is None  # no crop
    everywhere = [PhoticTrain(0, 180, 8.0)]
    assert measure(spectra, starts, trains=everywhere) is None  # nothing to compare with
    assert measure(spectra[:, :0], starts) is None  # no posterior derivations


def test_trains_are_read_from_annotations_that_give_a_rate_and_from_the_stimulator():
    notes = [
        Annotation(10.0, 5.0, "Photic 10 Hz"),
        Annotation(20.0, 0.0, "PS 12Hz"),  # marked where it starts: until the next photic note
        Annotation(24.0, 0.0, "eyes open"),  # not photic: the train goes on
        Annotation(30.0, 0.0, "IPS 15 Hz"),
        Annotation(50.0, 0.0, "photic stimulation"),  # no rate: nothing to measure at
        Annotation(60.0, 60.0, "HV 3 min"),
        Annotation(70.0, 0.0, "slowing 3 Hz"),  # a rate, but no photic stimulation
        Annotation(80.0, 0.0, "PHOTIC ON 14Hz"),
        Annotation(120.0, 0.0, "PHOTIC OFF"),
        Annotation(130.0, 60.0, "Photic stimulation 1-30 Hz"),  # a sweep: no one rate
        Annotation(195.0, 0.0, "Photic 20 Hz not done"),
        Annotation(200.0, 0.0, "Photic 10,5 Hz"),  # a decimal comma; nothing after: 60 s
    ]
    # The stimulator's trains: one the annotations already mark (its rate as the channel
    # times it), one they do not.
    flashes = [FlashTrain(11.0, 14.9, 10.0016, 40), FlashTrain(300.0, 305.0, 7.9984, 40)]
    assert photic_trains(notes, flashes) == (
        PhoticTrain(10.0, 15.0, 10.0),
        PhoticTrain(20.0, 30.0, 12.0),
        PhoticTrain(30.0, 50.0, 15.0),
        PhoticTrain(80.0, 120.0, 14.0),
        PhoticTrain(200.0, 260.0, 10.5),
        PhoticTrain(300.0, 305.0, 8.0),
    )


def test_the_measured_score_replaces_the_prompt_and_points_at_the_train_that_drove():
    curve = np.linspace(0, 1, 36).astype(np.float32)  # the prompt peaks at the end
    prompt = FindingScore("photic_driving", "Photic driving", 0.9, 0.7, True, False, curve)
    spectra, starts = crops(driven_at=(12,))
    driven = measure(spectra, starts)
    score = measured_driving_score(prompt, driven, starts, WINDOW_S)
    assert score.measure == DRIVING_MEASURE and score.present
    assert score.probability == pytest.approx(driven.probability) and score.threshold == 0.5
    assert score.prompt_probability == 0.9 and score.curve_threshold == 0.7
    assert score.crop_probability is curve
    assert driven.strongest_s == (80.0, 90.0)
    assert [(s.start_s, s.end_s, s.crop) for s in score.top_segments] == [(80.0, 90.0, 16)]
    assert "flash rate" in measure_words(score.measure)


def test_the_posterior_rhythm_waxing_under_the_flashes_is_not_taken_for_driving():
    """Eyes open between the trains, closed under them: the 10 Hz alpha rises under the 12 Hz
    train's flanks and at the 6 Hz train's harmonic. Measured beside a clear 10 Hz rhythm, the
    components there are left out; a 9.9 Hz rhythm under a 10 Hz train is not measured."""
    rng = np.random.default_rng(1)
    starts = np.arange(36) * WINDOW_S
    t = np.arange(int(WINDOW_S * SFREQ)) / SFREQ
    x = rng.standard_normal((len(starts), len(ELM_CHANNELS), len(t))).astype(np.float32)
    trains = [PhoticTrain(60.0, 70.0, 5.0), PhoticTrain(70.0, 80.0, 10.0)]
    under = (starts >= 60) & (starts < 80)
    x[under] += 4 * np.sin(2 * np.pi * 9.9 * t + rng.uniform(0, 6, (under.sum(), 1, 1)))
    spectra = crop_posterior_spectra(x, ELM_CHANNELS)
    blind = measure(spectra, starts, trains)
    assert blind.present  # what the rhythm alone did before
    seen = photic_driving(spectra, SFREQ, len(t), starts, WINDOW_S, trains, rhythm_hz=9.9)
    assert not seen.present and seen.trains == 2  # 5 Hz at 5, 10 Hz at its 20 Hz harmonic
    # Rates under 4 Hz, and any whose every component lies at the rhythm, are named unmeasured.
    slow = [*trains, PhoticTrain(100.0, 110.0, 2.0)]
    named = photic_driving(spectra, SFREQ, len(t), starts, WINDOW_S, slow, rhythm_hz=9.9)
    assert named.unmeasured_hz == (2.0,) and "not measured at 2 Hz" in named.words()


def test_the_whole_stimulation_is_kept_out_of_the_baseline():
    """ "PHOTIC ON 12Hz" ... "PHOTIC OFF": only the marked start counts as the train, yet the
    rest of the stimulation, driven too, is no baseline."""
    rng = np.random.default_rng(2)
    starts = np.arange(36) * WINDOW_S
    t = np.arange(int(WINDOW_S * SFREQ)) / SFREQ
    x = rng.standard_normal((len(starts), len(ELM_CHANNELS), len(t))).astype(np.float32)
    x[(starts >= 60) & (starts < 100)] += 0.6 * np.sin(2 * np.pi * 12 * t)
    spectra = crop_posterior_spectra(x, ELM_CHANNELS)
    trains = [PhoticTrain(60.0, 70.0, 12.0)]
    diluted = measure(spectra, starts, trains)
    whole = photic_driving(spectra, SFREQ, len(t), starts, WINDOW_S, trains, (60.0, 100.0))
    assert whole.ratio > diluted.ratio


def test_a_generated_driving_sentence_is_held_to_the_measurement():
    from dataclasses import replace

    from elm_desktop.clinical.draft_check import check_draft
    from elm_desktop.clinical.knowledge import KnowledgeBase, load_knowledge_base

    kb = load_knowledge_base(user_path="/nonexistent")
    uncalibrated = KnowledgeBase(  # calibrated, but never on photic driving
        [
            replace(f, calibration_auroc=None if f.id == "photic_driving" else 0.9)
            for f in kb.values()
        ],
        kb.sources,
        kb.prompt_style,
    )
    sections = {"DESCRIPTION OF THE RECORD": "Photic stimulation produced a driving response."}
    shown = [ProcedureEvidence("photic stimulation", ANNOTATIONS)]

    def check(probability, measured):
        (sentence,) = check_draft(
            sections, {"photic_driving": probability}, uncalibrated, shown,
            thresholds={"photic_driving": 0.5}, measured=measured,
        )  # fmt: skip
        return sentence.supported

    assert not check(0.9, measured=())  # the prompt's missing calibration holds it
    assert check(0.9, measured=["photic_driving"])
    assert not check(0.3, measured=["photic_driving"])  # measured, and under its bar


def test_the_html_draws_no_picture_for_a_present_finding_without_a_time():
    """A measured finding present with no crop to show (driving measured, the prompt's curve
    low in the stimulation) once stopped the HTML page (a new-user trial)."""
    from elm_desktop.clinical.html import snippet_requests

    summary = {
        "attended_segments": [],
        "prompts": [],
        "findings": [
            {"label": "Photic driving response", "present": True, "top_segments": []},
            {"label": "Focal slowing", "present": True,
             "top_segments": [{"start_s": 5.0, "end_s": 10.0}]},
        ],
    }  # fmt: skip
    assert [title for title, _, _ in snippet_requests(summary)] == ["Focal slowing"]


def test_a_generated_driving_sentence_may_not_say_more_of_its_sides_than_was_measured():
    from elm_desktop.clinical.draft_check import check_draft
    from elm_desktop.clinical.knowledge import load_knowledge_base

    kb = load_knowledge_base(user_path="/nonexistent")
    for sentence, supported in [
        ("Photic stimulation produced a driving response.", True),
        ("Photic stimulation produced a symmetric driving response.", False),
        ("Intermittent photic stimulation elicited a bilateral driving response.", False),
    ]:
        (checked,) = check_draft(
            {"DESCRIPTION OF THE RECORD": sentence}, {"photic_driving": 0.9}, kb,
            [ProcedureEvidence("photic stimulation", ANNOTATIONS)], thresholds={"photic_driving": 0.5},
            measured=["photic_driving"],
        )  # fmt: skip
        assert checked.supported == supported, sentence


def test_a_seizure_under_the_flashes_is_not_measured_as_driving():
    from elm_desktop.clinical.photic_driving import ictal_crops

    spectra, starts = crops(driven_at=(12, 18))
    curve = np.full(36, 0.1, np.float32)
    curve[16:18] = 0.9  # the seizure's curve over its threshold during the 12 Hz train
    seizure = FindingScore("seizure", "Seizure", 0.8, 0.5, True, True, curve)
    ictal = ictal_crops([seizure])
    assert ictal.sum() == 2
    driving = measure(spectra, starts)
    apart = photic_driving(
        spectra, SFREQ, int(WINDOW_S * SFREQ), starts, WINDOW_S, TRAINS, excluded=ictal
    )
    assert driving.driven_hz == (12, 18) and apart.driven_hz == (18,)
    # A seizure the scores do not call present excludes nothing; nor does one over its
    # threshold only under the flashes (their rhythm, as the seizure's prompt reads it).
    assert ictal_crops([FindingScore("seizure", "Seizure", 0.2, 0.5, False, True, curve)]) is None
    stimulated = (starts >= 60) & (starts < 100)
    assert ictal_crops([seizure], stimulated) is None
    curve[30] = 0.9  # a seizure after the stimulation leaves the run under the flashes alone
    assert ictal_crops([seizure], stimulated).tolist() == [i == 30 for i in range(36)]
    curve[18:21] = 0.9  # a run from the train beyond the stimulation's end (100 s): a seizure
    assert np.flatnonzero(ictal_crops([seizure], stimulated)).tolist() == [16, 17, 18, 19, 20, 30]
