"""The draft ECG report: rate from the QRS complexes, then what the ECG model's scores support.

The EEG draft (:mod:`.report`) follows an EEG report; an ECG is read in another order: rate,
rhythm, conduction, axis, voltage, ST-T and QT, ectopy, then the interpretation. The draft is
the same :class:`~elm_desktop.clinical.report.DraftReport` (banner, sections, impression,
reasons, findings held back and why), so the same panel, export and sign-off serve both.

It states only what the recording supports, with the EEG draft's guards:

- the **rate** is measured, never taken from the model: QRS complexes found across the 12
  leads (:func:`~elm_desktop.signals.ecg.qrs.detect_qrs`), 60 over their mean RR interval;
  with fewer than :data:`MIN_BEATS` complexes, or when under half of them share the dominant
  QRS shape (complexes found in noise), the rate is left to the reviewer;
- a **finding** is stated only when its probability reaches its calibrated threshold (the
  bundle's ``phenotypes.toml``: maximum F1 on the val split) and the record-level "Normal ECG"
  score agrees, as on the EEG side (:func:`~elm_desktop.clinical.report.record_impression`:
  when the model calls the record normal but abnormal findings reach their thresholds,
  neither is stated and the interpretation is left to the reviewer); "Normal ECG" also needs
  the recording to measure normal (:func:`~elm_desktop.clinical.ecg_criteria.unlike_normal`:
  a median beat with a P wave before its QRS, rate, intervals, axis, voltages, ST, beats), or
  the interpretation is left to the reviewer;
- a finding whose threshold has too little **support** is not stated: none calibrated for
  this model (no positive on its calibration split), or the model's AUROC there
  (``calibration_auroc`` in the bundle's ``phenotypes.toml``) under
  :data:`~elm_desktop.clinical.report.MIN_CALIBRATION_AUROC` (the shipped model's premature
  atrial complexes: 0.47; :func:`~elm_desktop.clinical.report.weak_support`);
- the **intervals and axis** of the median beat are stated as measured
  (:mod:`elm_desktop.signals.ecg.measurements`), also when the model's findings are withheld;
  a finding with a measurable criterion is stated only when the median beat meets it
  (:func:`~elm_desktop.clinical.ecg_criteria.measured_conflict`: a PR over 200 ms for a
  first-degree AV block, a wide QRS for a bundle branch block, raised ST in the territory, a P
  wave before each QRS rules out fibrillation and flutter, ...);
- findings the measurement or each other rule out are **not stated**, and the MODEL FINDINGS
  section says why: a sinus rhythm named by a rate the QRS complexes contradict (bradycardia under
  60/min, tachycardia over 100/min, sinus rhythm 60-100/min, on the rate as the draft prints
  it, rounded to a whole beat), atrial fibrillation on RR intervals that are regular
  (coefficient of variation under :data:`AF_MIN_RR_CV`) or that vary but not irregularly
  irregularly (:func:`irregularity_conflict`: a regular rhythm with early beats), long QT in
  fibrillation or flutter (the T end may fall on their waves), two rhythms at once (neither is
  stated), first-degree AV block
  and premature atrial complexes without P waves (in atrial fibrillation or flutter), left
  and right bundle branch block together, LVH with low voltage, and ST changes or LVH in left bundle branch block (whose secondary ST-T changes are
  not read as ischaemia or strain here);
- a sinus tachycardia at 130-170/min is followed by a caution to exclude atrial flutter with
  2:1 conduction (:func:`flutter_caution`), which the flutter waves cannot show there, and a
  re-entrant tachycardia where no P wave is measured (from 120/min); a regular wide-complex
  tachycardia without P waves leads the interpretation as ventricular tachycardia until
  shown otherwise (:func:`wide_complex_tachycardia`), and no bundle branch block is read in it;
- **ST elevation the median beat measures to the criteria of acute injury** (two contiguous
  leads of a territory) leads the interpretation, with the ST depression beside it and a call
  for urgent review, whatever the model scores and also where the model's findings are
  withheld (:func:`measured_injury`; a new-user trial saw a measured inferior STEMI ranked
  after premature ventricular complexes, and left out of a withheld draft); leads a reader
  warning names as misplaced are not read for it, nor a territory the draft does not read (a
  left bundle branch block, a wide QRS); ST depression the beat measures without it is named
  in the interpretation too, with ST raised in aVR where it is;
- voltages no human heart makes (a QRS over :data:`MAX_PLAUSIBLE_QRS_MV`: microvolts stored
  as millivolts) withhold the model's findings and every voltage-based statement, and say so;
- a recording unlike the model's training data gets the model's findings listed, unconfirmed,
  under MODEL FINDINGS only (:data:`~elm_desktop.clinical.report.WITHHELD`); so does one whose
  reader found leads not where their labels put them (exchanged labels, reversed arm
  electrodes: :data:`LEADS_WITHHELD`), until the leads are checked;
- pertinent negatives are not written (the ECG knowledge base has none): an absent finding is
  only listed with its probability under MODEL FINDINGS.

No sentence is borrowed from archived reports (the similar cases are shown beside the draft).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from elm_desktop.clinical.ecg_criteria import (
    LIMITS,
    NO_P_WAVE,
    SUPPORT_WORDS,
    TERRITORIES,
    UNMEASURED,
    measured_conflict,
    measured_support,
    outside_limits,
    st_lowered_leads,
    st_raised_leads,
    unlike_normal,
)
from elm_desktop.clinical.knowledge import MIN_RULE_OUT_POSITIVES, Finding, KnowledgeBase
from elm_desktop.clinical.record_score import RECORD_FINDING
from elm_desktop.clinical.report import (
    DRAFT_BANNER,
    LEFT_UNEXPLAINED,
    MODEL_FINDINGS,
    RECORD_UNDER_THRESHOLD,
    TO_COMPLETE,
    UNFAMILIAR_IMPRESSION,
    UNSTATED,
    WITHHELD,
    DraftReport,
    DraftSection,
    DraftSentence,
    against_threshold,
    disagreeing,
    in_sentence,
    not_ruled_out,
    record_impression,
    states_finding,
    weak_support,
)
from elm_desktop.clinical.zeroshot import FindingScore
from elm_desktop.signals.ecg.flutter import LEADS as FLUTTER_LEADS
from elm_desktop.signals.ecg.flutter import FlutterConduction
from elm_desktop.signals.ecg.measurements import AXIS_LEADS, NOT_MEASURED, EcgMeasurements
from elm_desktop.signals.ecg.qrs import MIN_RATE_BEATS, rate_bpm

#: Fewest QRS complexes for a measured rate (two RR intervals).
MIN_BEATS = MIN_RATE_BEATS
#: The FINDINGS section of a draft whose leads are not where their labels put them.
LEADS_WITHHELD = (
    "The model's findings are not stated here because the leads must be checked first (see "
    "TECHNICAL); they are listed, unconfirmed, under MODEL FINDINGS."
)
#: The FINDINGS section of a draft whose voltages no heart makes.
IMPLAUSIBLE_WITHHELD = (
    "The model's findings are not stated here because the file's voltages are not a human "
    "ECG's (see MODEL FINDINGS); they are listed, unconfirmed, under MODEL FINDINGS."
)
#: Least RR coefficient of variation for atrial fibrillation to be stated (the synthetic
#: corpus: AF at least 0.115, regular rhythms at most 0.022).
AF_MIN_RR_CV = 0.08
#: Least median change between RR intervals one, two and three apart, over the mean RR, for
#: an irregularly irregular rhythm (``benchmarks/ecg_rr_irregularity.py``): a regular rhythm
#: with a few early beats stays under it one apart, a bigeminy two apart, a trigeminy three.
AF_MIN_SUCCESSIVE_RR = 0.08
#: Fewest RR intervals to call a rhythm irregularly irregular ...
AF_MIN_INTERVALS = 8
#: ... and most complexes of another shape among them: the median change between intervals
#: is not moved by one or two ventricular beats in fibrillation, while frequent ones at
#: random times would vary a regular rhythm's intervals as fibrillation does.
AF_MAX_UNLIKE_BEATS = 2
#: A QRS taller than this in any lead (mV) is no human ECG's (the tallest are about 5 mV): the
#: file's units are wrong (a trial: microvolts stored as millivolts read as a 1,400 mV QRS).
MAX_PLAUSIBLE_QRS_MV = 10.0
#: ST raised in aVR by this much (mV) beside ST depression in other leads is named with it:
#: the pattern of diffuse subendocardial ischaemia.
AVR_ST_ELEVATION_MV = 0.1
#: Why a finding under its threshold without a rule-out bar is not called absent.
NO_RULE_OUT = (
    f"too few calibration records with it (under {MIN_RULE_OUT_POSITIVES}) to tell the score "
    "that rules it out"
)
#: Why the QT is not read where fibrillation or flutter waves may run through the T wave.
QT_UNREAD = (
    "fibrillation or flutter waves (stated, measured, or scored with no P wave found) may hide "
    "the T wave's end"
)
#: The leads a finding's measured criterion reads, where one of them can be lost to noise or
#: a flat trace: ST elevation's territories, the QRS voltages of LVH (Sokolow-Lyon's V1, V5,
#: V6; Cornell's aVL and V3), the side of a bundle branch block (V1's QRS end) and the axis.
_MEASURED_IN = {
    **TERRITORIES,
    "lvh": ("aVL", "V1", "V3", "V5", "V6"),
    "lbbb": ("V1",),
    "rbbb": ("V1",),
    "left_axis_deviation": AXIS_LEADS,
    "right_axis_deviation": AXIS_LEADS,
}
#: The limb leads, none read for ST where the arm electrodes may be reversed.
LIMB_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF")
#: A lead's name in a reader's warning.
_LEAD_NAME = re.compile(r"\b(aVR|aVL|aVF|III|II|I|V[1-6])\b")
#: Ventricular rates at which a sinus tachycardia may be atrial flutter with 2:1 conduction
#: (atrial rates of 260-340/min): its second flutter wave hides in the QRS or the T wave, and
#: the flutter waves are not measured there (:mod:`elm_desktop.signals.ecg.flutter`).
FLUTTER_2_TO_1_BPM = (130, 170)
#: A regular rate from which a QRS without P waves is a tachycardia to name: a wide one
#: ventricular until shown otherwise, a narrow one possibly re-entrant (VT is defined from
#: 100/min; 120 keeps a sinus tachycardia whose P waves went unmeasured from being named so).
WIDE_TACHYCARDIA_BPM = 120

RHYTHMS = (
    "sinus_rhythm",
    "sinus_bradycardia",
    "sinus_tachycardia",
    "atrial_fibrillation",
    "atrial_flutter",
)
#: The draft's sections after RATE and RHYTHM, and the knowledge-base categories they hold.
SECTIONS = (
    ("CONDUCTION", ("conduction",)),
    ("AXIS", ("axis",)),
    ("VOLTAGE", ("hypertrophy", "voltage")),
    ("ST-T AND QT", ("ischaemia", "repolarisation")),
    ("ECTOPY", ("ectopy",)),
)
_EXCLUSIVE = (("lbbb", "rbbb"), ("lvh", "low_voltage"))
#: The standard ECG's length (and the model's input): a shorter one is not called normal (a
#: new-user trial: "Normal ECG." from 3 s and three complexes, padded to 10 s for the model).
STANDARD_ECG_S = 10.0
_NOT_READ_IN_LBBB = ("lvh", "inferior_stemi", "anterior_stemi", "st_depression")
_SINUS = ("sinus_rhythm", "sinus_bradycardia", "sinus_tachycardia")
_ATRIAL = {"atrial_fibrillation", "atrial_flutter"}
#: Read on the ST-T and QT, which a wide QRS (120 ms or more) changes by itself.
_SECONDARY_IN_WIDE_QRS = ("st_depression", "long_qt")
_NEEDS_P_WAVES = ("first_degree_av_block", "pac")


@dataclass(frozen=True)
class EcgFacts:
    """What the ECG file and its own signal say, for the draft (nothing identifying).

    Attributes
    ----------
    duration_s, sfreq : float
    leads : tuple of str
        The leads read, in the standard order.
    source_format : str
        The file format (``"WFDB"``, ``"HL7 aECG"``, ...).
    peaks_s : numpy.ndarray
        Times of the QRS complexes found across the 12 leads, in seconds.
    warnings : tuple of str
        What the reader found wrong with the file (a lead carrying another's signal).
    unfamiliar : str or None
        The warning that the recording is unlike the model's training data, None when it is
        not (or when the bundle has no reference to tell).
    misplaced : tuple of str
        The reader's warnings that leads are not where their labels put them (exchanged
        labels, reversed arm electrodes): the model's findings are withheld until checked.
    measurements : EcgMeasurements or None
        Intervals, axis, voltages, ST levels and early or unlike beats of the median beat;
        None when the ECG could not be measured.
    flutter : FlutterConduction or None
        The conduction ratio the flutter waves give, stated beside a stated flutter; None when
        not measured (2:1 conduction, no flutter waves).
    qrs_alike : float or None
        The share of the QRS complexes that share the dominant shape: under
        :data:`~elm_desktop.signals.ecg.qrs.MIN_ALIKE` they are noise, and no rate is given.
    implausible : str or None
        Why the file's voltages cannot be a human ECG's (:func:`implausible_voltages`); then
        the model's findings are withheld and ``measurements`` is None.
    unreadable : tuple of str
        Leads flat or carrying noise without a heartbeat (the reader's warning names them):
        nothing in them is read (:meth:`.EcgMeasurements.without_leads`).
    """

    duration_s: float
    sfreq: float
    leads: tuple[str, ...]
    source_format: str = ""
    peaks_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    warnings: tuple[str, ...] = ()
    unfamiliar: str | None = None
    misplaced: tuple[str, ...] = ()
    measurements: EcgMeasurements | None = None
    qrs_alike: float | None = None
    flutter: FlutterConduction | None = None
    implausible: str | None = None
    unreadable: tuple[str, ...] = ()

    @property
    def withheld_because(self) -> str | None:
        """Why no model finding may be stated: voltages no heart makes, then misplaced leads,
        then an ECG unlike the training data (all that apply); None when none."""
        reasons = [self.implausible] if self.implausible else []
        reasons += [as_sentence(warning) for warning in self.misplaced]
        if self.misplaced:
            reasons.append("The model's findings are withheld until the leads are checked.")
        if self.unfamiliar:
            reasons.append(self.unfamiliar)
        return " ".join(reasons) or None

    @property
    def rate_bpm(self) -> float | None:
        """60 over the mean RR interval; None with fewer than :data:`MIN_BEATS` complexes or
        when they are not alike (:attr:`qrs_alike`)."""
        return rate_bpm(self.peaks_s, self.qrs_alike)

    @property
    def rr_cv(self) -> float | None:
        """Coefficient of variation of the RR intervals; None without a rate."""
        if self.rate_bpm is None:
            return None
        rr = np.diff(self.peaks_s)
        return float(np.std(rr) / np.mean(rr))

    @property
    def irregularly_irregular(self) -> bool:
        """Whether RR intervals one, two and three apart differ by :data:`AF_MIN_SUCCESSIVE_RR`
        of the mean RR or more (median over the record), over :data:`AF_MIN_INTERVALS` intervals
        or more, with at most :data:`AF_MAX_UNLIKE_BEATS` complexes of another shape where the
        beats were measured: not a regular rhythm with a few early beats, nor a bigeminy or
        trigeminy."""
        m = self.measurements
        if self.rate_bpm is None or (m is not None and m.unlike_beats > AF_MAX_UNLIKE_BEATS):
            return False
        return rr_irregularity(np.diff(self.peaks_s)) >= AF_MIN_SUCCESSIVE_RR


def rr_irregularity(rr: np.ndarray) -> float:
    """The least, over lags of one, two and three intervals, of the median change between RR
    intervals that far apart, over the mean RR; 0 with under :data:`AF_MIN_INTERVALS`."""
    rr = np.asarray(rr, float)
    if rr.size < AF_MIN_INTERVALS:
        return 0.0
    return float(min(np.median(np.abs(rr[lag:] - rr[:-lag])) for lag in (1, 2, 3)) / rr.mean())


def rhythm_conflict(finding_id: str, facts: EcgFacts) -> str | None:
    """Why the measured rate or RR variability rules a rhythm out; None when it does not.

    Parameters
    ----------
    finding_id : str
        One of :data:`RHYTHMS` (any other id: None).
    facts : EcgFacts

    Returns
    -------
    str or None
        A clause for MODEL FINDINGS, e.g. ``"the QRS complexes give 78/min"``.
    """
    rate, cv = facts.rate_bpm, facts.rr_cv
    if finding_id in RHYTHMS and rate is None:
        return "no measured rate to check the rhythm against"
    # The rate as the draft prints it, so that the sentence above never contradicts the rhythm
    # (the rate is off by 0.15/min on average, benchmarks/results/ecg-qrs.txt; a slack of
    # 3/min let "Ventricular rate 103/min ... Sinus rhythm." through).
    printed = round(rate) if rate else 0
    measured = f"the QRS complexes give {printed}/min" if rate else ""
    if finding_id == "sinus_bradycardia" and printed >= 60:
        return measured
    if finding_id == "sinus_tachycardia" and printed <= 100:
        return measured
    if finding_id == "sinus_rhythm" and not 60 <= printed <= 100:
        return measured
    if finding_id == "atrial_fibrillation" and cv < AF_MIN_RR_CV:
        return f"the RR intervals are regular (variation {cv:.2f})"
    return None


def _rhythm_measured(finding_id: str, facts: EcgFacts) -> str | None:
    """What the ECG measures of a rhythm that meets its criterion (a trial: "Atrial flutter:
    absent" on every 4:1 flutter whose flutter waves were measured, "Sinus bradycardia:
    absent" at 49/min with a P wave before each QRS); None when it does not."""
    m = facts.measurements
    if finding_id in _SINUS and m is not None and m.pr_ms is not None:
        if facts.rate_bpm is not None and rhythm_conflict(finding_id, facts) is None:
            return f"{round(facts.rate_bpm)}/min with a P wave before each QRS complex"
    if finding_id == "atrial_flutter" and facts.flutter is not None:
        return f"flutter waves every {facts.flutter.cycle_ms:.0f} ms"
    if finding_id == "atrial_fibrillation" and facts.irregularly_irregular:
        return f"irregularly irregular RR intervals (variation {facts.rr_cv:.2f})"
    return None


def _measured_sinus(facts: EcgFacts) -> str | None:
    """The sinus rhythm the ECG measures by itself (:func:`_rhythm_measured`: a P wave before
    each QRS at a rate in its range) at a regular rate, with no flutter waves measured; None
    otherwise."""
    regular = facts.rr_cv is not None and facts.rr_cv < AF_MIN_RR_CV
    if not regular or facts.flutter is not None:
        return None
    return next((f for f in _SINUS if _rhythm_measured(f, facts)), None)


def _measured_rhythm_sentences(
    measured_rhythm: str | None, facts: EcgFacts, knowledge_base: KnowledgeBase
) -> list[DraftSentence]:
    """RHYTHM where the model's rhythm is not stated: the sinus rhythm the ECG measures, or
    the reviewer's; then, where the rate allows it, the caution to rule out 2:1 flutter."""
    if measured_rhythm is None:
        sentences = [DraftSentence(TO_COMPLETE, "reviewer")]
    else:
        named = in_sentence(knowledge_base[measured_rhythm].sentence.rstrip("."))
        sentences = [
            DraftSentence(
                f"Regular at {round(facts.rate_bpm)}/min with a P wave before each QRS complex "
                f"(RR variation {facts.rr_cv:.2f}): {named} by the measurement; the P wave's "
                "axis is not measured: confirm.",
                "file",
            )
        ]
    if measured_rhythm in (None, "sinus_tachycardia") and (caution := flutter_caution(facts)):
        sentences.append(DraftSentence(caution, "file"))
    return sentences


def irregularity_conflict(facts: EcgFacts) -> str | None:
    """Why RR intervals that vary are not fibrillation's, irregularly irregular; None when
    they are. Asked of the one rhythm chosen, so that it is left to the reviewer rather than
    give way to another rhythm the model also called."""
    if facts.irregularly_irregular:
        return None
    intervals = max(len(facts.peaks_s) - 1, 0)
    if intervals < AF_MIN_INTERVALS:
        return f"{intervals} RR intervals are too few to tell an irregularly irregular rhythm"
    m = facts.measurements
    if m is not None and m.unlike_beats > AF_MAX_UNLIKE_BEATS:
        return (
            f"{m.unlike_beats} complexes of another QRS shape, whose timing may vary the RR "
            "intervals"
        )
    return "the RR intervals vary, but not irregularly irregularly (early beats?)"


def draft_ecg_report(
    facts: EcgFacts,
    knowledge_base: KnowledgeBase,
    model: str,
    scores: Sequence[FindingScore] | None,
) -> DraftReport:
    """Write a draft ECG report (module docstring).

    Parameters
    ----------
    facts : EcgFacts
        From the file and its own signal.
    knowledge_base : KnowledgeBase
        The ECG findings: each one's sentence and category.
    model : str
        Model name and version, named in the banner.
    scores : sequence of FindingScore, optional
        Zero-shot scores; None when the model has no text tower.

    Returns
    -------
    DraftReport
        Its ``asserted`` lists the findings stated; ``held`` those over their thresholds that
        a rule above or a disagreement with the record-level score kept out, with why (also
        said under MODEL FINDINGS).
    """
    if facts.measurements is not None:
        # No criterion, sentence or hold reads a lead that is flat or of noise only.
        facts = replace(facts, measurements=facts.measurements.without_leads(facts.unreadable))
    # Findings the draft could never state (too weak where calibrated, a rhythm the measured
    # rate contradicts) are held first, so that they cannot make the record-level score and
    # the findings disagree.
    held = {}  # id -> why not stated
    for score in scores or ():
        reason = score.present and (
            _unsupported(knowledge_base, score.finding_id)
            or rhythm_conflict(score.finding_id, facts)
            or measured_conflict(score.finding_id, facts.measurements)
        )
        if reason:
            held[score.finding_id] = reason
    counted = (
        None
        if scores is None
        else [replace(s, present=False) if s.finding_id in held else s for s in scores]
    )
    impression, reasons = record_impression(counted, knowledge_base)
    unlike = _unlike_normal(facts)
    if facts.duration_s < STANDARD_ECG_S - 0.5:  # a few beats cannot show a normal ECG
        unlike = [
            *unlike,
            f"only {facts.duration_s:.1f} s, under the standard {STANDARD_ECG_S:g} s",
        ]
    if impression == "normal" and unlike:  # the model's normal ECG against its own measurement
        impression = "left to the reviewer"
        measured_reason = f"the ECG measures {_and(unlike)}"
        reasons = [*reasons, f"the model calls the ECG normal, but {measured_reason}"]
        for score in counted or ():
            finding = knowledge_base[score.finding_id]
            if score.present and finding.category == "overall" and not finding.abnormal:
                held[score.finding_id] = measured_reason
    allowed = {s.finding_id: states_finding(s, impression, knowledge_base) for s in counted or ()}
    held |= disagreeing(counted or (), knowledge_base)
    present = {s.finding_id: s for s in counted or () if allowed.get(s.finding_id)}
    rhythm = _rhythm(present, facts, held)
    if rhythm == "atrial_fibrillation" and (irregular := irregularity_conflict(facts)):
        held[rhythm], rhythm = irregular, None
    unseen_p = [f for f in _SINUS if held.get(f) == NO_P_WAVE]
    irregular_af = rhythm == "atrial_fibrillation" and facts.irregularly_irregular
    if rhythm in ("atrial_fibrillation", "atrial_flutter") and unseen_p and not irregular_af:
        # A P wave the measurement missed (hidden in the T wave at a fast rate) must not turn a
        # sinus rhythm the model also called into fibrillation or flutter; an irregularly
        # irregular rhythm of one QRS shape without P waves is no sinus rhythm.
        held[rhythm] = (
            f"{knowledge_base[unseen_p[0]].label.lower()} scored over threshold too, and the P "
            "waves that would tell them apart could not be measured"
        )
        rhythm = None
    for first, second in _EXCLUSIVE:
        if {first, second} <= set(present) - set(held):
            reason = (
                f"{knowledge_base[first].label} and {knowledge_base[second].label.lower()} "
                "exclude each other"
            )
            held[first] = held[second] = reason
    wide_tachycardia = wide_complex_tachycardia(facts)
    if wide_tachycardia:  # the QRS may be ventricular: no bundle branch block is read in it
        for finding in ("lbbb", "rbbb"):
            if finding in present and finding not in held:
                held[finding] = "not read in a wide-complex tachycardia: the QRS may be ventricular"
    if "lbbb" in present and "lbbb" not in held:
        for finding in _NOT_READ_IN_LBBB:
            if finding in present:
                held[finding] = "not read in left bundle branch block"
    wide = facts.measurements is not None and round(facts.measurements.qrs_ms) >= 120
    if wide:  # secondary ST-T changes, and a QT lengthened by the QRS, whether or not stated
        qrs = round(facts.measurements.qrs_ms)
        for finding in _SECONDARY_IN_WIDE_QRS:
            if finding in present and finding not in held:
                held[finding] = f"the QRS measures {qrs} ms: not read in a wide QRS"
    scored = {
        s.finding_id
        for s in scores or ()
        if s.present and not _unsupported(knowledge_base, s.finding_id)
    }
    # Fibrillation or flutter waves may run through the ECG where the rhythm is one of them, or
    # where no rhythm is stated and flutter waves were measured, the RR intervals are
    # irregularly irregular, or the model scores one where no P wave was measured; not beside
    # a stated sinus rhythm, whose P waves the draft itself calls.
    no_p_wave = facts.measurements is None or facts.measurements.pr_ms is None
    fibrillation_or_flutter = rhythm in _ATRIAL or (
        rhythm not in _SINUS
        and (
            facts.flutter is not None
            or (facts.irregularly_irregular or bool(scored & _ATRIAL))
            and no_p_wave
        )
    )
    if rhythm in _ATRIAL:
        for finding in _NEEDS_P_WAVES:
            if finding in present:
                held[finding] = f"no P waves in {knowledge_base[rhythm].label.lower()}"
    # A sinus rhythm the ECG measures (a P wave before each QRS at a regular rate, no
    # fibrillation or flutter measured or scored) is stated where the model's is not (a trial:
    # 28 of 47 drafts left the rhythm blank, one at 72/min with a P wave before each QRS).
    measured_rhythm = None
    if rhythm is None and not fibrillation_or_flutter and not scored & _ATRIAL:
        measured_rhythm = _measured_sinus(facts)
    if fibrillation_or_flutter and "long_qt" in present and "long_qt" not in held:
        # The T end may fall on a fibrillation or flutter wave (measurements' known limits).
        held["long_qt"] = QT_UNREAD
    # Flutter waves lower the measured ST where they are largest: ST depression is read in the
    # other leads wherever the model scores flutter or its waves were measured.
    m = facts.measurements
    flutter_leads = FLUTTER_LEADS if "atrial_flutter" in scored or facts.flutter is not None else ()
    if flutter_leads and "st_depression" in present and "st_depression" not in held:
        if m is None or len(st_lowered_leads(m, skip=flutter_leads)) < 2:
            # "may": the flutter may be the model's score alone, held where a P wave was
            # measured (a trial read "flutter waves run through it" beside that P wave).
            held["st_depression"] = (
                f"ST is not read in {_and(flutter_leads)}, where flutter waves may run through "
                f"it (atrial flutter {'measured' if facts.flutter else 'scored'}), and is "
                "lowered in fewer than two other leads"
            )
    stated = [f for f in present if f not in held and knowledge_base[f].category != "overall"]
    # A finding whose measured criterion is met is never called absent for a score under its
    # threshold: MODEL FINDINGS says what the beat measures, and for ST elevation the
    # interpretation too (new-user trials: 10 of 21 measured STEMIs drafted "ST elevation:
    # absent"; "Long QT: absent" beside a printed QTc of 547 ms); where that measure is not
    # read (ST in a left bundle branch block, ST and QT in a wide QRS, QT and what needs P
    # waves in fibrillation or flutter, ST where flutter waves run), it says so instead.
    # Nothing on leads that may be misplaced.
    lbbb = "lbbb" in present and "lbbb" not in held
    not_read = {f: "not read in left bundle branch block" for f in _NOT_READ_IN_LBBB if lbbb}
    if wide:
        qrs = round(m.qrs_ms)
        # ST elevation stays readable in a right bundle branch block (its QRS ending upwards in
        # V1), whose secondary changes lower the ST of V1-V3 but raise no territory's.
        right = measured_support("rbbb", m) is not None
        for f in (*_SECONDARY_IN_WIDE_QRS, *(() if right else TERRITORIES)):
            not_read.setdefault(f, f"the QRS measures {qrs} ms: not read in a wide QRS")
    if fibrillation_or_flutter:
        for f in _NEEDS_P_WAVES:  # irregular or flutter-conducted beats come "early" too
            not_read.setdefault(f, "not read in fibrillation or flutter: no P waves")
        not_read.setdefault("long_qt", QT_UNREAD)
    under = [s.finding_id for s in scores or () if not s.present]
    beat_shows = {
        f: words
        for f in under
        if not facts.misplaced
        and f not in held
        and (
            words := measured_support(f, m, unread_leads=flutter_leads)
            or _rhythm_measured(f, facts)
        )
    }
    unscored = {f: words for f, words in beat_shows.items() if f not in not_read}
    # Nor is a finding absent whose measure is not read here (ST elevation in a left bundle
    # branch block: a trial saw "Anterior ST elevation: absent" there), or whose score is too
    # weak, or uncalibrated, to rule it out.
    unruled = {f: not_read[f] for f in under if f in not_read} | {
        f: reason for f in under if (reason := _unsupported(knowledge_base, f))
    }
    # Nor one whose measure reads a lead the reader found flat or of noise only (a trial:
    # "Left ventricular hypertrophy: absent" with V3, which Cornell reads, of noise only).
    unruled |= {
        f: f"not read in {_and(lost)} (flat or noise only)"
        for f in under
        if f not in unruled
        and (lost := [lead for lead in _MEASURED_IN.get(f, ()) if lead in facts.unreadable])
    }
    # Nor one scored just under its threshold, or at or above its rule-out bar, as on the EEG
    # side (a trial: "Anterior ST elevation: absent (probability 0.90, threshold 0.93)").
    by_score = {
        f: why for f, why in not_ruled_out(scores or (), knowledge_base).items() if f not in unruled
    }
    # Without a rule-out bar (too few calibration records with the finding) nothing shows that
    # a score under the threshold rules it out.
    unruled |= {
        f: NO_RULE_OUT
        for f in under
        if f not in unruled | by_score
        and knowledge_base[f].abnormal
        and knowledge_base[f].rule_out is None
    }
    # A sinus rate the measured rate contradicts is absent whatever its score (a trial: "Sinus
    # bradycardia: ... its absence not stated either" at 131/min): the rate is what it means.
    by_rate = {
        f: why
        for f in under
        if f in _SINUS and facts.rate_bpm is not None and (why := rhythm_conflict(f, facts))
    }
    for reasons_of in (unruled, by_score):
        for f in by_rate:
            reasons_of.pop(f, None)
    # What the median beat measures against the definition of a finding the score cannot rule
    # out is said beside it: a fact, not a call of absence (a trial: "Anterior ST elevation:
    # not ruled out: too few calibration records" beside "Normal ECG." on a flat ST).
    if m is not None and not facts.misplaced:
        for reasons_of in (unruled, by_score):
            for f, why in reasons_of.items():
                if clause := _measured_against(f, m, not_read, flutter_leads):
                    reasons_of[f] = f"{why}; measured: {clause}"
    # The record-level finding is stated by the interpretation ("Normal ECG.").
    overall = [f for f in present if f not in held and knowledge_base[f].category == "overall"]
    sections = [
        DraftSection("CLINICAL INDICATION", [DraftSentence(TO_COMPLETE, "reviewer")]),
        DraftSection("TECHNICAL", [DraftSentence(s, "file") for s in _technical(facts)]),
        DraftSection("RATE", [_rate_sentence(facts)]),
    ]
    measured = DraftSection(
        "INTERVALS AND AXIS", [_intervals_sentence(facts.measurements, fibrillation_or_flutter)]
    )
    if "atrial_flutter" in scored and rhythm is None and m is not None and m.pr_ms is not None:
        # A flutter wave before each QRS measures as a P wave (a trial: "PR 188 ms" on a 4:1
        # flutter), and the PR then holds the flutter back: the reviewer tells them apart.
        # Not beside a stated rhythm (a sinus rhythm's P wave is then the draft's own call).
        measured.sentences.append(
            DraftSentence(
                "The wave before each QRS may be a flutter wave, not a P wave (the model scores "
                "atrial flutter): confirm the PR in II and V1.",
                "model",
            )
        )
    if rhythm is not None:
        rhythm_sentences = [DraftSentence(knowledge_base[rhythm].sentence, "model")]
        if rhythm == "atrial_flutter" and facts.flutter is not None:
            rhythm_sentences.append(DraftSentence(facts.flutter.sentence(), "file"))
        if rhythm == "sinus_tachycardia" and (caution := flutter_caution(facts)):
            rhythm_sentences.append(DraftSentence(caution, "file"))
    else:
        rhythm_sentences = _measured_rhythm_sentences(measured_rhythm, facts, knowledge_base)
    # Flutter waves can raise the ST of the inferior leads and V1 where flutter is measured or
    # stated, or scored with no P wave measured; a flutter score beside P waves does not.
    flutter_seen = facts.flutter is not None or rhythm == "atrial_flutter"
    flutter_seen |= "atrial_flutter" in scored and no_p_wave
    injury = measured_injury(facts, knowledge_base, not_read, FLUTTER_LEADS if flutter_seen else ())
    measured_stated = [f for f in injury.territories if f not in stated] if injury else []
    body = [DraftSection("RHYTHM", rhythm_sentences), measured]
    for title, categories in SECTIONS:
        sentences = [
            DraftSentence(
                _finding_sentence(knowledge_base[f], facts.measurements, flutter_leads), "model"
            )
            for f in stated
            if knowledge_base[f].category in categories
        ] + [
            # Injury stated from the measurement has its line as the model's would (a trial: no
            # ST-T line beside an urgent interpretation).
            DraftSentence(
                f"{injury.words[f]}: {knowledge_base[f].sentence.split(': ', 1)[-1]}", "file"
            )
            for f in measured_stated
            if injury is not None and knowledge_base[f].category in categories
        ]
        if sentences:
            body.append(DraftSection(title, sentences))
    outside = _outside(facts.measurements, fibrillation_or_flutter)
    explained = measured_stated or any(present[f].abnormal for f in stated)
    if impression == "abnormal" and not outside and not explained:
        # Nothing stated and nothing measured says what is abnormal: the reviewer does.
        impression = "left to the reviewer"
        reasons = [*reasons, LEFT_UNEXPLAINED]
    # The beat's ST elevation is stated whatever the model scores, and ST depression beside it
    # is named as such.
    if injury is not None and "st_depression" in unscored and injury.lowered:
        unscored["st_depression"] += f", beside the ST raised in {_and(injury.raised)}"
    depression = None if injury is not None else unscored.get("st_depression")
    if depression and (avr := _avr_raised(m)):
        depression += f" {avr}"
    # Every criterion the beat meets that the model's score does not call leads the
    # reviewer's interpretation too (a trial: "Abnormal ECG: sinus bradycardia." beside a
    # measured QTc of 495 ms; an empty interpretation beside Sokolow-Lyon 5.4 mV).
    criteria_met = [
        words
        for f, words in unscored.items()
        if (f in SUPPORT_WORDS or f in _ATRIAL) and f not in measured_stated
    ] + ([depression] if depression else [])
    interpretation = _interpretation(
        impression,
        [present[f] for f in stated],
        outside,
        criteria_met,
        [knowledge_base[f].label for f in measured_stated],
    )
    withheld = facts.withheld_because
    caveat = [DraftSentence(withheld, "model")] if withheld else []
    if withheld:
        reason = (
            IMPLAUSIBLE_WITHHELD
            if facts.implausible
            else LEADS_WITHHELD
            if facts.misplaced
            else WITHHELD
        )
        # The rhythm the ECG measures by itself stands without the model (a trial: every
        # rhythm of an ECG unlike the training data left blank, a sinus bradycardia at 47/min
        # among them); no score has a say in it here.
        measured_rhythm = _measured_sinus(facts)
        body = [
            DraftSection(
                "RHYTHM", _measured_rhythm_sentences(measured_rhythm, facts, knowledge_base)
            ),
            measured,
            DraftSection("FINDINGS", [DraftSentence(reason, "model")]),
        ]
        interpretation = DraftSentence(TO_COMPLETE, "reviewer")
        stated, measured_stated = [], list(injury.territories) if injury else []
        if impression not in UNSTATED:  # what the JSON and the summary say, as the draft does
            why = (
                "the file's units are to be checked"
                if facts.implausible
                else "the leads are to be checked"
                if facts.misplaced
                else UNFAMILIAR_IMPRESSION
            )
            reasons = [*reasons, f"{impression}, withheld: {why}"]
            impression = "left to the reviewer"
    interpretations = [interpretation]
    if injury is not None:
        interpretations.insert(0, DraftSentence(injury.sentence, "file"))
    if wide_tachycardia:  # before all else, also where the model's findings are withheld
        interpretations.insert(0, DraftSentence(wide_tachycardia, "file"))
    sections += body
    # What the draft states from the measurement is neither held nor left open.
    measured_words = {f: injury.words[f] for f in measured_stated if injury is not None}
    if measured_rhythm is not None:
        measured_words[measured_rhythm] = (
            f"a P wave before each QRS complex at a regular {round(facts.rate_bpm)}/min"
        )
    for finding in measured_words:
        for reasons_of in (held, unscored, unruled, by_score):
            reasons_of.pop(finding, None)
    finding_lines, verdicts, left_open = _model_findings(
        scores,
        held,
        unscored,
        unruled | by_score,
        bool(withheld),
        measured_words,
        set(by_score),
        by_rate,
    )
    sections += [
        DraftSection(
            MODEL_FINDINGS,
            caveat + finding_lines,
        ),
        DraftSection("INTERPRETATION", interpretations),
        DraftSection("COMPARISON", [DraftSentence(TO_COMPLETE, "reviewer")]),
    ]
    return DraftReport(
        DRAFT_BANNER.format(model=model),
        sections,
        impression,
        reasons,
        asserted=stated
        + measured_stated
        + ([measured_rhythm] if measured_rhythm else [])
        + (overall if impression == "normal" else []),
        held=held,
        verdicts=verdicts,
        unruled=left_open,
        measured=measured_words,
    )


@dataclass(frozen=True)
class MeasuredInjury:
    """ST elevation the median beat measures to the criteria of acute injury.

    Attributes
    ----------
    territories : tuple of str
        The ST elevation findings whose criteria are met (``"inferior_stemi"``, ...).
    raised, lowered : tuple of str
        The leads whose ST is raised to the criteria, and the other leads whose ST is lowered.
    sentence : str
        What the interpretation says first.
    words : dict of str to str
        Each territory's raised leads and levels (``"ST raised in II and III (0.34-0.45 mV at
        the J point)"``).
    """

    territories: tuple[str, ...]
    raised: tuple[str, ...]
    lowered: tuple[str, ...]
    sentence: str
    words: dict[str, str] = field(default_factory=dict)


def implausible_voltages(m: EcgMeasurements | None) -> str | None:
    """Why a median beat's voltages cannot be a human ECG's (a QRS taller than
    :data:`MAX_PLAUSIBLE_QRS_MV`): the file's units are wrong, and nothing it measures, nor
    the model, is read; None when they can be, or nothing was measured."""
    if m is None or max(m.max_limb_qrs_mv, m.max_chest_qrs_mv) <= MAX_PLAUSIBLE_QRS_MV:
        return None
    tallest = max(m.max_limb_qrs_mv, m.max_chest_qrs_mv)
    return (
        f"The QRS measures {tallest:,.0f} mV, beyond any human ECG (about 5 mV at most): check "
        "the file's units (microvolts stored as millivolts?); nothing is measured or scored."
    )


def measured_injury(
    facts: EcgFacts,
    knowledge_base: KnowledgeBase,
    not_read: Mapping[str, str] = {},
    unread_leads: Sequence[str] = (),
) -> MeasuredInjury | None:
    """ST elevation the median beat measures to the criteria of acute injury in a territory
    (:func:`~elm_desktop.clinical.ecg_criteria.st_raised_leads`), with the ST lowered in other
    leads; None where there is none or the territory is in ``not_read`` (finding id -> why the
    draft does not read it). Neither ``unread_leads`` (where flutter waves run through the ST
    segment), the leads the reader found flat or of noise only (``facts.unreadable``), nor the
    leads a misplacement warning names (every limb lead for reversed arm electrodes) are
    read."""
    m = facts.measurements
    if m is None or not m.st_mv:
        return None
    doubtful = set(unread_leads) | set(facts.unreadable)
    for warning in facts.misplaced:
        named = set(_LEAD_NAME.findall(warning))
        # Reversed arm electrodes invert I and exchange II with III and aVL with aVR, though
        # the warning names I and aVR only: no limb lead is read then.
        doubtful |= set(LIMB_LEADS) if "inverted" in warning else named
    readable = m.without_st(doubtful)
    territories, raised, parts, words = [], [], [], {}
    for territory in TERRITORIES:
        leads = st_raised_leads(territory, readable)
        if not leads or territory in not_read or territory not in knowledge_base:
            continue
        levels = sorted(m.st_j_mv[lead] for lead in leads)
        span = f"{levels[0]:.2f}" + (f"-{levels[-1]:.2f}" if levels[-1] > levels[0] else "")
        meaning = knowledge_base[territory].sentence.split(": ", 1)[-1].rstrip(".")
        territories.append(territory)
        raised += leads
        words[territory] = f"ST raised in {_and(leads)} ({span} mV at the J point)"
        parts.append(f"{words[territory]}, the criteria of {meaning}")
    if not territories:
        return None
    lowered = [lead for lead in st_lowered_leads(readable) if lead not in raised]
    beside = f", with ST lowered in {_and(lowered)}" if lowered else ""
    sentence = f"The median beat measures {'; '.join(parts)}{beside}: for urgent review."
    return MeasuredInjury(tuple(territories), tuple(raised), tuple(lowered), sentence, words)


def _unsupported(knowledge_base: KnowledgeBase, finding_id: str) -> str | None:
    """Why a finding's threshold does not support stating it; None when it does: an ECG
    finding without a calibrated threshold is never stated."""
    return weak_support(knowledge_base, finding_id, require_calibration=True)


def _rhythm(present: dict[str, FindingScore], facts: EcgFacts, held: dict[str, str]) -> str | None:
    """The one rhythm to state: the present rhythm the measurement agrees with, if only one."""
    candidates = []
    for finding in RHYTHMS:
        if finding not in present or finding in held:
            continue
        conflict = rhythm_conflict(finding, facts)
        if conflict:
            held[finding] = conflict
        else:
            candidates.append(finding)
    if len(candidates) > 1:  # one rhythm at a time: two called at once leave it to the reviewer
        names = [present[f].label.lower() for f in candidates]
        together = "both" if len(names) == 2 else "all"
        reason = f"{', '.join(names[:-1])} and {names[-1]} {together} scored over threshold"
        held.update(dict.fromkeys(candidates, reason))
        return None
    return candidates[0] if candidates else None


def _technical(facts: EcgFacts) -> list[str]:
    source = f" ({facts.source_format})" if facts.source_format else ""
    lines = [
        f"{len(facts.leads)}-lead ECG{source}, {facts.duration_s:.1f} s at "
        f"{facts.sfreq:.0f} Hz, read at 25 mm/s and 10 mm/mV."
    ]
    # The reader's warnings name the leads computed from I and II.
    lines += [as_sentence(warning) for warning in facts.warnings]
    return lines


def as_sentence(text: str) -> str:
    """Return a reader's warning (a lowercase clause) as a sentence: capital first, full stop."""
    return text[:1].upper() + text[1:].rstrip(".") + "."


def _regular_rate(facts: EcgFacts) -> tuple[int, EcgMeasurements | None] | None:
    """The rounded rate of a regular rhythm and the median beat's measurements; None without a
    rate or on irregular RR intervals."""
    rate = facts.rate_bpm
    if rate is None or (facts.rr_cv or 0.0) >= AF_MIN_RR_CV:
        return None
    return round(rate), facts.measurements


def wide_complex_tachycardia(facts: EcgFacts) -> str | None:
    """A regular rhythm of :data:`WIDE_TACHYCARDIA_BPM` or more with a QRS of 120 ms or more
    and no P wave (nor flutter wave) measured: ventricular tachycardia until shown otherwise,
    for urgent review (a trial: only the 2:1 flutter caution, no word of VT); None otherwise."""
    regular = _regular_rate(facts)
    if regular is None or facts.flutter is not None:
        return None
    rate, m = regular
    if m is None or m.pr_ms is not None or round(m.qrs_ms) < 120 or rate < WIDE_TACHYCARDIA_BPM:
        return None
    return (
        f"A regular wide-complex tachycardia at {rate}/min (QRS {round(m.qrs_ms)} ms) with no P "
        "wave measured: ventricular tachycardia until shown otherwise; rule out a "
        "supraventricular tachycardia with aberrant conduction, atrial flutter with 2:1 "
        "conduction among them. For urgent review."
    )


def flutter_caution(facts: EcgFacts) -> str | None:
    """What a regular narrow-complex tachycardia asks of the reviewer; worded so that the
    findings extractor reads the flutter as denied.

    At :data:`FLUTTER_2_TO_1_BPM`, to rule out atrial flutter with 2:1 conduction, which such a
    rate fits, with one wave before each QRS (a sinus tachycardia) or none measured (a trial:
    140/min, no P wave, the rhythm left blank with nothing said). From
    :data:`WIDE_TACHYCARDIA_BPM` with no P wave measured, a re-entrant supraventricular
    tachycardia too (a review: nothing said at 190/min). None at other rates, on irregular RR
    intervals, and for a wide-complex tachycardia (:func:`wide_complex_tachycardia`).
    """
    regular = _regular_rate(facts)
    if regular is None or wide_complex_tachycardia(facts):
        return None
    rate, m = regular
    no_p = m is None or m.pr_ms is None
    low, high = FLUTTER_2_TO_1_BPM
    hidden = "its second flutter wave can hide in the QRS or the T wave"
    if low <= rate <= high and no_p:
        return (
            f"At {rate}/min with no P wave measured, rule out atrial flutter with 2:1 "
            f"conduction ({hidden}) and a re-entrant supraventricular tachycardia (AVNRT, AVRT)."
        )
    if low <= rate <= high:
        return f"At {rate}/min, rule out atrial flutter with 2:1 conduction: {hidden}."
    if no_p and rate >= WIDE_TACHYCARDIA_BPM:
        return (
            f"At {rate}/min with no P wave measured, rule out a re-entrant supraventricular "
            "tachycardia (AVNRT, AVRT)."
        )
    return None


def _rate_sentence(facts: EcgFacts) -> DraftSentence:
    rate = facts.rate_bpm
    if rate is None and len(facts.peaks_s) >= MIN_BEATS:
        return DraftSentence(
            f"Not measured: the {len(facts.peaks_s)} complexes found are not alike (noise or "
            "artefact?). " + TO_COMPLETE,
            "reviewer",
        )
    if rate is None:
        return DraftSentence(
            f"Not measured: fewer than {MIN_BEATS} QRS complexes found. " + TO_COMPLETE,
            "reviewer",
        )
    return DraftSentence(
        f"Ventricular rate {round(rate)}/min ({len(facts.peaks_s)} QRS complexes across the "
        f"leads, RR variation {facts.rr_cv:.2f}).",
        "file",
    )


def _unlike_normal(facts: EcgFacts) -> list[str]:
    """What the recording measures that a normal ECG (normal rate, intervals, axis, voltages,
    ST and beats) does not have."""
    rate = facts.rate_bpm
    printed = [] if rate is None or 60 <= round(rate) <= 100 else [f"a rate of {round(rate)}/min"]
    return printed + unlike_normal(facts.measurements)


def _outside(m: EcgMeasurements | None, qt_unread: bool) -> list[str]:
    """The values outside their limits the draft flags; not the QTc where fibrillation or
    flutter waves may hide the T wave's end (a trial: "QTc 543 ms (over 470)" flagged beside
    long QT held for that reason)."""
    return [v for v in outside_limits(m) if not (qt_unread and v.startswith("QTc"))]


def _intervals_sentence(m: EcgMeasurements | None, qt_unread: bool = False) -> DraftSentence:
    if m is None:
        return DraftSentence(f"{as_sentence(NOT_MEASURED)} {TO_COMPLETE}", "reviewer")
    outside = _outside(m, qt_unread)
    flagged = f" Outside normal limits: {_and(outside)}." if outside else ""
    if qt_unread:
        flagged += f" QT not interpreted: {QT_UNREAD}."
    return DraftSentence(
        f"{m.summary()} (median beat of {m.beats} complexes; confirm with the calipers)." + flagged,
        "file",
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _finding_sentence(
    finding: Finding, m: EcgMeasurements | None, unread: Sequence[str] = ()
) -> str:
    """The finding's sentence, with the leads the median beat shows it in: ST depression has no
    territory (nor ``unread`` leads, where flutter waves run through the ST segment), and ST
    elevation names the raised leads of its territory, not all of them ("ST elevation in II
    and aVF: acute inferior injury.", where its knowledge-base sentence names II, III and
    aVF)."""
    if finding.id == "st_depression" and m is not None and (leads := st_lowered_leads(m, unread)):
        depth = LIMITS["st_depression_mv"]
        avr = f", {words}" if (words := _avr_raised(m)) else ""
        return f"{finding.sentence.rstrip('.')} ({depth:.2f} mV or more in {_and(leads)}){avr}."
    if finding.id in TERRITORIES and m is not None and (leads := st_raised_leads(finding.id, m)):
        meaning = finding.sentence.split(": ", 1)[-1]
        return f"ST elevation in {_and(leads)}: {meaning}"
    return finding.sentence


def _avr_raised(m: EcgMeasurements | None) -> str:
    """ST raised in aVR beside ST depression elsewhere, in words ("with ST raised in aVR (0.13
    mV)"): the pattern of diffuse subendocardial ischaemia; empty under
    :data:`AVR_ST_ELEVATION_MV`."""
    level = 0.0 if m is None else m.st_mv.get("aVR", 0.0)
    return f"with ST raised in aVR ({level:.2f} mV)" if level >= AVR_ST_ELEVATION_MV else ""


def _measured_against(
    finding: str, m: EcgMeasurements, not_read: Collection[str], flutter_leads: Collection[str]
) -> str | None:
    """What the median beat measures where a finding's definition is not met (e.g. ``"the QRS
    axis measures +44 degrees"``), for a finding whose criterion is what it means; None where
    that measure is not read here, or reads a lead that is flat, of noise only
    (``m.unread_leads``) or crossed by flutter waves."""
    leads = m.st_mv.keys() if finding == "st_depression" else _MEASURED_IN.get(finding, ())
    measured = finding in SUPPORT_WORDS or finding == "st_depression"
    if not measured or finding in not_read or set(leads) & {*m.unread_leads, *flutter_leads}:
        return None
    clause = measured_conflict(finding, m)
    return None if clause is None or UNMEASURED in clause else clause


def _merged(outside: Sequence[str], criteria: Sequence[str]) -> list[str]:
    """The values outside the limits (``"QRS 130 ms (120 or more)"``), each with what a
    criterion met adds to it (``", ending upwards in V1"``), then the other criteria met: each
    value said once (a review: "QRS 130 ms (120 or more) and QRS 130 ms, ending upwards in
    V1")."""
    merged, rest = [], list(criteria)
    for value in outside:
        head = value.split(" (", 1)[0]
        extends = [c for c in rest if c.startswith(head)]
        rest = [c for c in rest if c not in extends]
        merged.append(value + "".join(c[len(head) :] for c in extends))
    return merged + rest


def _interpretation(
    impression: str,
    stated: Sequence[FindingScore],
    outside: Sequence[str],
    unscored: Sequence[str] = (),
    measured: Sequence[str] = (),
) -> DraftSentence:
    """``unscored``: what the median beat measures as a finding's criterion asks, though the
    model's score for it is under its threshold; ``measured``: the labels of the findings
    stated from the measurement (acute injury), abnormal findings the impression names too."""
    measures = _merged(outside, unscored)
    if impression in UNSTATED:
        # What the median beat measures outside its limits, or as a finding's criterion asks,
        # leads the reviewer's interpretation (a trial saw ST raised in V1-V4 left to MODEL
        # FINDINGS under an empty interpretation).
        beyond = measures if impression == "left to the reviewer" else []
        if beyond:
            return DraftSentence(f"The ECG measures {_and(beyond)}. {TO_COMPLETE}", "reviewer")
        return DraftSentence(TO_COMPLETE, "reviewer")
    if impression == "normal":
        return DraftSentence("Normal ECG.", "model")
    also = (
        f" The ECG also measures {_and(unscored)}, which the model's score does not "
        "call: for the reviewer."
        if unscored
        else ""
    )
    named = [in_sentence(s.label) for s in stated if s.abnormal]
    # The injury leads the interpretation already: named here where nothing else is, so that
    # the impression never says that no abnormal finding is stated beside it.
    named = named or [in_sentence(label) for label in measured]
    if not named:
        # What the median beat measures outside its limits says more than "see MODEL FINDINGS".
        measured = f" The ECG measures {_and(measures)}." if measures else ""
        return DraftSentence(
            "Abnormal ECG; no single abnormal finding is stated (see MODEL FINDINGS)." + measured,
            "model",
        )
    words = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return DraftSentence(f"Abnormal ECG: {words}.{also}", "model")


def _model_findings(
    scores: Sequence[FindingScore] | None,
    held: dict[str, str],
    unscored: Mapping[str, str],
    unruled: Mapping[str, str],
    unconfirmed: bool,
    measured: Mapping[str, str] = {},
    whole: Collection[str] = (),
    ruled_out: Mapping[str, str] = {},
) -> tuple[list[DraftSentence], dict[str, str], dict[str, str]]:
    """One line per finding: its verdict and score. ``unscored``: what the beat measures of a
    finding under its threshold whose criterion is met; ``unruled``: why a score under its
    threshold cannot rule its finding out (for the findings of ``whole``, a reason that is the
    verdict itself: :func:`~elm_desktop.clinical.report.not_ruled_out`'s); ``unconfirmed``:
    the findings are withheld (leads to check, an ECG unlike the training data), so no score
    is called present or absent; ``measured``: what the ECG measures of the findings the draft
    states from the measurement; ``ruled_out``: why the measurement rules out a finding under
    its threshold (a sinus rate the measured rate contradicts). Returns the lines, each
    finding's verdict in them, and the findings they call under the threshold and not ruled
    out, with why."""
    if scores is None:
        return (
            [
                DraftSentence(
                    "Not available: the model has no text projector for zero-shot findings.",
                    "model",
                )
            ],
            {},
            {},
        )
    lines, verdicts, not_ruled_out = [], {}, {}
    for score in sorted(scores, key=lambda s: -s.probability):
        numbers = "probability {}, threshold {}".format(
            *against_threshold(score.probability, score.threshold)
        )
        finding = score.finding_id
        if finding in measured:
            side = "over" if score.present else "under"
            verdict = (
                f"stated from the measurement ({measured[finding]}); the model's score {side} "
                "its threshold"
            )
        elif finding in held:
            verdict = f"not stated: {held[finding]}"
        elif finding in ruled_out:  # by the measured rate, whatever the model's familiarity
            verdict = f"absent: {ruled_out[finding]}"
        elif unconfirmed:
            verdict = f"{'over' if score.present else 'under'} its threshold, unconfirmed"
        elif score.present:
            verdict = "present"
        elif finding in unscored or finding in unruled:
            why = (
                f"the ECG measures {unscored[finding]}" if finding in unscored else unruled[finding]
            )
            not_ruled_out[finding] = why
            verdict = why if finding in whole else f"under its threshold, not ruled out: {why}"
        elif finding == RECORD_FINDING and not score.abnormal:
            verdict = RECORD_UNDER_THRESHOLD
        else:
            verdict = "absent"
        verdicts[finding] = verdict
        lines.append(DraftSentence(f"{score.label}: {verdict} ({numbers}).", "model"))
    return lines, verdicts, not_ruled_out
