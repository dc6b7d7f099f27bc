"""Render a :class:`~elm_desktop.synth.spec.RecordingSpec` into microvolts, block by block.

Continuous activity (1/f background, posterior dominant rhythm, beta, theta, delta, focal
delta, the hyperventilation build-up) comes from white noise shaped by IIR filters whose state
carries from one block to the next, mixed onto the electrodes through spatial fields and scaled
by envelopes that follow the brain state. Discrete events (spikes, blinks, spindles, seizures,
...) are added from :mod:`elm_desktop.synth.waveforms`. Blocks are rendered in order, so a
recording of any length needs memory for one block only, and the same seed gives the same
samples whatever the block size of the caller.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from elm_desktop.synth.electrodes import ELECTRODES, field, volume_conduction, weights
from elm_desktop.synth.heart_rhythm import HeartBeats
from elm_desktop.synth.spec import Event, RecordingSpec, Segment
from elm_desktop.synth.waveforms import RENDERERS

#: Julius O. Smith's 1/f ("pink") filter: flat 1/f from about fs/2000 up to fs/2.
_PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
_PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])

#: Per-state gains of each continuous rhythm. Theta and delta are RMS microvolts before the
#: age scale; the others multiply the rhythm's own amplitude.
_STATE_GAINS: dict[str, dict[str, float]] = {
    "pdr": {"eyes_closed": 1.0, "eyes_open": 0.15, "drowsy": 0.3, "obtunded": 0.25},
    "beta": {"eyes_closed": 1.0, "eyes_open": 1.0, "drowsy": 1.4, "n2": 0.7, "n3": 0.5, "obtunded": 0.8, "coma": 0.6},
    "theta": {"eyes_closed": 2.5, "eyes_open": 2.0, "drowsy": 9.0, "n2": 7.0, "n3": 5.0, "obtunded": 9.0, "coma": 7.0},
    "delta": {"eyes_closed": 2.0, "eyes_open": 2.0, "drowsy": 4.0, "n2": 14.0, "n3": 35.0, "obtunded": 16.0, "coma": 16.0},
}  # fmt: skip

_PDR_FIELD = weights(
    {"O1": 1.0, "O2": 1.0, "P3": 0.55, "P4": 0.55, "Pz": 0.6, "T5": 0.6, "T6": 0.6, "C3": 0.22,
     "C4": 0.22, "Cz": 0.22, "T3": 0.2, "T4": 0.2, "F3": 0.08, "F4": 0.08, "Fz": 0.08, "F7": 0.06,
     "F8": 0.06, "Fp1": 0.04, "Fp2": 0.04, "A1": 0.1, "A2": 0.1},
)  # fmt: skip
_BETA_FIELD = weights(
    {"F3": 1.0, "F4": 1.0, "Fz": 1.0, "C3": 1.0, "C4": 1.0, "Cz": 1.0, "Fp1": 0.6, "Fp2": 0.6,
     "F7": 0.6, "F8": 0.6, "T3": 0.4, "T4": 0.4, "P3": 0.5, "P4": 0.5, "Pz": 0.5, "T5": 0.3,
     "T6": 0.3, "O1": 0.2, "O2": 0.2, "A1": 0.1, "A2": 0.1},
)  # fmt: skip
_ECG_FIELD = weights(
    {"A1": 1.0, "A2": -0.7, "T3": 0.35, "T5": 0.45, "O1": 0.2, "T4": -0.25, "T6": -0.35, "O2": -0.15},
    default=0.03,
)  # fmt: skip
#: The ears pick up less cerebral activity than scalp electrodes.
_EAR_GAIN = np.where(np.isin(ELECTRODES, ("A1", "A2")), 0.45, 1.0)


class Envelope:
    """A piecewise-linear gain over time, from (time, gain) breakpoints."""

    def __init__(self, times: list[float], gains: list[float]) -> None:
        self.times = np.asarray(times, dtype=float)
        self.gains = np.asarray(gains, dtype=float)

    @classmethod
    def constant(cls, gain: float) -> Envelope:
        return cls([0.0], [gain])

    @classmethod
    def from_states(
        cls, segments: list[Segment], gains: dict[str, float], ramp: float = 1.0
    ) -> Envelope:
        """Gain per brain state, with linear ramps of ``ramp`` seconds between states."""
        times, values = [], []
        for segment in segments:
            half = min(ramp / 2, (segment.end - segment.start) / 2)
            gain = gains.get(segment.state, 0.0)
            times += [segment.start + half, segment.end - half]
            values += [gain, gain]
        return cls(times, values)

    @classmethod
    def from_intervals(cls, intervals: list[list[float]], ramp: float = 1.0) -> Envelope:
        """1 inside the intervals, 0 outside, with linear ramps."""
        times, values = [], []
        for start, end in intervals:
            half = min(ramp / 2, (end - start) / 2)
            if times and start - half <= times[-1]:
                times[-1] = end + half
                times[-2] = end - half
                continue
            times += [start - half, start + half, end - half, end + half]
            values += [0.0, 1.0, 1.0, 0.0]
        return cls(times or [0.0], values or [0.0])

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.times, self.gains)


class _Stream:
    """Filtered noise from ``k`` sources, mixed onto the electrodes, scaled by an envelope."""

    def __init__(
        self,
        sos: np.ndarray,
        mixing: np.ndarray,
        envelope: Envelope,
        amplitude: float,
        sfreq: float,
    ) -> None:
        # float32 noise, filters and mixing: half the memory traffic, ample precision for EEG.
        self.sos = sos.astype(np.float32)
        self.mixing = (mixing * amplitude / np.sqrt(self._variance(sos, sfreq))).astype(np.float32)
        self.envelope = envelope
        self.state = np.zeros((sos.shape[0], mixing.shape[1], 2), dtype=np.float32)

    @staticmethod
    def _variance(sos: np.ndarray, sfreq: float) -> float:
        impulse = np.zeros(int(60 * sfreq))
        impulse[0] = 1.0
        return float(np.sum(signal.sosfilt(sos, impulse) ** 2))

    def render(self, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
        gain = self.envelope(t).astype(np.float32)
        noise = rng.standard_normal((self.mixing.shape[1], t.size), dtype=np.float32)
        shaped, self.state = signal.sosfilt(self.sos, noise, axis=1, zi=self.state)
        if not gain.any():
            return np.zeros((len(ELECTRODES), t.size))
        # einsum, not BLAS: threaded BLAS is slower than a plain loop for 21 x k matrices.
        return np.einsum("ck,kn->cn", self.mixing, shaped) * gain


def _hemispheric_mixing(spatial: np.ndarray, coherence: float) -> np.ndarray:
    """Three sources (common, left, right) so homologous electrodes are coherent, not identical."""
    side = np.array(
        [
            0.0 if not name[-1].isdigit() else (1.0 if int(name[-1]) % 2 else -1.0)
            for name in ELECTRODES
        ]
    )
    own = np.sqrt(1 - coherence**2)
    left = np.where(side > 0, own, np.where(side == 0, own / np.sqrt(2), 0.0))
    right = np.where(side < 0, own, np.where(side == 0, own / np.sqrt(2), 0.0))
    return spatial[:, None] * np.stack([np.full(len(ELECTRODES), coherence), left, right], axis=1)


def _broad_mixing(width: float, n_sources: int = 6) -> np.ndarray:
    """Sources spread widely over the scalp (diffuse slowing, sleep delta)."""
    centers = ("Fz", "Pz", "T3", "T4", "O1", "O2", "Fp1", "Fp2")[:n_sources]
    columns = np.stack([field((name,), width) for name in centers], axis=1)
    return columns / np.linalg.norm(columns, axis=1, keepdims=True)


def _hv_envelope(spec: RecordingSpec) -> Envelope:
    times, gains = [0.0], [0.0]
    for p in spec.procedures:
        if p.kind == "hv" and p.response:
            length = p.end - p.start
            times += [p.start + 0.3 * length, p.end, p.end + 20.0, p.end + 45.0]
            gains += [0.0, 1.0, 0.6, 0.0]
    return Envelope(times, gains)


class Renderer:
    """Renders a recording's samples in consecutive blocks.

    Parameters
    ----------
    spec : RecordingSpec
        What to render.
    seed : int or sequence of int
        Seed of the noise that shapes continuous activity.
    """

    def __init__(self, spec: RecordingSpec, seed: int | list[int]) -> None:
        self.spec = spec
        self.sfreq = float(spec.sfreq)
        self.rng = np.random.default_rng(seed)
        self.position = 0
        self.streams = self._streams()
        self.events = spec.events + self._photic_events()
        self.onsets = np.array([e.onset for e in self.events])
        self.ends = np.array([e.onset + e.duration for e in self.events])
        self.line_amplitude = self.rng.uniform(0.3, 2.5, len(ELECTRODES))
        self.line_phase = self.rng.uniform(0, 2 * np.pi, len(ELECTRODES))
        self.beats = [float(self.rng.uniform(0, 60 / spec.heart_rate))]
        self.attenuation = weights(spec.attenuation, default=1.0) * _EAR_GAIN
        self.suppression = 0.08 if spec.finding("burst_suppression") else 1.0
        # A rhythm of its own draws from its own generator: the EEG's draws stay as they were.
        rhythm = spec.heart_rhythm
        self.heart = (
            HeartBeats(rhythm, spec.duration_s, self.sfreq)
            if rhythm is not None and not rhythm.legacy
            else None
        )

    def _streams(self) -> list[_Stream]:
        spec, fs = self.spec, self.sfreq
        scale = spec.amplitude_scale
        segments = spec.segments
        streams = [
            _Stream(
                signal.tf2sos(_PINK_B, _PINK_A),
                volume_conduction(),
                Envelope.constant(1.0),
                6.0 * scale,
                fs,
            ),
            _Stream(
                signal.tf2sos(*signal.iirpeak(spec.pdr_frequency, spec.pdr_frequency / 0.9, fs=fs)),
                _hemispheric_mixing(_PDR_FIELD, 0.85),
                Envelope.from_states(segments, _STATE_GAINS["pdr"]),
                (13.0 if not spec.slowing_gain else 8.0) * scale,
                fs,
            ),
            _Stream(
                signal.butter(2, [15.0, 26.0], "bandpass", fs=fs, output="sos"),
                volume_conduction() * _BETA_FIELD[:, None],
                Envelope.from_states(segments, _STATE_GAINS["beta"]),
                2.2 * spec.beta_gain * scale,
                fs,
            ),
        ]
        slow = spec.slowing_gain
        theta = dict(_STATE_GAINS["theta"])
        delta = dict(_STATE_GAINS["delta"])
        for state in ("eyes_closed", "eyes_open", "drowsy", "obtunded"):
            theta[state] += 9.0 * slow
            delta[state] += 8.0 * slow
        streams += [
            _Stream(
                signal.butter(2, [4.0, 7.5], "bandpass", fs=fs, output="sos"),
                _broad_mixing(0.9),
                Envelope.from_states(segments, theta),
                scale,
                fs,
            ),
            _Stream(
                signal.butter(2, [0.5, 3.5], "bandpass", fs=fs, output="sos"),
                _broad_mixing(1.1),
                Envelope.from_states(segments, delta),
                scale,
                fs,
            ),
        ]
        for focal in spec.focal_delta:
            centers = tuple(focal["centers"])
            spatial = field(centers, focal["width"])
            streams.append(
                _Stream(
                    signal.butter(2, [0.6, 3.0], "bandpass", fs=fs, output="sos"),
                    np.stack([spatial, field(centers, focal["width"] * 0.6), spatial**2], axis=1)
                    / np.sqrt(2),
                    Envelope.from_intervals(focal["intervals"], ramp=1.5),
                    focal["amplitude"] * scale,
                    fs,
                )
            )
        if any(p.kind == "hv" and p.response for p in spec.procedures):
            # Bifrontal maximum with a steep gradient, so the build-up shows in bipolar chains.
            frontal = 0.15 + 0.85 * field(("Fz", "F3", "F4"), 0.6)
            streams.append(
                _Stream(
                    signal.butter(2, [2.0, 4.0], "bandpass", fs=fs, output="sos"),
                    _hemispheric_mixing(frontal, 0.95),
                    _hv_envelope(spec),
                    45.0 * scale,
                    fs,
                )
            )
        return streams

    def _photic_events(self) -> list[Event]:
        scale = self.spec.amplitude_scale
        return [
            Event(
                "photic",
                p.start,
                p.end - p.start,
                20.0 * scale,
                ("O1", "O2"),
                {"frequency": p.frequency},
            )
            for p in self.spec.procedures
            if p.kind == "photic" and p.response
        ]

    def _ecg(self, t: np.ndarray) -> np.ndarray:
        """ECG in millivolt-scale units (QRS peak 1.0), beats carried across blocks."""
        out = np.zeros(t.size)
        interval = 60.0 / self.spec.heart_rate
        end = t[-1] + 1.0 / self.sfreq
        while self.beats[-1] < end + 0.6:
            self.beats.append(self.beats[-1] + interval * (1 + 0.03 * self.rng.standard_normal()))
        for beat in self.beats:
            local = t - beat
            near = np.abs(local) < 0.6
            if near.any():
                x = local[near]
                out[near] += (
                    0.12 * np.exp(-0.5 * ((x + 0.16) / 0.025) ** 2)
                    - 0.15 * np.exp(-0.5 * ((x + 0.02) / 0.008) ** 2)
                    + np.exp(-0.5 * (x / 0.01) ** 2)
                    - 0.25 * np.exp(-0.5 * ((x - 0.025) / 0.01) ** 2)
                    + 0.3 * np.exp(-0.5 * ((x - 0.28) / 0.05) ** 2)
                )
        self.beats = [beat for beat in self.beats if beat > end - 0.6]
        return out

    def render(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Render the next ``n`` samples.

        Returns
        -------
        eeg : ndarray, shape (21, n)
            Microvolts at :data:`~elm_desktop.synth.electrodes.ELECTRODES`.
        ecg : ndarray, shape (n,)
            Microvolts of the EKG channel.
        photic : ndarray, shape (n,)
            The photic stimulator channel (flash pulses).
        """
        t = (self.position + np.arange(n)) / self.sfreq
        self.position += n
        cerebral = sum(stream.render(self.rng, t) for stream in self.streams) * self.suppression
        t0, t1 = t[0], t[-1] + 1.0 / self.sfreq
        artifacts = np.zeros_like(cerebral)
        for index in np.flatnonzero((self.onsets < t1) & (self.ends > t0)):
            event = self.events[index]
            inside = (t >= event.onset) & (t < event.onset + event.duration)
            if not inside.any():
                continue
            start, stop = np.flatnonzero(inside)[[0, -1]]
            wave = RENDERERS[event.kind](event, t[start : stop + 1] - event.onset, self.sfreq)
            target = artifacts if event.kind in _ARTIFACT_KINDS else cerebral
            target[:, start : stop + 1] += wave
        ecg = self._ecg(t)
        eeg = cerebral * self.attenuation[:, None] + artifacts
        eeg += 5.0 * _ECG_FIELD[:, None] * ecg[None, :]
        eeg += self.line_amplitude[:, None] * np.sin(
            2 * np.pi * self.spec.line_frequency * t[None, :] + self.line_phase[:, None]
        )
        ekg = 900.0 * ecg + 8.0 * self.rng.standard_normal(n)
        if self.heart is not None:  # the EEG's noise draw above still happens, in its place
            ekg = 900.0 * self.heart.render(t)
        return eeg, ekg, self._flashes(t)

    def _flashes(self, t: np.ndarray) -> np.ndarray:
        out = np.zeros(t.size)
        for p in self.spec.procedures:
            if p.kind != "photic" or p.end <= t[0] or p.start > t[-1]:
                continue
            inside = (t >= p.start) & (t < p.end)
            phase = ((t - p.start) * p.frequency) % 1.0
            out[inside & (phase < 0.02 * p.frequency)] = 500.0
        return out


_ARTIFACT_KINDS = frozenset({"blink", "eye_movement", "muscle", "pop"})
