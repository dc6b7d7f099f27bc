"""What a synthetic recording holds: the patient, the states, the procedures, the findings and
every discrete event, drawn from a random generator before a single sample is rendered.

A :class:`RecordingSpec` is plain data (picklable, JSON-friendly); :func:`sample_spec` draws one
that is clinically coherent: findings fit the patient's condition, medications fit the
findings, activation procedures are done when a technologist would do them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from elm_desktop.synth.electrodes import NAMING_STYLES, REGIONS, SCALP
from elm_desktop.synth.heart_rhythm import HeartRhythm

#: The shared finding vocabulary (ground truth, knowledge base, evaluation and GUI use these ids).
FINDINGS: tuple[str, ...] = (
    "normal",
    "generalized_slowing",
    "focal_slowing",
    "focal_epileptiform",
    "generalized_spike_wave",
    "lpd",
    "gpd",
    "seizure",
    "burst_suppression",
    "focal_attenuation",
    "excess_beta",
    "photic_driving",
    "hyperventilation_response",
    "sleep",
    "artifact",
)

#: Findings that make a record abnormal.
ABNORMAL: frozenset[str] = frozenset(
    {
        "generalized_slowing",
        "focal_slowing",
        "focal_epileptiform",
        "generalized_spike_wave",
        "lpd",
        "gpd",
        "seizure",
        "burst_suppression",
        "focal_attenuation",
        "excess_beta",
    }
)

#: Findings a normal record may carry (state, activation responses, artifacts).
BENIGN: tuple[str, ...] = ("sleep", "photic_driving", "hyperventilation_response", "artifact")

SAMPLING_RATES: tuple[int, ...] = (250, 256, 500)

#: Default share of each primary finding in a corpus.
DEFAULT_MIX: dict[str, float] = {
    "normal": 0.33,
    "focal_epileptiform": 0.12,
    "generalized_spike_wave": 0.06,
    "focal_slowing": 0.08,
    "generalized_slowing": 0.10,
    "lpd": 0.04,
    "gpd": 0.04,
    "seizure": 0.06,
    "burst_suppression": 0.03,
    "focal_attenuation": 0.06,
    "excess_beta": 0.08,
}

#: Regions where a focal process can sit, by how often each is drawn.
FOCAL_REGIONS: dict[str, float] = {
    "left temporal": 0.22,
    "right temporal": 0.22,
    "left frontal": 0.08,
    "right frontal": 0.08,
    "left frontotemporal": 0.08,
    "right frontotemporal": 0.08,
    "left centrotemporal": 0.05,
    "right centrotemporal": 0.05,
    "left parietal": 0.03,
    "right parietal": 0.03,
    "left occipital": 0.03,
    "right occipital": 0.03,
    "left temporo-occipital": 0.01,
    "right temporo-occipital": 0.01,
}

#: Brain states; each segment of a recording is in one of them.
STATES: tuple[str, ...] = ("eyes_closed", "eyes_open", "drowsy", "n2", "n3", "obtunded", "coma")


@dataclass
class Patient:
    """A synthetic patient: the condition underlies every recording of this patient."""

    patient_id: str
    age: float
    sex: str
    condition: str
    region: str
    split: str = "train"


@dataclass
class Segment:
    """A stretch of the recording in one brain state."""

    start: float
    end: float
    state: str


@dataclass
class Procedure:
    """An activation procedure: hyperventilation or one photic stimulation train."""

    kind: str
    start: float
    end: float
    frequency: float = 0.0
    response: bool = False


@dataclass
class Event:
    """A discrete waveform: onset and duration in seconds, peak amplitude in microvolts.

    ``centers`` are the electrodes where the event's field is largest; ``params`` holds what
    its renderer needs (frequencies, field width, a seed for its irregularity).
    """

    kind: str
    onset: float
    duration: float
    amplitude: float
    centers: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)


@dataclass
class Finding:
    """A ground-truth finding: vocabulary id, location, electrodes and intervals (seconds)."""

    name: str
    location: str
    electrodes: list[str]
    intervals: list[list[float]]
    detail: dict = field(default_factory=dict)


@dataclass
class Clinical:
    """What the referring clinician and the technologist tell the reader."""

    indication: str
    history: str
    medications: list[str]
    study: str


@dataclass
class RecordingSpec:
    """Everything needed to render one recording and write its report."""

    recording_id: str
    patient: Patient
    sfreq: int
    duration_s: int
    naming: str
    start: dt.datetime
    clinical: Clinical
    pdr_frequency: float
    amplitude_scale: float
    beta_gain: float
    slowing_gain: float
    heart_rate: float
    line_frequency: float
    with_ekg: bool
    with_photic: bool
    segments: list[Segment]
    procedures: list[Procedure]
    findings: list[Finding]
    events: list[Event]
    attenuation: dict[str, float] = field(default_factory=dict)
    focal_delta: list[dict] = field(default_factory=list)
    #: The EKG channel's rhythm (:mod:`elm_desktop.synth.heart_rhythm`); None keeps the plain
    #: sinus train at ``heart_rate``.
    heart_rhythm: HeartRhythm | None = None

    @property
    def abnormal(self) -> bool:
        """Whether any finding makes the record abnormal."""
        return any(f.name in ABNORMAL for f in self.findings)

    def finding(self, name: str) -> Finding | None:
        """Return the first finding with this vocabulary id, or None."""
        return next((f for f in self.findings if f.name == name), None)

    def states_present(self) -> set[str]:
        """Return the set of brain states that occur in the recording."""
        return {segment.state for segment in self.segments}


# --------------------------------------------------------------------------------------------
# Patients
# --------------------------------------------------------------------------------------------

_CONDITION_AGES: dict[str, tuple[float, float]] = {
    "generalized_spike_wave": (4, 30),
    "generalized_slowing": (45, 92),
    "gpd": (55, 92),
    "lpd": (40, 90),
    "burst_suppression": (18, 85),
}


def sample_patient(rng: np.random.Generator, patient_id: str, condition: str) -> Patient:
    """Draw a patient whose age suits the condition (the primary finding of their records)."""
    low, high = _CONDITION_AGES.get(condition, (2, 90))
    if condition in _CONDITION_AGES:
        age = rng.uniform(low, high)
    elif rng.random() < 0.2:
        age = rng.uniform(2, 18)
    else:
        age = rng.uniform(18, 90)
    region_names = list(FOCAL_REGIONS)
    probabilities = np.array(list(FOCAL_REGIONS.values()))
    region = region_names[rng.choice(len(region_names), p=probabilities / probabilities.sum())]
    if condition == "focal_epileptiform" and age < 13 and rng.random() < 0.6:
        region = rng.choice(["left centrotemporal", "right centrotemporal"])
    if condition == "lpd":
        region = rng.choice(["left hemisphere", "right hemisphere", str(region)])
    return Patient(
        patient_id=patient_id,
        age=round(float(age), 1),
        sex=str(rng.choice(["M", "F"])),
        condition=condition,
        region=str(region),
    )


# --------------------------------------------------------------------------------------------
# Timeline: states and activation procedures
# --------------------------------------------------------------------------------------------


def _awake_segments(
    rng: np.random.Generator, start: float, end: float, open_share: float
) -> list[Segment]:
    """Alternate eyes closed and eyes open as a technologist asks during a routine study."""
    segments = []
    t = start
    closed = True
    while t < end - 1e-9:
        length = rng.uniform(20, 60) if closed else rng.uniform(5, 15) * open_share / 0.25
        stop = min(end, t + length)
        if end - stop < 4:
            stop = end
        segments.append(Segment(t, stop, "eyes_closed" if closed else "eyes_open"))
        t = stop
        closed = not closed
    return segments


def _sleep_segments(
    rng: np.random.Generator, start: float, end: float, deep: bool
) -> list[Segment]:
    drowsy = min(end - start, rng.uniform(40, 150))
    segments = [Segment(start, start + drowsy, "drowsy")]
    t = start + drowsy
    while t < end - 1e-9:
        length = rng.uniform(120, 600)
        state = "n3" if deep and rng.random() < 0.35 else "n2"
        stop = min(end, t + length)
        if end - stop < 10:
            stop = end
        segments.append(Segment(t, stop, state))
        t = stop
    return segments


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if segment.end - segment.start <= 0:
            continue
        if merged and merged[-1].state == segment.state:
            merged[-1].end = segment.end
        else:
            merged.append(Segment(segment.start, segment.end, segment.state))
    return merged


def _routine_timeline(
    rng: np.random.Generator, duration: float, age: float, sleep: bool, activations: bool
) -> tuple[list[Segment], list[Procedure]]:
    """States and procedures of a routine (or long-term) outpatient recording."""
    procedures: list[Procedure] = []
    if duration > 3600:
        return _long_term_timeline(rng, duration), procedures
    sleep_start = duration * rng.uniform(0.55, 0.75) if sleep and duration >= 240 else duration
    awake = _awake_segments(rng, 0.0, sleep_start, open_share=0.25)
    t = duration * rng.uniform(0.2, 0.3)
    if activations and age >= 4 and duration >= 360 and rng.random() < 0.75:
        length = min(180.0, duration * 0.15)
        procedures.append(Procedure("hv", t, t + length))
        t += length + min(60.0, duration * 0.05)
    if activations and duration >= 240 and rng.random() < 0.8:
        train, gap = (10.0, 5.0) if duration >= 600 else (6.0, 3.0)
        frequencies = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 25, 30]
        for frequency in frequencies:
            if t + train > sleep_start - 5:
                break
            procedures.append(Procedure("photic", t, t + train, float(frequency)))
            t += train + gap
    segments = awake + (
        _sleep_segments(rng, sleep_start, duration, False) if sleep_start < duration else []
    )
    segments = _keep_eyes_closed(segments, procedures)
    return _merge(segments), procedures


def _keep_eyes_closed(segments: list[Segment], procedures: list[Procedure]) -> list[Segment]:
    """Hyperventilation and photic stimulation are done with the eyes closed."""
    if not procedures:
        return segments
    start = min(p.start for p in procedures) - 2
    end = max(p.end for p in procedures) + 2
    out: list[Segment] = []
    for segment in segments:
        if segment.state != "eyes_open" or segment.end <= start or segment.start >= end:
            out.append(segment)
            continue
        if segment.start < start:
            out.append(Segment(segment.start, start, "eyes_open"))
        out.append(Segment(max(segment.start, start), min(segment.end, end), "eyes_closed"))
        if segment.end > end:
            out.append(Segment(end, segment.end, "eyes_open"))
    return out


def _long_term_timeline(rng: np.random.Generator, duration: float) -> list[Segment]:
    """Day and night of an ambulatory or inpatient long-term recording."""
    segments: list[Segment] = []
    t = 0.0
    while t < duration:
        awake_length = rng.uniform(1800, 5400)
        segments += _awake_segments(rng, t, min(duration, t + awake_length), open_share=0.7)
        t += awake_length
        if t >= duration:
            break
        sleep_length = rng.uniform(2400, 6000)
        segments += _sleep_segments(rng, t, min(duration, t + sleep_length), deep=True)
        t += sleep_length
    return _merge(segments)


# --------------------------------------------------------------------------------------------
# Clinical context
# --------------------------------------------------------------------------------------------

_INDICATIONS: dict[str, list[str]] = {
    "normal": [
        "a first unprovoked seizure",
        "episodes of syncope",
        "chronic headaches",
        "spells of dizziness",
        "transient confusion",
        "staring spells reported by family",
        "a witnessed episode of shaking",
        "memory complaints",
        "paroxysmal events of unclear nature",
    ],
    "focal_epileptiform": [
        "focal seizures with impaired awareness",
        "episodes of lip smacking and unresponsiveness",
        "recurrent seizures",
        "epilepsy, follow-up on medication",
        "a generalized convulsion with a focal aura",
    ],
    "seizure": [
        "recurrent seizures",
        "episodes of unresponsiveness with automatisms",
        "breakthrough seizures",
        "possible nonconvulsive seizures",
    ],
    "generalized_spike_wave": [
        "staring spells",
        "absence seizures",
        "myoclonic jerks on awakening",
        "a generalized tonic-clonic seizure",
    ],
    "focal_slowing": [
        "a recent stroke",
        "a brain tumor",
        "head trauma",
        "focal weakness",
        "a subdural hematoma",
    ],
    "focal_attenuation": [
        "a subdural hematoma",
        "a prior stroke",
        "status post craniotomy",
    ],
    "generalized_slowing": [
        "altered mental status",
        "confusion",
        "encephalopathy",
        "dementia with fluctuating cognition",
        "hepatic encephalopathy",
    ],
    "gpd": [
        "altered mental status",
        "unresponsiveness",
        "renal failure with confusion",
        "sepsis with encephalopathy",
    ],
    "lpd": [
        "an acute stroke with altered mental status",
        "new focal seizures after stroke",
        "encephalitis",
        "decreased responsiveness after a hemorrhage",
    ],
    "burst_suppression": [
        "cardiac arrest",
        "refractory status epilepticus on anesthetic infusion",
        "coma",
        "anoxic brain injury",
    ],
    "excess_beta": [
        "anxiety with spells",
        "insomnia and spells",
        "paroxysmal events",
        "alcohol withdrawal with a seizure",
    ],
}

_HISTORY: dict[str, list[str]] = {
    "normal": ["No prior seizures.", "Normal MRI.", "Family history is negative.", ""],
    "focal_epileptiform": [
        "MRI showed mesial temporal sclerosis.",
        "Seizures since childhood.",
        "",
    ],
    "seizure": ["Last seizure yesterday.", "Seizure frequency has increased.", ""],
    "generalized_spike_wave": ["Teacher reports daydreaming.", "Normal development.", ""],
    "focal_slowing": ["CT showed a hypodensity.", "Hypertension and diabetes.", ""],
    "focal_attenuation": ["CT showed an extra-axial collection.", ""],
    "generalized_slowing": ["Urinary tract infection.", "Chronic kidney disease.", ""],
    "gpd": ["Elevated ammonia.", "Acute kidney injury.", ""],
    "lpd": ["CT showed an acute infarct.", "Intubated.", ""],
    "burst_suppression": ["Intubated and sedated.", "ROSC after 25 minutes.", ""],
    "excess_beta": ["History of anxiety.", ""],
}

ANTISEIZURE = ["levetiracetam", "lamotrigine", "carbamazepine", "lacosamide", "oxcarbazepine"]
GENERALIZED_ASM = ["valproic acid", "ethosuximide", "lamotrigine", "levetiracetam"]
BENZODIAZEPINES = ["lorazepam", "clonazepam", "diazepam", "alprazolam", "midazolam"]
SEDATIVES = ["propofol", "midazolam", "pentobarbital"]
OTHER_DRUGS = [
    "lisinopril",
    "metformin",
    "atorvastatin",
    "aspirin",
    "sertraline",
    "omeprazole",
    "amlodipine",
    "levothyroxine",
]


def _medications(rng: np.random.Generator, findings: set[str], condition: str) -> list[str]:
    meds: list[str] = []
    if findings & {"focal_epileptiform", "seizure", "lpd"} or condition in ("seizure",):
        meds += list(rng.choice(ANTISEIZURE, size=int(rng.integers(1, 3)), replace=False))
    if "generalized_spike_wave" in findings and rng.random() < 0.7:
        meds.append(str(rng.choice(GENERALIZED_ASM)))
    if "burst_suppression" in findings:
        meds += [str(rng.choice(SEDATIVES)), str(rng.choice(ANTISEIZURE))]
    if "excess_beta" in findings and not set(meds) & set(BENZODIAZEPINES + SEDATIVES):
        meds.append(str(rng.choice(BENZODIAZEPINES[:4] + ["phenobarbital"])))
    if rng.random() < 0.4:
        meds += list(rng.choice(OTHER_DRUGS, size=int(rng.integers(1, 3)), replace=False))
    return list(dict.fromkeys(str(m) for m in meds))


# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------

_SECONDARY: dict[str, dict[str, float]] = {
    "focal_epileptiform": {"focal_slowing": 0.4, "seizure": 0.15},
    "seizure": {"focal_epileptiform": 0.6, "focal_slowing": 0.3},
    "generalized_spike_wave": {},
    "focal_slowing": {"focal_attenuation": 0.2, "focal_epileptiform": 0.2},
    "generalized_slowing": {"gpd": 0.15, "excess_beta": 0.1},
    "lpd": {"focal_slowing": 0.6, "generalized_slowing": 0.3, "seizure": 0.1},
    "gpd": {"generalized_slowing": 1.0},
    "burst_suppression": {},
    "focal_attenuation": {"focal_slowing": 0.5},
    "excess_beta": {},
    "normal": {},
}

_UNRESPONSIVE = {"burst_suppression"}
_OBTUNDED = {"lpd", "gpd"}


def _choose_findings(
    rng: np.random.Generator, condition: str, allowed: set[str] | None
) -> set[str]:
    """The abnormal findings of one recording of a patient with this condition."""
    if condition not in ABNORMAL:
        return set()
    chosen = {condition}
    for name, probability in _SECONDARY[condition].items():
        if rng.random() < probability and (allowed is None or name in allowed):
            chosen.add(name)
    return chosen


def _region_electrodes(region: str) -> list[str]:
    return list(REGIONS[region])


def _random_intervals(
    rng: np.random.Generator, duration: float, share: float, low: float, high: float
) -> list[list[float]]:
    """Non-overlapping intervals of ``low``-``high`` s that cover about ``share`` of the record."""
    intervals: list[list[float]] = []
    t = rng.uniform(0, min(30.0, duration / 4))
    mean_length = (low + high) / 2
    mean_gap = mean_length * (1 - share) / max(share, 1e-3)
    while t < duration - low:
        length = min(rng.uniform(low, high), duration - t)
        intervals.append([round(t, 3), round(t + length, 3)])
        t += length + rng.exponential(mean_gap) + 1.0
    if not intervals:
        start = duration * 0.1
        intervals.append([round(start, 3), round(min(duration, start + high), 3)])
    return intervals


def _state_at(segments: list[Segment], t: float) -> str:
    for segment in segments:
        if segment.start <= t < segment.end:
            return segment.state
    return segments[-1].state


def _poisson_times(
    rng: np.random.Generator,
    segments: list[Segment],
    rate_per_min: dict[str, float],
    margin: float = 0.5,
) -> np.ndarray:
    """Event times of a Poisson process whose rate depends on the brain state."""
    times = []
    for segment in segments:
        rate = rate_per_min.get(segment.state, 0.0) / 60.0
        length = segment.end - segment.start
        if rate <= 0 or length <= 2 * margin:
            continue
        count = rng.poisson(rate * length)
        times.append(rng.uniform(segment.start + margin, segment.end - margin, count))
    return np.sort(np.concatenate(times)) if times else np.zeros(0)


def _spaced(times: np.ndarray, gap: float) -> np.ndarray:
    """Drop events closer than ``gap`` seconds to the previous kept one."""
    kept: list[float] = []
    for t in times:
        if not kept or t - kept[-1] >= gap:
            kept.append(float(t))
    return np.array(kept)


def _in_any(t: float, intervals: list[list[float]], pad: float = 0.0) -> bool:
    return any(a - pad <= t <= b + pad for a, b in intervals)


class _Builder:
    """Collects events and findings for one recording while its spec is drawn."""

    def __init__(self, rng: np.random.Generator, duration: float, segments: list[Segment]):
        self.rng = rng
        self.duration = duration
        self.segments = segments
        self.events: list[Event] = []
        self.findings: list[Finding] = []
        self.blocked: list[list[float]] = []

    def seed(self) -> int:
        return int(self.rng.integers(2**31))

    def add_finding(self, name, location, electrodes, intervals, **detail) -> None:
        if intervals:
            self.findings.append(Finding(name, location, list(electrodes), intervals, detail))

    def spikes(self, region: str, amplitude_scale: float) -> None:
        centers = tuple(_focus(region))
        rates = {"eyes_closed": 3, "eyes_open": 2, "drowsy": 6, "n2": 8, "n3": 6, "obtunded": 4}
        rate = self.rng.uniform(0.6, 1.8)
        times = _spaced(
            _poisson_times(self.rng, self.segments, {k: v * rate for k, v in rates.items()}), 0.6
        )
        times = [t for t in times if not _in_any(t, self.blocked, 1.0)]
        if not times and self.duration >= 10:
            times = [float(self.rng.uniform(2, self.duration - 2))]
        sharp = self.rng.random() < 0.4
        intervals = []
        for t in times:
            width = self.rng.uniform(0.025, 0.045) if sharp else self.rng.uniform(0.012, 0.022)
            self.events.append(
                Event(
                    "spike",
                    float(t),
                    0.45,
                    float(self.rng.uniform(70, 160) * amplitude_scale),
                    centers,
                    {"width": width, "field": 0.45, "wave": float(self.rng.uniform(0.3, 0.8))},
                )
            )
            intervals.append([round(float(t) - 0.05, 3), round(float(t) + 0.4, 3)])
        self.add_finding(
            "focal_epileptiform",
            region,
            _region_electrodes(region),
            intervals,
            morphology="sharp waves" if sharp else "spikes",
            focus=centers[0],
        )

    def seizures(self, region: str, amplitude_scale: float) -> None:
        count = 1 if self.duration < 1800 or self.rng.random() < 0.6 else 2
        intervals = []
        for _ in range(count):
            length = float(
                min(
                    self.rng.uniform(35, 110),
                    max(0.3 * self.duration, min(20.0, 0.6 * self.duration)),
                )
            )
            room = self.duration - length - 2
            if room <= min(5.0, 0.1 * self.duration):
                break
            for _attempt in range(20):
                onset = float(self.rng.uniform(min(5.0, 0.1 * self.duration), room))
                if not _in_any(onset, self.blocked, length + 30):
                    break
            postictal = float(min(self.rng.uniform(20, 60), self.duration - onset - length))
            spread = str(
                self.rng.choice(["hemisphere", "generalized", "regional"], p=[0.5, 0.3, 0.2])
            )
            self.events.append(
                Event(
                    "seizure",
                    onset,
                    length + postictal,
                    float(self.rng.uniform(90, 180) * amplitude_scale),
                    tuple(_focus(region)),
                    {
                        "ictal": length,
                        "f_start": float(self.rng.uniform(6.5, 10)),
                        "f_end": float(self.rng.uniform(2, 3.5)),
                        "side": "left" if region.startswith("left") else "right",
                        "spread": spread,
                        "seed": self.seed(),
                    },
                )
            )
            self.blocked.append([onset - 2, onset + length + postictal])
            intervals.append([round(onset, 3), round(onset + length, 3)])
        self.add_finding(
            "seizure",
            region,
            _region_electrodes(region),
            intervals,
            spread=spread if intervals else "",
        )

    def focal_slowing(self, region: str, continuous: bool) -> dict:
        intervals = (
            [[0.0, float(self.duration)]]
            if continuous
            else _random_intervals(self.rng, self.duration, self.rng.uniform(0.25, 0.5), 2, 12)
        )
        self.add_finding(
            "focal_slowing",
            region,
            _region_electrodes(region),
            intervals,
            continuous=continuous,
        )
        return {
            "centers": list(_focus(region)),
            "width": 0.55 if "hemisphere" not in region else 0.9,
            "amplitude": float(self.rng.uniform(18, 32)),  # RMS microvolts
            "intervals": intervals,
        }

    def spike_wave(self, amplitude_scale: float, procedures: list[Procedure]) -> None:
        rate = {"eyes_closed": 0.5, "eyes_open": 0.4, "drowsy": 0.9, "n2": 0.7, "n3": 0.3}
        times = list(_poisson_times(self.rng, self.segments, rate))
        for procedure in procedures:
            if procedure.kind == "hv" and self.rng.random() < 0.8:
                times.append(float(self.rng.uniform(procedure.start + 30, procedure.end - 5)))
        if not times:
            times = [float(self.rng.uniform(1, max(1.5, self.duration - 12)))]
        intervals = []
        for t in sorted(times):
            length = float(min(self.rng.uniform(2, 10), self.duration - t - 0.5))
            if length < 1.5 or _in_any(t, intervals, 12):
                continue
            self.events.append(
                Event(
                    "spike_wave",
                    float(t),
                    length,
                    float(self.rng.uniform(180, 320) * amplitude_scale),
                    ("Fz", "F3", "F4"),
                    {
                        "f_start": float(self.rng.uniform(3.0, 4.0)),
                        "f_end": float(self.rng.uniform(2.5, 3.0)),
                    },
                )
            )
            intervals.append([round(float(t), 3), round(float(t) + length, 3)])
        if not intervals:
            t, length = 0.2 * self.duration, min(4.0, 0.5 * self.duration)
            self.events.append(
                Event(
                    "spike_wave",
                    t,
                    length,
                    float(self.rng.uniform(180, 320) * amplitude_scale),
                    ("Fz", "F3", "F4"),
                    {"f_start": 3.5, "f_end": 3.0},
                )
            )
            intervals.append([round(t, 3), round(t + length, 3)])
        self.add_finding(
            "generalized_spike_wave",
            "generalized",
            ["Fp1", "Fp2", "F3", "F4", "Fz", "F7", "F8", "C3", "C4", "Cz"],
            intervals,
            frequency=3.0,
        )

    def periodic(self, name: str, region: str, amplitude_scale: float) -> None:
        continuous = self.rng.random() < 0.5
        intervals = (
            [[0.0, float(self.duration)]]
            if continuous
            else _random_intervals(self.rng, self.duration, self.rng.uniform(0.4, 0.7), 20, 120)
        )
        frequency = float(
            self.rng.uniform(0.5, 1.5) if name == "lpd" else self.rng.uniform(1.0, 2.0)
        )
        generalized = name == "gpd"
        centers = ("Fz", "Cz", "F3", "F4") if generalized else tuple(_focus(region))
        for a, b in intervals:
            self.events.append(
                Event(
                    name,
                    float(a),
                    float(b - a),
                    float(self.rng.uniform(120, 250) * amplitude_scale),
                    centers,
                    {
                        "period": 1.0 / frequency,
                        "field": 0.7 if generalized else 0.6,
                        "triphasic": bool(generalized and self.rng.random() < 0.6),
                        "seed": self.seed(),
                    },
                )
            )
        location = "generalized" if generalized else region
        electrodes = (
            ["Fp1", "Fp2", "F3", "F4", "Fz", "C3", "C4", "Cz", "P3", "P4", "Pz"]
            if generalized
            else _region_electrodes(region)
        )
        self.add_finding(name, location, electrodes, intervals, frequency=round(frequency, 1))

    def bursts(self, amplitude_scale: float) -> None:
        t = float(self.rng.uniform(0.5, 3))
        intervals = []
        while t < self.duration - 1:
            length = float(min(self.rng.uniform(1, 3.5), self.duration - t))
            self.events.append(
                Event(
                    "burst",
                    t,
                    length,
                    float(self.rng.uniform(80, 180) * amplitude_scale),
                    ("Fz", "Cz"),
                    {"seed": self.seed()},
                )
            )
            intervals.append([round(t, 3), round(t + length, 3)])
            t += length + float(self.rng.uniform(3, 12))
        self.add_finding(
            "burst_suppression",
            "generalized",
            ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "O1", "O2"],
            intervals,
        )

    def artifacts(self, with_blinks: bool, force: bool = False) -> None:
        rng = self.rng
        blinks = _spaced(_poisson_times(rng, self.segments, {"eyes_open": 18, "drowsy": 2}), 1.0)
        # Blinks and eye movements are drawn but are not the `artifact` finding, which means
        # artifact-dominated stretches (muscle, electrodes), as the knowledge base defines it.
        if with_blinks:
            for t in blinks:
                self.events.append(
                    Event("blink", float(t), 0.5, float(rng.uniform(80, 200)), ("Fp1", "Fp2"))
                )
        movements = _poisson_times(rng, self.segments, {"eyes_open": 3, "drowsy": 4})
        for t in movements:
            kind = "slow_roving" if _state_at(self.segments, t) == "drowsy" else "saccade"
            self.events.append(
                Event(
                    "eye_movement",
                    float(t),
                    float(rng.uniform(0.6, 2.0) if kind == "saccade" else rng.uniform(2, 4)),
                    float(rng.uniform(40, 90)),
                    ("F7", "F8"),
                    {"direction": float(rng.choice([-1.0, 1.0])), "kind": kind},
                )
            )
        muscle = _poisson_times(
            rng, self.segments, {"eyes_open": 1.5, "eyes_closed": 0.6, "drowsy": 0.3}
        )
        if force and not muscle.size:
            muscle = np.array([0.5 * self.duration])
        sides = rng.choice(["left", "right"], size=muscle.size)
        for side in ("left", "right"):
            intervals = []
            for t in muscle[sides == side]:
                length = float(rng.uniform(0.5, 4))
                centers = ("F7", "T3") if side == "left" else ("F8", "T4")
                self.events.append(
                    Event(
                        "muscle",
                        float(t),
                        length,
                        float(rng.uniform(15, 45)),
                        centers,
                        {"seed": self.seed()},
                    )
                )
                intervals.append([round(float(t), 3), round(float(t) + length, 3)])
            self.add_finding(
                "artifact",
                f"{side} temporal",
                list(REGIONS[f"{side} temporal"]),
                intervals,
                type="muscle",
            )
        pops = _poisson_times(rng, self.segments, {state: 0.15 for state in STATES})
        for t in pops:
            electrode = str(rng.choice(SCALP))
            self.events.append(
                Event(
                    "pop",
                    float(t),
                    1.5,
                    float(rng.uniform(100, 300)) * float(rng.choice([-1, 1])),
                    (electrode,),
                    {"tau": float(rng.uniform(0.15, 0.5))},
                )
            )
            self.add_finding(
                "artifact",
                f"{electrode} electrode",
                [electrode],
                [[round(float(t), 3), round(float(t) + 1.0, 3)]],
                type="electrode pop",
            )

    def sleep_graphoelements(self, amplitude_scale: float) -> None:
        rng = self.rng
        vertex = _poisson_times(rng, self.segments, {"drowsy": 4, "n2": 3})
        for t in vertex:
            self.events.append(
                Event(
                    "vertex", float(t), 0.6, float(rng.uniform(60, 130) * amplitude_scale), ("Cz",)
                )
            )
        spindles = _spaced(_poisson_times(rng, self.segments, {"n2": 5, "n3": 1.5}), 3.0)
        for t in spindles:
            self.events.append(
                Event(
                    "spindle",
                    float(t),
                    float(rng.uniform(0.6, 1.6)),
                    float(rng.uniform(15, 35) * amplitude_scale),
                    ("Cz", "C3", "C4"),
                    {"frequency": float(rng.uniform(12, 14.5))},
                )
            )
        complexes = _spaced(_poisson_times(rng, self.segments, {"n2": 1.5}), 8.0)
        for t in complexes:
            self.events.append(
                Event(
                    "k_complex",
                    float(t),
                    1.2,
                    float(rng.uniform(90, 180) * amplitude_scale),
                    ("Fz", "Cz"),
                )
            )
        intervals = [
            [round(s.start, 3), round(s.end, 3)]
            for s in self.segments
            if s.state in ("drowsy", "n2", "n3")
        ]
        stages = sorted({s.state for s in self.segments if s.state in ("drowsy", "n2", "n3")})
        self.add_finding(
            "sleep",
            "generalized",
            ["Fz", "Cz", "C3", "C4"],
            intervals,
            stages=stages,
            vertex_waves=bool(vertex.size),
            spindles=bool(spindles.size),
            k_complexes=bool(complexes.size),
        )


def _focus(region: str) -> list[str]:
    """The electrode(s) where a focal process in ``region`` is maximal."""
    preferred = {
        "left temporal": ["T3"],
        "right temporal": ["T4"],
        "left frontal": ["F3"],
        "right frontal": ["F4"],
        "left frontotemporal": ["F7"],
        "right frontotemporal": ["F8"],
        "left centrotemporal": ["C3", "T3"],
        "right centrotemporal": ["C4", "T4"],
        "left parietal": ["P3"],
        "right parietal": ["P4"],
        "left occipital": ["O1"],
        "right occipital": ["O2"],
        "left temporo-occipital": ["T5"],
        "right temporo-occipital": ["T6"],
        "left hemisphere": ["T3", "C3"],
        "right hemisphere": ["T4", "C4"],
    }
    return preferred[region]


def normal_pdr(age: float, rng: np.random.Generator) -> float:
    """Posterior dominant rhythm frequency (Hz) of a healthy person of this age."""
    if age < 3:
        return float(rng.uniform(5.5, 7.0))
    if age < 6:
        return float(rng.uniform(7.5, 8.5))
    if age < 10:
        return float(rng.uniform(8.5, 9.5))
    if age < 70:
        return float(np.clip(rng.normal(10.0, 0.6), 8.8, 11.5))
    return float(rng.uniform(8.5, 10.0))


def _amplitude_scale(age: float) -> float:
    if age < 13:
        return 1.6
    if age < 18:
        return 1.25
    if age < 65:
        return 1.0
    return 0.85


def sample_spec(
    rng: np.random.Generator,
    recording_id: str,
    patient: Patient,
    duration_s: float,
    sfreq: int = 256,
    naming: str = "tuh",
    allowed: set[str] | None = None,
    abnormal: set[str] | None = None,
) -> RecordingSpec:
    """Draw a clinically coherent recording for ``patient``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of every random choice; the same state gives the same spec.
    recording_id : str
        Identifier of the recording (file stem, manifest id).
    patient : Patient
        The patient; ``patient.condition`` is the primary finding of the recording.
    duration_s : float
        Length in seconds (10 s to 24 h), rounded to whole seconds.
    sfreq : int
        Sampling rate: 250, 256 or 500 Hz.
    naming : str
        Channel names: ``"tuh"`` (``EEG FP1-REF``) or ``"1020"`` (``Fp1``).
    allowed : set of str, optional
        Findings that secondary findings must come from (all when None).
    abnormal : set of str, optional
        Exactly these abnormal findings (overrides the draw from the patient's condition).

    Returns
    -------
    RecordingSpec
    """
    duration = int(round(duration_s))
    if not 10 <= duration <= 86400:
        raise ValueError(f"duration must be between 10 s and 24 h, got {duration_s} s")
    if sfreq not in SAMPLING_RATES:
        raise ValueError(f"sampling rate must be one of {SAMPLING_RATES}, got {sfreq}")
    if naming not in NAMING_STYLES:
        raise ValueError(f"naming must be one of {NAMING_STYLES}, got {naming!r}")
    condition = patient.condition
    forced_benign = condition if condition in BENIGN else None
    if abnormal is None:
        abnormal = _choose_findings(rng, condition, allowed)
    elif not abnormal <= ABNORMAL:
        raise ValueError(f"not abnormal findings: {sorted(abnormal - ABNORMAL)}")
    region = patient.region
    age = patient.age

    unresponsive = bool(abnormal & _UNRESPONSIVE)
    obtunded = bool(abnormal & _OBTUNDED) and not unresponsive
    long_term = duration > 3600
    if unresponsive or obtunded:
        state = "coma" if unresponsive else "obtunded"
        segments = [Segment(0.0, float(duration), state)]
        procedures: list[Procedure] = []
        study = "Portable EEG in the ICU" if unresponsive else "Portable bedside EEG"
    else:
        wants_sleep = forced_benign == "sleep" or rng.random() < (0.55 if duration >= 600 else 0.3)
        if forced_benign == "sleep" and duration < 240:
            wants_sleep = True
        segments, procedures = _routine_timeline(rng, duration, age, wants_sleep, activations=True)
        if forced_benign == "sleep" and not any(s.state in ("drowsy", "n2") for s in segments):
            cut = duration * 0.4
            segments = _merge(
                [s for s in segments if s.start < cut]
                + _sleep_segments(rng, cut, float(duration), False)
            )
            segments[-1].end = float(duration)
            for s in segments:
                s.end = min(s.end, float(duration))
            segments = [s for s in segments if s.end > s.start]
        study = (
            "Long-term video-EEG monitoring"
            if long_term
            else str(rng.choice(["Routine EEG", "Routine EEG", "Sleep-deprived EEG"]))
        )

    hv = next((p for p in procedures if p.kind == "hv"), None)
    if forced_benign == "hyperventilation_response" and hv is None:
        length = min(180.0, duration * 0.4)
        start = duration * 0.3
        hv = Procedure("hv", start, start + length)
        procedures.append(hv)
    if forced_benign == "photic_driving" and not any(p.kind == "photic" for p in procedures):
        t = duration * 0.1
        for frequency in (5.0, 7.0, 9.0, 11.0, 13.0, 15.0):
            if t + 6 > duration:
                break
            procedures.append(Procedure("photic", t, t + 5.0, frequency))
            t += 7.0
    procedures.sort(key=lambda p: p.start)

    pdr = normal_pdr(age, rng)
    scale = _amplitude_scale(age) * float(rng.uniform(0.85, 1.15))
    slowing_gain = 0.0
    if "generalized_slowing" in abnormal:
        pdr = float(rng.uniform(5.5, 7.5))
        slowing_gain = float(rng.uniform(1.0, 1.8))
    beta_gain = float(rng.uniform(3.0, 5.0)) if "excess_beta" in abnormal else 1.0

    builder = _Builder(rng, float(duration), segments)
    amplitude = scale
    if "seizure" in abnormal:
        builder.seizures(region, amplitude)
    if "focal_epileptiform" in abnormal:
        builder.spikes(region, amplitude)
    focal_delta: list[dict] = []
    if "focal_slowing" in abnormal:
        focal_delta.append(builder.focal_slowing(region, continuous=bool(rng.random() < 0.4)))
    if "generalized_spike_wave" in abnormal:
        builder.spike_wave(amplitude, procedures)
    if "lpd" in abnormal:
        builder.periodic("lpd", region, amplitude)
    if "gpd" in abnormal:
        builder.periodic("gpd", "generalized", amplitude)
    if "burst_suppression" in abnormal:
        builder.bursts(amplitude)
    attenuation: dict[str, float] = {}
    if "focal_attenuation" in abnormal:
        factor = float(rng.uniform(0.25, 0.5))
        attenuation = {name: factor for name in REGIONS[region]}
        builder.add_finding(
            "focal_attenuation",
            region,
            _region_electrodes(region),
            [[0.0, float(duration)]],
            factor=round(factor, 2),
        )
    if "generalized_slowing" in abnormal:
        builder.add_finding(
            "generalized_slowing",
            "generalized",
            ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "Fz", "Cz", "Pz"],
            [[0.0, float(duration)]],
            pdr=round(pdr, 1),
        )
    if "excess_beta" in abnormal:
        builder.add_finding(
            "excess_beta",
            "frontocentral",
            ["F3", "F4", "Fz", "C3", "C4", "Cz"],
            [[0.0, float(duration)]],
        )

    responsive_hv = age < 20 and rng.random() < 0.6 or rng.random() < 0.1
    if hv is not None and (responsive_hv or forced_benign == "hyperventilation_response"):
        hv.response = True
        builder.add_finding(
            "hyperventilation_response",
            "generalized",
            ["Fp1", "Fp2", "F3", "F4", "Fz", "C3", "C4", "Cz"],
            [[round(hv.start + (hv.end - hv.start) * 0.3, 3), round(hv.end + 20.0, 3)]],
        )
    driving = forced_benign == "photic_driving" or rng.random() < 0.65
    driven = []
    for procedure in procedures:
        if procedure.kind == "photic" and driving and 4 <= procedure.frequency <= 22:
            procedure.response = True
            driven.append([round(procedure.start, 3), round(procedure.end, 3)])
    builder.add_finding("photic_driving", "occipital", ["O1", "O2"], driven)

    builder.sleep_graphoelements(amplitude)
    builder.artifacts(with_blinks=not unresponsive, force=forced_benign == "artifact")
    if not any(f.name in ABNORMAL for f in builder.findings):
        builder.add_finding("normal", "", [], [[0.0, float(duration)]])
    builder.events.sort(key=lambda e: e.onset)

    medications = _medications(rng, abnormal, condition)
    key = condition if condition in _INDICATIONS else "normal"
    clinical = Clinical(
        indication=str(rng.choice(_INDICATIONS[key])),
        history=str(rng.choice(_HISTORY[key])),
        medications=medications,
        study=study,
    )
    day = dt.datetime(2019, 1, 1, 7, 0) + dt.timedelta(
        days=int(rng.integers(0, 2000)), seconds=int(rng.integers(0, 10 * 3600))
    )
    return RecordingSpec(
        recording_id=recording_id,
        patient=patient,
        sfreq=sfreq,
        duration_s=duration,
        naming=naming,
        start=day,
        clinical=clinical,
        pdr_frequency=round(pdr, 2),
        amplitude_scale=round(scale, 3),
        beta_gain=beta_gain,
        slowing_gain=slowing_gain,
        heart_rate=float(rng.uniform(55, 95) if age >= 12 else rng.uniform(75, 115)),
        line_frequency=60.0 if rng.random() < 0.8 else 50.0,
        with_ekg=bool(rng.random() < 0.85),
        with_photic=any(p.kind == "photic" for p in procedures) or bool(rng.random() < 0.3),
        segments=segments,
        procedures=procedures,
        findings=builder.findings,
        events=builder.events,
        attenuation=attenuation,
        focal_delta=focal_delta,
    )
