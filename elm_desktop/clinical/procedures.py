"""Which activation procedures and states a recording shows, and how it shows them.

A draft may state hyperventilation, photic stimulation or sleep only when the recording itself
shows them: hyperventilation and photic stimulation from the file's EDF+ annotations (``HV
start``, ``Photic 9 Hz``); sleep from annotations or from the model's sleep score over its
threshold with at least :data:`MIN_SLEEP_S` seconds of crops over it. The model's score alone
never makes a procedure happen: on the demo recording, which had no hyperventilation, the
hyperventilation response reached its threshold on the seizure's build-up. A photic
stimulator channel shows photic stimulation by the flash trains it holds
(:mod:`elm_desktop.signals.photic`), not by its presence: 3 of 50 synthetic recordings carry
one without any stimulation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from elm_desktop.clinical.consistency import NOT_DONE, PROCEDURES
from elm_desktop.clinical.record_score import MEASURED
from elm_desktop.clinical.zeroshot import EVIDENCE_SPAN_S, FindingScore, top_segments
from elm_desktop.signals.photic import FlashTrain
from elm_desktop.signals.recording import Annotation

#: The finding that only a performed procedure can show, by finding id.
NEEDS_PROCEDURE = {
    "hyperventilation_response": "hyperventilation",
    "photic_driving": "photic stimulation",
    "sleep": "sleep",
}
#: Procedures the model's own score may show (the others only annotations can).
SCORED_PROCEDURES = ("sleep",)
#: Procedures the draft states either way (performed, or "not performed or not recorded").
ALWAYS_STATED = ("hyperventilation", "photic stimulation")
#: An annotation that is a flash train's rate alone ("PS 5Hz", as some systems mark each
#: train); only a whole annotation: in report text "PS" is as likely a polyspike.
FLASH_RATE_ANNOTATION = re.compile(r"^\s*ps\s*\d+(?:\.\d+)?\s*hz\s*$", re.I)
#: Seconds of crops over the sleep threshold that make the model's sleep score evidence.
MIN_SLEEP_S = 60.0
#: Findings a procedure's own effect can look like: hyperventilation's build-up of high,
#: rhythmic delta (a new-user trial's normal recording was drafted with generalized
#: spike-and-wave on it, at 0.97), and photic driving's rhythm at the flash rate (a trial:
#: seizures drafted on two 20-minute recordings without one, most evident in photic
#: stimulation, and on a third in hyperventilation).
MIMICKED_BY = {
    "hyperventilation": ("generalized_spike_wave", "generalized_slowing", "seizure"),
    "photic stimulation": ("seizure",),
}
#: How long after hyperventilation ends its build-up may last, in seconds.
HYPERVENTILATION_RECOVERY_S = 60.0
#: :attr:`ProcedureEvidence.source` of a procedure or state the file's annotations mark.
ANNOTATIONS = "EDF+ annotations"


@dataclass(frozen=True)
class ProcedureEvidence:
    """A procedure or state the recording shows.

    Attributes
    ----------
    name : str
        ``"hyperventilation"``, ``"photic stimulation"`` or ``"sleep"``.
    source : str
        How the recording shows it, in words (``"EDF+ annotations"``).
    start_s, end_s : float or None
        Where, when the source says (annotations).
    """

    name: str
    source: str
    start_s: float | None = None
    end_s: float | None = None


def recorded_procedures(
    annotations: Sequence[Annotation],
    scores: Sequence[FindingScore] | None,
    window_s: float,
    flashes: Sequence[FlashTrain] = (),
    duration_s: float | None = None,
) -> tuple[ProcedureEvidence, ...]:
    """Return the procedures and states that the recording shows, each once.

    Parameters
    ----------
    annotations : sequence of Annotation
        The file's annotations.
    scores : sequence of FindingScore, optional
        Zero-shot scores; the sleep score counts as evidence of sleep.
    window_s : float
        Crop length, to measure how long the sleep score stays over its threshold.
    flashes : sequence of FlashTrain
        The flash trains of the recording's photic channel
        (:func:`~elm_desktop.signals.photic.flash_trains`): photic stimulation where no
        annotation marks it.
    duration_s : float, optional
        The recording's length: a sleep stage marked only where it starts runs to it.
    """
    found: dict[str, ProcedureEvidence] = {}
    for name, pattern in PROCEDURES.items():
        marked = [
            a
            for a in annotations
            if (
                pattern.search(a.description)
                or (name == "photic stimulation" and FLASH_RATE_ANNOTATION.match(a.description))
            )
            and not NOT_DONE.search(a.description)
        ]
        if marked:
            end = max(a.onset + a.duration for a in marked)
            last = max(marked, key=lambda a: a.onset)
            if name == "sleep" and last.duration == 0:
                # A sleep stage marked where it starts ("N2") lasts until something else is
                # marked, or the recording ends.
                later = [
                    a.onset
                    for a in annotations
                    if a.onset > last.onset and not pattern.search(a.description)
                ]
                end = min(later) if later else max(end, duration_s or 0.0)
            found[name] = ProcedureEvidence(name, ANNOTATIONS, min(a.onset for a in marked), end)
    if "photic stimulation" not in found and flashes:
        found["photic stimulation"] = ProcedureEvidence(
            "photic stimulation",
            f"{len(flashes)} flash train{'s' if len(flashes) > 1 else ''} on the photic channel",
            min(t.start_s for t in flashes),
            max(t.end_s for t in flashes),
        )
    sleep = next((s for s in scores or () if s.finding_id == "sleep"), None)
    if "sleep" not in found and sleep is not None and sleep.present:
        seconds = float((sleep.crop_probability >= sleep.curve_threshold).sum()) * window_s
        if seconds >= MIN_SLEEP_S:
            found["sleep"] = ProcedureEvidence(
                "sleep",
                f"the model's sleep score {sleep.probability:.2f} >= {sleep.threshold:.2f}, "
                f"over its threshold for {seconds / 60:.0f} min",
            )
    return tuple(found.values())


def assessed_probability(score: FindingScore, procedures: Sequence[ProcedureEvidence]) -> float:
    """The finding's probability as the program acts on it, given what the recording shows.

    A response to a procedure the recording does not show (photic driving without photic
    stimulation, a hyperventilation response without hyperventilation, sleep neither marked nor
    scored for a minute) is not assessed: the draft neither states nor denies it, so it is
    never called present (0). A state the technologist marked in the annotations (sleep) is
    shown, whatever the model's score (1): the draft states it. Every other finding keeps its
    probability. This is what ``elm-desktop evaluate`` ranks, so that its figures measure what
    the program says.
    """
    procedure = NEEDS_PROCEDURE.get(score.finding_id)
    if procedure is None:
        return score.probability
    evidence = next((p for p in procedures if p.name == procedure), None)
    if evidence is None:
        return 0.0
    if procedure in SCORED_PROCEDURES and evidence.source == ANNOTATIONS:
        return 1.0
    return score.probability


def evidence_within_procedures(
    scores: Sequence[FindingScore],
    procedures: Sequence[ProcedureEvidence],
    crop_starts_s: np.ndarray,
    window_s: float,
) -> None:
    """Point a procedure's finding at the procedure: its top segments only where it was done.

    A photic driving response can only be evident during photic stimulation, yet its curve may
    peak elsewhere: on the demo recording (stimulation at 00:05:53-00:09:03) the three-family
    model's photic driving score, with plain prompts, peaked at 00:16:30, inside the seizure,
    and "most evident at" and the panel's jump sent the reviewer there. Where the annotations
    say when a procedure ran (hyperventilation, photic stimulation, or sleep when annotated),
    the finding's top segments (``"most evident at"``, the jump) are chosen among the crops that
    overlap it, and there are none when no crop overlaps it or the curve stays under the
    threshold throughout: no time is better than a wrong one. Its probability and curve stay as
    they are. Changes ``scores`` in place.
    """
    windows = {p.name: (p.start_s, p.end_s) for p in procedures if p.start_s is not None}
    starts = np.asarray(crop_starts_s, dtype=np.float64)
    for score in scores:
        window = windows.get(NEEDS_PROCEDURE.get(score.finding_id, ""))
        if window is None or score.measure in MEASURED:  # a measurement says where itself
            continue
        inside = np.flatnonzero((starts + window_s > window[0]) & (starts <= window[1]))
        if not len(inside) or score.crop_probability[inside].max() < score.curve_threshold:
            score.top_segments = []
            continue
        segments = top_segments(
            score.crop_probability[inside], starts[inside], window_s, span_s=EVIDENCE_SPAN_S
        )
        score.top_segments = [replace(s, crop=int(inside[s.crop])) for s in segments]


def seen_only_during(
    scores: Sequence[FindingScore],
    procedures: Sequence[ProcedureEvidence],
    crop_starts_s: np.ndarray,
    window_s: float,
) -> dict[str, str]:
    """The findings over their thresholds only in crops of procedures whose effect can look
    like them (:data:`MIMICKED_BY`; hyperventilation with the minute after it), each with
    those procedures' names ("hyperventilation and photic stimulation" when it is over its
    threshold in both and nowhere else): the draft says so beside them, for the reviewer to
    look. Provoked discharges are real, so the finding is not held, only qualified."""
    starts = np.asarray(crop_starts_s, dtype=np.float64)
    windows = []  # (procedure, its crops)
    for evidence in procedures:
        if evidence.name not in MIMICKED_BY or evidence.start_s is None or evidence.end_s is None:
            continue
        recovery = HYPERVENTILATION_RECOVERY_S if evidence.name == "hyperventilation" else 0.0
        during = (starts + window_s > evidence.start_s) & (starts < evidence.end_s + recovery)
        windows.append((evidence.name, during))
    qualified = {}
    for score in scores:
        over = score.crop_probability >= score.curve_threshold
        mimics = [
            (name, during) for name, during in windows if score.finding_id in MIMICKED_BY[name]
        ]
        if not (score.present and over.any() and mimics):
            continue
        inside = np.logical_or.reduce([during for _, during in mimics])
        if not (over & ~inside).any():
            names = [name for name, during in mimics if (over & during).any()]
            qualified[score.finding_id] = " and ".join(dict.fromkeys(names))
    return qualified
