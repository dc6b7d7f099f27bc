"""Why the neural-mass family's patients were referred, what they take and what came before."""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.spec import Clinical

_REFERRALS: dict[str, tuple[str, ...]] = {
    "normal": (
        "transient loss of awareness",
        "first unprovoked event while driving",
        "recurrent dizzy spells",
        "episodes of unresponsiveness at work",
        "migraine with aura and a brief blackout",
    ),
    "focal_epileptiform": (
        "episodes of epigastric rising and lip smacking",
        "a focal to bilateral convulsion",
        "recurrent speech arrest",
    ),
    "seizure": ("clusters of habitual events", "events during medication withdrawal"),
    "generalized_spike_wave": ("brief staring spells in class", "eyelid flutter with pauses"),
    "focal_slowing": ("progressive word-finding difficulty", "a lesion seen on CT"),
    "focal_attenuation": ("a convulsion after a remote stroke", "follow-up of a subdural bleed"),
    "generalized_slowing": ("confusion after surgery", "slowly progressive memory loss"),
    "gpd": ("reduced consciousness with liver failure", "myoclonus and confusion"),
    "lpd": ("sudden left-sided weakness and drowsiness", "fever and reduced consciousness"),
    "burst_suppression": ("coma after resuscitation", "refractory status under anaesthesia"),
    "excess_beta": ("spells while weaning sedatives", "anxiety with odd episodes"),
}

_PAST: dict[str, tuple[str, ...]] = {
    "normal": ("Otherwise well.", "Normal MRI brain.", "Family history of epilepsy."),
    "focal_epileptiform": ("Mesial temporal sclerosis on MRI.", "Childhood meningitis."),
    "seizure": ("Drug-resistant focal epilepsy.", "Seizure diary shows weekly events."),
    "generalized_spike_wave": ("Milestones met on time.", "Sibling with absence epilepsy."),
    "focal_slowing": ("Space-occupying lesion under review.", "Recent head injury."),
    "focal_attenuation": ("Previous craniotomy.", "Old cortical infarct."),
    "generalized_slowing": ("Urinary sepsis.", "Vascular risk factors."),
    "gpd": ("Kidney failure, on dialysis.", "Hepatic encephalopathy suspected."),
    "lpd": ("Intubated in intensive care.", "Acute stroke on imaging."),
    "burst_suppression": ("Cardiac arrest, 20 minutes to return of circulation.", "On infusion."),
    "excess_beta": ("Long-term anxiolytic use.", "Insomnia."),
}

_ANTISEIZURE = ("levetiracetam", "lamotrigine", "carbamazepine", "lacosamide", "zonisamide")
_GENERALIZED = ("valproate", "ethosuximide", "levetiracetam")
_SEDATIVES = ("midazolam", "propofol", "thiopental")
_BENZODIAZEPINES = ("clobazam", "lorazepam", "diazepam", "clonazepam")
_OTHER = ("paracetamol", "omeprazole", "amlodipine", "sertraline", "metformin", "atorvastatin")

_STUDIES = {
    "lpd": "Bedside EEG, intensive care",
    "gpd": "Bedside EEG, ward",
    "burst_suppression": "Continuous EEG, intensive care",
}


def _pick(rng: np.random.Generator, options: tuple[str, ...], count: int) -> list[str]:
    return [str(x) for x in rng.choice(options, size=min(count, len(options)), replace=False)]


def medications(rng: np.random.Generator, condition: str, findings: set[str]) -> list[str]:
    """Drugs a patient with this condition and these findings would take."""
    drugs: list[str] = []
    if condition in ("focal_epileptiform", "seizure", "lpd"):
        drugs += _pick(rng, _ANTISEIZURE, int(rng.integers(1, 3)))
    if condition == "generalized_spike_wave":
        drugs += _pick(rng, _GENERALIZED, 1)
    if condition == "burst_suppression":
        drugs += _pick(rng, _SEDATIVES, int(rng.integers(1, 3)))
    if "excess_beta" in findings:
        drugs += _pick(rng, _BENZODIAZEPINES, 1)
    if rng.random() < 0.4:
        drugs += _pick(rng, _OTHER, 1)
    return list(dict.fromkeys(drugs))


def clinical_context(
    rng: np.random.Generator, condition: str, findings: set[str], sleep: bool
) -> Clinical:
    """Referral, history, medication and the kind of study for one recording."""
    referral = str(rng.choice(_REFERRALS[condition]))
    history = str(rng.choice(_PAST[condition]))
    study = _STUDIES.get(condition, "Routine EEG with sleep" if sleep else "Routine EEG")
    return Clinical(referral, history, medications(rng, condition, findings), study)
