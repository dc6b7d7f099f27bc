"""When the beats come: sinus rhythms with respiratory variation, atrial fibrillation and flutter,
premature ventricular and atrial beats.

:func:`schedule` returns every beat of a record (QRS onset, kind, its P wave if any) and the
P waves that were not conducted (a sinus P hidden in a PVC), plus the atrial activity that is
not a P wave (fibrillation or flutter waves) as a function of time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SINUS_RHYTHMS = ("sinus_rhythm", "sinus_bradycardia", "sinus_tachycardia")


@dataclass(frozen=True)
class Beat:
    """One ventricular beat.

    Attributes
    ----------
    qrs_onset : float
        Seconds from the start of the record.
    kind : str
        ``"normal"`` (conducted from the sinus node or through AF/flutter), ``"pvc"`` or
        ``"pac"``.
    p_onset : float or None
        Onset of the P wave that led to it (sinus or ectopic); None without one.
    """

    qrs_onset: float
    kind: str
    p_onset: float | None = None


@dataclass(frozen=True)
class Schedule:
    """The beats of a record and the atrial activity around them."""

    beats: tuple[Beat, ...]
    blocked_p_onsets: tuple[float, ...] = ()
    flutter_onsets: tuple[float, ...] = ()
    fibrillation: dict = field(default_factory=dict)


def _sinus(
    rng: np.random.Generator,
    rr: float,
    pr: float,
    qt: float,
    seconds: float,
    pvc: bool,
    pac: bool,
) -> Schedule:
    """Sinus beats with respiratory sinus arrhythmia, optionally with PVCs and PACs."""
    depth = rng.uniform(0.01, 0.03)
    breath = rng.uniform(3.0, 5.0)
    phase = rng.uniform(0, 2 * np.pi)
    p_onsets = []
    t = -rng.uniform(0.0, rr) - pr
    while t < seconds + rr:
        p_onsets.append(t)
        t += rr * (1 + depth * np.sin(2 * np.pi * t / breath + phase))
    beats = [Beat(p + pr, "normal", p) for p in p_onsets]
    blocked: list[float] = []
    inside = [k for k in range(1, len(beats) - 2) if 0.5 < beats[k].qrs_onset < seconds - 1.5]
    if pac and inside:
        beats = _insert_pac(rng, beats, inside, rr, pr, qt)
    if pvc and inside:
        beats, blocked = _insert_pvcs(rng, beats, inside, qt)
    return Schedule(tuple(beats), tuple(blocked))


def _insert_pac(
    rng: np.random.Generator, beats: list[Beat], inside: list[int], rr: float, pr: float, qt: float
) -> list[Beat]:
    """A premature atrial beat after some beat k; the sinus node resets, so later beats shift."""
    for k in rng.permutation(inside):
        earliest = beats[k].qrs_onset + qt + 0.02  # the ectopic P after the T wave
        p_onset = max(earliest, beats[k].p_onset + rng.uniform(0.65, 0.8) * rr)
        if p_onset <= beats[k + 1].p_onset - 0.1:
            break
    else:
        return beats  # no room at this rate: the record has no PAC
    pac = Beat(p_onset + pr + 0.02, "pac", p_onset)
    shift = p_onset + rr - beats[k + 1].p_onset
    later = [Beat(b.qrs_onset + shift, b.kind, b.p_onset + shift) for b in beats[k + 1 :]]
    return [*beats[: k + 1], pac, *later]


def _insert_pvcs(
    rng: np.random.Generator, beats: list[Beat], inside: list[int], qt: float
) -> tuple[list[Beat], list[float]]:
    """One to three PVCs, each with a full compensatory pause (the next sinus P is blocked)."""
    chosen = sorted(rng.choice(inside, size=min(len(inside), rng.integers(1, 4)), replace=False))
    result, blocked, skip = [], [], set()
    for k in chosen:
        if k in skip or k + 1 in skip or beats[k].kind != "normal":
            continue
        onset = beats[k].qrs_onset + qt + rng.uniform(0.03, 0.12)
        if onset > beats[k + 1].qrs_onset - 0.12:
            continue
        result.append((k, Beat(onset, "pvc")))
        blocked.append(beats[k + 1].p_onset)
        skip.update({k, k + 1, k + 2})
    pvcs = dict(result)
    out = []
    for k, beat in enumerate(beats):
        if k - 1 in pvcs:  # conducted beat replaced by the PVC; its P shows, unconducted
            continue
        out.append(beat)
        if k in pvcs:
            out.append(pvcs[k])
    return out, blocked


def _fibrillation(
    rng: np.random.Generator, rr: float, qt: float, seconds: float, pvc: bool
) -> Schedule:
    """Irregularly irregular ventricular beats and the parameters of the f waves."""
    shape = rng.uniform(12.0, 25.0)  # RR coefficient of variation 1/sqrt(shape): 0.2-0.29
    onsets = [-rng.uniform(0.0, rr)]
    while onsets[-1] < seconds + 2 * rr:
        onsets.append(onsets[-1] + max(rr * rng.gamma(shape, 1 / shape), qt + 0.06))
    beats = [Beat(t, "normal") for t in onsets]
    if pvc:
        inside = [k for k in range(1, len(beats) - 2) if 0.5 < beats[k].qrs_onset < seconds - 1.5]
        beats, _ = _insert_pvcs(rng, beats, inside, qt) if inside else (beats, [])
    waves = {
        "frequencies_hz": rng.uniform(5.0, 7.5, 3).round(3).tolist(),
        "phases": rng.uniform(0, 2 * np.pi, 3).round(3).tolist(),
        "amplitude_mv": round(float(rng.uniform(0.04, 0.1)), 3),
        "seed": int(rng.integers(2**31)),
    }
    return Schedule(tuple(beats), fibrillation=waves)


def _flutter(rng: np.random.Generator, cycle: float, ratio: int, seconds: float) -> Schedule:
    """Flutter waves every ``cycle`` seconds; every ``ratio``-th conducts after a fixed delay."""
    delay = rng.uniform(0.18, 0.26)
    first = -rng.uniform(0.0, ratio * cycle)
    waves = tuple(first + k * cycle for k in range(int((seconds - first) / cycle) + 2))
    beats = tuple(Beat(t + delay, "normal") for t in waves[::ratio])
    return Schedule(beats, flutter_onsets=waves)


def schedule(
    rng: np.random.Generator,
    rhythm: str,
    rr: float,
    pr: float,
    qt: float,
    seconds: float,
    pvc: bool = False,
    pac: bool = False,
    flutter_ratio: int = 2,
) -> Schedule:
    """Return the beats of a ``seconds`` long record of ``rhythm``.

    Parameters
    ----------
    rng : numpy.random.Generator
    rhythm : str
        One of :data:`SINUS_RHYTHMS`, ``"atrial_fibrillation"`` or ``"atrial_flutter"``.
    rr : float
        Mean RR interval in seconds (the flutter cycle times ``flutter_ratio`` for flutter).
    pr, qt : float
        PR and QT intervals in seconds of a conducted beat.
    pvc, pac : bool
        Add premature ventricular (any rhythm but flutter) or atrial (sinus rhythms) beats.
    flutter_ratio : int
        Atrioventricular conduction ratio of atrial flutter (2 or 4).
    """
    if rhythm in SINUS_RHYTHMS:
        return _sinus(rng, rr, pr, qt, seconds, pvc, pac)
    if rhythm == "atrial_fibrillation":
        return _fibrillation(rng, rr, qt, seconds, pvc)
    return _flutter(rng, rr / flutter_ratio, flutter_ratio, seconds)
