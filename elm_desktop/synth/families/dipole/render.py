"""Render a :class:`~elm_desktop.synth.families.dipole.plan.DipoleSpec` to recorded microvolts.

The whole recording is synthesised at once (spectral synthesis needs the whole series; the
family is limited to an hour). Cortical activity is summed at the patches, taken to the scalp
through the lead field, attenuated where a collection lies over the cortex; artifacts, the
heart's field and mains hum are added at the electrodes; then the potentials are referenced as
the spec says, amplifier noise is added, and the amplifier's hardware filters (a first-order
0.16 Hz high-pass, a fourth-order low-pass at 0.35 of the sampling rate up to 100 Hz) are
applied causally, as analogue filters are.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from elm_desktop.synth.conditions import ConditionsRenderer
from elm_desktop.synth.electrodes import ELECTRODES, positions
from elm_desktop.synth.families.dipole.background import (
    aperiodic_shape,
    bump_shape,
    landau_rhythm,
    spectral_noise,
    state_curve,
)
from elm_desktop.synth.families.dipole.events import ARTIFACT_KINDS, RENDERERS
from elm_desktop.synth.families.dipole.head import (
    dipole_potential,
    lead_field,
    nearest_sources,
    reference_matrix,
)
from elm_desktop.synth.families.dipole.plan import DipoleSpec

#: Scalp RMS (uV) of each ongoing component at gain 1 for an adult, by brain state.
_APERIODIC = {
    "eyes_open": 0.9,
    "eyes_closed": 1.0,
    "drowsy": 1.1,
    "n2": 1.3,
    "n3": 1.5,
    "obtunded": 1.4,
    "coma": 1.2,
}
_DELTA = {
    "eyes_open": 1.0,
    "eyes_closed": 1.0,
    "drowsy": 2.0,
    "n2": 5.0,
    "n3": 10.0,
    "obtunded": 7.0,
    "coma": 6.0,
}
_THETA = {
    "eyes_open": 1.0,
    "eyes_closed": 1.0,
    "drowsy": 4.0,
    "n2": 2.0,
    "n3": 1.5,
    "obtunded": 4.0,
    "coma": 3.0,
}
#: Bifurcation parameter of the posterior alpha oscillators by state (> 0: sustained rhythm).
_ALPHA_MU = {
    "eyes_closed": 1.0,
    "eyes_open": -3.0,
    "drowsy": -0.8,
    "n2": -2.5,
    "n3": -3.0,
    "obtunded": -0.6,
    "coma": -3.0,
}
_BETA_MU = {"n2": -2.5, "n3": -3.0, "coma": -3.0}
#: Excess beta's share by state (it persists into light sleep and fades in deep sleep), its
#: scalp RMS (uV) per unit of the spec's beta gain above 1, and its patches.
_EXCESS_BETA = {
    "eyes_open": 1.0,
    "eyes_closed": 1.0,
    "drowsy": 1.0,
    "n2": 0.8,
    "n3": 0.4,
    "obtunded": 1.0,
    "coma": 0.6,
}
_EXCESS_BETA_RMS = 2.5
_EXCESS_BETA_PATCHES = 40
#: The heart's dipole lies well below the head; its field falls off across the scalp.
_HEART = np.array([[0.35, 0.3, -2.6]])


def _scalp_rms(gains: np.ndarray) -> float:
    """RMS over electrodes of the field of independent unit sources with these gains."""
    return float(np.sqrt((gains**2).sum(axis=1).mean()))


def _excess_beta(
    spec: DipoleSpec, rng: np.random.Generator, t: np.ndarray, gains: np.ndarray
) -> np.ndarray:
    """Drug-related excess beta at the scalp, (21, n): many unsynchronised frontocentral patches.

    The beta rhythm of :func:`_cortex` is one synchronised field, broad enough to cancel in
    neighbouring bipolar derivations; raised alone, it left recordings labelled with excess beta
    no higher in relative beta there than normal ones (a review measured 0.067 against 0.053).
    Independent patches give a field that differs between neighbouring electrodes, as the
    diffuse beta of benzodiazepines and barbiturates does.
    """
    where = nearest_sources(
        ("F3", "F4", "Fz", "C3", "C4", "Cz", "Fp1", "Fp2"), _EXCESS_BETA_PATCHES
    )
    field = gains[:, where]
    series = spectral_noise(
        rng, where.size, t.size, float(spec.sfreq), bump_shape(spec.beta_frequency, 0.15)
    )
    rms = _EXCESS_BETA_RMS * (spec.beta_gain - 1.0) * spec.amplitude_scale
    return (
        (field @ series) * (rms / _scalp_rms(field)) * state_curve(spec.segments, _EXCESS_BETA, t)
    )


def _cortex(spec: DipoleSpec, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Ongoing cortical activity against infinity, (21, n)."""
    fs, n, scale = float(spec.sfreq), t.size, spec.amplitude_scale
    gains = lead_field()
    k = gains.shape[1]
    out = np.zeros((len(ELECTRODES), n))
    slow = 1.0 + spec.slowing_gain
    awake = ("eyes_open", "eyes_closed", "drowsy")
    delta = {s: v * (slow if s in awake else 1.0) for s, v in _DELTA.items()}
    theta = {s: v * (slow if s in awake else 1.0) for s, v in _THETA.items()}
    components = [
        (aperiodic_shape(spec.exponent, float(rng.uniform(1, 4))), _APERIODIC, 9.0),
        (bump_shape(1.4, 0.5), delta, 3.0),
        (bump_shape(5.8, 0.18), theta, 2.0),
    ]
    for shape, by_state, rms in components:
        series = spectral_noise(rng, k, n, fs, shape)
        out += (
            (gains @ series)
            * (rms * scale / _scalp_rms(gains))
            * state_curve(spec.segments, by_state, t)
        )

    def rhythm(sources, frequency, mu_by_state, amplitude, coupling, noise, extra=None):
        mu = state_curve(spec.segments, mu_by_state, t)
        if extra is not None:
            mu = mu + extra
        waves = landau_rhythm(rng, t, frequency, np.tile(mu, (len(sources), 1)), coupling, noise)
        field = gains[:, sources]
        return field @ waves * (amplitude / np.abs(field.sum(axis=1)).max())

    posterior = [int(s) for s in nearest_sources(("O1", "O2", "P3", "P4", "Pz", "T5", "T6"), 7)]
    alpha_amp = (26.0 if not spec.slowing_gain else 16.0) * scale
    out += rhythm(posterior, spec.pdr_frequency, _ALPHA_MU, alpha_amp, 1.5, 0.5)
    central = [int(s) for s in nearest_sources(("F3", "F4", "Fz", "C3", "C4", "Cz"), 6)]
    beta_mu = {s: _BETA_MU.get(s, -1.5) for s in _ALPHA_MU}
    out += rhythm(central, spec.beta_frequency, beta_mu, 6.0 * spec.beta_gain * scale, 0.3, 0.45)
    if spec.beta_gain > 1:
        out += _excess_beta(spec, rng, t, gains)
    for hv in (p for p in spec.procedures if p.kind == "hv" and p.response):
        # The build-up: a bifrontal 3 Hz oscillator pushed through its bifurcation by HV.
        length = hv.end - hv.start
        push = np.interp(
            t, [0, hv.start + 0.4 * length, hv.end, hv.end + 30, hv.end + 31], [0, 0, 4.5, 0, 0]
        )
        frontal = [int(s) for s in nearest_sources(("Fz", "F3", "F4", "Fp1", "Fp2"), 6)]
        out += rhythm(
            frontal,
            float(rng.uniform(2.5, 3.5)),
            {s: -3.0 for s in _ALPHA_MU},
            45.0 * scale,
            2.0,
            0.3,
            push,
        )
    for focal in spec.focal_delta:
        sources = focal["sources"]
        series = spectral_noise(rng, len(sources), n, fs, bump_shape(focal["center"], 0.45))
        field = gains[:, sources]
        window = np.zeros(n)
        for a, b in focal["intervals"]:
            window = np.maximum(window, np.clip(np.minimum(t - a, b - t) / 1.0 + 0.5, 0, 1))
        out += field @ series * (focal["amplitude"] * scale / _scalp_rms(field)) * window
    return out * spec.suppression


def _events(spec: DipoleSpec, t: np.ndarray, artifacts: bool) -> np.ndarray:
    fs = float(spec.sfreq)
    out = np.zeros((len(ELECTRODES), t.size))
    for event in spec.events:
        if (event.kind in ARTIFACT_KINDS) != artifacts:
            continue
        start = int(np.ceil(event.onset * fs))
        stop = min(t.size, int(np.ceil((event.onset + event.duration) * fs)))
        if stop <= start:
            continue
        out[:, start:stop] += RENDERERS[event.kind](event, t[start:stop] - event.onset, fs)
    return out


def _attenuation(spec: DipoleSpec) -> np.ndarray:
    """Per-electrode factor on cerebral activity: the collection's electrodes get their factor,
    electrodes next to them half the loss."""
    factor = np.ones(len(ELECTRODES))
    if not spec.attenuation:
        return factor
    loss = 1 - min(spec.attenuation.values())
    xyz = positions()
    under = [ELECTRODES.index(e) for e in spec.attenuation]
    angle = np.arccos(np.clip(xyz @ xyz[under].T, -1, 1)).min(axis=1)
    factor -= np.where(angle < 1e-6, loss, np.where(angle < 0.75, loss / 2, 0.0))
    return factor


def _heart(spec: DipoleSpec, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """One ECG time course (QRS peak 1): beats whose interval follows breathing (sinus arrhythmia)."""
    period = 60.0 / spec.heart_rate
    beats, b = [], float(rng.uniform(0, period))
    while b < t[-1] + 1:
        beats.append(b)
        b += period * (1 + 0.05 * np.sin(2 * np.pi * 0.25 * b) + 0.01 * rng.standard_normal())
    ecg = np.zeros(t.size)
    shape = [
        (-0.2, 0.12, 0.03),
        (-0.03, -0.12, 0.01),
        (0.0, 1.0, 0.012),
        (0.03, -0.3, 0.012),
        (0.3, 0.28, 0.06),
    ]
    for beat in beats:
        lo, hi = np.searchsorted(t, [beat - 0.35, beat + 0.55])
        local = t[lo:hi] - beat
        ecg[lo:hi] += sum(a * np.exp(-0.5 * ((local - c) / w) ** 2) for c, a, w in shape)
    return ecg


def render(
    spec: DipoleSpec, seed: list[int], conditions: ConditionsRenderer | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render a whole recording.

    Recording ``conditions``, when given, act on the potentials at the electrodes before they
    are referenced and on the filtered signals (:mod:`elm_desktop.synth.conditions`).

    Returns
    -------
    eeg : ndarray, shape (21, n)
        Recorded microvolts at :data:`~elm_desktop.synth.electrodes.ELECTRODES` against the
        spec's reference.
    ekg : ndarray, shape (n,)
    photic : ndarray, shape (n,)
        The stimulator channel: one pulse per flash.
    """
    rng = np.random.default_rng(seed)
    fs = float(spec.sfreq)
    t = np.arange(spec.duration_s * spec.sfreq) / fs
    cerebral = (_cortex(spec, rng, t) + _events(spec, t, artifacts=False)) * _attenuation(spec)[
        :, None
    ]
    potentials = cerebral + _events(spec, t, artifacts=True)
    ecg = _heart(spec, rng, t)
    heart_field = dipole_potential(positions(), _HEART, np.array([[0.6, 0.2, 1.0]]))[:, 0]
    potentials += 12.0 * np.outer(heart_field / np.abs(heart_field).max(), ecg)
    hum = rng.lognormal(0.0, 0.6, len(ELECTRODES))
    for harmonic, share in ((1, 1.0), (3, 0.25)):
        phase = 2 * np.pi * spec.line_frequency * harmonic * t
        if spec.line_frequency * harmonic < fs / 2:
            potentials += share * np.outer(hum, np.sin(phase + rng.uniform(0, 2 * np.pi)))
    if conditions is not None:
        potentials = conditions.electrodes(potentials)
    recorded = reference_matrix(spec.reference) @ potentials
    recorded += rng.normal(0.0, 0.7, recorded.shape)
    high = signal.butter(1, 0.16, "highpass", fs=fs, output="sos")
    low = signal.butter(4, min(0.35 * fs, 100.0), "lowpass", fs=fs, output="sos")
    recorded = signal.sosfilt(low, signal.sosfilt(high, recorded, axis=1), axis=1)
    if conditions is not None:
        recorded = conditions.recorded(recorded)
    ekg = signal.sosfilt(low, 1000.0 * ecg + rng.normal(0, 10, t.size))
    photic = np.zeros(t.size)
    for p in spec.procedures:
        if p.kind == "photic":
            flashes = np.arange(p.start, p.end, 1 / p.frequency)
            photic[np.clip(np.rint(flashes * fs).astype(int), 0, t.size - 1)] = 1000.0
    return recorded, ekg, photic
