"""Which activation procedures and states a recording shows, and how it shows them.

A draft may state hyperventilation, photic stimulation or sleep only when the recording itself
shows them: hyperventilation and photic stimulation from the file's EDF+ annotations (``HV
start``, ``Photic 9 Hz``); sleep from annotations or from the model's sleep score over its
threshold with at least :data:`MIN_SLEEP_S` seconds of crops over it. The model's score alone
never makes a procedure happen: on the demo recording, which had no hyperventilation, the
hyperventilation response reached its threshold on the seizure's build-up. Nor does a photic
stimulator channel by its presence: 3 of 50 synthetic recordings carry one without any
stimulation (the flashes in it are not read yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from elm_desktop.clinical.consistency import NOT_DONE, PROCEDURES
from elm_desktop.clinical.zeroshot import FindingScore
from elm_desktop.signals.recording import Annotation

#: The finding that only a performed procedure can show, by finding id.
NEEDS_PROCEDURE = {
    "hyperventilation_response": "hyperventilation",
    "photic_driving": "photic stimulation",
    "sleep": "sleep",
}
#: Procedures the draft states either way (performed, or "not performed or not recorded").
ALWAYS_STATED = ("hyperventilation", "photic stimulation")
#: Seconds of crops over the sleep threshold that make the model's sleep score evidence.
MIN_SLEEP_S = 60.0


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
    """
    found: dict[str, ProcedureEvidence] = {}
    for name, pattern in PROCEDURES.items():
        marked = [
            a
            for a in annotations
            if pattern.search(a.description) and not NOT_DONE.search(a.description)
        ]
        if marked:
            found[name] = ProcedureEvidence(
                name,
                "EDF+ annotations",
                min(a.onset for a in marked),
                max(a.onset + a.duration for a in marked),
            )
    sleep = next((s for s in scores or () if s.finding_id == "sleep"), None)
    if "sleep" not in found and sleep is not None and sleep.present:
        seconds = float((sleep.crop_probability >= sleep.threshold).sum()) * window_s
        if seconds >= MIN_SLEEP_S:
            found["sleep"] = ProcedureEvidence(
                "sleep",
                f"the model's sleep score {sleep.probability:.2f} >= {sleep.threshold:.2f}, "
                f"over its threshold for {seconds / 60:.0f} min",
            )
    return tuple(found.values())
