"""The Jansen-Rit column: the nonlinear neural mass behind every paroxysm of this family.

Three populations (pyramidal cells, excitatory and inhibitory interneurons) with second-order
synaptic kernels and a sigmoid firing rate (Jansen & Rit 1995). The output is the pyramidal
membrane potential ``y1 - y2`` (mV), the source of the EEG. With the standard excitatory gain
(A = 3.25 mV) and an input near 110 pulses/s the column rests at a stable fixed point; a brief
depolarising input makes one spike with its slow wave (an excitable excursion); a raised gain
(A = 3.6-3.8) moves it onto a limit cycle of spike-and-wave whose rate grows with the input
(:data:`SPIKE_WAVE_RATE`); a low input (about 60 pulses/s) silences it.

The equations are integrated by explicit Euler at a multiple of the output rate with a step of
at most 0.5 ms, then averaged down to the output rate.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import signal

#: Standard Jansen-Rit constants: inhibitory gain (mV), rate constants (1/s), connectivity.
_B, _A_RATE, _B_RATE, _C = 22.0, 100.0, 50.0, 135.0
_E0, _V0, _R = 2.5, 6.0, 0.56
_MAX_STEP_S = 0.0005

#: Resting regime: standard excitatory gain, input at the stable fixed point.
REST_GAIN, REST_INPUT = 3.25, 110.0
#: Input that silences the column (burst suppression, postictal depression).
SILENT_INPUT = 60.0

#: Limit-cycle rate (Hz) against input (pulses/s) at an excitatory gain of 3.8 (measured
#: with this integrator over 8 s): the path a seizure takes.
SEIZURE_GAIN = 3.8
SEIZURE_INPUT = (90.0, 100.0, 110.0, 130.0, 150.0, 170.0, 190.0, 210.0, 220.0, 230.0, 240.0)
SEIZURE_RATE = (3.0, 3.62, 4.0, 4.5, 5.0, 5.38, 6.0, 7.62, 8.62, 9.25, 9.62)
#: The same at a gain of 3.6 over the spike-and-wave range.
SPIKE_WAVE_GAIN = 3.6
SPIKE_WAVE_INPUT = (100.0, 110.0, 120.0)
SPIKE_WAVE_RATE = (2.88, 3.5, 3.88)


def input_for_rate(rate: float, inputs: tuple, rates: tuple) -> float:
    """The input (pulses/s) whose limit cycle runs at ``rate`` Hz (interpolated)."""
    return float(np.interp(rate, rates, inputs))


def internal_rate(sfreq: int) -> tuple[int, int]:
    """(integration rate, steps per output sample): a whole multiple of ``sfreq``."""
    steps = math.ceil(1.0 / (_MAX_STEP_S * sfreq))
    return sfreq * steps, steps


def _sigmoid(v: float) -> float:
    return 2.0 * _E0 / (1.0 + math.exp(_R * (_V0 - v)))


def integrate(drive: np.ndarray, gain: np.ndarray, rate: float) -> np.ndarray:
    """Integrate one column: input ``drive`` (pulses/s) and excitatory gain per step.

    The column starts at the fixed point of the first step's parameters (settled for 1 s).
    Returns ``y1 - y2`` (mV) per step.
    """
    dt = 1.0 / rate
    a, b = _A_RATE, _B_RATE
    c1, c2, c3, c4 = _C, 0.8 * _C, 0.25 * _C, 0.25 * _C
    y0 = y1 = y2 = z0 = z1 = z2 = 0.0
    settle = int(rate)
    out = np.empty(len(drive))
    p_first, g_first = float(drive[0]), float(gain[0])
    for i in range(-settle, len(drive)):
        p, g = (p_first, g_first) if i < 0 else (drive[i], gain[i])
        dz0 = g * a * _sigmoid(y1 - y2) - 2.0 * a * z0 - a * a * y0
        dz1 = g * a * (p + c2 * _sigmoid(c1 * y0)) - 2.0 * a * z1 - a * a * y1
        dz2 = _B * b * c4 * _sigmoid(c3 * y0) - 2.0 * b * z2 - b * b * y2
        y0, y1, y2 = y0 + dt * z0, y1 + dt * z1, y2 + dt * z2
        z0, z1, z2 = z0 + dt * dz0, z1 + dt * dz1, z2 + dt * dz2
        if i >= 0:
            out[i] = y1 - y2
    return out


def column(drive: np.ndarray, gain: np.ndarray, sfreq: int, highpass_hz: float = 0.3) -> np.ndarray:
    """A column's output at ``sfreq`` from parameters given per output sample.

    Returns the deviation (mV) from its slow level: a high-pass (zero phase, ``highpass_hz``)
    removes the population's DC shift, as the amplifier's time constant does.
    """
    rate, steps = internal_rate(sfreq)
    fine = integrate(np.repeat(drive, steps), np.repeat(gain, steps), rate)
    out = fine.reshape(-1, steps).mean(axis=1)
    out -= out[0]
    if highpass_hz <= 0:
        return out
    sos = signal.butter(2, highpass_hz, "highpass", fs=sfreq, output="sos")
    return signal.sosfiltfilt(sos, out)


@lru_cache(maxsize=64)
def pulse_response(sfreq: int, strength: float, width_s: float, length_s: float) -> np.ndarray:
    """A resting column's answer to a depolarising input pulse starting at sample 0 (mV).

    ``strength`` (pulses/s added) and ``width_s`` set the paroxysmal depolarisation: a strong
    brief pulse makes a spike and its after-going slow wave, a longer one a sharp wave; a
    negative one (hyperpolarisation, a cortical down state) a K-complex's slow wave.
    """
    n = int(round(length_s * sfreq))
    lead = int(0.1 * sfreq)
    drive = np.full(n + lead, REST_INPUT)
    drive[lead : lead + max(1, int(round(width_s * sfreq)))] += strength
    out = column(drive, np.full(n + lead, REST_GAIN), sfreq, highpass_hz=0.0)[lead:]
    out.flags.writeable = False
    return out
