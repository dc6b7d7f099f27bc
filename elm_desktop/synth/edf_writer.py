"""A streaming EDF+ writer: the header first, then data records block by block.

A 24-hour recording never sits in memory whole: :class:`EdfWriter` takes blocks of whole data
records (physical values) and appends them, with the file's annotations stored in an
``EDF Annotations`` signal as time-stamped annotation lists (TALs), each in the data record
where it begins, as the EDF+ specification (Kemp & Olivan 2003) prescribes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

_DIGITAL_MIN = -32768
_DIGITAL_MAX = 32767
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True)
class SignalHeader:
    """One ordinary signal of an EDF file: its label, unit, physical range and filters."""

    label: str
    physical_min: float
    physical_max: float
    unit: str = "uV"
    transducer: str = "AgAgCl electrode"
    prefilter: str = "HP:0.1Hz LP:100Hz"


@dataclass(frozen=True)
class Annotation:
    """An EDF+ annotation: onset and duration in seconds from the start, and its text."""

    onset: float
    duration: float
    text: str


def _field(value: object, width: int) -> bytes:
    text = str(value).encode("ascii", "replace")
    if len(text) > width:
        raise ValueError(f"EDF header field {value!r} is longer than {width} characters")
    return text.ljust(width, b" ")


def _number(value: float, width: int = 8) -> bytes:
    """Format a number in at most ``width`` characters, as EDF header fields require."""
    if float(value).is_integer():
        return _field(int(value), width)
    for decimals in range(6, -1, -1):
        text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
        if len(text) <= width:
            return _field(text, width)
    raise ValueError(f"{value} does not fit in an EDF header field")


def _edf_date(day: dt.date) -> str:
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def _tal(onset: float, duration: float | None, text: str) -> bytes:
    stamp = f"+{onset:.4f}".rstrip("0").rstrip(".").encode()
    if duration is not None:
        stamp += b"\x15" + f"{duration:.4f}".rstrip("0").rstrip(".").encode()
    body = text.replace("\x14", " ").replace("\x15", " ").encode("utf-8")
    return stamp + b"\x14" + body + b"\x14\x00"


class EdfWriter:
    """Write an EDF+C file whose data records are appended in blocks.

    Parameters
    ----------
    path : Path
        File to create (overwritten if it exists).
    signals : list of SignalHeader
        The ordinary signals, in file order.
    sfreq : int
        Samples per second of every signal (a data record lasts one second).
    n_records : int
        Number of one-second data records the file will hold; :meth:`close` checks it.
    start : datetime.datetime
        Start of the recording.
    patient : str
        EDF+ patient field (``code sex birthdate name``).
    recording : str
        EDF+ recording field after ``Startdate dd-MMM-yyyy``.
    annotations : list of Annotation
        Every annotation of the file, known before writing starts.
    """

    def __init__(
        self,
        path: Path,
        signals: list[SignalHeader],
        sfreq: int,
        n_records: int,
        start: dt.datetime,
        patient: str,
        recording: str,
        annotations: list[Annotation] = (),  # type: ignore[assignment]
    ) -> None:
        self.path = Path(path)
        self.signals = signals
        self.sfreq = int(sfreq)
        self.n_records = int(n_records)
        self._records_written = 0
        self._tals = self._tals_per_record(annotations)
        longest = max((len(b"".join(tals)) for tals in self._tals.values()), default=0)
        timekeeping = len(_tal(float(self.n_records), None, ""))
        self._annotation_bytes = 2 * math.ceil((timekeeping + longest + 2) / 2)
        self._physical_min = np.array([s.physical_min for s in signals])
        self._physical_max = np.array([s.physical_max for s in signals])
        self._gain = (_DIGITAL_MAX - _DIGITAL_MIN) / (self._physical_max - self._physical_min)
        self._file = self.path.open("wb")
        self._file.write(self._header(start, patient, recording))

    def _tals_per_record(self, annotations: list[Annotation]) -> dict[int, list[bytes]]:
        tals: dict[int, list[bytes]] = {}
        for note in sorted(annotations, key=lambda a: a.onset):
            record = min(int(note.onset), self.n_records - 1)
            tals.setdefault(record, []).append(_tal(note.onset, note.duration, note.text))
        return tals

    def _header(self, start: dt.datetime, patient: str, recording: str) -> bytes:
        labels = [*self.signals, SignalHeader("EDF Annotations", -1.0, 1.0, "", "", "")]
        n_signals = len(labels)
        spr = [self.sfreq] * len(self.signals) + [self._annotation_bytes // 2]
        head = b"".join(
            [
                _field("0", 8),
                _field(patient, 80),
                _field(f"Startdate {_edf_date(start.date())} {recording}", 80),
                _field(start.strftime("%d.%m.%y"), 8),
                _field(start.strftime("%H.%M.%S"), 8),
                _field(256 * (n_signals + 1), 8),
                _field("EDF+C", 44),
                _field(self.n_records, 8),
                _field(1, 8),
                _field(n_signals, 4),
            ]
        )
        columns = [
            [_field(s.label, 16) for s in labels],
            [_field(s.transducer, 80) for s in labels],
            [_field(s.unit, 8) for s in labels],
            [_number(s.physical_min) for s in labels],
            [_number(s.physical_max) for s in labels],
            [_field(_DIGITAL_MIN, 8) for _ in labels],
            [_field(_DIGITAL_MAX, 8) for _ in labels],
            [_field(s.prefilter, 80) for s in labels],
            [_field(n, 8) for n in spr],
            [_field("", 32) for _ in labels],
        ]
        return head + b"".join(b"".join(column) for column in columns)

    def write_block(self, data: np.ndarray) -> None:
        """Append whole data records: ``data`` is (n_signals, k * sfreq) in physical units.

        Values outside a signal's physical range are clipped, as an amplifier saturates.
        """
        n_signals, n_samples = data.shape
        if n_signals != len(self.signals) or n_samples % self.sfreq:
            raise ValueError(
                f"a block must be ({len(self.signals)}, k * {self.sfreq}); got {data.shape}"
            )
        n_blocks = n_samples // self.sfreq
        first = self._records_written
        if first + n_blocks > self.n_records:
            raise ValueError("more data records than the header announces")
        low = self._physical_min[:, None]
        digital = (np.clip(data, low, self._physical_max[:, None]) - low) * self._gain[:, None]
        digital = np.rint(digital + _DIGITAL_MIN).astype("<i2")
        signal_bytes = n_signals * self.sfreq * 2
        records = np.zeros((n_blocks, signal_bytes + self._annotation_bytes), dtype=np.uint8)
        per_record = digital.reshape(n_signals, n_blocks, self.sfreq).transpose(1, 0, 2)
        records[:, :signal_bytes] = (
            np.ascontiguousarray(per_record).view(np.uint8).reshape(n_blocks, signal_bytes)
        )
        for offset in range(n_blocks):
            record = first + offset
            tal = _tal(float(record), None, "") + b"".join(self._tals.get(record, []))
            records[offset, signal_bytes : signal_bytes + len(tal)] = np.frombuffer(tal, np.uint8)
        self._file.write(records.tobytes())
        self._records_written += n_blocks

    def close(self) -> None:
        """Close the file; raise if fewer data records were written than announced."""
        self._file.close()
        if self._records_written != self.n_records:
            raise ValueError(
                f"{self.path.name}: wrote {self._records_written} of {self.n_records} data records"
            )

    def __enter__(self) -> EdfWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._file.close()
            self.path.unlink(missing_ok=True)
