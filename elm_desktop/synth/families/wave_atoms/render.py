"""Render an :class:`~elm_desktop.synth.families.wave_atoms.plan.AtomSpec` to microvolts.

The brain's potentials at the 21 electrodes are the fractional-Gaussian-noise floor plus every
atom laid down at its time with its footprint; the background (floor and ongoing trains) is
scaled in time by the state of the brain (postictal depression, burst suppression) and in
space by a lesion's attenuation. Artifacts and the common mode are added at the electrodes,
the recording conditions (when drawn) act there, and the amplifier references, adds its own
noise and filters.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from elm_desktop.synth.conditions import ConditionsRenderer
from elm_desktop.synth.electrodes import ELECTRODES
from elm_desktop.synth.families.wave_atoms import atoms
from elm_desktop.synth.families.wave_atoms.plan import HV_FADE, HV_ONSET, AtomSpec
from elm_desktop.synth.families.wave_atoms.scalp import (
    MAXIMUM,
    attenuation_gain,
    direction,
    jitter,
    mirror,
    region_centre,
    rereference,
    spot,
)

#: Per state: atoms per second of the posterior rhythm, its size (x eyes closed), and of the
#: theta, delta and beta trains.
#: The obtunded state's own rates are those of a lethargic patient's waking record; its
#: slowing comes from the generalized slowing that always goes with it (``plan.py``).
_RATES = {
    "eyes_closed": (1.2, 1.0, 0.25, 0.12, 3.0),
    "eyes_open": (0.1, 0.5, 0.25, 0.12, 3.5),
    "drowsy": (0.3, 0.6, 1.3, 0.5, 2.0),
    "n2": (0.0, 0.0, 0.8, 1.4, 1.0),
    "obtunded": (0.6, 0.7, 0.45, 0.35, 2.0),
    "coma": (0.08, 0.4, 0.6, 1.2, 0.4),
}
#: Peak microvolts (at a footprint's centre, before the age scale) of each train's atoms.
_SIZE = {"alpha": 20.0, "mu": 18.0, "theta": 26.0, "delta": 36.0, "beta": 8.0}
#: Excess beta: atoms per second (near-continuous) of 20-40 uV frontocentral bursts.
_EXCESS_BETA_RATE = 9.0
#: Floor: broad sources' and each electrode's own share (uV RMS), common mode.
_FLOOR = (8.0, 1.5, 3.0)
#: What is left of the background between bursts of burst suppression.
_SUPPRESSED = 0.04

_FRONTOCENTRAL = ["F3", "F4", "Fz", "C3", "C4", "Cz"]
_THETA_SITES = ["Fz", "F3", "F4", "C3", "C4", "Cz", "T3", "T4", "F7", "F8"]
_DELTA_SITES = ["Fp1", "Fp2", "F3", "F4", "Fz", "F7", "F8", "T3", "T4", "C3", "C4", "T5", "T6"]


def _sphere_points(count: int) -> np.ndarray:
    """Roughly even unit vectors over the upper head (z > -0.2)."""
    k = np.arange(count) + 0.5
    z = 1.0 - 1.2 * k / count
    r = np.sqrt(1.0 - z**2)
    angle = np.pi * (3.0 - np.sqrt(5.0)) * k
    return np.stack([r * np.cos(angle), r * np.sin(angle), z], axis=1)


class _Page:
    """The brain potentials being drawn, the artifacts apart."""

    def __init__(self, spec: AtomSpec, rng: np.random.Generator):
        self.spec, self.rng = spec, rng
        self.sfreq = spec.sfreq
        self.n = spec.duration_s * spec.sfreq
        self.background = np.zeros((len(ELECTRODES), self.n))
        self.paroxysms = np.zeros((len(ELECTRODES), self.n))
        self.artifacts = np.zeros((len(ELECTRODES), self.n))
        self.scale = spec.background["scale"]
        state = np.zeros(self.n, dtype=int)
        names = list(_RATES)
        for s in spec.segments:
            state[int(s.start * self.sfreq) :] = names.index(s.state)
        self.table = np.array([_RATES[name] for name in names])[state]  # (n, 5)

    def lay(self, target: np.ndarray, wave: np.ndarray, at: float, footprint: np.ndarray) -> None:
        """Add ``wave`` (uV at the footprint's 1.0) from ``at`` seconds."""
        start = int(round(at * self.sfreq))
        first, stop = max(start, 0), min(self.n, start + len(wave))
        if stop > first:
            target[:, first:stop] += footprint[:, None] * wave[None, first - start : stop - start]

    def onsets(self, rate: np.ndarray) -> np.ndarray:
        """Times of an inhomogeneous Poisson train with ``rate`` (per s, per sample), by
        thinning a homogeneous one."""
        top = float(rate.max())
        if top <= 0:
            return np.zeros(0)
        count = self.rng.poisson(top * self.n / self.sfreq)
        times = np.sort(self.rng.uniform(0, self.n / self.sfreq, count))
        keep = self.rng.uniform(0, top, count) < rate[(times * self.sfreq).astype(int)]
        return times[keep]


def _gate(n: int, sfreq: int, intervals, ramp: float) -> np.ndarray:
    """1 inside ``intervals``, 0 outside, with linear ramps of ``ramp`` seconds."""
    gate = np.zeros(n)
    for a, b in intervals:
        gate[int(a * sfreq) : int(b * sfreq)] = 1.0
    width = max(1, int(ramp * sfreq))
    return np.clip(np.convolve(gate, np.ones(width) / width, "same"), 0.0, 1.0)


def _floor(page: _Page) -> None:
    spec, rng, n = page.spec, page.rng, page.n
    broad = _sphere_points(14)
    series = atoms.fgn(rng, len(broad) + len(ELECTRODES) + 1, n, spec.background["hurst"])
    corner = float(rng.uniform(30.0, 45.0))
    series = signal.lfilter(*signal.butter(1, corner, fs=page.sfreq), series, axis=1)
    series /= series.std(axis=1, keepdims=True)
    mixing = np.stack([spot(c, 1.5) for c in broad], axis=1)
    mixing *= _FLOOR[0] / np.linalg.norm(mixing, axis=1).max()
    page.background += page.scale * (mixing @ series[: len(broad)])
    page.background += page.scale * _FLOOR[1] * series[len(broad) : -1]
    page.common = _FLOOR[2] * series[-1]


def _trains(page: _Page) -> None:
    """The ongoing rhythms as atom trains: posterior rhythm, mu, theta, delta, beta."""
    spec, rng, sfreq = page.spec, page.rng, page.sfreq
    bg = spec.background
    slowing, beta = bg["slowing"], bg["beta"]  # beta: peak uV of excess beta atoms, or 0
    table = page.table
    left, right = direction(["O1", "O1", "P3"]), direction(["O2", "O2", "P4"])
    drowsy_left, drowsy_right = direction(["P3", "C3"]), direction(["P4", "C4"])
    drowsy = table[:, 2] > 1.0  # theta rate marks drowsiness and worse
    for t in page.onsets(table[:, 0] / slowing**0.5):
        i = int(t * sfreq)
        size = _SIZE["alpha"] * page.scale * table[i, 1] * float(rng.lognormal(0, 0.25))
        frequency = spec.pdr_frequency + float(rng.normal(0, 0.15)) - (0.8 if drowsy[i] else 0)
        wave = atoms.burst(
            sfreq, max(frequency, 3.0), float(rng.uniform(6, 16)), float(rng.uniform(0.15, 0.3)),
            np.pi / 2, float(rng.uniform(0, 2 * np.pi)),
        )  # fmt: skip
        a, b = (drowsy_left, drowsy_right) if drowsy[i] else (left, right)
        kappa = bg["alpha_kappa"]
        side = rng.random()
        footprint = (
            spot(jitter(rng, a, 0.1), kappa) * (side < 0.85)
            + spot(jitter(rng, b, 0.1), kappa) * (side > 0.15) * bg["asymmetry"]
        )
        page.lay(page.background, size * wave, t, footprint)
    if bg["mu"]:
        awake = (table[:, 0] > 0.1).astype(float) * 0.4
        for t in page.onsets(awake):
            wave = atoms.burst(
                sfreq, spec.pdr_frequency + float(rng.uniform(0.5, 1.5)),
                float(rng.uniform(4, 9)), 0.45, 0.0, float(rng.uniform(0, 2 * np.pi)),
            )  # fmt: skip
            centre = direction(["C3"] if rng.random() < 0.5 else ["C4"])
            page.lay(page.background, _SIZE["mu"] * page.scale * wave, t, spot(centre, 7.0))
    hv = [p for p in spec.procedures if p.kind == "hv" and p.response]
    for t in page.onsets(table[:, 2] * slowing):
        wave = atoms.burst(
            sfreq, float(rng.uniform(4.5, 7.5)), float(rng.uniform(2, 5)),
            float(rng.uniform(0.1, 0.35)), float(rng.uniform(0, np.pi)),
            float(rng.uniform(0, 2 * np.pi)), float(rng.normal(0, 0.6)),
        )  # fmt: skip
        size = _SIZE["theta"] * page.scale * slowing**0.3 * float(rng.lognormal(0, 0.3))
        centre = jitter(rng, direction([str(rng.choice(_THETA_SITES))]), 0.2)
        page.lay(page.background, size * wave, t, spot(centre, float(rng.uniform(2.5, 4.0))))
    for t in page.onsets(table[:, 3] * slowing):
        size = _SIZE["delta"] * page.scale * slowing**0.3 * float(rng.lognormal(0, 0.35))
        centre = jitter(rng, direction([str(rng.choice(_DELTA_SITES))]), 0.25)
        wave = atoms.polymorphic(sfreq, rng, 0.7, 3.5)
        page.lay(page.background, size * wave, t, spot(centre, float(rng.uniform(2.0, 3.5))))
    for t in page.onsets(table[:, 4]):
        wave = atoms.burst(
            sfreq, float(rng.uniform(15, 26)), float(rng.uniform(3, 8)), 0.1, 0.0,
            float(rng.uniform(0, 2 * np.pi)),
        )  # fmt: skip
        size = _SIZE["beta"] * page.scale * float(rng.lognormal(0, 0.3))
        centre = jitter(rng, direction([str(rng.choice(_FRONTOCENTRAL))]), 0.15)
        page.lay(page.background, size * wave, t, spot(centre, float(rng.uniform(5, 8))))
    if beta:  # excess beta: near-continuous 18-25 Hz atoms of 20-40 uV, frontocentral
        awake = np.where(table[:, 0] > 0.05, 1.0, 0.7) * _EXCESS_BETA_RATE
        for t in page.onsets(awake):
            wave = atoms.burst(
                sfreq, float(rng.uniform(18, 25)), float(rng.uniform(4, 10)), 0.1, 0.0,
                float(rng.uniform(0, 2 * np.pi)),
            )  # fmt: skip
            size = beta * float(rng.lognormal(0, 0.2))
            centre = jitter(rng, direction([str(rng.choice(_FRONTOCENTRAL))]), 0.1)
            page.lay(page.background, size * wave, t, spot(centre, float(rng.uniform(4, 6))))
    for p in hv:  # overbreathing: bifrontal delta atoms growing over the procedure
        ramp = np.zeros(page.n)
        length = p.end - p.start
        a, b = (
            int((p.start + HV_ONSET * length) * sfreq),
            min(page.n, int((p.end + HV_FADE) * sfreq)),
        )
        ramp[a:b] = np.clip(
            (np.arange(a, b) / sfreq - p.start - HV_ONSET * length) / (0.5 * length), 0, 1
        )
        ramp[int(p.end * sfreq) : b] *= np.linspace(1, 0, b - min(b, int(p.end * sfreq)))
        front = direction(["Fp1", "Fp2", "F3", "F4"])
        for t in page.onsets(2.2 * ramp):
            size = float(rng.uniform(45, 90)) * page.scale * ramp[int(t * sfreq)]
            wave = atoms.polymorphic(sfreq, rng, 1.2, 3.5)
            page.lay(page.background, size * wave, t, spot(jitter(rng, front, 0.15), 1.8))


def _focal_slowing(page: _Page) -> None:
    focus = page.spec.focal_slowing
    if not focus:
        return
    rate = focus["rate"] * _gate(page.n, page.sfreq, focus["intervals"], 0.5)
    centre = region_centre(focus["site"])
    for t in page.onsets(rate):
        size = focus["amplitude"] * float(page.rng.lognormal(0, 0.3))
        wave = atoms.polymorphic(page.sfreq, page.rng, 0.6, 3.0)
        footprint = spot(jitter(page.rng, centre, 0.06), focus["kappa"])
        page.lay(page.paroxysms, size * wave, t, footprint)


def _seizure(page: _Page, event) -> np.ndarray:
    """Lay the discharge; return the background's gain over time (postictal depression)."""
    p, sfreq, rng = event.params, page.sfreq, page.rng
    trace = event.amplitude * atoms.ictal_cycles(
        sfreq, event.duration, p["start_hz"], p["end_hz"], rng
    )
    centre = region_centre(p["site"])
    start = spot(centre, 9.0)
    if p["spread"] == "regional":
        late = spot(centre, 4.0)
    else:
        side = ["C3", "T3", "P3"] if centre[0] < 0 else ["C4", "T4", "P4"]
        late = np.maximum(spot(centre, 4.0), 0.8 * spot(direction(side), 1.3))
        if p["spread"] == "generalized":
            late = np.maximum(late, 0.7 * spot(mirror(direction(side)), 1.3))
    t = np.arange(len(trace)) / sfreq
    blend = np.clip((t - p["spread_after"]) / 8.0, 0.0, 1.0)
    a = int(round(event.onset * sfreq))
    b = min(page.n, a + len(trace))
    mixed = start[:, None] * (1 - blend[None]) + late[:, None] * blend[None]
    page.paroxysms[:, a:b] += (mixed * trace[None])[:, : b - a]
    # Postictal: the background drops to a third and recovers; delta atoms at the focus fade.
    end = event.onset + event.duration
    since = np.arange(page.n) / sfreq - end
    gain = np.where(since < 0, 1.0, 0.33 + 0.67 * np.clip(since / p["postictal"], 0, 1))
    fading = np.where(
        (since >= 0) & (since < p["postictal"]), 1.6 * (1 - since / p["postictal"]), 0
    )
    for onset in page.onsets(fading):
        size = float(rng.uniform(40, 80)) * page.scale * (1 - (onset - end) / p["postictal"])
        wave = atoms.polymorphic(sfreq, rng, 0.7, 2.5)
        page.lay(page.paroxysms, size * wave, onset, spot(jitter(rng, centre, 0.1), 3.0))
    return gain


def _spike(page: _Page, event) -> None:
    p = event.params
    wave = event.amplitude * atoms.spike(page.sfreq, p["rise"], p["slow"])
    footprint = spot(jitter(page.rng, direction([MAXIMUM[p["site"]]]), 0.04), p["kappa"])
    page.lay(page.paroxysms, wave, event.onset + 0.05, footprint)


def _spike_wave(page: _Page, event) -> None:
    p = event.params
    footprint = spot(direction(["F3", "Fp1"]), 2.2) + spot(direction(["F4", "Fp2"]), 2.2)
    footprint = footprint / footprint.max()
    t = event.onset
    end = event.onset + event.duration
    while True:  # whole complexes only, the last ending inside the interval
        progress = (t - event.onset) / event.duration
        period = 1.0 / (p["start_hz"] + (p["end_hz"] - p["start_hz"]) * progress)
        if t + period > end:
            break
        polyspike = p["polyspike"] > 0.6 and page.rng.random() < 0.5
        wave = event.amplitude * atoms.spike_wave(page.sfreq, period, polyspike)
        page.lay(page.paroxysms, wave, t, footprint)
        t += period


def _periodic(page: _Page, event) -> None:
    p, rng = event.params, page.rng
    count = int(event.duration * p["rate"])
    times = event.onset + (np.arange(count) + 0.5) / p["rate"] + rng.normal(0, p["jitter"], count)
    times = times[(times > 0.2) & (times < event.onset + event.duration - 0.8)]
    if p["site"]:
        centre = region_centre(p["site"])
        shape = [(0.0, spot(centre, 5.0), 1.0)]
    else:
        front, back = direction(["Fz", "F3", "F4"]), direction(["Pz", "P3", "P4"])
        lag = float(rng.uniform(0.03, 0.08)) if p["triphasic"] else 0.0
        shape = [(0.0, spot(front, 2.0), 1.0), (lag, spot(back, 2.0), 0.55)]
    for t in times:
        if p["triphasic"]:
            wave = atoms.triphasic(page.sfreq, p["width"])
        else:
            wave = atoms.spike(page.sfreq, p["width"] / 4, 0.2, 0.4)
        size = event.amplitude * float(rng.lognormal(0, 0.15))
        for lag, footprint, share in shape:
            page.lay(page.paroxysms, size * share * wave, t + lag, footprint)


def _bursts(page: _Page) -> np.ndarray:
    spec, rng = page.spec, page.rng
    for a, b in spec.bursts:
        wave = 120.0 * page.scale * atoms.spike(page.sfreq, 0.04, 0.3, 0.6)
        page.lay(page.paroxysms, wave, a, spot(direction(["Fz", "Cz"]), 1.2))
        for t in np.sort(rng.uniform(a, max(a, b - 0.4), int(rng.integers(3, 9)))):
            size = float(rng.uniform(50, 130)) * page.scale
            low = float(rng.choice([0.8, 3.0, 6.0]))
            wave = atoms.polymorphic(page.sfreq, rng, low, low * 2.5)
            wave = wave[: max(1, int((b + 0.2 - t) * page.sfreq))] * 1.0
            wave *= np.minimum(1.0, np.linspace(len(wave) / (0.1 * page.sfreq), 0, len(wave)))
            centre = jitter(rng, direction([str(rng.choice(_DELTA_SITES))]), 0.3)
            page.lay(page.paroxysms, size * wave, t, spot(centre, float(rng.uniform(1.2, 2.5))))
    return _SUPPRESSED + (1 - _SUPPRESSED) * _gate(page.n, page.sfreq, spec.bursts, 0.2)


def _sleep(page: _Page) -> None:
    sfreq, rng = page.sfreq, page.rng
    for e in page.spec.events:
        if e.kind == "spindle":
            wave = atoms.spindle(sfreq, e.params["frequency"], e.duration)
            centre = jitter(rng, direction(["Cz", "Cz", "Fz"]), 0.1)
            page.lay(page.background, e.amplitude * wave, e.onset, spot(centre, 3.0))
        elif e.kind == "k_complex":
            wave = atoms.k_complex(sfreq, e.params["width"])
            page.lay(
                page.background, e.amplitude * wave, e.onset, spot(direction(["Fz", "Cz"]), 2.5)
            )
        elif e.kind == "vertex":
            wave = atoms.vertex_wave(sfreq, e.params["width"])
            page.lay(page.background, e.amplitude * wave, e.onset, spot(direction(["Cz"]), 4.0))


def _photic(page: _Page) -> np.ndarray:
    """Driving (one cycle at the flash rate per flash, 90-110 ms after it) and the
    stimulator channel."""
    sfreq, rng = page.sfreq, page.rng
    back = spot(direction(["O1", "O2"]), 3.5)
    channel = np.zeros(page.n)
    size = float(rng.uniform(10, 20)) * page.scale
    latency = float(rng.uniform(0.09, 0.11))
    for p in page.spec.procedures:
        if p.kind != "photic":
            continue
        flashes = np.arange(p.start, p.end, 1.0 / p.frequency)
        for t in flashes:
            a = int(round(t * sfreq))
            channel[a : a + max(1, int(0.01 * sfreq))] = 1000.0
        if not p.response:
            continue
        period = 1.0 / p.frequency
        tt = np.arange(int(period * sfreq)) / sfreq
        cycle = -np.sin(2 * np.pi * tt / period)
        if p.frequency < 8:
            cycle += 0.5 * np.sin(4 * np.pi * tt / period)
        for t in flashes:
            page.lay(page.background, size * cycle, t + latency, back)
    return channel


def _artifacts(page: _Page) -> None:
    sfreq, rng = page.sfreq, page.rng
    eyes = direction(["Fp1", "Fp2"]) * [1.0, 1.0, 0.0] + [0.0, 0.0, -0.35]
    eyes /= np.linalg.norm(eyes)
    front = spot(eyes, 6.0)
    front /= front.max()
    lateral = spot(direction(["F7", "F7", "Fp1"]), 5.0) - spot(direction(["F8", "F8", "Fp2"]), 5.0)
    lateral /= np.abs(lateral).max()
    for e in page.spec.events:
        if e.kind == "blink":
            page.lay(page.artifacts, e.amplitude * atoms.blink(sfreq, e.duration), e.onset, front)
        elif e.kind == "saccade":
            wave = e.amplitude * atoms.saccade(sfreq, e.duration - 0.2)
            page.lay(page.artifacts, wave, e.onset, lateral)
        elif e.kind in ("muscle", "pop", "sweat"):
            sites = np.array([1.0 if name in e.centers else 0.0 for name in ELECTRODES])
            if e.kind == "muscle":
                wave = atoms.myogenic(sfreq, e.duration, rng)
            elif e.kind == "pop":
                wave = atoms.pop(sfreq)
            else:
                t = np.arange(int(e.duration * sfreq)) / sfreq
                f1, f2 = rng.uniform(0.08, 0.25, 2)
                wave = np.sin(2 * np.pi * f1 * t) + 0.6 * np.sin(
                    2 * np.pi * f2 * t + rng.uniform(0, 6)
                )
                wave *= np.hanning(len(t)) / 1.6
            page.lay(page.artifacts, e.amplitude * wave, e.onset, sites)


def _heart(page: _Page) -> np.ndarray:
    """ECG on the electrodes (largest at the left ear) and the EKG channel (uV)."""
    spec, rng, sfreq = page.spec, page.rng, page.sfreq
    beat, r = atoms.heartbeat(sfreq)
    ekg = np.zeros(page.n)
    t = float(rng.uniform(0.1, 0.8))
    mean = 60.0 / spec.heart_rate
    while t < spec.duration_s:
        a = int(round(t * sfreq)) - r
        first, stop = max(a, 0), min(page.n, a + len(beat))
        if stop > first:
            ekg[first:stop] += beat[first - a : stop - a]
        t += mean * (1 + 0.05 * np.sin(2 * np.pi * 0.25 * t)) + float(rng.normal(0, 0.01))
    field = spot(direction(["A1", "T5"]), 1.2) * float(rng.uniform(3, 9))
    page.artifacts += field[:, None] * ekg[None]
    return ekg * float(rng.uniform(700, 1400))


def _mains(page: _Page) -> None:
    spec, rng = page.spec, page.rng
    hum = rng.lognormal(np.log(0.3), 0.5, len(ELECTRODES))
    if rng.random() < 0.3:
        hum[int(rng.integers(len(ELECTRODES)))] *= float(rng.uniform(10, 30))
    t = np.arange(page.n) / page.sfreq
    phase = float(rng.uniform(0, 2 * np.pi))
    page.artifacts += hum[:, None] * np.sin(2 * np.pi * spec.line_frequency * t + phase)[None]


def render(
    spec: AtomSpec, seed: list[int], recorder: ConditionsRenderer | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render a recording: (21, n) referenced EEG, the EKG and the photic channel (uV)."""
    page = _Page(spec, np.random.default_rng(seed))
    _floor(page)
    _trains(page)
    _sleep(page)
    photic = _photic(page)
    _focal_slowing(page)
    gain = np.ones(page.n)
    for event in spec.events:
        if event.kind == "seizure":
            gain *= _seizure(page, event)
        elif event.kind == "spike":
            _spike(page, event)
        elif event.kind == "spike_wave":
            _spike_wave(page, event)
        elif event.kind == "periodic":
            _periodic(page, event)
    if spec.bursts:
        gain *= _bursts(page)
    if spec.attenuation:  # the region's own background sources: floor share and trains
        where = spec.attenuation["site"]
        page.background *= attenuation_gain(where, spec.attenuation["factor"])[:, None]
    brain = page.background * gain[None] + page.paroxysms
    _artifacts(page)
    ekg = _heart(page)
    _mains(page)
    potentials = brain + page.artifacts + page.common[None]
    if recorder is not None:
        potentials = recorder.electrodes(potentials)
    eeg = rereference(potentials, spec.reference)
    if recorder is not None:
        eeg = recorder.recorded(eeg)
    noise = page.rng.normal(0.0, float(page.rng.uniform(0.5, 1.0)), eeg.shape)
    if spec.reference == "cz":
        noise[ELECTRODES.index("Cz")] = 0.0
    eeg = eeg + noise
    low = signal.butter(3, min(0.35 * spec.sfreq, 70.0), fs=spec.sfreq, output="sos")
    high = signal.butter(1, 0.1, "highpass", fs=spec.sfreq, output="sos")
    eeg = signal.sosfilt(high, signal.sosfilt(low, eeg, axis=1), axis=1)
    return eeg, ekg, photic
