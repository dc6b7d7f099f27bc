"""Write corpora of the dipole family: EDF+ files, reports and the shared manifest format.

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
from elm_desktop.synth.families.dipole.head import NAMINGS, channel_label, extra_labels
from elm_desktop.synth.families.dipole.plan import (
    CONDITION_MIX,
    MAX_SECONDS,
    REFERENCES,
    SAMPLING_RATES,
    DipoleSpec,
    draw_patient,
    draw_spec,
)
from elm_desktop.synth.families.dipole.render import render
from elm_desktop.synth.families.dipole.report import write_report
from elm_desktop.synth.families.writing import (
    FamilyPlan,
    manifest_fields,
    plan_family_corpus,
    write_family_corpus,
    write_family_recording,
)

FAMILY = "dipole-spectral"

__all__ = [
    "NAMINGS",
    "REFERENCES",
    "SAMPLING_RATES",
    "generate_corpus",
    "plan_corpus",
    "write_recording",
]

#: Amplifier range in microvolts (16 bits: about 0.12 uV per step).
_RANGE = (-4000.0, 4000.0)
_STATE_NOTES = {"eyes_open": "EO", "eyes_closed": "EC", "drowsy": "drowsy", "n2": "asleep"}

_PLAN = FamilyPlan(
    family=FAMILY,
    prefix="d",
    salt=100,
    sampling_rates=SAMPLING_RATES,
    namings=NAMINGS,
    references=REFERENCES,
    max_seconds=MAX_SECONDS,
    mix=CONDITION_MIX,
    draw_patient=draw_patient,
    draw_spec=draw_spec,
    write_report=write_report,
    # One patient in six has two recordings.
    second_recording=1 / 6,
)


def annotations(spec: DipoleSpec) -> list[Annotation]:
    """What the technologist marked: eye state changes, HV and photic trains."""
    notes, previous = [], None
    for segment in spec.segments:
        label = _STATE_NOTES.get(segment.state)
        if label and label != previous:
            notes.append(Annotation(round(segment.start, 3), 0.0, label))
        previous = label
    for p in spec.procedures:
        if p.kind == "hv":
            notes += [
                Annotation(round(p.start, 3), 0.0, "HYPERVENTILATION ON"),
                Annotation(round(p.end, 3), 0.0, "HYPERVENTILATION OFF"),
            ]
        else:
            notes.append(
                Annotation(round(p.start, 3), round(p.end - p.start, 3), f"PS {p.frequency:g}Hz")
            )
    return sorted(notes, key=lambda note: note.onset)


def _signals(spec: DipoleSpec) -> list[SignalHeader]:
    low, high = _RANGE
    lowpass = min(0.35 * spec.sfreq, 100.0)
    prefilter = f"HP:0.16Hz LP:{lowpass:g}Hz"
    headers = [
        SignalHeader(channel_label(e, spec.naming, spec.reference), low, high, prefilter=prefilter)
        for e in ELECTRODES
    ]
    extra = extra_labels(spec.naming)
    if spec.with_ekg:
        headers.append(
            SignalHeader(
                extra["ekg"], -8000.0, 8000.0, transducer="ECG electrode", prefilter=prefilter
            )
        )
    if spec.with_photic:
        headers.append(
            SignalHeader(
                extra["photic"], -2000.0, 2000.0, unit="mV", transducer="flash", prefilter=""
            )
        )
    return headers


def write_recording(
    path: Path,
    spec: DipoleSpec,
    seed: Sequence[int],
    conditions: RecordingConditions | None = None,
) -> Path:
    """Render ``spec`` and write it as EDF+ (the same spec and seed give the same bytes).

    Recording ``conditions`` (:mod:`elm_desktop.synth.conditions`), when given, are applied
    to the electrode signals; this family keeps its own rate and reference.
    """
    return write_family_recording(
        path, spec, seed, conditions, render, _signals(spec), annotations(spec), FAMILY
    )


def manifest_entry(
    spec: DipoleSpec, report: str, edf: str, conditions: RecordingConditions | None = None
) -> dict:
    """The manifest object of a recording: the shared fields plus ``family`` and ``reference``
    (and ``conditions``, the drawn recording conditions, when there are any)."""
    return manifest_fields(spec, report, edf, annotations(spec), FAMILY, conditions)


def plan_corpus(
    n: int,
    minutes: float,
    seed: int,
    findings: Sequence[str] | None = None,
    sfreq: int | None = None,
    naming: str | None = None,
    reference: str | None = None,
) -> list[tuple[DipoleSpec, str]]:
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
    """Write ``n`` recordings of the dipole family with reports and their manifest.

    Parameters
    ----------
    out_dir : Path
        Folder for the EDF files, ``<id>.txt`` reports and ``manifest.jsonl``.
    n, minutes, seed
        Number of recordings, length of each (10 s to an hour), seed of everything.
    findings : sequence of str, optional
        Primary findings to draw from (default: this family's clinical mix).
    sfreq, naming, reference : optional
        Fix the sampling rate (200, 250, 256, 500, 512), naming (``tuh``, ``1020``,
        ``1010``) or reference (``linked_ears``, ``average``, ``cz``); each is drawn per
        recording when left out.
    workers : int
        Processes writing recordings in parallel; the bytes do not depend on it.
    progress, cancel
        Called / checked after each recording.
    conditions : str or sequence of str, optional
        Recording conditions to randomise (``"all"``, ``"none"`` (default) or names, see
        :mod:`elm_desktop.synth.conditions`); this family draws its own rate and reference,
        so ``sampling_rate`` and ``reference`` leave them alone.

    Returns
    -------
    Path
        The manifest.
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
