"""The record score: the normal prompt and the strongest abnormal finding, placed on references."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

from elm_desktop.clinical.evaluation import with_thresholds
from elm_desktop.clinical.event_shape import MIN_EVENT_RISE
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.record_score import fit_reference, place
from elm_desktop.clinical.signal_features import FEATURE_NAMES, SignalModel
from elm_desktop.clinical.zeroshot import build_prompt_bank, score_findings
from elm_desktop.errors import ConfigError
from tests.clinical.test_zeroshot import bag_of_words

BASE = load_knowledge_base(user_path=os.devnull)


def reference(style="plain", threshold=0.4, finding_signals=None):
    # Five reference recordings: p(normal), two abnormal findings' and sleep's probabilities.
    fitted = fit_reference(
        {
            "normal": [0.9, 0.8, 0.7, 0.2, 0.1],
            "seizure": [0.1, 0.2, 0.3, 0.9, 0.4],
            "focal_slowing": [0.2, 0.1, 0.1, 0.3, 0.8],
            "sleep": [0.9, 0.9, 0.9, 0.9, 0.9],
        },
        BASE,
        style,
        finding_signals=finding_signals,
    )
    return replace(fitted, threshold=threshold)


#: A signal model that reads the first feature only: p = sigmoid(feature 0).
FIRST_FEATURE = SignalModel(
    np.zeros(len(FEATURE_NAMES)),
    np.ones(len(FEATURE_NAMES)),
    np.eye(len(FEATURE_NAMES))[0],
    0.0,
)


def with_seizure_score(threshold=0.55):
    """A plain reference whose seizure finding has a finding score (sleep is not abnormal)."""
    held_out = [0.9, 0.1, 0.7, 0.3, 0.5]
    ref = reference(
        finding_signals={"seizure": (FIRST_FEATURE, held_out), "sleep": (FIRST_FEATURE, held_out)}
    )
    seizure = replace(ref.finding_references["seizure"], threshold=threshold)
    return replace(ref, finding_references={"seizure": seizure})


def write_model_file(tmp_path, ref):
    path = tmp_path / "phenotypes.toml"
    path.write_text(f'prompt_style = "{ref.prompt_style}"\n\n{ref.toml()}\n', encoding="utf-8")
    return path


def crops_and_recording(seed=3):
    rng = np.random.default_rng(seed)
    crops = rng.standard_normal((6, 64)).astype(np.float32)
    crops /= np.linalg.norm(crops, axis=1, keepdims=True)
    recording = crops.mean(axis=0) / np.linalg.norm(crops.mean(axis=0))
    return crops, recording, np.arange(6) * 5.0


def scored(kb, style, features=None):
    crops, recording, starts = crops_and_recording()
    bank = build_prompt_bank(kb, bag_of_words, style)
    scores = score_findings(kb, bank, crops, recording, starts, 5.0, 0.3, features)
    return {s.finding_id: s for s in scores}


def test_place_counts_ties_half():
    values = np.array([0.1, 0.2, 0.2, 0.5])
    assert place(0.0, values) == 0.0
    assert place(0.2, values) == pytest.approx((1 + 3) / 8)
    assert place(0.9, values) == 1.0


def test_a_record_normal_by_both_scores_high_and_one_with_a_strong_finding_low():
    ref = reference()
    assert ref.findings == ("seizure", "focal_slowing")  # abnormal ones only, not sleep
    np.testing.assert_allclose(ref.not_normal, [0.1, 0.2, 0.3, 0.8, 0.9])
    np.testing.assert_allclose(ref.strongest, [0.2, 0.2, 0.3, 0.8, 0.9])
    quiet = ref.normal_probability({"normal": 0.95, "seizure": 0.05, "focal_slowing": 0.05})
    assert quiet == 1.0
    # The normal prompt says normal, a finding says otherwise: the two places are averaged.
    split = ref.normal_probability({"normal": 0.95, "seizure": 0.95, "focal_slowing": 0.05})
    assert split == pytest.approx(0.5)
    loud = ref.normal_probability({"normal": 0.05, "seizure": 0.95, "focal_slowing": 0.05})
    assert loud == 0.0


def test_a_model_file_reference_scores_normal_with_its_own_threshold(tmp_path):
    ref = reference()
    kb = load_knowledge_base(user_path=os.devnull, model_path=write_model_file(tmp_path, ref))
    loaded = kb.record_references["plain"]
    assert loaded.findings == ref.findings and loaded.threshold == pytest.approx(0.4)
    np.testing.assert_allclose(loaded.strongest, ref.strongest)

    scores, raw = scored(kb, "plain"), scored(BASE, "plain")
    expected = ref.normal_probability({f: raw[f].probability for f in raw})
    assert scores["normal"].probability == pytest.approx(expected)
    assert scores["normal"].threshold == pytest.approx(0.4)
    assert scores["normal"].present == (expected >= 0.4)
    assert scores["normal"].measure == "record score" and scores["seizure"].measure == "probability"
    assert set(scores["normal"].parts) == {"normal prompt", "strongest abnormal finding"}
    assert scores["seizure"].parts == {}
    assert scores["seizure"].probability == raw["seizure"].probability
    # Scored with the other style the reference does not hold: the prompt and its own threshold.
    other, other_raw = scored(kb, "knowledge"), scored(BASE, "knowledge")
    assert other["normal"].probability == other_raw["normal"].probability
    assert other["normal"].threshold == BASE["normal"].threshold
    assert other["normal"].measure == "probability"

    # Thresholds calibrated again (evaluate-drafts) replace the reference's.
    again = with_thresholds(kb, {"normal": 0.7, "seizure": 0.6})
    assert again.record_references["plain"].threshold == 0.7 and again["seizure"].threshold == 0.6
    assert scored(again, "plain")["normal"].threshold == 0.7


def test_only_the_model_file_gives_a_reference_and_only_for_its_prompts(tmp_path):
    ref = reference()
    user = tmp_path / "user.toml"
    user.write_text(f"{ref.toml()}\n", encoding="utf-8")
    assert load_knowledge_base(user_path=user).record_references == {}
    # A user's own normal prompts: the reference was not fitted with them and does not apply.
    model_file = write_model_file(tmp_path, ref)
    user.write_text('[findings.normal]\nplain = ["An unremarkable record."]\n', encoding="utf-8")
    kb = load_knowledge_base(user_path=user, model_path=model_file)
    assert not kb.record_references["plain"].applies("plain", kb)
    assert scored(kb, "plain")["normal"].threshold == BASE["normal"].threshold


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('"plain"\nthreshold', '"loud"\nthreshold'), "record_score.prompt_style"),
        (('findings = ["seizure"', 'findings = ["normal"'), "abnormal findings"),
        (("threshold = 0.4000", "threshold = nan"), "threshold"),
        (("threshold = 0.4000", "threshold = true"), "threshold"),
        (("not_normal = [", "not_normal = [nan, "), "not_normal"),
        (("[[record_score]]", "[record_score]"), r"tables, \[\[record_score\]\]"),
    ],
)
def test_a_bad_record_table_names_what_to_fix(tmp_path, change, message):
    path = write_model_file(tmp_path, reference())
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_knowledge_base(user_path=os.devnull, model_path=path)


def test_a_reference_for_each_style_and_only_one(tmp_path):
    plain, knowledge = reference("plain", 0.4), reference("knowledge", 0.6)
    path = tmp_path / "phenotypes.toml"
    path.write_text(f"{plain.toml()}\n\n{knowledge.toml()}\n", encoding="utf-8")
    kb = load_knowledge_base(user_path=os.devnull, model_path=path)
    assert scored(kb, "plain")["normal"].threshold == pytest.approx(0.4)
    assert scored(kb, "knowledge")["normal"].threshold == pytest.approx(0.6)
    path.write_text(f"{plain.toml()}\n\n{plain.toml()}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="two record_score tables for plain"):
        load_knowledge_base(user_path=os.devnull, model_path=path)


def test_the_generated_draft_check_holds_normal_to_the_record_score_threshold(tmp_path):
    from elm_desktop.clinical.draft_check import check_draft

    kb = load_knowledge_base(
        user_path=os.devnull, model_path=write_model_file(tmp_path, reference())
    )
    assert kb.threshold("normal", "plain") == pytest.approx(0.4)
    assert kb.threshold("normal", "knowledge") == BASE["normal"].threshold  # no reference there
    assert kb.threshold("seizure", "plain") == BASE["seizure"].threshold
    draft = {"IMPRESSION": "Abnormal EEG due to an electrographic seizure."}
    scores = {"normal": 0.45, "seizure": 0.95}
    (sentence,) = check_draft(draft, scores, kb, thresholds={"normal": 0.5, "seizure": 0.9})
    assert sentence.supported  # normal 0.45 < 0.5: abnormal, the seizure over its threshold
    (sentence,) = check_draft(draft, scores, kb)  # the knowledge base's plain: normal at 0.4
    assert not sentence.supported and "disagree" in sentence.note


def test_a_finding_score_places_its_prompt_and_its_signal_model_and_has_its_own_threshold(tmp_path):
    ref = with_seizure_score()
    assert set(ref.finding_references) == {"seizure"}  # abnormal findings only
    kb = load_knowledge_base(user_path=os.devnull, model_path=write_model_file(tmp_path, ref))
    loaded = kb.record_references["plain"].finding_references["seizure"]
    np.testing.assert_allclose(loaded.probabilities, [0.1, 0.2, 0.3, 0.4, 0.9])
    np.testing.assert_allclose(loaded.measured, [0.1, 0.3, 0.5, 0.7, 0.9])
    assert loaded.threshold == pytest.approx(0.55)

    features = np.zeros(len(FEATURE_NAMES))
    features[0] = 2.0  # the signal model's probability: sigmoid(2) = 0.88, between 0.7 and 0.9
    scores, raw = scored(kb, "plain", features), scored(BASE, "plain")
    prompt = raw["seizure"].probability
    expected = (place(prompt, loaded.probabilities) + 0.8) / 2
    assert scores["seizure"].probability == pytest.approx(expected)
    assert scores["seizure"].parts == pytest.approx(
        {"prompt": place(prompt, loaded.probabilities), "signal features": 0.8}
    )
    assert scores["seizure"].measure == "finding score"
    assert scores["seizure"].threshold == pytest.approx(0.55)
    assert scores["seizure"].present == (expected >= 0.55)
    # The other findings keep their probabilities, and the record score places the prompts'.
    assert scores["focal_slowing"].probability == raw["focal_slowing"].probability
    prompts = {f: raw[f].probability for f in raw}
    assert scores["normal"].probability == pytest.approx(ref.normal_probability(prompts))
    # Without the recording's features the score cannot be made: an error, never a guess.
    with pytest.raises(ValueError, match="signal features"):
        scored(kb, "plain")
    # Thresholds calibrated again on these scores replace the reference's.
    assert (
        scored(with_thresholds(kb, {"seizure": 0.9}), "plain", features)["seizure"].threshold == 0.9
    )
    assert kb.threshold("seizure", "knowledge") == BASE["seizure"].threshold  # no reference there


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('id = "seizure"', 'id = "sleep"'), "finding.id must name one of"),
        (("threshold = 0.5500", "threshold = 1.5"), "finding.threshold"),
        (("probabilities = [", "probabilities = [true, "), "finding.probabilities"),
    ],
)
def test_a_bad_finding_table_names_what_to_fix(tmp_path, change, message):
    path = write_model_file(tmp_path, with_seizure_score())
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_knowledge_base(user_path=os.devnull, model_path=path)


def test_an_event_score_places_its_prompt_and_its_rise_over_the_recording(tmp_path):
    rises = [0.30, 0.01, 0.02, 0.25, 0.05]  # the seizure-free reference recordings' rises
    ref = reference(threshold=0.4)
    fitted = fit_reference(
        {"normal": [0.9, 0.8, 0.7, 0.2, 0.1], "seizure": [0.1, 0.2, 0.3, 0.9, 0.4]},
        BASE,
        "plain",
        finding_rises={"seizure": rises, "sleep": rises},  # sleep is no abnormal finding
    )
    event = replace(
        fitted.finding_references["seizure"], threshold=0.6, min_rise=0.04, min_change=1.2
    )
    assert set(fitted.finding_references) == {"seizure"} and event.signal is None
    ref = replace(ref, finding_references={"seizure": event})
    kb = load_knowledge_base(user_path=os.devnull, model_path=write_model_file(tmp_path, ref))
    loaded = kb.record_references["plain"].finding_references["seizure"]
    np.testing.assert_allclose(loaded.free_rises, sorted(rises))
    assert loaded.rises is None
    assert loaded.signal is None and loaded.threshold == pytest.approx(0.6)
    assert loaded.min_rise == pytest.approx(0.04) and loaded.min_change == pytest.approx(1.2)

    # Scored without signal features: the event needs its curve only.
    scores, raw = scored(kb, "plain"), scored(BASE, "plain")
    seizure = scores["seizure"]
    assert seizure.event_rise == pytest.approx(raw["seizure"].event_rise)
    expected = {
        "prompt": place(raw["seizure"].probability, loaded.probabilities),
        "event rise": place(seizure.event_rise, loaded.free_rises),
    }
    assert seizure.parts == pytest.approx(expected)
    assert seizure.probability == pytest.approx(np.mean(list(expected.values())))
    assert seizure.measure == "finding score" and seizure.threshold == pytest.approx(0.6)
    assert seizure.event_rise_limit == pytest.approx(0.04)  # the model's own least rise
    assert seizure.event_change_limit == pytest.approx(1.2)  # and least change
    assert seizure.event_change is None  # scored without the band power: no change read
    assert raw["seizure"].event_rise_limit == MIN_EVENT_RISE  # no reference: the default
    assert scores["focal_slowing"].event_rise is None  # a background finding is no event
    with pytest.raises(ValueError, match="event rise"):
        loaded.places(0.5)


def test_a_longer_recording_places_its_rise_among_the_largest_of_as_many_reference_rises(
    tmp_path,
):
    """A seizure-free recording's strongest stretch is the largest of more stretches the longer
    it is: three times the reference recordings' stretches place its rise at the seizure-free
    place cubed (the largest of three draws); a shorter one keeps its place. A table written
    before (every reference recording's ``rises``) places it whatever the length."""
    fitted = fit_reference(
        {"normal": [0.9, 0.8, 0.7, 0.2, 0.1], "seizure": [0.1, 0.2, 0.3, 0.9, 0.4]},
        BASE,
        "plain",
        finding_rises={"seizure": [0.30, 0.01, 0.02, 0.25, 0.05]},
        rise_spans=11.0,
    )
    event = fitted.finding_references["seizure"]
    same = event.places(0.5, rise=0.1, spans=11)["event rise"]
    assert same == pytest.approx(place(0.1, event.free_rises)) and 0.0 < same < 1.0
    assert event.places(0.5, rise=0.1, spans=33)["event rise"] == pytest.approx(same**3)
    assert event.places(0.5, rise=0.1, spans=4)["event rise"] == pytest.approx(same)
    assert event.places(0.5, rise=0.1)["event rise"] == pytest.approx(same)  # length unknown
    # The model file keeps the reference recordings' stretches; a table without them places
    # every recording as before.
    path = write_model_file(
        tmp_path,
        replace(
            reference(threshold=0.4), finding_references={"seizure": replace(event, threshold=0.6)}
        ),
    )
    kb = load_knowledge_base(user_path=os.devnull, model_path=path)
    assert kb.record_references["plain"].finding_references["seizure"].rise_spans == 11.0
    text = path.read_text(encoding="utf-8").replace("rise_spans = 11.0", "rise_spans = 0.5")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="rise_spans for seizure must be a number >= 1"):
        load_knowledge_base(user_path=os.devnull, model_path=path)
    unkept = replace(event, rise_spans=None)
    assert unkept.places(0.5, rise=0.1, spans=33)["event rise"] == pytest.approx(same)
    before = replace(event, rises=np.array([0.0, 0.05, 0.2, 0.3]), free_rises=None)
    assert before.places(0.5, rise=0.1, spans=33)["event rise"] == pytest.approx(0.5)


def test_a_finding_table_needs_a_signal_model_or_rises_not_both(tmp_path):
    fitted = fit_reference(
        {"normal": [0.9, 0.8, 0.7, 0.2, 0.1], "seizure": [0.1, 0.2, 0.3, 0.9, 0.4]},
        BASE,
        "plain",
        finding_rises={"seizure": [0.3, 0.0, 0.1, 0.2, 0.05]},
    )
    path = write_model_file(tmp_path, replace(fitted, threshold=0.4))
    text = path.read_text(encoding="utf-8")
    for changed, message in [
        (text + "min_rise = -0.1\n", "min_rise for seizure must be a number >= 0"),
        (text + "min_change = -1\n", "min_change for seizure must be a number >= 0"),
        (text.replace("free_rises = [", "free_rises = [true, ", 1), "finding.free_rises must be"),
        (
            text.replace("free_rises = [", "rises = [0.5, ", 1),
            "as many values as its probabilities",
        ),
        (text.replace("free_rises = [", "spread = [", 1), "has neither a signal model"),
        (text + "rises = [0.1, 0.2, 0.3, 0.4, 0.5]\n", "more than one of a signal model, rises"),
    ]:
        path.write_text(changed, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_knowledge_base(user_path=os.devnull, model_path=path)
    signal = write_model_file(tmp_path, with_seizure_score()).read_text(encoding="utf-8")
    path.write_text(signal + "free_rises = [0.1, 0.2]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="has more than one of a signal model"):
        load_knowledge_base(user_path=os.devnull, model_path=path)


def test_an_event_reference_scores_a_seizure_a_user_no_longer_calls_an_event(tmp_path):
    fitted = fit_reference(
        {"normal": [0.9, 0.8, 0.7, 0.2, 0.1], "seizure": [0.1, 0.2, 0.3, 0.9, 0.4]},
        BASE,
        "plain",
        finding_rises={"seizure": [0.3, 0.0, 0.1, 0.2, 0.05], "focal_slowing": [0.1] * 5},
    )
    assert set(fitted.finding_references) == {"seizure"}  # rises only for an event
    model = write_model_file(tmp_path, replace(fitted, threshold=0.4))
    user = tmp_path / "user.toml"
    user.write_text('[findings.seizure]\ncategory = "interictal"\n', encoding="utf-8")
    kb = load_knowledge_base(user_path=user, model_path=model)
    seizure = scored(kb, "plain")["seizure"]
    # Still placed by its reference (its prompts are unchanged), no longer held as an event.
    assert set(seizure.parts) == {"prompt", "event rise"} and seizure.event_rise is None
