"""The spec fields that the neural-mass and wave-atoms families share (none of the model).

Both families draw a recording the same way around their own signal model: a patient, a rate,
naming and reference, brain states, procedures, findings, events, and the focal slowing,
attenuation and bursts the findings ask for. :class:`FamilySpec` holds those; a family's spec
extends it with its model's parameters. (The dipole family extends the first family's
:class:`~elm_desktop.synth.spec.RecordingSpec` instead, whose fields differ.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from elm_desktop.synth.spec import ABNORMAL, Clinical, Event, Finding, Patient, Procedure, Segment


@dataclass
class FamilySpec:
    """What a family recording holds besides its signal model's parameters.

    ``focal_slowing`` and ``attenuation`` describe those findings' changes and ``bursts`` the
    burst intervals of burst suppression, in the family's own terms.
    """

    recording_id: str
    patient: Patient
    sfreq: int
    duration_s: int
    naming: str
    reference: str
    start: dt.datetime
    clinical: Clinical
    pdr_frequency: float
    heart_rate: float
    line_frequency: float
    with_ekg: bool
    with_photic: bool
    segments: list[Segment]
    procedures: list[Procedure]
    findings: list[Finding]
    events: list[Event]
    focal_slowing: dict = field(default_factory=dict)
    attenuation: dict = field(default_factory=dict)
    bursts: list[list[float]] = field(default_factory=list)

    @property
    def abnormal(self) -> bool:
        """Whether any finding makes the record abnormal."""
        return any(f.name in ABNORMAL for f in self.findings)

    def finding(self, name: str) -> Finding | None:
        """The first finding with this id, or None."""
        return next((f for f in self.findings if f.name == name), None)
