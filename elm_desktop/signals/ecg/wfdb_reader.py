"""Read a 12-lead ECG in WFDB format (PhysioNet: a ``.hea`` header beside its ``.dat`` signals).

The header is read first and the size of each signal file checked against it, so a truncated
``.dat`` is named as such before the ``wfdb`` package reads the samples (it reads local files
only here; nothing is fetched).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from elm_desktop.errors import NotAnEcgFileError, TruncatedRecordingError, UnreadableFileError
from elm_desktop.signals.ecg.recording import (
    EcgPatient,
    EcgRecording,
    assemble_recording,
    millivolts_per,
)

if TYPE_CHECKING:
    import wfdb

# Bytes per sample of the WFDB storage formats.
_SAMPLE_BYTES = {
    "8": 1,
    "16": 2,
    "24": 3,
    "32": 4,
    "61": 2,
    "80": 1,
    "160": 2,
    "212": 1.5,
    "310": 4 / 3,
    "311": 4 / 3,
}
_COMMENT_FIELD = re.compile(r"<?(age|sex)>?\s*:\s*(\S+)", re.IGNORECASE)


def read_wfdb(path: Path, include_phi: bool = False, sfreq: float | None = None) -> EcgRecording:
    """Read a WFDB record as a 12-lead ECG (arguments and errors as :func:`~elm_desktop.signals.ecg.read_ecg`).

    ``path`` is the ``.hea`` header, its ``.dat`` file or the record name without suffix; with
    ``include_phi`` the age and sex of the header comments (PhysioNet's ``age: 63``) are kept.
    """
    import wfdb

    header_path = path.with_suffix(".hea")
    if path == header_path and not path.exists():
        raise UnreadableFileError(f"{path}: no such file; check the path")
    if not header_path.is_file():
        raise UnreadableFileError(f"{path.name}: no WFDB header {header_path.name} beside it")
    record_name = str(header_path.with_suffix(""))
    if not header_path.read_bytes().strip():
        raise NotAnEcgFileError(f"{header_path.name} is empty: no WFDB header to read")
    try:
        header = wfdb.rdheader(record_name)
    except (ValueError, IndexError, TypeError, UnicodeDecodeError) as error:
        raise NotAnEcgFileError(
            f"{header_path.name} is not a readable WFDB header ({' '.join(str(error).split())})"
        ) from None
    if not header.n_sig or not header.sig_len:
        raise NotAnEcgFileError(f"{header_path.name}: the WFDB header describes no signal samples")
    _check_signal_files(header, header_path.parent)
    try:
        record = wfdb.rdrecord(record_name, physical=True)
    except (ValueError, IndexError, OSError) as error:
        raise NotAnEcgFileError(
            f"{header_path.name}: the WFDB signals cannot be read ({' '.join(str(error).split())})"
        ) from None
    signals = [
        record.p_signal[:, k] * millivolts_per(record.units[k], header_path, record.sig_name[k])
        for k in range(record.n_sig)
    ]
    return assemble_recording(
        header_path,
        "WFDB",
        record.sig_name,
        signals,
        [record.fs] * record.n_sig,
        start=record.base_datetime,
        patient=_patient(record.comments or []) if include_phi else None,
        sfreq=sfreq,
    )


def _check_signal_files(header: wfdb.Record, folder: Path) -> None:
    """Refuse a missing or short ``.dat`` before ``wfdb`` reads it."""
    per_file: dict[str, list[int]] = {}
    for k, name in enumerate(header.file_name):
        per_file.setdefault(name, []).append(k)
    for name, signals in per_file.items():
        data = folder / name
        if not data.is_file():
            raise UnreadableFileError(f"{header.record_name}: its signal file {name} is missing")
        fmt = header.fmt[signals[0]]
        if fmt not in _SAMPLE_BYTES:
            raise NotAnEcgFileError(f"{name}: WFDB storage format {fmt} is not supported")
        offset = (header.byte_offset[signals[0]] or 0) if header.byte_offset else 0
        expected = offset + math.ceil(header.sig_len * len(signals) * _SAMPLE_BYTES[fmt])
        size = data.stat().st_size
        if size < expected:
            raise TruncatedRecordingError(
                f"{name} is truncated: {size} bytes where the header promises {expected} "
                f"({header.sig_len} samples of {len(signals)} signals); copy the file again"
            )


def _patient(comments: list[str]) -> EcgPatient:
    fields = {key.lower(): value for key, value in _COMMENT_FIELD.findall(" ".join(comments))}
    try:
        age = float(fields["age"]) if "age" in fields else None
    except ValueError:
        age = None
    return EcgPatient(sex=fields.get("sex", ""), age=age)
