"""Write corpora of the neural-mass family: EDF+ files, reports and the shared manifest.

The manifest has the fields of :mod:`elm_desktop.synth.corpus` (``docs/synthetic-eeg.md``)
plus ``family`` and ``reference``; the split is by patient, about 80/10/10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.synth.conditions import (
    ConditionsRenderer,
    RecordingConditions,
    draw_conditions,
    parse_conditions,
    protected_electrodes,
)
from elm_desktop.synth.corpus import check_findings, write_in_parallel, write_manifest
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
    entry = {
        "id": spec.recording_id,
        "patient_id": spec.patient.patient_id,
        "split": spec.patient.split,
        "edf": edf,
        "sfreq": spec.sfreq,
        "duration_s": spec.duration_s,
        "age": spec.patient.age,
        "sex": spec.patient.sex,
        "naming": spec.naming,
        "report": report,
        "findings": [asdict(f) for f in spec.findings],
        "abnormal": spec.abnormal,
        "study": spec.clinical.study,
        "indication": spec.clinical.indication,
        "medications": spec.clinical.medications,
        "pdr_hz": spec.pdr_frequency,
        "heart_rate": round(spec.heart_rate),
        "start": spec.start.isoformat(),
        "states": [[round(s.start, 3), round(s.end, 3), s.state] for s in spec.segments],
        "annotations": [[a.onset, a.duration, a.text] for a in annotations(spec)],
        "family": FAMILY,
        "reference": spec.reference,
    }
    if conditions is not None:
        entry["conditions"] = conditions.values
    return entry


def _check(findings, sfreq, naming, reference, n, minutes) -> None:
    check_findings(findings, n)
    for what, value, allowed in (
        ("sampling rate", sfreq, SAMPLING_RATES),
        ("naming", naming, NAMINGS),
        ("reference", reference, REFERENCES),
    ):
        if value is not None and value not in allowed:
            raise ConfigError(
                f"{what} {value!r} is not offered by {FAMILY}; use one of {', '.join(map(str, allowed))}"
            )
    if not 10 <= minutes * 60 <= MAX_SECONDS:
        raise ConfigError(
            f"{minutes} minutes is out of range; {FAMILY} recordings last 10 s to {MAX_SECONDS // 60} min"
        )


def _patients(
    rng: np.random.Generator, n: int, seed: int, findings: Sequence[str] | None
) -> list[Patient]:
    """A patient per slot (one in five has a second recording), split 80/10/10 by patient."""
    names = list(dict.fromkeys(findings)) if findings else list(CONDITION_MIX)
    weights = np.ones(len(names)) if findings else np.array(list(CONDITION_MIX.values()))
    slots: list[Patient] = []
    while len(slots) < n:
        condition = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        patient = draw_patient(rng, f"m{seed}-p{len(slots):05d}", condition)
        slots += [patient] * min(2 if rng.random() < 0.2 else 1, n - len(slots))
    unique = list({id(p): p for p in slots}.values())
    tenth = len(unique) // 10
    for rank, position in enumerate(rng.permutation(len(unique))):
        unique[position].split = "test" if rank < tenth else "val" if rank < 2 * tenth else "train"
    return slots


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
    _check(findings, sfreq, naming, reference, n, minutes)
    rng = np.random.default_rng([seed, 300])
    allowed = set(findings) if findings else None
    plan = []
    for i, patient in enumerate(_patients(rng, n, seed, findings)):
        spec = draw_spec(
            np.random.default_rng([seed, 301, i]),
            f"m{seed}-r{i:05d}",
            patient,
            minutes * 60,
            sfreq,
            naming,
            reference,
            allowed,
        )
        plan.append((spec, write_report(spec, np.random.default_rng([seed, 302, i]))))
    return plan


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

    Parameters
    ----------
    out_dir : Path
        Folder for the EDF files, ``<id>.txt`` reports and ``manifest.jsonl``.
    n, minutes, seed
        Number of recordings, length of each (10 s to 30 min), seed of everything.
    findings : sequence of str, optional
        Patient conditions to draw from (default: this family's clinical mix); secondary
        abnormal findings are limited to these.
    sfreq, naming, reference : optional
        Fix the sampling rate (200, 250, 256, 500, 512), naming (``tuh``, ``1020``,
        ``1010``) or reference (``linked_ears``, ``average``, ``cz``); each is drawn per
        recording when left out.
    workers : int
        Processes writing recordings in parallel; the bytes do not depend on it.
    progress, cancel
        Called / checked after each recording.
    conditions : str or sequence of str, optional
        Recording conditions to randomise (:mod:`elm_desktop.synth.conditions`); this family
        draws its own rate and reference, so ``sampling_rate`` and ``reference`` leave them.

    Returns
    -------
    Path
        The manifest.
    """
    out_dir = Path(out_dir)
    names = parse_conditions(conditions)
    plan = plan_corpus(n, minutes, seed, findings, sfreq, naming, reference)
    drawn = [
        draw_conditions(
            names,
            [seed, 304, i],
            spec.duration_s,
            spec.line_frequency,
            protected_electrodes(spec.findings),
            family_sets_recording=True,
        )
        if names
        else None
        for i, (spec, _) in enumerate(plan)
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [
        (out_dir / f"{spec.recording_id}.edf", spec, [seed, 303, i], drawn[i])
        for i, (spec, _) in enumerate(plan)
    ]
    write_in_parallel(_write_task, tasks, workers, progress, cancel)
    rows = [
        (
            spec.recording_id,
            report,
            manifest_entry(spec, report, f"{spec.recording_id}.edf", drawn[i]),
        )
        for i, (spec, report) in enumerate(plan)
    ]
    return write_manifest(out_dir, rows)
