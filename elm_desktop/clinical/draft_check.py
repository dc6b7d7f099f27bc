"""Honest drafts: every generated statement checked against the recording's own evidence.

A generated draft states findings in sentences. Each sentence is read with the negation-aware
extractor (:func:`~elm_desktop.clinical.extract.find_mentions`); a finding it asserts (mentioned,
not negated) is *supported* when the model's zero-shot probability for that finding reaches the
finding's calibrated threshold, and *unsupported* otherwise (also when the model has no score for
it, and when the model was too weak at the finding where its threshold was calibrated, as the
assembled draft does not state it either: :func:`~elm_desktop.clinical.report.weak_support`). A sentence that calls the record abnormal asserts that the ``normal`` finding is absent, so
it is unsupported when ``normal`` scored present. A sentence that says a procedure was done
(hyperventilation, photic stimulation, sleep) is unsupported when the recording does not show
it (:mod:`~elm_desktop.clinical.procedures`): the generator learnt reports that describe them;
one that says a procedure was not done ("HV not done", "Activation not done") is unsupported
when the recording shows it, as is one that says the recording held wakefulness only
("Wakefulness only.", "This awake EEG ...") when it shows sleep, and a sentence stating sleep is supported by sleep the recording
shows, whatever the sleep score. A length it gives hyperventilation or photic stimulation
("Hyperventilation (0.3 min)") is unsupported when the recording's annotations or flash trains
span a length further from it than :func:`length_tolerance_s`.
A frequency it gives the posterior rhythm is unsupported when the rhythm measured in the
recording is clear and lies more than
:data:`~elm_desktop.clinical.posterior_rhythm.STATED_RHYTHM_TOLERANCE_HZ` away
(:mod:`~elm_desktop.clinical.posterior_rhythm`), and any frequency is when the recording's
posterior derivations show no clear rhythm to check it against.
When the record-level ``normal`` score and abnormal findings reach their thresholds together,
the evidence disagrees: a sentence calling the record normal or abnormal, or asserting one of
those findings, is unsupported, as the assembled draft leaves them to the reviewer
(:func:`~elm_desktop.clinical.report.record_impression`).
A sentence that ends in a number without its unit ("The posterior dominant rhythm is 8.") is
unfinished: a decoder may cut a value short, and the reader cannot tell what it measures.
A sentence stating the patient's level of consciousness ("Reduced level of consciousness
throughout.", "The patient is intubated and unresponsive.") is unsupported: that is seen at the
bedside, not in the recording, and the generator learnt it from reports of other patients. A
bare "None." among other sentences of its section answers nothing there (one standing alone
answers its heading: "EVENTS: None.").
A sentence that names muscle artifact is held to the muscle artifact measured in the recording
(:mod:`~elm_desktop.clinical.muscle_artifact`) instead of the artifact score, which is near
chance: the generator learnt that reports name it often.
A negated mention ("no epileptiform discharges") is unsupported when the model is too weak at
the finding to state it: such a score cannot rule it out either. It is unsupported too when the
model calls the finding present (and its record-level score does not disagree): "EVENTS:
None." beside a seizure the model scores over its threshold (a new-user trial found it
unmarked). Sentences of sections about the patient (history, clinical correlation) are not
checked.

A finding put on one side where the recording shows it on the other (its localisation, as the
assembled draft states it) is unsupported too: a new-user trial saw a generated draft place a
right temporal seizure on the left.

A supported finding that the model saw only during a procedure that can look like it
(hyperventilation and the minute after it, photic stimulation:
:func:`~elm_desktop.clinical.procedures.seen_only_during`) keeps a caveat saying so, as the
assembled draft does.

An unsupported sentence is never silently kept: :func:`marked_draft` prefixes it with what the
evidence says, :func:`supported_draft` leaves it out. :class:`GeneratedDraft` is what the
analysis shows of a bundle's generator: its sections and every sentence checked, labelled DRAFT.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from elm_desktop.clinical.consistency import NOT_DONE, PROCEDURES, claims
from elm_desktop.clinical.event_shape import EVENT_CATEGORIES
from elm_desktop.clinical.extract import SKIPPED_SECTIONS, Mention, find_mentions
from elm_desktop.clinical.knowledge import KnowledgeBase
from elm_desktop.clinical.muscle_artifact import MuscleArtifact, muscle_words
from elm_desktop.clinical.photic_driving import PHOTIC_DRIVING
from elm_desktop.clinical.posterior_rhythm import (
    STATED_RHYTHM_TOLERANCE_HZ,
    PosteriorRhythm,
    stated_rhythm_hz,
)
from elm_desktop.clinical.procedures import ProcedureEvidence
from elm_desktop.clinical.report import (
    against_threshold,
    disagreement,
    weak_support,
)
from elm_desktop.runtime.report_segments import split_sentences
from elm_desktop.signals.time_labels import elapsed

NORMAL = "normal"
ARTIFACT = "artifact"
_MUSCLE = re.compile(r"\b(muscle|myogenic|emg)\b", re.I)
SLEEP = "sleep"
#: "Activation not done" denies both activation procedures.
_ACTIVATION = re.compile(r"\bactivation\b", re.I)
ACTIVATIONS = ("hyperventilation", "photic stimulation")
_ABNORMAL_WORD = re.compile(r"\babnormal\b")
_NEGATED_ABNORMAL = re.compile(r"\b(not|no|without)\s+(\w+\s+){0,2}abnormal\b")
#: A bare number ending a sentence about a quantity that needs its unit (a rhythm, a
#: frequency, an amplitude, a duration) or saying nothing else ("There is 8."); not a time of
#: day (12:30), a date, nor a count that needs none ("stage 2", "GCS was 15").
_UNFINISHED = re.compile(
    r"\b(?:rhythm|pdr|frequency|alpha|beta|theta|delta|amplitude|voltage|duration|lasting|"
    r"lasted|there (?:is|are)|it is)\b.*?(?<![:\d./-])\b\d+(?:\.\d+)?\s*[.!?]?\s*$",
    re.I,
)
UNFINISHED = "a number without its unit"
#: The patient's level of consciousness, sedation or airway, stated as a fact about the
#: patient; not the state of vigilance the recording shows (awake, drowsy, asleep), nor the
#: EEG's reactivity ("unresponsive to photic stimulation", "did not respond to stimulation"),
#: nor a seizure's classification ("with impaired consciousness").
_PATIENT_STATE = re.compile(
    r"\b(?:level of consciousness|(?:reduced|decreased|depressed) consciousness|obtunded|"
    r"comatose|in (?:a )?coma|lethargic|stuporous|(?:un)?rousable|(?:un)?arousable|sedated|"
    r"intubated|ventilated|(?:unresponsive|not responsive|minimally responsive)(?!\s+to\b)|"
    r"(?:no|does not|did not) respon(?:d|se)\w* to (?:noxious|painful|verbal) stimul\w*)\b",
    re.I,
)
PATIENT_STATE = "the patient's level of consciousness"
#: A denial of every focal finding at once, which names none the extractor reads ("No focal
#: abnormalities are seen." beside a left temporal seizure, a new-user trial saw).
_NO_FOCAL = re.compile(
    r"\b(?:no|without)\s+(?:\w+\s+){0,2}?focal\s+(?:or\s+\w+\s+)?"
    r"(?:abnormalit\w*|features?|findings?)\b",
    re.I,
)
NO_FOCAL = "no focal finding"
#: Words that say a recording held wakefulness only.
_WAKE_ONLY = re.compile(
    r"\b(?:wakefulness|awake)\s+only\b(?!\s+briefly)|\bonly\s+wakefulness\b|"
    r"\b(?:this|an?)\s+awake\s+(?:eeg|record\w*|study)\b|"
    r"\b(?:remained|stayed)\s+awake\s*(?:throughout\b|[.;]|$)",
    re.I,
)
#: What a sentence may say of a driving response's sides, which a measured driving (both
#: sides' posterior derivations together) cannot support.
_SIDES = re.compile(r"\b(a?symmetric\w*|bilateral\w*|unilateral\w*|left|right)\b", re.I)
_NO_ANSWER = re.compile(r"^\s*(?:none|nil|n/?a|not applicable)\s*[.!]?\s*$", re.I)
NO_ANSWER = "a bare answer among other sentences"
#: What a bare "None." under EVENTS says, checked in its place.
NO_EVENTS = "No electrographic seizures."


@dataclass(frozen=True)
class CheckedSentence:
    """One sentence of a draft and what the recording's evidence says about it.

    Attributes
    ----------
    section : str
        The section heading it belongs to.
    text : str
        The sentence as generated.
    asserted : tuple of str
        What the sentence asserts: finding ids (``normal`` absent is written ``"not
        normal"``, a finding denied that the model is too weak at ``"no <id>"``), procedures,
        posterior rhythm frequencies the measurement contradicts, :data:`UNFINISHED` for
        a sentence ending in a bare number, :data:`PATIENT_STATE` for one stating the
        patient's level of consciousness, and :data:`NO_ANSWER` for a bare "None." among
        other sentences.
    unsupported : tuple of str
        Those of ``asserted`` the evidence does not support: a finding scored below its
        threshold (or not scored), a finding's absence the model is too weak to state, muscle
        artifact not measured, a procedure the recording does not show, a frequency away from
        the measured rhythm, an unfinished sentence, the patient's level of consciousness, a
        bare answer among other sentences.
    note : str
        What the evidence says about the unsupported ones, for the reader; empty when
        supported.
    caveat : str
        What the reader must know of a supported statement ("only during hyperventilation"
        for a finding seen only then); empty when nothing.
    """

    section: str
    text: str
    asserted: tuple[str, ...]
    unsupported: tuple[str, ...]
    note: str = ""
    caveat: str = ""

    @property
    def supported(self) -> bool:
        """Whether no assertion of the sentence lacks the scores' support."""
        return not self.unsupported


#: How far, in seconds, a time a generated sentence gives a finding may lie from the stretches
#: where the recording shows it most: a seizure's onset comes before its strongest crops, and it
#: may last a minute or two. A generator trained on one-minute recordings, given 12 evenly spaced
#: crops of a longer one, cannot know where in it a seizure was (a new-user trial: "(00:00:26)"
#: for a seizure at 00:02:12).
STATED_TIME_TOLERANCE_S = 60.0

#: A generator may space a time's digits ("(00: 12)", a trial's unchecked onset).
_CLOCK = re.compile(r"\b(?:(\d{1,2}): ?)?(\d{1,2}): ?(\d{2})\b")
_MINUTES = re.compile(r"\b(\d{1,3}) min(?:utes?)? (\d{1,2}) s(?:ec(?:onds?)?)?\b", re.I)
#: What makes the time after it a duration or a range's end, not an onset.
_NOT_AN_ONSET = re.compile(
    r"(?:\b(?:lasting|lasts|lasted|for|duration(?: of)?|to|until|stopping at|ending at|ends at)"
    r"|[-\u2013])\s*$",
    re.I,
)


#: A duration a sentence gives in seconds: "(27 s)", "lasting 27 s", "for 27 seconds".
_SECONDS = re.compile(r"(?:\(|\blasting |\bfor )(\d{1,4}) ?s(?:ec(?:onds?)?)?\b", re.I)
#: How far, in seconds, a stated duration may differ from the stated times it spans (their
#: rounding to the second).
DURATION_TOLERANCE_S = 1.0


def disagreeing_duration(sentence: str) -> tuple[float, float, float] | None:
    """A sentence's start and end times and the duration it gives them, where they disagree
    by more than :data:`DURATION_TOLERANCE_S` (a trial: "at 00:13 … stopping at 00:38 (27 s)");
    None where it gives not exactly two times and one duration, or they agree."""
    clocks = [
        3600.0 * int(h or 0) + 60.0 * int(m) + int(sec) for h, m, sec in _CLOCK.findall(sentence)
    ]
    durations = [float(d) for d in _SECONDS.findall(sentence)]
    if len(clocks) != 2 or len(durations) != 1:
        return None
    start, end = clocks
    if abs(end - start - durations[0]) <= DURATION_TOLERANCE_S:
        return None
    return start, end, durations[0]


#: A length a sentence gives a procedure, after a word that makes it one, or a range of them:
#: "(0.8 min)", "for 3 minutes", "lasting 45 s", "for 2-3 min"; not a time into or after it
#: ("after 2 minutes", "at 2 minutes into", "2:30").
_LENGTH = re.compile(
    r"(?:\(|\bfor |\blasting )(\d+(?:\.\d+)?)(?:\s*(?:-|\u2013|to)\s*(\d+(?:\.\d+)?))?\s*"
    r"(min(?:ute)?s?|s(?:ec(?:ond)?s?)?)\b",
    re.I,
)
#: A sentence about one part of a procedure, whose length is not the procedure's: each flash
#: train, the time after it.
_PART_OF = re.compile(
    r"\b(?:each|per|every|post)\b|\bafter (?:the )?(?:hyperventilation|hv)\b", re.I
)
#: The least a stated length of a procedure may differ from the length its marks span, in
#: seconds, and the least as a share of that length: reports round ("3 minutes" of 2 min 40 s),
#: but a generated "0.3 min" of a 45 s hyperventilation (a trial) is another procedure's length.
PROCEDURE_LENGTH_TOLERANCE_S = 15.0
PROCEDURE_LENGTH_TOLERANCE = 0.2


def stated_length_s(sentence: str) -> tuple[float, float, str] | None:
    """The one length a sentence gives: its least and greatest value in seconds, and its words
    ("0.3 min"); None where it gives none or several."""
    found = list(_LENGTH.finditer(sentence))
    if len(found) != 1:
        return None
    low, high, unit = found[0].groups()
    scale = 60.0 if unit.lower().startswith("m") else 1.0
    words = sentence[found[0].start(1) : found[0].end()]
    return float(low) * scale, float(high or low) * scale, words


def length_tolerance_s(length_s: float) -> float:
    """How far a stated length may lie from a procedure's marked ``length_s``."""
    return max(PROCEDURE_LENGTH_TOLERANCE_S, PROCEDURE_LENGTH_TOLERANCE * length_s)


def stated_times_s(sentence: str) -> list[float]:
    """Onset times of the recording a sentence gives, in seconds (``hh:mm:ss``, ``mm:ss``,
    ``N min SS s``): not durations ("lasting 01:30") nor the end of a range."""
    times = []
    for pattern in (_CLOCK, _MINUTES):
        for match in pattern.finditer(sentence):
            if _NOT_AN_ONSET.search(sentence[max(match.start() - 16, 0) : match.start()]):
                continue
            *h, m, sec = match.groups() if pattern is _CLOCK else (None, *match.groups())
            times.append(3600.0 * int(h[0] or 0) + 60.0 * int(m) + int(sec))
    return times


def check_draft(
    sections: Mapping[str, str],
    probabilities: Mapping[str, float],
    knowledge_base: KnowledgeBase,
    procedures: Sequence[ProcedureEvidence] | None = None,
    rhythm: PosteriorRhythm | None = None,
    muscle: MuscleArtifact | None = None,
    thresholds: Mapping[str, float] | None = None,
    only_during: Mapping[str, str] | None = None,
    held: Mapping[str, str] | None = None,
    sides: Mapping[str, str] | None = None,
    evident: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    clock_start_s: float | None = None,
    measured: Collection[str] = (),
) -> list[CheckedSentence]:
    """Check every sentence of a draft against the recording's zero-shot scores.

    Parameters
    ----------
    sections : mapping of str to str
        Heading -> generated text, in report order.
    probabilities : mapping of str to float
        Finding id -> the recording's zero-shot probability.
    knowledge_base : KnowledgeBase
        Terms for the extractor, labels, and the thresholds the probabilities are held to
        (the model's calibrated ones).
    procedures : sequence of ProcedureEvidence, optional
        The procedures the recording shows
        (:func:`~elm_desktop.clinical.procedures.recorded_procedures`), with where its
        annotations or flash trains mark them; None: not checked.
    rhythm : PosteriorRhythm, optional
        The recording's measured posterior rhythm; None (no posterior derivations): frequencies
        not checked; not clear: a stated frequency is unsupported.
    muscle : MuscleArtifact, optional
        The recording's measured muscle artifact; None: muscle artifact is held to the
        artifact score like any finding.
    thresholds : mapping of str to float, optional
        Finding id -> the threshold its probability was scored against
        (:attr:`~elm_desktop.clinical.zeroshot.FindingScore.threshold`: for ``normal`` the
        record score's where it applies); the knowledge base's for its style by default.
    only_during : mapping of str to str, optional
        Finding id -> the procedure it was seen only during
        (:func:`~elm_desktop.clinical.procedures.seen_only_during`): a sentence stating it gets
        that caveat.
    held : mapping of str to str, optional
        Finding id -> why the assembled draft neither states nor denies it (a seizure called
        present without an event in time,
        :func:`~elm_desktop.clinical.event_shape.unlike_an_event`; an abnormal finding under
        its threshold that is not ruled out, :func:`~elm_desktop.clinical.report.not_ruled_out`):
        a sentence stating it, or denying it, is unsupported, as for a weak score.
    sides : mapping of str to str, optional
        Finding id -> the side the recording shows it on (``"left"`` or ``"right"``, from
        :func:`~elm_desktop.clinical.localise.localise`; ``""`` or absent: no side): a sentence
        that puts it on the other side is unsupported.
    evident : mapping of str to sequence of (float, float), optional
        Finding id -> the spans (start, end, seconds) where the recording shows it most
        (:attr:`~elm_desktop.clinical.zeroshot.FindingScore.top_segments`): a time a sentence
        gives an event finding (a seizure) more than :data:`STATED_TIME_TOLERANCE_S` from
        all of them is unsupported.
    clock_start_s : float, optional
        The recording's start, in seconds after midnight: a stated time read as a time of
        day fits too.
    measured : collection of str
        Findings whose probability is a measurement of the signal, not the prompt's (photic
        driving at the flash rates): the prompt's calibration does not make them weak.

    Returns
    -------
    list of CheckedSentence
        Every sentence of every section, in order.
    """
    limits = {f: knowledge_base.threshold(f, knowledge_base.prompt_style) for f in knowledge_base}
    limits |= dict(thresholds or {})
    disagreeing = disagreement(
        [f for f, p in probabilities.items() if f in limits and p >= limits[f]], knowledge_base
    )
    shown = None if procedures is None else {p.name for p in procedures}
    spans = {  # a mark without a length (a bare "HV" at its start) gives none to check
        p.name: (p.start_s, p.end_s)
        for p in procedures or ()
        if p.name in ACTIVATIONS
        and p.start_s is not None
        and p.end_s is not None
        and p.end_s > p.start_s
    }
    checked = []
    for heading, text in sections.items():
        about_patient = any(skip in heading.upper() for skip in SKIPPED_SECTIONS)
        sentences = split_sentences(text)
        for sentence in sentences:
            if about_patient:
                checked.append(CheckedSentence(heading, sentence, (), ()))
                continue
            if len(sentences) > 1 and _NO_ANSWER.match(sentence):
                checked.append(
                    CheckedSentence(
                        heading, sentence, (NO_ANSWER,), (NO_ANSWER,), f"says nothing: {NO_ANSWER}"
                    )
                )
                continue
            # "EVENTS: None." answers its heading: no seizure, checked as such.
            bare_events = _NO_ANSWER.match(sentence) and "EVENT" in heading.upper()
            checked.append(
                _check_sentence(
                    heading,
                    NO_EVENTS if bare_events else sentence,
                    probabilities,
                    limits,
                    knowledge_base,
                    shown,
                    spans,
                    rhythm,
                    muscle,
                    disagreeing,
                    only_during,
                    held or {},
                    sides or {},
                    evident or {},
                    clock_start_s,
                    measured,
                )
            )
            if bare_events:
                checked[-1] = replace(checked[-1], text=sentence)
    return checked


def _check_sentence(
    heading: str,
    sentence: str,
    probabilities: Mapping[str, float],
    thresholds: Mapping[str, float],
    knowledge_base: KnowledgeBase,
    procedures: Collection[str] | None = None,
    spans: Mapping[str, tuple[float, float]] | None = None,
    rhythm: PosteriorRhythm | None = None,
    muscle: MuscleArtifact | None = None,
    disagreeing: Collection[str] = (),
    only_during: Mapping[str, str] | None = None,
    held: Mapping[str, str] | None = None,
    sides: Mapping[str, str] | None = None,
    evident: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    clock_start_s: float | None = None,
    measured: Collection[str] = (),
) -> CheckedSentence:
    def held_why(finding_id: str) -> str | None:
        weak = None if finding_id in measured else weak_support(knowledge_base, finding_id)
        return weak or (held or {}).get(finding_id)

    found = find_mentions(sentence, knowledge_base)
    mentions = [m for m in found if not m.negated]
    asserted = list(dict.fromkeys(m.finding_id for m in mentions))
    denied = [f for f in dict.fromkeys(m.finding_id for m in found if m.negated) if f != NORMAL]
    muscle_named, other_artifact = _artifact_kinds(mentions)
    lower = sentence.lower()
    says_abnormal = bool(_ABNORMAL_WORD.search(lower)) and not _NEGATED_ABNORMAL.search(lower)
    unsupported, notes = [], []
    for finding_id in asserted:
        if finding_id == ARTIFACT and muscle is not None:
            if muscle_named and not muscle.present:
                unsupported.append(finding_id)
                notes.append(muscle_words(muscle))
            if not other_artifact:
                continue  # muscle alone: the measurement, not the score, decides
        if finding_id == SLEEP and procedures is not None and SLEEP in procedures:
            continue  # sleep the recording shows (its annotations): the weak score does not decide
        probability = probabilities.get(finding_id)
        threshold = thresholds[finding_id]
        weak = held_why(finding_id)
        if probability is None or probability < threshold:
            unsupported.append(finding_id)
            score = (
                "not scored"
                if probability is None
                else "{} < {}".format(*against_threshold(probability, threshold))
            )
            notes.append(f"{knowledge_base[finding_id].label} {score}")
        elif weak:
            unsupported.append(finding_id)
            notes.append(f"{knowledge_base[finding_id].label}: {weak}")
    denied_muscle, denied_other = _artifact_kinds([m for m in found if m.negated])
    for finding_id in denied:  # a score too weak to call a finding cannot rule it out
        if finding_id in asserted:
            continue
        if finding_id == ARTIFACT and muscle is not None and denied_muscle and not denied_other:
            if muscle.present:  # muscle alone denied: the measurement, not the score, decides
                asserted.append(f"no {finding_id}")
                unsupported.append(f"no {finding_id}")
                notes.append(muscle_words(muscle))
            continue
        if weak := held_why(finding_id):
            asserted.append(f"no {finding_id}")
            unsupported.append(f"no {finding_id}")
            notes.append(f"{knowledge_base[finding_id].label}: {weak}, its absence too")
            continue
        probability = probabilities.get(finding_id)
        threshold = thresholds.get(finding_id)
        if (
            probability is not None
            and threshold is not None
            and probability >= threshold
            and finding_id not in disagreeing
        ):  # denied, where the model calls it present
            asserted.append(f"no {finding_id}")
            unsupported.append(f"no {finding_id}")
            notes.append(
                "{} scored present {} >= {}".format(
                    knowledge_base[finding_id].label, *against_threshold(probability, threshold)
                )
            )
    if says_abnormal and NORMAL in knowledge_base:
        asserted.append(f"not {NORMAL}")
        probability = probabilities.get(NORMAL)
        threshold = thresholds[NORMAL]
        if probability is not None and probability >= threshold:
            unsupported.append(f"not {NORMAL}")
            notes.append(
                "scored normal {} >= {}".format(*against_threshold(probability, threshold))
            )
        elif not _stateable_abnormal(probabilities, thresholds, knowledge_base, held or {}):
            # As the assembled draft leaves such an impression to the reviewer.
            unsupported.append(f"not {NORMAL}")
            notes.append("no abnormal finding the model can state reached its threshold")
    undecided = [a for a in asserted if a in disagreeing or a == f"not {NORMAL}" and disagreeing]
    if undecided:
        unsupported += undecided
        notes.append("the record-level score and abnormal findings disagree")
    driving = [f for f in asserted if f in measured and f == PHOTIC_DRIVING]
    if driving and _SIDES.search(sentence):
        unsupported += driving
        notes.append("photic driving is measured over both sides together, not side by side")
    if procedures is not None and not NOT_DONE.search(sentence):
        for name, pattern in PROCEDURES.items():
            if pattern.search(sentence) and name not in procedures:
                asserted.append(name)
                unsupported.append(name)
                notes.append(f"the recording shows no {name}")
    elif procedures is not None:  # a procedure said not done that the recording shows
        for name, pattern in PROCEDURES.items():
            named = pattern.search(sentence) or (
                name in ACTIVATIONS and _ACTIVATION.search(sentence)
            )
            if named and name in procedures:
                asserted.append(f"no {name}")
                unsupported.append(f"no {name}")
                notes.append(f"the recording shows {name}")
    named = [name for name, pattern in PROCEDURES.items() if pattern.search(sentence)]
    one = len(named) == 1 and named[0] in (spans or {}) and not _PART_OF.search(sentence)
    stated = stated_length_s(sentence) if one else None
    if stated is not None and not NOT_DONE.search(sentence):
        start, end = (spans or {})[named[0]]
        low, high, words = stated
        if max(low - (end - start), (end - start) - high) > length_tolerance_s(end - start):
            length = f"{named[0]} for {words}"
            asserted.append(length)
            unsupported.append(length)
            notes.append(
                f"the recording marks {named[0]} for {end - start:.0f} s "
                f"({elapsed(start)} to {elapsed(end)})"
            )
    if (
        procedures is not None
        and "sleep" in procedures
        and _WAKE_ONLY.search(sentence)
        and not PROCEDURES["sleep"].search(sentence)  # "awake, then stage 2 sleep"
    ):
        # "Wakefulness only." or "This awake EEG ..." where the recording shows sleep (a trial).
        asserted.append("no sleep")
        unsupported.append("no sleep")
        notes.append("the recording shows sleep")
    if rhythm is not None:
        # Where no clear rhythm was measured (an obtunded patient's attenuated background),
        # no stated frequency can be checked: a trial saw "only 6.6 Hz" where it was 10 Hz.
        wrong = [
            (low, high)
            for low, high in stated_rhythm_hz(sentence)
            if not rhythm.clear
            or max(low - rhythm.frequency_hz, rhythm.frequency_hz - high, 0.0)
            > STATED_RHYTHM_TOLERANCE_HZ
        ]
        for low, high in wrong:
            stated = f"posterior rhythm {low:g}{f'-{high:g}' if high != low else ''} Hz"
            asserted.append(stated)
            unsupported.append(stated)
        if wrong:
            notes.append(
                f"the posterior rhythm measures {rhythm.frequency_hz:.1f} Hz"
                if rhythm.clear
                else "no clear posterior rhythm is measured to check it"
            )
    if _UNFINISHED.search(sentence):
        asserted.append(UNFINISHED)
        unsupported.append(UNFINISHED)
        notes.append(f"unfinished: {UNFINISHED}")
    if _PATIENT_STATE.search(sentence):
        asserted.append(PATIENT_STATE)
        unsupported.append(PATIENT_STATE)
        notes.append(f"{PATIENT_STATE} is seen at the bedside, not in the recording")
    for claim in claims(sentence, knowledge_base):
        shown = (sides or {}).get(claim.subject)
        if claim.kind == "side" and shown and shown != claim.value:
            asserted.append(f"{claim.subject} on the {claim.value}")
            unsupported.append(f"{claim.subject} on the {claim.value}")
            label = knowledge_base[claim.subject].label
            notes.append(f"the recording shows {label} on the {shown}")
    if _NO_FOCAL.search(sentence):
        lateral = [
            (f, side)
            for f, side in (sides or {}).items()
            if side and f in thresholds and probabilities.get(f, 0.0) >= thresholds[f]
        ]
        if lateral:
            asserted.append(NO_FOCAL)
            unsupported.append(NO_FOCAL)
            notes.append(
                "the model scores "
                + ", ".join(f"{knowledge_base[f].label} on the {side}" for f, side in lateral)
                + " over its threshold"
            )
    events = [  # the keys of ``evident`` are findings; ``asserted`` also holds "not normal", ...
        f
        for f in asserted
        if f in (evident or {}) and knowledge_base[f].category in EVENT_CATEGORIES
    ]
    spans = [span for f in events for span in (evident or {}).get(f, ())]
    if spans:

        def near(t: float) -> bool:
            return any(
                a - STATED_TIME_TOLERANCE_S <= t <= b + STATED_TIME_TOLERANCE_S for a, b in spans
            )

        # A time of day, where the recording's start is known, may be meant too.
        wrong_times = [
            t
            for t in stated_times_s(sentence)
            if not near(t) and not (clock_start_s is not None and near(t - clock_start_s))
        ]
        for t in wrong_times:
            asserted.append(f"at {elapsed(t)}")
            unsupported.append(f"at {elapsed(t)}")
        if wrong_times:
            shown = ", ".join(elapsed(a) for a, _ in spans)
            notes.append(f"the recording shows it most evident at {shown} from its start")
    if (disagreeing := disagreeing_duration(sentence)) is not None:
        start, end, duration = disagreeing
        asserted.append(f"lasting {duration:g} s")
        unsupported.append(f"lasting {duration:g} s")
        notes.append(f"its times disagree: {elapsed(start)} to {elapsed(end)} is {end - start:g} s")
    unsupported = list(dict.fromkeys(unsupported))  # artifact may fail two checks
    qualified = only_during or {}
    during = dict.fromkeys(
        qualified[a] for a in asserted if a in qualified and a not in unsupported
    )
    caveat = "; ".join(f"only during {procedure}" for procedure in during)
    return CheckedSentence(
        heading, sentence, tuple(asserted), tuple(unsupported), "; ".join(notes), caveat
    )


def _stateable_abnormal(
    probabilities: Mapping[str, float],
    thresholds: Mapping[str, float],
    knowledge_base: KnowledgeBase,
    held: Mapping[str, str],
) -> bool:
    """Whether an abnormal finding the model is not too weak at, and the draft does not hold,
    reached its threshold."""
    return any(
        knowledge_base[f].abnormal
        and p >= thresholds[f]
        and not weak_support(knowledge_base, f)
        and f not in held
        for f, p in probabilities.items()
        if f in knowledge_base and f in thresholds
    )


def _artifact_kinds(asserted: list[Mention]) -> tuple[bool, bool]:
    """Whether the asserted artifact mentions name muscle, and whether they name another kind
    (electrode, movement, eyes: held to the score): "muscle and electrode artifact" names both."""
    artifact = [m for m in asserted if m.finding_id == ARTIFACT]
    # The words up to the mention's own term: "muscle and electrode artifact" names muscle,
    # "electrode artifact without muscle artifact" does not (its muscle mention is negated).
    muscle = any(
        _MUSCLE.search(m.clause[: m.clause.find(m.phrase) + len(m.phrase)]) for m in artifact
    )
    other = any(not _names_muscle(m) for m in artifact)
    return muscle, other


def _names_muscle(mention: Mention) -> bool:
    """Whether an artifact mention is of muscle: its phrase says so ("muscle artifact",
    "myogenic"), or a bare "artefact" / "artifacts" follows a muscle word ("muscle artefact",
    "EMG artifact")."""
    if _MUSCLE.search(mention.phrase):
        return True
    before = mention.clause[: mention.clause.find(mention.phrase)].split()
    return bool(before) and bool(_MUSCLE.fullmatch(before[-1].strip(",;:")))


def marked_draft(checked: list[CheckedSentence]) -> dict[str, str]:
    """The draft with each unsupported sentence prefixed by ``[unsupported: ...]`` and each
    caveat following its sentence in brackets."""
    return _join(checked, marked_sentence)


def marked_sentence(sentence: CheckedSentence) -> str:
    """One sentence as the marked draft shows it: ``[unsupported: ...]`` before an unsupported
    one, its caveat in brackets after it."""
    text = (
        sentence.text if sentence.supported else f"[unsupported: {sentence.note}] {sentence.text}"
    )
    return f"{text} [{sentence.caveat}]" if sentence.caveat else text


def supported_draft(checked: list[CheckedSentence]) -> dict[str, str]:
    """The draft without its unsupported sentences (a section left empty is dropped); a kept
    sentence keeps its caveat."""
    kept = _join(checked, lambda c: marked_sentence(c) if c.supported else "")
    return {k: v for k, v in kept.items() if v}


def _join(checked: list[CheckedSentence], render) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    for sentence in checked:
        text = render(sentence)
        sections.setdefault(sentence.section, [])
        if text:
            sections[sentence.section].append(text)
    return {heading: " ".join(texts) for heading, texts in sections.items()}


@dataclass(frozen=True)
class GeneratedDraft:
    """The report generator's draft of one recording, each sentence checked (labelled DRAFT).

    Attributes
    ----------
    sections : dict of str to str
        Heading -> text as generated, in report order.
    checked : list of CheckedSentence
        Every sentence, with what the model's zero-shot scores say about it.
    finished : bool
        Whether the generator ended the draft itself (False: cancelled or cut at its limit).
    generator : str
        Which generator wrote it (its checkpoint's name).
    withheld : str
        Why no draft was generated (the recording is unlike the training data, or not
        typical enough of it for the generator); empty when one was.
    omitted : tuple of str
        Labels of the abnormal findings the assembled draft states and no sentence here
        mentions: a draft used as the report would lose them (a new-user trial saw a seizure
        left out).
    """

    sections: dict[str, str]
    checked: list[CheckedSentence]
    finished: bool
    generator: str
    withheld: str = ""
    omitted: tuple[str, ...] = ()

    @property
    def omission_note(self) -> str:
        """What the draft leaves out that the assembled draft states; empty when nothing."""
        if not self.omitted:
            return ""
        return f"[not mentioned here; the assembled draft states: {', '.join(self.omitted)}]"

    @property
    def n_unsupported(self) -> int:
        """Sentences asserting something the recording's evidence does not support."""
        return sum(not c.supported for c in self.checked)

    def marked_text(self) -> str:
        """The draft as report text, unsupported sentences marked (``HEADING: text`` blocks)."""
        if self.withheld:
            return self.withheld
        blocks = [f"{h}: {t}" for h, t in marked_draft(self.checked).items()]
        return "\n\n".join([*blocks, self.omission_note] if self.omitted else blocks)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the label, sections, and each sentence with its check."""
        return {
            "label": "DRAFT",
            "generator": self.generator,
            "finished": self.finished,
            "withheld": self.withheld,
            "sections": dict(self.sections),
            "marked_text": self.marked_text(),
            "unsupported": self.n_unsupported,
            "omitted": list(self.omitted),
            "sentences": [
                {
                    "section": c.section,
                    "text": c.text,
                    "asserted": list(c.asserted),
                    "supported": c.supported,
                    "unsupported": list(c.unsupported),
                    "note": c.note,
                    "caveat": c.caveat,
                }
                for c in self.checked
            ],
        }


def checked_generation(
    sections: Mapping[str, str],
    probabilities: Mapping[str, float],
    knowledge_base: KnowledgeBase,
    finished: bool,
    generator: str,
    procedures: Sequence[ProcedureEvidence] | None = None,
    rhythm: PosteriorRhythm | None = None,
    muscle: MuscleArtifact | None = None,
    thresholds: Mapping[str, float] | None = None,
    only_during: Mapping[str, str] | None = None,
    held: Mapping[str, str] | None = None,
    sides: Mapping[str, str] | None = None,
    evident: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    stated: Collection[str] = (),
    clock_start_s: float | None = None,
    measured: Collection[str] = (),
) -> GeneratedDraft:
    """A generated draft with every sentence checked (:func:`check_draft`), and the abnormal
    findings of ``stated`` (the assembled draft's) that none of its sentences mentions."""
    checked = check_draft(
        sections,
        probabilities,
        knowledge_base,
        procedures,
        rhythm,
        muscle,
        thresholds,
        only_during,
        held,
        sides,
        evident,
        clock_start_s,
        measured,
    )
    # Stated: a denial ("No seizures were recorded.", marked) loses the finding all the same.
    mentioned = {a for c in checked for a in c.asserted}
    known = set(knowledge_base)
    omitted = tuple(
        knowledge_base[f].label
        for f in stated
        if f in known and knowledge_base[f].abnormal and f not in mentioned
    )
    return GeneratedDraft(dict(sections), checked, finished, generator, omitted=omitted)


def withheld_generation(reason: str, generator: str) -> GeneratedDraft:
    """No generated draft, and why: a generator reads a recording unlike its training data no
    better than the scores do, and its sentences would state findings all the same."""
    return GeneratedDraft({}, [], True, generator, withheld=f"No draft generated: {reason}")
