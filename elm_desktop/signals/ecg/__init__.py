"""12-lead ECG: reading WFDB, EDF/EDF+/BDF, HL7 aECG and GE MUSE XML files into one checked form.

::

    ecg = read_ecg("00001_hr.hea")      # EcgRecording: 12 leads in mV, standard order
    ecg.lead("V1"), ecg.sfreq, ecg.warnings
"""

from elm_desktop.signals.ecg.leads import (
    INDEPENDENT_LEADS,
    STANDARD_LEADS,
    derive_limb_leads,
    normalise_lead_name,
    swapped_limb_leads,
)
from elm_desktop.signals.ecg.reader import ECG_FORMATS, ecg_format, read_ecg
from elm_desktop.signals.ecg.recording import EcgPatient, EcgRecording

__all__ = [
    "ECG_FORMATS",
    "INDEPENDENT_LEADS",
    "STANDARD_LEADS",
    "EcgPatient",
    "EcgRecording",
    "derive_limb_leads",
    "ecg_format",
    "normalise_lead_name",
    "read_ecg",
    "swapped_limb_leads",
]
