"""What a neural-mass recording holds, drawn before a sample is rendered.

A :class:`MassSpec` holds the patient, the brain states over time, the procedures, the model
parameters of the background and every paroxysmal or artifactual event. Findings use the shared
vocabulary and fields (:class:`~elm_desktop.synth.spec.Finding`); their electrodes are those of
the named scalp region (:data:`~elm_desktop.synth.electrodes.REGIONS`), under which the
columns that make the finding sit, and their intervals are exactly when the model is made to
produce them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from elm_desktop.synth.electrodes import REGIONS, SCALP
from elm_desktop.synth.families.neural_mass import mass
from elm_desktop.synth.families.neural_mass.clinical import clinical_context
from elm_desktop.synth.families.neural_mass.cortex import NAMINGS, REFERENCES
from elm_desktop.synth.families.recording import FamilySpec
from elm_desktop.synth.spec import ABNORMAL, Event, Finding, Patient, Procedure, Segment

SAMPLING_RATES: tuple[int, ...] = (200, 250, 256, 500, 512)
#: Longest recording (the columns are integrated over a recording in one piece).
MAX_SECONDS = 1800

#: Share of each patient condition in a corpus of this family.
CONDITION_MIX: dict[str, float] = {
    "normal": 0.34,
    "focal_epileptiform": 0.11,
    "generalized_spike_wave": 0.06,
    "focal_slowing": 0.08,
    "generalized_slowing": 0.09,
    "lpd": 0.04,
    "gpd": 0.04,
    "seizure": 0.07,
    "burst_suppression": 0.03,
    "focal_attenuation": 0.06,
    "excess_beta": 0.08,
}

_REGIONS: dict[str, float] = {
    "left temporal": 0.18,
    "right temporal": 0.18,
    "left frontal": 0.08,
    "right frontal": 0.08,
    "left frontotemporal": 0.08,
    "right frontotemporal": 0.08,
    "left centrotemporal": 0.06,
    "right centrotemporal": 0.06,
    "left parietal": 0.04,
    "right parietal": 0.04,
    "left temporo-occipital": 0.06,
    "right temporo-occipital": 0.06,
}

_AGES: dict[str, tuple[float, float]] = {
    "generalized_spike_wave": (4, 22),
    "generalized_slowing": (55, 93),
    "gpd": (58, 94),
    "lpd": (40, 90),
    "burst_suppression": (18, 85),
    "focal_attenuation": (35, 88),
    "focal_slowing": (25, 85),
    "seizure": (8, 80),
}

#: Electrodes where generalized discharges are largest (frontocentral predominance).
FRONTOCENTRAL: list[str] = ["Fp1", "Fp2", "F3", "F4", "Fz", "C3", "C4", "Cz"]
VERTEX: list[str] = ["Fz", "Cz", "C3", "C4"]
_UNRESPONSIVE = {"lpd": "obtunded", "gpd": "obtunded", "burst_suppression": "coma"}


@dataclass
class MassSpec(FamilySpec):
    """A :class:`~elm_desktop.synth.families.recording.FamilySpec` with this family's model.

    ``rhythms`` holds the background model: per resonance its frequency (Hz), bandwidth
    (Hz) and scalp amplitude (uV RMS where largest) in the eyes-closed state, and the
    recording's ``slowing`` (drive of delta and theta) and ``beta`` gains.
    """

    rhythms: dict = field(default_factory=dict)


def draw_patient(rng: np.random.Generator, patient_id: str, condition: str) -> Patient:
    """A patient whose age and focal region suit the condition."""
    low, high = _AGES.get(condition, (2.0, 85.0))
    age = float(rng.uniform(low, high))
    names, weights = list(_REGIONS), np.array(list(_REGIONS.values()))
    region = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    if condition in ("lpd", "focal_attenuation") and rng.random() < 0.3:
        region = str(rng.choice(["left hemisphere", "right hemisphere"]))
    return Patient(patient_id, round(age, 1), str(rng.choice(["F", "M"])), condition, region)


def posterior_rhythm(age: float, rng: np.random.Generator) -> float:
    """Posterior rhythm frequency (Hz) at an age: it matures over childhood, eases off late."""
    mature = 10.2 - 4.2 * np.exp(-age / 4.5) - 0.015 * max(age - 65.0, 0.0)
    return round(float(np.clip(mature + rng.normal(0.0, 0.5), 5.5, 12.0)), 1)


def amplitude_for_age(age: float) -> float:
    """Factor on every background amplitude: thin-skulled children have higher voltage."""
    return float(1.0 + 1.2 * np.exp(-age / 7.0))


class _Timeline:
    """Brain states and procedures of a recording, laid out from its start."""

    def __init__(self, rng: np.random.Generator, duration: float):
        self.rng, self.duration = rng, duration
        self.segments: list[Segment] = []
        self.procedures: list[Procedure] = []

    def _add(self, start: float, end: float, state: str) -> None:
        end = min(end, self.duration)
        if end - start <= 0:
            return
        if self.segments and self.segments[-1].state == state:
            self.segments[-1].end = end
        else:
            self.segments.append(Segment(round(start, 3), round(end, 3), state))

    def awake(self, start: float, end: float) -> None:
        """Eyes closed with the technologist's eye-opening checks every 15-40 s."""
        t = start
        while t < end:
            closed = float(self.rng.uniform(15, 40))
            self._add(t, min(t + closed, end), "eyes_closed")
            t += closed
            if t < end - 4:
                opened = float(self.rng.uniform(5, 12))
                self._add(t, min(t + opened, end), "eyes_open")
                t += opened

    def hyperventilation(self, start: float, length: float, response: bool) -> float:
        self._add(start, start + length, "eyes_closed")
        self.procedures.append(
            Procedure("hv", round(start, 3), round(start + length, 3), 0.0, response)
        )
        return start + length

    def photic(self, start: float, end: float, drives: bool) -> float:
        """Flash trains of 6 s, 4 s apart, rising in frequency, with the eyes closed."""
        t = start
        for frequency in (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 24):
            if t + 6 > end:
                break
            responds = drives and 4.5 <= frequency <= 21 and self.rng.random() < 0.85
            self.procedures.append(
                Procedure("photic", round(t, 3), round(t + 6.0, 3), float(frequency), responds)
            )
            t += 10.0
        self._add(start, t, "eyes_closed")
        return t

    def sleep(self, start: float, end: float) -> None:
        """Drowsiness, then stage N2 when there is time for it (15 s or more); otherwise the
        patient stays drowsy to the end."""
        drowsy = float(self.rng.uniform(20, 45))
        if end - start - drowsy < 15:
            drowsy = end - start
        self._add(start, start + drowsy, "drowsy")
        if drowsy < end - start:
            self._add(start + drowsy, end, "n2")


def _states(rng: np.random.Generator, duration: float, condition: str, young: bool):
    """The timeline of states and procedures; where the patient is unresponsive, one state."""
    line = _Timeline(rng, duration)
    if condition in _UNRESPONSIVE:
        line._add(0.0, duration, _UNRESPONSIVE[condition])
        return line, False
    sleeps = duration >= 60 and rng.random() < (0.5 if condition != "normal" else 0.35)
    hv = duration >= 60 and rng.random() < 0.6
    photic = duration >= 60 and rng.random() < 0.6
    t = 0.0
    baseline = max(15.0, 0.3 * duration)
    line.awake(t, baseline)
    t = baseline
    if hv:
        length = float(np.clip(0.25 * duration, 20, 180))
        response = rng.random() < (0.75 if young else 0.2)
        t = line.hyperventilation(t, length, response)
        recovery = min(float(np.clip(0.1 * duration, 8, 60)), duration - t)
        line.awake(t, t + recovery)
        t += recovery
    if photic and duration - t > 25:
        t = line.photic(t, t + float(np.clip(0.3 * duration, 20, 120)), rng.random() < 0.7)
    if sleeps and duration - t > 25:
        line.awake(t, t + 5.0)
        line.sleep(t + 5.0, duration)
    else:
        line.awake(t, duration)
    return line, sleeps


def _in(t: float, intervals: list[list[float]], pad: float = 0.0) -> bool:
    return any(a - pad <= t <= b + pad for a, b in intervals)


def _state_times(
    rng: np.random.Generator, segments: list[Segment], per_minute: dict[str, float], gap: float
) -> list[float]:
    """Poisson event times with a rate per state, at least ``gap`` seconds apart."""
    times = []
    for s in segments:
        rate = per_minute.get(s.state, 0.0) / 60.0
        count = rng.poisson(rate * (s.end - s.start))
        times += list(rng.uniform(s.start + 0.5, max(s.start + 0.5, s.end - 1.0), count))
    kept: list[float] = []
    for t in sorted(times):
        if not kept or t - kept[-1] >= gap:
            kept.append(float(t))
    return kept


class _Draw:
    """Collects the findings, events and model parameters of one recording."""

    def __init__(self, rng, duration: float, segments: list[Segment], scale: float):
        self.rng, self.duration, self.segments, self.scale = rng, duration, segments, scale
        self.findings: list[Finding] = []
        self.events: list[Event] = []
        self.busy: list[list[float]] = []
        self.focal_slowing: dict = {}
        self.attenuation: dict = {}
        self.bursts: list[list[float]] = []

    def finding(self, name, location, electrodes, intervals, **detail) -> None:
        if intervals:
            self.findings.append(Finding(name, location, list(electrodes), intervals, detail))

    def _free_onset(self, length: float, margin: float) -> float | None:
        """An onset whose event, ``margin`` from either end, meets nothing already placed."""
        latest = self.duration - length - margin
        if latest <= margin:
            return None
        for _ in range(30):
            onset = float(self.rng.uniform(margin, latest))
            if not any(onset - 3 < b and onset + length + 3 > a for a, b in self.busy):
                return onset
        return None

    def spikes(self, region: str) -> None:
        rates = {"eyes_closed": 2.5, "eyes_open": 1.5, "drowsy": 5, "n2": 7, "obtunded": 3}
        factor = float(self.rng.uniform(0.7, 2.0))
        times = _state_times(
            self.rng, self.segments, {k: v * factor for k, v in rates.items()}, 1.0
        )
        times = [t for t in times if not _in(t, self.busy, 1.0)] or [
            float(self.rng.uniform(3, self.duration - 3))
        ]
        sharp = bool(self.rng.random() < 0.35)
        intervals = []
        for t in times:
            width = float(self.rng.uniform(0.05, 0.08) if sharp else self.rng.uniform(0.015, 0.03))
            self.events.append(
                Event(
                    "spike",
                    round(t, 3),
                    0.45,
                    float(self.rng.uniform(9, 18) * self.scale),
                    tuple(REGIONS[region]),
                    {
                        "region": region,
                        "strength": float(self.rng.uniform(250, 450)),
                        "width": width,
                    },
                )
            )
            intervals.append([round(t, 3), round(t + 0.45, 3)])
        self.finding(
            "focal_epileptiform",
            region,
            REGIONS[region],
            intervals,
            morphology="sharp waves" if sharp else "spikes",
        )

    def seizure(self, region: str) -> None:
        length = float(min(self.rng.uniform(30, 90), 0.45 * self.duration))
        onset = self._free_onset(length + 10, min(8.0, 0.1 * self.duration))
        if onset is None:
            return
        spread = str(self.rng.choice(["regional", "hemispheric", "generalized"], p=[0.3, 0.4, 0.3]))
        f_start = float(self.rng.uniform(7.6, 9.6))
        f_end = float(self.rng.uniform(3.0, 4.0))
        self.events.append(
            Event(
                "seizure",
                round(onset, 3),
                round(length, 3),
                float(self.rng.uniform(8, 14) * self.scale),
                tuple(REGIONS[region]),
                {
                    "region": region,
                    "spread": spread,
                    "start_hz": f_start,
                    "end_hz": f_end,
                    "delays": [float(self.rng.uniform(3, 8)), float(self.rng.uniform(8, 15))],
                    "postictal": float(self.rng.uniform(10, 30)),
                },
            )
        )
        self.busy.append([onset, onset + length + 20])
        self.finding(
            "seizure",
            region,
            REGIONS[region],
            [[round(onset, 3), round(onset + length, 3)]],
            spread=spread,
            start_hz=round(f_start, 1),
            end_hz=round(f_end, 1),
        )

    def spike_wave(self, during_hv: list[list[float]]) -> None:
        rate = float(self.rng.uniform(2.9, 3.6))
        count = max(1, int(self.rng.poisson(self.duration / 60.0 * 1.5)))
        intervals = []
        for _ in range(count):
            length = float(self.rng.uniform(2.0, 9.0))
            onset = self._free_onset(length, 2.0)
            if onset is None:
                continue
            intervals.append([round(onset, 3), round(onset + length, 3)])
            self.busy.append([onset, onset + length])
        for a, b in during_hv:
            length = float(self.rng.uniform(4.0, 10.0))
            onset = (
                float(self.rng.uniform(a + 0.4 * (b - a), b - length))
                if b - a > 2 * length
                else None
            )
            if onset is not None and not _in(onset, self.busy, length + 2):
                intervals.append([round(onset, 3), round(onset + length, 3)])
        intervals.sort()
        for a, b in intervals:
            self.events.append(
                Event(
                    "spike_wave",
                    a,
                    round(b - a, 3),
                    float(self.rng.uniform(11, 17) * self.scale),
                    tuple(FRONTOCENTRAL),
                    {
                        "input": mass.input_for_rate(
                            rate, mass.SPIKE_WAVE_INPUT, mass.SPIKE_WAVE_RATE
                        )
                    },
                )
            )
        self.finding(
            "generalized_spike_wave",
            "generalized",
            FRONTOCENTRAL,
            intervals,
            frequency=round(rate, 1),
        )

    def periodic(self, name: str, region: str) -> None:
        rate = float(self.rng.uniform(0.6, 2.0) if name == "lpd" else self.rng.uniform(0.8, 2.5))
        if name == "lpd":
            start, end = 0.0, float(self.duration)
            location, electrodes = region, REGIONS[region]
        else:
            start, end = 0.0, float(self.duration)
            location, electrodes = "generalized", FRONTOCENTRAL
        self.events.append(
            Event(
                "periodic",
                start,
                end - start,
                float(self.rng.uniform(7, 11) * self.scale),
                tuple(electrodes),
                {
                    "rate": rate,
                    "jitter": float(self.rng.uniform(0.02, 0.08)),
                    "width": float(self.rng.uniform(0.06, 0.12)),
                    "region": region if name == "lpd" else "",
                },
            )
        )
        self.finding(name, location, electrodes, [[start, end]], frequency=round(rate, 1))

    def burst_suppression(self) -> None:
        t, bursts = float(self.rng.uniform(0.5, 3.0)), []
        while t < self.duration - 1.5:
            length = float(self.rng.uniform(1.0, 3.5))
            end = min(t + length, self.duration)
            bursts.append([round(t, 3), round(end, 3)])
            t = end + float(self.rng.uniform(2.5, 9.0))
        self.bursts = bursts
        gaps = [b[0] - a[1] for a, b in zip(bursts, bursts[1:], strict=False)]
        self.finding(
            "burst_suppression",
            "generalized",
            SCALP,
            bursts,
            median_gap_s=round(float(np.median(gaps)), 1) if gaps else 0.0,
        )

    def slowing_focus(self, region: str, continuous: bool) -> None:
        if continuous:
            intervals = [[0.0, float(self.duration)]]
        else:
            intervals, t = [], float(self.rng.uniform(1, 8))
            while t < self.duration - 3:
                end = min(t + float(self.rng.uniform(3, 12)), self.duration)
                intervals.append([round(t, 3), round(end, 3)])
                t = end + float(self.rng.uniform(3, 15))
        self.focal_slowing = {
            "region": region,
            "intervals": intervals,
            "frequency": float(self.rng.uniform(1.0, 3.0)),
            "rms": float(self.rng.uniform(25, 40) * self.scale),
        }
        self.finding("focal_slowing", region, REGIONS[region], intervals, continuous=continuous)

    def attenuate(self, region: str) -> None:
        factor = float(self.rng.uniform(0.15, 0.4))
        self.attenuation = {"region": region, "factor": factor}
        self.finding(
            "focal_attenuation",
            region,
            REGIONS[region],
            [[0.0, float(self.duration)]],
            factor=round(factor, 2),
        )

    def sleep(self) -> None:
        spindles = _state_times(self.rng, self.segments, {"n2": 6.0}, 3.0)
        complexes = _state_times(self.rng, self.segments, {"n2": 2.0}, 6.0)
        vertex = _state_times(self.rng, self.segments, {"drowsy": 3.0, "n2": 3.0}, 2.0)
        for t in spindles:
            self.events.append(
                Event(
                    "spindle",
                    round(t, 3),
                    float(self.rng.uniform(0.7, 1.8)),
                    float(self.rng.uniform(18, 30) * self.scale),
                    tuple(VERTEX),
                    {"frequency": float(self.rng.uniform(12.0, 14.5))},
                )
            )
        for kind, times, strength, width in (
            ("k_complex", complexes, (-170, -120), (0.25, 0.4)),
            ("vertex", vertex, (-160, -110), (0.06, 0.1)),
        ):
            for t in times:
                if kind == "vertex" and _in(t, [[c - 1.5, c + 1.5] for c in complexes]):
                    continue
                self.events.append(
                    Event(
                        kind,
                        round(t, 3),
                        1.0,
                        float(self.rng.uniform(12, 20) * self.scale),
                        ("Cz",),
                        {
                            "strength": float(self.rng.uniform(*strength)),
                            "width": float(self.rng.uniform(*width)),
                        },
                    )
                )
        intervals = [[s.start, s.end] for s in self.segments if s.state in ("drowsy", "n2")]
        self.finding(
            "sleep",
            "generalized",
            VERTEX,
            intervals,
            stages=sorted({s.state for s in self.segments if s.state in ("drowsy", "n2")}),
            spindles=bool(spindles),
            k_complexes=bool(complexes),
            vertex_waves=bool(vertex),
        )

    def artifacts(self, awake: bool) -> None:
        """Blinks and eye movements, muscle, electrode pops: each group is an artifact finding."""
        rng = self.rng
        groups: dict[tuple[str, str], list[list[float]]] = {}
        electrodes = {"eye blink": ["Fp1", "Fp2"], "eye movement": ["F7", "F8"]}

        def seen(kind: str, location: str, t: float, length: float) -> None:
            end = min(t + length, float(self.duration))
            groups.setdefault((kind, location), []).append([round(t, 3), round(end, 3)])

        if awake:
            for t in _state_times(rng, self.segments, {"eyes_open": 12.0, "eyes_closed": 1.0}, 1.5):
                self.events.append(
                    Event("blink", round(t, 3), 0.4, float(rng.uniform(80, 220)), ("Fp1", "Fp2"))
                )
                seen("eye blink", "frontopolar", t, 0.4)
            for t in _state_times(rng, self.segments, {"eyes_open": 4.0}, 2.0):
                direction = float(rng.choice([-1.0, 1.0]))
                self.events.append(
                    Event(
                        "saccade",
                        round(t, 3),
                        0.6,
                        float(rng.uniform(40, 120)),
                        ("F7", "F8"),
                        {"direction": direction},
                    )
                )
                seen("eye movement", "frontal", t, 0.6)
            if rng.random() < 0.5:
                for t in _state_times(
                    rng, self.segments, {"eyes_open": 1.5, "eyes_closed": 0.6}, 5.0
                ):
                    side = str(rng.choice(["left", "right", "both"]))
                    sites = {
                        "left": ["F7", "T3"],
                        "right": ["F8", "T4"],
                        "both": ["F7", "T3", "F8", "T4"],
                    }[side]
                    length = float(rng.uniform(0.8, 3.0))
                    self.events.append(
                        Event(
                            "muscle", round(t, 3), length, float(rng.uniform(15, 50)), tuple(sites)
                        )
                    )
                    location = "bitemporal" if side == "both" else f"{side} temporal"
                    seen("muscle", location, t, length)
                    electrodes[f"muscle {location}"] = sites
        if rng.random() < 0.25:
            site = str(rng.choice(["T3", "T4", "O1", "O2", "P3", "P4", "F3", "F4"]))
            for _ in range(int(rng.integers(1, 4))):
                t = float(rng.uniform(1, self.duration - 2))
                self.events.append(
                    Event(
                        "pop",
                        round(t, 3),
                        0.8,
                        float(rng.uniform(80, 300)) * float(rng.choice([-1, 1])),
                        (site,),
                    )
                )
                seen("electrode pop", site, t, 0.8)
            electrodes[f"electrode pop {site}"] = [site]
        for (kind, location), intervals in groups.items():
            sites = electrodes.get(kind) or electrodes.get(f"{kind} {location}")
            self.finding("artifact", location, sites, sorted(intervals), type=kind)


def _choose(rng, condition: str, allowed: set[str] | None) -> set[str]:
    """Findings that go with the patient's condition (secondary ones only where allowed)."""
    chosen = {condition}
    secondary = {
        "focal_epileptiform": {"focal_slowing": 0.3},
        "seizure": {"focal_epileptiform": 0.5},
        "focal_slowing": {"focal_attenuation": 0.2},
        "focal_attenuation": {"focal_slowing": 0.4},
        "lpd": {"generalized_slowing": 0.7},
        "gpd": {"generalized_slowing": 0.8},
        "generalized_slowing": {"excess_beta": 0.15},
    }.get(condition, {})
    for name, p in secondary.items():
        if (allowed is None or name in allowed) and rng.random() < p:
            chosen.add(name)
    return chosen - {"normal"} if len(chosen) > 1 else chosen


def draw_spec(
    rng: np.random.Generator,
    recording_id: str,
    patient: Patient,
    duration_s: float,
    sfreq: int | None = None,
    naming: str | None = None,
    reference: str | None = None,
    allowed: set[str] | None = None,
) -> MassSpec:
    """Draw one recording of ``patient``: states, findings, events and model parameters."""
    duration = int(round(duration_s))
    sfreq = int(rng.choice(SAMPLING_RATES)) if sfreq is None else sfreq
    naming = str(rng.choice(NAMINGS)) if naming is None else naming
    reference = str(rng.choice(REFERENCES)) if reference is None else reference
    condition, region = patient.condition, patient.region
    chosen = _choose(rng, condition, allowed)
    line, _ = _states(rng, duration, condition, patient.age < 25)
    scale = amplitude_for_age(patient.age) * float(rng.uniform(0.8, 1.25))
    draw = _Draw(rng, duration, line.segments, scale)

    pdr = posterior_rhythm(patient.age, rng)
    slowing, beta = 1.0, 1.0
    if "generalized_slowing" in chosen:
        pdr = round(float(rng.uniform(5.5, 7.5)), 1)
        slowing = float(rng.uniform(2.5, 4.0))
        draw.finding("generalized_slowing", "generalized", SCALP, [[0.0, float(duration)]], pdr=pdr)
    if "excess_beta" in chosen:
        beta = float(rng.uniform(3.0, 5.0))
        draw.finding(
            "excess_beta",
            "frontocentral",
            ["F3", "F4", "Fz", "C3", "C4", "Cz"],
            [[0.0, float(duration)]],
        )

    hv = [[p.start, p.end] for p in line.procedures if p.kind == "hv"]
    if "burst_suppression" in chosen:
        draw.burst_suppression()
    if "seizure" in chosen:
        draw.seizure(region)
    if "generalized_spike_wave" in chosen:
        draw.spike_wave(hv)
    for name in ("lpd", "gpd"):
        if name in chosen:
            draw.periodic(name, region)
    if "focal_epileptiform" in chosen:
        draw.spikes(region)
    if "focal_slowing" in chosen:
        draw.slowing_focus(region, bool(rng.random() < 0.4))
    if "focal_attenuation" in chosen:
        draw.attenuate(region)
    if any(s.state in ("drowsy", "n2") for s in line.segments):
        draw.sleep()
    for p in line.procedures:
        if p.kind == "hv" and p.response:
            draw.finding(
                "hyperventilation_response",
                "generalized",
                ["Fp1", "Fp2", "F3", "F4", "Fz"],
                [[p.start, p.end]],
            )
    driven = [[p.start, p.end] for p in line.procedures if p.kind == "photic" and p.response]
    draw.finding("photic_driving", "occipital", ["O1", "O2"], driven)
    draw.artifacts(condition not in _UNRESPONSIVE)
    if not any(f.name in ABNORMAL for f in draw.findings):
        draw.findings.insert(0, Finding("normal", "", [], [[0.0, float(duration)]], {}))

    names = {f.name for f in draw.findings}
    start = dt.datetime(2021, 1, 1) + dt.timedelta(
        days=int(rng.integers(0, 1000)), seconds=int(rng.integers(7 * 3600, 18 * 3600))
    )
    return MassSpec(
        recording_id=recording_id,
        patient=patient,
        sfreq=sfreq,
        duration_s=duration,
        naming=naming,
        reference=reference,
        start=start,
        clinical=clinical_context(rng, condition, names, "sleep" in names),
        pdr_frequency=pdr,
        heart_rate=float(rng.uniform(55, 100) if patient.age > 12 else rng.uniform(75, 120)),
        line_frequency=float(rng.choice([50.0, 60.0])),
        with_ekg=bool(rng.random() < 0.7),
        with_photic=any(p.kind == "photic" for p in line.procedures),
        segments=line.segments,
        procedures=line.procedures,
        findings=draw.findings,
        events=draw.events,
        rhythms={
            "slowing": slowing,
            "beta": beta,
            "scale": scale,
            "seed": int(rng.integers(2**31)),
        },
        focal_slowing=draw.focal_slowing,
        attenuation=draw.attenuation,
        bursts=draw.bursts,
    )
