"""What the referring clinician writes for a dipole-family recording: reason, history, drugs."""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.spec import Clinical

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


def clinical_context(
    rng: np.random.Generator, condition: str, findings: set[str], study: str
) -> Clinical:
    """Reason for the study, a line of history and medications that fit the findings."""
    key = condition if condition in _REASONS else "normal"
    indication = str(rng.choice(_REASONS[key]))
    history = str(rng.choice(_BACKGROUND_NOTES[key]))
    return Clinical(indication, history, _medications(rng, findings), study)


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
