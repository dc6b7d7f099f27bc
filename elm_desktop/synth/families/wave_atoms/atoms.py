"""The waveform atoms and the fractional-Gaussian-noise floor.

Every atom is a short array of samples, its largest magnitude 1 (a unit of the amplitude it is
given), surface-negative where the clinical convention has it negative. Time is in seconds;
``sfreq`` is the sampling rate. None of these shapes is a sinusoid in a window: rhythms carry
a phase-locked second harmonic (arch-shaped mu, asymmetric alpha waves), slow waves glide in
frequency, transients are built from gamma-function lobes with a fast rise and slower fall.
"""

from __future__ import annotations

import numpy as np
from scipy import fft, signal


def _unit(wave: np.ndarray) -> np.ndarray:
    peak = np.abs(wave).max()
    return wave / peak if peak > 0 else wave


def taper(wave: np.ndarray, head: int, tail: int) -> np.ndarray:
    """``wave`` with raised-cosine fades over its first ``head`` and last ``tail`` samples,
    so that it starts and ends at zero (no step where an atom is cut)."""
    out = np.array(wave, dtype=float)
    n = len(out)
    for count, where in (
        (min(head, n // 2), slice(None)),
        (min(tail, n // 2), slice(None, None, -1)),
    ):
        if count > 0:
            ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(count) / count)
            out[where][:count] *= ramp
    return out


def lobe(t: np.ndarray, peak: float, shape: float = 3.0) -> np.ndarray:
    """A gamma-function lobe that starts at t = 0 and peaks (at 1) at ``peak`` seconds:
    ``(t / peak)^k exp(k (1 - t / peak))``; the larger ``shape`` (k), the more symmetric."""
    x = np.clip(t / peak, 0.0, None)
    with np.errstate(divide="ignore"):
        return np.where(x > 0, np.exp(shape * (np.log(np.where(x > 0, x, 1.0)) + 1.0 - x)), 0.0)


def burst(
    sfreq: float,
    frequency: float,
    cycles: float,
    harmonic: float,
    skew: float,
    phase: float,
    glide: float = 0.0,
) -> np.ndarray:
    """A waxing-waning rhythmic burst: a raised-cosine-squared envelope over ``cycles`` cycles
    of ``cos(p) + harmonic cos(2 p + skew)``, the phase ``p`` gliding by ``glide`` Hz over the
    burst. ``skew`` 0 sharpens the crests (arch-shaped waves), pi/2 makes rise and fall
    unequal."""
    length = cycles / frequency
    t = np.arange(int(length * sfreq) + 1) / sfreq
    progress = t / length
    envelope = np.sin(np.pi * progress) ** 4
    instantaneous = frequency + glide * (progress - 0.5)
    p = 2 * np.pi * np.cumsum(instantaneous) / sfreq + phase
    return _unit(envelope * (np.cos(p) + harmonic * np.cos(2 * p + skew)))


def polymorphic(sfreq: float, rng: np.random.Generator, low: float, high: float) -> np.ndarray:
    """An irregular slow wave: one to three cycles whose frequency wanders between ``low`` and
    ``high`` Hz, with a random-phase second harmonic, under a skewed envelope."""
    cycles = float(rng.uniform(1.0, 3.0))
    start, end = rng.uniform(low, high, 2)
    length = cycles / (0.5 * (start + end))
    t = np.arange(int(length * sfreq) + 1) / sfreq
    progress = t / length
    frequency = start + (end - start) * progress
    p = 2 * np.pi * np.cumsum(frequency) / sfreq + rng.uniform(0, 2 * np.pi)
    shape = np.sin(np.pi * progress ** float(rng.uniform(0.6, 1.6))) ** 2
    wave = np.sin(p) + float(rng.uniform(0.2, 0.6)) * np.sin(2 * p + rng.uniform(0, 2 * np.pi))
    return _unit(shape * wave)


def spike(sfreq: float, rise: float, slow: float, after: float = 0.55) -> np.ndarray:
    """A surface-negative spike or sharp wave: a negative gamma lobe rising in ``rise``
    seconds (and falling about twice as slowly), a brief positive overshoot, then an
    after-going negative slow wave of ``slow`` seconds at ``after`` of the spike's height."""
    t = np.arange(int((rise * 4 + slow * 1.6 + 0.05) * sfreq)) / sfreq
    sharp = lobe(t, rise, 2.2)
    overshoot = lobe(t - 2.2 * rise, 1.2 * rise, 2.5)
    wave = lobe(t - 3.2 * rise, 0.45 * slow, 3.0)
    return taper(_unit(-sharp + 0.3 * overshoot - after * wave), 0, int(0.3 * slow * sfreq))


def spike_wave(sfreq: float, period: float, polyspike: bool) -> np.ndarray:
    """One spike-and-wave complex filling ``period`` seconds: one or two surface-negative
    spikes of 20-30 ms, then a broad negative dome over most of the period, back to zero
    at the period's end."""
    t = np.arange(int(period * sfreq)) / sfreq
    spikes = -lobe(t, 0.012, 2.5)
    if polyspike:
        spikes -= 0.8 * lobe(t - 0.035, 0.011, 2.5)
    positive = 0.35 * lobe(t - 0.04, 0.03, 2.0)
    dome = -0.75 * lobe(t - 0.07, 0.42 * (period - 0.07), 2.8)
    return taper(spikes + positive + dome, 0, int(0.2 * period * sfreq))


def triphasic(sfreq: float, width: float) -> np.ndarray:
    """A triphasic complex ``width`` seconds long: small negative, dominant positive, broad
    negative phase."""
    t = np.arange(int(width * sfreq)) / sfreq
    wave = _unit(
        -0.35 * lobe(t, 0.08 * width, 3.0)
        + lobe(t - 0.12 * width, 0.15 * width, 3.0)
        - 0.55 * lobe(t - 0.35 * width, 0.25 * width, 3.0)
    )
    return taper(wave, 0, int(0.2 * width * sfreq))


def spindle(sfreq: float, frequency: float, length: float) -> np.ndarray:
    """A sleep spindle: a tapering 11-15 Hz burst that slows a little, rising faster than it
    falls (its envelope peaks at 37 % of its length and is zero at both ends)."""
    t = np.arange(int(length * sfreq)) / sfreq
    envelope = np.sin(np.pi * (t / length) ** 0.7) ** 2
    p = 2 * np.pi * (frequency * t - 0.4 * t**2 / length)
    return _unit(envelope * np.sin(p))


def k_complex(sfreq: float, width: float) -> np.ndarray:
    """A K-complex: a sharp negative wave followed by a slower, larger-area positive one."""
    t = np.arange(int(width * 1.8 * sfreq)) / sfreq
    wave = _unit(-lobe(t, 0.22 * width, 2.5) + 0.6 * lobe(t - 0.45 * width, 0.35 * width, 2.5))
    return taper(wave, 0, int(0.2 * width * sfreq))


def vertex_wave(sfreq: float, width: float) -> np.ndarray:
    """A vertex wave: a diphasic sharp transient, negative then a small positive tail."""
    t = np.arange(int(width * 2.5 * sfreq)) / sfreq
    wave = _unit(-lobe(t, 0.3 * width, 2.0) + 0.3 * lobe(t - 0.8 * width, 0.5 * width, 2.0))
    return taper(wave, 0, int(0.5 * width * sfreq))


def ictal_cycles(
    sfreq: float, length: float, start_hz: float, end_hz: float, rng: np.random.Generator
) -> np.ndarray:
    """The ictal discharge: abutting one-cycle atoms whose period lengthens from
    ``1/start_hz`` to ``1/end_hz`` and whose crests sharpen, amplitude rising from a fifth to
    full over the first half; returns the discharge at unit peak."""
    t = np.arange(int(length * sfreq)) / sfreq
    progress = t / length
    frequency = start_hz + (end_hz - start_hz) * progress**0.8
    p = 2 * np.pi * np.cumsum(frequency) / sfreq + rng.uniform(0, 2 * np.pi)
    sharpen = 0.1 + 0.5 * progress
    wave = -(np.cos(p) + sharpen * np.cos(2 * p)) / (1 + sharpen)
    growth = np.clip(0.2 + 0.8 * progress / 0.5, 0.2, 1.0)
    return taper(wave * growth, int(0.3 * sfreq), int(0.6 * sfreq))


def blink(sfreq: float, length: float) -> np.ndarray:
    """A blink: the eyeball turns up and back, a positive asymmetric lobe at the front."""
    t = np.arange(int(length * sfreq)) / sfreq
    return taper(_unit(lobe(t, 0.3 * length, 3.5)), 0, int(0.2 * length * sfreq))


def saccade(sfreq: float, hold: float) -> np.ndarray:
    """A lateral eye movement held ``hold`` seconds and back: a rounded box."""
    t = np.arange(int((hold + 0.2) * sfreq)) / sfreq
    up = 1 / (1 + np.exp(-(t - 0.04) / 0.012))
    down = 1 / (1 + np.exp(-(t - 0.04 - hold) / 0.012))
    return taper(up - down, int(0.02 * sfreq), int(0.02 * sfreq))


def myogenic(sfreq: float, length: float, rng: np.random.Generator) -> np.ndarray:
    """A muscle burst: 20-70 Hz band noise under a flickering envelope (zero above Nyquist)."""
    n = int(length * sfreq)
    high = min(70.0, 0.45 * sfreq)
    sos = signal.butter(4, [20.0, high], "bandpass", fs=sfreq, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(n + 200))[200:]
    flicker = 0.5 + np.abs(np.convolve(rng.standard_normal(n), np.ones(12) / 12, "same"))
    return _unit(noise * flicker * np.sin(np.pi * np.arange(n) / n) ** 0.5)


def pop(sfreq: float) -> np.ndarray:
    """An electrode pop: a jump in 3 ms and an exponential return over about 0.2 s."""
    t = np.arange(int(0.8 * sfreq)) / sfreq
    return taper(np.clip(t / 0.003, 0, 1) * np.exp(-t / 0.08), 0, int(0.1 * sfreq))


def heartbeat(sfreq: float) -> tuple[np.ndarray, int]:
    """One cardiac cycle (P, Q, R, S, T as gamma lobes), R at 1; and the R sample."""
    t = np.arange(int(0.7 * sfreq)) / sfreq
    wave = (
        0.12 * lobe(t, 0.05, 4.0)
        - 0.1 * lobe(t - 0.12, 0.012, 3.0)
        + lobe(t - 0.13, 0.018, 3.0)
        - 0.25 * lobe(t - 0.16, 0.012, 3.0)
        + 0.3 * lobe(t - 0.26, 0.11, 4.0)
    )
    return wave, int(round(0.148 * sfreq))


def fgn(rng: np.random.Generator, count: int, n: int, hurst: float) -> np.ndarray:
    """``count`` independent unit-variance fractional Gaussian noises of ``n`` samples with
    Hurst exponent ``hurst`` (Davies-Harte: the exact autocovariance embedded in a circulant
    matrix, diagonalised by the FFT; each transform gives two series)."""
    m = fft.next_fast_len(n)
    k = np.arange(m + 1, dtype=float)
    h2 = 2 * hurst
    gamma = 0.5 * ((k + 1) ** h2 - 2 * k**h2 + np.abs(k - 1) ** h2)
    row = np.concatenate([gamma, gamma[-2:0:-1]])
    eigen = np.clip(fft.fft(row).real, 0.0, None)
    scale = np.sqrt(eigen / (2 * m))
    out = np.empty((count, n))
    for i in range(0, count, 2):
        z = rng.standard_normal(2 * m) + 1j * rng.standard_normal(2 * m)
        series = fft.fft(scale * z)[:n]
        out[i] = series.real
        if i + 1 < count:
            out[i + 1] = series.imag
    return out / out.std(axis=1, keepdims=True)
