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
        Annotation(20.0, 0.0, "PS 12Hz"),  # marked where it starts: lasts until the next note
        Annotation(24.0, 0.0, "eyes open"),
        Annotation(30.0, 0.0, "IPS 15 Hz"),  # nothing after it: at most 10 s
        Annotation(50.0, 0.0, "photic stimulation"),  # no rate: nothing to measure at
        Annotation(60.0, 60.0, "HV 3 min"),
        Annotation(70.0, 0.0, "slowing 3 Hz"),  # a rate, but no photic stimulation
    ]
    flashes = [FlashTrain(100.0, 105.0, 8.0, 40)]
    assert photic_trains(notes, flashes) == (
        PhoticTrain(10.0, 15.0, 10.0),
        PhoticTrain(20.0, 24.0, 12.0),
        PhoticTrain(30.0, 40.0, 15.0),
        PhoticTrain(100.0, 105.0, 8.0),
    )


def test_the_measured_score_replaces_the_prompt_and_keeps_its_curve():
    curve = np.linspace(0, 1, 36).astype(np.float32)
    prompt = FindingScore("photic_driving", "Photic driving", 0.9, 0.7, True, False, curve)
    quiet = measure(*crops(driven_at=()))
    score = measured_driving_score(prompt, quiet)
    assert score.measure == DRIVING_MEASURE and not score.present
    assert score.probability == pytest.approx(quiet.probability) and score.threshold == 0.5
    assert score.prompt_probability == 0.9 and score.curve_threshold == 0.7
    assert score.crop_probability is curve
    assert "flash rate" in measure_words(score.measure)


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
    shown = ["photic stimulation"]

    def check(probability, measured):
        (sentence,) = check_draft(
            sections, {"photic_driving": probability}, uncalibrated, shown,
            thresholds={"photic_driving": 0.5}, measured=measured,
        )  # fmt: skip
        return sentence.supported

    assert not check(0.9, measured=())  # the prompt's missing calibration holds it
    assert check(0.9, measured=["photic_driving"])
    assert not check(0.3, measured=["photic_driving"])  # measured, and under its bar
