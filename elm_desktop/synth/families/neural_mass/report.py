"""The neural-mass family's reader: terse sentences, times as mm:ss, findings by section.

Headers are among those the report splitter knows (``CLINICAL HISTORY``, ``AED``, ``CONDITIONS
OF THE RECORDING``, ``DESCRIPTION OF RECORD``, ``EPILEPTIFORM ACTIVITY``, ``EVENTS``,
``CONCLUSION``, ``CLINICAL CORRELATION``); every finding is stated in a section ELM trains on
(activation procedures go into the description), in words the findings extractor reads, and
absent ones are denied in clauses it reads as negated.
"""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.families.neural_mass.plan import MassSpec
from elm_desktop.synth.spec import Finding

_REFERENCE_WORDS = {"linked_ears": "linked ears", "average": "the common average", "cz": "Cz"}
_SPREAD = {
    "regional": "stays regional",
    "hemispheric": "spreads over the hemisphere",
    "generalized": "spreads to both hemispheres",
}


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60:02d}:{int(seconds) % 60:02d}"


def _history(spec: MassSpec) -> list[str]:
    age = spec.patient.age
    years = f"{age:.0f}-year-old" if age >= 2 else f"{age * 12:.0f}-month-old"
    person = {"F": "woman" if age >= 18 else "girl", "M": "man" if age >= 18 else "boy"}
    text = f"{years} {person[spec.patient.sex]} referred for {spec.clinical.indication}."
    return [text + (f" {spec.clinical.history}" if spec.clinical.history else "")]


def _conditions(spec: MassSpec) -> str:
    states = {s.state for s in spec.segments}
    if "coma" in states:
        wake = "The patient is comatose and does not react to stimulation."
    elif "obtunded" in states:
        wake = "The patient is obtunded; arousal is brief."
    else:
        wake = "The patient is awake and cooperative."
    return (
        f"{spec.clinical.study}, {spec.duration_s // 60} min {spec.duration_s % 60} s, "
        f"{spec.sfreq} samples per second, referred to {_REFERENCE_WORDS[spec.reference]}. {wake}"
    )


def _background(spec: MassSpec, rng: np.random.Generator) -> list[str]:
    states = {s.state for s in spec.segments}
    lines: list[str] = []
    slowed = spec.finding("generalized_slowing")
    if spec.finding("burst_suppression"):
        f = spec.finding("burst_suppression")
        lengths = [b - a for a, b in f.intervals]
        lines.append(
            f"Burst suppression: bursts of {np.median(lengths):.1f} s of mixed high-voltage "
            f"activity alternate with periods below 10 uV lasting about {f.detail['median_gap_s']:.0f} s."
        )
        return lines
    if states & {"eyes_closed"}:
        voltage = int(round(30 * spec.rhythms["scale"] / 5.0) * 5)
        if slowed:
            lines.append(
                f"The posterior rhythm is poorly sustained at {spec.pdr_frequency:.1f} Hz."
            )
        else:
            lines.append(
                f"Eyes closed: a {spec.pdr_frequency:.1f} Hz posterior rhythm of about "
                f"{voltage} uV, symmetric and well modulated."
            )
        if "eyes_open" in states:
            lines.append("It blocks on eye opening.")
    else:
        lines.append("No posterior rhythm is seen.")
    if slowed:
        lines.append(
            str(
                rng.choice(
                    [
                        "There is diffuse theta and delta, continuous.",
                        "Diffuse polymorphic delta and theta replace the background.",
                    ]
                )
            )
        )
    if spec.finding("excess_beta"):
        lines.append("Excessive frontocentral beta at 18-24 Hz, up to 20 uV.")
    focal = spec.finding("focal_slowing")
    if focal:
        how = "Continuous" if focal.detail["continuous"] else "Intermittent"
        lines.append(
            f"{how} irregular delta activity over the {focal.location} region (focal slowing)."
        )
    dimmed = spec.finding("focal_attenuation")
    if dimmed:
        lines.append(
            f"Focal attenuation over the {dimmed.location} region, about "
            f"{dimmed.detail['factor'] * 100:.0f}% of the homologous side."
        )
    sleep = spec.finding("sleep")
    if sleep:
        if "n2" in sleep.detail["stages"]:
            parts = [
                "sleep spindles" if sleep.detail["spindles"] else "",
                "k-complexes" if sleep.detail["k_complexes"] else "",
                "vertex waves" if sleep.detail["vertex_waves"] else "",
            ]
            listed = ", ".join(p for p in parts if p)
            lines.append(
                f"Drowsiness and stage 2 sleep follow, with {listed or 'slowing of the rhythm'}."
            )
        else:
            lines.append("Drowsiness with vertex waves late in the record.")
    elif not states & {"coma", "obtunded"}:
        lines.append("Wakefulness only.")
    return lines


def _discharges(spec: MassSpec) -> list[str]:
    lines = []
    spikes = spec.finding("focal_epileptiform")
    if spikes:
        count = len(spikes.intervals)
        often = "Frequent" if count / max(spec.duration_s / 60, 1) >= 3 else "Occasional"
        lines.append(
            f"{often} {spikes.detail['morphology']} over the {spikes.location} region, "
            f"{count} in the record, phase reversing at {spikes.electrodes[len(spikes.electrodes) // 2]}."
        )
    gsw = spec.finding("generalized_spike_wave")
    if gsw:
        longest = max(b - a for a, b in gsw.intervals)
        lines.append(
            f"{len(gsw.intervals)} bursts of generalized spike-and-wave at "
            f"{gsw.detail['frequency']:.1f} Hz, frontally maximal, the longest {longest:.0f} s."
        )
    lpd = spec.finding("lpd")
    if lpd:
        lines.append(
            f"Lateralized periodic discharges over the {lpd.location} region every "
            f"{1 / lpd.detail['frequency']:.1f} s throughout."
        )
    gpd = spec.finding("gpd")
    if gpd:
        lines.append(
            f"Generalized periodic discharges at {gpd.detail['frequency']:.1f} Hz with frontal "
            "predominance throughout."
        )
    return lines or ["No spikes, sharp waves or spike-and-wave."]


def _activation(spec: MassSpec) -> list[str]:
    lines = []
    hv = [p for p in spec.procedures if p.kind == "hv"]
    for p in hv:
        minutes = (p.end - p.start) / 60
        if p.response:
            lines.append(
                f"Hyperventilation ({minutes:.1f} min): symmetric build-up of frontal theta and delta."
            )
        else:
            lines.append(f"Hyperventilation ({minutes:.1f} min) produced no build-up.")
    flashes = [p for p in spec.procedures if p.kind == "photic"]
    if flashes:
        driven = [p.frequency for p in flashes if p.response]
        low, high = min(p.frequency for p in flashes), max(p.frequency for p in flashes)
        if driven:
            lines.append(
                f"Photic stimulation {low:g}-{high:g} Hz: photic driving at "
                f"{min(driven):g}-{max(driven):g} Hz."
            )
        else:
            lines.append(
                f"Photic stimulation {low:g}-{high:g} Hz did not evoke a driving response."
            )
    if not hv and not flashes:
        lines.append("Activation not done.")
    return lines


def _artifacts(findings: list[Finding]) -> str:
    if not findings:
        return ""
    named = []
    for f in findings:
        kind = f.detail["type"]
        if kind == "electrode pop":
            named.append(f"electrode pop artifact at {f.location}")
        elif kind == "muscle":
            named.append(f"muscle artifact ({f.location})")
        else:
            named.append(f"{kind} artifact")
    return "Also: " + "; ".join(dict.fromkeys(named)) + "."


def _events(spec: MassSpec) -> list[str]:
    seizure = spec.finding("seizure")
    if not seizure:
        return ["No clinical or electrographic seizures."]
    a, b = seizure.intervals[0]
    d = seizure.detail
    return [
        f"Electrographic seizure at {_clock(a)}: rhythmic {d['start_hz']:.0f} Hz activity arises "
        f"over the {seizure.location} region, {_SPREAD[d['spread']]}, and slows to "
        f"{d['end_hz']:.0f} Hz before stopping at {_clock(b)} "
        f"({b - a:.0f} s); postictal suppression follows."
    ]


def _conclusion(spec: MassSpec) -> list[str]:
    names = [f.name for f in spec.findings]
    if not spec.abnormal:
        asleep = "sleep" in names
        return ["Normal awake and asleep EEG." if asleep else "Normal EEG in wakefulness."]
    order = {
        "burst_suppression": "burst suppression",
        "seizure": "an electrographic seizure",
        "lpd": "lateralized periodic discharges",
        "gpd": "generalized periodic discharges",
        "generalized_spike_wave": "generalized spike-and-wave",
        "focal_epileptiform": "focal epileptiform discharges",
        "focal_slowing": "focal slowing",
        "focal_attenuation": "focal attenuation",
        "generalized_slowing": "generalized slowing",
        "excess_beta": "excess beta",
    }
    items = [order[n] for n in order if n in names]
    return [f"Abnormal EEG: {', '.join(items)}."]


def _correlation(spec: MassSpec) -> str:
    if not spec.abnormal:
        return "A normal record neither confirms nor excludes the clinical diagnosis."
    if spec.finding("burst_suppression"):
        return "Severe diffuse dysfunction; interpret with the sedation given."
    if spec.finding("seizure") or spec.finding("focal_epileptiform"):
        return "Supports a focal epilepsy; correlate with imaging."
    if spec.finding("generalized_spike_wave"):
        return "Fits a genetic generalized epilepsy."
    return "Cerebral dysfunction as described; correlate clinically."


def write_report(spec: MassSpec, rng: np.random.Generator) -> str:
    """The report of one recording in this reader's style."""
    artifacts = [f for f in spec.findings if f.name == "artifact"]
    description = (
        _background(spec, rng) + _activation(spec) + ([_artifacts(artifacts)] if artifacts else [])
    )
    sections = [
        ("CLINICAL HISTORY", _history(spec)),
        ("AED", [", ".join(spec.clinical.medications) or "None listed."]),
        ("CONDITIONS OF THE RECORDING", [_conditions(spec)]),
        ("DESCRIPTION OF RECORD", description),
        ("EPILEPTIFORM ACTIVITY", _discharges(spec)),
        ("EVENTS", _events(spec)),
        ("CONCLUSION", _conclusion(spec)),
        ("CLINICAL CORRELATION", [_correlation(spec)]),
    ]
    return "\n".join(f"{heading}: {' '.join(lines)}" for heading, lines in sections)
