"""Honest drafts: sentences that the model's own scores do not support are marked or removed;
and BLEU-4 of the generator's evaluation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from elm_desktop.clinical.draft_check import (
    NO_ANSWER,
    PATIENT_STATE,
    UNFINISHED,
    check_draft,
    marked_draft,
    supported_draft,
)
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.procedures import ANNOTATIONS, ProcedureEvidence
from elm_desktop.training.celm.evaluate import bleu4

DRAFT = {
    "DESCRIPTION OF THE RECORD": "The background is well organized with a 10 Hz PDR. "
    "There is continuous polymorphic delta slowing over the left temporal electrodes. "
    "No epileptiform discharges are seen.",
    "EVENTS": "None.",
    "IMPRESSION": "Abnormal EEG due to focal slowing in the left temporal region.",
}


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def _scores(kb, **given: float) -> dict[str, float]:
    """Every finding scored well below its threshold but those given."""
    return {f: given.get(f, kb[f].threshold / 2) for f in kb.list_findings()}


def test_a_finding_the_scores_support_is_kept(kb):
    scores = _scores(kb, focal_slowing=min(1.0, kb["focal_slowing"].threshold + 0.1))
    checked = check_draft(DRAFT, scores, kb)
    assert all(c.supported for c in checked)
    impression = [c for c in checked if c.section == "IMPRESSION"][0]
    assert set(impression.asserted) == {"focal_slowing", "not normal"}
    assert supported_draft(checked) == {k: " ".join(v.split()) for k, v in DRAFT.items()}


def test_a_finding_the_model_is_too_weak_at_is_marked_even_over_its_threshold(kb):
    from dataclasses import replace

    from elm_desktop.clinical.knowledge import KnowledgeBase

    weak = KnowledgeBase(
        [
            replace(f, calibration_auroc=0.6 if f.id == "focal_slowing" else None)
            for f in kb.values()
        ],
        kb.sources,
        kb.prompt_style,
    )
    scores = _scores(weak, focal_slowing=min(1.0, weak["focal_slowing"].threshold + 0.1))
    unsupported = [c for c in check_draft(DRAFT, scores, weak) if not c.supported]
    assert [c.text for c in unsupported] == [
        "There is continuous polymorphic delta slowing over the left temporal electrodes.",
        # nor can a model whose calibration never measured epileptiform discharges deny them
        "No epileptiform discharges are seen.",
        "None.",  # EVENTS: no seizure, which such a model cannot rule out either
        "Abnormal EEG due to focal slowing in the left temporal region.",
    ]
    assert "too weak where its threshold was calibrated (AUROC 0.60)" in unsupported[0].note
    assert unsupported[1].asserted == ("no focal_epileptiform",)
    assert unsupported[1].note == (
        "Focal epileptiform discharges: no threshold calibrated for this model, its absence too"
    )


def test_a_finding_too_weak_to_state_cannot_be_denied_either(kb):
    from dataclasses import replace

    from elm_desktop.clinical.knowledge import KnowledgeBase

    auroc = {"focal_epileptiform": 0.6}
    weak = KnowledgeBase(
        [replace(f, calibration_auroc=auroc.get(f.id, 0.9)) for f in kb.values()],
        kb.sources,
        kb.prompt_style,
    )
    denial = {"DESCRIPTION OF THE RECORD": "No epileptiform discharges are seen."}
    [checked] = check_draft(denial, _scores(weak), weak)
    assert not checked.supported
    assert "too weak where its threshold was calibrated (AUROC 0.60)" in checked.note
    [kept] = check_draft(denial, _scores(kb), kb)  # a model good at it may deny it
    assert kept.supported


def test_an_unsupported_finding_is_marked_or_removed_never_kept_silently(kb):
    scores = _scores(kb)  # focal slowing below its threshold
    checked = check_draft(DRAFT, scores, kb)
    unsupported = [c for c in checked if not c.supported]
    assert [c.section for c in unsupported] == ["DESCRIPTION OF THE RECORD", "IMPRESSION"]
    assert all("focal_slowing" in c.unsupported for c in unsupported)
    marked = marked_draft(checked)
    assert marked["IMPRESSION"].startswith("[unsupported: ")
    assert kb["focal_slowing"].label in marked["IMPRESSION"]
    kept = supported_draft(checked)
    assert "IMPRESSION" not in kept
    assert "slowing" not in kept["DESCRIPTION OF THE RECORD"]
    # The negated statement and the statement without a finding stay.
    assert "No epileptiform discharges are seen." in kept["DESCRIPTION OF THE RECORD"]
    assert kept["EVENTS"] == "None."


def test_when_normal_and_a_finding_both_score_present_neither_is_supported(kb):
    # The assembled draft leaves such a record's impression to the reviewer; the generated
    # draft may not settle it either way.
    over = {f: min(1.0, kb[f].threshold + 0.05) for f in ("normal", "seizure")}
    draft = {
        "EVENTS": "An electrographic seizure is recorded.",
        "IMPRESSION": "Normal EEG.",
    }
    checked = check_draft(draft, _scores(kb, **over), kb)
    assert [c.unsupported for c in checked] == [("seizure",), ("normal",)]
    assert all("disagree" in c.note for c in checked)
    abnormal = check_draft({"IMPRESSION": "This EEG is abnormal."}, _scores(kb, **over), kb)
    assert not abnormal[0].supported
    # With the finding under its threshold there is nothing to disagree with.
    alone = check_draft(draft, _scores(kb, normal=over["normal"]), kb)
    assert [c.supported for c in alone] == [False, True]


def test_a_finding_seen_only_during_hyperventilation_keeps_that_caveat(kb):
    # As the assembled draft says "(only during hyperventilation)": provoked discharges are
    # real, so the sentence stays supported, qualified.
    over = {"generalized_spike_wave": min(1.0, kb["generalized_spike_wave"].threshold + 0.1)}
    draft = {
        "DESCRIPTION OF THE RECORD": "Generalized 3 Hz spike-and-wave discharges are seen. "
        "The background is symmetric.",
    }
    during = {"generalized_spike_wave": "hyperventilation"}
    checked = check_draft(draft, _scores(kb, **over), kb, only_during=during)
    assert [c.caveat for c in checked] == ["only during hyperventilation", ""]
    assert all(c.supported for c in checked)
    for draft_of in (marked_draft, supported_draft):  # kept sentences keep their caveat
        assert draft_of(checked)["DESCRIPTION OF THE RECORD"].startswith(
            "Generalized 3 Hz spike-and-wave discharges are seen. [only during hyperventilation] "
        )
    # An unsupported statement of it is marked, not qualified.
    unsupported = check_draft(draft, _scores(kb), kb, only_during=during)
    assert not unsupported[0].supported and not unsupported[0].caveat
    assert not check_draft(draft, _scores(kb, **over), kb)[0].caveat


@pytest.mark.parametrize(
    ("sentence", "unfinished"),
    [
        ("The posterior dominant rhythm is 8.", True),
        ("There is 8.", True),
        ("The posterior dominant rhythm is 8.5 Hz.", False),
        ("A seizure begins at 00:12:30.", False),
        ("Duration 1 min 00 s.", False),
        ("Drowsiness and stage 2.", False),  # counts that need no unit
        ("The GCS was 15.", False),
        ("Compared with the EEG of 03/14/2019.", False),
    ],
)
def test_a_sentence_ending_in_a_bare_number_is_marked_unfinished(kb, sentence, unfinished):
    # A decoder that cut a value short: the reader cannot tell what the number measures.
    [checked] = check_draft({"DESCRIPTION OF THE RECORD": sentence}, _scores(kb), kb)
    assert (UNFINISHED in checked.unsupported) is unfinished
    assert ("unfinished" in checked.note) is unfinished


def test_calling_a_record_abnormal_needs_normal_to_score_absent(kb):
    draft = {"IMPRESSION": "This EEG is abnormal."}
    normal = kb["normal"].threshold
    said_normal = check_draft(draft, _scores(kb, normal=min(1.0, normal + 0.05)), kb)
    assert said_normal[0].unsupported == ("not normal",)
    slowing = min(1.0, kb["generalized_slowing"].threshold + 0.1)
    scored = _scores(kb, normal=normal / 2, generalized_slowing=slowing)
    assert check_draft(draft, scored, kb)[0].supported
    # An abnormal record score with no abnormal finding to state: the assembled draft leaves
    # that impression to the reviewer, and the generated one is marked.
    [unexplained] = check_draft(draft, _scores(kb, normal=normal / 2), kb)
    assert unexplained.unsupported == ("not normal",)
    assert unexplained.note == "no abnormal finding the model can state reached its threshold"
    normal_draft = {"IMPRESSION": "Normal EEG."}
    assert not check_draft(normal_draft, _scores(kb, normal=normal / 2), kb)[0].supported


def test_sections_about_the_patient_are_not_checked(kb):
    draft = {"CLINICAL CORRELATION": "Focal slowing suggests a structural lesion."}
    assert check_draft(draft, _scores(kb), kb)[0].supported


def test_bleu4_rewards_shared_word_order():
    reference = "there is continuous polymorphic delta slowing over the left temporal region ."
    assert bleu4([reference], [reference]) == pytest.approx(1.0)
    shuffled = " ".join(reversed(reference.split()))
    assert bleu4([reference], [shuffled]) == 0.0
    # Half the reference: every n-gram matches, the brevity penalty applies.
    half = " ".join(reference.split()[:6])
    assert bleu4([reference], [half]) == pytest.approx(math.exp(1 - 12 / 6))


def _shown(name: str, start_s: float | None = None, end_s: float | None = None):
    """The recording shows procedure ``name``, marked from ``start_s`` to ``end_s``."""
    return (ProcedureEvidence(name, ANNOTATIONS, start_s, end_s),)


@pytest.mark.parametrize(
    ("sentence", "marked"),
    [
        ("Hyperventilation (0.3 min): symmetric build-up of frontal theta and delta.", True),
        ("Hyperventilation (0.8 min): symmetric build-up of frontal theta and delta.", False),
        ("Hyperventilation for 3 minutes produced no build-up.", True),
        ("Hyperventilation was performed for 40-50 seconds.", False),
        ("Hyperventilation was performed for 2-3 minutes.", True),
        ("Slowing appeared after 20 s of hyperventilation.", False),  # a time into it
        ("Slowing appeared after 2.5 minutes of hyperventilation.", False),
        ("At 2 minutes into hyperventilation, theta appeared.", False),
        ("Hyperventilation for 2:30 min.", False),  # a clock, not read
        ("Post-hyperventilation recording for 2 minutes.", False),  # after it
        ("Hyperventilation produced no change; photic stimulation for 10 s.", False),  # two
        ("Hyperventilation was performed with good effort.", False),  # no length
        ("Photic stimulation (0.8 min) produced no driving.", False),  # not marked: not checked
    ],
)
def test_a_length_the_annotations_contradict_is_marked(kb, sentence, marked):
    # A trial's generated "Hyperventilation (0.3 min)" where the annotations mark 45 s.
    shown = (
        *_shown("hyperventilation", 54.0, 99.0),
        ProcedureEvidence("photic stimulation", "2 flash trains on the photic channel"),
    )
    [checked] = check_draft({"DESCRIPTION OF THE RECORD": sentence}, _scores(kb), kb, shown)
    lengths = [u for u in checked.unsupported if u.startswith("hyperventilation for")]
    assert bool(lengths) is marked
    assert ("marks hyperventilation for 45 s (0:00:54 to 0:01:39)" in checked.note) is marked


def test_a_procedure_the_recording_does_not_show_is_marked():
    kb = load_knowledge_base()
    sections = {
        "DESCRIPTION OF THE RECORD": "Hyperventilation was performed with good effort. "
        "Photic stimulation was not performed. A normal background is seen.",
    }
    checked = check_draft(sections, _scores(kb), kb, procedures=())
    by_text = {c.text: c for c in checked}
    hv = by_text["Hyperventilation was performed with good effort."]
    assert hv.unsupported == ("hyperventilation",) and "shows no hyperventilation" in hv.note
    assert by_text["Photic stimulation was not performed."].supported  # says it was not done
    shown = check_draft(sections, _scores(kb), kb, procedures=_shown("hyperventilation"))
    assert all(c.supported for c in shown if "Hyperventilation" in c.text)
    unchecked = check_draft(sections, _scores(kb), kb)  # procedures unknown: not checked
    assert all("hyperventilation" not in c.unsupported for c in unchecked)


@pytest.mark.parametrize(
    "sentence", ["Activation not done.", "Photic stimulation was not performed.", "HV not done."]
)
def test_a_procedure_said_not_done_that_the_recording_shows_is_marked(kb, sentence):
    shown = (*_shown("hyperventilation"), *_shown("photic stimulation"))
    [checked] = check_draft({"DESCRIPTION OF THE RECORD": sentence}, _scores(kb), kb, shown)
    assert not checked.supported and "the recording shows" in checked.note
    [none] = check_draft({"DESCRIPTION OF THE RECORD": sentence}, _scores(kb), kb, ())
    assert none.supported


def test_sleep_the_recording_shows_supports_a_sentence_stating_it(kb):
    from dataclasses import replace

    from elm_desktop.clinical.knowledge import KnowledgeBase

    weak = KnowledgeBase(
        [replace(f, calibration_auroc=0.2 if f.id == "sleep" else 0.9) for f in kb.values()],
        kb.sources,
        kb.prompt_style,
    )
    draft = {"DESCRIPTION OF THE RECORD": "Drowsiness with vertex waves late in the record."}
    [annotated] = check_draft(draft, _scores(weak), weak, _shown("sleep"))
    assert annotated.supported
    [unshown] = check_draft(draft, _scores(weak), weak, ())
    assert not unshown.supported


@pytest.mark.parametrize(
    ("sentence", "stated"),
    [
        ("Reduced level of consciousness throughout.", True),
        ("The patient is intubated and unresponsive.", True),
        ("No response to noxious stimuli during the recording.", True),
        ("The patient was obtunded during the study.", True),
        ("The patient is sedated and unresponsive.", True),
        ("Unresponsive to photic stimulation.", False),
        ("The background did not respond to stimulation.", False),
        ("Focal seizure with impaired consciousness.", False),
        ("Alpha coma pattern.", False),
        ("The patient was recorded awake and asleep.", False),
        ("The background is reactive to eye opening.", False),
        ("Hyperventilation was performed.", False),
    ],
)
def test_the_patients_level_of_consciousness_is_not_stated_from_the_recording(kb, sentence, stated):
    [checked] = check_draft(
        {"DESCRIPTION OF THE RECORD": sentence},
        _scores(kb),
        kb,
        procedures=_shown("hyperventilation"),
    )
    assert (PATIENT_STATE in checked.unsupported) is stated
    assert ("bedside" in checked.note) is stated


def test_a_bare_none_answers_its_heading_only_alone(kb):
    alone = check_draft({"EVENTS": "None."}, _scores(kb), kb)
    assert alone[0].supported
    orphan = check_draft(
        {"DESCRIPTION OF THE RECORD": "The record is 20 minutes long. None."}, _scores(kb), kb
    )
    assert [c.unsupported for c in orphan] == [(), (NO_ANSWER,)]
    assert marked_draft(orphan)["DESCRIPTION OF THE RECORD"].endswith(
        "[unsupported: says nothing: a bare answer among other sentences] None."
    )


def test_a_denied_finding_the_model_calls_present_is_marked(kb):
    """'EVENTS: None.' beside a seizure the model scores over its threshold (a trial saw it)."""
    seizure = min(1.0, kb["seizure"].threshold + 0.05)
    events = {"EVENTS": "None."}
    marked = check_draft(events, _scores(kb, seizure=seizure), kb)
    assert [c.text for c in marked] == ["None."] and not marked[0].supported
    assert "Electrographic seizure scored present" in marked[0].note
    denial = check_draft(
        {"EVENTS": "No electrographic seizures."}, _scores(kb, seizure=seizure), kb
    )
    assert not denial[0].supported
    # Under its threshold the model does not contradict it.
    quiet = check_draft(events, _scores(kb, seizure=kb["seizure"].threshold - 0.05), kb)
    assert quiet[0].supported


def test_a_finding_put_on_the_side_the_recording_does_not_show_is_marked(kb):
    scores = _scores(kb, focal_slowing=min(1.0, kb["focal_slowing"].threshold + 0.1))
    draft = {"DESCRIPTION OF THE RECORD": "Focal slowing over the left temporal region."}
    (left,) = check_draft(draft, scores, kb, sides={"focal_slowing": "left"})
    assert left.supported
    (right,) = check_draft(draft, scores, kb, sides={"focal_slowing": "right"})
    assert not right.supported and "focal_slowing on the left" in right.unsupported
    assert "the recording shows" in right.note and "on the right" in right.note
    # Without a side in the recording, a stated side is left to the reviewer, not marked.
    (unlocated,) = check_draft(draft, scores, kb, sides={"focal_slowing": ""})
    assert unlocated.supported


def test_the_generator_evaluation_holds_what_the_program_holds(kb):
    from elm_desktop.training.celm.evaluate import checked_figures
    from elm_desktop.training.celm.examples import Example, FindingScores

    draft = {
        "DESCRIPTION OF THE RECORD": "The background is well organized.",
        "EVENTS": "An electrographic seizure is recorded, with evolving rhythmic activity.",
        "IMPRESSION": "Abnormal EEG.",
    }
    reference = "DESCRIPTION OF THE RECORD: The background is well organized.\n"
    reference += "EVENTS: None.\nIMPRESSION: Normal EEG."
    example = Example("r0", np.zeros((1, 256), np.float32), "", "", reference, {"normal"})
    ids = tuple(kb.list_findings())
    given = _scores(kb, seizure=0.99)
    probability = np.array([[given[f] for f in ids]], np.float32)
    threshold = np.array([kb.threshold(f, kb.prompt_style) for f in ids], np.float32)

    def figures(held):
        scores = FindingScores(ids, probability, threshold, held)
        return checked_figures([draft], [example], scores, list(draft), kb)

    # Scored present, the seizure is kept; held for want of an event, its sentence is not.
    stated, held = figures(()), figures(({"seizure": "no rise of an event"},))
    assert stated["findings"]["false_positive"] > held["findings"]["false_positive"]
    assert held["unsupported_sentences"] > stated["unsupported_sentences"]


def test_a_time_far_from_where_the_recording_shows_the_finding_is_marked(kb):
    scores = _scores(kb, seizure=0.99)
    draft = {
        "EVENTS": "An electrographic seizure at 00:00:26, lasting 20 s.",
        "IMPRESSION": "Seizure at 2 min 05 s and at 02:40.",
    }
    evident = {"seizure": [(130.0, 135.0), (150.0, 155.0)]}
    early, late = check_draft(draft, scores, kb, evident=evident)
    assert not early.supported and "at 0:00:26" in early.unsupported
    assert "most evident at 0:02:10, 0:02:30 from its start" in early.note
    assert late.supported  # 125 s and 160 s lie within a minute of 130-155 s
    # Where the recording shows it nowhere in particular, times are left to the reviewer.
    assert all(c.supported for c in check_draft(draft, scores, kb))


def test_a_duration_its_own_times_contradict_is_marked(kb):
    """A trial: "at 00:13 ... stopping at 00:38 (27 s)" in eight drafts, unmarked."""
    scores = _scores(kb, seizure=0.99)
    draft = {
        "EVENTS": "Electrographic seizure at 00:13, stopping at 00:38 (27 s).",
        "IMPRESSION": "Electrographic seizure at 00:13, stopping at 00:38 (25 s).",
    }
    wrong, right = check_draft(draft, scores, kb)
    assert not wrong.supported and wrong.unsupported == ("lasting 27 s",)
    assert "its times disagree: 0:00:13 to 0:00:38 is 25 s" in wrong.note
    assert right.supported


def test_times_are_read_in_the_forms_reports_give_them():
    from elm_desktop.clinical.draft_check import stated_times_s

    assert stated_times_s("Seizure at 01:02:03 and at 04:05.") == [3723.0, 245.0]
    assert stated_times_s("One seizure at 2 min 05 s, 3 Hz, ratio 3:1.") == [125.0]
    assert stated_times_s("One electrographic seizure (00: 12) of right frontal onset.") == [12.0]


def test_no_focal_abnormality_beside_a_lateralised_finding_is_marked(kb):
    scores = _scores(kb, seizure=0.99)
    draft = {"DESCRIPTION OF THE RECORD": "No focal abnormalities are seen."}
    (denial,) = check_draft(draft, scores, kb, sides={"seizure": "left"})
    assert not denial.supported and "seizure on the left" in denial.note
    # Where the recording shows nothing on one side, the sentence stands.
    assert check_draft(draft, scores, kb, sides={"seizure": ""})[0].supported


def test_an_abnormal_finding_the_assembled_draft_states_and_this_one_leaves_out_is_named(kb):
    from elm_desktop.clinical.draft_check import checked_generation
    from elm_desktop.clinical.html import _generated_draft

    scores = _scores(kb, seizure=0.99, focal_slowing=0.99)
    stated = ["seizure", "focal_slowing", "normal"]
    # No EVENTS section: its "None." would deny the seizure (a mention, marked as such).
    sections = {k: v for k, v in DRAFT.items() if k != "EVENTS"}
    draft = checked_generation(sections, scores, kb, True, "g", stated=stated)
    label = kb["seizure"].label
    assert draft.omitted == (label,)  # the draft's focal slowing is there; normal is no finding
    assert draft.marked_text().endswith(f"the assembled draft states: {label}]")
    summary = draft.to_dict()
    assert summary["omitted"] == [label]
    assert f"the assembled draft states {label}" in "\n".join(_generated_draft(summary))
    # Denied ("EVENTS: None.", marked) is lost all the same; stated, nothing is said.
    denied = checked_generation(DRAFT, scores, kb, True, "g", stated=["seizure"])
    assert denied.omitted == (label,)
    told = dict(sections, EVENTS="An electrographic seizure is recorded.")
    mentioned = checked_generation(told, scores, kb, True, "g", stated=["seizure"])
    assert not mentioned.omitted and "not mentioned" not in mentioned.marked_text()


def test_durations_and_range_ends_are_not_onsets_and_only_events_are_timed(kb):
    from elm_desktop.clinical.draft_check import stated_times_s

    assert stated_times_s("Seizure at 00:02:10, lasting 01:30, ending at 00:03:40.") == [130.0]
    assert stated_times_s("From 00:02:10 to 00:03:40, and 00:04:00-00:05:00.") == [130.0, 240.0]
    scores = _scores(kb, seizure=0.99, focal_slowing=0.99)
    evident = {"seizure": [(130.0, 135.0)], "focal_slowing": [(130.0, 135.0)]}
    slowing = {"DESCRIPTION OF THE RECORD": "Focal slowing from 00:10:00."}
    assert check_draft(slowing, scores, kb, evident=evident)[0].supported
    # A time of day, where the recording's start is known (14:00:00), fits too.
    seizure = {"EVENTS": "An electrographic seizure at 14:02:12."}
    assert not check_draft(seizure, scores, kb, evident=evident)[0].supported
    assert check_draft(seizure, scores, kb, evident=evident, clock_start_s=50400.0)[0].supported


@pytest.mark.parametrize(
    ("sentence", "marked"),
    [
        ("Wakefulness only.", True),
        ("This awake EEG is mildly abnormal due to focal slowing.", True),
        ("The patient remained awake throughout.", True),
        ("Awake background: 9-10 Hz alpha rhythm posteriorly.", False),
        ("Normal awake and asleep EEG.", False),
        # A review's counter-examples: true of a recording with sleep.
        ("The patient remained awake during hyperventilation.", False),
        ("The patient was awake only briefly before falling asleep.", False),
        ("Mu rhythm is seen only in wakefulness.", False),
        ("The patient remained awake until 10:20, then stage 2 sleep was seen.", False),
    ],
)
def test_wakefulness_only_is_marked_where_the_recording_shows_sleep(sentence, marked):
    kb = load_knowledge_base(user_path="/nonexistent")
    section = {"DESCRIPTION OF THE RECORD": sentence}
    (with_sleep,) = check_draft(section, {}, kb, procedures=_shown("sleep"))
    (awake,) = check_draft(section, {}, kb, procedures=())
    assert ("no sleep" in with_sleep.unsupported) is marked
    assert "no sleep" not in awake.unsupported


def test_a_normal_impression_beside_an_unsupported_absence_is_marked(kb):
    """As the assembled draft leaves that impression to the reviewer."""
    from elm_desktop.clinical.report import LEFT_UNSUPPORTED, unsupported_holds

    scores = _scores(kb, normal=min(1.0, kb["normal"].threshold + 0.1))
    draft = {"IMPRESSION": "Normal EEG."}
    (kept,) = check_draft(draft, scores, kb)
    assert kept.supported
    reason = "under its threshold, but the crop its segments rank first holds sharp transients"
    held = unsupported_holds({"generalized_spike_wave": reason})
    (marked,) = check_draft(draft, scores, kb, held=held)
    assert not marked.supported and LEFT_UNSUPPORTED in marked.note
    denial = {"DESCRIPTION OF THE RECORD": "No generalized epileptiform discharges are seen."}
    (denied,) = check_draft(denial, scores, kb, held=held)
    assert not denied.supported and reason in denied.note
    assert unsupported_holds({}) == {}
