"""A de-identified copy of an EDF/EDF+/BDF file: identity fields blanked, signals untouched.

The patient and recording fields are rewritten as EDF+ prescribes for unknown values (``X``,
keeping only the sex), the start date becomes 01.01.85 and the start time 00.00.00, and the
free text of every annotation (technologists type names into them) is dropped, keeping each
record's time-keeping stamp. Signal bytes are copied as they are, a bounded number of data
records at a time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from elm_desktop.signals import EdfHeader
from elm_desktop.signals.edf_header import MAIN_FIELDS

#: Bytes copied per step (whole data records, at least one).
CHUNK_BYTES = 1 << 22
#: The EDF+ start date of an anonymised file, and midnight.
BLANK_START = (b"01.01.85", b"00.00.00")
_TIME_KEEPING = re.compile(rb"[+-]\d+(?:\.\d*)?\x14\x14")


def _offset(name: str) -> int:
    offset = 0
    for field, width in MAIN_FIELDS:
        if field == name:
            return offset
        offset += width
    raise KeyError(name)


def blank_main_header(main: bytes, sex: str) -> bytes:
    """Return the 256-byte main header with patient, recording and start date/time blanked."""
    fields = {
        "patient": f"X {sex or 'X'} X X".encode("ascii"),
        "recording": b"Startdate X X X X",
        "start date": BLANK_START[0],
        "start time": BLANK_START[1],
    }
    header = bytearray(main)
    widths = dict(MAIN_FIELDS)
    for name, value in fields.items():
        start = _offset(name)
        header[start : start + widths[name]] = value.ljust(widths[name])
    return bytes(header)


def _blank_annotations(record: bytearray, spans: list[tuple[int, int]]) -> None:
    """Keep only the time-keeping stamp of each annotation signal in one data record."""
    for start, stop in spans:
        stamp = _TIME_KEEPING.match(bytes(record[start:stop]))
        kept = stamp.group(0) if stamp else b""
        record[start:stop] = kept.ljust(stop - start, b"\x00")


def write_deidentified_copy(header: EdfHeader, out: Path, sex: str) -> None:
    """Write a de-identified copy of the file ``header`` describes to ``out``.

    Only the data records the header declares are copied (data past them, which readers
    ignore, is left behind). The file is written under a temporary name and renamed, so
    ``out`` is either whole or absent.
    """
    sizes = [s.samples_per_record * header.sample_bytes for s in header.signals]
    record_bytes = sum(sizes)
    header_bytes = 256 * (len(header.signals) + 1)
    spans, start = [], 0
    for signal, size in zip(header.signals, sizes, strict=True):
        if signal.is_annotation:
            spans.append((start, start + size))
        start += size
    per_chunk = max(1, CHUNK_BYTES // record_bytes)
    temporary = out.with_name(out.name + ".part")
    with header.path.open("rb") as source, temporary.open("wb") as target:
        target.write(blank_main_header(source.read(256), header.patient.sex))
        target.write(source.read(header_bytes - 256))
        for first in range(0, header.n_records, per_chunk):
            n = min(per_chunk, header.n_records - first)
            chunk = bytearray(source.read(n * record_bytes))
            if spans:
                for k in range(n):
                    view = memoryview(chunk)[k * record_bytes : (k + 1) * record_bytes]
                    record = bytearray(view)
                    _blank_annotations(record, spans)
                    view[:] = record
            target.write(chunk)
        target.flush()
        os.fsync(target.fileno())
    os.replace(temporary, out)
