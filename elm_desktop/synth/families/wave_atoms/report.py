"""The wave-atoms family's reader: a US academic layout with numbered impressions.

Sections: ``INTRODUCTION`` (technique and state), ``CLINICAL HISTORY``, ``MEDICATIONS``,
``DESCRIPTION OF THE RECORD`` (background, sleep, discharges and seizures, activation,
artifacts, with pertinent negatives), ``HR``, ``IMPRESSION`` (``ABNORMAL EEG due to:`` and a
numbered list, or a normal statement) and ``CLINICAL CORRELATION``. The findings extractor
skips history, medications and correlation; the other sections name each present finding in
its terms and deny absent ones in clauses it reads as negated (words of findings are kept out
of the introduction and the HR line).
"""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.electrodes import REGIONS
from elm_desktop.synth.families.wave_atoms.plan import HV_FADE, AtomSpec
from elm_desktop.synth.families.wave_atoms.scalp import CHAIN_ENDS

#: Peak-to-peak microvolts at O1 per unit of the background scale, in 1 s windows with eyes
#: closed (median, 95th percentile), as rendered against each reference (measured on normal
#: recordings of a 150-recording corpus).
_PDR_SIZE = {"average": (41.0, 77.0), "linked_ears": (50.0, 91.0), "cz": (53.0, 92.0)}

_REFERENCE = {
    "linked_ears": "a linked-ears reference",
    "average": "a common average reference",
    "cz": "a Cz reference",
}


class _Voice:
    """Picks among equivalent phrasings with the report's generator."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def say(self, *options: str) -> str:
        return str(options[int(self.rng.integers(len(options)))])


def _place(location: str) -> str:
    if location.endswith("hemisphere"):
        return f"the {location}"
    return f"the {location} region"


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _introduction(spec: AtomSpec, voice: _Voice) -> str:
    minutes, seconds = divmod(spec.duration_s, 60)
    states = {s.state for s in spec.segments}
    if "coma" in states:
        state = "The patient was comatose and did not open the eyes to noxious stimulation."
    elif "obtunded" in states:
        state = "The patient was lethargic and only briefly arousable to voice."
    else:
        state = voice.say(
            "The patient was awake and cooperative at the start of the study.",
            "The patient was alert and followed commands at the outset.",
        )
    lead = " A single EKG lead was recorded." if spec.with_ekg else ""
    return (
        f"{spec.clinical.study}. Digital EEG was obtained with 21 electrodes placed by the "
        f"International 10-20 system, displayed against {_REFERENCE[spec.reference]} and in "
        f"bipolar montages, sampled at {spec.sfreq} Hz for {minutes} min {seconds} s.{lead} "
        f"{state}"
    )


def _history(spec: AtomSpec) -> str:
    age = spec.patient.age
    if age >= 2:
        years = f"{age:.0f}-year-old"
    else:
        years = f"{age * 12:.0f}-month-old"
    adult = age >= 18
    who = {"F": "woman" if adult else "girl", "M": "man" if adult else "boy"}[spec.patient.sex]
    return f"{years} {who} with {spec.clinical.indication}. {spec.clinical.history}"


def _background(spec: AtomSpec, voice: _Voice) -> list[str]:
    states = {s.state for s in spec.segments}
    lines = []
    bs = spec.finding("burst_suppression")
    if bs:
        lengths = [b - a for a, b in bs.intervals]
        return [
            "The background is discontinuous, showing a burst suppression pattern: bursts of "
            f"about {np.median(lengths):.1f} s of high-voltage mixed delta and theta activity "
            f"with sharp transients alternate with intervals of about {bs.detail['median_gap_s']:.0f} s "
            "in which the record is nearly isoelectric (under 5 microvolts).",
            "There is no reactivity to noxious stimulation.",
        ]
    slow = spec.finding("generalized_slowing")
    if "eyes_closed" in states:
        if slow:
            lines.append(
                "The background is diffusely slow. The posterior dominant rhythm reaches only "
                f"{spec.pdr_frequency:.1f} Hz and is poorly sustained, and there is "
                + voice.say(
                    "abundant diffuse polymorphic delta and theta activity.",
                    "diffuse polymorphic delta mixed with theta throughout.",
                )
            )
        else:
            typical, top = (
                int(5 * round(k * spec.background["scale"] / 5)) for k in _PDR_SIZE[spec.reference]
            )
            dim = spec.finding("focal_attenuation")
            symmetry = ", lower over the attenuated region" if dim else ", symmetric"
            lines.append(
                voice.say(
                    "The waking background is continuous and well organized.",
                    "The awake background is continuous, with a clear anterior-posterior gradient.",
                )
                + f" With eyes closed there is a {spec.pdr_frequency:.1f} Hz posterior dominant "
                f"rhythm of about {typical} microvolts (up to {top} microvolts peak to peak), "
                f"waxing and waning{symmetry}"
                + (" and reactive to eye opening." if "eyes_open" in states else ".")
            )
        if spec.background["mu"]:
            lines.append("An arch-shaped mu rhythm appears independently over the central regions.")
    else:
        if slow:
            lines.append("A posterior dominant rhythm is not identified.")
            lines.append("The background is diffusely slow, dominated by polymorphic delta.")
        else:
            lines.append(
                f"A poorly sustained {spec.pdr_frequency:.1f} Hz posterior rhythm is seen; the "
                "background consists of medium-voltage mixed frequencies."
            )
    if spec.finding("excess_beta"):
        lines.append(
            voice.say(
                "There is excessive beta activity at 18-25 Hz, maximal frontocentrally.",
                "Prominent beta activity of 18 to 25 Hz is present, most evident frontocentrally "
                "(excessive beta).",
            )
        )
    elif "eyes_closed" in states:
        lines.append("Low-voltage beta is present frontocentrally.")
    focal = spec.finding("focal_slowing")
    if focal:
        how = "Continuous" if focal.detail["continuous"] else "Intermittent"
        lines.append(
            f"{how} focal polymorphic delta slowing is seen over {_place(focal.location)}."
        )
    dim = spec.finding("focal_attenuation")
    if dim:
        sites = REGIONS[dim.location]
        where = f"at {sites[0]}" if len(sites) == 1 else "in bipolar derivations within it"
        lines.append(
            f"There is a persistent amplitude asymmetry, with lower background voltage over "
            f"{_place(dim.location)} (about {dim.detail['factor'] * 100:.0f}% of the "
            f"homologous side {where}) in all states."
        )
    if not focal and not dim and not slow:
        lines.append("No focal slowing is present.")
    return lines


def _sleep(spec: AtomSpec, voice: _Voice) -> list[str]:
    states = {s.state for s in spec.segments}
    sleep = spec.finding("sleep")
    if not sleep:
        if states & {"coma", "obtunded"}:
            return []
        return ["Sleep was not obtained."]
    parts = []
    if sleep.detail["vertex_waves"]:
        parts.append("vertex waves")
    if "n2" in sleep.detail["stages"]:
        graphoelements = [
            name
            for name, present in (
                ("sleep spindles", sleep.detail["spindles"]),
                ("K-complexes", sleep.detail["k_complexes"]),
            )
            if present
        ]
        with_ = f" with {' and '.join(graphoelements)}" if graphoelements else ""
        opening = voice.say(
            "Drowsiness is marked by fragmentation of the posterior rhythm",
            "In drowsiness the posterior rhythm drops out",
        )
        return [
            opening + (f" and {parts[0]} appear" if parts else "") + ".",
            f"Stage N2 sleep is reached{with_}.",
        ]
    return [
        "Drowsiness is recorded late in the study, with fragmentation of the posterior rhythm"
        + (f" and {parts[0]} over the vertex." if parts else ".")
    ]


def _discharges(spec: AtomSpec, voice: _Voice) -> list[str]:
    lines = []
    spikes = spec.finding("focal_epileptiform")
    if spikes:
        count = len(spikes.intervals)
        often = "Frequent" if count / max(spec.duration_s / 60, 1) >= 2.5 else "Occasional"
        where = spikes.detail["maximum"]
        if where in CHAIN_ENDS:
            field = f"maximal at {where}, at the end of the bipolar chains"
        else:
            field = f"maximal at {where} with phase reversal at {where} in bipolar montages"
        morphology = spikes.detail["morphology"]
        if count == 1:
            lines.append(
                f"A single surface-negative {morphology[:-1]} is seen over "
                f"{_place(spikes.location)}, {field}, followed by a slow wave."
            )
        else:
            lines.append(
                f"{often} surface-negative {morphology} are seen over "
                f"{_place(spikes.location)}, {field} ({count} in the record), often followed "
                "by a slow wave."
            )
    gsw = spec.finding("generalized_spike_wave")
    if gsw:
        longest = max(b - a for a, b in gsw.intervals)
        bursts = (
            "There is one burst" if len(gsw.intervals) == 1
            else f"There are {len(gsw.intervals)} bursts"
        )  # fmt: skip
        lines.append(
            f"{bursts} of generalized spike-and-wave discharges at "
            f"{gsw.detail['frequency']:.1f} Hz, bifrontally maximal, slowing to "
            f"{gsw.detail['end_hz']:.1f} Hz toward the end of each burst; the longest lasts "
            f"{longest:.0f} s."
        )
    lpd = spec.finding("lpd")
    if lpd:
        lines.append(
            f"Lateralized periodic discharges recur over {_place(lpd.location)} at about "
            f"{lpd.detail['frequency']:.1f} Hz throughout the recording."
        )
    gpd = spec.finding("gpd")
    if gpd:
        shape = " of triphasic morphology" if gpd.detail["triphasic"] else ""
        lag = " with an anterior-posterior lag" if gpd.detail["triphasic"] else ""
        lines.append(
            f"Generalized periodic discharges{shape} occur at {gpd.detail['frequency']:.1f} Hz, "
            f"frontally predominant{lag}, throughout the recording."
        )
    if not (spikes or gsw or lpd or gpd):
        lines.append(
            voice.say(
                "No epileptiform discharges are seen.",
                "There are no epileptiform discharges.",
            )
        )
    seizure = spec.finding("seizure")
    if seizure:
        (a, b), d = seizure.intervals[0], seizure.detail
        side = seizure.location.split()[0]
        spread = {
            "regional": "remains confined to that region",
            "hemispheric": f"spreads across the {side} hemisphere",
            "generalized": "evolves to involve both hemispheres",
        }[d["spread"]]
        lines.append(
            f"At {_clock(a)} an electrographic seizure begins over {_place(seizure.location)} "
            f"as low-voltage {d['start_hz']:.0f} Hz rhythmic activity that {spread}, builds in "
            f"amplitude and slows to {d['end_hz']:.0f} Hz before ending at {_clock(b)} "
            f"({b - a:.0f} s); it is followed by postictal depression of the background over "
            "all regions, with slow activity over the region of onset."
        )
    else:
        lines.append("No electrographic seizures were recorded.")
    return lines


def _activation(spec: AtomSpec) -> list[str]:
    lines = []
    for p in spec.procedures:
        if p.kind != "hv":
            continue
        minutes = (p.end - p.start) / 60
        if p.response:
            lines.append(
                f"Hyperventilation for {minutes:.1f} min produced a symmetric build-up of "
                f"bifrontal delta activity that resolved within {HV_FADE:.0f} s of its end."
            )
        else:
            lines.append(f"Hyperventilation for {minutes:.1f} min produced no build-up.")
    trains = [p for p in spec.procedures if p.kind == "photic"]
    if trains:
        lo, hi = min(p.frequency for p in trains), max(p.frequency for p in trains)
        driven = [p.frequency for p in trains if p.response]
        if driven:
            rates = (
                f"{min(driven):g}" if len(set(driven)) == 1 else f"{min(driven):g}-{max(driven):g}"
            )
            lines.append(
                f"Photic stimulation from {lo:g} to {hi:g} Hz elicited a driving response at "
                f"{rates} Hz."
            )
        else:
            lines.append(
                f"Photic stimulation from {lo:g} to {hi:g} Hz produced no driving response."
            )
    if not lines:
        lines.append("Hyperventilation and photic stimulation were not performed.")
    return lines


def _artifacts(spec: AtomSpec) -> list[str]:
    named = []
    for f in spec.findings:
        if f.name != "artifact":
            continue
        kind = f.detail["type"]
        if kind == "muscle":
            named.append(f"muscle over the {f.location} region" if f.location != "bitemporal"
                         else "bitemporal muscle")  # fmt: skip
        elif kind == "electrode pop":
            named.append(f"an electrode pop at {f.location}")
        else:
            named.append(f"slow sweat sway at {f.location}")
    lines = ["Artifacts include " + ", ".join(dict.fromkeys(named)) + "."] if named else []
    if any(e.kind == "blink" for e in spec.events):
        lines.append("Eye blink potentials are seen over the frontopolar leads.")
    return lines


_IMPRESSION = {
    "burst_suppression": lambda f: "Burst suppression pattern.",
    "seizure": lambda f: f"One electrographic seizure arising from {_place(f.location)}.",
    "lpd": lambda f: f"Lateralized periodic discharges over {_place(f.location)}.",
    "gpd": lambda f: (
        "Generalized periodic discharges"
        + (" with triphasic morphology" if f.detail["triphasic"] else "")
        + f" recurring at {f.detail['frequency']:.1f} Hz."
    ),
    "generalized_spike_wave": lambda f: (
        f"Generalized spike-and-wave discharges at {f.detail['frequency']:.1f} Hz."
    ),
    "focal_epileptiform": lambda f: (
        f"{f.detail['morphology'].capitalize()} over {_place(f.location)}."
    ),
    "focal_slowing": lambda f: f"Focal slowing over {_place(f.location)}.",
    "focal_attenuation": lambda f: (
        f"Focal attenuation of the background over {_place(f.location)}."
    ),
    "generalized_slowing": lambda f: "Generalized slowing of the background.",
    "excess_beta": lambda f: "Excessive beta activity, most evident frontocentrally.",
}


def _impression(spec: AtomSpec) -> list[str]:
    if not spec.abnormal:
        if spec.finding("sleep"):
            return ["This is a normal EEG recorded in wakefulness and sleep."]
        return ["This is a normal EEG recorded in the awake state."]
    items = [_IMPRESSION[name](spec.finding(name)) for name in _IMPRESSION if spec.finding(name)]
    return ["ABNORMAL EEG due to:"] + [f"{i}. {item}" for i, item in enumerate(items, 1)]


def _correlation(spec: AtomSpec) -> str:
    if not spec.abnormal:
        return (
            "A normal EEG does not exclude epilepsy; a sleep-deprived study may be considered "
            "if the events recur."
        )
    if spec.finding("burst_suppression"):
        return (
            "Severe diffuse encephalopathy; medication effect and anoxic injury are considerations."
        )
    if spec.finding("seizure"):
        return "Focal onset epilepsy from the region described; treatment review is advised."
    if spec.finding("lpd") or spec.finding("gpd"):
        return "Periodic patterns carry a risk of seizures; continuous monitoring is suggested."
    if spec.finding("focal_epileptiform"):
        return "Indicates a focal cortical irritability with potential for focal onset seizures."
    if spec.finding("generalized_spike_wave"):
        return "Consistent with a generalized epilepsy such as childhood or juvenile absence."
    if spec.finding("focal_slowing") or spec.finding("focal_attenuation"):
        return "Suggests focal structural dysfunction; correlate with neuroimaging."
    if spec.finding("generalized_slowing"):
        return "Diffuse cerebral dysfunction, nonspecific as to cause; toxic-metabolic causes should be excluded."
    return "Often a medication effect, for example benzodiazepines or barbiturates."


def write_report(spec: AtomSpec, rng: np.random.Generator) -> str:
    """The report of one recording in this reader's style."""
    voice = _Voice(rng)
    description = (
        _background(spec, voice)
        + _sleep(spec, voice)
        + _discharges(spec, voice)
        + _activation(spec)
        + _artifacts(spec)
    )
    medications = ", ".join(spec.clinical.medications) or "No medications reported."
    heart = (
        f"{spec.heart_rate:.0f} beats per minute, regular."
        if spec.with_ekg
        else "No EKG lead was applied."
    )
    sections = [
        ("INTRODUCTION", _introduction(spec, voice)),
        ("CLINICAL HISTORY", _history(spec)),
        ("MEDICATIONS", medications),
        ("DESCRIPTION OF THE RECORD", " ".join(description)),
        ("HR", heart),
        ("IMPRESSION", "\n".join(_impression(spec))),
        ("CLINICAL CORRELATION", _correlation(spec)),
    ]
    return "\n\n".join(f"{heading}: {text}" for heading, text in sections)
