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

from elm_desktop.synth.electrodes import ELECTRODES, REGIONS, SCALP
from elm_desktop.synth.families.dipole.events import patch_field
from elm_desktop.synth.families.dipole.head import (
    NAMINGS,
    REFERENCE_SUFFIX,
    nearest_sources,
    region_sources,
    source_positions,
)
from elm_desktop.synth.spec import (
    ABNORMAL,
    BENIGN,
    Clinical,
    Event,
    Finding,
    Patient,
    Procedure,
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

_REASONS: dict[str, list[str]] = {
    "normal": [
        "new-onset spells",
        "syncope versus seizure",
        "headache",
        "a single convulsion",
        "behavioural arrest",
        "episodic confusion",
        "a fall with loss of consciousness",
    ],
    "focal_epileptiform": [
        "focal impaired-awareness seizures",
        "known epilepsy, medication review",
        "episodes of déjà vu and staring",
        "nocturnal events",
    ],
    "seizure": [
        "frequent events despite treatment",
        "characterisation of typical events",
        "suspected ongoing seizures",
    ],
    "generalized_spike_wave": [
        "absence-like staring",
        "jerks in the morning",
        "daydreaming at school",
    ],
    "focal_slowing": ["new hemiparesis", "a mass on imaging", "post-traumatic headache"],
    "focal_attenuation": ["chronic subdural collection", "old infarct, new events"],
    "generalized_slowing": ["delirium", "fluctuating alertness", "cognitive decline"],
    "gpd": ["unresponsiveness in renal failure", "encephalopathy of unclear cause"],
    "lpd": ["acute infarct with reduced consciousness", "suspected herpes encephalitis"],
    "burst_suppression": ["post cardiac arrest prognostication", "status epilepticus on infusion"],
    "excess_beta": ["panic attacks", "spells during benzodiazepine taper"],
}

_BACKGROUND_NOTES: dict[str, list[str]] = {
    "normal": ["Neurological examination normal.", "No relevant past history.", ""],
    "focal_epileptiform": ["Hippocampal sclerosis on MRI.", "Febrile seizures in infancy.", ""],
    "seizure": ["Two events per week.", ""],
    "generalized_spike_wave": ["Development appropriate.", ""],
    "focal_slowing": ["Glioma under treatment.", "Contusion on CT.", ""],
    "focal_attenuation": ["Burr-hole drainage last month.", ""],
    "generalized_slowing": ["Sepsis.", "Hyponatraemia.", ""],
    "gpd": ["Creatinine markedly raised.", ""],
    "lpd": ["Ventilated.", ""],
    "burst_suppression": ["Propofol infusion.", "Hypothermia protocol completed.", ""],
    "excess_beta": ["Anxiety disorder.", ""],
}

_ANTISEIZURE = [
    "levetiracetam",
    "valproate",
    "lamotrigine",
    "zonisamide",
    "brivaracetam",
    "clobazam",
    "perampanel",
    "topiramate",
]
_SEDATING = ["clonazepam", "lorazepam", "diazepam", "phenobarbital"]
_ANAESTHETIC = ["propofol", "midazolam", "thiopental"]
_OTHER = [
    "ramipril",
    "metoprolol",
    "insulin",
    "simvastatin",
    "citalopram",
    "pantoprazole",
    "apixaban",
    "paracetamol",
]


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


def _field_electrodes(spatial: np.ndarray, share: float = 0.5) -> list[str]:
    """Scalp electrodes where a field reaches ``share`` of its largest magnitude."""
    magnitude = np.abs(spatial) / np.abs(spatial).max()
    return [
        name for name, m in zip(ELECTRODES, magnitude, strict=True) if m >= share and name in SCALP
    ]


def _poisson(
    rng: np.random.Generator, segments: list[Segment], per_minute: dict[str, float], gap: float
) -> list[float]:
    """Event times of a state-dependent Poisson process, at least ``gap`` seconds apart."""
    times: list[float] = []
    for segment in segments:
        rate = per_minute.get(segment.state, 0.0) / 60
        length = segment.end - segment.start - 1.0
        if rate <= 0 or length <= 0:
            continue
        times += list(
            rng.uniform(segment.start + 0.5, segment.end - 0.5, rng.poisson(rate * length))
        )
    kept: list[float] = []
    for t in sorted(times):
        if not kept or t - kept[-1] >= gap:
            kept.append(float(t))
    return kept


def _windows(
    rng: np.random.Generator, duration: float, cover: float, low: float, high: float
) -> list[list[float]]:
    """Stretches of ``low``-``high`` s covering about ``cover`` of the recording."""
    out, t = [], float(rng.uniform(0, min(20.0, duration / 5)))
    while t < duration - low:
        length = min(float(rng.uniform(low, high)), duration - t)
        out.append([round(t, 3), round(t + length, 3)])
        t += length + float(rng.exponential(length * (1 - cover) / cover)) + 0.5
    return out or [[round(0.2 * duration, 3), round(min(duration, 0.2 * duration + high), 3)]]


def _inside(t: float, intervals: list[list[float]], pad: float = 0.0) -> bool:
    return any(a - pad <= t <= b + pad for a, b in intervals)


def _timeline(
    rng: np.random.Generator, duration: float, age: float, benign: str | None
) -> tuple[list[Segment], list[Procedure]]:
    """A routine recording: eyes open first, then closed and open on request, HV, photic, and
    sometimes drowsiness and sleep at the end."""
    procedures: list[Procedure] = []
    sleepy = benign == "sleep" or (duration >= 150 and rng.random() < 0.4)
    awake_end = duration * (rng.uniform(0.6, 0.75) if sleepy else 1.0)
    t = duration * rng.uniform(0.2, 0.3)
    if benign == "hyperventilation_response" or (
        age >= 5 and duration >= 150 and rng.random() < 0.7
    ):
        length = min(180.0, 0.3 * duration)
        procedures.append(Procedure("hv", t, t + length))
        t += length + min(30.0, 0.05 * duration)
    if benign == "photic_driving" or (duration >= 120 and rng.random() < 0.75):
        train, gap = (8.0, 3.0) if duration >= 400 else (5.0, 2.0)
        for frequency in (1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 30):
            if t + train > min(awake_end, duration) - 2:
                break
            procedures.append(Procedure("photic", t, t + train, float(frequency)))
            t += train + gap
    closed = [(p.start - 3, p.end + 3) for p in procedures]
    segments: list[Segment] = []
    t, eyes_open = 0.0, True
    while t < awake_end - 1e-9:
        length = (
            rng.uniform(20, 40)
            if not segments
            else (rng.uniform(10, 20) if eyes_open else rng.uniform(30, 90))
        )
        stop = min(awake_end, t + length)
        if awake_end - stop < 5:
            stop = awake_end
        if eyes_open and any(a < stop and b > t for a, b in closed):
            eyes_open = False
        segments.append(Segment(t, stop, "eyes_open" if eyes_open else "eyes_closed"))
        t, eyes_open = stop, not eyes_open
    if sleepy:
        drowsy_end = min(duration, awake_end + rng.uniform(25, 80))
        segments.append(Segment(awake_end, drowsy_end, "drowsy"))
        if drowsy_end < duration:
            deep = duration > 1200 and rng.random() < 0.5
            segments.append(Segment(drowsy_end, duration, "n3" if deep else "n2"))
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1].state == segment.state:
            merged[-1].end = segment.end
        elif segment.end > segment.start:
            merged.append(segment)
    return merged, procedures


class _Draw:
    """Collects the events and findings of one recording."""

    def __init__(self, rng: np.random.Generator, duration: float, segments: list[Segment]):
        self.rng = rng
        self.duration = duration
        self.segments = segments
        self.events: list[Event] = []
        self.findings: list[Finding] = []
        self.busy: list[list[float]] = []

    def seed(self) -> int:
        return int(self.rng.integers(2**31))

    def finding(self, name: str, location: str, spatial, intervals, **detail) -> None:
        electrodes = spatial if isinstance(spatial, list) else _field_electrodes(spatial)
        if intervals:
            self.findings.append(Finding(name, location, electrodes, intervals, detail))

    def spikes(self, region: str, scale: float) -> None:
        rng = self.rng
        sources = [int(s) for s in region_sources(region, 3)]
        spatial = patch_field(sources)
        boost = rng.uniform(0.5, 2.0)
        rates = {
            "eyes_open": 1.5,
            "eyes_closed": 2.0,
            "drowsy": 5.0,
            "n2": 6.0,
            "n3": 4.0,
            "obtunded": 3.0,
        }
        times = [
            t
            for t in _poisson(rng, self.segments, {k: v * boost for k, v in rates.items()}, 0.8)
            if not _inside(t, self.busy, 1.0)
        ]
        if not times:
            times = [float(rng.uniform(1, self.duration - 1.5))]
        sharp = rng.random() < 0.35
        for t in times:
            count = int(rng.choice([1, 2, 3], p=[0.7, 0.2, 0.1]))
            self.events.append(
                Event(
                    "spike",
                    t,
                    0.6,
                    float(rng.uniform(60, 150) * scale),
                    (),
                    {
                        "sources": sources,
                        "count": count,
                        "gap": float(rng.uniform(0.015, 0.025)),
                        "rise": float(
                            rng.uniform(0.010, 0.020) if sharp else rng.uniform(0.004, 0.007)
                        ),
                        "decay": float(
                            rng.uniform(0.04, 0.07) if sharp else rng.uniform(0.015, 0.03)
                        ),
                        "wave": float(rng.uniform(0.2, 0.6)),
                        "wave_length": float(rng.uniform(0.18, 0.3)),
                    },
                )
            )
        focus = ELECTRODES[int(np.argmax(spatial))]
        self.finding(
            "focal_epileptiform",
            region,
            spatial,
            [[round(t - 0.05, 3), round(t + 0.4, 3)] for t in times],
            morphology="sharp waves" if sharp else "spikes",
            focus=focus,
        )

    def seizure(self, region: str, scale: float) -> None:
        rng = self.rng
        focus = [int(s) for s in region_sources(region, 3)]
        ictal = float(min(rng.uniform(30, 100), 0.35 * self.duration))
        post = float(rng.uniform(15, 45))
        latest = self.duration - ictal - 2
        if latest <= 2 or ictal < 8:
            return
        onset = float(rng.uniform(min(5.0, 0.1 * self.duration), latest))
        post = min(post, self.duration - onset - ictal)
        spread = str(rng.choice(["regional", "hemisphere", "generalized"], p=[0.3, 0.45, 0.25]))
        where = source_positions() / np.linalg.norm(source_positions(), axis=1, keepdims=True)
        centre = where[focus].mean(axis=0)
        angle = np.arccos(np.clip(where @ (centre / np.linalg.norm(centre)), -1, 1))
        left = region.startswith("left")
        if spread == "regional":
            chosen = np.flatnonzero(angle < 0.7)
        elif spread == "hemisphere":
            chosen = np.flatnonzero((where[:, 0] < 0.05) if left else (where[:, 0] > -0.05))
        else:
            chosen = np.arange(len(where))
        chosen = np.union1d(chosen, focus)
        speed = angle[chosen].max() / (ictal * float(rng.uniform(0.3, 0.5))) + 1e-6
        joins = [0.0 if s in focus else float(angle[s] / speed) for s in chosen]
        self.events.append(
            Event(
                "seizure",
                onset,
                ictal + post,
                float(rng.uniform(70, 150) * scale),
                (),
                {
                    "ictal": ictal,
                    "focus": focus,
                    "sources": [int(s) for s in chosen],
                    "joins": joins,
                    "f_start": float(rng.uniform(9, 16)),
                    "f_end": float(rng.uniform(2.5, 4)),
                    "spread": spread,
                    "side": "left" if left else "right",
                    "seed": self.seed(),
                },
            )
        )
        self.busy.append([onset - 2, onset + ictal + post])
        self.finding(
            "seizure",
            region,
            list(REGIONS[region]),
            [[round(onset, 3), round(onset + ictal, 3)]],
            spread=spread,
        )

    def focal_slowing(self, region: str) -> dict:
        continuous = bool(self.rng.random() < 0.4)
        intervals = (
            [[0.0, self.duration]]
            if continuous
            else _windows(self.rng, self.duration, self.rng.uniform(0.3, 0.6), 3, 15)
        )
        sources = [int(s) for s in region_sources(region, 4)]
        self.finding(
            "focal_slowing", region, patch_field(sources), intervals, continuous=continuous
        )
        return {
            "sources": sources,
            "intervals": intervals,
            "amplitude": float(self.rng.uniform(20, 40)),
            "center": float(self.rng.uniform(1.0, 2.0)),
        }

    def spike_wave(self, scale: float, procedures: list[Procedure]) -> None:
        rng = self.rng
        sources = [int(s) for s in nearest_sources(("Fz", "F3", "F4", "Fp1", "Fp2", "Cz"), 10)]
        times = _poisson(
            rng,
            self.segments,
            {"eyes_closed": 0.6, "eyes_open": 0.5, "drowsy": 1.0, "n2": 0.8, "n3": 0.3},
            14,
        )
        times += [
            float(rng.uniform(p.start + 20, p.end - 4))
            for p in procedures
            if p.kind == "hv" and p.end - p.start > 30 and rng.random() < 0.8
        ]
        intervals: list[list[float]] = []
        for t in sorted(times) or [0.3 * self.duration]:
            length = float(min(rng.uniform(2, 12), self.duration - t - 0.5))
            if length < 1.5 or _inside(t, intervals, 14):
                continue
            self.events.append(
                Event(
                    "spike_wave",
                    t,
                    length,
                    float(rng.uniform(150, 300) * scale),
                    (),
                    {
                        "sources": sources,
                        "f_start": float(rng.uniform(3.0, 3.8)),
                        "f_end": float(rng.uniform(2.5, 3.0)),
                    },
                )
            )
            intervals.append([round(t, 3), round(t + length, 3)])
        self.finding(
            "generalized_spike_wave", "generalized", patch_field(sources), intervals, frequency=3.0
        )

    def periodic(self, name: str, region: str, scale: float) -> None:
        rng = self.rng
        generalized = name == "gpd"
        continuous = rng.random() < 0.5
        intervals = (
            [[0.0, self.duration]]
            if continuous
            else _windows(rng, self.duration, rng.uniform(0.4, 0.7), 30, 150)
        )
        frequency = float(rng.uniform(1.0, 2.5) if generalized else rng.uniform(0.4, 1.4))
        triphasic = bool(rng.random() < (0.6 if generalized else 0.2))
        if generalized:
            sources = [int(s) for s in nearest_sources(("Fz", "F3", "F4", "Fp1", "Fp2"), 8)]
            late = [int(s) for s in nearest_sources(("Pz", "P3", "P4", "O1", "O2"), 6)]
        else:
            sources, late = [int(s) for s in region_sources(region, 3)], []
        for a, b in intervals:
            self.events.append(
                Event(
                    name,
                    a,
                    b - a,
                    float(rng.uniform(80, 200) * scale),
                    (),
                    {
                        "sources": sources,
                        "late_sources": late,
                        "lag": float(rng.uniform(0.03, 0.08)),
                        "period": 1 / frequency,
                        "shape": "triphasic" if triphasic else "biphasic",
                        "seed": self.seed(),
                    },
                )
            )
        self.finding(
            name,
            "generalized" if generalized else region,
            patch_field(sources),
            intervals,
            frequency=round(frequency, 1),
            triphasic=triphasic,
        )

    def bursts(self, scale: float) -> None:
        rng = self.rng
        t, intervals = float(rng.uniform(0.5, 3)), []
        median_gap = float(rng.uniform(3, 9))
        while t < self.duration - 1.2:
            length = float(min(rng.uniform(1, 4), self.duration - t))
            self.events.append(
                Event(
                    "burst",
                    t,
                    length,
                    float(rng.uniform(60, 150) * scale),
                    (),
                    {"seed": self.seed()},
                )
            )
            intervals.append([round(t, 3), round(t + length, 3)])
            t += length + float(median_gap * rng.lognormal(0, 0.4))
        electrodes = [e for e in SCALP]
        self.finding(
            "burst_suppression",
            "generalized",
            electrodes,
            intervals,
            median_gap_s=round(median_gap, 1),
        )

    def sleep(self, scale: float) -> None:
        rng = self.rng
        central = [int(s) for s in nearest_sources(("Cz", "C3", "C4"), 4)]
        vertex = [int(s) for s in nearest_sources(("Cz",), 2)]
        frontal = [int(s) for s in nearest_sources(("Fz", "Cz", "F3", "F4"), 5)]
        occipital = [int(s) for s in nearest_sources(("O1", "O2"), 3)]
        kinds = {
            "vertex": (
                _poisson(rng, self.segments, {"drowsy": 5, "n2": 3}, 2.0),
                0.5,
                vertex,
                (60, 130),
            ),
            "spindle": (
                _poisson(rng, self.segments, {"n2": 6, "n3": 2}, 3.0),
                None,
                central,
                (15, 35),
            ),
            "k_complex": (_poisson(rng, self.segments, {"n2": 2}, 8.0), 1.4, frontal, (80, 170)),
            "posts": (
                _poisson(rng, self.segments, {"drowsy": 1, "n2": 3}, 2.0),
                0.25,
                occipital,
                (20, 45),
            ),
        }
        for kind, (times, length, sources, (low, high)) in kinds.items():
            for t in times:
                params: dict = {"sources": sources}
                duration = length
                if kind == "spindle":
                    duration = float(rng.uniform(0.7, 1.8))
                    params["frequency"] = float(rng.uniform(11.5, 15))
                elif kind == "k_complex":
                    params["spindle"] = bool(rng.random() < 0.5)
                elif kind == "posts":
                    params["width"] = float(rng.uniform(0.04, 0.06))
                self.events.append(
                    Event(
                        kind, t, float(duration), float(rng.uniform(low, high) * scale), (), params
                    )
                )
        stages = sorted({s.state for s in self.segments if s.state in ("drowsy", "n2", "n3")})
        self.finding(
            "sleep",
            "generalized",
            ["Fz", "Cz", "C3", "C4"],
            [[round(s.start, 3), round(s.end, 3)] for s in self.segments if s.state in stages],
            stages=stages,
            vertex_waves=bool(kinds["vertex"][0]),
            spindles=bool(kinds["spindle"][0]),
            k_complexes=bool(kinds["k_complex"][0]),
            posts=bool(kinds["posts"][0]),
        )

    def artifacts(self, eyes: bool, force: bool) -> None:
        rng = self.rng
        if eyes:
            for t in _poisson(
                rng, self.segments, {"eyes_open": 15, "eyes_closed": 0.5, "drowsy": 1}, 0.8
            ):
                self.events.append(Event("blink", t, 0.7, float(rng.uniform(70, 180)), (), {}))
            for t in _poisson(rng, self.segments, {"eyes_open": 4, "drowsy": 3}, 3.0):
                slow = _state(self.segments, t) == "drowsy"
                self.events.append(
                    Event(
                        "eye_movement",
                        t,
                        float(rng.uniform(2, 4) if slow else rng.uniform(0.5, 1.5)),
                        float(rng.uniform(30, 80)),
                        (),
                        {"slow": slow, "direction": float(rng.choice([-1.0, 1.0]))},
                    )
                )
        bursts = _poisson(
            rng, self.segments, {"eyes_open": 1.2, "eyes_closed": 0.5, "drowsy": 0.2}, 2.0
        )
        if force and not bursts:
            bursts = [0.5 * self.duration]
        sides = rng.choice(["left", "right"], size=len(bursts))
        for side in ("left", "right"):
            group = (
                {"F7": 1.0, "T3": 0.8, "T5": 0.35, "Fp1": 0.3}
                if side == "left"
                else {"F8": 1.0, "T4": 0.8, "T6": 0.35, "Fp2": 0.3}
            )
            intervals = []
            for t in [b for b, s in zip(bursts, sides, strict=True) if s == side]:
                length = float(min(rng.uniform(0.8, 5), self.duration - t))
                self.events.append(
                    Event(
                        "muscle",
                        t,
                        length,
                        float(rng.uniform(10, 40)),
                        (),
                        {
                            "electrodes": group,
                            "peak": float(rng.uniform(40, 90)),
                            "seed": self.seed(),
                        },
                    )
                )
                intervals.append([round(t, 3), round(t + length, 3)])
            self.finding(
                "artifact",
                f"{side} temporal",
                [e for e, w in group.items() if w >= 0.6],
                intervals,
                type="muscle",
            )
        for t in _poisson(
            rng,
            self.segments,
            {
                s: 0.2
                for s in ("eyes_open", "eyes_closed", "drowsy", "n2", "n3", "obtunded", "coma")
            },
            5.0,
        ):
            electrode = str(rng.choice(SCALP))
            repeats = [float(rng.uniform(0.1, 0.6))] if rng.random() < 0.3 else []
            self.events.append(
                Event(
                    "pop",
                    t,
                    1.5,
                    float(rng.uniform(80, 400) * rng.choice([-1, 1])),
                    (),
                    {
                        "electrode": electrode,
                        "tau": float(rng.uniform(0.1, 0.6)),
                        "repeats": repeats,
                    },
                )
            )
            self.finding(
                "artifact",
                f"{electrode} electrode",
                [electrode],
                [[round(t, 3), round(t + 1.0, 3)]],
                type="electrode pop",
            )


def _state(segments: list[Segment], t: float) -> str:
    return next((s.state for s in segments if s.start <= t < s.end), segments[-1].state)


def _medications(rng: np.random.Generator, findings: set[str]) -> list[str]:
    meds: list[str] = []
    if findings & {"focal_epileptiform", "seizure", "lpd", "generalized_spike_wave"}:
        meds += list(rng.choice(_ANTISEIZURE, size=int(rng.integers(1, 3)), replace=False))
    if "burst_suppression" in findings:
        meds.append(str(rng.choice(_ANAESTHETIC)))
    if "excess_beta" in findings:
        meds.append(str(rng.choice(_SEDATING)))
    if rng.random() < 0.35:
        meds += list(rng.choice(_OTHER, size=int(rng.integers(1, 3)), replace=False))
    return list(dict.fromkeys(str(m) for m in meds))


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
        segments, procedures = _timeline(rng, float(duration), age, benign)
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

    draw = _Draw(rng, float(duration), segments)
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

    key = condition if condition in _REASONS else "normal"
    clinical = Clinical(
        indication=str(rng.choice(_REASONS[key])),
        history=str(rng.choice(_BACKGROUND_NOTES[key])),
        medications=_medications(rng, abnormal),
        study=study,
    )
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
