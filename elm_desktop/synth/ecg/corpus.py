"""Write a synthetic 12-lead ECG corpus: WFDB records (and EDF+ / HL7 aECG), reports, manifest.

``manifest.jsonl`` has one JSON object per record, in the spirit of the EEG corpus's: id,
patient_id, split (by patient, about 80/10/10), modality ``"ecg"``, the files (``wfdb``, and
``edf`` / ``aecg`` when written), sfreq, duration_s, leads, age, sex, rhythm, findings (name and
detail), abnormal, report (a cardiologist's text, also in ``<id>.txt``), machine_report,
measurements (heart rate, RR variation, PR, QRS, QT, QTc, axis, voltages, ST at J+60 ms per
lead), beats (QRS onset and kind) and conditions (the noise and artifacts added).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.signals.ecg.leads import STANDARD_LEADS
from elm_desktop.synth.ecg.artifacts import apply_conditions, draw_conditions
from elm_desktop.synth.ecg.heart import leads_from_electrodes
from elm_desktop.synth.ecg.plan import ABNORMAL_FINDINGS, RecordPlan, plan_corpus
from elm_desktop.synth.ecg.render import calibrate, ground_truth, render_clean
from elm_desktop.synth.ecg.report import cardiologist_report, machine_report
from elm_desktop.synth.ecg.writers import ECG_OUTPUT_FORMATS, write_aecg, write_edf, write_wfdb

MANIFEST_NAME = "manifest.jsonl"

#: Sampling rates a corpus can be written at (MERL's input is 500 Hz).
ECG_SAMPLING_RATES = (250, 500, 1000)


def record_findings(plan: RecordPlan, truth: dict) -> list[str]:
    """The record's findings as its signal has them.

    Axis deviation comes from the measured axis (below -30, above +90 degrees); PVCs and PACs
    are listed only when the rhythm had room for one (the truth's ``beats`` hold their kinds).
    """
    kinds = {kind for _, kind in truth["beats"]}
    findings = [name for name in plan.findings if name not in ("pvc", "pac") or name in kinds]
    if truth["axis_deg"] < -30:
        findings.append("left_axis_deviation")
    elif truth["axis_deg"] > 90:
        findings.append("right_axis_deviation")
    return findings


def synthesise(
    plan: RecordPlan, seconds: float, sfreq: int
) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """Render one record: (leads with conditions, clean leads, ground truth, conditions)."""
    plan = calibrate(plan)
    clean = render_clean(plan, seconds, sfreq)
    truth = ground_truth(plan, clean, seconds)
    conditions = draw_conditions(np.random.default_rng(plan.seed + 1), seconds)
    recorded = leads_from_electrodes(apply_conditions(clean.electrodes, sfreq, conditions))
    return recorded, clean.leads, truth, conditions


def generate_ecg_corpus(
    out_dir: Path,
    n: int,
    seconds: float = 10.0,
    seed: int = 0,
    sfreq: int = 500,
    formats: Sequence[str] = ("wfdb",),
    findings: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """Write ``n`` synthetic 12-lead ECGs with reports and ground truth; return the manifest.

    Parameters
    ----------
    out_dir : Path
        Created if needed.
    n : int
        Number of records.
    seconds : float
        Length of each record: 10 s (MERL's 12 x 5000 at 500 Hz) by default, longer for a
        rhythm strip; whole seconds.
    seed : int
        The same seed writes the same corpus, byte for byte.
    sfreq : int
        One of :data:`ECG_SAMPLING_RATES`.
    formats : sequence of str
        Any of ``"wfdb"``, ``"edf"``, ``"aecg"``; WFDB is always written.
    findings : sequence of str, optional
        Build the corpus around these findings, one per record in turn
        (:func:`~elm_desktop.synth.ecg.plan.plan_corpus`); a clinical mix when omitted.
    progress, cancel
        Reported after each record; a cancelled run raises
        :class:`~elm_desktop.errors.CancelledError`.

    Raises
    ------
    ConfigError
        An unknown format or finding, a rate not offered, or a length that is not a whole
        number of seconds between 2 and 600.
    """
    unknown = [f for f in formats if f not in ECG_OUTPUT_FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown ECG format {', '.join(unknown)}; choose from {', '.join(ECG_OUTPUT_FORMATS)}"
        )
    if sfreq not in ECG_SAMPLING_RATES:
        rates = ", ".join(map(str, ECG_SAMPLING_RATES))
        raise ConfigError(f"an ECG corpus is written at {rates} Hz, not {sfreq}")
    if seconds != int(seconds) or not 2 <= seconds <= 600:
        raise ConfigError(f"an ECG record lasts 2 to 600 whole seconds, not {seconds:g}")
    if n < 1:
        raise ConfigError(f"--n must be at least 1, not {n}")
    plans = plan_corpus(n, seed, findings)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / MANIFEST_NAME
    formats = ["wfdb", *(f for f in formats if f != "wfdb")]
    with manifest.open("w") as out:
        for index, plan in enumerate(plans):
            if cancel is not None:
                cancel.check()
            out.write(json.dumps(write_record(out_dir, plan, seconds, sfreq, formats)) + "\n")
            if progress is not None:
                progress(index + 1, n, plan.record_id)
    return manifest


def write_record(
    out_dir: Path, plan: RecordPlan, seconds: float, sfreq: int, formats: Sequence[str]
) -> dict:
    """Render one record, write its files and report; return its manifest entry."""
    recorded, _, truth, conditions = synthesise(plan, seconds, sfreq)
    findings = record_findings(plan, truth)
    rng = np.random.default_rng(plan.seed + 2)
    report = cardiologist_report(findings, truth, rng)
    patient = plan.patient
    stem = out_dir / plan.record_id
    files = {}
    for fmt in formats:
        if fmt == "wfdb":
            comments = [f"age: {patient.age:g}", f"sex: {patient.sex}"]
            path = write_wfdb(stem, recorded, sfreq, STANDARD_LEADS, plan.start, comments)
        elif fmt == "edf":
            path = write_edf(stem, recorded, sfreq, STANDARD_LEADS, plan.start, patient.sex)
        else:
            path = write_aecg(stem, recorded, sfreq, STANDARD_LEADS, plan.start)
        files[fmt] = path.name
    stem.with_suffix(".txt").write_text(report + "\n")
    beats = truth.pop("beats")
    return {
        "id": plan.record_id,
        "patient_id": patient.patient_id,
        "split": patient.split,
        "modality": "ecg",
        **files,
        "sfreq": sfreq,
        "duration_s": seconds,
        "leads": list(STANDARD_LEADS),
        "age": patient.age,
        "sex": patient.sex,
        "rhythm": plan.rhythm,
        "findings": [{"name": name, "detail": _detail(name, truth)} for name in findings],
        "abnormal": any(name in ABNORMAL_FINDINGS for name in findings),
        "report": report,
        "machine_report": machine_report(findings, truth, rng),
        "measurements": truth,
        "beats": beats,
        "conditions": conditions,
        "start": plan.start.isoformat(),
    }


def _detail(name: str, truth: dict) -> dict:
    """The ground-truth measurement that makes a finding what it is."""
    keys = {
        "first_degree_av_block": ("pr_ms",),
        "lbbb": ("qrs_ms",),
        "rbbb": ("qrs_ms",),
        "lvh": ("sokolow_lyon_mv", "cornell_mv"),
        "low_voltage": ("max_limb_qrs_mv", "max_chest_qrs_mv"),
        "long_qt": ("qtc_ms",),
        "atrial_fibrillation": ("rr_cv",),
        "atrial_flutter": ("atrial_rate", "conduction_ratio"),
        "left_axis_deviation": ("axis_deg",),
        "right_axis_deviation": ("axis_deg",),
    }.get(name, ())
    detail = {key: truth[key] for key in keys}
    if name in ("inferior_stemi", "anterior_stemi", "st_depression"):
        detail["st_j60_mv"] = truth["st_j60_mv"]
    return detail


def read_ecg_manifest(path: Path) -> list[dict]:
    """Read a corpus manifest: one dict per record, in order."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
