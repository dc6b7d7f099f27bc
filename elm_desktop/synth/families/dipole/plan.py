"""What a recording of the dipole family holds, drawn before any sample is rendered.

The clinical logic is the same as any EEG department's (patients with periodic discharges are
obtunded, burst suppression means coma, activation procedures are done with the eyes closed),
but the timeline, rates, waveform parameters and cortical sources are this family's own. The
ground truth uses the shared vocabulary and fields (:class:`~elm_desktop.synth.spec.Finding`);
each finding's ``electrodes`` are read off its own scalp field, not from a table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from elm_desktop.synth.electrodes import REGIONS, SCALP
from elm_desktop.synth.families.dipole.clinical import clinical_context
from elm_desktop.synth.families.dipole.findings import FindingDraw
from elm_desktop.synth.families.dipole.head import (
    NAMINGS,
    REFERENCE_SUFFIX,
    nearest_sources,
)
from elm_desktop.synth.families.dipole.timeline import routine_timeline
from elm_desktop.synth.spec import (
    ABNORMAL,
    BENIGN,
    Event,
    Finding,
    Patient,
    RecordingSpec,
    Segment,
)

SAMPLING_RATES: tuple[int, ...] = (200, 250, 256, 500, 512)
REFERENCES: tuple[str, ...] = tuple(REFERENCE_SUFFIX)

#: Longest recording this family renders (it synthesises a recording in one piece).
MAX_SECONDS = 3600

#: Share of each primary condition in a corpus of this family.
CONDITION_MIX: dict[str, float] = {
    "normal": 0.36,
    "focal_epileptiform": 0.10,
    "generalized_spike_wave": 0.06,
    "focal_slowing": 0.08,
    "generalized_slowing": 0.09,
    "lpd": 0.04,
    "gpd": 0.04,
    "seizure": 0.07,
    "burst_suppression": 0.03,
    "focal_attenuation": 0.05,
    "excess_beta": 0.08,
}

_REGIONS: dict[str, float] = {
    "left temporal": 0.2,
    "right temporal": 0.2,
    "left frontal": 0.07,
    "right frontal": 0.07,
    "left frontotemporal": 0.09,
    "right frontotemporal": 0.09,
    "left centrotemporal": 0.05,
    "right centrotemporal": 0.05,
    "left parietal": 0.04,
    "right parietal": 0.04,
    "left occipital": 0.03,
    "right occipital": 0.03,
    "left temporo-occipital": 0.02,
    "right temporo-occipital": 0.02,
}

_AGES: dict[str, tuple[float, float]] = {
    "generalized_spike_wave": (5, 25),
    "generalized_slowing": (50, 95),
    "gpd": (60, 95),
    "lpd": (45, 92),
    "burst_suppression": (20, 88),
    "focal_attenuation": (30, 90),
}

_COMPANIONS: dict[str, dict[str, float]] = {
    "focal_epileptiform": {"focal_slowing": 0.3, "seizure": 0.1},
    "seizure": {"focal_epileptiform": 0.5, "focal_slowing": 0.25},
    "focal_slowing": {"focal_epileptiform": 0.15, "focal_attenuation": 0.25},
    "generalized_slowing": {"gpd": 0.1, "excess_beta": 0.15},
    "lpd": {"focal_slowing": 0.5, "generalized_slowing": 0.4, "seizure": 0.15},
    "gpd": {"generalized_slowing": 1.0},
    "focal_attenuation": {"focal_slowing": 0.4},
}


@dataclass
class DipoleSpec(RecordingSpec):
    """A :class:`~elm_desktop.synth.spec.RecordingSpec` with what this family adds.

    ``attenuation`` maps electrodes under a collection to their factor, ``focal_delta`` holds
    the focal slowing generators (patches, intervals, amplitude, centre frequency), and
    ``reference``, ``beta_frequency``, ``exponent`` (of the aperiodic spectrum) and
    ``suppression`` (of ongoing activity, in burst suppression) are this family's own.
    """

    reference: str = "average"
    beta_frequency: float = 20.0
    exponent: float = 1.8
    suppression: float = 1.0


def draw_patient(rng: np.random.Generator, patient_id: str, condition: str) -> Patient:
    """A patient of an age and focal region that suit the condition."""
    low, high = _AGES.get(condition, (1.5, 88))
    age = (
        rng.uniform(low, high)
        if condition in _AGES or rng.random() < 0.75
        else rng.uniform(1.5, 17)
    )
    names, weights = list(_REGIONS), np.array(list(_REGIONS.values()))
    region = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    if condition == "lpd" and rng.random() < 0.4:
        region = str(rng.choice(["left hemisphere", "right hemisphere"]))
    return Patient(patient_id, round(float(age), 1), str(rng.choice(["F", "M"])), condition, region)


def draw_spec(
    rng: np.random.Generator,
    recording_id: str,
    patient: Patient,
    duration_s: float,
    sfreq: int | None = None,
    naming: str | None = None,
    reference: str | None = None,
    allowed: set[str] | None = None,
    abnormal: set[str] | None = None,
) -> DipoleSpec:
    """Draw one recording of the dipole family for ``patient``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of every choice; the same state gives the same spec.
    recording_id : str
    patient : Patient
        ``patient.condition`` is the primary finding (or a benign one to make sure of).
    duration_s : float
        10 s to :data:`MAX_SECONDS`, rounded to whole seconds.
    sfreq, naming, reference : optional
        Fixed values, or None to draw one per recording.
    allowed : set of str, optional
        Findings that companion findings must come from.
    abnormal : set of str, optional
        Exactly these abnormal findings (instead of the condition and its companions).
    """
    duration = int(round(duration_s))
    if not 10 <= duration <= MAX_SECONDS:
        raise ValueError(f"duration must be 10 s to {MAX_SECONDS} s, got {duration_s}")
    sfreq = int(rng.choice(SAMPLING_RATES)) if sfreq is None else sfreq
    naming = str(rng.choice(NAMINGS)) if naming is None else naming
    reference = str(rng.choice(REFERENCES)) if reference is None else reference
    condition = patient.condition
    benign = condition if condition in BENIGN else None
    if abnormal is None:
        abnormal = {condition} if condition in ABNORMAL else set()
        for name, probability in _COMPANIONS.get(condition, {}).items():
            if rng.random() < probability and (allowed is None or name in allowed):
                abnormal.add(name)
    age, region = patient.age, patient.region
    scale = (1.5 if age < 12 else 1.2 if age < 18 else 1.0 if age < 60 else 0.85) * float(
        rng.uniform(0.8, 1.25)
    )

    if "burst_suppression" in abnormal:
        segments, procedures, study = [Segment(0.0, float(duration), "coma")], [], "ICU bedside EEG"
    elif abnormal & {"lpd", "gpd"}:
        segments, procedures, study = [Segment(0.0, float(duration), "obtunded")], [], "Ward EEG"
    else:
        segments, procedures = routine_timeline(rng, float(duration), age, benign)
        study = "Outpatient EEG" if duration <= 3600 else "Prolonged EEG"

    if age < 3:
        pdr = float(rng.uniform(5.0, 7.0))
    elif age < 8:
        pdr = float(rng.uniform(7.0, 9.0))
    else:
        pdr = float(np.clip(rng.normal(10.2 if age < 65 else 9.2, 0.7), 8.5, 12.0))
    slowing = float(rng.uniform(2.5, 4.0)) if "generalized_slowing" in abnormal else 0.0
    if slowing:
        pdr = float(rng.uniform(5.5, 7.5))

    draw = FindingDraw(rng, float(duration), segments)
    if "seizure" in abnormal:
        draw.seizure(region, scale)
    if "focal_epileptiform" in abnormal:
        draw.spikes(region, scale)
    focal = [draw.focal_slowing(region)] if "focal_slowing" in abnormal else []
    if "generalized_spike_wave" in abnormal:
        draw.spike_wave(scale, procedures)
    if "lpd" in abnormal:
        draw.periodic("lpd", region, scale)
    if "gpd" in abnormal:
        draw.periodic("gpd", "generalized", scale)
    if "burst_suppression" in abnormal:
        draw.bursts(scale)
    attenuation: dict[str, float] = {}
    if "focal_attenuation" in abnormal:
        factor = float(rng.uniform(0.2, 0.45))
        attenuation = {electrode: factor for electrode in REGIONS[region]}
        draw.finding(
            "focal_attenuation",
            region,
            list(REGIONS[region]),
            [[0.0, float(duration)]],
            factor=round(factor, 2),
        )
    if slowing:
        draw.finding(
            "generalized_slowing",
            "generalized",
            [e for e in SCALP],
            [[0.0, float(duration)]],
            pdr=round(pdr, 1),
        )
    beta_gain = float(rng.uniform(2.5, 4.5)) if "excess_beta" in abnormal else 1.0
    if "excess_beta" in abnormal:
        draw.finding(
            "excess_beta",
            "frontocentral",
            ["F3", "F4", "Fz", "C3", "C4", "Cz"],
            [[0.0, float(duration)]],
        )

    hv = next((p for p in procedures if p.kind == "hv"), None)
    if hv is not None and (
        benign == "hyperventilation_response" or rng.random() < (0.6 if age < 20 else 0.1)
    ):
        hv.response = True
        length = hv.end - hv.start
        draw.finding(
            "hyperventilation_response",
            "generalized",
            ["Fp1", "Fp2", "F3", "F4", "Fz"],
            [[round(hv.start + 0.4 * length, 3), round(min(float(duration), hv.end + 30.0), 3)]],
        )
    if benign == "photic_driving" or rng.random() < 0.65:
        for p in procedures:
            if p.kind == "photic":
                p.response = 5 <= p.frequency <= 20
    driven = [
        [round(p.start, 3), round(p.end, 3)]
        for p in procedures
        if p.kind == "photic" and p.response
    ]
    draw.finding("photic_driving", "occipital", ["O1", "O2"], driven)
    for p in procedures:
        if p.kind == "photic" and p.response:
            draw.events.append(
                Event(
                    "photic",
                    p.start,
                    p.end - p.start,
                    float(rng.uniform(10, 25) * scale),
                    (),
                    {
                        "frequency": p.frequency,
                        "sources": [int(s) for s in nearest_sources(("O1", "O2"), 4)],
                    },
                )
            )
    if any(s.state in ("drowsy", "n2", "n3") for s in segments):
        draw.sleep(scale)
    draw.artifacts(eyes="coma" not in {s.state for s in segments}, force=benign == "artifact")
    if not any(f.name in ABNORMAL for f in draw.findings):
        draw.findings.append(Finding("normal", "", [], [[0.0, float(duration)]], {}))
    draw.events.sort(key=lambda e: e.onset)

    clinical = clinical_context(rng, condition, abnormal, study)
    start = dt.datetime(2017, 3, 1, 8, 0) + dt.timedelta(
        days=int(rng.integers(0, 2500)), seconds=int(rng.integers(0, 9 * 3600))
    )
    return DipoleSpec(
        recording_id=recording_id,
        patient=patient,
        sfreq=sfreq,
        duration_s=duration,
        naming=naming,
        reference=reference,
        start=start,
        clinical=clinical,
        pdr_frequency=round(pdr, 2),
        beta_frequency=float(rng.uniform(17, 24)),
        exponent=float(rng.uniform(1.6, 2.1)) + (0.3 if slowing else 0.0),
        amplitude_scale=round(scale, 3),
        beta_gain=beta_gain,
        slowing_gain=slowing,
        heart_rate=float(rng.uniform(55, 95) if age >= 12 else rng.uniform(75, 120)),
        line_frequency=50.0 if rng.random() < 0.5 else 60.0,
        with_ekg=bool(rng.random() < 0.8),
        with_photic=any(p.kind == "photic" for p in procedures),
        segments=segments,
        procedures=procedures,
        findings=draw.findings,
        events=draw.events,
        focal_delta=focal,
        attenuation=attenuation,
        suppression=float(rng.uniform(0.03, 0.08)) if "burst_suppression" in abnormal else 1.0,
    )
