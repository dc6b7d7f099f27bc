"""What each synthetic ECG shows: patients, their hearts, each record's rhythm and findings.

A patient keeps their heart (axis, sizes, conduction, hypertrophy, a long QT, low voltage, a
first-degree AV block) across their records; each record draws its own rhythm, ectopic beats
and acute ST changes. :func:`plan_corpus` draws it all from one seed; the manifest written from
a plan is the ground truth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.synth.ecg.beats import Heart, unit
from elm_desktop.synth.ecg.rhythm import SINUS_RHYTHMS

#: Rhythms with their share of records.
RHYTHMS: dict[str, float] = {
    "sinus_rhythm": 0.58,
    "sinus_bradycardia": 0.11,
    "sinus_tachycardia": 0.11,
    "atrial_fibrillation": 0.13,
    "atrial_flutter": 0.07,
}

#: Findings a patient keeps across records, with the share of patients who have them.
CHRONIC: dict[str, float] = {
    "first_degree_av_block": 0.08,
    "lbbb": 0.05,
    "rbbb": 0.06,
    "lvh": 0.08,
    "long_qt": 0.07,
    "low_voltage": 0.05,
}

#: Findings of one record, with the share of records that have them.
ACUTE: dict[str, float] = {
    "inferior_stemi": 0.05,
    "anterior_stemi": 0.05,
    "st_depression": 0.07,
    "pvc": 0.10,
    "pac": 0.08,
}

#: Every finding name a manifest can hold, rhythms first.
ECG_FINDINGS: tuple[str, ...] = (
    *RHYTHMS,
    *CHRONIC,
    *ACUTE,
    "left_axis_deviation",
    "right_axis_deviation",
)

#: Findings that make an ECG abnormal (sinus rhythm, bradycardia and tachycardia alone do not).
ABNORMAL_FINDINGS = frozenset(ECG_FINDINGS) - {"sinus_rhythm"}

# Heart rate ranges in beats per minute.
_RATES = {
    "sinus_rhythm": (60, 99),
    "sinus_bradycardia": (42, 58),
    "sinus_tachycardia": (102, 135),
    "atrial_fibrillation": (65, 130),
}
_SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SyntheticPatient:
    """A synthetic patient: identity in the corpus, age, sex, heart and chronic findings."""

    patient_id: str
    split: str
    age: float
    sex: str
    heart: Heart
    chronic: tuple[str, ...]
    pr_s: float
    qrs_s: float
    qtc_s: float
    p_duration_s: float


@dataclass(frozen=True)
class RecordPlan:
    """Everything needed to render one record, and its ground truth.

    Attributes
    ----------
    record_id : str
    patient : SyntheticPatient
    rhythm : str
    findings : tuple of str
        Rhythm, chronic and acute findings present in this record (axis deviation is added
        when the record is measured).
    heart : Heart
        The patient's heart with this record's acute changes.
    rr_s, pr_s, qrs_s, qt_s : float
        Mean RR of the rhythm, and the intervals of a conducted beat (PR is that of sinus
        beats; AF and flutter have none).
    flutter_ratio : int
    pvc_focus : tuple of float
    seed : int
        Seed of the beat schedule and the recording conditions.
    start : datetime
    """

    record_id: str
    patient: SyntheticPatient
    rhythm: str
    findings: tuple[str, ...]
    heart: Heart
    rr_s: float
    pr_s: float
    qrs_s: float
    qt_s: float
    flutter_ratio: int
    pvc_focus: tuple[float, float, float]
    seed: int
    start: dt.datetime


def sample_patient(rng: np.random.Generator, index: int) -> SyntheticPatient:
    """Draw a patient: age, sex, heart, chronic findings and their own intervals."""
    sex = "M" if rng.random() < 0.52 else "F"
    age = float(np.clip(rng.normal(58, 17), 18, 95).round(1))
    chronic = [name for name, share in CHRONIC.items() if rng.random() < share]
    if "lbbb" in chronic:  # one bundle branch at most; LVH voltage is not read in LBBB
        chronic = [c for c in chronic if c not in ("rbbb", "lvh")]
    if "low_voltage" in chronic and "lvh" in chronic:
        chronic.remove(rng.choice(["low_voltage", "lvh"]))
    qrs_ms = rng.uniform(78, 108)
    if "lbbb" in chronic:
        qrs_ms = rng.uniform(132, 170)
    elif "rbbb" in chronic:
        qrs_ms = rng.uniform(124, 150)
    elif "lvh" in chronic:
        qrs_ms += 8
    pr_ms = rng.uniform(215, 320) if "first_degree_av_block" in chronic else rng.uniform(125, 192)
    qtc_ms = rng.uniform(490, 560) if "long_qt" in chronic else rng.uniform(385, 445)
    if qrs_ms > 120:  # a wide QRS lengthens QT by depolarisation, not repolarisation
        qtc_ms += qrs_ms - 95
    size = 0.75 * rng.lognormal(0.0, 0.15) * (0.92 if sex == "F" else 1.0)
    heart = Heart(
        qrs_axis_deg=float(np.clip(rng.normal(40, 28), -28, 92)),
        qrs_scale=float(size),
        posterior=float(rng.uniform(-0.8, -0.45)),
        t_axis_deg=0.0,
        t_scale=float(rng.uniform(0.22, 0.4)),
        p_scale=float(rng.uniform(0.06, 0.11)),
        conduction="lbbb" if "lbbb" in chronic else "rbbb" if "rbbb" in chronic else "normal",
        wall_gain=float(rng.uniform(2.0, 2.6)) if "lvh" in chronic else 1.0,
        strain=bool("lvh" in chronic and rng.random() < 0.5),
        voltage_scale=float(rng.uniform(0.22, 0.32)) if "low_voltage" in chronic else 1.0,
        chest_gain=tuple(float(g) for g in rng.uniform(0.9, 1.1, 6)),
    )
    t_axis = np.clip(heart.qrs_axis_deg + rng.uniform(-25, 25), -5, 75)
    return SyntheticPatient(
        patient_id=f"ecg-p{index:05d}",
        split=str(rng.choice(_SPLITS, p=(0.8, 0.1, 0.1))),
        age=age,
        sex=sex,
        heart=replace(heart, t_axis_deg=float(t_axis)),
        chronic=tuple(chronic),
        pr_s=pr_ms / 1000,
        qrs_s=qrs_ms / 1000,
        qtc_s=qtc_ms / 1000,
        p_duration_s=rng.uniform(0.085, 0.11),
    )


def _injury(rng: np.random.Generator, acute: list[str]) -> tuple[tuple[float, ...], float]:
    """The injury current vector (mV) of a record's acute ST change, and its T-wave factor."""
    if "inferior_stemi" in acute:
        return tuple(rng.uniform(0.13, 0.3) * unit(-0.25, 1.0, 0.05)), 1.2
    if "anterior_stemi" in acute:
        return tuple(rng.uniform(0.09, 0.18) * unit(0.15, 0.1, 1.0)), 1.5
    if "st_depression" in acute:
        return tuple(rng.uniform(0.08, 0.14) * unit(-0.7, -0.55, -0.45)), 1.0
    return (0.0, 0.0, 0.0), 1.0


def plan_record(rng: np.random.Generator, patient: SyntheticPatient, record_id: str) -> RecordPlan:
    """Draw one record of ``patient``: rhythm, rate, acute findings."""
    rhythm = str(rng.choice(list(RHYTHMS), p=list(RHYTHMS.values())))
    acute = [name for name, share in ACUTE.items() if rng.random() < share]
    stemi = [a for a in acute if a in ("inferior_stemi", "anterior_stemi", "st_depression")]
    if stemi:  # one ST change per record; none read in LBBB
        acute = [a for a in acute if a not in stemi[1:]]
        if patient.heart.conduction == "lbbb":
            acute.remove(stemi[0])
    if rhythm not in SINUS_RHYTHMS and "pac" in acute:
        acute.remove("pac")
    if rhythm == "atrial_flutter" and "pvc" in acute:
        acute.remove("pvc")
    chronic = list(patient.chronic)
    if rhythm not in SINUS_RHYTHMS and "first_degree_av_block" in chronic:
        chronic.remove("first_degree_av_block")  # no PR interval without P waves
    flutter_ratio = int(rng.choice([2, 4]))
    if rhythm == "atrial_flutter":
        rr = flutter_ratio * 60 / rng.uniform(280, 320)
    else:
        low, high = _RATES[rhythm]
        if "long_qt" in chronic:  # a long QT at a fast rate would run into the next P wave
            high = min(high, 95)
            low = min(low, high - 5)
        rr = 60 / rng.uniform(low, high)
    qt = patient.qtc_s * np.sqrt(rr)
    pr = patient.pr_s
    if rhythm in SINUS_RHYTHMS:
        # Leave the T wave clear of the next P wave: slow the rate if it would not be, and name
        # the rhythm by the rate it has then.
        rr = max(rr, qt + pr + 0.03)
        qt = patient.qtc_s * np.sqrt(rr)
        rr = max(rr, qt + pr + 0.03)
        rate = 60 / rr
        rhythm = "sinus_bradycardia" if rate < 60 else "sinus_rhythm"
        if rate > 100:
            rhythm = "sinus_tachycardia"
    injury, hyperacute = _injury(rng, acute)
    heart = replace(patient.heart, injury=injury, hyperacute=hyperacute)
    focus = unit(*rng.normal(0, 1, 3))
    return RecordPlan(
        record_id=record_id,
        patient=patient,
        rhythm=rhythm,
        findings=(rhythm, *chronic, *acute),
        heart=heart,
        rr_s=float(rr),
        pr_s=float(pr),
        qrs_s=patient.qrs_s,
        qt_s=float(qt),
        flutter_ratio=flutter_ratio,
        pvc_focus=tuple(float(v) for v in focus),
        seed=int(rng.integers(2**31)),
        start=dt.datetime(2021, 1, 1, 7, 0) + dt.timedelta(minutes=int(rng.integers(0, 525600))),
    )


#: What ``findings`` of :func:`plan_corpus` may name: every drawn finding, and ``normal``.
TARGETS: tuple[str, ...] = ("normal", *RHYTHMS, *CHRONIC, *ACUTE)


def plan_corpus(n: int, seed: int, findings: Sequence[str] | None = None) -> list[RecordPlan]:
    """Draw ``n`` records from ``seed``.

    Without ``findings``, patients have one to three records each and every finding comes at
    its share. With ``findings``, record k has ``findings[k % len(findings)]`` (``normal``: sinus
    rhythm and nothing else): each record is its own patient's, drawn until it has it.

    Raises
    ------
    ConfigError
        A name not in :data:`TARGETS`.
    """
    unknown = [name for name in findings or () if name not in TARGETS]
    if unknown:
        raise ConfigError(
            f"unknown ECG finding {', '.join(unknown)}; choose from {', '.join(TARGETS)}"
        )
    rng = np.random.default_rng(seed)
    plans: list[RecordPlan] = []
    index = 0
    while len(plans) < n:
        if findings:
            target = findings[len(plans) % len(findings)]
            while True:
                plan = plan_record(rng, sample_patient(rng, index), f"ecg-r{len(plans):05d}")
                index += 1
                wanted = ("sinus_rhythm",) if target == "normal" else None
                if plan.findings == wanted or target in plan.findings:
                    break
            plans.append(plan)
            continue
        patient = sample_patient(rng, index)
        for _ in range(min(int(rng.choice([1, 2, 3], p=(0.6, 0.25, 0.15))), n - len(plans))):
            plans.append(plan_record(rng, patient, f"ecg-r{len(plans):05d}"))
        index += 1
    return plans
