"""Render a :class:`~elm_desktop.synth.families.neural_mass.plan.MassSpec` to microvolts.

Column activity (background resonances and Jansen-Rit paroxysms) is projected to the 21
electrodes by the lead field, artifacts are added there, the recording conditions (when drawn)
act on the electrode potentials, and the potentials are referenced as the amplifier does.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from scipy import signal

from elm_desktop.synth.conditions import ConditionsRenderer
from elm_desktop.synth.electrodes import ELECTRODES, SCALP
from elm_desktop.synth.families.neural_mass import artifacts, mass
from elm_desktop.synth.families.neural_mass.background import (
    Piece,
    aperiodic,
    coupling_matrix,
    resonance,
)
from elm_desktop.synth.families.neural_mass.cortex import (
    column_positions,
    columns_under,
    focus_columns,
    hemisphere_columns,
    lead_field,
    lesion_columns,
    n_columns,
    region_columns,
    side_of,
)
from elm_desktop.synth.families.neural_mass.plan import FRONTOCENTRAL, MassSpec

#: Per state: drive of each resonance (alpha, theta, delta, beta) relative to eyes closed.
_DRIVE = {
    "eyes_closed": (1.0, 0.35, 0.3, 1.0),
    "eyes_open": (0.25, 0.3, 0.25, 1.15),
    "drowsy": (0.3, 1.0, 0.5, 0.9),
    "n2": (0.08, 0.8, 1.3, 0.6),
    "obtunded": (0.25, 0.9, 1.5, 0.6),
    "coma": (0.1, 0.5, 1.2, 0.3),
}
#: Per state: damping (bandwidth, Hz) of the alpha resonance and its shift from the PDR (Hz).
_ALPHA = {
    "eyes_closed": (1.0, 0.0),
    "eyes_open": (2.5, 0.0),
    "drowsy": (2.0, -1.0),
    "n2": (3.0, -1.5),
    "obtunded": (2.0, -0.5),
    "coma": (3.0, -1.0),
}
#: Scalp RMS (uV, at the electrode where largest) of each resonance with the eyes closed.
_LEVEL = {
    "alpha": 18.0,
    "theta": 6.0,
    "delta": 8.0,
    "beta": 4.0,
    "aperiodic": 6.0,
    "fast aperiodic": 1.5,
}
#: Ceiling of the theta and delta drive that encephalopathy gives.
_MAX_SLOW_DRIVE = 2.5
#: Background left between bursts in burst suppression.
_SUPPRESSED = 0.04


def _columns_map(weights: np.ndarray) -> np.ndarray:
    return np.clip(weights, 0.0, None)


def _maps() -> dict[str, np.ndarray]:
    """Where each resonance lives over the columns (0-1)."""
    x, y, z = column_positions().T
    return {
        "alpha": _columns_map(np.clip(-y - 0.2, 0, None) / 0.8) ** 1.5 + 0.05,
        "theta": _columns_map(0.3 + 0.7 * (y + 1) / 2 * (z + 0.3)),
        "delta": _columns_map(0.5 + 0.5 * (y + 1) / 2),
        "beta": _columns_map((y + 1) / 2 * (z + 0.3)) + 0.05,
        "sigma": _columns_map(z - 0.4) / 0.6,
        "aperiodic": np.ones(len(x)),
    }


class _Canvas:
    """The electrode potentials being built, with the projections the parts share."""

    def __init__(self, spec: MassSpec, rng: np.random.Generator):
        self.spec, self.rng = spec, rng
        self.sfreq = spec.sfreq
        self.n = spec.duration_s * spec.sfreq
        self.t = np.arange(self.n) / self.sfreq
        self.out = np.zeros((len(ELECTRODES), self.n))
        self.lead = lead_field()
        gain = np.ones(n_columns())
        if spec.attenuation:
            gain[lesion_columns(spec.attenuation["region"])] *= spec.attenuation["factor"]
        self.attenuation = gain

    def project(
        self, columns: np.ndarray, level: float, activity: np.ndarray, coupling: float
    ) -> None:
        """Add uncoupled column activity (unit variance) through coupling and lead field,
        scaled to ``level`` uV RMS at the electrode where the unattenuated field is largest."""
        mixing = self.lead @ (columns[:, None] * coupling_matrix(coupling))
        scale = level / np.linalg.norm(mixing, axis=1).max()
        self.out += (scale * (self.attenuation[None] * mixing)) @ activity

    def source(self, weights: np.ndarray, trace: np.ndarray, start: int, peak_uv: float) -> None:
        """Add one source (column weights) with a time course starting at sample ``start``;
        ``peak_uv`` per unit of the trace at the electrode where its field is largest."""
        field = self.lead @ weights
        field = field / np.abs(field).max() * peak_uv
        stop = min(self.n, start + len(trace))
        if stop > max(start, 0):
            first = max(start, 0)
            self.out[:, first:stop] += field[:, None] * trace[first - start : stop - start][None]


def _state_index(spec: MassSpec, n: int) -> list[tuple[int, int, str]]:
    """The states as (first sample, stop, state), tiling the recording's ``n`` samples: each
    state runs to the next one's first sample (segment ends rounded apart would leave a
    sample in none)."""
    starts = [int(s.start * spec.sfreq) for s in spec.segments] + [n]
    if starts[0] != 0 or spec.segments[-1].end < spec.duration_s:
        raise ValueError(
            f"the states cover {spec.segments[0].start}-{spec.segments[-1].end} s of a "
            f"{spec.duration_s} s recording"
        )
    return [(a, b, s.state) for (a, b), s in zip(pairwise(starts), spec.segments, strict=True)]


def _envelope(n: int, sfreq: int, intervals, ramp_s: float = 0.3) -> np.ndarray:
    """1 inside the intervals, 0 outside, with raised-cosine ramps of ``ramp_s``."""
    gate = np.zeros(n)
    for a, b in intervals:
        gate[int(a * sfreq) : int(b * sfreq)] = 1.0
    width = max(1, int(ramp_s * sfreq))
    window = np.hanning(2 * width + 1)
    return np.clip(np.convolve(gate, window / window.sum(), mode="same"), 0.0, 1.0)


def _background(canvas: _Canvas) -> None:
    spec, rng, sfreq, n = canvas.spec, canvas.rng, canvas.sfreq, canvas.n
    maps = _maps()
    states = _state_index(spec, n)
    columns = n_columns()
    rhythms = spec.rhythms
    scale = rhythms["scale"]
    drive = np.ones((4, n))
    for a, b, state in states:
        drive[:, a:b] = np.array(_DRIVE[state])[:, None]
    drive = np.stack([signal.savgol_filter(d, 2 * int(0.4 * sfreq) + 1, 1) for d in drive])
    # Encephalopathy: slow rhythms gain drive in every state (up to a ceiling), alpha loses it.
    slowing = rhythms["slowing"]
    drive[1:3] = np.minimum(drive[1:3] * slowing + 0.4 * (slowing - 1.0), _MAX_SLOW_DRIVE)
    drive[0] /= slowing**0.5
    hv = [[p.start, p.end] for p in spec.procedures if p.kind == "hv" and p.response]
    if hv:
        # Hypocapnia builds up theta and delta drive over the first 40 s of overbreathing.
        build = _envelope(n, sfreq, hv, 5.0) * np.clip((canvas.t - hv[0][0]) / 40.0, 0, 1)
        drive[1] *= 1 + 3.0 * build
        drive[2] *= 1 + 8.0 * build
    if spec.bursts:
        gate = _SUPPRESSED + (1.5 - _SUPPRESSED) * _envelope(n, sfreq, spec.bursts, 0.15)
        drive *= gate[None]
    for event in spec.events:
        if event.kind == "seizure":
            # Postictal depression: afferent drive drops as the discharge stops, then recovers.
            end = event.onset + event.duration
            since = canvas.t - end
            recovery = np.clip(since / event.params["postictal"], 0.0, 1.0)
            drive *= np.where(since < 0, 1.0, 0.2 + 0.8 * recovery)[None]
    alpha_pieces = [
        Piece(a, b, max(3.0, spec.pdr_frequency + _ALPHA[s][1]), _ALPHA[s][0]) for a, b, s in states
    ]
    theta_hz = float(rng.uniform(5.0, 7.0))
    beta_hz = float(rng.uniform(16.0, 24.0))
    parts = (
        ("alpha", alpha_pieces, drive[0], 1.0, 0.85),
        ("theta", [Piece(0, n, theta_hz, 2.5)], drive[1], 1.0, 0.5),
        ("delta", [Piece(0, n, 1.6, 2.2)], drive[2], 1.0, 0.5),
        ("beta", [Piece(0, n, beta_hz, 7.0)], drive[3], rhythms["beta"], 0.3),
    )
    for name, pieces, envelope, gain, coupling in parts:
        noise = rng.standard_normal((columns, n))
        activity = resonance(noise, pieces, sfreq) * envelope[None]
        canvas.project(maps[name], _LEVEL[name] * scale * gain, activity, coupling)
    level = drive[2] ** 0.5 * (0.6 if spec.bursts else 1.0)
    canvas.project(
        maps["aperiodic"],
        _LEVEL["aperiodic"] * scale,
        aperiodic(rng.standard_normal((columns, n)), 3.0, sfreq) * level[None],
        0.5,
    )
    # The fast synapses' share (time constant about 6 ms): a 1/f^2 tail above 25 Hz, local.
    gate = drive[3] / _DRIVE["eyes_closed"][3]
    canvas.project(
        maps["aperiodic"],
        _LEVEL["fast aperiodic"] * scale,
        aperiodic(rng.standard_normal((columns, n)), 25.0, sfreq) * gate[None],
        0.3,
    )


def _focal_slowing(canvas: _Canvas) -> None:
    focus = canvas.spec.focal_slowing
    if not focus:
        return
    n, sfreq = canvas.n, canvas.sfreq
    weights = np.zeros(n_columns())
    weights[region_columns(focus["region"])] = 1.0
    gate = _envelope(n, sfreq, focus["intervals"], 0.8)
    noise = canvas.rng.standard_normal((n_columns(), n))
    slow = resonance(noise, [Piece(0, n, focus["frequency"], 1.8)], sfreq) * gate[None]
    mixing = canvas.lead @ (weights[:, None] * np.eye(n_columns()))
    scale = focus["rms"] / np.linalg.norm(mixing, axis=1).max()
    canvas.out += scale * mixing @ slow


def _weights(columns: np.ndarray, rest: float = 0.0) -> np.ndarray:
    weights = np.full(n_columns(), rest)
    weights[columns] = 1.0
    return weights


def _jr_window(canvas: _Canvas, a: float, b: float, drive_of, gain_of) -> tuple[int, np.ndarray]:
    """Integrate a column from ``a`` to ``b`` seconds with parameters given as functions of
    time; returns (first sample, output in mV)."""
    first, last = max(0, int(a * canvas.sfreq)), min(canvas.n, int(b * canvas.sfreq))
    t = canvas.t[first:last]
    return first, mass.column(drive_of(t), gain_of(t), canvas.sfreq)


def _seizure(canvas: _Canvas, event) -> None:
    p = event.params
    onset, end = event.onset, event.onset + event.duration
    involved = focus_columns(p["region"])
    side = side_of(list(event.centers))
    groups = [(onset, involved, 1.0)]
    if p["spread"] in ("hemispheric", "generalized"):
        rest = np.setdiff1d(hemisphere_columns(side), involved)
        groups.append((onset + p["delays"][0], rest, 0.7))
    if p["spread"] == "generalized":
        other = hemisphere_columns("left" if side == "right" else "right")
        groups.append((onset + p["delays"][0] + p["delays"][1], other, 0.6))
    for start, columns, share in groups:
        if start >= end - 2:
            continue
        length = end - start

        def drive(t, start=start, length=length):
            # The input follows the rate table so that the discharge slows evenly in time.
            progress = np.clip((t - start) / length, 0.0, 1.0)
            rate = p["start_hz"] + (p["end_hz"] - p["start_hz"]) * progress
            ictal = np.interp(rate, mass.SEIZURE_RATE, mass.SEIZURE_INPUT)
            after = mass.SILENT_INPUT + (mass.REST_INPUT - mass.SILENT_INPUT) * np.clip(
                (t - end) / p["postictal"], 0.0, 1.0
            )
            return np.where(t < start, mass.REST_INPUT, np.where(t < end, ictal, after))

        def gain(t, start=start):
            ramp = np.clip((t - start) / 2.0, 0.0, 1.0)
            level = mass.REST_GAIN + (mass.SEIZURE_GAIN - mass.REST_GAIN) * ramp
            return np.where(t < end, level, mass.REST_GAIN)

        first, trace = _jr_window(canvas, start - 1.0, end + p["postictal"], drive, gain)
        # Recruitment: the share of the patch's columns caught up grows over the first third.
        t = canvas.t[first : first + len(trace)]
        trace *= np.clip(0.15 + 0.85 * (t - start) / (0.3 * length), 0.15, 1.0)
        canvas.source(_weights(columns), -trace, first, event.amplitude * share)


def _spike_wave(canvas: _Canvas, event) -> None:
    onset, end = event.onset, event.onset + event.duration
    level = event.params["input"]

    def drive(t):
        return np.where((t >= onset) & (t < end), level, mass.REST_INPUT)

    def gain(t):
        return np.where((t >= onset) & (t < end), mass.SPIKE_WAVE_GAIN, mass.REST_GAIN)

    first, trace = _jr_window(canvas, onset - 1.0, end + 1.5, drive, gain)
    canvas.source(
        _weights(columns_under(FRONTOCENTRAL, 0.35), 0.45), -trace, first, event.amplitude
    )


def _bursts(canvas: _Canvas) -> None:
    spec = canvas.spec
    if not spec.bursts:
        return
    bursts = spec.bursts
    noise = canvas.rng.normal(0.0, 60.0, canvas.n)

    def drive(t):
        inside = np.zeros(len(t), dtype=bool)
        for a, b in bursts:
            inside |= (t >= a) & (t < b)
        index = np.round(t * canvas.sfreq).astype(int)
        return np.where(inside, 135.0 + noise[index], mass.SILENT_INPUT)

    def gain(t):
        return np.full(len(t), mass.SPIKE_WAVE_GAIN)

    first, trace = _jr_window(canvas, 0.0, spec.duration_s, drive, gain)
    trace *= _envelope(canvas.n, canvas.sfreq, bursts, 0.1)
    weights = _weights(columns_under(FRONTOCENTRAL, 0.35), 0.45)
    canvas.source(weights, -trace, first, 6.0 * spec.rhythms["scale"])


def _pulses(canvas: _Canvas, event, times, strength, width, weights, sign) -> None:
    response = mass.pulse_response(canvas.sfreq, round(strength), round(width, 3), 0.7)
    for t in times:
        canvas.source(weights, sign * response, int(round(t * canvas.sfreq)), event.amplitude)


def _discharge(canvas: _Canvas, event, weights: np.ndarray, sign: float) -> None:
    """One pulse-driven event: a spike (surface negative) or a down state (``sign`` +1)."""
    p = event.params
    _pulses(canvas, event, [event.onset], p["strength"], p["width"], weights, sign)


def _periodic(canvas: _Canvas, event) -> None:
    p = event.params
    period = 1.0 / p["rate"]
    count = int(event.duration / period)
    times = (
        event.onset + period * (np.arange(count) + 0.3) + canvas.rng.normal(0, p["jitter"], count)
    )
    times = times[(times >= event.onset) & (times < event.onset + event.duration - 0.5)]
    if p["region"]:
        weights = _weights(focus_columns(p["region"]))
    else:
        weights = _weights(columns_under(FRONTOCENTRAL, 0.35), 0.6)
    _pulses(canvas, event, times, 350.0, p["width"], weights, -1.0)


def _sigma(canvas: _Canvas, events) -> None:
    spindles = [e for e in events if e.kind == "spindle"]
    if not spindles:
        return
    n, sfreq = canvas.n, canvas.sfreq
    gate = np.zeros(n)
    for e in spindles:
        a, b = int(e.onset * sfreq), min(n, int((e.onset + e.duration) * sfreq))
        gate[a:b] += np.hanning(b - a) * e.amplitude
    frequency = float(np.mean([e.params["frequency"] for e in spindles]))
    noise = canvas.rng.standard_normal((n_columns(), n))
    sigma = resonance(noise, [Piece(0, n, frequency, 1.2)], sfreq) * gate[None]
    canvas.project(_maps()["sigma"], 1.0, sigma, 0.85)


def _photic(canvas: _Canvas) -> None:
    occipital = _weights(columns_under(["O1", "O2"], 0.35))
    response = mass.pulse_response(canvas.sfreq, 220, 0.01, 0.5)
    level = 6.0 * canvas.spec.rhythms["scale"]
    for p in canvas.spec.procedures:
        if p.kind == "photic" and p.response:
            for t in np.arange(p.start, p.end, 1.0 / p.frequency):
                canvas.source(occipital, -response, int(round(t * canvas.sfreq)), level)


def _artifacts(canvas: _Canvas, events) -> None:
    sfreq, rng = canvas.sfreq, canvas.rng
    for e in events:
        start = int(e.onset * sfreq)
        length = int(e.duration * sfreq)
        t = np.arange(length) / sfreq
        stop = min(canvas.n, start + length)
        if stop <= start:
            continue
        if e.kind == "blink":
            field = artifacts.eye_field((0.0, 0.0, 1.0))
            course = artifacts.blink(t)
        elif e.kind == "saccade":
            field = artifacts.eye_field((e.params["direction"], 0.0, 0.0))
            course = artifacts.saccade(t, 0.8 * e.duration)
        elif e.kind == "muscle":
            field = np.array([1.0 if name in e.centers else 0.0 for name in ELECTRODES])
            course = artifacts.muscle(rng, length, sfreq) * np.hanning(length)
        else:
            field = np.array([1.0 if name in e.centers else 0.0 for name in ELECTRODES])
            course = artifacts.pop(t)
        canvas.out[:, start:stop] += e.amplitude * field[:, None] * course[None, : stop - start]


def _heart(canvas: _Canvas) -> np.ndarray:
    """Add the ECG's field to the electrodes; return the ECG channel (uV)."""
    spec = canvas.spec
    beats = artifacts.heart_times(canvas.rng, spec.heart_rate, spec.duration_s)
    ecg = np.zeros(canvas.n)
    template_t = np.arange(-0.3, 0.45, 1.0 / canvas.sfreq)
    template = artifacts.heartbeat(template_t)
    for beat in beats:
        start = int(round((beat - 0.3) * canvas.sfreq))
        first, stop = max(start, 0), min(canvas.n, start + len(template))
        if stop > first:
            ecg[first:stop] += template[first - start : stop - start]
    at_ear = float(canvas.rng.uniform(2.0, 8.0))
    canvas.out += artifacts.heart_field()[:, None] * ecg[None] * at_ear
    return ecg * float(canvas.rng.uniform(600, 1500))


def reference_matrix(reference: str) -> np.ndarray:
    """(21, 21) matrix that turns potentials against infinity into referenced signals."""
    size = len(ELECTRODES)
    ref = np.zeros(size)
    if reference == "linked_ears":
        ref[[ELECTRODES.index("A1"), ELECTRODES.index("A2")]] = 0.5
    elif reference == "average":
        ref[[ELECTRODES.index(e) for e in SCALP]] = 1.0 / len(SCALP)
    else:
        ref[ELECTRODES.index("Cz")] = 1.0
    return np.eye(size) - np.ones((size, 1)) * ref[None]


def render(
    spec: MassSpec, seed: list[int], recorder: ConditionsRenderer | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render a recording: (21, n) referenced EEG, ECG channel and photic channel (uV)."""
    canvas = _Canvas(spec, np.random.default_rng(seed))
    _background(canvas)
    _focal_slowing(canvas)
    _bursts(canvas)
    for event in spec.events:
        if event.kind == "seizure":
            _seizure(canvas, event)
        elif event.kind == "spike_wave":
            _spike_wave(canvas, event)
        elif event.kind == "periodic":
            _periodic(canvas, event)
        elif event.kind == "spike":
            _discharge(canvas, event, _weights(focus_columns(event.params["region"])), -1.0)
        elif event.kind in ("k_complex", "vertex"):
            _discharge(canvas, event, _weights(columns_under(["Cz"], 0.45)), 1.0)
    _sigma(canvas, spec.events)
    _photic(canvas)
    _artifacts(canvas, [e for e in spec.events if e.kind in ("blink", "saccade", "muscle", "pop")])
    ecg = _heart(canvas)
    canvas.out += artifacts.mains(
        canvas.rng, canvas.t, spec.line_frequency if spec.line_frequency < spec.sfreq / 2 else 0.0
    )
    eeg = canvas.out if recorder is None else recorder.electrodes(canvas.out)
    eeg = reference_matrix(spec.reference) @ eeg
    if recorder is not None:
        eeg = recorder.recorded(eeg)
    # Each amplifier input adds its own noise; a channel that is the reference stays flat.
    noise = canvas.rng.normal(0.0, canvas.rng.uniform(0.4, 1.2), eeg.shape)
    if spec.reference == "cz":
        noise[ELECTRODES.index("Cz")] = 0.0
    eeg = eeg + noise
    lowpass = signal.butter(2, min(0.4 * spec.sfreq, 100.0), fs=spec.sfreq, output="sos")
    highpass = signal.butter(1, 0.16, "highpass", fs=spec.sfreq, output="sos")
    eeg = signal.sosfilt(lowpass, signal.sosfilt(highpass, eeg, axis=1), axis=1)
    photic = np.zeros(canvas.n)
    for p in spec.procedures:
        if p.kind == "photic":
            for t in np.arange(p.start, p.end, 1.0 / p.frequency):
                a = int(round(t * spec.sfreq))
                photic[a : a + max(1, int(0.01 * spec.sfreq))] = 1000.0
    return eeg, ecg, photic
