"""Recording conditions: what electrodes, amplifier and room add to any family's brain signal.

A generator family renders what the brain and the patient put on the scalp. How that reaches
the file depends on the recording set-up: electrode gain and impedance, mains hum, sweat and
movement drift, electrode pops, a floating or dead channel, the reference, the sampling rate and
the amplifier's anti-alias filter. This layer applies those, each switched on by name, to the
electrode signals of every family after the brain signal is rendered and before the EDF file is
written, so that one set of ingredients randomises every family (domain randomisation; issue 17,
``docs/synthetic-eeg.md``). Ground truth stays true: nothing moves in time, findings keep their
electrodes (no dropout or flat channel on an electrode a regional finding names), and what a
recording got is written in its manifest entry under ``"conditions"``.

Ingredients and the ranges they are drawn from, per recording:

``amplitude``
    A recording factor, log-uniform 0.5-2 (skull and scalp thickness, age, amplifier
    calibration), times a factor per electrode, log-uniform 0.7-1.4 (electrode gain and
    contact).
``impedance_noise``
    Thermal and electrochemical electrode noise, per electrode: white (0.3-2 uV RMS) plus 1/f
    (1-3 times the white RMS), a recording level log-uniform over that range, each electrode
    log-normal around it (sigma 0.4) and, in three recordings of ten, one or two poorly
    prepared electrodes at 3-6 times the level.
``line_noise``
    Mains at the family's line frequency (50 or 60 Hz; drawn when the family has none) with
    its second (0-15 %) and third (10-50 %) harmonic where below Nyquist; fundamental
    log-uniform 0.5-20 uV, log-normal per electrode (sigma 0.5), one to three electrodes with
    poor contact at 3-10 times.
``drift``
    Slow baseline wander (sweat, movement of the leads): an Ornstein-Uhlenbeck process per
    electrode with a time constant of 2-20 s, RMS log-uniform 3-40 uV for the recording,
    log-normal per electrode (sigma 0.7).
``pops``
    Electrode pops: a step of 50-400 uV (either sign) on one electrode that decays
    exponentially (time constant 0.05-0.8 s); 0.1-1 per minute (Poisson), never on a
    reference electrode. Sparse pops do not make a segment artifact-dominated, so they add no
    ``artifact`` finding.
``dropout``
    In three recordings of ten, one electrode (rarely two) comes loose and floats: its signal
    is replaced by 1/f noise of 15-80 uV RMS and mains pickup of 10-60 uV. Never an ear or Cz
    (reference electrodes) nor an electrode a regional finding names.
``flat``
    In one recording of ten, one channel (rarely two) is written as zeros, as an amplifier
    input that is switched off. Same exclusions as ``dropout``; together they never take more
    than four electrodes, so a side always keeps most of its eight.
``reference``
    For families that write reference-free potentials: the signals are referenced to linked
    ears (TUH label ``EEG FP1-LE``), the common average of the 19 scalp electrodes (``-AVG``),
    Cz or the left ear A1 (``-REF``; the reference electrode's own channel is then flat).
``sampling_rate``
    For families with a fixed rate: the recording is rendered at 200, 250, 256, 500 or 512 Hz,
    and the amplifier's anti-alias low-pass (Butterworth of order 2-4, causal, at 0.5-0.8 of
    Nyquist, at most 150 Hz) is applied and written in the EDF prefilter field.

``reference`` and ``sampling_rate`` are left to a family that draws its own rate and reference
per recording (``dipole-spectral``); its manifest's ``sfreq`` and ``reference`` say what it
wrote. A time warp of the background rhythms is not offered: applied to finished electrode
signals it would move every event the ground truth times and change the posterior rhythm
frequency the report states; a family has to do it while rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import signal

from elm_desktop.errors import ConfigError
from elm_desktop.synth.electrodes import ELECTRODES, SCALP

#: Every ingredient (described in the module docstring), in the order it is applied.
INGREDIENTS: tuple[str, ...] = (
    "amplitude",
    "impedance_noise",
    "line_noise",
    "drift",
    "pops",
    "dropout",
    "flat",
    "reference",
    "sampling_rate",
)

#: References the layer can apply, with the suffix TUH-style labels carry.
REFERENCE_SUFFIX: dict[str, str] = {"linked_ears": "LE", "average": "AVG", "cz": "REF", "a1": "REF"}

SAMPLING_RATES: tuple[int, ...] = (200, 250, 256, 500, 512)

#: Electrodes a reference can be made of: never floating, popping or flat.
_REFERENCE_ELECTRODES = ("A1", "A2", "Cz")
#: Most electrodes dropout and flat take together.
_MOST_LOST = 4
#: Regional findings name fewer electrodes than this; wider ones survive a lost channel.
_REGIONAL = 8
#: Points per second of the drift process (linearly interpolated between them).
_DRIFT_RATE = 8.0


def parse_conditions(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """Return the ingredient names of ``"all"``, ``"none"`` or ``"name,name,..."``.

    Parameters
    ----------
    text : str or sequence of str or None
        ``"all"``, ``"none"`` (also None or empty) or comma-separated ingredient names (a
        sequence of names is taken as already split).

    Returns
    -------
    tuple of str
        The named ingredients in the order they are applied, each once.

    Raises
    ------
    ConfigError
        For an unknown name; the message lists what is available.
    """
    if text is None:
        return ()
    parts = text.split(",") if isinstance(text, str) else list(text)
    names = {part.strip() for part in parts} - {"", "none"}
    if "all" in names:
        return INGREDIENTS
    unknown = sorted(names - set(INGREDIENTS))
    if unknown:
        raise ConfigError(
            f"unknown recording condition(s) {', '.join(unknown)}; "
            f"available: all, none, {', '.join(INGREDIENTS)}"
        )
    return tuple(name for name in INGREDIENTS if name in names)


@dataclass(frozen=True)
class RecordingConditions:
    """The conditions drawn for one recording.

    Attributes
    ----------
    seed : tuple of int
        Seed of the drawn values; the noise is drawn from a stream derived from it.
    values : dict
        Per applied ingredient, its drawn values (JSON-ready, per-electrode values keyed by
        electrode name); what the manifest records and all the renderer reads.
    """

    seed: tuple[int, ...]
    values: dict

    @property
    def sfreq(self) -> int | None:
        """The sampling rate this layer chose, or None when the family's stands."""
        return self.values.get("sampling_rate", {}).get("sfreq")

    @property
    def reference(self) -> str | None:
        """The reference this layer applies, or None when the family's stands."""
        return self.values.get("reference", {}).get("reference")

    @property
    def lowpass_hz(self) -> float | None:
        """The anti-alias low-pass this layer applies, or None."""
        return self.values.get("sampling_rate", {}).get("lowpass_hz")


def _log_uniform(rng: np.random.Generator, low: float, high: float, size=None):
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def _per_electrode(values: np.ndarray) -> dict[str, float]:
    return {name: round(float(v), 3) for name, v in zip(ELECTRODES, values, strict=True)}


def _some(rng: np.random.Generator, candidates: list[str], most: int) -> list[str]:
    """One electrode of ``candidates``, two in one case of five (at most ``most``)."""
    count = min(most, len(candidates), 2 if rng.random() < 0.2 else 1)
    return [str(name) for name in rng.choice(candidates, count, replace=False)]


def draw_conditions(
    names: Sequence[str],
    seed: Sequence[int],
    duration_s: float,
    line_frequency: float | None,
    protected: Sequence[str] = (),
    family_sets_recording: bool = False,
) -> RecordingConditions:
    """Draw the conditions of one recording.

    Parameters
    ----------
    names : sequence of str
        Ingredients to apply (see :func:`parse_conditions`).
    seed : sequence of int
        Seed of the draw (and of the noise stream the renderer derives from it).
    duration_s : float
        Length of the recording, for the pop times.
    line_frequency : float or None
        The family's mains frequency; None draws 50 or 60 Hz.
    protected : sequence of str
        Electrodes no dropout or flat channel may take (those regional findings name).
    family_sets_recording : bool
        True for a family that draws its own sampling rate and reference: ``sampling_rate``
        and ``reference`` are then left to it.

    Returns
    -------
    RecordingConditions
    """
    rng = np.random.default_rng([*seed, 0])
    n = len(ELECTRODES)
    mains = line_frequency or float(rng.choice([50.0, 60.0]))
    values: dict[str, dict] = {}
    movable = [e for e in SCALP if e not in _REFERENCE_ELECTRODES]
    usable = [e for e in movable if e not in set(protected)]
    if "amplitude" in names:
        values["amplitude"] = {
            "recording": round(float(_log_uniform(rng, 0.5, 2.0)), 3),
            "electrode": _per_electrode(_log_uniform(rng, 0.7, 1.4, n)),
        }
    if "impedance_noise" in names:
        level = rng.lognormal(np.log(_log_uniform(rng, 0.3, 2.0)), 0.4, n)
        if rng.random() < 0.3:
            for name in _some(rng, movable, 2):
                level[ELECTRODES.index(name)] *= rng.uniform(3, 6)
        values["impedance_noise"] = {
            "white_uv": _per_electrode(level),
            "pink_uv": _per_electrode(level * rng.uniform(1, 3, n)),
        }
    if "line_noise" in names:
        amplitude = rng.lognormal(np.log(_log_uniform(rng, 0.5, 20.0)), 0.5, n)
        poor = [str(e) for e in rng.choice(movable, int(rng.integers(1, 4)), replace=False)]
        for name in poor:
            amplitude[ELECTRODES.index(name)] *= rng.uniform(3, 10)
        values["line_noise"] = {
            "frequency_hz": mains,
            "amplitude_uv": _per_electrode(amplitude),
            "harmonics": {
                "2": round(float(rng.uniform(0, 0.15)), 3),
                "3": round(float(rng.uniform(0.1, 0.5)), 3),
            },
            "poor_contact": sorted(poor),
        }
    if "drift" in names:
        rms = rng.lognormal(np.log(_log_uniform(rng, 3.0, 40.0)), 0.7, n)
        values["drift"] = {
            "rms_uv": _per_electrode(rms),
            "time_constant_s": round(float(rng.uniform(2, 20)), 2),
        }
    if "pops" in names:
        count = int(rng.poisson(_log_uniform(rng, 0.1, 1.0) * duration_s / 60))
        values["pops"] = {
            "events": sorted(
                [
                    round(float(rng.uniform(0, duration_s)), 3),
                    str(rng.choice(movable)),
                    round(float(rng.choice([-1, 1]) * rng.uniform(50, 400)), 1),
                    round(float(rng.uniform(0.05, 0.8)), 3),
                ]
                for _ in range(count)
            )
        }
    lost: list[str] = []
    if "dropout" in names and rng.random() < 0.3 and usable:
        lost = _some(rng, usable, _MOST_LOST // 2)
        values["dropout"] = {
            "electrodes": {
                name: {
                    "noise_uv": round(float(rng.uniform(15, 80)), 1),
                    "hum_uv": round(float(rng.uniform(10, 60)), 1),
                }
                for name in lost
            },
            "hum_hz": mains,
        }
    if "flat" in names and rng.random() < 0.1:
        remaining = [e for e in usable if e not in lost]
        if remaining:
            flat = sorted(_some(rng, remaining, _MOST_LOST - len(lost)))
            values["flat"] = {"electrodes": flat}
            lost += flat
    if "pops" in values:  # a floating or flat channel shows no pop: the manifest lists none
        values["pops"]["events"] = [e for e in values["pops"]["events"] if e[1] not in lost]
    if "reference" in names and not family_sets_recording:
        values["reference"] = {"reference": str(rng.choice(list(REFERENCE_SUFFIX)))}
    if "sampling_rate" in names and not family_sets_recording:
        sfreq = int(rng.choice(SAMPLING_RATES))
        values["sampling_rate"] = {
            "sfreq": sfreq,
            "lowpass_hz": round(min(float(rng.uniform(0.5, 0.8)) * sfreq / 2, 150.0), 1),
            "lowpass_order": int(rng.integers(2, 5)),
        }
    return RecordingConditions(tuple(int(s) for s in seed), values)


def protected_electrodes(findings: Sequence) -> set[str]:
    """Electrodes named by regional findings (fewer than eight electrodes)."""
    return {e for f in findings if len(f.electrodes) < _REGIONAL for e in f.electrodes}


@cache
def _pink_sos(sfreq: float) -> tuple[np.ndarray, float]:
    """A 1/f filter (a pole and a zero per decade from 0.1 Hz) and its output variance."""
    poles = 2 * np.pi * 0.1 * 10.0 ** np.arange(4)
    zpk = signal.bilinear_zpk(-poles * np.sqrt(10), -poles, 1.0, sfreq)
    sos = signal.zpk2sos(*zpk)
    _, response = signal.sosfreqz(sos, worN=8192)
    return sos, float(np.mean(np.abs(response) ** 2))


def _reference_weights(reference: str) -> np.ndarray:
    weights = np.zeros(len(ELECTRODES))
    if reference == "linked_ears":
        weights[[ELECTRODES.index("A1"), ELECTRODES.index("A2")]] = 0.5
    elif reference == "average":
        weights[[ELECTRODES.index(e) for e in SCALP]] = 1 / len(SCALP)
    else:
        weights[ELECTRODES.index(reference.capitalize())] = 1.0
    return weights


class _Noise1f:
    """1/f noise on some electrodes, the filter state carried from block to block."""

    def __init__(self, rows: int, sfreq: float) -> None:
        sos, variance = _pink_sos(sfreq)
        # float32 like the families' noise: half the memory traffic, ample for noise.
        self.sos = sos.astype(np.float32)
        self.norm = 1 / np.sqrt(variance)
        self.state = np.zeros((sos.shape[0], rows, 2), dtype=np.float32)

    def __call__(self, white: np.ndarray) -> np.ndarray:
        shaped, self.state = signal.sosfilt(self.sos, white, axis=1, zi=self.state)
        return shaped * self.norm


class ConditionsRenderer:
    """Apply drawn conditions to a recording's signals, block by block, in time order.

    Parameters
    ----------
    conditions : RecordingConditions
    sfreq : float
        Sampling rate of the signals.

    Notes
    -----
    A family calls :meth:`electrodes` on the potentials at the 21 electrodes (microvolts,
    :data:`~elm_desktop.synth.electrodes.ELECTRODES` order) before it references them, and
    :meth:`recorded` on the signals it would write; the same conditions, signals and block
    sizes give the same samples.
    """

    def __init__(self, conditions: RecordingConditions, sfreq: float) -> None:
        self.values = conditions.values
        self.sfreq = float(sfreq)
        self.rng = np.random.default_rng([*conditions.seed, 1])
        self.position = 0
        v = self.values

        def column(mapping: dict[str, float]) -> np.ndarray:
            return np.array([mapping[name] for name in ELECTRODES])[:, None]

        self.gain = None
        if "amplitude" in v:
            self.gain = v["amplitude"]["recording"] * column(v["amplitude"]["electrode"])
        impedance = v.get("impedance_noise")
        if impedance:
            self.white, self.pink = column(impedance["white_uv"]), column(impedance["pink_uv"])
            self.pink_noise = _Noise1f(len(ELECTRODES), sfreq)
        line = v.get("line_noise")
        if line:
            self.hum = column(line["amplitude_uv"])
            self.phases = self.rng.uniform(0, 2 * np.pi, 4)
        drift = v.get("drift")
        if drift:
            self.drift_rms = column(drift["rms_uv"])[:, 0]
            self.drift_decay = np.exp(-1 / (_DRIFT_RATE * drift["time_constant_s"]))
            self.drift_grid = self.rng.standard_normal((len(ELECTRODES), 1))
            self.drift_first = 0
        self.lost = [ELECTRODES.index(name) for name in v.get("dropout", {}).get("electrodes", {})]
        if self.lost:
            self.float_noise = _Noise1f(len(self.lost), sfreq)
        rate = v.get("sampling_rate")
        if rate:
            self.lowpass = signal.butter(
                rate["lowpass_order"], rate["lowpass_hz"], fs=sfreq, output="sos"
            )
            self.lowpass_state = np.zeros((self.lowpass.shape[0], len(ELECTRODES), 2))
        self.reference = None
        if "reference" in v:
            self.reference = _reference_weights(v["reference"]["reference"])

    def _line(self, t: np.ndarray) -> np.ndarray:
        """Mains at unit fundamental amplitude with the drawn harmonics below Nyquist."""
        line = self.values["line_noise"]
        harmonics = {1: 1.0, **{int(k): share for k, share in line["harmonics"].items()}}
        wave = np.zeros(t.size)
        for k, share in harmonics.items():
            if k * line["frequency_hz"] < 0.95 * self.sfreq / 2:
                wave += share * np.sin(2 * np.pi * k * line["frequency_hz"] * t + self.phases[k])
        return wave

    def _drift(self, t: np.ndarray) -> np.ndarray:
        """The drift process at times ``t``: grid points made as needed, interpolated."""
        grid_time = t * _DRIFT_RATE
        last = int(np.floor(grid_time[-1])) + 1
        have = self.drift_first + self.drift_grid.shape[1] - 1
        if last > have:
            innovations = self.rng.standard_normal((len(ELECTRODES), last - have))
            innovations *= np.sqrt(1 - self.drift_decay**2)
            zi = self.drift_decay * self.drift_grid[:, -1:]
            new, _ = signal.lfilter([1.0], [1.0, -self.drift_decay], innovations, axis=1, zi=zi)
            self.drift_grid = np.concatenate([self.drift_grid, new], axis=1)
        grid = np.arange(self.drift_grid.shape[1]) + self.drift_first
        values = np.array([np.interp(grid_time, grid, row) for row in self.drift_grid])
        keep = int(np.floor(grid_time[-1])) - self.drift_first
        self.drift_grid = self.drift_grid[:, keep:]
        self.drift_first += keep
        return values * self.drift_rms[:, None]

    def _pops(self, t: np.ndarray, out: np.ndarray) -> None:
        for onset, electrode, amplitude, tau in self.values["pops"]["events"]:
            start = int(np.searchsorted(t, onset))
            stop = int(np.searchsorted(t, onset + 10 * tau))
            if start < stop:
                out[ELECTRODES.index(electrode), start:stop] += amplitude * np.exp(
                    -(t[start:stop] - onset) / tau
                )

    def electrodes(self, potentials: np.ndarray) -> np.ndarray:
        """Apply the electrode-level ingredients to the next block of potentials (21, n)."""
        n = potentials.shape[1]
        t = (self.position + np.arange(n)) / self.sfreq
        self.position += n
        v = self.values
        out = potentials * self.gain if self.gain is not None else potentials.copy()
        if "impedance_noise" in v:
            white = self.rng.standard_normal((len(ELECTRODES), n), dtype=np.float32)
            out += white * self.white + self.pink_noise(white) * self.pink
        if "line_noise" in v:
            out += self.hum * self._line(t)
        if "drift" in v:
            out += self._drift(t)
        if "pops" in v:
            self._pops(t, out)
        if self.lost:
            dropout = v["dropout"]
            hum = np.sin(2 * np.pi * dropout["hum_hz"] * t)
            floating = self.float_noise(
                self.rng.standard_normal((len(self.lost), n), dtype=np.float32)
            )
            for row, drawn in enumerate(dropout["electrodes"].values()):
                out[self.lost[row]] = floating[row] * drawn["noise_uv"] + hum * drawn["hum_uv"]
        return out

    def recorded(self, signals: np.ndarray) -> np.ndarray:
        """Apply reference, anti-alias filter and flat channels to the next block (21, n)."""
        out = signals
        if self.reference is not None:
            out = out - self.reference @ out
        if "sampling_rate" in self.values:
            out, self.lowpass_state = signal.sosfilt(
                self.lowpass, out, axis=1, zi=self.lowpass_state
            )
        for name in self.values.get("flat", {}).get("electrodes", []):
            out = out.copy() if out is signals else out
            out[ELECTRODES.index(name)] = 0.0
        return out
