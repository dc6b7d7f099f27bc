"""Write corpora of the neural-mass family: EDF+ files, reports and the shared manifest.

The manifest has the fields of :mod:`elm_desktop.synth.corpus` (``docs/synthetic-eeg.md``)
plus ``family`` and ``reference``; the split is by patient, about 80/10/10.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.synth.conditions import ConditionsRenderer, RecordingConditions, parse_conditions
from elm_desktop.synth.edf_writer import Annotation, EdfWriter, SignalHeader
from elm_desktop.synth.electrodes import ELECTRODES
from elm_desktop.synth.families.neural_mass.cortex import (
    NAMINGS,
    REFERENCES,
    channel_label,
    extra_label,
)
from elm_desktop.synth.families.neural_mass.plan import (
    CONDITION_MIX,
    MAX_SECONDS,
    SAMPLING_RATES,
    MassSpec,
    draw_patient,
    draw_spec,
)
from elm_desktop.synth.families.neural_mass.render import render
from elm_desktop.synth.families.neural_mass.report import write_report
from elm_desktop.synth.families.writing import (
    check_request,
    manifest_fields,
    patients_by_slot,
    plan_by_patient,
    write_family_corpus,
)
from elm_desktop.synth.spec import Patient

FAMILY = "neural-mass"

__all__ = [
    "NAMINGS",
    "REFERENCES",
    "SAMPLING_RATES",
    "generate_corpus",
    "plan_corpus",
    "write_recording",
]

#: Amplifier input range in microvolts.
_RANGE = (-5000.0, 5000.0)
_STATE_NOTES = {
    "eyes_open": "Eyes open",
    "eyes_closed": "Eyes closed",
    "drowsy": "Drowsy",
    "n2": "Sleep",
}


def annotations(spec: MassSpec) -> list[Annotation]:
    """The technologist's notes: eye state changes, hyperventilation, photic trains."""
    notes, previous = [], None
    for segment in spec.segments:
        text = _STATE_NOTES.get(segment.state)
        if text and text != previous:
            notes.append(Annotation(segment.start, 0.0, text))
        previous = text
    for p in spec.procedures:
        if p.kind == "hv":
            notes.append(Annotation(p.start, round(p.end - p.start, 3), "Hyperventilation"))
        else:
            notes.append(
                Annotation(p.start, round(p.end - p.start, 3), f"Photic {p.frequency:g} Hz")
            )
    return sorted(notes, key=lambda note: note.onset)


def _headers(spec: MassSpec) -> list[SignalHeader]:
    low, high = _RANGE
    prefilter = f"HP:0.16Hz LP:{min(0.4 * spec.sfreq, 100.0):g}Hz"
    headers = [
        SignalHeader(channel_label(e, spec.naming, spec.reference), low, high, prefilter=prefilter)
        for e in ELECTRODES
    ]
    if spec.with_ekg:
        headers.append(
            SignalHeader(
                extra_label("ekg", spec.naming), -10000.0, 10000.0, "uV", "ECG electrode", prefilter
            )
        )
    if spec.with_photic:
        headers.append(
            SignalHeader(extra_label("photic", spec.naming), -2000.0, 2000.0, "uV", "flash", "")
        )
    return headers


def write_recording(
    path: Path, spec: MassSpec, seed: Sequence[int], conditions: RecordingConditions | None = None
) -> Path:
    """Render ``spec`` and write it as EDF+ (the same spec and seed give the same bytes).

    Recording ``conditions`` (:mod:`elm_desktop.synth.conditions`), when given, act on the
    electrode potentials; this family keeps its own rate and reference.
    """
    recorder = ConditionsRenderer(conditions, spec.sfreq) if conditions is not None else None
    eeg, ekg, photic = render(spec, list(seed), recorder)
    rows = (
        [eeg]
        + ([ekg[None]] if spec.with_ekg else [])
        + ([photic[None]] if spec.with_photic else [])
    )
    with EdfWriter(
        Path(path),
        _headers(spec),
        spec.sfreq,
        spec.duration_s,
        spec.start,
        f"{spec.patient.patient_id} {spec.patient.sex} X X",
        f"{spec.recording_id} X ELM-synth-{FAMILY}",
        annotations(spec),
    ) as writer:
        writer.write_block(np.concatenate(rows))
    return Path(path)


def manifest_entry(
    spec: MassSpec, report: str, edf: str, conditions: RecordingConditions | None = None
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
) -> list[tuple[MassSpec, str]]:
    """Draw the specs and reports of a corpus without rendering a sample."""
    options = (
        ("sampling rate", sfreq, SAMPLING_RATES),
        ("naming", naming, NAMINGS),
        ("reference", reference, REFERENCES),
    )
    check_request(FAMILY, findings, n, minutes, MAX_SECONDS, options)
    others = [f for f in findings or () if f not in CONDITION_MIX]
    if others:  # procedures' responses, sleep and artifact come with its recordings, unasked
        raise ConfigError(
            f"{FAMILY} cannot build a corpus around {', '.join(others)}; it builds one around "
            f"{', '.join(CONDITION_MIX)} (its recordings bring the other findings by chance)"
        )
    rng = np.random.default_rng([seed, 300])
    patients = patients_by_slot(rng, n, CONDITION_MIX, findings, draw_patient, f"m{seed}", 0.2)
    allowed = set(findings) if findings else None

    def draw(rng: np.random.Generator, recording_id: str, patient: Patient) -> MassSpec:
        return draw_spec(
            rng, recording_id, patient, minutes * 60, sfreq, naming, reference, allowed
        )

    return plan_by_patient(patients, seed, 301, f"m{seed}", draw, write_report)


def _write_task(task: tuple[Path, MassSpec, list[int], RecordingConditions | None]) -> str:
    path, spec, seed, conditions = task
    write_recording(path, spec, seed, conditions)
    return spec.recording_id


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
    """Write ``n`` recordings of the neural-mass family with reports and their manifest.

    The options are those of :meth:`elm_desktop.synth.families.Family.generate`; the rate
    (200, 250, 256, 500, 512), naming (``tuh``, ``1020``, ``1010``) and reference
    (``linked_ears``, ``average``, ``cz``) are drawn per recording when left out, recordings
    last 10 s to 30 min, and ``findings`` limits the patients' conditions and the secondary
    abnormal findings. The bytes do not depend on ``workers``. Returns the manifest.
    """
    plan = plan_corpus(n, minutes, seed, findings, sfreq, naming, reference)
    return write_family_corpus(
        out_dir,
        plan,
        seed,
        303,
        parse_conditions(conditions),
        _write_task,
        manifest_entry,
        workers,
        progress,
        cancel,
    )
