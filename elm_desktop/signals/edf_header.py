"""The EDF/EDF+/BDF header, read and checked before MNE sees the file.

MNE reads well-formed files well but answers malformed ones with tracebacks, warnings or
silently wrong data. Reading the fixed-width ASCII header here first turns every defect a user
can meet (not an EDF file, a cut-short file, unreadable fields, no data) into one
:class:`~elm_desktop.errors.RecordingError` whose message says what to do. It also keeps the
patient-identifying fields apart from the signal description.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from elm_desktop.errors import (
    BadHeaderError,
    EmptyRecordingError,
    NotAnEdfFileError,
    TruncatedRecordingError,
)

_EDF_VERSION = b"0       "
_BDF_VERSION = b"\xffBIOSEMI"
_SIGNAL_FIELDS = (  # (name, width) of each per-signal header field, in file order
    ("label", 16),
    ("transducer", 80),
    ("physical dimension", 8),
    ("physical minimum", 8),
    ("physical maximum", 8),
    ("digital minimum", 8),
    ("digital maximum", 8),
    ("prefiltering", 80),
    ("samples per record", 8),
    ("reserved", 32),
)
_ANNOTATION_LABELS = {"EDF Annotations", "BDF Annotations"}


@dataclass(frozen=True)
class SignalHeader:
    """The header of one signal (channel)."""

    label: str
    physical_dimension: str
    physical_min: float
    physical_max: float
    digital_min: int
    digital_max: int
    prefiltering: str
    samples_per_record: int

    @property
    def is_annotation(self) -> bool:
        return self.label in _ANNOTATION_LABELS


@dataclass(frozen=True)
class PatientFields:
    """Patient-identifying header fields (PHI). Never archived or exported unless asked.

    ``code``, ``sex``, ``birthdate`` and ``name`` are filled from an EDF+ patient field; a plain
    EDF file only has ``patient``, the free text of the field.
    """

    patient: str
    recording: str
    meas_date: dt.datetime | None
    code: str = ""
    sex: str = ""
    birthdate: str = ""
    name: str = ""


@dataclass(frozen=True)
class EdfHeader:
    """What the file header says, checked for consistency with the file size."""

    path: Path
    file_format: str  # "EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D"
    n_records: int
    record_duration: float
    signals: tuple[SignalHeader, ...]
    patient: PatientFields

    @property
    def discontinuous(self) -> bool:
        return self.file_format.endswith("+D")


def _field(raw: bytes, name: str, path: Path) -> str:
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        text = raw.decode("latin-1").strip()
        if name in ("patient", "recording", "label", "transducer", "prefiltering", "reserved"):
            return text  # free-text fields: be lenient with local code pages
        raise BadHeaderError(
            f"{path.name}: header field '{name}' holds non-ASCII bytes; "
            "repair the header (e.g. with EDFbrowser's header editor) or re-export the file"
        ) from None


def _number(text: str, name: str, path: Path, kind: type = float) -> float:
    try:
        return kind(text) if kind is float else int(float(text))
    except ValueError:
        raise BadHeaderError(
            f"{path.name}: header field '{name}' is {text!r}, not a number; "
            "repair the header (e.g. with EDFbrowser's header editor) or re-export the file"
        ) from None


def _parse_start(date: str, time: str) -> dt.datetime | None:
    """Parse dd.mm.yy and hh.mm.ss (EDF's clipping years: 85-99 are 19xx, else 20xx)."""
    match_date = re.fullmatch(r"(\d\d)\.(\d\d)\.(\d\d)", date)
    match_time = re.fullmatch(r"(\d\d)\.(\d\d)\.(\d\d)", time)
    if not (match_date and match_time):
        return None
    day, month, year = (int(v) for v in match_date.groups())
    year += 1900 if year >= 85 else 2000
    try:
        return dt.datetime(year, month, day, *(int(v) for v in match_time.groups()))
    except ValueError:
        return None


def _patient_fields(patient: str, recording: str, start: dt.datetime | None) -> PatientFields:
    parts = patient.split(" ")
    if len(parts) >= 4:  # EDF+: "code sex birthdate name [additional]"
        code, sex, birthdate, name = ("" if p == "X" else p for p in parts[:4])
        return PatientFields(patient, recording, start, code, sex, birthdate, name)
    return PatientFields(patient, recording, start)


def read_header(path: str | Path) -> EdfHeader:
    """Read and check the header of an EDF, EDF+ or BDF file.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    EdfHeader

    Raises
    ------
    NotAnEdfFileError
        The file does not start like an EDF or BDF file.
    BadHeaderError
        A field is non-numeric, inconsistent, or a signal has equal physical (or digital)
        minimum and maximum.
    EmptyRecordingError
        The header promises zero data records, or the file holds only annotations.
    TruncatedRecordingError
        The file holds fewer data records than the header promises.
    """
    path = Path(path)
    if not path.is_file():
        raise NotAnEdfFileError(f"{path}: no such file; check the path")
    size = path.stat().st_size
    with path.open("rb") as stream:
        main = stream.read(256)
        if len(main) < 256 or main[:8] not in (_EDF_VERSION, _BDF_VERSION):
            raise NotAnEdfFileError(
                f"{path.name} is not an EDF, EDF+ or BDF file (its first bytes are "
                f"{main[:8]!r}); export the recording from the EEG system as EDF+ or BDF"
            )
        bdf = main[:8] == _BDF_VERSION
        text = {
            name: _field(main[start:stop], name, path)
            for name, start, stop in (
                ("patient", 8, 88),
                ("recording", 88, 168),
                ("start date", 168, 176),
                ("start time", 176, 184),
                ("header bytes", 184, 192),
                ("reserved", 192, 236),
                ("number of data records", 236, 244),
                ("data record duration", 244, 252),
                ("number of signals", 252, 256),
            )
        }
        header_bytes = int(_number(text["header bytes"], "header bytes", path, int))
        n_records = int(
            _number(text["number of data records"], "number of data records", path, int)
        )
        duration = _number(text["data record duration"], "data record duration", path)
        n_signals = int(_number(text["number of signals"], "number of signals", path, int))
        if n_signals <= 0 or header_bytes != 256 * (n_signals + 1):
            raise BadHeaderError(
                f"{path.name}: the header says {n_signals} signals in {header_bytes} header "
                f"bytes, which do not agree (expected 256 x (signals + 1)); repair the header "
                "or re-export the file"
            )
        raw_signals = stream.read(256 * n_signals)
    if len(raw_signals) < 256 * n_signals:
        raise TruncatedRecordingError(
            f"{path.name} ends inside its header; the file was cut short: copy or export it again"
        )
    signals = _signal_headers(raw_signals, n_signals, path)
    start = _parse_start(text["start date"], text["start time"])
    if start is None:
        raise BadHeaderError(
            f"{path.name}: start date/time {text['start date']!r} {text['start time']!r} is not "
            "dd.mm.yy hh.mm.ss; repair the header or re-export the file"
        )
    _check_record_count(path, size, header_bytes, n_records, signals, 3 if bdf else 2)
    if all(s.is_annotation for s in signals):
        raise EmptyRecordingError(
            f"{path.name} holds only annotations and no signals; open the EDF+ file that "
            "holds the EEG itself"
        )
    if duration <= 0:
        raise BadHeaderError(
            f"{path.name}: data record duration is {duration} s; it must be positive; "
            "repair the header or re-export the file"
        )
    reserved = text["reserved"]
    kind = "BDF" if bdf else "EDF"
    suffix = "+D" if reserved.startswith(("EDF+D", "BDF+D")) else ""
    suffix = suffix or ("+C" if reserved.startswith(("EDF+C", "BDF+C")) else "")
    if n_records == -1:
        record_bytes = sum(s.samples_per_record for s in signals) * (3 if bdf else 2)
        n_records = (size - header_bytes) // record_bytes
    return EdfHeader(
        path=path,
        file_format=kind + suffix,
        n_records=n_records,
        record_duration=duration,
        signals=signals,
        patient=_patient_fields(text["patient"], text["recording"], start),
    )


def _signal_headers(raw: bytes, n_signals: int, path: Path) -> tuple[SignalHeader, ...]:
    columns: dict[str, list[str]] = {}
    offset = 0
    for name, width in _SIGNAL_FIELDS:
        block = raw[offset : offset + width * n_signals]
        columns[name] = [
            _field(block[i * width : (i + 1) * width], name, path) for i in range(n_signals)
        ]
        offset += width * n_signals
    signals = []
    for i in range(n_signals):
        label = columns["label"][i]
        where = f"signal {i + 1} ({label!r})"
        values = {
            name: _number(columns[name][i], f"{name} of {where}", path, kind)
            for name, kind in (
                ("physical minimum", float),
                ("physical maximum", float),
                ("digital minimum", int),
                ("digital maximum", int),
                ("samples per record", int),
            )
        }
        signal = SignalHeader(
            label=label,
            physical_dimension=columns["physical dimension"][i],
            physical_min=values["physical minimum"],
            physical_max=values["physical maximum"],
            digital_min=int(values["digital minimum"]),
            digital_max=int(values["digital maximum"]),
            prefiltering=columns["prefiltering"][i],
            samples_per_record=int(values["samples per record"]),
        )
        if signal.samples_per_record <= 0:
            raise BadHeaderError(
                f"{path.name}: {where} has {signal.samples_per_record} samples per data record; "
                "repair the header or re-export the file"
            )
        if not signal.is_annotation and signal.physical_min == signal.physical_max:
            raise BadHeaderError(
                f"{path.name}: {where} has physical minimum equal to maximum "
                f"({signal.physical_min:g}), so its amplitude cannot be scaled; "
                "repair the header or re-export the file"
            )
        if not signal.is_annotation and signal.digital_min >= signal.digital_max:
            raise BadHeaderError(
                f"{path.name}: {where} has digital minimum {signal.digital_min} not below "
                f"digital maximum {signal.digital_max}; repair the header or re-export the file"
            )
        signals.append(signal)
    return tuple(signals)


def _check_record_count(
    path: Path,
    size: int,
    header_bytes: int,
    n_records: int,
    signals: tuple[SignalHeader, ...],
    sample_bytes: int,
) -> None:
    record_bytes = sum(s.samples_per_record for s in signals) * sample_bytes
    complete = (size - header_bytes) // record_bytes
    if n_records == 0 or (n_records == -1 and complete == 0):
        raise EmptyRecordingError(
            f"{path.name} holds zero data records (no signal data); the recording was not "
            "saved: export it again from the EEG system"
        )
    if n_records < -1:
        raise BadHeaderError(
            f"{path.name}: number of data records is {n_records}; repair the header or "
            "re-export the file"
        )
    if n_records > complete:
        raise TruncatedRecordingError(
            f"{path.name} holds {complete} complete data records of the {n_records} its header "
            "promises; the file was cut short: copy or export it again"
        )


_TAL = re.compile(rb"([+-]\d+(?:\.\d*)?)(?:\x15(\d+(?:\.\d*)?))?\x14(.*?)\x14\x00", re.DOTALL)


def read_annotation_records(
    header: EdfHeader,
) -> tuple[list[float], list[tuple[float, float, str]]]:
    """Read the record onsets and annotations of an EDF+/BDF+ file from its TAL signal.

    Parameters
    ----------
    header : EdfHeader

    Returns
    -------
    record_onsets : list of float
        Start of each data record in seconds from the file's start time (the time-keeping
        annotation that opens every record), one per record.
    annotations : list of (onset, duration, text)
        Onsets in the same real-time seconds.
    """
    sample_bytes = 3 if header.file_format.startswith("BDF") else 2
    sizes = [s.samples_per_record * sample_bytes for s in header.signals]
    record_bytes = sum(sizes)
    data_offset = 256 * (len(header.signals) + 1)
    onsets: dict[int, float] = {}
    annotations: list[tuple[float, float, str]] = []
    start = 0
    for signal, size in zip(header.signals, sizes, strict=True):
        if signal.is_annotation:
            # This signal's bytes of every record, read one small piece per record (a memory
            # map would count the whole file as resident), then searched at once.
            with header.path.open("rb") as stream:
                fd = stream.fileno()
                blob = b"".join(
                    os.pread(fd, size, data_offset + k * record_bytes + start)
                    for k in range(header.n_records)
                )
            for match in _TAL.finditer(blob):
                record, offset = divmod(match.start(), size)
                onset = float(match.group(1))
                texts = [t.decode("utf-8", "replace") for t in match.group(3).split(b"\x14")]
                if offset == 0 and not texts[0] and record not in onsets:
                    onsets[record] = onset  # the time-keeping TAL that opens each record
                    texts = texts[1:]
                duration = float(match.group(2)) if match.group(2) else 0.0
                annotations.extend((onset, duration, text) for text in texts if text)
        start += size
    # A record without a time stamp (a malformed file) follows its predecessor directly.
    starts = []
    for k in range(header.n_records):
        starts.append(onsets.get(k, starts[-1] + header.record_duration if starts else 0.0))
    return starts, annotations
