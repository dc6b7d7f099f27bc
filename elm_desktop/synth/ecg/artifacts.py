"""Recording conditions of a synthetic ECG: noise, baseline wander, mains, muscle, electrode pops.

Everything is added to the nine electrode potentials, not to the leads, as on a patient: a pop
on the left-arm electrode shows in I, III, aVR, aVL, aVF and, through Wilson's terminal, in
V1-V6, and the relations between the limb leads still hold. :func:`draw_conditions` draws a
record's conditions (kept in its manifest entry) and :func:`apply_conditions` adds them.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

from elm_desktop.synth.ecg.heart import ELECTRODES


def draw_conditions(rng: np.random.Generator, seconds: float) -> dict:
    """Draw the recording conditions of one record (JSON-ready).

    Returns
    -------
    dict
        ``noise_uv`` (white noise per electrode), ``wander`` (baseline wander from breathing
        and movement) or None, ``mains`` (50 or 60 Hz pick-up) or None, ``muscle`` (a burst of
        limb-electrode EMG) or None, ``pop`` (an electrode losing contact for a moment) or
        None, and ``seed`` for the random parts.
    """
    conditions: dict = {"noise_uv": round(float(rng.uniform(3, 20)), 1), "seed": 0}
    conditions["wander"] = (
        {
            "amplitude_mv": round(float(rng.uniform(0.05, 0.4)), 3),
            "frequency_hz": round(float(rng.uniform(0.15, 0.45)), 3),
        }
        if rng.random() < 0.7
        else None
    )
    conditions["mains"] = (
        {
            "frequency_hz": int(rng.choice([50, 60])),
            "amplitude_uv": round(float(rng.uniform(5, 40)), 1),
        }
        if rng.random() < 0.5
        else None
    )
    start = float(rng.uniform(0, max(seconds - 3, 0.0)))
    conditions["muscle"] = (
        {
            "start_s": round(start, 3),
            "duration_s": round(float(rng.uniform(1, 3)), 3),
            "amplitude_uv": round(float(rng.uniform(20, 70)), 1),
        }
        if rng.random() < 0.3
        else None
    )
    conditions["pop"] = (
        {
            "electrode": str(rng.choice(ELECTRODES)),
            "time_s": round(float(rng.uniform(0.5, seconds - 0.5)), 3),
            "step_mv": round(float(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0)), 3),
            "decay_s": round(float(rng.uniform(0.2, 1.0)), 3),
        }
        if rng.random() < 0.15
        else None
    )
    conditions["seed"] = int(rng.integers(2**31))
    return conditions


def apply_conditions(electrodes: np.ndarray, sfreq: float, conditions: dict) -> np.ndarray:
    """Return the electrode potentials (9, n) in mV with the recording conditions added."""
    rng = np.random.default_rng(conditions["seed"])
    n_electrodes, n = electrodes.shape
    t = np.arange(n) / sfreq
    out = electrodes + rng.normal(0, conditions["noise_uv"] / 1000, (n_electrodes, n))
    if wander := conditions["wander"]:
        # Breathing moves the chest electrodes most; each electrode has its own phase.
        weight = np.where(np.arange(n_electrodes) >= 3, 1.0, 0.4)[:, None]
        phases = rng.uniform(0, 2 * np.pi, (n_electrodes, 1))
        drift = np.cumsum(rng.normal(0, 1, (n_electrodes, n)), axis=1) / np.sqrt(n * sfreq)
        out += (
            weight
            * wander["amplitude_mv"]
            * (np.sin(2 * np.pi * wander["frequency_hz"] * t + phases) + drift)
        )
    if mains := conditions["mains"]:
        amplitude = mains["amplitude_uv"] / 1000 * rng.uniform(0.3, 1.0, (n_electrodes, 1))
        out += amplitude * np.sin(2 * np.pi * mains["frequency_hz"] * t + rng.uniform(0, 6.3))
    if muscle := conditions["muscle"]:
        nyquist = sfreq / 2
        sos = butter(4, [20 / nyquist, min(150, 0.9 * nyquist) / nyquist], "bandpass", output="sos")
        burst = sosfilt(sos, rng.normal(0, 1, (3, n)), axis=1)
        burst *= muscle["amplitude_uv"] / 1000 / burst.std()
        inside = (t >= muscle["start_s"]) & (t < muscle["start_s"] + muscle["duration_s"])
        out[:3] += burst * inside
    if pop := conditions["pop"]:
        k = ELECTRODES.index(pop["electrode"])
        since = t - pop["time_s"]
        out[k] += np.where(
            since >= 0, pop["step_mv"] * np.exp(-np.clip(since, 0, None) / pop["decay_s"]), 0.0
        )
    return out
