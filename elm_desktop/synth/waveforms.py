"""Waveforms of discrete EEG events, each as a spatial field times a time course.

Every function takes an :class:`~elm_desktop.synth.spec.Event`, ``tau`` (the times in seconds
since the event's onset of the samples being rendered) and the sampling rate, and returns microvolts at the electrodes
(21, len(tau)). Waveforms depend only on ``tau`` and the event (irregular ones on the event's own
seed), so an event that straddles two blocks is rendered seamlessly.

Potentials are referential (electrode minus a distant reference): a surface-negative spike is
negative at its focus, so a bipolar pair on either side of it shows a phase reversal.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import signal

from elm_desktop.synth.electrodes import ELECTRODES, REGIONS, field, volume_conduction, weights
from elm_desktop.synth.spec import Event


def gauss(t: np.ndarray, center: float, width: float) -> np.ndarray:
    """A Gaussian bump of unit height."""
    return np.exp(-0.5 * ((t - center) / width) ** 2)


def _taper(tau: np.ndarray, duration: float, edge: float) -> np.ndarray:
    """1 inside the event, raised-cosine ramps of ``edge`` seconds at both ends."""
    rise = np.clip(tau / edge, 0, 1)
    fall = np.clip((duration - tau) / edge, 0, 1)
    return np.sin(0.5 * np.pi * np.minimum(rise, fall)) ** 2


def _outer(spatial: np.ndarray, course: np.ndarray) -> np.ndarray:
    return spatial[:, None] * course[None, :]


def _generalized(centers: tuple[str, ...], width: float, floor: float) -> np.ndarray:
    return floor + (1 - floor) * field(centers, width)


_BLINK_FIELD = weights(
    {"Fp1": 1.0, "Fp2": 1.0, "F3": 0.3, "F4": 0.3, "Fz": 0.3, "F7": 0.35, "F8": 0.35, "C3": 0.08, "C4": 0.08, "Cz": 0.08},
    default=0.02,
)  # fmt: skip
_EYE_MOVEMENT_FIELD = weights(
    {"F7": 1.0, "Fp1": 0.4, "T3": 0.25, "F8": -1.0, "Fp2": -0.4, "T4": -0.25}
)
_OCCIPITAL_FIELD = weights(
    {"O1": 1.0, "O2": 1.0, "P3": 0.4, "P4": 0.4, "Pz": 0.45, "T5": 0.45, "T6": 0.45}, default=0.04
)


def spike(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Surface-negative spike or sharp wave with its after-going slow wave."""
    p = event.params
    width = p["width"]
    peak = 0.04
    course = -(
        gauss(tau, peak, width)
        - 0.3 * gauss(tau, peak + 1.8 * width, 1.2 * width)
        + p["wave"] * gauss(tau, peak + 4 * width + 0.1, 0.06)
    )
    return _outer(event.amplitude * field(event.centers, p["field"]), course)


def blink(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Eye blink: the cornea-positive eyeball rolls up, a positive wave largest at Fp1/Fp2."""
    return _outer(event.amplitude * _BLINK_FIELD, gauss(tau, 0.2, 0.065))


def eye_movement(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Lateral eye movement: opposite polarities at F7 and F8."""
    p = event.params
    if p["kind"] == "saccade":
        course = 1 / (1 + np.exp(-(tau - 0.05) / 0.01)) - 1 / (
            1 + np.exp(-(tau - (event.duration - 0.15)) / 0.03)
        )
    else:
        course = np.sin(np.pi * np.clip(tau / event.duration, 0, 1))
    return _outer(event.amplitude * p["direction"] * _EYE_MOVEMENT_FIELD, course)


def muscle(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Temporalis muscle: broadband activity above 20 Hz over the temporal electrodes."""
    n = int(round(event.duration * sfreq)) + 1
    rng = np.random.default_rng(event.params["seed"])
    sos = signal.butter(4, 20.0, "highpass", fs=sfreq, output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal((2, n)), axis=1)
    noise /= noise.std(axis=1, keepdims=True) + 1e-12
    index = np.clip(np.rint(tau * sfreq).astype(int), 0, n - 1)
    course = noise[:, index] * _taper(tau, event.duration, 0.15)
    spatial = field(event.centers, 0.3)
    near = field(event.centers[:1], 0.3)
    far = np.clip(spatial - near, 0, None)
    return event.amplitude * (_outer(near, course[0]) + _outer(far, course[1]))


def pop(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Electrode pop: an abrupt step at one electrode that decays, with no field around it."""
    course = (1 - np.exp(-tau / 0.004)) * np.exp(-tau / event.params["tau"])
    spatial = np.zeros(len(ELECTRODES))
    spatial[ELECTRODES.index(event.centers[0])] = event.amplitude
    return _outer(spatial, course)


def vertex(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Vertex sharp wave of drowsiness and light sleep, negative at Cz."""
    course = -gauss(tau, 0.2, 0.045) + 0.3 * gauss(tau, 0.33, 0.06)
    return _outer(event.amplitude * field(event.centers, 0.4), course)


def spindle(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Sleep spindle: a waxing and waning 12-14 Hz burst, central maximum."""
    envelope = np.sin(np.pi * np.clip(tau / event.duration, 0, 1)) ** 2
    course = envelope * np.sin(2 * np.pi * event.params["frequency"] * tau)
    return _outer(event.amplitude * field(event.centers, 0.6), course)


def k_complex(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """K-complex: a sharp negative wave and a longer positive one, frontocentral."""
    course = -gauss(tau, 0.25, 0.07) + 0.6 * gauss(tau, 0.6, 0.15)
    return _outer(event.amplitude * field(event.centers, 0.55), course)


def _discharge_times(duration: float, period: float, jitter: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    count = int(duration / period) + 2
    return np.concatenate([[0.0], np.cumsum(period * (1 + jitter * rng.standard_normal(count)))])


def _since_last(tau: np.ndarray, times: np.ndarray) -> np.ndarray:
    index = np.clip(np.searchsorted(times, tau, side="right") - 1, 0, times.size - 1)
    return tau - times[index]


def spike_wave(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Generalized spike-and-wave burst at about 3 Hz, slowing slightly, frontal maximum."""
    p = event.params
    slope = (p["f_end"] - p["f_start"]) / event.duration
    frequency = p["f_start"] + slope * tau
    cycles = p["f_start"] * tau + 0.5 * slope * tau**2
    since = (cycles % 1.0) / frequency
    course = (
        -0.55 * gauss(since, 0.04, 0.012)
        + 0.25 * gauss(since, 0.08, 0.02)
        - gauss(since, 0.2, 0.055)
    ) * _taper(tau, event.duration, 0.15)
    # A steep frontal gradient over a generalized floor: large in every bipolar chain.
    return _outer(event.amplitude * _generalized(event.centers, 0.6, 0.25), course)


def periodic(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Periodic discharges (LPDs, GPDs): sharp or triphasic waves at a steady rate."""
    p = event.params
    times = _discharge_times(event.duration, p["period"], 0.06, p["seed"])
    since = _since_last(tau, times)
    if p["triphasic"]:
        course = (
            0.3 * gauss(since, 0.03, 0.02)
            - gauss(since, 0.1, 0.035)
            + 0.55 * gauss(since, 0.24, 0.07)
        )
    else:
        course = (
            -gauss(since, 0.05, 0.025)
            + 0.35 * gauss(since, 0.14, 0.05)
            - 0.2 * gauss(since, 0.3, 0.08)
        )
    course = course * _taper(tau, event.duration, 0.5)
    spatial = (
        _generalized(event.centers, p["field"], 0.2)
        if event.kind == "gpd"
        else field(event.centers, p["field"])
    )
    return _outer(event.amplitude * spatial, course)


def burst(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """A burst of burst-suppression: high-voltage mixed delta, theta and sharp transients.

    Part of the burst is common to all electrodes and part differs between neighbours, so
    bursts show in bipolar chains as they do in real recordings.
    """
    n = int(round(event.duration * sfreq)) + 1
    rng = np.random.default_rng(event.params["seed"])
    sos = signal.butter(2, [1.0, 8.0], "bandpass", fs=sfreq, output="sos")
    mixed = signal.sosfilt(sos, rng.standard_normal((1 + len(ELECTRODES), n)), axis=1)
    mixed /= mixed.std(axis=1, keepdims=True) + 1e-12
    index = np.clip(np.rint(tau * sfreq).astype(int), 0, n - 1)
    taper = _taper(tau, event.duration, 0.1)
    common = (0.6 * mixed[0, index] - gauss(tau, 0.15, 0.04)) * taper
    local = np.einsum("ck,kn->cn", volume_conduction(), mixed[1:, index]) * taper
    spatial = _generalized(event.centers, 1.0, 0.45)
    return event.amplitude * (_outer(spatial, common) + 0.3 * spatial[:, None] * local)


def photic(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """Photic driving: an occipital response time-locked to the flash frequency."""
    frequency = event.params["frequency"]
    course = np.sin(2 * np.pi * frequency * tau - 0.8) + 0.3 * np.sin(4 * np.pi * frequency * tau)
    return _outer(event.amplitude * _OCCIPITAL_FIELD, course * _taper(tau, event.duration, 0.5))


def _side_mask(side: str) -> np.ndarray:
    """1 on one side's electrodes, 0.5 on the midline, 0.1 on the other side."""
    odd = side == "left"
    return np.array(
        [
            0.5 if not e[-1].isdigit() else (1.0 if (int(e[-1]) % 2 == 1) == odd else 0.1)
            for e in ELECTRODES
        ]
    )


def seizure(event: Event, tau: np.ndarray, sfreq: float) -> np.ndarray:
    """An electrographic seizure and its postictal slowing.

    Low-voltage rhythmic activity at ``f_start`` (6.5-10 Hz) begins at the focus, grows in
    amplitude while it slows to ``f_end`` (2-3.5 Hz), spreads to the hemisphere (or everywhere)
    after the first quarter, and stops abruptly; polymorphic delta over the focus follows.
    """
    p = event.params
    ictal = p["ictal"]
    n_total = int(round(event.duration * sfreq)) + 1
    t = np.arange(n_total) / sfreq
    progress = np.clip(t / ictal, 0, 1)
    frequency = p["f_start"] + (p["f_end"] - p["f_start"]) * progress**0.8
    phase = 2 * np.pi * np.cumsum(frequency) / sfreq
    rng = np.random.default_rng(p["seed"])
    wobble = signal.sosfilt(
        signal.butter(1, 0.5, fs=sfreq, output="sos"), rng.standard_normal(n_total)
    )
    wobble = 1 + 0.25 * wobble / (wobble.std() + 1e-12)
    rhythm = np.sin(phase) + 0.45 * np.sin(2 * phase + 0.6) + 0.2 * np.sin(3 * phase + 1.2)
    in_seizure = t < ictal
    growth = (0.1 + 0.9 * progress**0.7) * _taper(t, ictal, 2.0) * in_seizure
    ictal_course = rhythm * growth * wobble

    postictal = signal.sosfilt(
        signal.butter(2, [0.5, 2.5], "bandpass", fs=sfreq, output="sos"),
        rng.standard_normal(n_total),
    )
    postictal /= postictal.std() + 1e-12
    fade = np.exp(-np.clip(t - ictal, 0, None) / max(event.duration - ictal, 1.0) * 2)
    post_course = (
        0.35 * postictal * fade * (~in_seizure) * _taper(t - ictal, event.duration - ictal, 1.0)
    )

    index = np.clip(np.rint(tau * sfreq).astype(int), 0, n_total - 1)
    focal = field(event.centers, 0.45)
    if p["spread"] == "generalized":
        wide = _generalized(event.centers, 1.2, 0.5)
    elif p["spread"] == "hemisphere":
        wide = field(REGIONS[f"{p['side']} hemisphere"], 0.35) * 0.8 * _side_mask(p["side"])
    else:
        wide = field(event.centers, 0.8) * 0.8
    spread = np.clip((progress - 0.25) / 0.3, 0, 1)[index]
    course = ictal_course[index]
    out = _outer(focal, course * (1 - 0.5 * spread)) + _outer(wide, course * spread)
    out += _outer(focal, post_course[index])
    return event.amplitude * out


RENDERERS: dict[str, Callable[[Event, np.ndarray, float], np.ndarray]] = {
    "spike": spike,
    "blink": blink,
    "eye_movement": eye_movement,
    "muscle": muscle,
    "pop": pop,
    "vertex": vertex,
    "spindle": spindle,
    "k_complex": k_complex,
    "spike_wave": spike_wave,
    "lpd": periodic,
    "gpd": periodic,
    "burst": burst,
    "photic": photic,
    "seizure": seizure,
}
