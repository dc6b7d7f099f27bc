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
    spectrum /= np.maximum(freqs, 1.0) ** 0.75  # pink-ish background with real 50 Hz content
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
