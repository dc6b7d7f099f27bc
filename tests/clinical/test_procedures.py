"""A procedure's finding points at the procedure, not at the loudest stretch of the record."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.clinical.procedures import ProcedureEvidence, evidence_within_procedures
from elm_desktop.clinical.zeroshot import FindingScore, top_segments


def score(finding_id: str, curve: np.ndarray, starts: np.ndarray) -> FindingScore:
    return FindingScore(
        finding_id, finding_id, 0.8, 0.5, True, False, curve.astype(np.float32),
        top_segments(curve, starts, 5.0, span_s=15.0),
    )  # fmt: skip


def test_the_photic_jump_stays_inside_the_stimulation_and_other_findings_are_left_alone():
    starts = np.arange(60) * 5.0
    curve = np.full(60, 0.2)
    curve[40:44] = 0.9  # the curve's peak, after the stimulation (a seizure, say)
    curve[10:13] = 0.6  # a smaller rise during it
    photic, seizure = score("photic_driving", curve, starts), score("seizure", curve, starts)
    assert photic.top_segments[0].crop in range(40, 44)
    stimulation = ProcedureEvidence("photic stimulation", "EDF+ annotations", 42.0, 90.0)
    evidence_within_procedures([photic, seizure], [stimulation], starts, 5.0)
    assert photic.top_segments[0].crop in range(10, 13)
    assert all(37.0 < s.start_s < 90.0 for s in photic.top_segments)
    assert photic.top_segments[0].score == pytest.approx(curve[photic.top_segments[0].crop])
    assert seizure.top_segments[0].crop in range(40, 44)
    # Sleep scored by the model alone has no window: nothing to restrict it to.
    sleep = score("sleep", curve, starts)
    evidence_within_procedures([sleep], [ProcedureEvidence("sleep", "model")], starts, 5.0)
    assert sleep.top_segments[0].crop in range(40, 44)


def test_no_time_is_given_when_the_procedure_has_no_crop_or_the_curve_stays_low():
    starts = np.arange(60) * 5.0
    curve = np.full(60, 0.2)
    curve[40:44] = 0.9
    late = score("photic_driving", curve, starts)
    after_the_end = ProcedureEvidence("photic stimulation", "EDF+ annotations", 400.0, 420.0)
    evidence_within_procedures([late], [after_the_end], starts, 5.0)
    assert late.top_segments == []
    low = score("photic_driving", curve, starts)  # 0.2 everywhere in 50-90 s, threshold 0.5
    evidence_within_procedures(
        [low],
        [ProcedureEvidence("photic stimulation", "EDF+ annotations", 50.0, 90.0)],
        starts,
        5.0,
    )
    assert low.top_segments == []
    # An instant annotation on a crop's start still has that crop.
    instant = score("photic_driving", curve, starts)
    evidence_within_procedures(
        [instant], [ProcedureEvidence("photic stimulation", "x", 200.0, 200.0)], starts, 5.0
    )
    assert [s.crop for s in instant.top_segments] == [40]


def test_a_response_to_a_procedure_not_done_is_not_assessed_and_marked_sleep_is_shown():
    from elm_desktop.clinical.procedures import ANNOTATIONS, assessed_probability

    starts = np.arange(12) * 5.0
    curve = np.full(12, 0.2)
    photic, hv = (
        score("photic_driving", curve, starts),
        score("hyperventilation_response", curve, starts),
    )
    sleep, seizure = score("sleep", curve, starts), score("seizure", curve, starts)
    # No procedure shown: the responses (and sleep) are never called present; the rest stand.
    assert [assessed_probability(s, ()) for s in (photic, hv, sleep, seizure)] == [0, 0, 0, 0.8]
    shown = [
        ProcedureEvidence("photic stimulation", ANNOTATIONS, 10.0, 40.0),
        ProcedureEvidence("hyperventilation", ANNOTATIONS, 0.0, 30.0),
    ]
    assert [assessed_probability(s, shown) for s in (photic, hv)] == [0.8, 0.8]
    # Sleep the technologist marked is shown, whatever the score; sleep the model's own score
    # shows keeps that score.
    assert assessed_probability(sleep, [ProcedureEvidence("sleep", ANNOTATIONS, 0.0, 60.0)]) == 1
    assert assessed_probability(sleep, [ProcedureEvidence("sleep", "the model's score")]) == 0.8
