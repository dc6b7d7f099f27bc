"""De-identified metadata from a recording's header (and the corpus manifest, when there is one).

What reaches the archive: age in whole years (capped at 90), sex, the hour of day the recording
started, length and sampling rate. The recording date goes with them but the archive keeps it
only under its ``"keep"`` date policy; the file's path only when the user asks, and never when
the path itself carries the patient's name, code or birth date. The name, code and birth date
are kept only in :class:`~elm_desktop.archive.cases.PatientIdentity`, and only when the user
asks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from elm_desktop.archive.cases import CaseMetadata, PatientIdentity
from elm_desktop.signals import PatientFields, Recording
from elm_desktop.signals.edf_header import parse_edf_date

#: Ages above 89 are reported as 90 (together with a date they single people out).
MAX_AGE = 90


def _sex(text: object) -> str | None:
    value = str(text or "").strip().upper()[:1]
    return value if value in ("F", "M") else None


def case_metadata(rec: Recording, known: Mapping[str, object] | None = None) -> CaseMetadata:
    """Return the de-identified metadata of a recording.

    Parameters
    ----------
    rec : Recording
        The opened recording; its patient header fields give age and sex where they can.
    known : mapping, optional
        A corpus manifest entry (``age``, ``sex``) used where the header is silent.
    """
    known = known or {}
    patient = rec.patient
    start = patient.meas_date
    date = start.date() if start else None
    age = patient.age_years
    if age is None and isinstance(known.get("age"), int | float):
        age = float(known["age"])  # type: ignore[arg-type]
    return CaseMetadata(
        age=None if age is None else min(int(age), MAX_AGE),
        sex=_sex(patient.sex) or _sex(known.get("sex")),
        recording_date=date,
        duration_s=float(rec.duration),
        sfreq=float(rec.sfreq),
        recording_hour=start.hour if start else None,
    )


def patient_identity(rec: Recording) -> PatientIdentity:
    """Return the identifying header fields (stored only when the user asks)."""
    patient = rec.patient
    edf_plus = any((patient.code, patient.sex, patient.birthdate, patient.name))
    # EDF+ writes spaces in names as "_"; a plain EDF has only the free-text field.
    name = patient.name.replace("_", " ") if edf_plus else patient.patient
    return PatientIdentity(
        name=name or None,
        birth_date=parse_edf_date(patient.birthdate),
        recording_date=patient.meas_date.date() if patient.meas_date else None,
    )


def identifying_tokens(patient: PatientFields) -> list[str]:
    """Words of the header that identify the patient: name parts, code, birth date."""
    words = re.split(r"[\s_,^]+", f"{patient.name} {patient.code} {patient.birthdate}")
    if not patient.name:  # plain EDF: the whole free-text patient field may hold the name
        words += re.split(r"[\s_,^]+", patient.patient)
    return [w for w in words if len(w) >= 3 and w.upper() not in ("X", "M", "F")]


def safe_source(path: Path, patient: PatientFields) -> str | None:
    """The file's path, or None when the path itself holds an identifying header word."""
    text = str(path.resolve()).lower()
    if any(token.lower() in text for token in identifying_tokens(patient)):
        return None
    return str(path.resolve())
