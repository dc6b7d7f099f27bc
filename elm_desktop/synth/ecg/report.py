"""Reports of a synthetic ECG in two styles: the machine statement and a cardiologist's text.

The machine statement is what an electrocardiograph prints (MIMIC-IV-ECG and PTB-XL reports
read like it): fixed statements, one per finding, and a summary line. The cardiologist's text
says the same in varied words, gives the rate, intervals and axis, names the leads of ST
changes, and denies a few things it did not find, as clinicians write ("No acute ST changes.").
Both state only the record's ground truth.
"""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.ecg.plan import ABNORMAL_FINDINGS

_MACHINE = {
    "sinus_rhythm": ("Sinus rhythm", "Normal sinus rhythm"),
    "sinus_bradycardia": ("Sinus bradycardia",),
    "sinus_tachycardia": ("Sinus tachycardia",),
    "atrial_fibrillation": ("Atrial fibrillation",),
    "atrial_flutter": ("Atrial flutter with {conduction_ratio} A-V conduction",),
    "first_degree_av_block": ("First degree AV block", "1st degree A-V block"),
    "pac": ("Premature atrial complexes", "Atrial premature complexes"),
    "pvc": ("Premature ventricular complexes", "Ventricular premature complexes"),
    "left_axis_deviation": ("Left axis deviation",),
    "right_axis_deviation": ("Right axis deviation",),
    "low_voltage": ("Low voltage QRS",),
    "lbbb": ("Left bundle branch block",),
    "rbbb": ("Right bundle branch block",),
    "lvh": ("Left ventricular hypertrophy", "Voltage criteria for left ventricular hypertrophy"),
    "inferior_stemi": (
        "Inferior injury pattern. ** ACUTE MI / STEMI **",
        "ST elevation consider inferior injury or acute infarct",
    ),
    "anterior_stemi": (
        "Anterior injury pattern. ** ACUTE MI / STEMI **",
        "ST elevation consider anterior injury or acute infarct",
    ),
    "st_depression": ("ST depression, consider subendocardial injury", "Marked ST depression"),
    "long_qt": ("Prolonged QT", "Long QT interval"),
}

_RHYTHM_TEXT = {
    "sinus_rhythm": (
        "Sinus rhythm at {rate} bpm.",
        "Regular sinus rhythm, rate {rate}/min.",
        "The rhythm is sinus at about {rate} beats per minute.",
    ),
    "sinus_bradycardia": (
        "Sinus bradycardia at {rate} bpm.",
        "Slow sinus rhythm, {rate}/min.",
        "Sinus brady, rate {rate}.",
    ),
    "sinus_tachycardia": (
        "Sinus tachycardia at {rate} bpm.",
        "Fast sinus rhythm, {rate}/min.",
        "Sinus tachy, rate about {rate}.",
    ),
    "atrial_fibrillation": (
        "Atrial fibrillation with an irregularly irregular ventricular response of about "
        "{rate}/min; no P waves.",
        "AF, ventricular rate ~{rate} bpm. Fibrillatory baseline, best seen in V1.",
        "Irregularly irregular rhythm without discernible P waves, consistent with atrial "
        "fibrillation (mean rate {rate}).",
    ),
    "atrial_flutter": (
        "Atrial flutter with {conduction_ratio} block, ventricular rate {rate}/min; sawtooth "
        "flutter waves in II, III and aVF at about {atrial_rate}/min.",
        "Typical flutter, {conduction_ratio} conduction (atrial rate ~{atrial_rate}, "
        "ventricular {rate}).",
    ),
}

_FINDING_TEXT = {
    "first_degree_av_block": (
        "PR interval prolonged at {pr} ms: first-degree AV block.",
        "1st degree heart block (PR {pr} ms).",
        "Long PR ({pr} ms), in keeping with first degree AV block.",
    ),
    "pac": (
        "Occasional premature atrial complexes.",
        "An isolated atrial ectopic beat.",
        "PACs noted.",
    ),
    "pvc": (
        "Occasional premature ventricular complexes.",
        "Ventricular ectopics ({n_pvc}).",
        "Isolated PVCs with a compensatory pause.",
    ),
    "lbbb": (
        "Broad QRS ({qrs} ms) with a left bundle branch block pattern: QS in V1, broad notched "
        "R in I and V6, secondary ST-T changes.",
        "Complete LBBB (QRS {qrs} ms).",
        "LBBB; repolarisation cannot be assessed for ischaemia.",
    ),
    "rbbb": (
        "RSR' in V1 with a broad slurred S in I and V6, QRS {qrs} ms: complete right bundle "
        "branch block.",
        "Complete RBBB (QRS {qrs} ms).",
        "Right bundle branch block.",
    ),
    "lvh": (
        "Voltage criteria for left ventricular hypertrophy (Sokolow-Lyon {sokolow:.1f} mV).",
        "LVH by voltage.",
        "Tall left precordial R waves and deep S in V1, meeting criteria for LVH.",
    ),
    "low_voltage": (
        "Low QRS voltages in the limb leads.",
        "Low voltage QRS throughout.",
        "Small complexes in all leads (low voltage).",
    ),
    "inferior_stemi": (
        "ST elevation in II, III and aVF with reciprocal depression in aVL: acute inferior STEMI.",
        "Inferior ST elevation, III > II, with reciprocal change in I and aVL - acute inferior "
        "infarct, urgent cardiology review.",
        "Acute inferior injury pattern.",
    ),
    "anterior_stemi": (
        "ST elevation in V1-V4 with hyperacute T waves: acute anterior STEMI.",
        "Anterior ST elevation (V2-V4), consistent with acute anterior infarction.",
        "Acute anterior injury - activate the cath lab.",
    ),
    "st_depression": (
        "Horizontal ST depression in I, II and V4-V6 with ST elevation in aVR, suggestive of "
        "subendocardial ischaemia.",
        "Widespread ST depression, max {st_dep:.1f} mm, and ST elevation in aVR.",
        "Diffuse ST depression; ischaemia cannot be excluded.",
    ),
    "long_qt": (
        "QTc prolonged at {qtc} ms.",
        "Long QT (QTc {qtc} ms).",
        "Prolonged QT interval; check medications and electrolytes.",
    ),
    "left_axis_deviation": ("Left axis deviation ({axis} degrees).", "Left axis deviation."),
    "right_axis_deviation": ("Right axis deviation ({axis} degrees).", "Right axis deviation."),
}

# What a cardiologist denies when it is absent: (absent findings, sentences).
_NEGATIONS = (
    (
        ("inferior_stemi", "anterior_stemi", "st_depression"),
        (
            "No acute ST changes.",
            "No ST elevation or depression.",
            "No evidence of acute ischaemia.",
        ),
    ),
    (("lvh",), ("No LVH.", "No voltage criteria for LVH.")),
    (("lbbb", "rbbb"), ("No bundle branch block.", "QRS of normal width.")),
    (("pvc", "pac"), ("No ectopy.", "No premature beats.")),
    (("long_qt",), ("QTc normal.", "Normal QT interval.")),
)


def _verdict(findings: list[str]) -> str:
    """``"normal"``, ``"rate"`` (only a slow or fast sinus rate) or ``"abnormal"``."""
    abnormal = [name for name in findings if name in ABNORMAL_FINDINGS]
    if not abnormal:
        return "normal"
    return "rate" if set(abnormal) <= {"sinus_bradycardia", "sinus_tachycardia"} else "abnormal"


def machine_report(findings: list[str], truth: dict, rng: np.random.Generator) -> str:
    """The machine statement: one statement per finding, then Normal or Abnormal ECG."""
    statements = [
        str(rng.choice(_MACHINE[name])).format(**truth) for name in findings if name in _MACHINE
    ]
    summary = {"normal": "Normal ECG", "rate": "Otherwise normal ECG"}.get(
        _verdict(findings), "Abnormal ECG"
    )
    return ". ".join([*statements, summary]) + "."


def cardiologist_report(findings: list[str], truth: dict, rng: np.random.Generator) -> str:
    """A cardiologist's free text: rhythm and rate, intervals, axis, findings, negations."""
    values = {
        "rate": int(round(truth["heart_rate"])),
        "pr": int(round(truth["pr_ms"] or 0)),
        "qrs": int(round(truth["qrs_ms"])),
        "qtc": int(round(truth["qtc_ms"])),
        "axis": int(round(truth["axis_deg"])),
        "sokolow": truth["sokolow_lyon_mv"],
        "st_dep": -10 * min(truth["st_j60_mv"].values()),
        "n_pvc": sum(kind == "pvc" for _, kind in truth["beats"]),
        "atrial_rate": int(round(truth.get("atrial_rate", 0))),
        "conduction_ratio": truth.get("conduction_ratio", ""),
    }
    sentences = [str(rng.choice(_RHYTHM_TEXT[findings[0]])).format(**values)]
    if not any(f in findings for f in ("first_degree_av_block", "lbbb", "rbbb", "long_qt")):
        intervals = [
            "QRS and QT within normal limits.",
            f"QRS {values['qrs']} ms, QTc {values['qtc']} ms.",
        ]
        if truth["pr_ms"] is not None:  # no PR interval without P waves
            intervals = [
                "Normal intervals.",
                "PR, QRS and QT within normal limits.",
                f"PR {values['pr']} ms, QRS {values['qrs']} ms, QTc {values['qtc']} ms.",
            ]
        sentences.append(str(rng.choice(intervals)))
    if not any(f.endswith("axis_deviation") for f in findings) and rng.random() < 0.6:
        sentences.append(str(rng.choice(["Normal axis.", f"Axis {values['axis']} degrees."])))
    sentences += [
        str(rng.choice(_FINDING_TEXT[name])).format(**values)
        for name in findings[1:]
        if name in _FINDING_TEXT
    ]
    denials = [
        str(rng.choice(sentences_))
        for absent, sentences_ in _NEGATIONS
        if not any(name in findings for name in absent)
    ]
    rng.shuffle(denials)
    sentences += denials[: int(rng.integers(0, 3))]
    closing = {
        "normal": ("Normal ECG.", "Normal 12-lead ECG.", "Conclusion: normal ECG."),
        "rate": ("Otherwise normal ECG.", "Otherwise normal tracing."),
    }.get(_verdict(findings), ("Abnormal ECG.", "Conclusion: abnormal ECG."))
    sentences.append(str(rng.choice(closing)))
    return " ".join(sentences)
