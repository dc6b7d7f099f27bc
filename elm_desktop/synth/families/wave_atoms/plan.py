"""What a wave-atoms recording holds, drawn before a sample is rendered.

An :class:`AtomSpec` holds the patient, the brain states, the procedures, the parameters of
the background's atom trains and every finding's atoms or changes. Findings use the shared
vocabulary and fields (:class:`~elm_desktop.synth.spec.Finding`): a finding's ``electrodes``
are those of its named region (:data:`~elm_desktop.synth.electrodes.REGIONS`), around whose
centre its atoms' footprints sit, and its ``intervals`` are exactly where its atoms are put
(a spike: 0.4 s from its onset; a seizure: the ictal discharge, not the postictal slowing;
burst suppression: the bursts; a hyperventilation response: from 15 % into the procedure to
15 s after it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from elm_desktop.synth.electrodes import REGIONS, SCALP
from elm_desktop.synth.families.recording import FamilySpec
from elm_desktop.synth.families.wave_atoms.clinical import clinical_context
from elm_desktop.synth.families.wave_atoms.scalp import MAXIMUM, NAMINGS, REFERENCES
from elm_desktop.synth.spec import ABNORMAL, Event, Finding, Patient, Procedure, Segment

SAMPLING_RATES: tuple[int, ...] = (200, 250, 256, 500, 512)
#: Longest recording (the noise floor is drawn for a recording in one piece).
MAX_SECONDS = 1800
#: How long a spike's ground-truth interval lasts from its onset (spike and after-going wave).
SPIKE_SPAN = 0.4
#: Hyperventilation response: its delta starts at this share of the procedure and fades out
#: over this many seconds after its end (the finding's interval is that stretch).
HV_ONSET = 0.15
HV_FADE = 15.0

#: Share of each patient condition in a corpus of this family.
CONDITION_MIX: dict[str, float] = {
    "normal": 0.32,
    "focal_epileptiform": 0.12,
    "generalized_spike_wave": 0.06,
    "focal_slowing": 0.09,
    "generalized_slowing": 0.10,
    "lpd": 0.04,
    "gpd": 0.04,
    "seizure": 0.07,
    "burst_suppression": 0.03,
    "focal_attenuation": 0.05,
    "excess_beta": 0.08,
}

_SITES: dict[str, float] = {
    "left temporal": 0.2,
    "right temporal": 0.2,
    "left frontotemporal": 0.1,
    "right frontotemporal": 0.1,
    "left frontal": 0.07,
    "right frontal": 0.07,
    "left centrotemporal": 0.05,
    "right centrotemporal": 0.05,
    "left temporo-occipital": 0.04,
    "right temporo-occipital": 0.04,
    "left parietal": 0.03,
    "right parietal": 0.03,
    "left occipital": 0.01,
    "right occipital": 0.01,
}

_AGE_RANGE: dict[str, tuple[float, float]] = {
    "normal": (1.0, 88.0),
    "focal_epileptiform": (6.0, 75.0),
    "generalized_spike_wave": (5.0, 19.0),
    "generalized_slowing": (50.0, 95.0),
    "gpd": (60.0, 95.0),
    "lpd": (35.0, 92.0),
    "burst_suppression": (20.0, 85.0),
    "focal_attenuation": (30.0, 90.0),
    "focal_slowing": (20.0, 88.0),
    "seizure": (10.0, 78.0),
    "excess_beta": (18.0, 80.0),
}

#: Electrodes of the generalized discharges (bifrontal maximum) and of the vertex.
BIFRONTAL: list[str] = ["Fp1", "Fp2", "F3", "F4", "Fz", "F7", "F8"]
VERTEX: list[str] = ["Fz", "Cz", "C3", "C4"]
_STATE_OF = {"lpd": "obtunded", "gpd": "obtunded", "burst_suppression": "coma"}
_PHOTIC_RATES = (1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 25, 30)


@dataclass
class AtomSpec(FamilySpec):
    """A :class:`~elm_desktop.synth.families.recording.FamilySpec` with this family's model.

    ``background`` holds the atom trains' parameters: ``hurst`` of the noise floor,
    ``scale`` (age and person), ``slowing`` (rate factor of delta and theta atoms),
    ``beta`` (peak microvolts of the excess beta atoms, 0 without excess beta),
    ``alpha_kappa`` and ``mu`` (whether mu atoms occur), ``asymmetry`` (right/left size of
    the posterior rhythm).
    """

    background: dict = field(default_factory=dict)


def draw_patient(rng: np.random.Generator, patient_id: str, condition: str) -> Patient:
    """A patient whose age and focal site suit the condition."""
    low, high = _AGE_RANGE[condition]
    age = round(float(low + (high - low) * rng.beta(1.4, 1.4)), 1)
    names = list(_SITES)
    weights = np.array(list(_SITES.values()))
    site = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    if condition in ("lpd", "focal_attenuation", "focal_slowing") and rng.random() < 0.2:
        site = "left hemisphere" if rng.random() < 0.5 else "right hemisphere"
    return Patient(patient_id, age, "M" if rng.random() < 0.5 else "F", condition, site)


def alpha_frequency(age: float, rng: np.random.Generator) -> float:
    """Posterior rhythm (Hz) by age: 4 Hz in the first months, 8 Hz by 3, 9.5-10.5 in adults,
    a slow decline after 60."""
    if age < 3:
        base = 4.0 + 4.0 * age / 3
    elif age < 12:
        base = 8.0 + 1.8 * (age - 3) / 9
    else:
        base = 10.0 - 0.02 * max(age - 60.0, 0.0)
    return round(float(np.clip(base + rng.normal(0.0, 0.4), 4.5, 12.5)), 1)


def voltage_for_age(age: float) -> float:
    """Scale of every brain amplitude: children's are larger, elders' a little smaller."""
    return float(1.0 + 0.9 / (1.0 + (age / 8.0) ** 2) - 0.002 * max(age - 50.0, 0.0))


class _Day:
    """Lays out states and procedures from the start of the recording."""

    def __init__(self, rng: np.random.Generator, duration: float):
        self.rng, self.duration = rng, duration
        self.segments: list[Segment] = []
        self.procedures: list[Procedure] = []

    def state(self, start: float, end: float, name: str) -> float:
        end = min(end, self.duration)
        if end > start:
            if self.segments and self.segments[-1].state == name:
                self.segments[-1].end = round(end, 3)
            else:
                self.segments.append(Segment(round(start, 3), round(end, 3), name))
        return end

    def resting(self, start: float, end: float) -> float:
        """Eyes closed, opened on request for 4-9 s every 20-45 s."""
        t, end = start, min(end, self.duration)
        while t < end:
            t = self.state(t, min(end, t + float(self.rng.uniform(20, 45))), "eyes_closed")
            if t < end - 5:
                t = self.state(t, min(end, t + float(self.rng.uniform(4, 9))), "eyes_open")
        return end

    def photic(self, start: float, budget: float, responds: bool) -> float:
        """Flash trains of 8 s, 4 s apart, eyes closed, rising through the rates."""
        t = start
        for rate in _PHOTIC_RATES:
            if t + 8 > start + budget or t + 8 > self.duration - 2:
                break
            driven = responds and 4 <= rate <= 20 and self.rng.random() < 0.8
            self.procedures.append(Procedure("photic", round(t, 3), round(t + 8, 3), rate, driven))
            t += 12.0
        return self.state(start, t, "eyes_closed")

    def hyperventilation(self, start: float, length: float, responds: bool) -> float:
        end = self.state(start, start + length, "eyes_closed")
        self.procedures.append(Procedure("hv", round(start, 3), round(end, 3), 0.0, responds))
        return end


def _timeline(rng: np.random.Generator, duration: float, condition: str, age: float) -> _Day:
    day = _Day(rng, duration)
    if condition in _STATE_OF:
        day.state(0.0, duration, _STATE_OF[condition])
        return day
    long_enough = duration >= 60
    photic = long_enough and rng.random() < 0.6
    hv = long_enough and rng.random() < 0.55
    sleeps = long_enough and rng.random() < (0.35 if condition == "normal" else 0.45)
    t = day.resting(0.0, max(12.0, 0.25 * duration))
    if photic:
        t = day.photic(t, float(np.clip(0.25 * duration, 25, 160)), rng.random() < 0.65)
        t = day.resting(t, t + min(8.0, duration - t))
    if hv and duration - t > 40:
        length = float(np.clip(0.2 * duration, 20, 180))
        t = day.hyperventilation(t, length, rng.random() < (0.7 if age < 20 else 0.15))
        t = day.resting(t, t + float(np.clip(0.08 * duration, 10, 45)))
    if sleeps and duration - t >= 30:
        drowsy = float(rng.uniform(15, 40))
        if duration - t - drowsy < 15:
            drowsy = duration - t
        t = day.state(t, t + drowsy, "drowsy")
        day.state(t, duration, "n2")
    else:
        day.resting(t, duration)
    return day


def _poisson(
    rng: np.random.Generator, segments: list[Segment], per_minute: dict[str, float], gap: float
) -> list[float]:
    """Event times at a rate per state, none within ``gap`` s of the last kept or an edge."""
    times: list[float] = []
    for s in segments:
        rate = per_minute.get(s.state, 0.0) / 60.0
        t = s.start
        while rate > 0:
            t += float(rng.exponential(1.0 / rate))
            if t >= s.end:
                break
            times.append(t)
    kept: list[float] = []
    end = segments[-1].end
    for t in sorted(times):
        if t > 0.6 and t < end - 1.2 and (not kept or t - kept[-1] >= gap):
            kept.append(round(t, 3))
    return kept


def _overlaps(t: float, length: float, busy: list[list[float]], margin: float) -> bool:
    return any(t - margin < b and t + length + margin > a for a, b in busy)


def _freeze(segments: list[Segment], a: float, b: float) -> list[Segment]:
    """``segments`` with the state at ``a`` held until ``b`` (equal neighbours merged)."""
    held = next(s.state for s in segments if s.start <= a < s.end)
    pieces = [(s.start, min(s.end, a), s.state) for s in segments if s.start < a]
    pieces.append((a, b, held))
    pieces += [(max(s.start, b), s.end, s.state) for s in segments if s.end > b]
    out: list[Segment] = []
    for start, end, state in pieces:
        if end <= start:
            continue
        if out and out[-1].state == state:
            out[-1].end = round(end, 3)
        else:
            out.append(Segment(round(start, 3), round(end, 3), state))
    return out


class _Findings:
    """Collects the findings and events of one recording."""

    def __init__(self, rng: np.random.Generator, duration: float, segments, scale: float):
        self.rng, self.duration, self.segments, self.scale = rng, duration, segments, scale
        self.findings: list[Finding] = []
        self.events: list[Event] = []
        self.busy: list[list[float]] = []
        #: Seizure and postictal stretches: no blinks or sleep graphoelements there.
        self.quiet: list[list[float]] = []
        self.focal_slowing: dict = {}
        self.attenuation: dict = {}
        self.bursts: list[list[float]] = []

    def add(self, name, location, electrodes, intervals, **detail) -> None:
        if intervals:
            self.findings.append(Finding(name, location, list(electrodes), intervals, detail))

    def _place(
        self, length: float, margin: float, avoid: list[list[float]] | None = None
    ) -> float | None:
        for _ in range(40):
            low, high = margin, self.duration - length - margin
            if high <= low:
                return None
            t = float(self.rng.uniform(low, high))
            if not _overlaps(t, length, self.busy + (avoid or []), 4.0):
                return t
        return None

    def _calm(self, times: list[float]) -> list[float]:
        """``times`` outside the seizure and postictal stretches."""
        return [t for t in times if not _overlaps(t, 0.0, self.quiet, 1.0)]

    def seizure(self, site: str, procedures: list[Procedure]) -> None:
        """A seizure away from the procedures where it fits; else anywhere, and the
        procedures it would overlap are not done."""
        rng = self.rng
        high = min(100.0, 0.4 * self.duration)
        length = float(rng.uniform(min(25.0, 0.5 * high), high))
        postictal = float(rng.uniform(15, 45))
        margin = min(20.0, 0.12 * self.duration)
        done = [[p.start, p.end + HV_FADE] for p in procedures]
        onset = self._place(length + 0.5 * postictal, margin, done)
        if onset is None:
            onset = self._place(length + 0.5 * postictal, margin)
            if onset is not None:
                procedures[:] = [
                    p for p in procedures
                    if not _overlaps(onset, length + postictal, [[p.start, p.end + HV_FADE]], 4.0)
                ]  # fmt: skip
        if onset is None or length < 5:
            return
        # The patient's state holds through the seizure and its postictal period.
        self.segments = _freeze(
            self.segments, onset, min(onset + length + postictal, self.duration)
        )
        spread = str(rng.choice(["regional", "hemispheric", "generalized"], p=[0.35, 0.35, 0.3]))
        start_hz, end_hz = float(rng.uniform(6.0, 11.0)), float(rng.uniform(2.0, 3.8))
        self.events.append(
            Event(
                "seizure",
                round(onset, 3),
                round(length, 3),
                float(rng.uniform(90, 190) * self.scale),
                tuple(REGIONS[site]),
                {
                    "site": site,
                    "spread": spread,
                    "start_hz": start_hz,
                    "end_hz": end_hz,
                    "spread_after": float(rng.uniform(0.15, 0.4) * length),
                    "postictal": postictal,
                },
            )
        )
        self.busy.append([onset, onset + length + postictal])
        self.quiet.append([onset, onset + length + postictal])
        self.add(
            "seizure",
            site,
            REGIONS[site],
            [[round(onset, 3), round(onset + length, 3)]],
            spread=spread,
            start_hz=round(start_hz, 1),
            end_hz=round(end_hz, 1),
        )

    def spikes(self, site: str) -> None:
        rng = self.rng
        per_minute = {"eyes_closed": 2.0, "eyes_open": 1.2, "drowsy": 4.5, "n2": 6.0}
        per_minute["obtunded"] = 2.5
        boost = float(rng.lognormal(0.0, 0.4))
        times = _poisson(rng, self.segments, {k: v * boost for k, v in per_minute.items()}, 1.2)
        times = [t for t in times if not _overlaps(t, SPIKE_SPAN, self.busy, 1.0)]
        if not times:
            t = self._place(SPIKE_SPAN, 2.0)
            times = [round(t, 3)] if t is not None else []
        sharp = bool(rng.random() < 0.4)
        for t in times:
            rise = float(rng.uniform(0.025, 0.045) if sharp else rng.uniform(0.008, 0.02))
            self.events.append(
                Event(
                    "spike",
                    t,
                    SPIKE_SPAN,
                    float(rng.uniform(60, 190) * min(self.scale, 1.3)),
                    tuple(REGIONS[site]),
                    {
                        "site": site,
                        "rise": rise,
                        "slow": float(rng.uniform(0.15, 0.25)),
                        "kappa": float(rng.uniform(7, 12)),
                    },
                )
            )
        self.add(
            "focal_epileptiform",
            site,
            REGIONS[site],
            [[t, round(t + SPIKE_SPAN, 3)] for t in times],
            morphology="sharp waves" if sharp else "spikes",
            maximum=MAXIMUM[site],
        )

    def spike_wave(self, hv: list[list[float]]) -> None:
        rng = self.rng
        start_hz = float(rng.uniform(3.0, 4.0))
        end_hz = float(rng.uniform(2.5, min(3.0, start_hz - 0.2)))
        intervals = []
        for _ in range(max(1, int(rng.poisson(1.2 * self.duration / 60.0)))):
            length = float(rng.uniform(1.5, 10.0))
            t = self._place(length, 2.0)
            if t is not None:
                intervals.append([round(t, 3), round(t + length, 3)])
                self.busy.append([t, t + length])
        for a, b in hv:  # overbreathing provokes a longer run late in the procedure
            length = float(rng.uniform(5.0, 12.0))
            if b - a > length + 10:
                t = float(rng.uniform(a + 0.5 * (b - a - length), b - length))
                if not _overlaps(t, length, self.busy, 2.0):
                    intervals.append([round(t, 3), round(t + length, 3)])
                    self.busy.append([t, t + length])
        intervals.sort()
        for a, b in intervals:
            self.events.append(
                Event(
                    "spike_wave",
                    a,
                    round(b - a, 3),
                    float(rng.uniform(140, 260) * min(self.scale, 1.4)),
                    tuple(BIFRONTAL),
                    {"start_hz": start_hz, "end_hz": end_hz, "polyspike": float(rng.random())},
                )
            )
        self.add(
            "generalized_spike_wave",
            "generalized",
            BIFRONTAL,
            intervals,
            frequency=round(start_hz, 1),
            end_hz=round(end_hz, 1),
        )

    def periodic(self, name: str, site: str) -> None:
        rng = self.rng
        rate = float(rng.uniform(0.5, 2.0) if name == "lpd" else rng.uniform(1.0, 2.5))
        electrodes = REGIONS[site] if name == "lpd" else BIFRONTAL
        triphasic = name == "gpd" and rng.random() < 0.6
        self.events.append(
            Event(
                "periodic",
                0.0,
                float(self.duration),
                float(rng.uniform(70, 160) * min(self.scale, 1.3)),
                tuple(electrodes),
                {
                    "site": site if name == "lpd" else "",
                    "rate": rate,
                    "jitter": float(rng.uniform(0.03, 0.1)),
                    "width": float(rng.uniform(0.25, 0.45) if triphasic else rng.uniform(0.1, 0.2)),
                    "triphasic": triphasic,
                },
            )
        )
        self.add(
            name,
            site if name == "lpd" else "generalized",
            electrodes,
            [[0.0, float(self.duration)]],
            frequency=round(rate, 1),
            triphasic=triphasic,
        )

    def burst_suppression(self) -> None:
        rng = self.rng
        t, bursts = float(rng.uniform(0.5, 4.0)), []
        while t < self.duration - 1.5:
            end = min(t + float(rng.uniform(1.0, 4.0)), float(self.duration))
            bursts.append([round(t, 3), round(end, 3)])
            t = end + float(rng.lognormal(np.log(5.0), 0.4))
        self.bursts = bursts
        gaps = [b[0] - a[1] for a, b in zip(bursts, bursts[1:], strict=False)]
        self.add(
            "burst_suppression",
            "generalized",
            SCALP,
            bursts,
            median_gap_s=round(float(np.median(gaps)), 1) if gaps else 0.0,
        )

    def focal_slowing_at(self, site: str) -> None:
        rng = self.rng
        continuous = bool(rng.random() < 0.45)
        if continuous:
            intervals = [[0.0, float(self.duration)]]
        else:
            intervals, t = [], float(rng.uniform(0.5, 6))
            while t < self.duration - 3:
                end = min(t + float(rng.uniform(4, 15)), float(self.duration))
                intervals.append([round(t, 3), round(end, 3)])
                t = end + float(rng.uniform(4, 14))
        self.focal_slowing = {
            "site": site,
            "intervals": intervals,
            "rate": float(rng.uniform(1.3, 2.2)),
            "amplitude": float(rng.uniform(45, 80) * self.scale),
            "kappa": float(rng.uniform(4, 7)),
        }
        self.add("focal_slowing", site, REGIONS[site], intervals, continuous=continuous)

    def attenuate(self, site: str) -> None:
        factor = float(self.rng.uniform(0.2, 0.45))
        self.attenuation = {"site": site, "factor": factor}
        self.add(
            "focal_attenuation",
            site,
            REGIONS[site],
            [[0.0, float(self.duration)]],
            factor=round(factor, 2),
        )

    def sleep(self) -> None:
        rng = self.rng
        vertex = self._calm(_poisson(rng, self.segments, {"drowsy": 4.0, "n2": 2.5}, 2.5))
        spindles = self._calm(_poisson(rng, self.segments, {"n2": 7.0}, 2.5))
        complexes = self._calm(_poisson(rng, self.segments, {"n2": 2.5}, 5.0))
        for t in spindles:
            self.events.append(
                Event(
                    "spindle",
                    t,
                    float(rng.uniform(0.6, 1.6)),
                    float(rng.uniform(25, 45) * self.scale),
                    tuple(VERTEX),
                    {"frequency": float(rng.uniform(12.0, 14.5))},
                )
            )
        for t in complexes:
            self.events.append(
                Event(
                    "k_complex",
                    t,
                    1.2,
                    float(rng.uniform(90, 170) * self.scale),
                    ("Fz", "Cz"),
                    {"width": float(rng.uniform(0.45, 0.7))},
                )
            )
        for t in vertex:
            if any(abs(t - c) < 1.5 for c in complexes):
                continue
            self.events.append(
                Event(
                    "vertex",
                    t,
                    0.5,
                    float(rng.uniform(60, 120) * self.scale),
                    ("Cz",),
                    {"width": float(rng.uniform(0.12, 0.2))},
                )
            )
        stages = sorted({s.state for s in self.segments if s.state in ("drowsy", "n2")})
        self.add(
            "sleep",
            "generalized",
            VERTEX,
            [[s.start, s.end] for s in self.segments if s.state in ("drowsy", "n2")],
            stages=stages,
            spindles=bool(spindles),
            k_complexes=bool(complexes),
            vertex_waves=any(e.kind == "vertex" for e in self.events),
        )

    def artifacts(self, awake: bool) -> None:
        """Blinks, eye movements, muscle, pops and sweat; one artifact finding per kind and
        place for the last three. Eye potentials are drawn but are not the finding, as in the
        knowledge base's definition (artifact that limits reading) and the first two families."""
        rng = self.rng
        found: dict[tuple[str, str], tuple[list[str], list[list[float]]]] = {}

        def note(kind: str, location: str, sites: list[str], t: float, length: float) -> None:
            entry = found.setdefault((kind, location), (sites, []))
            entry[1].append([round(t, 3), round(min(t + length, self.duration), 3)])

        if awake:
            blinks = _poisson(rng, self.segments, {"eyes_open": 14.0, "eyes_closed": 0.8}, 1.0)
            for t in self._calm(blinks):
                length = float(rng.uniform(0.3, 0.5))
                self.events.append(
                    Event("blink", t, length, float(rng.uniform(90, 200)), ("Fp1", "Fp2"))
                )
            for t in self._calm(
                _poisson(rng, self.segments, {"eyes_open": 5.0, "drowsy": 2.0}, 2.0)
            ):
                hold = float(rng.uniform(0.3, 1.0))
                self.events.append(
                    Event(
                        "saccade",
                        t,
                        round(hold + 0.2, 3),
                        float(rng.uniform(40, 110)) * (1 if rng.random() < 0.5 else -1),
                        ("F7", "F8"),
                    )
                )
            if rng.random() < 0.45:
                rates = {"eyes_open": 1.2, "eyes_closed": 0.5, "drowsy": 0.2}
                for t in _poisson(rng, self.segments, rates, 4.0):
                    side = str(rng.choice(["left", "right", "bilateral"]))
                    sites = {"left": ["F7", "T3"], "right": ["F8", "T4"]}.get(
                        side, ["F7", "T3", "F8", "T4"]
                    )
                    length = float(rng.uniform(0.6, 2.5))
                    self.events.append(
                        Event("muscle", t, length, float(rng.uniform(20, 60)), tuple(sites))
                    )
                    location = "bitemporal" if side == "bilateral" else f"{side} temporal"
                    note("muscle", location, sites, t, length)
            if rng.random() < 0.12 and self.duration >= 40:
                sites = [
                    str(x) for x in rng.choice(["Fp1", "Fp2", "F7", "F8", "T3", "T4"], 2, False)
                ]
                length = float(min(rng.uniform(10, 40), self.duration - 4))
                t = float(rng.uniform(1, self.duration - length - 1))
                self.events.append(
                    Event(
                        "sweat",
                        round(t, 3),
                        round(length, 3),
                        float(rng.uniform(30, 70)),
                        tuple(sites),
                    )
                )
                note("sweat", "/".join(sites), sites, t, length)
        if rng.random() < 0.3:
            site = str(rng.choice(["T3", "T4", "O1", "O2", "C3", "C4", "P3", "P4", "F3"]))
            for _ in range(int(rng.integers(1, 4))):
                t = round(float(rng.uniform(1, self.duration - 2)), 3)
                size = float(rng.uniform(80, 250)) * (1 if rng.random() < 0.5 else -1)
                self.events.append(Event("pop", t, 0.8, size, (site,)))
                note("electrode pop", site, [site], t, 0.8)
        for (kind, location), (sites, intervals) in found.items():
            self.add("artifact", location, sites, sorted(intervals), type=kind)


def _pick_findings(rng: np.random.Generator, condition: str, allowed: set[str] | None) -> set[str]:
    """The patient's condition and the companions that often go with it (where allowed)."""
    companions = {
        "focal_epileptiform": (("focal_slowing", 0.35),),
        "seizure": (("focal_epileptiform", 0.45),),
        "focal_slowing": (("focal_epileptiform", 0.15), ("focal_attenuation", 0.15)),
        "focal_attenuation": (("focal_slowing", 0.35),),
        "lpd": (("generalized_slowing", 1.0),),  # obtunded: the background is diffusely slow
        "gpd": (("generalized_slowing", 1.0),),
        "generalized_slowing": (("excess_beta", 0.2),),
    }.get(condition, ())
    chosen = {condition}
    for name, p in companions:
        if rng.random() < p and (allowed is None or name in allowed):
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
) -> AtomSpec:
    """Draw one recording of ``patient``: states, findings, events and atom parameters."""
    duration = int(round(duration_s))
    sfreq = int(rng.choice(SAMPLING_RATES)) if sfreq is None else sfreq
    naming = str(rng.choice(NAMINGS)) if naming is None else naming
    reference = str(rng.choice(REFERENCES)) if reference is None else reference
    condition, site = patient.condition, patient.region
    chosen = _pick_findings(rng, condition, allowed)
    day = _timeline(rng, duration, condition, patient.age)
    scale = voltage_for_age(patient.age) * float(rng.lognormal(0.0, 0.12))
    found = _Findings(rng, duration, day.segments, scale)

    pdr = alpha_frequency(patient.age, rng)
    slowing, beta = 1.0, 0.0
    if "generalized_slowing" in chosen:
        pdr = round(float(rng.uniform(5.5, 7.5)), 1)
        slowing = float(rng.uniform(3.0, 5.0))
        found.add("generalized_slowing", "generalized", SCALP, [[0.0, float(duration)]], pdr=pdr)
    if "excess_beta" in chosen:
        beta = float(rng.uniform(20.0, 40.0))
        found.add(
            "excess_beta", "frontocentral", ["F3", "F4", "Fz", "C3", "C4", "Cz"],
            [[0.0, float(duration)]],
        )  # fmt: skip
    hv = [[p.start, p.end] for p in day.procedures if p.kind == "hv"]
    if "burst_suppression" in chosen:
        found.burst_suppression()
    if "seizure" in chosen:
        found.seizure(site, day.procedures)
    if "generalized_spike_wave" in chosen:
        found.spike_wave(hv)
    for name in ("lpd", "gpd"):
        if name in chosen:
            found.periodic(name, site)
    if "focal_epileptiform" in chosen:
        found.spikes(site if not site.endswith("hemisphere") else site.split()[0] + " temporal")
    if "focal_slowing" in chosen:
        found.focal_slowing_at(site)
    if "focal_attenuation" in chosen:
        found.attenuate(site)
    if any(s.state in ("drowsy", "n2") for s in found.segments):
        found.sleep()
    for p in day.procedures:
        if p.kind == "hv" and p.response:
            found.add(
                "hyperventilation_response", "generalized", ["Fp1", "Fp2", "F3", "F4", "Fz"],
                [[round(p.start + HV_ONSET * (p.end - p.start), 3), min(p.end + HV_FADE, duration)]],
            )  # fmt: skip
    driven = [[p.start, p.end] for p in day.procedures if p.kind == "photic" and p.response]
    found.add("photic_driving", "occipital", ["O1", "O2"], driven)
    found.artifacts(condition not in _STATE_OF)
    if not any(f.name in ABNORMAL for f in found.findings):
        found.findings.insert(0, Finding("normal", "", [], [[0.0, float(duration)]], {}))

    names = {f.name for f in found.findings}
    start = dt.datetime(2022, 3, 1, 8) + dt.timedelta(
        days=int(rng.integers(0, 900)), minutes=int(rng.integers(0, 9 * 60))
    )
    return AtomSpec(
        recording_id=recording_id,
        patient=patient,
        sfreq=sfreq,
        duration_s=duration,
        naming=naming,
        reference=reference,
        start=start,
        clinical=clinical_context(rng, condition, names, "sleep" in names),
        pdr_frequency=pdr,
        heart_rate=float(rng.uniform(58, 96) if patient.age > 14 else rng.uniform(78, 125)),
        line_frequency=60.0 if rng.random() < 0.55 else 50.0,
        with_ekg=bool(rng.random() < 0.75),
        with_photic=any(p.kind == "photic" for p in day.procedures),
        segments=found.segments,
        procedures=day.procedures,
        findings=found.findings,
        events=found.events,
        background={
            "hurst": float(rng.uniform(0.7, 0.95)),
            "scale": scale,
            "slowing": slowing,
            "beta": beta,
            "alpha_kappa": float(rng.uniform(3.0, 5.0)),
            "mu": bool(rng.random() < 0.3) and condition not in _STATE_OF,
            "asymmetry": float(rng.uniform(0.85, 1.1)),
        },
        focal_slowing=found.focal_slowing,
        attenuation=found.attenuation,
        bursts=found.bursts,
    )
