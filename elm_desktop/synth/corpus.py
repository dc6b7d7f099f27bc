"""Write synthetic recordings to EDF+ and a corpus with its ground-truth manifest.

``manifest.jsonl`` lies beside the EDF files, one JSON object per recording (format in
``docs/synthetic-eeg.md``): id, patient_id, split (by patient), edf (relative path), sfreq,
duration_s, age, sex, naming, report, findings (name, location, electrodes, intervals),
abnormal. Each recording's report is also written beside its EDF as ``<id>.txt``.
"""

from __future__ import annotations

import calendar
import json
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.synth.conditions import (
    REFERENCE_SUFFIX,
    ConditionsRenderer,
    RecordingConditions,
    draw_conditions,
    parse_conditions,
    protected_electrodes,
)
from elm_desktop.synth.edf_writer import Annotation, EdfWriter, SignalHeader
from elm_desktop.synth.electrodes import ELECTRODES, EXTRA_LABELS, NAMING_STYLES, channel_label
from elm_desktop.synth.heart_rhythm import draw_rhythm, rhythm_truth
from elm_desktop.synth.render import Renderer
from elm_desktop.synth.report import write_report
from elm_desktop.synth.spec import (
    DEFAULT_MIX,
    FINDINGS,
    SAMPLING_RATES,
    Patient,
    RecordingSpec,
    sample_patient,
    sample_spec,
)

MANIFEST_NAME = "manifest.jsonl"

#: Seconds rendered and written at a time; fixed so the bytes never depend on the caller.
BLOCK_SECONDS = 30

#: Physical range of every signal in microvolts: 0.1 uV per digital step.
_PHYSICAL_RANGE = (-3276.8, 3276.7)

_STATE_ANNOTATIONS = {"eyes_open": "eyes open", "eyes_closed": "eyes closed"}


def signal_headers(
    spec: RecordingSpec, conditions: RecordingConditions | None = None
) -> list[SignalHeader]:
    """Return the EDF signals of a recording: 21 electrodes, then EKG and PHOTIC if present.

    A reference or anti-alias filter the recording ``conditions`` apply shows in the labels
    (TUH ``EEG FP1-LE``) and the prefilter field.
    """
    low, high = _PHYSICAL_RANGE
    labels = [channel_label(name, spec.naming) for name in ELECTRODES]
    reference = conditions.reference if conditions is not None else None
    if reference is not None and spec.naming == "tuh":
        labels = [
            label.removesuffix("-REF") + f"-{REFERENCE_SUFFIX[reference]}" for label in labels
        ]
    prefilter = SignalHeader.prefilter
    if conditions is not None and conditions.lowpass_hz is not None:
        prefilter = f"HP:0.1Hz LP:{conditions.lowpass_hz:g}Hz"
    headers = [SignalHeader(label, low, high, prefilter=prefilter) for label in labels]
    if spec.with_ekg:
        headers.append(SignalHeader(EXTRA_LABELS[spec.naming]["ekg"], low, high))
    if spec.with_photic:
        headers.append(
            SignalHeader(
                EXTRA_LABELS[spec.naming]["photic"], low, high, transducer="photic stimulator"
            )
        )
    return headers


def annotations(spec: RecordingSpec) -> list[Annotation]:
    """Return the events a technologist marks: eyes open/closed, HV, photic trains."""
    notes: list[Annotation] = []
    previous = None
    for segment in spec.segments:
        label = _STATE_ANNOTATIONS.get(segment.state)
        if label and label != previous:
            notes.append(Annotation(round(segment.start, 3), 0.0, label))
        previous = label
    for procedure in spec.procedures:
        if procedure.kind == "hv":
            notes.append(
                Annotation(
                    round(procedure.start, 3), round(procedure.end - procedure.start, 3), "HV start"
                )
            )
            notes.append(Annotation(round(procedure.end, 3), 0.0, "HV end"))
        else:
            notes.append(
                Annotation(
                    round(procedure.start, 3),
                    round(procedure.end - procedure.start, 3),
                    f"Photic {procedure.frequency:g} Hz",
                )
            )
    return sorted(notes, key=lambda note: note.onset)


def _patient_field(spec: RecordingSpec) -> str:
    start = spec.start.date()
    year = start.year - int(spec.patient.age)
    # A 29 February start has no anniversary in most birth years: use the 28th then.
    day = min(start.day, calendar.monthrange(year, start.month)[1])
    birth = start.replace(year=year, day=day)
    months = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    return f"{spec.patient.patient_id} {spec.patient.sex} {birth.day:02d}-{months[birth.month - 1]}-{birth.year} X"


def write_recording(
    path: Path,
    spec: RecordingSpec,
    seed: int | Sequence[int],
    progress: ProgressCallback | None = None,
    conditions: RecordingConditions | None = None,
) -> Path:
    """Render ``spec`` and write it as an EDF+ file, one block at a time.

    Parameters
    ----------
    path : Path
        The EDF file to write (overwritten).
    spec : RecordingSpec
        What the recording holds (see :func:`~elm_desktop.synth.spec.sample_spec`).
    seed : int or sequence of int
        Seed of the signal noise; the same spec and seed give the same bytes.
    progress : ProgressCallback, optional
        Called with (seconds written, total seconds, message) after each block.
    conditions : RecordingConditions, optional
        Recording conditions applied to the electrode signals before they are written
        (:mod:`elm_desktop.synth.conditions`); their rate, if any, must be ``spec.sfreq``.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    renderer = Renderer(spec, list(np.atleast_1d(seed)))
    recorder = ConditionsRenderer(conditions, spec.sfreq) if conditions is not None else None
    total = spec.duration_s
    with EdfWriter(
        path,
        signal_headers(spec, conditions),
        spec.sfreq,
        total,
        spec.start,
        _patient_field(spec),
        f"{spec.recording_id} X ELM-synth",
        annotations(spec),
    ) as writer:
        for start in range(0, total, BLOCK_SECONDS):
            seconds = min(BLOCK_SECONDS, total - start)
            eeg, ekg, photic = renderer.render(seconds * spec.sfreq)
            if recorder is not None:
                eeg = recorder.recorded(recorder.electrodes(eeg))
            rows = (
                [eeg]
                + ([ekg[None]] if spec.with_ekg else [])
                + ([photic[None]] if spec.with_photic else [])
            )
            writer.write_block(np.concatenate(rows))
            if progress is not None:
                progress(start + seconds, total, path.name)
    return path


def manifest_entry(
    spec: RecordingSpec, report: str, edf: str, conditions: RecordingConditions | None = None
) -> dict:
    """Return the manifest object of a recording (see the module docstring).

    With recording ``conditions``, their drawn values are added under ``"conditions"``.
    """
    entry = recording_fields(spec, report, edf, annotations(spec))
    if conditions is not None:
        entry["conditions"] = conditions.values
    return entry


def recording_fields(spec: RecordingSpec, report: str, edf: str, notes: list[Annotation]) -> dict:
    """The manifest fields every family writes, from a spec with :class:`RecordingSpec`'s
    attributes, its report, EDF file name and annotations (``notes``)."""
    return {
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
        "findings": [asdict(finding) for finding in spec.findings],
        "abnormal": spec.abnormal,
        "study": spec.clinical.study,
        "indication": spec.clinical.indication,
        "medications": spec.clinical.medications,
        "pdr_hz": spec.pdr_frequency,
        "heart_rate": round(spec.heart_rate),
        "ekg": rhythm_truth(getattr(spec, "heart_rhythm", None), spec.heart_rate, spec.duration_s)
        if spec.with_ekg
        else None,
        "start": spec.start.isoformat(),
        "states": [[round(s.start, 3), round(s.end, 3), s.state] for s in spec.segments],
        "annotations": [[a.onset, a.duration, a.text] for a in notes],
    }


def check_findings(findings: Sequence[str] | None, n: int) -> None:
    """Refuse unknown or empty finding lists and empty corpora (every family's options)."""
    unknown = sorted(set(findings or ()) - set(FINDINGS))
    if unknown:
        raise ConfigError(
            f"unknown finding(s) {', '.join(unknown)}; choose from: {', '.join(FINDINGS)}"
        )
    if findings is not None and not findings:
        raise ConfigError("the finding list is empty; name at least one finding or leave it out")
    if n < 1:
        raise ConfigError("the number of recordings must be at least 1")


def _check_options(
    findings: Sequence[str] | None, sfreq: int, naming: str, n: int, minutes: float
) -> None:
    check_findings(findings, n)
    if sfreq not in SAMPLING_RATES:
        raise ConfigError(f"sampling rate {sfreq} Hz is not supported; use 250, 256 or 500")
    if naming not in NAMING_STYLES:
        raise ConfigError(f"naming {naming!r} is not supported; use 'tuh' or '1020'")
    if not 10 <= minutes * 60 <= 86400:
        raise ConfigError(
            f"{minutes} minutes is out of range; recordings last 10 s (0.17 min) to 24 h"
        )


def _patients(
    rng: np.random.Generator, n: int, seed: int, findings: Sequence[str] | None
) -> list[Patient]:
    """One patient per recording slot: some patients get two or three recordings."""
    if findings:
        names = list(dict.fromkeys(findings))
        weights = np.ones(len(names))
    else:
        names = list(DEFAULT_MIX)
        weights = np.array(list(DEFAULT_MIX.values()))
    slots: list[Patient] = []
    index = 0
    while len(slots) < n:
        condition = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        patient = sample_patient(rng, f"s{seed}-p{index:05d}", condition)
        index += 1
        repeats = 1 if rng.random() < 0.8 else int(rng.integers(2, 4))
        slots += [patient] * min(repeats, n - len(slots))
    unique = list(dict.fromkeys(id(p) for p in slots))
    by_id = {id(p): p for p in slots}
    order = rng.permutation(len(unique))
    n_held = max(1, round(0.1 * len(unique))) if len(unique) >= 3 else 0
    for rank, position in enumerate(order):
        patient = by_id[unique[position]]
        patient.split = "test" if rank < n_held else ("val" if rank < 2 * n_held else "train")
    return slots


def plan_corpus(
    n: int,
    minutes: float,
    seed: int,
    findings: Sequence[str] | None = None,
    sfreq: int = 256,
    naming: str = "tuh",
) -> list[tuple[RecordingSpec, str]]:
    """Draw the specs and reports of a corpus without rendering any signal.

    Returns
    -------
    list of (RecordingSpec, str)
        One spec and its report per recording, in manifest order.
    """
    _check_options(findings, sfreq, naming, n, minutes)
    rng = np.random.default_rng([seed, 0])
    allowed = set(findings) if findings else None
    plan = []
    for i, patient in enumerate(_patients(rng, n, seed, findings)):
        spec = sample_spec(
            np.random.default_rng([seed, 1, i]),
            f"s{seed}-r{i:05d}",
            patient,
            minutes * 60,
            sfreq,
            naming,
            allowed,
        )
        seizure = spec.finding("seizure")
        # The EKG's rhythm has a generator of its own, so the EEG's draws stay as they were.
        spec.heart_rhythm = draw_rhythm(
            np.random.default_rng([seed, 5, i]),
            spec.heart_rate,
            seizure.intervals if seizure is not None else [],
        )
        plan.append((spec, write_report(spec, np.random.default_rng([seed, 2, i]))))
    return plan


def _write_task(
    task: tuple[Path, RecordingSpec, list[int], RecordingConditions | None],
) -> str:
    path, spec, seed, conditions = task
    write_recording(path, spec, seed, conditions=conditions)
    return spec.recording_id


def _with_conditions(
    plan: list[tuple[RecordingSpec, str]], names: tuple[str, ...], seed: int
) -> list[tuple[RecordingSpec, str, RecordingConditions | None]]:
    """Draw each recording's conditions (none without names); a drawn rate replaces the spec's."""
    if not names:
        return [(spec, report, None) for spec, report in plan]
    drawn = []
    for i, (spec, report) in enumerate(plan):
        conditions = draw_conditions(
            names,
            [seed, 4, i],
            spec.duration_s,
            spec.line_frequency,
            protected_electrodes(spec.findings),
        )
        if conditions.sfreq is not None:
            spec = replace(spec, sfreq=conditions.sfreq)
        drawn.append((spec, report, conditions))
    return drawn


def generate_corpus(
    out_dir: Path,
    n: int,
    minutes: float,
    seed: int,
    findings: Sequence[str] | None = None,
    sfreq: int = 256,
    naming: str = "tuh",
    workers: int = 2,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    conditions: str | Sequence[str] | None = None,
) -> Path:
    """Generate ``n`` recordings with reports and write their manifest.

    Parameters
    ----------
    out_dir : Path
        Folder for the EDF files, reports and ``manifest.jsonl`` (created if needed).
    n : int
        Number of recordings.
    minutes : float
        Length of each recording in minutes (10 s to 24 h).
    seed : int
        Seed of everything; the same arguments give the same bytes.
    findings : sequence of str, optional
        Vocabulary ids to build the corpus around: each recording's primary finding is drawn
        from them (``"normal"`` gives normal records); default: a clinical mix.
    sfreq : int
        Sampling rate, 250, 256 or 500 Hz.
    naming : str
        ``"tuh"`` (``EEG FP1-REF``) or ``"1020"`` (``Fp1``).
    workers : int
        Processes writing recordings in parallel.
    progress : ProgressCallback, optional
        Called with (recordings done, n, last id).
    cancel : CancelToken, optional
        Checked between recordings.
    conditions : str or sequence of str, optional
        Recording conditions to randomise (``"all"``, ``"none"`` (default) or names, see
        :mod:`elm_desktop.synth.conditions`); a drawn sampling rate replaces ``sfreq``.

    Returns
    -------
    Path
        The manifest.
    """
    out_dir = Path(out_dir)
    names = parse_conditions(conditions)
    plan = _with_conditions(plan_corpus(n, minutes, seed, findings, sfreq, naming), names, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [
        (out_dir / f"{spec.recording_id}.edf", spec, [seed, 3, i], drawn)
        for i, (spec, _, drawn) in enumerate(plan)
    ]
    write_in_parallel(_write_task, tasks, workers, progress, cancel)
    return write_manifest(
        out_dir,
        [
            (
                spec.recording_id,
                report,
                manifest_entry(spec, report, f"{spec.recording_id}.edf", drawn),
            )
            for spec, report, drawn in plan
        ],
    )


def write_in_parallel(
    write: Callable[[tuple], str],
    tasks: list[tuple],
    workers: int,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> None:
    """Run ``write`` (a module-level function returning a recording id) on every task.

    ``workers`` spawned processes share the tasks (one process when 1); ``progress`` hears of
    each finished recording, ``cancel`` is checked after each.
    """
    n = len(tasks)
    if progress is not None:
        progress(0, n, "planning done")
    if workers <= 1 or n == 1:
        results = map(write, tasks)
        pool = None
    else:
        pool = multiprocessing.get_context("spawn").Pool(min(workers, n))
        results = pool.imap(write, tasks)
    try:
        for done, recording_id in enumerate(results, 1):
            if progress is not None:
                progress(done, n, recording_id)
            if cancel is not None:
                cancel.check()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def write_manifest(out_dir: Path, rows: list[tuple[str, str, dict]]) -> Path:
    """Write each (id, report, manifest entry) row's ``<id>.txt`` and ``manifest.jsonl``."""
    manifest = out_dir / MANIFEST_NAME
    with manifest.open("w", encoding="utf-8") as stream:
        for recording_id, report, entry in rows:
            (out_dir / f"{recording_id}.txt").write_text(report + "\n", encoding="utf-8")
            stream.write(json.dumps(entry) + "\n")
    return manifest


def read_manifest(path: Path) -> list[dict]:
    """Return the entries of a ``manifest.jsonl``."""
    with Path(path).open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]
