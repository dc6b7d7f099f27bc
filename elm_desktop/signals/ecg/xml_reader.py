"""Read a 12-lead ECG from a hospital XML export: HL7 aECG or GE MUSE XML.

The XML is parsed by ``ecgdatakit`` (Apache-2.0), which refuses entity declarations (no XML
bombs, no external entities) and reads both formats' waveforms and scaling; this module picks
the format, turns the leads into millivolts and keeps patient fields out unless asked.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from elm_desktop.errors import NotAnEcgFileError
from elm_desktop.signals.ecg.recording import (
    EcgPatient,
    EcgRecording,
    assemble_recording,
    millivolts_per,
)

if TYPE_CHECKING:
    from ecgdatakit import PatientInfo

# Enough of the file to recognise its root element.
_SNIFF_BYTES = 4096


def read_xml_ecg(path: Path, include_phi: bool = False, sfreq: float | None = None) -> EcgRecording:
    """Read an HL7 aECG or GE MUSE XML file as a 12-lead ECG (arguments as :func:`~elm_desktop.signals.ecg.read_ecg`).

    XML of another kind, malformed or truncated XML and uncalibrated samples raise
    :class:`~elm_desktop.errors.NotAnEcgFileError`; with ``include_phi`` the patient ID, name,
    birth date, sex and age are kept.
    """
    from ecgdatakit import ECGDataKitError
    from ecgdatakit.parsing.parsers.ge_muse_xml import GEMuseXMLParser
    from ecgdatakit.parsing.parsers.hl7_aecg import HL7aECGParser

    with path.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
    formats = (("HL7 aECG", HL7aECGParser), ("GE MUSE XML", GEMuseXMLParser))
    found = [(name, parser) for name, parser in formats if parser.can_parse(path, head)]
    if not found:
        raise NotAnEcgFileError(
            f"{path.name} is neither HL7 aECG (AnnotatedECG) nor GE MUSE XML (RestingECG); "
            "export the ECG in one of these formats, WFDB or EDF"
        )
    source_format, parser = found[0]
    notes = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            record = parser().parse(path)
            leads = [lead.to_physical() for lead in record.leads]
        # The parser's warnings may name the file, and a file name may carry a patient's.
        notes = [_without_path(str(w.message), path) for w in caught]
    except (ECGDataKitError, ValueError) as error:
        raise NotAnEcgFileError(
            f"{path.name}: damaged {source_format} file ({' '.join(str(error).split())})"
        ) from None
    return assemble_recording(
        path,
        source_format,
        [lead.label for lead in leads],
        [lead.samples * millivolts_per(lead.units, path, lead.label) for lead in leads],
        [lead.sampling_rate for lead in leads],
        start=record.recording.date,
        patient=_patient(record.patient) if include_phi else None,
        notes=notes,
        sfreq=sfreq,
    )


def _patient(info: PatientInfo) -> EcgPatient:
    name = " ".join(part for part in (info.first_name, info.last_name) if part)
    birth = info.birth_date.date().isoformat() if info.birth_date else ""
    age = float(info.age) if info.age is not None else None
    return EcgPatient(
        patient_id=info.patient_id, name=name, birth_date=birth, sex=info.sex, age=age
    )


def _without_path(message: str, path: Path) -> str:
    """A parser's warning on one line, the file's path (in any of its forms) and name left out."""
    for form in (str(path.resolve()), str(path), path.name):
        message = message.replace(form, "the file")
    return " ".join(message.split())
