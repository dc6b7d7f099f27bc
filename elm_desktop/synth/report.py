"""Clinical EEG reports written from a recording's spec, as a neurophysiologist would word them.

The sections follow the TUH / ACNS Guideline 7 layout (CLINICAL HISTORY, MEDICATIONS,
INTRODUCTION, DESCRIPTION OF THE RECORD, HR, EVENTS, IMPRESSION, CLINICAL CORRELATION). Every
abnormal finding of the spec appears with its location and laterality; normal features are
described or stated as pertinent negatives. Phrasing varies (several wordings per finding,
abbreviations such as PDR, GPDs, LPDs, SW, hedges) and a few reports lose a section or carry
typos, as real ones do.
"""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.heart_rhythm import RHYTHM_WORDS
from elm_desktop.synth.spec import (
    BENZODIAZEPINES,
    SEDATIVES,
    Finding,
    RecordingSpec,
)


class _Writer:
    def __init__(self, spec: RecordingSpec, rng: np.random.Generator) -> None:
        self.spec = spec
        self.rng = rng

    def pick(self, options: list[str]) -> str:
        return str(options[int(self.rng.integers(len(options)))])

    def chance(self, probability: float) -> bool:
        return bool(self.rng.random() < probability)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _place(w: _Writer, location: str) -> str:
    return w.pick(
        [
            f"the {location} region",
            f"the {location} head region",
            f"the {location} area",
            f"{location} leads",
            f"the {location} electrodes",
        ]
    )


def _focus_phrase(w: _Writer, finding: Finding) -> str:
    focus = finding.detail.get("focus") or (finding.electrodes[0] if finding.electrodes else "")
    if not focus:
        return ""
    return w.pick(
        [
            f", maximal at {focus}",
            f" with phase reversal at {focus}",
            f" ({focus})",
            f", max {focus}",
        ]
    )


def _history(w: _Writer) -> str:
    spec = w.spec
    age = spec.patient.age
    sex = {"M": ["male", "man", "gentleman"], "F": ["female", "woman", "lady"]}[spec.patient.sex]
    if age < 18:
        sex = {"M": ["boy", "male"], "F": ["girl", "female"]}[spec.patient.sex]
    age_text = f"{int(age)}-year-old" if age >= 2 else f"{int(age * 12)}-month-old"
    lead = w.pick(
        [
            f"{age_text} {w.pick(sex)} with {spec.clinical.indication}.",
            f"This is a {age_text} {w.pick(sex)} with {spec.clinical.indication}.",
            f"{age_text} {w.pick(sex)} referred for {spec.clinical.indication}.",
            f"A {age_text} {w.pick(sex)} being evaluated for {spec.clinical.indication}.",
        ]
    )
    return f"{lead} {spec.clinical.history}".strip()


def _medications(w: _Writer) -> str:
    meds = w.spec.clinical.medications
    if not meds:
        return w.pick(["None.", "None reported.", "No medications listed.", "N/A"])
    names = [m.capitalize() if w.chance(0.5) else m for m in meds]
    return ", ".join(names) + ("." if w.chance(0.5) else "")


def _introduction(w: _Writer) -> str:
    spec = w.spec
    states = spec.states_present()
    kind = spec.clinical.study
    parts = [
        w.pick(
            [
                f"{kind} was performed using the standard 10-20 system of electrode placement",
                f"Digital video EEG ({kind}) was recorded with the international 10-20 system",
                f"{kind} using 21 electrodes placed according to the 10-20 system",
            ]
        )
        + (" with one channel of EKG." if spec.with_ekg else ".")
    ]
    hv = any(p.kind == "hv" for p in spec.procedures)
    photic = any(p.kind == "photic" for p in spec.procedures)
    if hv and photic:
        parts.append(
            w.pick(
                [
                    "Hyperventilation and photic stimulation were performed.",
                    "Activation procedures: HV and photic stimulation.",
                    "HV and photic stimulation were completed.",
                ]
            )
        )
    elif photic:
        parts.append(
            w.pick(
                [
                    "Photic stimulation was performed. Hyperventilation was not performed.",
                    "Photic stimulation was done; HV was not done.",
                ]
            )
        )
    elif hv:
        parts.append("Hyperventilation was performed. Photic stimulation was not performed.")
    elif "coma" in states or "obtunded" in states:
        parts.append(
            w.pick(
                [
                    "Activation procedures were not performed.",
                    "No activation procedures were performed given the clinical state.",
                ]
            )
        )
    if "coma" in states:
        parts.append(
            w.pick(
                [
                    "The patient is intubated and unresponsive.",
                    "The patient was comatose throughout the recording.",
                ]
            )
        )
    elif "obtunded" in states:
        parts.append(
            w.pick(
                [
                    "The patient is lethargic and minimally responsive.",
                    "The patient was obtunded during the study.",
                ]
            )
        )
    elif states & {"n2", "n3"}:
        parts.append(
            w.pick(
                [
                    "The record includes wakefulness and sleep.",
                    "The patient was recorded awake and asleep.",
                    "Wakefulness, drowsiness and stage II sleep were recorded.",
                ]
            )
        )
    elif "drowsy" in states:
        parts.append(
            w.pick(
                [
                    "The patient was recorded in wakefulness and drowsiness.",
                    "Awake and drowsy states were captured.",
                ]
            )
        )
    else:
        parts.append(
            w.pick(
                [
                    "The patient was recorded awake.",
                    "The recording was obtained in wakefulness only.",
                    "",
                ]
            )
        )
    minutes = spec.duration_s / 60
    if w.chance(0.4):
        parts.append(
            f"Total recording time was {minutes:.0f} minutes."
            if minutes >= 1
            else f"Recording time {spec.duration_s} seconds."
        )
    return " ".join(p for p in parts if p)


def _background(w: _Writer) -> list[str]:
    spec = w.spec
    states = spec.states_present()
    out: list[str] = []
    pdr = spec.pdr_frequency
    amp = int(round(35 * spec.amplitude_scale / 5) * 5)
    if "coma" in states:
        if not spec.finding("burst_suppression"):
            out.append(
                w.pick(
                    [
                        "The background is diffusely slow and unreactive.",
                        "The background consists of low to medium voltage diffuse delta and theta without reactivity.",
                    ]
                )
            )
        return out
    slowing = spec.finding("generalized_slowing")
    if "obtunded" in states:
        out.append(
            w.pick(
                [
                    f"The background is disorganized with a poorly sustained {pdr:.0f} Hz posterior rhythm.",
                    "There is no clear posterior dominant rhythm; the background consists of diffuse theta and delta.",
                    "The background is diffusely slow with no well-formed PDR.",
                ]
            )
        )
    elif slowing:
        out.append(
            w.pick(
                [
                    f"The background is slow with a posterior dominant rhythm of {pdr:.1f} Hz.",
                    f"The PDR is slow at {pdr:.1f} Hz, with diffuse theta and delta slowing.",
                    f"In wakefulness the best background reaches {pdr:.0f} Hz posteriorly, with excess diffuse theta and delta activity.",
                    f"The background shows generalized slowing; the posterior rhythm is {pdr:.1f} Hz.",
                ]
            )
        )
    else:
        reactive = w.pick(
            [
                "reactive to eye opening",
                "which attenuates with eye opening",
                "that blocks with eye opening",
                "reactive to eyes open",
            ]
        )
        out.append(
            w.pick(
                [
                    f"In wakefulness, there is a {pdr:.1f} Hz, {amp} uV posterior dominant rhythm, {reactive}.",
                    f"The background is well organized with a {pdr:.0f} Hz PDR {reactive}.",
                    f"The posterior dominant rhythm is {pdr:.1f} Hz and {reactive}.",
                    f"Awake background: {pdr:.0f}-{pdr + 1:.0f} Hz alpha rhythm posteriorly, {amp} uV, {reactive}.",
                ]
            )
        )
        if w.chance(0.5):
            out.append(
                w.pick(
                    [
                        "There is a normal anterior to posterior gradient.",
                        "The background is symmetric.",
                        "Normal anterior-posterior gradient is present.",
                    ]
                )
            )
    if spec.finding("excess_beta"):
        out.append(
            w.pick(
                [
                    "There is excess beta activity, most prominent in the frontocentral regions.",
                    "Prominent diffuse beta activity is noted, maximal frontocentrally.",
                    "Excessive frontocentral beta is present throughout the record.",
                    "There is an increased amount of fast (beta) activity frontally and centrally.",
                ]
            )
        )
    elif w.chance(0.4) and "coma" not in states:
        out.append(
            w.pick(
                [
                    "There is a small amount of frontocentral beta.",
                    "Low voltage frontocentral beta activity is present.",
                    "A normal amount of beta is seen frontocentrally.",
                ]
            )
        )
    return out


def _focal_sentences(w: _Writer) -> list[str]:
    spec = w.spec
    out: list[str] = []
    slowing = spec.finding("focal_slowing")
    if slowing:
        how = (
            "continuous"
            if slowing.detail.get("continuous")
            else w.pick(["intermittent", "intermittent", "occasional"])
        )
        out.append(
            w.pick(
                [
                    f"There is {how} polymorphic delta slowing over {_place(w, slowing.location)}.",
                    f"{how.capitalize()} focal slowing is seen in {_place(w, slowing.location)}.",
                    f"{how.capitalize()} irregular delta activity is present over {_place(w, slowing.location)}.",
                    f"Focal {how} 1-3 Hz slowing is noted in {_place(w, slowing.location)}.",
                ]
            )
        )
    attenuation = spec.finding("focal_attenuation")
    if attenuation:
        side = "left" if attenuation.location.startswith("left") else "right"
        out.append(
            w.pick(
                [
                    f"There is an asymmetry with lower voltage over {_place(w, attenuation.location)}.",
                    f"Focal attenuation of the background is noted over {_place(w, attenuation.location)}.",
                    f"The background is attenuated in {_place(w, attenuation.location)}, with reduced amplitude compared with the homologous region.",
                    f"Amplitude asymmetry: the {side} side is lower, most marked in {_place(w, attenuation.location)}.",
                ]
            )
        )
    return out


def _epileptiform(w: _Writer) -> list[str]:
    spec = w.spec
    out: list[str] = []
    spikes = spec.finding("focal_epileptiform")
    if spikes:
        n = len(spikes.intervals)
        rate = n / max(spec.duration_s / 60, 1e-3)
        frequency = "frequent" if rate > 4 else ("occasional" if rate > 1 else "rare")
        kind = spikes.detail.get("morphology", "spikes")
        single = {"spikes": "spike", "sharp waves": "sharp wave"}[kind]
        sleep_note = (
            " which increase in sleep"
            if spec.states_present() & {"n2", "drowsy"} and w.chance(0.4)
            else ""
        )
        out.append(
            w.pick(
                [
                    f"There are {frequency} {kind} in {_place(w, spikes.location)}{_focus_phrase(w, spikes)}{sleep_note}.",
                    f"{frequency.capitalize()} {spikes.location} {kind}{_focus_phrase(w, spikes)} are seen.",
                    f"{frequency.capitalize()} {spikes.location} {single} and slow wave discharges{_focus_phrase(w, spikes)}.",
                    f"Epileptiform discharges: {frequency} {kind} over {_place(w, spikes.location)}{_focus_phrase(w, spikes)}.",
                ]
            )
        )
    sw = spec.finding("generalized_spike_wave")
    if sw:
        lengths = [b - a for a, b in sw.intervals]
        hv_note = (
            " Hyperventilation provoked a burst."
            if any(p.kind == "hv" for p in spec.procedures) and w.chance(0.4)
            else ""
        )
        out.append(
            w.pick(
                [
                    f"There are bursts of generalized 3 Hz spike and wave discharges lasting up to {max(lengths):.0f} seconds.",
                    f"Generalized 3 Hz SW complexes occur in bursts of {min(lengths):.0f}-{max(lengths):.0f} s, frontally predominant.",
                    f"Paroxysms of generalized 3 Hz spike-and-wave activity, maximal frontally, lasting {min(lengths):.0f} to {max(lengths):.0f} seconds.",
                    "Intermittent bursts of generalized spike-wave discharges at approximately 3 Hz are recorded.",
                ]
            )
            + hv_note
        )
    lpd = spec.finding("lpd")
    if lpd:
        frequency = lpd.detail.get("frequency", 1.0)
        out.append(
            w.pick(
                [
                    f"There are lateralized periodic discharges (LPDs) over {_place(w, lpd.location)} at {frequency:.1f} Hz.",
                    f"LPDs are seen over {_place(w, lpd.location)}, recurring at about {frequency:.1f} Hz.",
                    f"Periodic sharp waves in {_place(w, lpd.location)} at {frequency:.1f} Hz (LPDs, formerly PLEDs).",
                    f"{lpd.location.capitalize()} lateralized periodic discharges at {frequency:.1f} Hz.",
                ]
            )
        )
    gpd = spec.finding("gpd")
    if gpd:
        frequency = gpd.detail.get("frequency", 1.5)
        out.append(
            w.pick(
                [
                    f"There are generalized periodic discharges (GPDs) at {frequency:.1f} Hz, some with triphasic morphology.",
                    f"GPDs at {frequency:.1f} Hz, frontally predominant.",
                    f"Generalized periodic discharges recur at approximately {frequency:.1f} Hz.",
                    f"Frequent generalized periodic sharp waves with triphasic morphology at {frequency:.1f} Hz (GPDs).",
                ]
            )
        )
    burst = spec.finding("burst_suppression")
    if burst:
        gaps = [
            b[0] - a[1] for a, b in zip(burst.intervals, burst.intervals[1:], strict=False)
        ] or [5.0]
        out.append(
            w.pick(
                [
                    f"The background shows a burst suppression pattern with bursts of 1-3 seconds separated by {min(gaps):.0f}-{max(gaps):.0f} seconds of suppression.",
                    "Burst suppression pattern: high voltage bursts of mixed frequencies alternate with periods of suppression below 10 uV.",
                    "The record is discontinuous, with a burst-suppression pattern. No reactivity to stimulation.",
                    f"Burst suppression with interburst intervals of {min(gaps):.0f} to {max(gaps):.0f} s.",
                ]
            )
        )
    return out


def _sleep(w: _Writer) -> list[str]:
    sleep = w.spec.finding("sleep")
    if not sleep:
        return []
    features = []
    if sleep.detail.get("vertex_waves"):
        features.append(w.pick(["vertex waves", "V waves", "vertex sharp transients"]))
    if sleep.detail.get("spindles"):
        features.append(w.pick(["sleep spindles", "spindles"]))
    if sleep.detail.get("k_complexes"):
        features.append(w.pick(["K-complexes", "K complexes"]))
    stages = sleep.detail.get("stages", [])
    if "n2" in stages or "n3" in stages:
        lead = w.pick(
            [
                "Stage II sleep is characterized by",
                "In sleep there are",
                "Sleep is recorded with",
                "N2 sleep shows",
            ]
        )
    else:
        lead = w.pick(
            [
                "Drowsiness is characterized by slowing of the background and",
                "In drowsiness there is a dropout of the PDR with",
                "Drowsiness shows",
            ]
        )
    if not features:
        return [
            w.pick(
                [
                    "Drowsiness is characterized by slowing of the background.",
                    "Drowsiness with diffuse theta is seen.",
                ]
            )
        ]
    return [
        f"{lead} {', '.join(features[:-1]) + ' and ' if len(features) > 1 else ''}{features[-1]}."
    ]


def _activation(w: _Writer) -> list[str]:
    spec = w.spec
    out: list[str] = []
    hv = next((p for p in spec.procedures if p.kind == "hv"), None)
    if hv is not None:
        if hv.response:
            out.append(
                w.pick(
                    [
                        "Hyperventilation produced a diffuse high amplitude delta buildup.",
                        "HV elicits generalized rhythmic slowing (buildup), which resolves after HV.",
                        "Hyperventilation resulted in a symmetric slowing of the background.",
                    ]
                )
            )
        else:
            out.append(
                w.pick(
                    [
                        "Hyperventilation produced no significant change.",
                        "HV did not activate the record.",
                        "Hyperventilation was unremarkable.",
                    ]
                )
            )
    flashes = [p for p in spec.procedures if p.kind == "photic"]
    if flashes:
        driven = [p.frequency for p in flashes if p.response]
        if driven:
            out.append(
                w.pick(
                    [
                        f"Photic stimulation elicited a driving response at {min(driven):.0f}-{max(driven):.0f} Hz.",
                        "Photic stimulation produces symmetric driving in the occipital regions.",
                        f"Photic driving is present at flash frequencies from {min(driven):.0f} to {max(driven):.0f} Hz.",
                    ]
                )
            )
        else:
            out.append(
                w.pick(
                    [
                        "Photic stimulation did not elicit a driving response.",
                        "No photic driving.",
                        "Photic stimulation was unremarkable.",
                    ]
                )
            )
    return out


def _artifacts(w: _Writer) -> list[str]:
    kinds = {f.detail.get("type") for f in w.spec.findings if f.name == "artifact"}
    out = []
    # Reports name the artifacts that limit reading nearly always, blinks only now and then.
    if "muscle" in kinds and w.chance(0.9):
        out.append(
            w.pick(
                [
                    "Intermittent muscle artifact over the temporal regions.",
                    "There is muscle artifact in the temporal leads at times.",
                ]
            )
        )
    if "electrode pop" in kinds and w.chance(0.9):
        out.append(
            w.pick(
                [
                    "Occasional electrode artifact is noted.",
                    "There are intermittent electrode pops.",
                ]
            )
        )
    if any(e.kind == "blink" for e in w.spec.events) and w.chance(0.3):
        out.append("Eye blink artifact is seen frontally.")
    return out


def _events(w: _Writer) -> str:
    seizure = w.spec.finding("seizure")
    if not seizure:
        return w.pick(["None.", "No clinical events.", "No pushbutton events.", "None recorded."])
    texts = []
    for (start, end), event in zip(
        seizure.intervals, [e for e in w.spec.events if e.kind == "seizure"], strict=False
    ):
        p = event.params
        spread = {
            "hemisphere": f"spreading to the entire {p['side']} hemisphere",
            "generalized": "with secondary generalization",
            "regional": "remaining regional",
        }[p["spread"]]
        texts.append(
            w.pick(
                [
                    f"At {_clock(start)} there is an electrographic seizure arising from {_place(w, seizure.location)}: rhythmic {p['f_start']:.0f} Hz activity evolves into higher amplitude {p['f_end']:.0f} Hz rhythmic sharp waves, {spread}, lasting {end - start:.0f} seconds, followed by postictal slowing.",
                    f"Seizure at {_clock(start)}, {end - start:.0f} s: onset with low voltage {p['f_start']:.0f} Hz rhythmic activity in {_place(w, seizure.location)}, evolving in frequency and amplitude to {p['f_end']:.0f} Hz, {spread}.",
                    f"One electrographic seizure ({_clock(start)}) of {seizure.location} onset lasting {end - start:.0f} s, with evolution from {p['f_start']:.0f} Hz to {p['f_end']:.0f} Hz and {spread}.",
                ]
            )
        )
    return " ".join(texts)


_IMPRESSION_ITEMS: dict[str, list[str]] = {
    "seizure": [
        "Electrographic seizure(s) arising from the {loc} region.",
        "{n} seizure(s) of {loc} onset.",
        "Focal seizure, {loc} onset.",
    ],
    "focal_epileptiform": [
        "{Loc} epileptiform discharges ({morph}).",
        "Focal {morph} in the {loc} region.",
        "{Loc} spikes.",
    ],
    "generalized_spike_wave": [
        "Generalized 3 Hz spike and wave discharges.",
        "Generalized SW bursts at 3 Hz.",
        "Generalized spike-wave paroxysms.",
    ],
    "lpd": [
        "LPDs over the {loc} region.",
        "{Loc} lateralized periodic discharges.",
        "Lateralized periodic discharges, {loc}.",
    ],
    "gpd": [
        "GPDs.",
        "Generalized periodic discharges.",
        "Generalized periodic discharges with triphasic morphology.",
    ],
    "focal_slowing": [
        "Focal slowing in the {loc} region.",
        "{Loc} focal slowing.",
        "Intermittent {loc} slowing.",
    ],
    "focal_attenuation": [
        "Focal attenuation over the {loc} region.",
        "Background asymmetry, lower voltage {loc}.",
        "{Loc} attenuation.",
    ],
    "generalized_slowing": [
        "Generalized background slowing.",
        "Diffuse slowing of the background.",
        "Slow PDR with diffuse theta and delta (generalized slowing).",
    ],
    "burst_suppression": [
        "Burst suppression pattern.",
        "Burst-suppression.",
        "Discontinuous background with burst suppression.",
    ],
    "excess_beta": [
        "Excess beta activity.",
        "Excessive diffuse beta.",
        "Increased frontocentral beta activity.",
    ],
}

_ORDER = [
    "seizure",
    "focal_epileptiform",
    "generalized_spike_wave",
    "lpd",
    "gpd",
    "burst_suppression",
    "focal_slowing",
    "focal_attenuation",
    "generalized_slowing",
    "excess_beta",
]


def _impression(w: _Writer) -> str:
    spec = w.spec
    states = spec.states_present()
    if states & {"coma", "obtunded"}:
        state_text = "bedside"
    elif states & {"n2", "n3"}:
        state_text = "awake and asleep"
    else:
        state_text = "awake and drowsy" if "drowsy" in states else "awake"
    abnormal = [spec.finding(name) for name in _ORDER if spec.finding(name)]
    if not abnormal:
        return w.pick(
            [
                f"Normal EEG in the {state_text} states.",
                f"This is a normal {state_text} EEG.",
                "Normal EEG.",
                f"Normal {state_text} EEG. No epileptiform discharges were seen.",
            ]
        )
    degree = (
        "severely "
        if {f.name for f in abnormal} & {"burst_suppression", "seizure", "gpd"}
        else w.pick(["", "mildly ", "moderately "])
    )
    if {f.name for f in abnormal} == {"excess_beta"}:
        degree = "mildly "
    items = []
    for finding in abnormal:
        template = w.pick(_IMPRESSION_ITEMS[finding.name])
        loc = finding.location
        items.append(
            template.format(
                loc=loc,
                Loc=loc[:1].upper() + loc[1:],
                morph=finding.detail.get("morphology", "spikes"),
                n=len(finding.intervals),
            )
        )
    lead = w.pick(
        [
            f"{degree.capitalize()}{'a' if degree else 'A'}bnormal EEG due to:",
            f"This {state_text} EEG is {degree}abnormal due to:",
            "Abnormal EEG:",
        ]
    )
    if w.chance(0.5):
        return lead + " " + " ".join(f"{i + 1}. {item}" for i, item in enumerate(items))
    return lead + "\n" + "\n".join(f"{i + 1}. {item}" for i, item in enumerate(items))


def _correlation(w: _Writer) -> str:
    spec = w.spec
    names = {f.name for f in spec.findings}
    out = []
    if "seizure" in names:
        loc = spec.finding("seizure").location
        out.append(
            w.pick(
                [
                    f"This EEG captured seizures of {loc} onset.",
                    f"The findings are diagnostic of focal epilepsy arising from the {loc} region.",
                    "Seizures were recorded; clinical correlation is advised.",
                ]
            )
        )
    if "focal_epileptiform" in names:
        loc = spec.finding("focal_epileptiform").location
        out.append(
            w.pick(
                [
                    f"The {loc} discharges indicate a potentially epileptogenic focus in the {loc} region.",
                    f"These findings are consistent with a focal epilepsy of {loc} origin.",
                    f"The {loc} spikes suggest an increased risk of focal seizures.",
                ]
            )
        )
    if "generalized_spike_wave" in names:
        out.append(
            w.pick(
                [
                    "The findings support a generalized epilepsy such as childhood absence epilepsy.",
                    "Consistent with a genetic (idiopathic) generalized epilepsy.",
                    "3 Hz SW is typical of absence epilepsy.",
                ]
            )
        )
    if "lpd" in names:
        out.append(
            w.pick(
                [
                    "LPDs indicate an acute focal cerebral process and carry an increased risk of seizures.",
                    "LPDs are associated with acute structural lesions and seizures; continued monitoring is recommended.",
                ]
            )
        )
    if "gpd" in names:
        out.append(
            w.pick(
                [
                    "GPDs may be seen in toxic-metabolic encephalopathy; correlate with labs.",
                    "Generalized periodic discharges are nonspecific and can be seen with metabolic encephalopathy or anoxic injury.",
                ]
            )
        )
    if "burst_suppression" in names:
        meds = set(spec.clinical.medications)
        cause = (
            "anesthetic medication"
            if meds & set(SEDATIVES)
            else "severe diffuse cerebral dysfunction"
        )
        out.append(
            w.pick(
                [
                    f"Burst suppression reflects a severe diffuse encephalopathy and may relate to {cause}.",
                    f"Burst suppression can be due to {cause}; correlate with sedation level.",
                ]
            )
        )
    if names & {"focal_slowing", "focal_attenuation"} and not names & {
        "seizure",
        "focal_epileptiform",
        "lpd",
    }:
        f = spec.finding("focal_slowing") or spec.finding("focal_attenuation")
        out.append(
            w.pick(
                [
                    f"Focal abnormalities suggest a structural lesion in the {f.location} region.",
                    f"These findings indicate focal cerebral dysfunction in the {f.location} region; correlate with imaging.",
                ]
            )
        )
    if "generalized_slowing" in names and "gpd" not in names:
        out.append(
            w.pick(
                [
                    "Generalized slowing is a nonspecific marker of diffuse cerebral dysfunction (encephalopathy).",
                    "Diffuse slowing is consistent with a mild to moderate encephalopathy, nonspecific as to cause.",
                ]
            )
        )
    if "excess_beta" in names:
        meds = [
            m
            for m in spec.clinical.medications
            if m in BENZODIAZEPINES + SEDATIVES + ["phenobarbital"]
        ]
        drug = meds[0] if meds else "sedative medication"
        out.append(
            w.pick(
                [
                    f"Excess beta is likely a medication effect ({drug}).",
                    f"The beta activity most likely reflects {drug}.",
                    "Excess beta is commonly due to benzodiazepines or barbiturates.",
                ]
            )
        )
    if not spec.abnormal:
        out.append(
            w.pick(
                [
                    "A normal EEG does not exclude a diagnosis of epilepsy.",
                    "No epileptiform features were seen. If clinical suspicion persists, a sleep-deprived study may be considered.",
                    "This is a normal EEG; no focal or epileptiform abnormalities.",
                    "No epileptiform discharges or seizures were recorded. Normal EEGs do not rule out epilepsy.",
                ]
            )
        )
    elif not names & {
        "focal_epileptiform",
        "generalized_spike_wave",
        "seizure",
        "lpd",
        "gpd",
    } and w.chance(0.5):
        out.append(
            w.pick(
                ["No epileptiform discharges were seen.", "There were no epileptiform features."]
            )
        )
    return " ".join(out)


def _pertinent_negatives(w: _Writer) -> list[str]:
    names = {f.name for f in w.spec.findings}
    out = []
    if not names & {
        "focal_epileptiform",
        "generalized_spike_wave",
        "lpd",
        "gpd",
        "seizure",
    } and w.chance(0.6):
        out.append(
            w.pick(
                [
                    "No epileptiform discharges were seen.",
                    "There are no epileptiform abnormalities.",
                    "No spikes or sharp waves are present.",
                ]
            )
        )
    if not names & {"focal_slowing", "focal_attenuation", "lpd"} and w.chance(0.3):
        out.append(w.pick(["There is no focal slowing.", "No focal abnormalities are seen."]))
    return out


def _typo(w: _Writer, text: str) -> str:
    words = text.split(" ")
    candidates = [
        i
        for i, word in enumerate(words)
        if len(word) > 5
        and word.isalpha()
        and not word.isupper()
        and word.lower() not in ("left", "right")
    ]
    if not candidates:
        return text
    i = candidates[int(w.rng.integers(len(candidates)))]
    word = words[i]
    j = int(w.rng.integers(1, len(word) - 2))
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _heart(w: _Writer) -> str:
    """The HR section: the rate and, where the EKG carries one, its rhythm and ictal rise."""
    spec = w.spec
    plain = w.pick(["", ", regular", ". Regular rhythm."])  # drawn always: later wording stays
    rhythm = spec.heart_rhythm
    if rhythm is None or rhythm.legacy:
        return f"{spec.heart_rate:.0f} BPM" + plain
    text = f"{rhythm.rate_bpm:.0f} BPM, {RHYTHM_WORDS[rhythm.rhythm]}."
    if rhythm.rhythm == "atrial_fibrillation":
        text = f"{rhythm.rate_bpm:.0f} BPM, irregularly irregular (atrial fibrillation)."
    if rhythm.ictal:
        peak = max(peak for _, _, peak in rhythm.ictal)
        text += f" Ictal tachycardia to {peak:.0f} BPM with the seizures."
    return text


def write_report(spec: RecordingSpec, rng: np.random.Generator) -> str:
    """Return the report text of a recording.

    Parameters
    ----------
    spec : RecordingSpec
        The recording the report describes.
    rng : numpy.random.Generator
        Chooses the wording; the same state gives the same text.

    Returns
    -------
    str
        The report, sections separated by blank lines.
    """
    w = _Writer(spec, rng)
    description = (
        _background(w)
        + _focal_sentences(w)
        + _epileptiform(w)
        + _sleep(w)
        + _activation(w)
        + _artifacts(w)
        + _pertinent_negatives(w)
    )
    sections = [
        ("CLINICAL HISTORY", _history(w)),
        (w.pick(["MEDICATIONS", "MEDICATIONS", "MEDICINES"]), _medications(w)),
        ("INTRODUCTION", _introduction(w)),
        ("DESCRIPTION OF THE RECORD", " ".join(description)),
        ("HR", _heart(w)),
        ("EVENTS", _events(w)),
        ("IMPRESSION", _impression(w)),
        ("CLINICAL CORRELATION", _correlation(w)),
    ]
    if w.chance(0.15):
        optional = [
            i
            for i, (name, _) in enumerate(sections)
            if name in ("MEDICATIONS", "MEDICINES", "INTRODUCTION", "HR", "CLINICAL CORRELATION")
        ]
        del sections[optional[int(rng.integers(len(optional)))]]
    if not spec.with_ekg:
        sections = [s for s in sections if s[0] != "HR"]
    if w.chance(0.1) and not spec.finding("seizure"):
        sections = [s for s in sections if s[0] != "EVENTS"]
    text = "\n\n".join(f"{name}: {body}" for name, body in sections)
    if w.chance(0.15):
        text = _typo(w, text)
    return text
