"""Known heart rhythms on the EKG channel of a synthetic recording.

A recording's rhythm (:class:`HeartRhythm`) is drawn from its own random generator, never from
the one that shapes the EEG, so the EEG channels of a recording stay the same samples whatever
the EKG carries:

- ``sinus`` (60-100 bpm), ``sinus_bradycardia`` (< 60 bpm), ``sinus_tachycardia`` (> 100 bpm):
  regular beats with 3 % beat-to-beat variation;
- ``atrial_fibrillation``: no P waves, fibrillatory baseline, irregularly irregular RR
  intervals (independent draws, coefficient of variation about 0.2);
- ``premature_beats``: sinus rhythm with premature ventricular beats (wide QRS, no P wave,
  coupling 0.6 of the RR interval) each followed by a compensatory pause;
- ictal tachycardia: with seizures, the rate rises over 10 s from each seizure's onset to 1.3-1.6
  times the rate, stays there to its end and falls back over the 30 s after it.

A plain sinus recording without seizures keeps the beat train the renderer always drew
(``legacy``), so its EKG is the same as before and matches the ECG artifact the EEG electrodes
pick up. Other rhythms get a beat train of their own; the ECG artifact on the EEG electrodes
still follows the plain sinus train (it is part of the EEG, which must not change).

:func:`rhythm_truth` gives what the manifest records: the rhythm, its rate as the beats realise
it outside ictal spans, the ictal spans with their peak rate, and the number of premature beats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The rhythms, with the chance that a recording carries each.
RHYTHMS: dict[str, float] = {
    "sinus": 0.55,
    "sinus_bradycardia": 0.10,
    "sinus_tachycardia": 0.10,
    "atrial_fibrillation": 0.12,
    "premature_beats": 0.13,
}
#: Words a report uses for each rhythm.
RHYTHM_WORDS: dict[str, str] = {
    "sinus": "sinus rhythm",
    "sinus_bradycardia": "sinus bradycardia",
    "sinus_tachycardia": "sinus tachycardia",
    "atrial_fibrillation": "atrial fibrillation",
    "premature_beats": "sinus rhythm with premature ventricular beats",
}
_RAMP_UP_S = 10.0
_RAMP_DOWN_S = 30.0
_JITTER = 0.03
_AF_CV = 0.2


@dataclass
class HeartRhythm:
    """The rhythm on a recording's EKG channel.

    Attributes
    ----------
    rhythm : str
        One of :data:`RHYTHMS`.
    rate_bpm : float
        The base rate.
    seed : int
        Seed of the beat train and the EKG's own noise.
    legacy : bool
        The EKG keeps the renderer's own sinus beat train (plain sinus, no seizure).
    ictal : list of [start, end, peak bpm]
        Spans of ictal tachycardia (seizure onset to 30 s after its end).
    premature_fraction : float
        Chance that a beat is premature (``premature_beats`` only).
    """

    rhythm: str
    rate_bpm: float
    seed: int
    legacy: bool = False
    ictal: list[list[float]] = field(default_factory=list)
    premature_fraction: float = 0.0


def rate_words(rate_bpm: float) -> str:
    """The sinus rhythm a rate is called by: sinus, sinus_bradycardia or sinus_tachycardia."""
    if rate_bpm < 60:
        return "sinus_bradycardia"
    return "sinus_tachycardia" if rate_bpm > 100 else "sinus"


def draw_rhythm(
    rng: np.random.Generator,
    heart_rate: float,
    seizures: list[list[float]],
    rhythm: str | None = None,
) -> HeartRhythm:
    """Draw a recording's heart rhythm.

    Parameters
    ----------
    rng : numpy.random.Generator
        The rhythm's own generator (not the EEG's).
    heart_rate : float
        The recording's drawn sinus rate (``RecordingSpec.heart_rate``).
    seizures : list of [start, end]
        The seizures' intervals in seconds; each brings ictal tachycardia.
    rhythm : str, optional
        This rhythm instead of a drawn one (tests, examples).

    Returns
    -------
    HeartRhythm
    """
    names = list(RHYTHMS)
    drawn = str(rng.choice(names, p=np.array(list(RHYTHMS.values()))))
    if rhythm is not None and rhythm not in RHYTHMS:
        raise ValueError(f"unknown rhythm {rhythm!r}; choose one of {', '.join(RHYTHMS)}")
    rhythm = rhythm or drawn
    rate = heart_rate
    fraction = 0.0
    if rhythm == "sinus_bradycardia":
        rate = float(rng.uniform(40, 55))
    elif rhythm == "sinus_tachycardia":
        rate = float(rng.uniform(105, 140))
    elif rhythm == "atrial_fibrillation":
        rate = float(rng.uniform(70, 130))
    elif rhythm == "premature_beats":
        fraction = float(rng.uniform(0.04, 0.12))
    seed = int(rng.integers(2**62))
    ictal = [
        [float(start), float(end) + _RAMP_DOWN_S, round(min(rate * rng.uniform(1.3, 1.6), 175), 1)]
        for start, end in seizures
    ]
    legacy = rhythm == "sinus" and not ictal
    if rhythm == "sinus":  # named by its rate, as a reader names it
        rhythm = rate_words(rate)
    return HeartRhythm(rhythm, round(rate, 2), seed, legacy, ictal, round(fraction, 3))


def _rate_at(rhythm: HeartRhythm, t: float) -> float:
    """The rhythm's rate at time ``t``, ictal tachycardia included."""
    rate = rhythm.rate_bpm
    for start, end, peak in rhythm.ictal:
        seizure_end = end - _RAMP_DOWN_S
        if start <= t < end:
            rise = min((t - start) / _RAMP_UP_S, 1.0)
            if t > seizure_end:
                rise *= 1.0 - (t - seizure_end) / _RAMP_DOWN_S
            rate = max(rate, rhythm.rate_bpm + (peak - rhythm.rate_bpm) * rise)
    return rate


def beat_train(rhythm: HeartRhythm, duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The beats of a (non-legacy) rhythm over a recording.

    Returns
    -------
    times : ndarray
        R-peak time of each beat, seconds.
    premature : ndarray of bool
        Whether each beat is a premature ventricular beat.
    """
    rng = np.random.default_rng([rhythm.seed, 0])
    times, premature = [], []
    t = float(rng.uniform(0, 60 / rhythm.rate_bpm))
    while t < duration_s + 1.0:
        rr = 60.0 / _rate_at(rhythm, t)
        times.append(t)
        premature.append(False)
        if rhythm.rhythm == "atrial_fibrillation":
            shape = 1 / _AF_CV**2
            t += float(np.clip(rng.gamma(shape, rr / shape), 0.3, 2.5))
        elif rhythm.premature_fraction and rng.random() < rhythm.premature_fraction:
            times.append(t + 0.6 * rr)
            premature.append(True)
            t += 2 * rr * (1 + _JITTER * rng.standard_normal())  # compensatory pause
        else:
            t += rr * (1 + _JITTER * rng.standard_normal())
    return np.asarray(times), np.asarray(premature, dtype=bool)


def rhythm_truth(rhythm: HeartRhythm | None, heart_rate: float, duration_s: float) -> dict:
    """What the manifest records of a recording's EKG (``"ekg"``).

    Returns
    -------
    dict
        ``rhythm``, ``rate_bpm`` (realised outside ictal spans; the drawn rate for the legacy
        train, whose beats the renderer draws), ``ictal`` ([start, end, peak bpm] spans) and
        ``premature_beats`` (their count).
    """
    if rhythm is None or rhythm.legacy:
        name = rhythm.rhythm if rhythm is not None else rate_words(heart_rate)
        return {"rhythm": name, "rate_bpm": round(heart_rate, 1), "ictal": [], "premature_beats": 0}
    times, premature = beat_train(rhythm, duration_s)
    rr = np.diff(times)
    ends = times[1:]
    keep = ends < duration_s
    for start, end, _ in rhythm.ictal:
        keep &= ~((ends >= start) & (ends < end))
    rate = 60.0 / float(np.mean(rr[keep])) if keep.any() else rhythm.rate_bpm
    return {
        "rhythm": rhythm.rhythm,
        "rate_bpm": round(rate, 1),
        "ictal": [[round(a, 3), round(b, 3), peak] for a, b, peak in rhythm.ictal],
        "premature_beats": int(premature[times < duration_s].sum()),
    }


def _normal_beat(x: np.ndarray, p_wave: bool) -> np.ndarray:
    """P-QRS-T of a normal beat, R peak 1.0 at ``x == 0`` (seconds)."""
    wave = (
        -0.15 * np.exp(-0.5 * ((x + 0.02) / 0.008) ** 2)
        + np.exp(-0.5 * (x / 0.01) ** 2)
        - 0.25 * np.exp(-0.5 * ((x - 0.025) / 0.01) ** 2)
        + 0.3 * np.exp(-0.5 * ((x - 0.28) / 0.05) ** 2)
    )
    if p_wave:
        wave += 0.12 * np.exp(-0.5 * ((x + 0.16) / 0.025) ** 2)
    return wave


def _premature_beat(x: np.ndarray) -> np.ndarray:
    """A premature ventricular beat: no P wave, wide QRS, T wave of opposite polarity."""
    return (
        1.1 * np.exp(-0.5 * (x / 0.035) ** 2)
        - 0.3 * np.exp(-0.5 * ((x - 0.07) / 0.03) ** 2)
        - 0.45 * np.exp(-0.5 * ((x - 0.3) / 0.07) ** 2)
    )


class HeartBeats:
    """Renders a non-legacy rhythm's EKG in consecutive blocks (millivolt-scale units)."""

    def __init__(self, rhythm: HeartRhythm, duration_s: float, sfreq: float) -> None:
        self.rhythm = rhythm
        self.times, self.premature = beat_train(rhythm, duration_s)
        self.noise = np.random.default_rng([rhythm.seed, 1])
        self.sfreq = sfreq
        self.af_phase = float(self.noise.uniform(0, 2 * np.pi))

    def render(self, t: np.ndarray) -> np.ndarray:
        """The EKG (R peak 1.0) at times ``t`` plus its own noise, in the same units."""
        out = np.zeros(t.size)
        first = np.searchsorted(self.times, t[0] - 0.6)
        last = np.searchsorted(self.times, t[-1] + 0.6)
        af = self.rhythm.rhythm == "atrial_fibrillation"
        for beat, early in zip(self.times[first:last], self.premature[first:last], strict=True):
            local = t - beat
            near = np.abs(local) < 0.6
            x = local[near]
            out[near] += _premature_beat(x) if early else _normal_beat(x, p_wave=not af)
        if af:  # fibrillatory waves, about 6 Hz
            out += 0.05 * np.sin(2 * np.pi * 6.0 * t + self.af_phase + 0.8 * np.sin(0.7 * t))
        return out + 8.0 / 900.0 * self.noise.standard_normal(t.size)
