"""Twelve-lead test signals and the writers that put them in files.

The limb leads come from two random leads through the Einthoven-Goldberger relations, so every
relation holds as in a real recording; precordial leads are independent noise. Values are
rounded to whole microvolts, the resolution of every writer, so a file read back must give
them exactly (within float error).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from elm_desktop.signals.ecg import STANDARD_LEADS, derive_limb_leads
from elm_desktop.synth.ecg.writers import write_aecg, write_edf, write_wfdb

START = dt.datetime(2021, 3, 4, 5, 6, 7)


def twelve_leads(n_samples: int = 5000, seed: int = 0) -> np.ndarray:
    """Return (12, n_samples) leads in mV in the standard order, on a 1 uV grid."""
    rng = np.random.default_rng(seed)
    first, second = np.cumsum(rng.normal(0, 0.05, (2, n_samples)), axis=1)
    limb = derive_limb_leads(first, second)
    chest = rng.normal(0, 0.4, (6, n_samples))
    leads = np.vstack([first, second, *(limb[k] for k in ("III", "aVR", "aVL", "aVF")), chest])
    return np.round(leads, 3)


def write(
    fmt: str,
    path: Path,
    samples: np.ndarray,
    leads: Sequence[str] = STANDARD_LEADS,
    sfreq: int = 500,
) -> Path:
    """Write ``samples`` labelled ``leads`` in format ``fmt`` (wfdb, edf or aecg)."""
    if fmt == "wfdb":
        return write_wfdb(path, samples, sfreq, leads, START, ["age: 61", "sex: F"])
    if fmt == "edf":
        return write_edf(path, samples, sfreq, leads, START, "F")
    return write_aecg(path, samples, sfreq, leads, START)


def write_muse(path: Path, samples: np.ndarray, leads: Sequence[str], sfreq: int = 500) -> Path:
    """Write a GE MUSE XML rest ECG (int16 base64 at 1 uV per bit) with a named patient."""
    lead_data = "".join(
        f"<LeadData><LeadID>{lead}</LeadID><LeadSampleSize>2</LeadSampleSize>"
        "<LeadAmplitudeUnitsPerBit>1</LeadAmplitudeUnitsPerBit>"
        "<LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits>"
        f"<WaveFormData>{base64.b64encode(np.rint(row * 1000).astype('<i2').tobytes()).decode()}"
        "</WaveFormData></LeadData>"
        for lead, row in zip(leads, samples, strict=True)
    )
    path = path.with_suffix(".xml")
    path.write_text(
        '<?xml version="1.0" encoding="ISO-8859-1"?><RestingECG>'
        "<PatientDemographics><PatientID>MRN-99812</PatientID>"
        "<PatientLastName>Janssen</PatientLastName><PatientFirstName>Ria</PatientFirstName>"
        "<Gender>FEMALE</Gender><DateofBirth>05-17-1950</DateofBirth></PatientDemographics>"
        f"<TestDemographics><AcquisitionDate>{START:%m-%d-%Y}</AcquisitionDate>"
        f"<AcquisitionTime>{START:%H:%M:%S}</AcquisitionTime></TestDemographics>"
        f"<Waveform><WaveformType>Rhythm</WaveformType><SampleBase>{sfreq}</SampleBase>"
        f"<SampleExponent>0</SampleExponent>{lead_data}</Waveform></RestingECG>"
    )
    return path


@pytest.fixture
def leads_mv() -> np.ndarray:
    return twelve_leads()
