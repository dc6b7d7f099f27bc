"""Render a planned record to its 12 leads, clean, and measure its ground truth.

:func:`render_clean` turns a :class:`RecordPlan` into the noise-free electrode potentials;
:func:`calibrate` first adjusts a heart so that voltage findings hold by their criteria (LVH:
Sokolow-Lyon above 3.5 mV; low voltage: every limb lead's QRS under 0.5 mV peak to peak) and
are absent where the record has no such finding; :func:`ground_truth` gives the measurements a
manifest holds, from the schedule and from one rendered template beat.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from elm_desktop.signals.ecg.leads import STANDARD_LEADS
from elm_desktop.synth.ecg.beats import (
    Heart,
    mean_vector,
    p_waves,
    pvc_waves,
    qrs_waves,
    repolarisation,
    unit,
)
from elm_desktop.synth.ecg.heart import (
    Wave,
    electrode_directions,
    heart_vector,
    leads_from_electrodes,
    project,
)
from elm_desktop.synth.ecg.plan import RecordPlan
from elm_desktop.synth.ecg.rhythm import SINUS_RHYTHMS, Schedule, schedule

# Direction of the atrial activity that is not a P wave (best seen in V1 and the inferior leads).
_FIBRILLATION_DIRECTION = unit(0.1, 0.6, 0.8)
_FLUTTER_DIRECTION = unit(-0.15, 1.0, -0.3)  # sawtooth negative in II, III, aVF
_FLUTTER_MV = 0.2
_PVC_QRS_S = 0.16
_PVC_QT_EXTRA_S = 0.06
# Where the template beat's QRS begins, in seconds.
_TEMPLATE_QRS_S = 0.45


@dataclass(frozen=True)
class CleanRecord:
    """A rendered record before noise: electrodes (9, n) in mV, and its schedule."""

    electrodes: np.ndarray
    schedule: Schedule

    @property
    def leads(self) -> np.ndarray:
        """The 12 standard leads (12, n) in mV."""
        return leads_from_electrodes(self.electrodes)


def beat_waves(plan: RecordPlan, beats: Schedule) -> list[Wave]:
    """Every wave of every beat of a schedule, including unconducted P waves."""
    heart, waves = plan.heart, []
    for beat in beats.beats:
        if beat.kind == "pvc":
            qt = plan.qt_s + _PVC_QT_EXTRA_S
            waves += pvc_waves(beat.qrs_onset, _PVC_QRS_S, qt, heart, plan.pvc_focus)
            continue
        if beat.p_onset is not None:
            waves += p_waves(beat.p_onset, plan.patient.p_duration_s, heart, beat.kind == "pac")
        complex_waves = qrs_waves(beat.qrs_onset, plan.qrs_s, heart)
        waves += complex_waves + repolarisation(
            beat.qrs_onset, plan.qrs_s, plan.qt_s, heart, complex_waves
        )
    for onset in beats.blocked_p_onsets:
        waves += p_waves(onset, plan.patient.p_duration_s, heart)
    return waves


def _atrial_activity(plan: RecordPlan, beats: Schedule, n: int, sfreq: float) -> np.ndarray:
    """Fibrillation or flutter waves as a heart vector (3, n)."""
    t = np.arange(n) / sfreq
    if beats.fibrillation:
        f = beats.fibrillation
        rng = np.random.default_rng(f["seed"])
        signal = np.zeros(n)
        for frequency, phase in zip(f["frequencies_hz"], f["phases"], strict=True):
            wander = np.cumsum(rng.normal(0, 0.02, n))  # the f waves drift in rate and shape
            envelope = 1 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t + phase)
            signal += envelope * np.sin(2 * np.pi * frequency * t + phase + wander)
        signal *= f["amplitude_mv"] / 3 * plan.heart.voltage_scale
        return np.outer(_FIBRILLATION_DIRECTION, signal)
    if beats.flutter_onsets:
        cycle = beats.flutter_onsets[1] - beats.flutter_onsets[0]
        u = ((t - beats.flutter_onsets[0]) / cycle) % 1.0
        # Slow descent over 75 % of the cycle, quick return: a sawtooth of zero mean.
        saw = np.where(u < 0.75, -u / 0.75, -1 + (u - 0.75) / 0.25) + 0.5
        return np.outer(_FLUTTER_DIRECTION, _FLUTTER_MV * plan.heart.voltage_scale * saw)
    return np.zeros((3, n))


def render_clean(plan: RecordPlan, seconds: float, sfreq: float) -> CleanRecord:
    """Render a record without noise."""
    rng = np.random.default_rng(plan.seed)
    beats = schedule(
        rng,
        plan.rhythm,
        plan.rr_s,
        plan.pr_s,
        plan.qt_s,
        seconds,
        pvc="pvc" in plan.findings,
        pac="pac" in plan.findings,
        flutter_ratio=plan.flutter_ratio,
    )
    n = int(round(seconds * sfreq))
    vector = heart_vector(beat_waves(plan, beats), n, sfreq)
    vector += _atrial_activity(plan, beats, n, sfreq)
    electrodes = project(vector, electrode_directions(plan.heart.chest_gain))
    return CleanRecord(electrodes, beats)


def template_leads(plan: RecordPlan, heart: Heart, sfreq: float = 1000.0) -> np.ndarray:
    """One conducted beat alone (12, 1.2 s), its QRS at :data:`_TEMPLATE_QRS_S`."""
    onset = _TEMPLATE_QRS_S
    complex_waves = qrs_waves(onset, plan.qrs_s, heart)
    waves = [
        *p_waves(onset - plan.pr_s, plan.patient.p_duration_s, heart),
        *complex_waves,
        *repolarisation(onset, plan.qrs_s, plan.qt_s, heart, complex_waves),
    ]
    vector = heart_vector(waves, int(1.2 * sfreq), sfreq)
    return leads_from_electrodes(project(vector, electrode_directions(heart.chest_gain)))


def _qrs_window(plan: RecordPlan, leads: np.ndarray, sfreq: float) -> np.ndarray:
    first = int(_TEMPLATE_QRS_S * sfreq)
    return leads[:, first : first + int(plan.qrs_s * sfreq) + 1]


def voltages(plan: RecordPlan, heart: Heart) -> dict[str, float]:
    """QRS voltage measures of a heart: Sokolow-Lyon, Cornell, largest limb and chest QRS."""
    qrs = _qrs_window(plan, template_leads(plan, heart), 1000.0)
    lead = {name: qrs[k] for k, name in enumerate(STANDARD_LEADS)}
    span = qrs.max(axis=1) - qrs.min(axis=1)
    return {
        "sokolow_lyon_mv": float(-lead["V1"].min() + max(lead["V5"].max(), lead["V6"].max())),
        "cornell_mv": float(lead["aVL"].max() - lead["V3"].min()),
        "max_limb_qrs_mv": float(span[:6].max()),
        "max_chest_qrs_mv": float(span[6:].max()),
    }


def calibrate(plan: RecordPlan) -> RecordPlan:
    """Scale the heart until its voltage findings hold by their criteria, and only those.

    LVH: Sokolow-Lyon >= 3.7 mV; without LVH it stays <= 3.3 mV. Low voltage: every limb lead
    < 0.45 mV and every chest lead < 0.9 mV peak to peak; without it some limb lead
    reaches 0.6 mV.
    """
    heart = plan.heart
    for _ in range(40):
        v = voltages(plan, heart)
        if "lvh" in plan.findings and v["sokolow_lyon_mv"] < 3.7:
            heart = replace(heart, wall_gain=heart.wall_gain * 1.08)
        elif "lvh" not in plan.findings and v["sokolow_lyon_mv"] > 3.3:
            heart = replace(heart, qrs_scale=heart.qrs_scale * 0.93)
        elif "low_voltage" in plan.findings and (
            v["max_limb_qrs_mv"] >= 0.45 or v["max_chest_qrs_mv"] >= 0.9
        ):
            heart = replace(heart, voltage_scale=heart.voltage_scale * 0.92)
        elif "low_voltage" not in plan.findings and v["max_limb_qrs_mv"] < 0.6:
            heart = replace(heart, qrs_scale=heart.qrs_scale * 1.08)
        else:
            return replace(plan, heart=heart)
    raise RuntimeError(f"{plan.record_id}: voltage criteria not reached")  # a generator bug


def frontal_axis(plan: RecordPlan, heart: Heart) -> float:
    """The frontal QRS axis in degrees, from the mean QRS vector of a conducted beat."""
    x, y, _ = mean_vector(qrs_waves(0.0, plan.qrs_s, heart))
    return float(np.degrees(np.arctan2(y, x)))


def ground_truth(plan: RecordPlan, clean: CleanRecord, seconds: float) -> dict:
    """The measurements of a record: rate, RR variability, intervals, axis, voltages, ST.

    Heart rate is 60 over the mean RR of the beats in the record (those whose whole QRS
    is); QTc is Bazett's with that RR;
    PR is given for sinus rhythms only; ST is the J+60 ms level of each lead of a conducted
    beat, in mV.
    """
    # A beat is in the record when its whole QRS is.
    onsets = np.array([b.qrs_onset for b in clean.schedule.beats])
    inside = onsets[(onsets >= 0) & (onsets + plan.qrs_s <= seconds)]
    rr = np.diff(inside)
    mean_rr = float(rr.mean())
    template = template_leads(plan, plan.heart)
    j60 = int((_TEMPLATE_QRS_S + plan.qrs_s + 0.06) * 1000)
    truth = {
        "heart_rate": round(60 / mean_rr, 1),
        "rr_cv": round(float(rr.std() / mean_rr), 4),
        "pr_ms": round(plan.pr_s * 1000, 1) if plan.rhythm in SINUS_RHYTHMS else None,
        "qrs_ms": round(plan.qrs_s * 1000, 1),
        "qt_ms": round(plan.qt_s * 1000, 1),
        "qtc_ms": round(float(plan.qt_s / np.sqrt(mean_rr)) * 1000, 1),
        "axis_deg": round(frontal_axis(plan, plan.heart), 1),
        **{key: round(value, 3) for key, value in voltages(plan, plan.heart).items()},
        "st_j60_mv": {
            lead: round(float(template[k, j60]), 3) for k, lead in enumerate(STANDARD_LEADS)
        },
        "beats": [
            [round(float(b.qrs_onset), 4), b.kind]
            for b in clean.schedule.beats
            if 0 <= b.qrs_onset and b.qrs_onset + plan.qrs_s <= seconds
        ],
    }
    if plan.rhythm == "atrial_flutter":
        truth["atrial_rate"] = round(60 / (plan.rr_s / plan.flutter_ratio), 1)
        truth["conduction_ratio"] = f"{plan.flutter_ratio}:1"
    return truth
