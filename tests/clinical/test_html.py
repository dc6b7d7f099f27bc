"""The export's findings table calls each finding as the draft does."""

from elm_desktop.clinical.html import _findings_table


def finding(finding_id, probability, threshold, abnormal):
    return {
        "id": finding_id,
        "label": finding_id.replace("_", " ").capitalize(),
        "probability": probability,
        "measure": "probability",
        "threshold": threshold,
        "present": probability >= threshold,
        "abnormal": abnormal,
        "top_segments": [{"start_s": 12.0}],
        "crop_probability": [probability],
    }


def test_a_normal_record_under_its_threshold_is_not_called_absent():
    rows = "\n".join(
        _findings_table(
            [finding("normal", 0.2, 0.5, False), finding("focal_slowing", 0.1, 0.6, True)],
            unassessed=(),
            over_time=False,
        )
    )
    assert '<tr class="not-stated"><td>Normal</td>' in rows
    assert "<td>not stated, the record scores as abnormal</td>" in rows
    # An abnormal finding under its threshold is absent, as before.
    assert '<tr class="absent"><td>Focal slowing</td>' in rows
    assert rows.count("<td>absent</td>") == 1


def test_the_draft_s_verdict_is_the_call_the_table_shows():
    """A trial saw "absent" in the export beside "not ruled out" in the draft (ST raised)."""
    stemi = finding("anterior_stemi", 0.71, 0.93, True)
    rows = "\n".join(
        _findings_table(
            [stemi],
            unassessed=(),
            over_time=False,
            verdicts={"anterior_stemi": "under its threshold, not ruled out: the ECG measures X"},
        )
    )
    assert "<td>under its threshold, not ruled out: the ECG measures X</td>" in rows
    assert "<td>absent</td>" not in rows


def test_a_finding_score_s_parts_read_as_places_not_probabilities():
    """A trial read "prompt 0.88" in the score beside "its prompt 0.86" in the call."""
    beta = finding("excess_beta", 0.61, 0.86, True) | {
        "measure": "finding score",
        "parts": {"prompt": 0.88, "signal features": 0.34},
    }
    rows = "\n".join(_findings_table([beta], unassessed=(), over_time=False))
    assert "its places among the calibration recordings: prompt 0.88, signal features 0.34" in (
        rows
    )
    assert "; prompt 0.88" not in rows
