"""Reports of the dipole family, written in another department's house style.

Sections and their order differ from the first family's (REASON FOR STUDY, HISTORY, AED or
MEDICATIONS, TECHNIQUE, EEG BACKGROUND, RANDOM WAKEFULNESS AND SLEEP, EPILEPTIFORM ACTIVITY,
OTHER PAROXYSMAL ACTIVITY (NON-EPILEPTIFORM), INTERPRETATION, CORRELATION), and so are the
sentences: terser, British spelling in places, numbered interpretation lines. The findings and
their locations are the same vocabulary, so the findings extractor can read them.
"""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.families.dipole.plan import DipoleSpec
from elm_desktop.synth.spec import Finding

_REFERENCE_WORDS = {
    "linked_ears": ["linked-ear reference", "linked ears (A1+A2)"],
    "average": ["common average reference", "an average reference"],
    "cz": ["Cz reference", "a vertex (Cz) reference"],
}


class _Pen:
    def __init__(self, spec: DipoleSpec, rng: np.random.Generator) -> None:
        self.spec, self.rng = spec, rng

    def one(self, *options: str) -> str:
        return options[int(self.rng.integers(len(options)))]

    def maybe(self, probability: float) -> bool:
        return bool(self.rng.random() < probability)


def _where(pen: _Pen, location: str) -> str:
    return pen.one(
        f"the {location} region",
        f"{location} derivations",
        f"the {location} leads",
        f"{location} electrodes",
    )


def _minutes(seconds: float) -> str:
    return f"{int(seconds) // 60} min {int(seconds) % 60:02d} s"


def _reason(pen: _Pen) -> str:
    return pen.one(
        f"Evaluation of {pen.spec.clinical.indication}.",
        f"{pen.spec.clinical.indication.capitalize()}.",
        f"Query {pen.spec.clinical.indication}.",
    )


def _history(pen: _Pen) -> str:
    p = pen.spec.patient
    years = f"{int(p.age)} years" if p.age >= 2 else f"{int(p.age * 12)} months"
    who = {
        "F": pen.one("Female", "Woman" if p.age >= 18 else "Girl"),
        "M": pen.one("Male", "Man" if p.age >= 18 else "Boy"),
    }[p.sex]
    return f"{who}, {years}. {pen.spec.clinical.history}".strip()


def _drugs(pen: _Pen) -> tuple[str, str]:
    meds = pen.spec.clinical.medications
    heading = "AED" if meds and pen.maybe(0.3) else "MEDICATIONS"
    return heading, (
        "; ".join(meds) + "." if meds else pen.one("Nil.", "None.", "No regular medication.")
    )


def _technique(pen: _Pen) -> str:
    spec = pen.spec
    parts = [
        pen.one(
            f"21 scalp electrodes (10-20 system) recorded against {pen.one(*_REFERENCE_WORDS[spec.reference])}, sampled at {spec.sfreq} Hz",
            f"Digital recording at {spec.sfreq} Hz, international 10-20 placement, {pen.one(*_REFERENCE_WORDS[spec.reference])}",
        )
        + (", with ECG." if spec.with_ekg else ".")
    ]
    parts.append(f"Duration {_minutes(spec.duration_s)}.")
    kinds = {p.kind for p in spec.procedures}
    if kinds == {"hv", "photic"}:
        parts.append(
            pen.one(
                "Overbreathing and intermittent photic stimulation were carried out.",
                "HV and IPS performed.",
            )
        )
    elif kinds == {"hv"}:
        parts.append("Overbreathing was carried out; photic stimulation was not.")
    elif kinds == {"photic"}:
        parts.append("Intermittent photic stimulation only; overbreathing not attempted.")
    else:
        parts.append("No activation.")
    return " ".join(parts)


def _background(pen: _Pen) -> str:
    spec = pen.spec
    states = spec.states_present()
    out: list[str] = []
    if "coma" in states:
        out.append(
            pen.one(
                "The patient is ventilated and does not respond to stimulation.",
                "No response to noxious stimuli during the recording.",
            )
        )
    elif "obtunded" in states:
        out.append(
            pen.one(
                "The patient is obtunded and rousable only briefly.",
                "Reduced level of consciousness throughout.",
            )
        )
    if spec.finding("burst_suppression"):
        out.append(
            pen.one(
                "The background is discontinuous: bursts of mixed activity alternate with flat stretches (burst suppression).",
                "Burst-suppression pattern with generalised bursts of 1-4 s.",
                "Suppressed background interrupted by high-voltage bursts, i.e. a burst suppression pattern.",
            )
        )
    elif spec.finding("generalized_slowing"):
        out.append(
            pen.one(
                f"Poorly formed {spec.pdr_frequency:.0f} Hz posterior rhythm on a background of diffuse theta and delta.",
                f"The background is slow: posterior rhythm {spec.pdr_frequency:.1f} Hz with generalised theta and delta (generalized slowing).",
                f"Diffuse slowing: the dominant posterior frequency is only {spec.pdr_frequency:.1f} Hz.",
            )
        )
    elif "obtunded" in states:
        out.append("Ill-sustained posterior rhythm; the background is mixed theta and alpha.")
    elif "coma" not in states:
        rhythm = "alpha" if spec.pdr_frequency >= 8 else "rhythm"
        out.append(
            pen.one(
                f"Posterior {rhythm} {spec.pdr_frequency:.1f} Hz, blocking on eye opening.",
                f"Well-developed {spec.pdr_frequency:.0f} Hz posterior {rhythm}, reactive to eye opening.",
                f"Background: posterior {rhythm} at {spec.pdr_frequency:.1f} Hz, symmetrical and reactive.",
            )
        )
    if spec.finding("excess_beta"):
        out.append(
            pen.one(
                "Beta activity is increased over the anterior head (excess beta).",
                "Prominent beta anteriorly.",
                "Excessive beta in frontal and central leads.",
            )
        )
    slowing = spec.finding("focal_slowing")
    if slowing:
        how = (
            "Continuous" if slowing.detail.get("continuous") else pen.one("Intermittent", "Runs of")
        )
        out.append(
            pen.one(
                f"{how} focal delta over {_where(pen, slowing.location)}.",
                f"{how} {slowing.location} slowing in the delta range.",
                f"{how} polymorphic delta slowing over {_where(pen, slowing.location)}.",
            )
        )
    attenuation = spec.finding("focal_attenuation")
    if attenuation:
        out.append(
            pen.one(
                f"Amplitude asymmetry: lower voltage over {_where(pen, attenuation.location)}.",
                f"Attenuation of all frequencies over {_where(pen, attenuation.location)}.",
                f"Reduced amplitude of the background over {_where(pen, attenuation.location)}.",
            )
        )
    return " ".join(out)


def _sleep(pen: _Pen) -> str:
    sleep = pen.spec.finding("sleep")
    if not sleep:
        return ""
    stages = sleep.detail.get("stages", [])
    features = [
        name
        for key, name in (
            ("vertex_waves", pen.one("vertex waves", "vertex sharp transients")),
            ("spindles", "spindles"),
            ("k_complexes", "K-complexes"),
            ("posts", "POSTS"),
        )
        if sleep.detail.get(key)
    ]
    lead = "Light sleep" if set(stages) & {"n2", "n3"} else "Drowsiness"
    if not features:
        return f"{lead} was reached."
    listed = ", ".join(features[:-1]) + " and " + features[-1] if len(features) > 1 else features[0]
    return f"{lead} was reached, with {listed}."


def _epileptiform(pen: _Pen) -> str:
    spec = pen.spec
    out: list[str] = []
    spikes = spec.finding("focal_epileptiform")
    if spikes:
        per_minute = len(spikes.intervals) / max(spec.duration_s / 60, 1e-3)
        amount = "Frequent" if per_minute > 3 else "Occasional" if per_minute > 0.8 else "Rare"
        kind = spikes.detail.get("morphology", "spikes")
        focus = spikes.detail.get("focus", "")
        out.append(
            pen.one(
                f"{amount} {spikes.location} {kind}, phase reversing at {focus}.",
                f"{amount} {kind} over {_where(pen, spikes.location)} ({focus} maximum).",
                f"{amount} interictal epileptiform discharges ({kind}) over {_where(pen, spikes.location)}.",
            )
        )
    sw = spec.finding("generalized_spike_wave")
    if sw:
        longest = max(b - a for a, b in sw.intervals)
        out.append(
            pen.one(
                f"{len(sw.intervals)} runs of generalised 3 Hz spike and wave, the longest {longest:.0f} s.",
                f"Generalized spike-and-wave discharges at about 3 Hz in runs of up to {longest:.0f} s.",
                "Bilaterally synchronous 3 Hz spike and wave, frontally dominant.",
            )
        )
    lpd = spec.finding("lpd")
    if lpd:
        rate = lpd.detail.get("frequency", 1.0)
        out.append(
            pen.one(
                f"Lateralised periodic discharges over {_where(pen, lpd.location)} every {1 / rate:.1f} s.",
                f"LPDs, {lpd.location}, at {rate:.1f} Hz.",
                f"Periodic lateralized discharges over the {lpd.location} region ({rate:.1f} per second).",
            )
        )
    gpd = spec.finding("gpd")
    if gpd:
        rate = gpd.detail.get("frequency", 1.5)
        shape = "triphasic " if gpd.detail.get("triphasic") else ""
        out.append(
            pen.one(
                f"Generalised periodic {shape}discharges at {rate:.1f} Hz.",
                f"GPDs at {rate:.1f} Hz{', triphasic in shape' if shape else ''}.",
                f"Generalized periodic discharges, {rate:.1f} Hz, with an anterior maximum.",
            )
        )
    seizure = spec.finding("seizure")
    if seizure:
        event = next(e for e in spec.events if e.kind == "seizure")
        p = event.params
        spread = {
            "regional": "staying regional",
            "hemisphere": f"spreading over the {p['side']} hemisphere",
            "generalized": "becoming generalised",
        }[p["spread"]]
        start, end = seizure.intervals[0]
        out.append(
            pen.one(
                f"One electrographic seizure at {_minutes(start)}: {p['f_start']:.0f} Hz low-voltage activity over {_where(pen, seizure.location)} slows to {p['f_end']:.0f} Hz rhythmic sharp waves while {spread}; it lasts {end - start:.0f} s.",
                f"A {seizure.location} onset seizure was recorded ({end - start:.0f} s), evolving from {p['f_start']:.0f} Hz to {p['f_end']:.0f} Hz and {spread}.",
            )
        )
    if not out:
        out.append(pen.one("None.", "No epileptiform discharges.", "Nil."))
    return " ".join(out)


def _other(pen: _Pen) -> str:
    spec = pen.spec
    out: list[str] = []
    hv = next((p for p in spec.procedures if p.kind == "hv"), None)
    if hv is not None:
        out.append(
            pen.one(
                "Overbreathing produced a symmetrical frontal build-up of slow activity.",
                "HV: generalised high-voltage buildup, settling within 30 s.",
            )
            if hv.response
            else pen.one("Overbreathing: no change.", "HV unremarkable.")
        )
    driven = [p.frequency for p in spec.procedures if p.kind == "photic" and p.response]
    if driven:
        out.append(
            pen.one(
                f"IPS: photic driving from {min(driven):.0f} to {max(driven):.0f} Hz.",
                "IPS elicited a symmetrical posterior driving response.",
            )
        )
    elif any(p.kind == "photic" for p in spec.procedures):
        out.append(pen.one("IPS: no photic response.", "Photic stimulation: no driving."))
    kinds = {f.detail.get("type") for f in spec.findings if f.name == "artifact"}
    if "muscle" in kinds and pen.maybe(0.85):
        out.append(
            pen.one(
                "Temporal muscle artefact at times.", "Myogenic artifact over the temporal leads."
            )
        )
    if "electrode pop" in kinds and pen.maybe(0.85):
        out.append(
            pen.one(
                "Electrode artefact (pops) on single channels.", "Occasional electrode artifact."
            )
        )
    if any(e.kind == "blink" for e in spec.events) and pen.maybe(0.25):
        out.append("Eye blinks frontally.")
    return " ".join(out) or "None."


_SHORT: dict[str, tuple[str, ...]] = {
    "seizure": (
        "Electrographic seizure of {loc} onset.",
        "A seizure arising from the {loc} region.",
    ),
    "focal_epileptiform": ("{Loc} {morph}.", "Interictal epileptiform discharges, {loc}."),
    "generalized_spike_wave": (
        "Generalised 3 Hz spike and wave.",
        "Generalized spike-and-wave discharges.",
    ),
    "lpd": ("Lateralised periodic discharges, {loc}.", "LPDs over the {loc} region."),
    "gpd": ("Generalised periodic discharges.", "GPDs."),
    "burst_suppression": ("Burst suppression.", "Burst-suppression pattern."),
    "focal_slowing": ("{Loc} focal slowing.", "Focal delta slowing, {loc}."),
    "focal_attenuation": ("Focal attenuation, {loc}.", "Amplitude asymmetry, lower on the {side}."),
    "generalized_slowing": ("Diffuse slowing.", "Generalized slowing of the background."),
    "excess_beta": ("Excess beta.", "Increased beta activity."),
}


def _interpretation(pen: _Pen) -> str:
    spec = pen.spec
    found: list[Finding] = [f for name in _SHORT for f in spec.findings if f.name == name]
    if not found:
        return pen.one(
            "Normal EEG.",
            "Normal record for age.",
            "EEG within normal limits.",
            "This is a normal study; no epileptiform features.",
        )
    lines = []
    for finding in found:
        loc = finding.location
        lines.append(
            pen.one(*_SHORT[finding.name]).format(
                loc=loc,
                Loc=loc[:1].upper() + loc[1:],
                morph=finding.detail.get("morphology", "spikes"),
                side=loc.split()[0],
            )
        )
    head = pen.one("ABNORMAL EEG:", "Abnormal record:", "Abnormal, because of:")
    return head + "\n" + "\n".join(f"({i}) {line}" for i, line in enumerate(lines, 1))


def _correlation(pen: _Pen) -> str:
    spec = pen.spec
    names = {f.name for f in spec.findings}
    if not spec.abnormal:
        return pen.one(
            "A normal interictal EEG does not exclude epilepsy.",
            "No EEG support for an epileptic disorder.",
        )
    out = []
    if names & {"seizure", "focal_epileptiform", "lpd"}:
        out.append("Indicates cortical irritability with a risk of focal seizures.")
    if "generalized_spike_wave" in names:
        out.append("In keeping with an idiopathic generalised epilepsy.")
    if names & {"generalized_slowing", "gpd", "burst_suppression"}:
        out.append(
            "Consistent with a diffuse encephalopathy; interpret with sedation and metabolic state."
        )
    if names & {"focal_slowing", "focal_attenuation"}:
        out.append("Suggests a focal structural lesion; compare with imaging.")
    if "excess_beta" in names:
        out.append("Beta excess is commonly drug related.")
    return " ".join(out)


def write_report(spec: DipoleSpec, rng: np.random.Generator) -> str:
    """Return the report of a dipole-family recording (sections separated by blank lines)."""
    pen = _Pen(spec, rng)
    heading, drugs = _drugs(pen)
    sections = [
        ("REASON FOR STUDY", _reason(pen)),
        ("HISTORY", _history(pen)),
        (heading, drugs),
        ("TECHNIQUE", _technique(pen)),
        ("EEG BACKGROUND", _background(pen)),
        ("RANDOM WAKEFULNESS AND SLEEP", _sleep(pen)),
        ("EPILEPTIFORM ACTIVITY", _epileptiform(pen)),
        ("OTHER PAROXYSMAL ACTIVITY (NON-EPILEPTIFORM)", _other(pen)),
        ("INTERPRETATION", _interpretation(pen)),
        ("CORRELATION", _correlation(pen)),
    ]
    return "\n\n".join(f"{name}: {body}" for name, body in sections if body)
