"""Ongoing cortical activity of the dipole family: spectral synthesis and Stuart-Landau rhythms.

* **Aperiodic and band-limited noise** is made in the frequency domain: white noise, Fourier
  transformed, multiplied by the square root of a target spectrum (``1 / (knee + f^chi)`` for
  the aperiodic part, a log-normal bump for delta or theta), transformed back. One series per
  cortical patch, so the scalp correlation comes from the lead field alone.
* **Rhythms** (posterior alpha, frontocentral beta, the delta build-up of hyperventilation) are
  noisy Stuart-Landau oscillators, the normal form of a Hopf bifurcation, integrated in their
  slow complex envelope ``z``: ``dz = (mu + i w) z - |z|^2 z + c (mean z - z) + noise``. Above
  the bifurcation (``mu > 0``) the rhythm is sustained at amplitude ``sqrt(mu)``; below it only
  noise-driven bursts remain. Eye opening, drowsiness or sleep move ``mu``, so the rhythm
  blocks, wanes or builds up as in a real recording, with the waxing and waning that noise near
  a bifurcation gives (Freyer et al., J Neurosci 2011).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from elm_desktop.synth.spec import Segment

#: Rate (Hz) at which slow envelopes are computed before interpolation to the sampling rate.
ENVELOPE_RATE = 50.0

#: Cortical series synthesised at a time, to bound memory on long recordings.
_CHUNK = 12


def state_curve(
    segments: list[Segment], values: dict[str, float], t: np.ndarray, smooth_s: float = 3.0
) -> np.ndarray:
    """A value per brain state at times ``t``, changing smoothly over ``smooth_s`` seconds."""
    grid = np.arange(0.0, t[-1] + 1.0 / ENVELOPE_RATE, 1.0 / ENVELOPE_RATE)
    steps = np.zeros(grid.size)
    for segment in segments:
        steps[(grid >= segment.start) & (grid < segment.end)] = values.get(segment.state, 0.0)
    steps[grid >= segments[-1].end] = values.get(segments[-1].state, 0.0)
    width = max(1, int(smooth_s * ENVELOPE_RATE))
    window = np.hanning(width + 2)[1:-1]
    padded = np.concatenate([np.full(width, steps[0]), steps, np.full(width, steps[-1])])
    smooth = np.convolve(padded, window / window.sum(), mode="same")[width:-width]
    return np.interp(t, grid, smooth)


def aperiodic_shape(exponent: float, knee: float) -> Callable[[np.ndarray], np.ndarray]:
    """Power spectrum ``1 / (knee + f^exponent)``, nothing below 0.2 Hz."""
    return lambda f: np.where(f >= 0.2, 1.0 / (knee + np.maximum(f, 1e-6) ** exponent), 0.0)


def bump_shape(center: float, width: float) -> Callable[[np.ndarray], np.ndarray]:
    """Power spectrum of a log-normal bump at ``center`` Hz, ``width`` in natural-log units."""
    return lambda f: np.exp(-0.5 * ((np.log(np.maximum(f, 1e-3)) - np.log(center)) / width) ** 2)


def spectral_noise(
    rng: np.random.Generator,
    n_series: int,
    n_samples: int,
    sfreq: float,
    shape: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Return ``n_series`` unit-variance series, (n_series, n_samples), with power spectrum ``shape``."""
    freqs = np.fft.rfftfreq(n_samples, 1.0 / sfreq)
    amplitude = np.sqrt(shape(freqs))
    out = np.empty((n_series, n_samples), dtype=np.float32)
    for start in range(0, n_series, _CHUNK):
        count = min(_CHUNK, n_series - start)
        spectrum = np.fft.rfft(rng.standard_normal((count, n_samples)), axis=1) * amplitude
        series = np.fft.irfft(spectrum, n=n_samples, axis=1)
        out[start : start + count] = series / (series.std(axis=1, keepdims=True) + 1e-12)
    return out


def landau_envelopes(
    rng: np.random.Generator, mu: np.ndarray, coupling: float, noise: float, rate: float
) -> np.ndarray:
    """Integrate the complex envelopes of coupled noisy Stuart-Landau oscillators.

    Parameters
    ----------
    mu : ndarray, shape (n_oscillators, m)
        The bifurcation parameter of each oscillator at each envelope step (ENVELOPE_RATE Hz).
    coupling : float
        Pull of each oscillator toward the mean field (synchrony between hemispheres).
    noise : float
        Strength of the complex white noise that drives the envelopes.
    rate : float
        Speed of the envelope dynamics (1/s): how fast the amplitude follows ``mu``.

    Returns
    -------
    ndarray, complex, shape (n_oscillators, m)
    """
    n, m = mu.shape
    dt = rate / ENVELOPE_RATE
    detune = 0.15 * rng.standard_normal(n)
    kicks = (rng.standard_normal((m, n)) + 1j * rng.standard_normal((m, n))) * (
        noise * np.sqrt(dt / 2)
    )
    z = np.zeros(n, dtype=complex)
    out = np.empty((n, m), dtype=complex)
    for step in range(m):
        drift = (mu[:, step] + 1j * detune) * z - np.abs(z) ** 2 * z + coupling * (z.mean() - z)
        z = z + dt * drift + kicks[step]
        out[:, step] = z
    return out


def landau_rhythm(
    rng: np.random.Generator,
    t: np.ndarray,
    frequency: float,
    mu: np.ndarray,
    coupling: float = 1.0,
    noise: float = 0.5,
    rate: float = 2.0,
) -> np.ndarray:
    """Real signals (n_oscillators, len(t)) of Stuart-Landau oscillators around ``frequency``.

    ``mu`` (n_oscillators, len(t)) is sampled down to the envelope rate; the carrier frequency
    wanders by about 2 % over seconds, as a real alpha rhythm's does.
    """
    step = max(1, int(round((t.size / (t[-1] - t[0] + 1e-9)) / ENVELOPE_RATE)))
    coarse_t = t[::step]
    envelopes = landau_envelopes(rng, mu[:, ::step], coupling, noise, rate)
    wander = spectral_noise(rng, 1, coarse_t.size, ENVELOPE_RATE, bump_shape(0.2, 0.8))[0]
    instantaneous = frequency * (1 + 0.02 * np.interp(t, coarse_t, wander))
    phase = 2 * np.pi * np.cumsum(instantaneous) / (t.size / (t[-1] - t[0] + 1e-9))
    real = np.stack([np.interp(t, coarse_t, e.real) for e in envelopes])
    imag = np.stack([np.interp(t, coarse_t, e.imag) for e in envelopes])
    return real * np.cos(phase) - imag * np.sin(phase)
