"""Write corpora of the wave-atoms family: EDF+ files, reports and the shared manifest.

The manifest has the fields of :mod:`elm_desktop.synth.corpus` (``docs/synthetic-eeg.md``)
plus ``family`` and ``reference``; the split is by patient, about 80/10/10.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.synth.conditions import RecordingConditions, parse_conditions
from elm_desktop.synth.edf_writer import Annotation, SignalHeader
from elm_desktop.synth.electrodes import ELECTRODES
from elm_desktop.synth.families.wave_atoms.plan import (
    CONDITION_MIX,
    MAX_SECONDS,
    SAMPLING_RATES,
    AtomSpec,
    draw_patient,
    draw_spec,
)
from elm_desktop.synth.families.wave_atoms.render import render
from elm_desktop.synth.families.wave_atoms.report import write_report
from elm_desktop.synth.families.wave_atoms.scalp import (
    NAMINGS,
    REFERENCES,
    channel_label,
    extra_label,
)
from elm_desktop.synth.families.writing import (
    FamilyPlan,
    manifest_fields,
    plan_family_corpus,
    write_family_corpus,
    write_family_recording,
)

FAMILY = "wave-atoms"

__all__ = [
    "NAMINGS",
    "REFERENCES",
    "SAMPLING_RATES",
    "generate_corpus",
    "plan_corpus",
    "write_recording",
]

#: Amplifier input range in microvolts.
_RANGE = (-4000.0, 4000.0)
_NOTES = {
    "eyes_open": "EYES OPEN",
    "eyes_closed": "EYES CLOSED",
    "drowsy": "DROWSY",
    "n2": "STAGE N2",
}

_PLAN = FamilyPlan(
    family=FAMILY,
    prefix="w",
    salt=400,
    sampling_rates=SAMPLING_RATES,
    namings=NAMINGS,
    references=REFERENCES,
    max_seconds=MAX_SECONDS,
    mix=CONDITION_MIX,
    draw_patient=draw_patient,
    draw_spec=draw_spec,
    write_report=write_report,
    second_recording=0.2,
    by_chance="procedure responses, sleep and artifacts come with its recordings by chance",
)


def annotations(spec: AtomSpec) -> list[Annotation]:
    """The technologist's marks: state changes, ``HV`` (with its length) and ``PS N Hz``."""
    notes, last = [], None
    for segment in spec.segments:
        text = _NOTES.get(segment.state)
        if text and text != last:
            notes.append(Annotation(segment.start, 0.0, text))
        last = text
    for p in spec.procedures:
        length = round(p.end - p.start, 3)
        text = "HV" if p.kind == "hv" else f"PS {p.frequency:g} Hz"
        notes.append(Annotation(p.start, length, text))
    return sorted(notes, key=lambda note: note.onset)


def _headers(spec: AtomSpec) -> list[SignalHeader]:
    low, high = _RANGE
    prefilter = f"HP:0.1Hz LP:{min(0.35 * spec.sfreq, 70.0):g}Hz"
    headers = [
        SignalHeader(channel_label(e, spec.naming, spec.reference), low, high, prefilter=prefilter)
        for e in ELECTRODES
    ]
    if spec.with_ekg:
        headers.append(
            SignalHeader(extra_label("ekg", spec.naming), -8000.0, 8000.0, "uV", "EKG lead", "")
        )
    if spec.with_photic:
        headers.append(
            SignalHeader(extra_label("photic", spec.naming), -2000.0, 2000.0, "uV", "strobe", "")
        )
    return headers


def write_recording(
    path: Path, spec: AtomSpec, seed: Sequence[int], conditions: RecordingConditions | None = None
) -> Path:
    """Render ``spec`` and write it as EDF+ (the same spec and seed give the same bytes).

    Recording ``conditions`` (:mod:`elm_desktop.synth.conditions`), when given, act on the
    electrode potentials; this family keeps its own rate and reference.
    """
    return write_family_recording(
        path, spec, seed, conditions, render, _headers(spec), annotations(spec), FAMILY
    )


def manifest_entry(
    spec: AtomSpec, report: str, edf: str, conditions: RecordingConditions | None = None
) -> dict:
    """The manifest object of a recording: the shared fields plus ``family`` and
    ``reference`` (and ``conditions`` when any were drawn)."""
    return manifest_fields(spec, report, edf, annotations(spec), FAMILY, conditions)


def plan_corpus(
    n: int,
    minutes: float,
    seed: int,
    findings: Sequence[str] | None = None,
    sfreq: int | None = None,
    naming: str | None = None,
    reference: str | None = None,
) -> list[tuple[AtomSpec, str]]:
    """Draw the specs and reports of a corpus without rendering a sample."""
    return plan_family_corpus(_PLAN, n, minutes, seed, findings, sfreq, naming, reference)


def generate_corpus(
    out_dir: Path,
    n: int,
    minutes: float,
    seed: int,
    findings: Sequence[str] | None = None,
    sfreq: int | None = None,
    naming: str | None = None,
    reference: str | None = None,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    conditions: str | Sequence[str] | None = None,
) -> Path:
    """Write ``n`` recordings of the wave-atoms family with reports and their manifest.

    The options are those of :meth:`elm_desktop.synth.families.Family.generate`; the rate
    (200, 250, 256, 500, 512), naming (``tuh``, ``1020``, ``1010``) and reference
    (``linked_ears``, ``average``, ``cz``) are drawn per recording when left out, recordings
    last 10 s to 30 min, and ``findings`` limits the patients' conditions and the companion
    abnormal findings. The bytes do not depend on ``workers``. Returns the manifest.
    """
    plan = plan_corpus(n, minutes, seed, findings, sfreq, naming, reference)
    return write_family_corpus(
        out_dir,
        plan,
        seed,
        _PLAN.salt + 3,
        parse_conditions(conditions),
        write_recording,
        manifest_entry,
        workers,
        progress,
        cancel,
    )
