"""Short synthetic recordings written to EDF and read back with MNE, for the synth tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mne
import numpy as np
import pytest
from scipy import signal

from elm_desktop.synth import Patient, RecordingSpec, sample_spec, write_recording
from elm_desktop.synth.electrodes import ELECTRODES


@dataclass
class Written:
    """A recording written to disk and read back: its spec, file and referential microvolts."""

    spec: RecordingSpec
    path: Path
    sfreq: float
    data: dict[str, np.ndarray]

    def bipolar(self, anode: str, cathode: str) -> np.ndarray:
        return self.data[anode] - self.data[cathode]


def read_back(path: Path) -> tuple[float, dict[str, np.ndarray]]:
    """Read an EDF with MNE; return its rate and microvolts by 10-20 electrode name."""
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    data = raw.get_data() * 1e6
    by_name = {}
    for label, row in zip(raw.ch_names, data, strict=True):
        name = label.removeprefix("EEG ").removesuffix("-REF")
        match = [e for e in ELECTRODES if e.upper() == name.upper()]
        if match:
            by_name[match[0]] = row
    return raw.info["sfreq"], by_name


@pytest.fixture
def make_recording(tmp_path):
    """Write one recording: ``make_recording(abnormal, region=..., age=..., seconds=...)``."""

    def make(
        abnormal: set[str],
        region: str = "left temporal",
        age: float = 40.0,
        seconds: float = 60,
        seed: int = 7,
        sfreq: int = 256,
        naming: str = "tuh",
    ) -> Written:
        condition = next(iter(sorted(abnormal)), "normal")
        patient = Patient("p-test", age, "F", condition, region)
        spec = sample_spec(
            np.random.default_rng(seed), "rec", patient, seconds, sfreq, naming, abnormal=abnormal
        )
        path = write_recording(tmp_path / f"rec-{seed}-{len(abnormal)}.edf", spec, seed)
        rate, data = read_back(path)
        return Written(spec, path, rate, data)

    return make


def band_power(x: np.ndarray, sfreq: float, low: float, high: float) -> float:
    """Mean Welch power (2 s segments) of ``x`` between ``low`` and ``high`` Hz."""
    f, p = signal.welch(x, sfreq, nperseg=min(x.size, int(2 * sfreq)))
    return float(p[(f >= low) & (f <= high)].mean())


def peak_frequency(x: np.ndarray, sfreq: float, low: float, high: float) -> float:
    """Frequency (Hz) of the largest Welch power (4 s segments) between ``low`` and ``high``."""
    f, p = signal.welch(x, sfreq, nperseg=min(x.size, int(4 * sfreq)))
    band = (f >= low) & (f <= high)
    return float(f[band][np.argmax(p[band])])
