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
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.synth.conditions import RecordingConditions, draw_conditions, protected_electrodes
from elm_desktop.synth.corpus import (
    check_findings,
    recording_fields,
    write_in_parallel,
    write_manifest,
)
from elm_desktop.synth.edf_writer import Annotation
from elm_desktop.synth.spec import Patient


def check_request(
    family: str,
    findings: Sequence[str] | None,
    n: int,
    minutes: float,
    max_seconds: int,
    options: Sequence[tuple[str, object, tuple]],
) -> None:
    """Refuse unknown findings, an empty corpus, an option value the family does not offer
    (``options``: (what, value or None, allowed values)) and a length out of range."""
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
    write_task: Callable[[tuple], str],
    entry: Callable[[Any, str, str, RecordingConditions | None], dict],
    workers: int,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> Path:
    """Write a planned corpus: recordings, reports and the manifest; return the manifest.

    Recording ``i`` is rendered from seed ``[seed, salt, i]`` by ``write_task`` (a module-level
    function of a ``(path, spec, seed, conditions)`` tuple, run in ``workers`` processes) with
    the ``conditions`` ingredients drawn from ``[seed, salt + 1, i]``; ``entry`` makes its
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
    write_in_parallel(write_task, tasks, workers, progress, cancel)
    rows = [
        (spec.recording_id, report, entry(spec, report, f"{spec.recording_id}.edf", drawn[i]))
        for i, (spec, report) in enumerate(plan)
    ]
    return write_manifest(out_dir, rows)
