"""A seizure is stated only where its per-crop curve shows an event in time."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from elm_desktop.clinical.draft_check import check_draft
from elm_desktop.clinical.event_shape import (
    MIN_EVENT_CHANGE,
    MIN_EVENT_RISE,
    event_change,
    event_rise,
    least_kept,
    stretches,
    unlike_an_event,
)
from elm_desktop.clinical.html import snippet_requests
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.report import draft_report
from tests.clinical.test_report import FACTS, scores_with

KB = load_knowledge_base(user_path=os.devnull)


def test_the_rise_is_the_strongest_ten_seconds_over_the_median_crop():
    background = np.full(36, 0.6)
    seizure = background.copy()
    seizure[20:23] = [0.9, 0.95, 0.7]  # 15 s of event in 3 minutes of 5 s crops
    assert event_rise(background, 5.0) == pytest.approx(0.0)
    assert event_rise(seizure, 5.0) == pytest.approx((0.9 + 0.95) / 2 - 0.6)
    # One crop of 60 s spans the 10 s; a curve shorter than the span is its own mean.
    assert event_rise(seizure, 60.0) == pytest.approx(0.95 - 0.6)
    assert event_rise(np.array([0.2, 0.8]), 5.0) == pytest.approx(0.0)
    assert event_rise(np.array([]), 5.0) == 0.0


def seizure_scores(rise: float, probability: float = 0.9):
    scores = scores_with(KB, {"seizure": probability, "focal_slowing": 0.95, "normal": 0.1})
    return [replace(s, event_rise=rise) if s.finding_id == "seizure" else s for s in scores]


def test_a_seizure_scored_throughout_is_held_and_neither_stated_nor_denied():
    held = unlike_an_event(seizure_scores(0.02))
    assert list(held) == ["seizure"] and "without a distinct event" in held["seizure"]
    draft = draft_report(FACTS, KB, "m", seizure_scores(0.02))
    assert "seizure" not in draft.asserted and "seizure" in draft.held
    assert draft.impression == "abnormal"  # on the focal slowing, which is stated
    text = draft.text()
    assert KB["seizure"].sentence not in text
    assert KB["seizure"].negative not in text
    assert "without a distinct event" in text  # the model findings say why


def test_a_seizure_that_rises_over_its_recording_is_stated():
    assert unlike_an_event(seizure_scores(MIN_EVENT_RISE + 0.01)) == {}
    draft = draft_report(FACTS, KB, "m", seizure_scores(MIN_EVENT_RISE + 0.01))
    assert "seizure" in draft.asserted and KB["seizure"].sentence in draft.text()
    # Under its threshold a seizure is not held, whatever its rise: the score rules it out.
    assert unlike_an_event(seizure_scores(0.0, probability=0.1)) == {}


def test_a_seizure_its_prompt_calls_but_its_score_places_low_is_held_not_denied():
    # A seizure filling most of a short recording: its rise, and so its finding score, is low.
    (score,) = [s for s in seizure_scores(0.0, probability=0.3) if s.finding_id == "seizure"]
    called = replace(score, measure="finding score", prompt_probability=0.95, prompt_threshold=0.75)
    assert not called.present and called.prompt_present
    scores = [called if s.finding_id == "seizure" else s for s in seizure_scores(0.0)]
    assert "seizure" in unlike_an_event(scores)
    draft = draft_report(FACTS, KB, "m", scores)
    assert "seizure" in draft.held and KB["seizure"].negative not in draft.text()
    assert draft.held["seizure"].startswith("its prompt 0.95 >= 0.75 without a distinct event")
    # Where the prompt does not call it either, the score's absence stands.
    quiet = replace(called, prompt_probability=0.2)
    assert unlike_an_event([quiet]) == {}


def test_the_generated_draft_check_holds_what_the_assembled_draft_holds():
    scores = seizure_scores(0.02)
    probabilities = {s.finding_id: s.probability for s in scores}
    draft = {
        "EVENTS": "An electrographic seizure is recorded. No electrographic seizures.",
    }
    plain = check_draft(draft, probabilities, KB)
    assert plain[0].supported  # over its threshold, with nothing else said
    checked = check_draft(draft, probabilities, KB, held=unlike_an_event(scores))
    assert [c.supported for c in checked] == [False, False]
    assert all("without a distinct event" in c.note for c in checked)


def test_the_html_draws_a_held_finding_under_a_title_that_claims_nothing():
    segment = {"start_s": 40.0, "end_s": 45.0}
    summary = {
        "attended_segments": [],
        "prompts": [],
        "findings": [
            {"label": "Electrographic seizure", "present": True, "stated": False,
             "top_segments": [segment]},
            {"label": "Focal slowing", "present": True, "stated": True,
             "top_segments": [{"start_s": 5.0, "end_s": 10.0}]},
        ],
    }  # fmt: skip
    titles = [title for title, _, _ in snippet_requests(summary)]
    assert titles == ["Electrographic seizure (scored, not stated)", "Focal slowing"]


def test_the_least_rise_keeps_every_seizure_the_prompt_called_at_calibration():
    rises = [0.30, 0.072, 0.01, 0.20]
    assert least_kept(rises, [True, True, False, True], 0.01, MIN_EVENT_RISE) == pytest.approx(0.07)
    # Nothing to keep: the default.
    assert least_kept(rises, [False] * 4, 0.01, MIN_EVENT_RISE) == MIN_EVENT_RISE
    # A model's own limit decides the hold, not the default.
    (score,) = [s for s in seizure_scores(0.05) if s.finding_id == "seizure"]
    assert "seizure" in unlike_an_event([score])
    assert unlike_an_event([replace(score, event_rise_limit=0.04)]) == {}
    assert "under 0.1" in unlike_an_event([replace(score, event_rise_limit=0.1)])["seizure"]
    assert least_kept([-0.2, 0.3], [True, True], 0.01, MIN_EVENT_RISE) == 0.0  # never under 0
    assert least_kept([1.26, 0.95, 2.0], [True, False, True], 0.1, 0.0) == pytest.approx(1.2)


def test_stretches_count_the_ten_second_spans_a_curve_holds():
    assert stretches(12, 5.0) == 11  # a one-minute recording of 5 s crops
    assert stretches(36, 5.0) == 35
    assert stretches(6, 10.0) == 6  # one crop is a whole stretch
    assert stretches(1, 5.0) == 1  # shorter than one stretch: the whole curve


def test_the_signal_change_is_read_where_the_curve_is_strongest():
    rng = np.random.default_rng(0)
    power = 2.0 + rng.normal(0.0, 0.05, (36, 18, 4))  # log10 band power: 3 min of 5 s crops
    curve = np.full(36, 0.6)
    curve[20:22] = 0.9  # the model points at crops 20-21
    assert event_change(power, curve, 5.0) < 0.3  # nothing happens in the signal there
    seizing = power.copy()
    seizing[20:22, 3, 1] += 1.5  # one derivation's theta 30 times its usual power there
    assert event_change(seizing, curve, 5.0) == pytest.approx(1.5, abs=0.15)
    elsewhere = power.copy()
    elsewhere[5:7, 3, 1] += 1.5  # a rise where the curve does not point is not read
    assert event_change(elsewhere, curve, 5.0) < 0.3
    # Falls are not read: an electrode coming off there (log10 of the floor, 1e-6) ...
    off = power.copy()
    off[20:22, 3, :] = -6.0
    assert event_change(off, curve, 5.0) < 0.3
    # ... nor a derivation flat over the recording that comes back there.
    back = power.copy()
    back[:, 3, :] = -6.0
    back[20:22, 3, :] = 2.0
    assert event_change(back, curve, 5.0) < 0.3
    assert event_change(power, np.array([]), 5.0) == 0.0


def test_a_seizure_without_a_change_in_the_signal_is_held():
    (score,) = [s for s in seizure_scores(0.3) if s.finding_id == "seizure"]
    assert score.event_change_limit == MIN_EVENT_CHANGE  # no reference: the default
    assert unlike_an_event([score]) == {}  # a distinct event, its change not read
    quiet = replace(score, event_change=0.5, event_change_limit=1.2)
    why = unlike_an_event([quiet])["seizure"]
    assert "the signal barely changes where its curve is strongest" in why
    assert "rises more than 3.1-fold" in why and "(amplitude 1.7-fold)" in why
    assert "least change for a seizure, 15.9-fold" in why
    assert unlike_an_event([replace(quiet, event_change=1.3)]) == {}
    # Just under its limit, the change is not printed as equal to it.
    close = unlike_an_event([replace(quiet, event_change=0.6995, event_change_limit=0.7)])
    assert "5.0-fold over" in close["seizure"] and "seizure, 5.1-fold" in close["seizure"]
    # A score made without the recording's band power is held by its rise alone.
    assert unlike_an_event([replace(quiet, event_change=None)]) == {}
    scores = [quiet if s.finding_id == "seizure" else s for s in seizure_scores(0.3)]
    draft = draft_report(FACTS, KB, "m", scores)
    assert "seizure" not in draft.asserted and "seizure" in draft.held
    assert KB["seizure"].negative not in draft.text()  # held, not denied
