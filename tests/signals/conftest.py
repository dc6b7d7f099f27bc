"""EDF files for the signals tests, written with edfio (a real EDF writer).

The signals are EEG-like (a few rhythms plus 1/f-ish noise, tens of microvolts) with a fixed
seed; every electrode differs so that a wrong derivation shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import edfio
import numpy as np
import pytest

#: The 19 scalp electrodes of the 10-20 system plus the ear electrodes, TUH spelling.
TUH_LABELS = [
    f"EEG {name}-REF"
    for name in (
        "FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
        "F7", "F8", "T3", "T4", "T5", "T6", "FZ", "CZ", "PZ", "A1", "A2",
    )
]  # fmt: skip


def eeg_like(n_channels: int, n_samples: int, sfreq: float, seed: int = 0) -> np.ndarray:
    """Return EEG-like signals in volts, shape (n_channels, n_samples)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_samples) / sfreq
    spectrum = np.fft.rfft(rng.standard_normal((n_channels, n_samples)), axis=-1)
    freqs = np.fft.rfftfreq(n_samples, 1 / sfreq)
    # 1/f amplitude up to 20 Hz, steeper above, as scalp EEG; real content around 50 Hz.
    spectrum /= np.maximum(freqs, 1.0) * np.maximum(freqs / 20.0, 1.0) ** 0.5
    noise = np.fft.irfft(spectrum, n=n_samples, axis=-1)
    noise *= 20e-6 / noise.std(axis=-1, keepdims=True)
    rhythms = np.stack(
        [
            30e-6 * np.sin(2 * np.pi * (9.0 + 0.1 * i) * t + i)
            + 10e-6 * np.sin(2 * np.pi * (2.0 + 0.05 * i) * t)
            for i in range(n_channels)
        ]
    )
    return noise + rhythms + 5e-6 * np.arange(n_channels)[:, None]


def write_edf(
    path: Path,
    data_volts: np.ndarray,
    sfreq: float,
    labels: Sequence[str],
    annotations: Sequence[tuple[float, float, str]] = (),
    extra: Sequence[tuple[str, np.ndarray, float]] = (),
) -> Path:
    """Write an EDF (EDF+C when annotations are given) with microvolt signals.

    ``extra`` adds (label, data, sfreq) signals in their own units, e.g. an EKG at 128 Hz.
    """
    signals = [
        edfio.EdfSignal(
            row * 1e6,
            sfreq,
            label=label,
            physical_dimension="uV",
            physical_range=(-3200.0, 3200.0),
        )
        for row, label in zip(data_volts, labels, strict=True)
    ]
    signals += [
        edfio.EdfSignal(row, rate, label=label, physical_dimension="uV", physical_range=(-5e3, 5e3))
        for label, row, rate in extra
    ]
    edf = edfio.Edf(
        signals,
        patient=edfio.Patient(
            code="MCH-0234567", sex="F", birthdate=dt.date(1951, 5, 2), name="Haagse_Harry"
        ),
        starttime=dt.time(10, 11, 12),
        data_record_duration=1.0,
        annotations=[edfio.EdfAnnotation(*a) for a in annotations] or None,
    )
    edf.write(path)
    return path


@pytest.fixture(scope="session")
def make_edf(tmp_path_factory) -> Callable[..., Path]:
    """Return a function that writes a TUH-style EEG EDF and returns its path."""
    folder = tmp_path_factory.mktemp("edf")
    counter = iter(range(10_000))

    def make(
        duration_s: float = 20.0,
        sfreq: float = 256.0,
        labels: Sequence[str] = TUH_LABELS,
        seed: int = 0,
        annotations: Sequence[tuple[float, float, str]] = (),
        extra: Sequence[tuple[str, np.ndarray, float]] = (),
    ) -> Path:
        n = int(round(duration_s * sfreq))
        data = eeg_like(len(labels), n, sfreq, seed)
        path = folder / f"rec{next(counter)}.edf"
        return write_edf(path, data, sfreq, labels, annotations, extra)

    return make


def edf_bytes(
    digital: np.ndarray,
    labels: Sequence[str],
    samples_per_record: int,
    *,
    record_duration: float = 1.0,
    bdf: bool = False,
    reserved: str = "",
    physical: tuple[float, float] = (-3200.0, 3200.0),
    header: dict[str, str] | None = None,
    signal_fields: dict[str, list[str]] | None = None,
    tal: Sequence[bytes] | None = None,
) -> bytes:
    """Build an EDF/BDF file byte by byte, so tests can write any (also broken) header.

    ``digital`` holds integer samples, shape (n_signals, n_records * samples_per_record).
    ``header`` overrides main-header fields by name; ``signal_fields`` overrides per-signal
    fields. ``tal`` adds an "EDF Annotations" signal with one TAL block per record.
    """
    n_signals = len(labels) + (1 if tal is not None else 0)
    n_records = digital.shape[1] // samples_per_record
    sample_bytes = 3 if bdf else 2
    tal_samples = max((len(t) for t in tal), default=0) // 2 + 1 if tal is not None else 0
    main = {
        "version": "\xffBIOSEMI" if bdf else "0",
        "patient": "MCH-0234567 F 02-MAY-1951 Haagse_Harry",
        "recording": "Startdate 02-MAR-2002 EMG561 BK/JOP Sony",
        "start date": "02.03.02",
        "start time": "10.11.12",
        "header bytes": str(256 * (n_signals + 1)),
        "reserved": reserved,
        "number of data records": str(n_records),
        "data record duration": f"{record_duration:g}",
        "number of signals": str(n_signals),
    } | (header or {})
    widths = (8, 80, 80, 8, 8, 8, 44, 8, 8, 4)
    out = b"".join(
        value.encode("latin-1").ljust(width)[:width]
        for value, width in zip(main.values(), widths, strict=True)
    )
    digital_range = (-(2 ** (8 * sample_bytes - 1)), 2 ** (8 * sample_bytes - 1) - 1)
    fields = {
        "label": list(labels),
        "transducer": [""] * len(labels),
        "physical dimension": ["uV"] * len(labels),
        "physical minimum": [f"{physical[0]:g}"] * len(labels),
        "physical maximum": [f"{physical[1]:g}"] * len(labels),
        "digital minimum": [str(digital_range[0])] * len(labels),
        "digital maximum": [str(digital_range[1])] * len(labels),
        "prefiltering": [""] * len(labels),
        "samples per record": [str(samples_per_record)] * len(labels),
        "reserved": [""] * len(labels),
    } | (signal_fields or {})
    if tal is not None:
        annotation = (
            "EDF Annotations",
            "",
            "",
            "-1",
            "1",
            "-32768",
            "32767",
            "",
            str(tal_samples),
            "",
        )
        for column, value in zip(fields.values(), annotation, strict=True):
            column.append(value)
    field_widths = (16, 80, 8, 8, 8, 8, 8, 80, 8, 32)
    for column, width in zip(fields.values(), field_widths, strict=True):
        out += b"".join(v.encode("latin-1").ljust(width)[:width] for v in column)
    records = []
    for r in range(n_records):
        block = digital[:, r * samples_per_record : (r + 1) * samples_per_record]
        if bdf:
            as_bytes = block.astype("<i4").view(np.uint8).reshape(*block.shape, 4)[..., :3]
            records.append(as_bytes.tobytes())
        else:
            records.append(block.astype("<i2").tobytes())
        if tal is not None:
            records.append(tal[r].ljust(sample_bytes * tal_samples, b"\x00"))
    return out + b"".join(records)


def to_digital(data_volts: np.ndarray, bdf: bool = False, physical: float = 3200.0) -> np.ndarray:
    """Quantise volts to the digital range used by :func:`edf_bytes`."""
    top = 2 ** (23 if bdf else 15) - 1
    return np.round(data_volts * 1e6 / physical * top).astype(np.int64)
