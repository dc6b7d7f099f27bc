"""Waveforms of the dipole family's discrete events, each built from cortical or ocular dipoles.

Every renderer takes an :class:`~elm_desktop.synth.spec.Event`, the times ``tau`` (seconds
since its onset) of the samples to fill and the sampling rate, and returns microvolts against
infinity at the 21 electrodes, shape (21, len(tau)). Cortical events put their time course on
patches of :mod:`~elm_desktop.synth.families.dipole.head` and reach the scalp through its lead
field; artifacts reach the electrodes directly (muscle, pops) or from the eyes' dipoles.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from elm_desktop.synth.electrodes import ELECTRODES, positions
from elm_desktop.synth.families.dipole.head import (
    dipole_potential,
    index,
    lead_field,
    source_positions,
)
from elm_desktop.synth.spec import Event

#: Centres of the two eyeballs (the scalp is the unit sphere): in front, below Fp1 / Fp2.
_EYES = np.array([[-0.32, 0.98, -0.42], [0.32, 0.98, -0.42]])


def patch_field(sources: list[int], weights: list[float] | None = None) -> np.ndarray:
    """Scalp field (21,) of cortical patches firing together, largest magnitude 1."""
    gains = lead_field()[:, sources] @ (np.ones(len(sources)) if weights is None else weights)
    return gains / np.abs(gains).max()


def eye_field(direction: tuple[float, float, float]) -> np.ndarray:
    """Scalp field (21,) of both corneo-retinal dipoles turning toward ``direction``, Fp1 = 1."""
    moment = np.tile(np.asarray(direction, float), (2, 1))
    gains = dipole_potential(positions(), _EYES, moment).sum(axis=1)
    return gains / abs(gains[index("Fp1")])


def _biexponential(tau: np.ndarray, rise: float, decay: float) -> np.ndarray:
    """Difference of exponentials (fast rise, slower decay), peak 1; 0 before ``tau`` = 0."""
    s = np.clip(tau, 0, None)
    peak_time = rise * decay / (decay - rise) * np.log(decay / rise)
    peak = np.exp(-peak_time / decay) - np.exp(-peak_time / rise)
    return np.where(tau >= 0, (np.exp(-s / decay) - np.exp(-s / rise)) / peak, 0.0)


def _bump(tau: np.ndarray, start: float, length: float) -> np.ndarray:
    """A sine-squared bump of ``length`` seconds starting at ``start``, peak 1."""
    x = np.clip((tau - start) / length, 0, 1)
    return np.sin(np.pi * x) ** 2


def _edges(tau: np.ndarray, duration: float, ramp: float) -> np.ndarray:
    """1 inside the event, ramping linearly over ``ramp`` seconds at both ends."""
    return np.clip(np.minimum(tau, duration - tau) / ramp, 0, 1)


def _sampled(tau: np.ndarray, sfreq: float, course: np.ndarray) -> np.ndarray:
    """Pick a course (or rows of courses) computed on the event's whole sample grid at ``tau``."""
    return course[..., np.clip(np.rint(tau * sfreq).astype(int), 0, course.shape[-1] - 1)]


def spike(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """A spike or sharp wave (sometimes a polyspike) with its after-going slow wave.

    Each component is a difference of exponentials; the surface-negative peak lies over the
    patches, and the dipole's far field is positive on the other side of the head.
    """
    p = event.params
    course = np.zeros_like(tau)
    for k in range(p["count"]):
        course -= 0.75**k * _biexponential(tau - 0.02 - k * p["gap"], p["rise"], p["decay"])
    tail = 0.02 + p["count"] * p["gap"] + 2 * p["decay"]
    course -= p["wave"] * _bump(tau, tail, p["wave_length"])
    return event.amplitude * np.outer(patch_field(p["sources"]), course)


def _von_mises(phase: np.ndarray, center: float, kappa: float) -> np.ndarray:
    return np.exp(kappa * (np.cos(phase - center) - 1))


def spike_wave(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Generalized spike-and-wave: per cycle a narrow spike, a positive notch and a broad wave.

    The cycle is a phase that advances at a frequency gliding from ``f_start`` to ``f_end``;
    each component is a von Mises pulse of that phase, so the waveform stays locked to it.
    """
    p = event.params
    grid = np.arange(int(round(event.duration * sfreq)) + 1) / sfreq
    rate = p["f_start"] + (p["f_end"] - p["f_start"]) * grid / event.duration
    phase = _sampled(tau, sfreq, 2 * np.pi * np.cumsum(rate) / sfreq)
    course = (
        -_von_mises(phase, 0.6, 70.0)
        + 0.35 * _von_mises(phase, 1.3, 30.0)
        - 1.1 * _von_mises(phase, 3.4, 2.0)
    ) * _edges(tau, event.duration, 0.15)
    return event.amplitude * np.outer(patch_field(p["sources"]), course)


def _discharge_course(since: np.ndarray, shape: str) -> np.ndarray:
    if shape == "triphasic":
        # A damped wavelet: small positive, large negative, broad positive.
        onset = 1 - np.exp(-np.clip(since, 0, None) / 0.012)
        return -np.sin(2 * np.pi * since / 0.34 + 0.5) * np.exp(-since / 0.11) * onset
    return -_biexponential(since, 0.008, 0.045) + 0.35 * _bump(since, 0.06, 0.22)


def periodic(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Periodic discharges: gamma-distributed intervals around ``period``.

    Generalized discharges reach posterior patches ``lag`` seconds after frontal ones (the
    anterior-posterior lag of triphasic waves).
    """
    p = event.params
    rng = np.random.default_rng(p["seed"])
    count = int(event.duration / p["period"]) + 2
    times = np.cumsum(p["period"] * rng.gamma(40.0, 1 / 40.0, count)) - p["period"]
    out = np.zeros((len(ELECTRODES), tau.size))
    groups = [(p["sources"], 0.0)] + (
        [(p["late_sources"], p["lag"])] if p.get("late_sources") else []
    )
    for sources, lag in groups:
        local = tau - lag
        last = np.clip(np.searchsorted(times, local, side="right") - 1, 0, count - 1)
        course = _discharge_course(local - times[last], p["shape"]) * (local >= times[0])
        out += np.outer(patch_field(sources), course * _edges(tau, event.duration, 1.0))
    return event.amplitude * out / len(groups)


def seizure(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """An evolving seizure that recruits cortex outward from its focus.

    One rhythm whose frequency falls from ``f_start`` to ``f_end`` over the ictal period and
    whose waves sharpen (a saturating nonlinearity of growing gain) drives each recruited patch
    from its recruitment time on (distance from the focus over ``speed``), growing in amplitude
    as the seizure goes on; it stops over half a second, and postictal delta over the focus
    fades over the rest of the event.
    """
    p = event.params
    ictal = p["ictal"]
    grid = np.arange(int(round(event.duration * sfreq)) + 1) / sfreq
    progress = np.clip(grid / ictal, 0, 1)
    frequency = p["f_end"] + (p["f_start"] - p["f_end"]) * (1 - progress) ** 1.5
    phase = 2 * np.pi * np.cumsum(frequency) / sfreq
    gain = 0.6 + 3.0 * progress
    rhythm = np.tanh(gain * np.sin(phase)) / np.tanh(gain)
    stop = np.clip((ictal - grid) / 0.5, 0, 1)
    growth = (0.15 + 0.85 * progress) * stop
    rng = np.random.default_rng(p["seed"])
    post = np.fft.irfft(
        np.fft.rfft(rng.standard_normal(grid.size))
        * np.exp(-0.5 * ((np.fft.rfftfreq(grid.size, 1 / sfreq) - 1.2) / 0.6) ** 2),
        n=grid.size,
    )
    post = post / (post.std() + 1e-12) * (grid >= ictal)
    post *= np.exp(-np.clip(grid - ictal, 0, None) / max(event.duration - ictal, 1.0) * 2.5)
    post *= np.clip((grid - ictal) / 1.0, 0, 1)
    sources = np.asarray(p["sources"])
    joins = np.asarray(p["joins"])
    out = np.zeros((len(ELECTRODES), tau.size))
    gains = lead_field()[:, sources]
    for column, join in enumerate(joins):
        recruited = np.clip((grid - join) / 2.0, 0, 1)
        course = rhythm * growth * recruited
        out += np.outer(gains[:, column], _sampled(tau, sfreq, course))
    out /= np.abs(gains.sum(axis=1)).max()
    focus = patch_field(p["focus"])
    out += 0.4 * np.outer(focus, _sampled(tau, sfreq, post))
    return event.amplitude * out


def burst(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """A burst of burst-suppression: a sharp onset transient and damped wavelets of 1-14 Hz,
    each from its own random mixture of patches over both hemispheres."""
    p = event.params
    rng = np.random.default_rng(p["seed"])
    n_sources = source_positions().shape[0]
    out = np.outer(patch_field(list(range(n_sources))), -_biexponential(tau, 0.02, 0.12))
    for _ in range(int(rng.integers(4, 10))):
        start = rng.uniform(0, 0.7 * event.duration)
        frequency = rng.uniform(1.0, 14.0)
        decay = rng.uniform(0.2, 0.8)
        local = tau - start
        course = np.where(local >= 0, np.sin(2 * np.pi * frequency * local), 0.0) * np.exp(
            -np.clip(local, 0, None) / decay
        )
        weights = rng.gamma(0.7, 1.0, n_sources)
        out += rng.uniform(0.4, 1.0) * np.outer(
            patch_field(list(range(n_sources)), list(weights)), course
        )
    return event.amplitude * out * _edges(tau, event.duration, 0.05)


def spindle(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Sleep spindle: a gamma-shaped envelope (fast waxing, slow waning), frequency falling by
    half a hertz over the spindle."""
    p = event.params
    grid = np.arange(int(round(event.duration * sfreq)) + 1) / sfreq
    x = grid / event.duration
    envelope = (3.0 * x) ** 2 * np.exp(-3.0 * x) / (4 * np.exp(-2.0))
    phase = 2 * np.pi * np.cumsum(p["frequency"] - 0.5 * x) / sfreq
    course = _sampled(tau, sfreq, envelope * np.sin(phase))
    return event.amplitude * np.outer(patch_field(p["sources"]), course)


def k_complex(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """K-complex: a sharp negative wave, a broad positive one, often a spindle riding after it."""
    p = event.params
    course = -_biexponential(tau - 0.05, 0.05, 0.15) + 0.55 * _bump(tau, 0.35, 0.6)
    if p["spindle"]:
        course += 0.2 * _bump(tau, 0.7, 0.6) * np.sin(2 * np.pi * 12.5 * tau)
    return event.amplitude * np.outer(patch_field(p["sources"]), course)


def vertex(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Vertex sharp transient: an asymmetric negative wave at the vertex."""
    course = -_biexponential(tau - 0.05, 0.025, 0.06) + 0.25 * _bump(tau, 0.15, 0.2)
    return event.amplitude * np.outer(patch_field(event.params["sources"]), course)


def posts(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Positive occipital sharp transient of sleep: a surface-positive triangle, 80-120 ms."""
    width = event.params["width"]
    course = np.clip(1 - np.abs(tau - width) / width, 0, None)
    return event.amplitude * np.outer(patch_field(event.params["sources"]), course)


def _evoked(since: np.ndarray) -> np.ndarray:
    """A flash-evoked response: N75, P100, N145 (occipital surface polarity)."""
    return (
        -0.5 * np.exp(-0.5 * ((since - 0.075) / 0.012) ** 2)
        + np.exp(-0.5 * ((since - 0.1) / 0.014) ** 2)
        - 0.6 * np.exp(-0.5 * ((since - 0.145) / 0.022) ** 2)
    ) * (since >= 0)


def photic(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Photic driving: one evoked response per flash, summed, so fast trains drive the
    occipital rhythm at the flash rate (and its harmonics)."""
    flashes = np.arange(0.0, event.duration, 1.0 / event.params["frequency"])
    course = np.zeros_like(tau)
    for flash in flashes:
        near = (tau >= flash) & (tau < flash + 0.25)
        course[near] += _evoked(tau[near] - flash)
    course *= _edges(tau, event.duration, 0.3)
    return event.amplitude * np.outer(patch_field(event.params["sources"]), course)


def blink(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Eye blink: the eyes roll up (Bell's phenomenon) and back; positive at Fp1/Fp2."""
    course = _biexponential(tau, 0.06, 0.14)
    return event.amplitude * np.outer(eye_field((0.0, 0.0, 1.0)), course)


def eye_movement(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Lateral gaze: a saccade there and back, or slow roving of drowsiness; F7 and F8 opposite."""
    p = event.params
    if p["slow"]:
        course = np.sin(2 * np.pi * tau / event.duration)
    else:
        there = 1 / (1 + np.exp(-(tau - 0.05) / 0.008))
        back = 1 / (1 + np.exp(-(tau - event.duration + 0.1) / 0.008))
        course = there - back
    return event.amplitude * np.outer(eye_field((p["direction"], 0.0, 0.0)), course)


def muscle(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Temporalis EMG: noise with a 40-90 Hz spectral peak (up to 0.45 of the sampling rate),
    its amplitude flickering with motor-unit recruitment, on the electrodes over the muscle."""
    p = event.params
    rng = np.random.default_rng(p["seed"])
    n = int(round(event.duration * sfreq)) + 1
    freqs = np.fft.rfftfreq(n, 1 / sfreq)
    shape = np.exp(-0.5 * ((freqs - p["peak"]) / 35.0) ** 2) * (freqs > 18) * (freqs < 0.45 * sfreq)
    emg = np.fft.irfft(np.fft.rfft(rng.standard_normal((2, n)), axis=1) * shape, n=n, axis=1)
    emg /= emg.std(axis=1, keepdims=True) + 1e-12
    grid = np.arange(n) / sfreq
    knots = np.arange(0.0, event.duration + 0.1, 0.1)
    flicker = np.exp(0.5 * np.interp(grid, knots, rng.standard_normal(knots.size)))
    course = emg * flicker * _edges(grid, event.duration, 0.1)
    spatial = np.zeros((len(ELECTRODES), 2))
    for name, weight in p["electrodes"].items():
        spatial[index(name), 0 if weight >= 0.6 else 1] = weight
    return event.amplitude * spatial @ _sampled(tau, sfreq, course)


def pop(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Electrode pop: charge jumps at one electrode and bleeds off through its RC constant;
    ``repeats`` more jumps may follow within the event."""
    p = event.params
    course = np.zeros_like(tau)
    for jump in [0.0] + list(p["repeats"]):
        local = tau - jump
        course += np.where(local >= 0, np.exp(-np.clip(local, 0, None) / p["tau"]), 0.0) * (
            1 - np.exp(-np.clip(local, 0, None) / 0.003)
        )
    out = np.zeros((len(ELECTRODES), tau.size))
    out[index(p["electrode"])] = event.amplitude * course
    return out


RENDERERS: dict[str, Callable[[Event, np.ndarray, float], np.ndarray]] = {
    "spike": spike,
    "spike_wave": spike_wave,
    "lpd": periodic,
    "gpd": periodic,
    "seizure": seizure,
    "burst": burst,
    "spindle": spindle,
    "k_complex": k_complex,
    "vertex": vertex,
    "posts": posts,
    "photic": photic,
    "blink": blink,
    "eye_movement": eye_movement,
    "muscle": muscle,
    "pop": pop,
}

#: Events that do not come from the brain: not attenuated with it, not suppressed.
ARTIFACT_KINDS = frozenset({"blink", "eye_movement", "muscle", "pop"})
