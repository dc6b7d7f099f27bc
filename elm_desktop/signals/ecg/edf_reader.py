"""Read a 12-lead ECG stored as EDF, EDF+ or BDF, through the checked header and MNE.

The header is checked as for EEG (:func:`elm_desktop.signals.edf_header.read_header`: size,
record count, scaling), so a truncated or damaged file gets the same one-line errors; MNE then
reads the samples in volts, whatever physical unit each signal declares.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import mne
import numpy as np

from elm_desktop.errors import BadHeaderError
from elm_desktop.signals.ecg.leads import normalise_lead_name
from elm_desktop.signals.ecg.recording import EcgPatient, EcgRecording, assemble_recording
from elm_desktop.signals.edf_header import read_header

_MILLIVOLTS_PER_VOLT = 1e3


def read_edf_ecg(path: Path, include_phi: bool = False, sfreq: float | None = None) -> EcgRecording:
    """Read an EDF, EDF+ or BDF file as a 12-lead ECG (arguments and errors as :func:`~elm_desktop.signals.ecg.read_ecg`).

    With ``include_phi`` the EDF+ patient code, name, birth date and sex are kept.
    """
    header = read_header(path)
    signals = [s for s in header.signals if not s.is_annotation]
    labels = [s.label for s in signals]
    # Only the leads are read: MNE would bring every signal to the fastest rate in the file.
    leads = [label for label in labels if normalise_lead_name(label) is not None]
    bdf = header.file_format.startswith("BDF")
    reader = mne.io.read_raw_bdf if bdf else mne.io.read_raw_edf
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = reader(header.path, include=leads, preload=True, verbose="error")
    except (ValueError, RuntimeError, KeyError, IndexError) as error:
        raise BadHeaderError(
            f"{header.path.name}: MNE cannot read this file ({' '.join(str(error).split())}); "
            "repair the header or re-export the file"
        ) from None
    declared = round(header.n_records * header.record_duration * raw.info["sfreq"])
    data = dict(zip(leads, raw.get_data()[:, :declared] * _MILLIVOLTS_PER_VOLT, strict=True))
    fields = header.patient
    patient = (
        EcgPatient(
            patient_id=fields.code, name=fields.name, birth_date=fields.birthdate, sex=fields.sex
        )
        if include_phi
        else None
    )
    return assemble_recording(
        header.path,
        header.file_format,
        labels,
        [data.get(label, np.empty(0)) for label in labels],
        [s.samples_per_record / header.record_duration for s in signals],
        start=fields.meas_date,
        patient=patient,
        notes=header.warnings,
        sfreq=sfreq,
    )
