"""The EDF/EDF+/BDF header, read and checked before MNE sees the file.

MNE reads well-formed files well but answers malformed ones with tracebacks, warnings or
silently wrong data. Reading the fixed-width ASCII header here first turns every defect a user
can meet (not an EDF file, a cut-short file, unreadable fields, no data) into one
:class:`~elm_desktop.errors.RecordingError` whose message says what to do. It also keeps the
patient-identifying fields apart from the signal description.
"""

from __future__ import annotations

import datetime as dt
import errno
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from elm_desktop.errors import (
    BadHeaderError,
    EmptyRecordingError,
    NotAnEdfFileError,
    TruncatedRecordingError,
    UnreadableFileError,
)

_EDF_VERSION = b"0       "
_BDF_VERSION = b"\xffBIOSEMI"
#: (name, width) of each field of the main header (256 bytes), in file order.
MAIN_FIELDS = (
    ("version", 8),
    ("patient", 80),
    ("recording", 80),
    ("start date", 8),
    ("start time", 8),
    ("header bytes", 8),
    ("reserved", 44),
    ("number of data records", 8),
    ("data record duration", 8),
    ("number of signals", 4),
)
#: (name, width) of each per-signal header field, in file order; each field is stored for
#: every signal before the next field starts.
SIGNAL_FIELDS = (
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
_REPAIR = "repair the header (e.g. with EDFbrowser's header editor) or re-export the file"
#: A header number as the EDF specification writes it (ASCII decimal, optional exponent);
#: Python's float() alone would also take "nan", "inf", "1_000" and Unicode digits.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")  # integer fields, as MNE's int() reads them too
_FIELD_MAX = 99_999_999  # the largest integer an 8-character header field can hold
_MAX_SIGNALS = 9_999  # the largest a 4-character field can hold
#: Shortest data record accepted, in seconds; shorter ones only come from damaged headers.
_MIN_RECORD_S = 1e-6
#: Highest sampling rate accepted; EEG and ECG amplifiers stay far below it.
_MAX_RATE_HZ = 1e6
#: Largest physical value a sample may map to: leaves room for unit scaling and the
#: model's x 1e5, so no value read from the file can overflow to infinity downstream.
_MAX_PHYSICAL = 1e200


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

    @property
    def start_date(self) -> dt.date | None:
        """The day the recording started: an EDF+ recording field's own ("Startdate
        02-MAR-2002"; None for "Startdate X", an anonymised date, whatever the header's date
        field says), else the header's date."""
        parts = self.recording.split()
        if parts[:1] == ["Startdate"]:
            return parse_edf_date(parts[1]) if len(parts) > 1 else None
        return self.meas_date.date() if self.meas_date is not None else None

    @property
    def age_years(self) -> float | None:
        """Age at the start of the recording in years, its whole part the calendar age (3.8 at
        three years and ten months); None where the birthdate or the start date is missing or
        anonymised, or they contradict each other."""
        birth, on = parse_edf_date(self.birthdate), self.start_date
        if birth is None or on is None or birth > on:
            return None
        whole = age_in_years(birth, on)
        try:
            birthday = birth.replace(year=birth.year + whole)
        except ValueError:  # born on 29 February
            birthday = dt.date(birth.year + whole, 3, 1)
        return whole + (on - birthday).days / 366


@dataclass(frozen=True)
class EdfHeader:
    """What the file header says, checked for consistency with the file size.

    ``warnings`` holds one sentence per defect that was worked around (data past the declared
    records, which is ignored); a reader shows them, since they say what was not read.
    """

    path: Path
    file_format: str  # "EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D"
    n_records: int
    record_duration: float
    signals: tuple[SignalHeader, ...]
    patient: PatientFields
    warnings: tuple[str, ...] = ()

    @property
    def discontinuous(self) -> bool:
        return self.file_format.endswith("+D")

    @property
    def sample_bytes(self) -> int:
        """Bytes per sample: 3 for BDF (24 bit), 2 for EDF (16 bit)."""
        return 3 if self.file_format.startswith("BDF") else 2


def _field(raw: bytes, name: str, path: Path) -> str:
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        text = raw.decode("latin-1").strip()
        if name in ("patient", "recording", "label", "transducer", "prefiltering", "reserved"):
            return text  # free-text fields: be lenient with local code pages
        raise BadHeaderError(
            f"{path.name}: header field '{name}' holds non-ASCII bytes; {_REPAIR}"
        ) from None


def _number(
    text: str,
    name: str,
    path: Path,
    low: float = -math.inf,
    high: float = math.inf,
    integer: bool = False,
) -> float:
    """Return the number of a header field, checked: finite, in ``[low, high]``, whole if asked.

    The one place where header text becomes a number, so no value reaches MNE, the sampling
    rate or a division unless it is finite and within what its field may hold.
    """
    if not (_WHOLE_NUMBER if integer else _NUMBER).fullmatch(text):
        raise BadHeaderError(
            f"{path.name}: header field '{name}' is {text!r}, not a "
            f"{'whole ' if integer else ''}number; {_REPAIR}"
        )
    value = float(text)  # exact for whole numbers: a field holds at most 8 digits
    if math.isfinite(value) and low <= value <= high:
        return value
    kind = "a whole number" if integer else "a finite number"
    shown = [f"{int(v)}" if integer else f"{v:g}" for v in (low, high) if math.isfinite(v)]
    if len(shown) == 2:
        kind += f" from {shown[0]} to {shown[1]}"
    raise BadHeaderError(
        f"{path.name}: header field '{name}' is {text!r}; it must be {kind}; {_REPAIR}"
    )


def _integer(
    text: str, name: str, path: Path, low: float = -math.inf, high: float = math.inf
) -> int:
    """Return the whole number of a header field, checked as :func:`_number` does."""
    return int(_number(text, name, path, low, high, integer=True))


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


_MONTHS = {
    m: i for i, m in enumerate(("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC").split(), 1)
}


def parse_edf_date(text: str) -> dt.date | None:
    """Parse an EDF+ date such as ``02-MAY-1951``; None if absent or malformed."""
    match = re.fullmatch(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})", text.strip())
    if not match or match.group(2).upper() not in _MONTHS:
        return None
    try:
        return dt.date(int(match.group(3)), _MONTHS[match.group(2).upper()], int(match.group(1)))
    except ValueError:
        return None


def age_in_years(birth: dt.date, on: dt.date) -> int:
    """Whole years from ``birth`` to ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _what_it_is(start: bytes) -> str:
    """What a file that is not EDF seems to hold, from its first bytes: said so that a file
    given the wrong extension is recognised (a trial: a WFDB header renamed ``.edf``)."""
    if not start:
        return "it is empty"
    # Byte-order marks (UTF-8, UTF-16) go before the XML declaration of some exports.
    if start.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<"):
        return "it holds XML, as an HL7 aECG or GE MUSE ECG export does: keep its .xml name"
    if all(32 <= byte < 127 or byte in b"\r\n\t" for byte in start):
        return (
            f"it holds text, beginning {start[:24].decode('ascii').split(chr(10))[0]!r}: a WFDB "
            "header (.hea) keeps its own extension"
        )
    return f"its first bytes are {start[:8]!r}"


def _patient_fields(patient: str, recording: str, start: dt.datetime | None) -> PatientFields:
    parts = patient.split(" ")
    if len(parts) >= 4:  # EDF+: "code sex birthdate name [additional]"
        code, sex, birthdate, name = ("" if p == "X" else p for p in parts[:4])
        return PatientFields(patient, recording, start, code, sex, birthdate, name)
    return PatientFields(patient, recording, start)


_FILE_KINDS = (  # what a path that is not a regular file is, in words
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _unreadable(path: Path, error: OSError) -> UnreadableFileError:
    """The error for a path the operating system refuses, saying which refusal it was."""
    reasons = {
        errno.ENOENT: "no such file; check the path",
        errno.ELOOP: "a symbolic link that loops back on itself; point it at the recording",
        errno.EACCES: "no permission to read it; ask for read access or copy the file",
        errno.EPERM: "no permission to read it; ask for read access or copy the file",
        errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
        errno.ENAMETOOLONG: "the path is too long; move the file to a shorter path",
    }
    reason = reasons.get(error.errno or 0, f"it cannot be read ({error.strerror}); check the disk")
    if error.errno == errno.ENOENT and path.is_symlink():
        reason = "a symbolic link to a missing file; point it at the recording"
    return UnreadableFileError(f"{path}: {reason}")


def _checked_size(path: Path) -> int:
    """Return the size of ``path`` after checking it is a regular file (never opening a pipe)."""
    try:
        status = path.stat()
    except OSError as error:
        raise _unreadable(path, error) from None
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise UnreadableFileError(
            f"{path}: a folder, not a recording; give the EDF or BDF file inside it"
        )
    for test, kind in _FILE_KINDS:
        if test(mode):
            raise UnreadableFileError(
                f"{path}: {kind}, not a regular file; copy the recording to a file first"
            )
    return status.st_size


def read_header(path: str | Path) -> EdfHeader:
    """Read and check the header of an EDF, EDF+ or BDF file.

    Every number of the header is checked before use: it must be finite, within what its
    field may hold, and agree with the other fields and with the file size.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    EdfHeader

    Raises
    ------
    UnreadableFileError
        The path is missing, a folder, a pipe or device, a symbolic link loop, or not readable.
    NotAnEdfFileError
        The file does not start like an EDF or BDF file.
    BadHeaderError
        A field is non-numeric, not finite, out of range or inconsistent (with another field
        or with the file size, e.g. 24-bit samples under an EDF version field).
    EmptyRecordingError
        The header promises zero data records, or the file holds only annotations.
    TruncatedRecordingError
        The file holds fewer data records than the header promises.
    """
    path = Path(path)
    size = _checked_size(path)
    try:
        with path.open("rb") as stream:
            main = stream.read(256)
            if len(main) < 256 and main[:8] in (_EDF_VERSION, _BDF_VERSION):
                raise TruncatedRecordingError(
                    f"{path.name} ends inside its header ({len(main)} of its first 256 bytes); "
                    "the file was cut short: copy or export it again"
                )
            if len(main) < 256 or main[:8] not in (_EDF_VERSION, _BDF_VERSION):
                raise NotAnEdfFileError(
                    f"{path.name} is not an EDF, EDF+ or BDF file ({_what_it_is(main)}); "
                    "export the recording from the acquisition system as EDF+ or BDF"
                )
            text, offset = {}, 0
            for name, width in MAIN_FIELDS:
                if name != "version":  # checked above, as bytes
                    text[name] = _field(main[offset : offset + width], name, path)
                offset += width
            n_signals = _integer(
                text["number of signals"], "number of signals", path, 1, _MAX_SIGNALS
            )
            header_bytes = _integer(text["header bytes"], "header bytes", path, 0, _FIELD_MAX)
            if header_bytes != 256 * (n_signals + 1):
                raise BadHeaderError(
                    f"{path.name}: the header says {n_signals} signals in {header_bytes} header "
                    f"bytes, which do not agree (expected 256 x (signals + 1)); {_REPAIR}"
                )
            raw_signals = stream.read(256 * n_signals)
    except OSError as error:
        raise _unreadable(path, error) from None
    n_records = _integer(
        text["number of data records"], "number of data records", path, -1, _FIELD_MAX
    )
    duration = _number(
        text["data record duration"], "data record duration", path, _MIN_RECORD_S, _FIELD_MAX
    )
    if len(raw_signals) < 256 * n_signals:
        raise TruncatedRecordingError(
            f"{path.name} ends inside its header; the file was cut short: copy or export it again"
        )
    sample_bytes = 3 if main[:8] == _BDF_VERSION else 2
    signals = _signal_headers(raw_signals, n_signals, path, sample_bytes, duration)
    start = _parse_start(text["start date"], text["start time"])
    n_records, warnings = _checked_record_count(
        path, size, header_bytes, n_records, signals, sample_bytes
    )
    if start is None:  # the signals are readable: shown in seconds, without a time of day
        warnings = (
            *warnings,
            f"{path.name}: its start date/time {text['start date']!r} {text['start time']!r} "
            "is not dd.mm.yy hh.mm.ss: times are shown from the start of the recording, "
            f"without the time of day; {_REPAIR}",
        )
    if all(s.is_annotation for s in signals):
        raise EmptyRecordingError(
            f"{path.name} holds only annotations and no signals; open the EDF+ file that "
            "holds the EEG itself"
        )
    reserved = text["reserved"]
    kind = "BDF" if sample_bytes == 3 else "EDF"
    suffix = "+D" if reserved.startswith(("EDF+D", "BDF+D")) else ""
    suffix = suffix or ("+C" if reserved.startswith(("EDF+C", "BDF+C")) else "")
    return EdfHeader(
        path=path,
        file_format=kind + suffix,
        n_records=n_records,
        record_duration=duration,
        signals=signals,
        patient=_patient_fields(text["patient"], text["recording"], start),
        warnings=warnings,
    )


def _signal_headers(
    raw: bytes, n_signals: int, path: Path, sample_bytes: int, record_duration: float
) -> tuple[SignalHeader, ...]:
    columns: dict[str, list[str]] = {}
    offset = 0
    for name, width in SIGNAL_FIELDS:
        block = raw[offset : offset + width * n_signals]
        columns[name] = [
            _field(block[i * width : (i + 1) * width], name, path) for i in range(n_signals)
        ]
        offset += width * n_signals
    lowest, highest = -(2 ** (8 * sample_bytes - 1)), 2 ** (8 * sample_bytes - 1) - 1
    signals = []
    for i in range(n_signals):
        label = columns["label"][i]
        where = f"signal {i + 1} ({label!r})"
        signal = SignalHeader(
            label=label,
            physical_dimension=columns["physical dimension"][i],
            physical_min=_number(
                columns["physical minimum"][i], f"physical minimum of {where}", path
            ),
            physical_max=_number(
                columns["physical maximum"][i], f"physical maximum of {where}", path
            ),
            digital_min=_integer(
                columns["digital minimum"][i], f"digital minimum of {where}", path
            ),
            digital_max=_integer(
                columns["digital maximum"][i], f"digital maximum of {where}", path
            ),
            prefiltering=columns["prefiltering"][i],
            samples_per_record=_integer(
                columns["samples per record"][i],
                f"samples per record of {where}",
                path,
                1,
                _FIELD_MAX,
            ),
        )
        rate = signal.samples_per_record / record_duration
        if rate > _MAX_RATE_HZ:
            raise BadHeaderError(
                f"{path.name}: {where} has {signal.samples_per_record} samples per data record "
                f"of {record_duration:g} s, i.e. {rate:g} Hz, above the {_MAX_RATE_HZ:g} Hz "
                f"any amplifier records at; {_REPAIR}"
            )
        if not signal.is_annotation:  # the annotation signal's scaling is never used
            _check_scaling(signal, where, path, lowest, highest)
        signals.append(signal)
    return tuple(signals)


def _check_scaling(signal: SignalHeader, where: str, path: Path, lowest: int, highest: int) -> None:
    """Check that every sample value the file can hold maps to a finite physical value."""
    width = "24-bit BDF" if highest > 2**15 else "16-bit EDF"
    for name, value in (("minimum", signal.digital_min), ("maximum", signal.digital_max)):
        if not lowest <= value <= highest:
            raise BadHeaderError(
                f"{path.name}: {where} has digital {name} {value}, outside the {width} "
                f"sample range {lowest}..{highest}; {_REPAIR}"
            )
    if signal.digital_min >= signal.digital_max:
        raise BadHeaderError(
            f"{path.name}: {where} has digital minimum {signal.digital_min} not below "
            f"digital maximum {signal.digital_max}; {_REPAIR}"
        )
    if signal.physical_min == signal.physical_max:
        raise BadHeaderError(
            f"{path.name}: {where} has physical minimum equal to maximum "
            f"({signal.physical_min:g}), so its amplitude cannot be scaled; {_REPAIR}"
        )
    gain = (signal.physical_max - signal.physical_min) / (signal.digital_max - signal.digital_min)
    reach = abs(signal.physical_min) + abs(gain) * (highest - lowest)
    if not reach <= _MAX_PHYSICAL:  # also catches an infinite gain
        raise BadHeaderError(
            f"{path.name}: {where} has physical range {signal.physical_min:g} to "
            f"{signal.physical_max:g}, which maps its samples beyond {_MAX_PHYSICAL:g}; {_REPAIR}"
        )


def _checked_record_count(
    path: Path,
    size: int,
    header_bytes: int,
    n_records: int,
    signals: tuple[SignalHeader, ...],
    sample_bytes: int,
) -> tuple[int, tuple[str, ...]]:
    """Check the declared record count against the file size; return it and any warnings.

    The sample width comes from the version field; a file whose size fits the other width
    exactly (24-bit samples under an EDF version field, or 16-bit under BDF) is refused, since
    reading it either way gives wrong data. Bytes past the declared records are ignored.
    """
    samples = sum(s.samples_per_record for s in signals)
    data_bytes = size - header_bytes
    complete = data_bytes // (samples * sample_bytes)
    if n_records == 0 or (n_records == -1 and complete == 0):
        raise EmptyRecordingError(
            f"{path.name} holds zero data records (no signal data); the recording was not "
            "saved: export it again from the EEG system"
        )
    if n_records == -1:  # still being recorded when saved: the file size says how many
        n_records = complete
    other = 5 - sample_bytes  # 3 for an EDF version field, 2 for BDF
    if (
        data_bytes != n_records * samples * sample_bytes
        and data_bytes == n_records * samples * other
    ):
        declared, found, or_else = (
            ("EDF", "24-bit BDF", "more records than its header declares")
            if sample_bytes == 2
            else ("BDF", "16-bit EDF", "fewer records: it was cut short")
        )
        raise BadHeaderError(
            f"{path.name}: its version field says {declared}, but its size fits {n_records} "
            f"records of {found} samples exactly (it holds {found} data, or {or_else}); "
            "write the matching version field or re-export the file"
        )
    if n_records > complete:
        raise TruncatedRecordingError(
            f"{path.name} holds {complete} complete data records of the {n_records} its header "
            "promises; the file was cut short: copy or export it again"
        )
    extra = data_bytes - n_records * samples * sample_bytes
    if extra == 0:
        return n_records, ()
    return n_records, (
        f"{extra} bytes after the {n_records} data records the header declares "
        f"({extra / (samples * sample_bytes):.4g} records) were ignored",
    )


#: One TAL (time-stamped annotation list) without its closing NUL: onset, optional duration,
#: then texts each closed by 0x14. Matched against one NUL-separated piece at a time, so the
#: time spent is linear in the annotation bytes whatever they hold.
_TAL = re.compile(rb"([+-]\d+(?:\.\d*)?)(?:\x15(\d+(?:\.\d*)?))?\x14(.*)\x14", re.DOTALL)
#: Onsets and durations beyond this many seconds (30,000 years) come from damaged TALs; they are
#: dropped so that every time computed from them stays finite.
_MAX_TAL_SECONDS = 1e12


def parse_tal_record(data: bytes) -> tuple[float | None, list[tuple[float, float, str]]]:
    """Parse the annotation signal of one data record of an EDF+/BDF+ file.

    TALs that do not follow the EDF+ syntax, or whose onset or duration is not a finite number
    within :data:`_MAX_TAL_SECONDS`, are skipped: a damaged annotation never stops the
    recording from being read.

    Parameters
    ----------
    data : bytes
        The record's bytes of one "EDF Annotations" signal.

    Returns
    -------
    time_stamp : float or None
        The onset of the time-keeping TAL that opens the record (seconds from the file's start
        time), or None when the record does not open with one.
    annotations : list of (onset, duration, text)
        Every other annotation of the record; duration 0.0 when the TAL gives none.
    """
    time_stamp = None
    annotations: list[tuple[float, float, str]] = []
    for index, piece in enumerate(data.split(b"\x00")):
        match = _TAL.fullmatch(piece)
        if match is None:
            continue
        onset = float(match.group(1))
        duration = float(match.group(2)) if match.group(2) else 0.0
        if not (abs(onset) <= _MAX_TAL_SECONDS and duration <= _MAX_TAL_SECONDS):
            continue  # also drops inf and nan, which compare False
        texts = [t.decode("utf-8", "replace") for t in match.group(3).split(b"\x14")]
        if index == 0 and not texts[0]:
            time_stamp = onset
            texts = texts[1:]
        annotations.extend((onset, duration, text) for text in texts if text)
    return time_stamp, annotations


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
    sizes = [s.samples_per_record * header.sample_bytes for s in header.signals]
    record_bytes = sum(sizes)
    data_offset = 256 * (len(header.signals) + 1)
    onsets: dict[int, float] = {}
    annotations: list[tuple[float, float, str]] = []
    start = 0
    for signal, size in zip(header.signals, sizes, strict=True):
        if signal.is_annotation:
            # This signal's bytes of each record, read one small piece per record (a memory
            # map would count the whole file as resident).
            with header.path.open("rb") as stream:
                fd = stream.fileno()
                for k in range(header.n_records):
                    piece = os.pread(fd, size, data_offset + k * record_bytes + start)
                    time_stamp, found = parse_tal_record(piece)
                    if time_stamp is not None:
                        onsets.setdefault(k, time_stamp)
                    annotations.extend(found)
        start += size
    # A record without a time stamp (a malformed file) follows its predecessor directly.
    starts: list[float] = []
    for k in range(header.n_records):
        starts.append(onsets.get(k, starts[-1] + header.record_duration if starts else 0.0))
    return starts, annotations
