"""The twelve leads of the standard ECG: their names, their order and the relations between them.

Files name the same lead in many ways (``AVR``, ``aVr``, ``MDC_ECG_LEAD_AVR``, ``lead II``,
``V1 ``, ``C1`` in IEC naming, ``DII`` in French and Spanish devices); :func:`normalise_lead_name`
maps them to one spelling. The six limb leads come from three electrodes, so four of them follow
from I and II (Einthoven and Goldberger)::

    III = II - I    aVR = -(I + II) / 2    aVL = I - II / 2    aVF = II - I / 2

:func:`derive_limb_leads` fills them in for files that store eight leads (GE MUSE does), and
:func:`swapped_limb_leads` uses the same relations to find leads whose labels were exchanged,
such as MERL's aVL/aVF trap, or II and III. Reversed arm electrodes keep every relation (lead I
inverted, II and III and aVR and aVL exchanged), so :func:`reversed_arm_electrodes` reads the
QRS instead: lead I mostly negative and aVR mostly positive, which a heart in its usual place
gives only with an extreme ("northwest") axis.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from elm_desktop.signals.ecg.qrs import detect_qrs

#: The standard order: limb leads, augmented leads, precordial leads.
STANDARD_LEADS: tuple[str, ...] = (
    "I",
    "II",
    "III",
    "aVR",
    "aVL",
    "aVF",
    "V1",
    "V2",
    "V3",
    "V4",
    "V5",
    "V6",
)

#: The leads a file must record for the other four to be derived: I, II and V1-V6.
INDEPENDENT_LEADS: tuple[str, ...] = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")

#: The four limb leads that are linear combinations of I and II, as (weight of I, weight of II).
LIMB_RELATIONS: dict[str, tuple[float, float]] = {
    "III": (-1.0, 1.0),
    "aVR": (-0.5, -0.5),
    "aVL": (1.0, -0.5),
    "aVF": (-0.5, 1.0),
}

_CANONICAL = {name.upper(): name for name in STANDARD_LEADS}
_ALIASES = {
    **{f"D{roman}": roman for roman in ("I", "II", "III")},  # French and Spanish devices
    **{f"C{k}": f"V{k}" for k in range(1, 7)},  # IEC names of the chest electrodes
}
# Type prefixes and code systems a label may carry before the lead name.
_PREFIX = re.compile(r"^(MDC_ECG_LEAD_|ECG_LEAD_|ECG|EKG|LEAD|DERIVATION)[\s_:.-]*", re.IGNORECASE)


def normalise_lead_name(label: str) -> str | None:
    """Return the standard spelling of an ECG lead label, or None if it names no standard lead.

    Parameters
    ----------
    label : str
        A lead label as found in a file, e.g. ``"AVR"``, ``"MDC_ECG_LEAD_I"``, ``"lead II"``,
        ``"V1 "``, ``"ECG aVF"``.

    Returns
    -------
    str or None
        One of :data:`STANDARD_LEADS`; None for anything else (``"V4R"``, ``"-aVR"``, ``"X"``,
        ``"Fp1"``).

    Examples
    --------
    >>> normalise_lead_name("MDC_ECG_LEAD_AVF"), normalise_lead_name("lead ii")
    ('aVF', 'II')
    """
    text = _PREFIX.sub("", label.strip().rstrip(".").strip()).strip().upper()
    return _CANONICAL.get(text) or _ALIASES.get(text)


def order_note(found: Sequence[str]) -> str | None:
    """Say how a file's lead order differs from the standard one, or None when it does not.

    Parameters
    ----------
    found : sequence of str
        The standard lead names in the order the file stores them.

    Returns
    -------
    str or None
        E.g. ``"leads stored as ... (aVF before aVL); reordered by their labels to the standard
        order"``: by the labels, so a swap of the signals themselves is not undone (a trial read
        "reordered" beside "the lead labelled aVL carries aVF" as fixed).
    """
    present = [lead for lead in STANDARD_LEADS if lead in found]
    if list(found) == present:
        return None
    inversions = [
        f"{later} before {earlier}"
        for i, earlier in enumerate(present)
        for later in present[i + 1 :]
        if found.index(later) < found.index(earlier)
    ]
    shown = ", ".join(inversions[:3]) + (", ..." if len(inversions) > 3 else "")
    return (
        f"leads stored as {' '.join(found)} ({shown}); reordered by their labels to the "
        "standard order"
    )


def derive_limb_leads(first: np.ndarray, second: np.ndarray) -> dict[str, np.ndarray]:
    """Return III, aVR, aVL and aVF computed from leads I and II.

    Parameters
    ----------
    first, second : ndarray
        Leads I and II, same shape.

    Returns
    -------
    dict of str to ndarray
    """
    return {lead: a * first + b * second for lead, (a, b) in LIMB_RELATIONS.items()}


def swapped_limb_leads(leads: Mapping[str, np.ndarray], tolerance: float = 0.2) -> list[str]:
    """Find limb leads whose signal is another limb lead's, by the Einthoven-Goldberger relations.

    A lead labelled aVL that carries aVF (MERL's pretraining data stores them the other way
    round) fails its own relation to I and II and fits aVF's. Only III, aVR, aVL and aVF are
    checked; I and II are taken as labelled.

    Parameters
    ----------
    leads : mapping of str to ndarray
        At least I and II and the limb leads to check, as recorded (not derived).
    tolerance : float
        Largest RMS of the residual, relative to the RMS of the lead, for a relation to hold.

    Returns
    -------
    list of str
        One sentence per mislabelled lead, e.g. ``"the lead labelled aVL carries aVF"``;
        empty when every relation holds or cannot be checked (a flat lead).
    """
    if "I" not in leads or "II" not in leads:
        return []
    expected = derive_limb_leads(leads["I"], leads["II"])
    if "III" in leads:
        # II and III exchanged: the file's III is then I + its II, not its II - I.
        third = leads["III"]
        scale = float(np.sqrt(np.mean(third**2)))
        if scale > 0.0:
            as_labelled = float(np.sqrt(np.mean((third - expected["III"]) ** 2))) / scale
            exchanged = float(np.sqrt(np.mean((third - leads["I"] - leads["II"]) ** 2))) / scale
            if as_labelled > tolerance >= exchanged:
                return ["the leads labelled II and III carry each other's signal"]
    notes = []
    for label in LIMB_RELATIONS:
        if label not in leads:
            continue
        signal = leads[label]
        scale = float(np.sqrt(np.mean(signal**2)))
        if scale == 0.0:
            continue

        def misfit(target: str, signal: np.ndarray = signal, scale: float = scale) -> float:
            return float(np.sqrt(np.mean((signal - expected[target]) ** 2))) / scale

        if misfit(label) <= tolerance:
            continue
        best = min(LIMB_RELATIONS, key=misfit)
        if best != label and misfit(best) <= tolerance:
            notes.append(f"the lead labelled {label} carries {best}")
    return notes


#: Half-width (s) of the window around each QRS whose net deflection gives a lead's polarity.
QRS_HALF_WIDTH_S = 0.05
#: Least QRS size (peak to peak, mV; 1 mm on ECG paper) for aVR to count as upright: at an
#: axis near +120 degrees aVR is isoelectric, and a net ratio of noise then called it upright
#: (a trial: a true right axis, aVR at 0.05 mV, taken for reversed arms). On 600 synthetic
#: ECGs with the arms reversed it names as many as before (58.3 %).
MIN_UPRIGHT_MV = 0.1


def reversed_arm_electrodes(
    leads: Mapping[str, np.ndarray], qrs: np.ndarray, sfreq: float
) -> list[str]:
    """Say whether the left and right arm electrodes look reversed.

    Parameters
    ----------
    leads : mapping of str to ndarray
        At least I and aVR, in millivolts.
    qrs : ndarray of int
        Sample indices of the QRS complexes (:func:`~elm_desktop.signals.ecg.qrs.detect_qrs`).
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    list of str
        One sentence when lead I's QRS is mostly negative and aVR's mostly positive (net
        over absolute deflection from the lead's median, the median over the complexes) and at
        least :data:`MIN_UPRIGHT_MV` in size; empty otherwise or with fewer than two complexes. A right axis alone turns I negative but
        leaves aVR negative. Lead I's P wave, or I against V6, would catch more reversals, but
        on this project's ECGs both also flagged right axes (a long PR or atrial fibrillation
        leaves no window that reliably holds the P wave).
    """
    if "I" not in leads or "aVR" not in leads or len(qrs) < 2:
        return []

    half = max(1, int(round(QRS_HALF_WIDTH_S * sfreq)))

    def polarity(signal: np.ndarray) -> float:
        """Net over absolute QRS deflection from the lead's median, -1 to 1, over the beats."""
        baseline = float(np.median(signal))
        ratios = []
        for q in qrs:
            part = signal[max(q - half, 0) : q + half + 1] - baseline
            size = float(np.sum(np.abs(part)))
            if size > 0.0:
                ratios.append(float(np.sum(part)) / size)
        return float(np.median(ratios)) if ratios else 0.0

    def size(signal: np.ndarray) -> float:
        """The QRS's peak-to-peak size in mV, the median over the beats."""
        return float(np.median([np.ptp(signal[max(q - half, 0) : q + half + 1]) for q in qrs]))

    qrs_i, qrs_avr = polarity(leads["I"]), polarity(leads["aVR"])
    if qrs_i < 0.0 < qrs_avr and size(leads["aVR"]) >= MIN_UPRIGHT_MV:
        return [
            "lead I is inverted and aVR upright: the left and right arm electrodes may be "
            "reversed (or the heart lies on the right, or the axis is extreme)"
        ]
    return []


def placement_warnings(
    leads: Mapping[str, np.ndarray], sfreq: float, derived: Sequence[str] = ()
) -> list[str]:
    """Say which leads are not where their labels put them, as the reader does.

    Parameters
    ----------
    leads : mapping of str to ndarray
        The twelve standard leads in millivolts.
    sfreq : float
        Sampling rate in Hz.
    derived : sequence of str
        Leads computed from I and II rather than recorded: they fit the relations by
        construction and are left out of :func:`swapped_limb_leads`.

    Returns
    -------
    list of str
        The exchanged labels (:func:`swapped_limb_leads`) or, when there are none, reversed arm
        electrodes (:func:`reversed_arm_electrodes`); empty when the leads look in place.
    """
    named = swapped_limb_leads({k: v for k, v in leads.items() if k not in derived})
    if named:
        return named
    samples = np.stack([leads[lead] for lead in STANDARD_LEADS])
    return reversed_arm_electrodes(leads, detect_qrs(samples, sfreq), sfreq)
