"""Why the wave-atoms family's patients came, what they take, and the kind of study."""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.spec import Clinical

# Referral and history wording must not name findings (the INTRODUCTION is read by the
# findings extractor); history goes under CLINICAL HISTORY, which it skips.
_WHY: dict[str, tuple[str, ...]] = {
    "normal": (
        "a single generalized convulsion after sleep deprivation",
        "recurrent fainting with jerking",
        "episodes of confusion lasting minutes",
        "a collapse at the gym",
        "paroxysmal vertigo",
    ),
    "focal_epileptiform": (
        "stereotyped episodes of deja vu and fear",
        "nocturnal events with right arm posturing",
        "episodes of oral automatisms",
    ),
    "seizure": ("daily habitual spells despite treatment", "presurgical characterization"),
    "generalized_spike_wave": ("staring episodes noticed by teachers", "morning myoclonic jerks"),
    "focal_slowing": ("new left-sided headaches and word errors", "a mass on recent imaging"),
    "focal_attenuation": ("evaluation after an old hemorrhage", "spells after a craniotomy"),
    "generalized_slowing": ("fluctuating confusion", "cognitive decline over a year"),
    "gpd": ("altered mental status with renal failure", "confusion and asterixis"),
    "lpd": ("acute right hemiparesis with decreased responsiveness", "encephalitis workup"),
    "burst_suppression": ("unresponsiveness after cardiac arrest", "status epilepticus on drips"),
    "excess_beta": ("episodic dizziness on benzodiazepines", "spells in a patient with anxiety"),
}

_BEFORE: dict[str, tuple[str, ...]] = {
    "normal": ("No prior workup.", "CT head unremarkable.", "Mother had febrile convulsions."),
    "focal_epileptiform": ("Febrile status epilepticus at age 2.", "Remote traumatic injury."),
    "seizure": ("Failed three medications.", "Admitted to the monitoring unit."),
    "generalized_spike_wave": (
        "Typical developmental milestones.",
        "Cousin with juvenile myoclonic epilepsy.",
    ),
    "focal_slowing": ("Glioma under evaluation.", "Recent fall with contusion."),
    "focal_attenuation": (
        "Chronic subdural collection on CT.",
        "Remote left MCA territory infarct.",
    ),
    "generalized_slowing": ("Sepsis on antibiotics.", "Treated hypertension and type 2 diabetes."),
    "gpd": ("Hemodialysis dependent.", "Cirrhosis."),
    "lpd": ("Acute infarct on MRI.", "HSV PCR pending."),
    "burst_suppression": ("Therapeutic hypothermia completed.", "Pentobarbital infusion."),
    "excess_beta": ("Chronic alprazolam use.", "Alcohol use disorder in remission."),
}

_FOCAL_DRUGS = ("oxcarbazepine", "levetiracetam", "lacosamide", "brivaracetam", "topiramate")
_GENERALIZED_DRUGS = ("valproic acid", "ethosuximide", "lamotrigine")
_INFUSIONS = ("propofol", "midazolam", "pentobarbital")
_BENZODIAZEPINES = ("alprazolam", "clonazepam", "lorazepam")
_OTHERS = ("lisinopril", "pantoprazole", "melatonin", "escitalopram", "insulin glargine")
_STUDIES = {
    "lpd": "Portable EEG in the ICU",
    "gpd": "Portable EEG on the ward",
    "burst_suppression": "Continuous ICU EEG, first hour",
}


def _some(rng: np.random.Generator, pool: tuple[str, ...], count: int) -> list[str]:
    return [str(x) for x in rng.choice(pool, size=min(count, len(pool)), replace=False)]


def clinical_context(
    rng: np.random.Generator, condition: str, findings: set[str], sleep: bool
) -> Clinical:
    """Referral, history, medications and the kind of study for one recording."""
    drugs: list[str] = []
    if condition in ("focal_epileptiform", "seizure", "lpd", "focal_slowing"):
        drugs += _some(
            rng, _FOCAL_DRUGS, int(rng.integers(0 if condition == "focal_slowing" else 1, 3))
        )
    if condition == "generalized_spike_wave":
        drugs += _some(rng, _GENERALIZED_DRUGS, int(rng.integers(0, 2)))
    if condition == "burst_suppression":
        drugs += _some(rng, _INFUSIONS, int(rng.integers(1, 3)))
    if "excess_beta" in findings:
        drugs += _some(rng, _BENZODIAZEPINES, 1)
    if rng.random() < 0.35:
        drugs += _some(rng, _OTHERS, 1)
    study = _STUDIES.get(
        condition, "Routine outpatient EEG, awake and asleep" if sleep else "Routine outpatient EEG"
    )
    return Clinical(
        str(rng.choice(_WHY[condition])),
        str(rng.choice(_BEFORE[condition])),
        list(dict.fromkeys(drugs)),
        study,
    )
