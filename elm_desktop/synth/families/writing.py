"""What the independently designed families' corpus writers share (none of the signal).

Every family of :mod:`elm_desktop.synth.families` beyond the first checks the same options,
draws one patient per recording slot (some patients get a second recording) and splits them
80/10/10 by patient, draws each recording's spec and report from seeds derived from the
corpus seed, writes the recordings in parallel, and writes the manifest with the shared
fields plus ``family`` and ``reference``. Only the signal model, the spec and the report
writer differ; a family passes them in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.synth.conditions import (
    ConditionsRenderer,
    RecordingConditions,
    draw_conditions,
    protected_electrodes,
)
from elm_desktop.synth.corpus import (
    check_findings,
    recording_fields,
    write_in_parallel,
    write_manifest,
)
from elm_desktop.synth.edf_writer import Annotation, EdfWriter, SignalHeader
from elm_desktop.synth.spec import Patient


def check_request(
    family: str,
    findings: Sequence[str] | None,
    n: int,
    minutes: float,
    max_seconds: int,
    options: Sequence[tuple[str, object, tuple]],
    plannable: Sequence[str] | None = None,
    by_chance: str = "",
) -> None:
    """Refuse unknown findings, an empty corpus, an option value the family does not offer
    (``options``: (what, value or None, allowed values)) and a length out of range.

    With ``plannable`` (the conditions the family draws patients from), also refuse findings
    outside it; ``by_chance`` says in the message how the others come about.
    """
    check_findings(findings, n)
    for what, value, allowed in options:
        if value is not None and value not in allowed:
            raise ConfigError(
                f"{what} {value!r} is not offered by {family}; "
                f"use one of {', '.join(map(str, allowed))}"
            )
    if not 10 <= minutes * 60 <= max_seconds:
        raise ConfigError(
            f"{minutes} minutes is out of range; "
            f"{family} recordings last 10 s to {max_seconds // 60} min"
        )
    unplannable = [f for f in findings or () if plannable is not None and f not in plannable]
    if unplannable:
        raise ConfigError(
            f"{family} cannot build a corpus around {', '.join(unplannable)}; it builds one "
            f"around {', '.join(plannable or ())} ({by_chance})"
        )


@dataclass(frozen=True)
class FamilyPlan:
    """How a family plans a corpus: its name, options and spec and report drawers.

    Attributes
    ----------
    family : str
        The family's name, as ``--family`` takes it and its messages and EDF headers say it.
    prefix : str
        First letter of its patient and recording ids (``{prefix}{seed}-r00000``).
    salt : int
        Patients are drawn from seed ``[seed, salt]``, specs from ``salt + 1`` and reports from
        ``salt + 2`` (:func:`plan_by_patient`); the writer renders from ``salt + 3``.
    sampling_rates, namings, references : tuple
        The options it offers.
    max_seconds : int
        Longest recording.
    mix : dict of str to float
        Share of each patient condition.
    draw_patient, draw_spec, write_report : callable
        Its patient drawer, its ``draw_spec(rng, recording_id, patient, duration_s, sfreq,
        naming, reference, allowed)`` and its report writer.
    second_recording : float
        Chance that a patient gets a second recording.
    by_chance : str or None
        None takes any known finding; otherwise only the conditions of ``mix`` are plannable
        and this says how the other findings come about (:func:`check_request`).
    """

    family: str
    prefix: str
    salt: int
    sampling_rates: tuple[int, ...]
    namings: tuple[str, ...]
    references: tuple[str, ...]
    max_seconds: int
    mix: dict[str, float]
    draw_patient: Callable[[np.random.Generator, str, str], Patient]
    draw_spec: Callable[..., Any]
    write_report: Callable[[Any, np.random.Generator], str]
    second_recording: float
    by_chance: str | None = None


def plan_family_corpus(
    plan: FamilyPlan,
    n: int,
    minutes: float,
    seed: int,
    findings: Sequence[str] | None,
    sfreq: int | None,
    naming: str | None,
    reference: str | None,
) -> list[tuple[Any, str]]:
    """Check the request and draw the (spec, report) of every recording of a corpus.

    ``findings`` limits the patients' conditions and the findings drawn beside them; the
    options left as None are drawn per recording by the family's ``draw_spec``.
    """
    options = (
        ("sampling rate", sfreq, plan.sampling_rates),
        ("naming", naming, plan.namings),
        ("reference", reference, plan.references),
    )
    plannable = None if plan.by_chance is None else list(plan.mix)
    check_request(
        plan.family,
        findings,
        n,
        minutes,
        plan.max_seconds,
        options,
        plannable,
        plan.by_chance or "",
    )
    prefix = f"{plan.prefix}{seed}"
    rng = np.random.default_rng([seed, plan.salt])
    patients = patients_by_slot(
        rng, n, plan.mix, findings, plan.draw_patient, prefix, plan.second_recording
    )
    allowed = set(findings) if findings else None

    def draw(rng: np.random.Generator, recording_id: str, patient: Patient) -> Any:
        return plan.draw_spec(
            rng, recording_id, patient, minutes * 60, sfreq, naming, reference, allowed
        )

    return plan_by_patient(patients, seed, plan.salt + 1, prefix, draw, plan.write_report)


def patients_by_slot(
    rng: np.random.Generator,
    n: int,
    mix: dict[str, float],
    findings: Sequence[str] | None,
    draw_patient: Callable[[np.random.Generator, str, str], Patient],
    prefix: str,
    second_recording: float,
) -> list[Patient]:
    """A patient per recording slot, split 80/10/10 by patient.

    Conditions are drawn from ``findings`` (evenly) or else from ``mix`` (its weights); a
    patient gets a second recording with probability ``second_recording``. Patient ids are
    ``{prefix}-p{slot:05d}``.
    """
    names = list(dict.fromkeys(findings)) if findings else list(mix)
    weights = np.ones(len(names)) if findings else np.array(list(mix.values()))
    slots: list[Patient] = []
    while len(slots) < n:
        condition = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        patient = draw_patient(rng, f"{prefix}-p{len(slots):05d}", condition)
        slots += [patient] * min(2 if rng.random() < second_recording else 1, n - len(slots))
    unique = list({id(p): p for p in slots}.values())
    tenth = len(unique) // 10
    for rank, position in enumerate(rng.permutation(len(unique))):
        unique[position].split = "test" if rank < tenth else "val" if rank < 2 * tenth else "train"
    return slots


def plan_by_patient(
    patients: list[Patient],
    seed: int,
    salt: int,
    prefix: str,
    draw_spec: Callable[[np.random.Generator, str, Patient], Any],
    write_report: Callable[[Any, np.random.Generator], str],
) -> list[tuple[Any, str]]:
    """(spec, report) per slot: the spec from seed ``[seed, salt, i]``, the report from
    ``[seed, salt + 1, i]``; recording ids are ``{prefix}-r{i:05d}``."""
    plan = []
    for i, patient in enumerate(patients):
        spec = draw_spec(np.random.default_rng([seed, salt, i]), f"{prefix}-r{i:05d}", patient)
        plan.append((spec, write_report(spec, np.random.default_rng([seed, salt + 1, i]))))
    return plan


def write_family_recording(
    path: Path,
    spec: Any,
    seed: Sequence[int],
    conditions: RecordingConditions | None,
    render: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]],
    headers: list[SignalHeader],
    notes: list[Annotation],
    family: str,
) -> Path:
    """Render ``spec`` with ``render(spec, seed, recorder)`` and write it as EDF+.

    ``render`` returns the electrode rows, the EKG and the photic channel; the EKG and photic
    channels are written only when the spec has them, after the electrodes, as ``headers``
    (the family's labels and ranges) list them, in one block. ``conditions``, when given,
    act on the electrode potentials at the spec's rate.
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
        headers,
        spec.sfreq,
        spec.duration_s,
        spec.start,
        f"{spec.patient.patient_id} {spec.patient.sex} X X",
        f"{spec.recording_id} X ELM-synth-{family}",
        notes,
    ) as writer:
        writer.write_block(np.concatenate(rows))
    return Path(path)


def manifest_fields(
    spec: Any,
    report: str,
    edf: str,
    notes: list[Annotation],
    family: str,
    conditions: RecordingConditions | None,
) -> dict:
    """The manifest object of a recording: the shared fields (:mod:`elm_desktop.synth.corpus`)
    plus ``family`` and ``reference``, and ``conditions`` when any were drawn."""
    entry = recording_fields(spec, report, edf, notes) | {
        "family": family,
        "reference": spec.reference,
    }
    if conditions is not None:
        entry["conditions"] = conditions.values
    return entry


def write_family_corpus(
    out_dir: Path,
    plan: list[tuple[Any, str]],
    seed: int,
    salt: int,
    conditions: tuple[str, ...],
    write_recording: Callable[[Path, Any, list[int], RecordingConditions | None], Path],
    entry: Callable[[Any, str, str, RecordingConditions | None], dict],
    workers: int,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> Path:
    """Write a planned corpus: recordings, reports and the manifest; return the manifest.

    Recording ``i`` is written from seed ``[seed, salt, i]`` by ``write_recording`` (a
    module-level function of path, spec, seed and conditions, run in ``workers`` processes)
    with the ``conditions`` ingredients drawn from ``[seed, salt + 1, i]``; ``entry`` makes its
    manifest object.
    """
    drawn = [
        draw_conditions(
            conditions,
            [seed, salt + 1, i],
            spec.duration_s,
            spec.line_frequency,
            protected_electrodes(spec.findings),
            family_sets_recording=True,
        )
        if conditions
        else None
        for i, (spec, _) in enumerate(plan)
    ]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [
        (out_dir / f"{spec.recording_id}.edf", spec, [seed, salt, i], drawn[i])
        for i, (spec, _) in enumerate(plan)
    ]
    # A partial of two module-level functions pickles, so spawned workers can run it.
    write_in_parallel(partial(_write_task, write_recording), tasks, workers, progress, cancel)
    rows = [
        (spec.recording_id, report, entry(spec, report, f"{spec.recording_id}.edf", drawn[i]))
        for i, (spec, report) in enumerate(plan)
    ]
    return write_manifest(out_dir, rows)


def _write_task(
    write_recording: Callable[[Path, Any, list[int], RecordingConditions | None], Path],
    task: tuple[Path, Any, list[int], RecordingConditions | None],
) -> str:
    path, spec, seed, conditions = task
    write_recording(path, spec, seed, conditions)
    return spec.recording_id
