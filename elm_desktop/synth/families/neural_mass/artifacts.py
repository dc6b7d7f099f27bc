"""What the eyes, muscles, heart, electrodes and mains add at the electrodes (microvolts).

Eyes are corneo-retinal dipoles just below and behind Fp1 and Fp2: a blink rolls them upward
(Bell's phenomenon), a saccade turns both the same way, and the change of their potential is
seen most at the frontopolar and lateral frontal electrodes. Muscle is a sum of motor-unit
action potentials fired as Poisson trains. A pop is the discharge of an electrode's double
layer: a jump, then an exponential return. The heart is a dipole below the head whose field
falls from the left ear upward. Mains pick-up differs by electrode with its impedance.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from elm_desktop.synth.electrodes import ELECTRODES, positions

_EYES = np.array([[-0.3, 0.88, -0.42], [0.3, 0.88, -0.42]])


@cache
def eye_field(direction: tuple[float, float, float]) -> np.ndarray:
    """Electrode potentials (21,) when both eyes' dipoles gain a moment along ``direction``,
    scaled to 1.0 at the largest magnitude."""
    moment = np.asarray(direction, dtype=float)
    field = np.zeros(len(ELECTRODES))
    for eye in _EYES:
        offset = positions() - eye
        field += offset @ moment / np.linalg.norm(offset, axis=1) ** 3
    return field / np.abs(field).max()


@cache
def heart_field() -> np.ndarray:
    """Electrode weights (21,) of the cardiac dipole: largest at the left ear."""
    xyz = positions()
    weights = 0.6 - 0.4 * xyz[:, 0] - 0.5 * xyz[:, 2]
    return weights / weights[ELECTRODES.index("A1")]


def _shape(t: np.ndarray, rise_s: float) -> np.ndarray:
    """A smooth deflection ``(t/r)^2 exp(2 - 2 t/r)``, 1.0 at ``t = r``, 0 before 0."""
    x = np.clip(t / rise_s, 0.0, None)
    return x**2 * np.exp(2.0 - 2.0 * x)


def blink(t: np.ndarray) -> np.ndarray:
    """Time course of a blink (peak 1.0 about 0.12 s after onset)."""
    return _shape(t, 0.12)


def saccade(t: np.ndarray, hold_s: float) -> np.ndarray:
    """Time course of a look to the side and back: a fast step held for ``hold_s``."""
    on = 1.0 / (1.0 + np.exp(-(t - 0.05) / 0.015))
    off = 1.0 / (1.0 + np.exp(-(t - hold_s) / 0.03))
    return on - off


def muscle(rng: np.random.Generator, n: int, sfreq: float) -> np.ndarray:
    """Unit-RMS surface EMG over ``n`` samples: motor-unit potentials fired at 150-400 per second."""
    rate = rng.uniform(150, 400)
    spikes = np.zeros(n)
    count = rng.poisson(rate * n / sfreq)
    np.add.at(spikes, rng.integers(0, n, count), rng.normal(0.0, 1.0, count))
    width = max(2, int(0.006 * sfreq))
    t = np.arange(-width, width + 1) / (0.35 * width)
    unit = -t * np.exp(-(t**2))
    out = np.convolve(spikes, unit, mode="same")
    return out / (out.std() + 1e-12)


def pop(t: np.ndarray) -> np.ndarray:
    """Time course of an electrode pop: a jump within 5 ms, then a 0.15 s exponential return."""
    return np.where(t < 0, 0.0, (1.0 - np.exp(-t / 0.002)) * np.exp(-t / 0.15))


def heartbeat(t: np.ndarray) -> np.ndarray:
    """One P-QRS-T complex around the R wave at ``t = 0`` (R peak 1.0)."""
    waves = (
        (-0.16, 0.025, 0.12),
        (-0.025, 0.008, -0.15),
        (0.0, 0.01, 1.0),
        (0.03, 0.01, -0.25),
        (0.25, 0.05, 0.3),
    )
    return sum(a * np.exp(-0.5 * ((t - c) / w) ** 2) for c, w, a in waves)


def heart_times(rng: np.random.Generator, rate_bpm: float, duration: float) -> np.ndarray:
    """R-wave times with respiratory sinus arrhythmia (about 4 %, 0.25 Hz)."""
    times, t = [], float(rng.uniform(0, 60 / rate_bpm))
    phase = rng.uniform(0, 2 * np.pi)
    while t < duration:
        times.append(t)
        interval = 60.0 / rate_bpm * (1.0 + 0.04 * np.sin(2 * np.pi * 0.25 * t + phase))
        t += interval * rng.normal(1.0, 0.01)
    return np.array(times)


def mains(rng: np.random.Generator, t: np.ndarray, frequency: float) -> np.ndarray:
    """Mains pick-up at the 21 electrodes, (21, n): 0.2-2 uV, one worse electrode at times."""
    level = rng.lognormal(np.log(0.6), 0.6, len(ELECTRODES))
    if rng.random() < 0.3:
        level[rng.integers(len(ELECTRODES))] *= rng.uniform(5, 20)
    return level[:, None] * np.sin(2 * np.pi * frequency * t)[None]
