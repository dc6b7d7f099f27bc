"""The dipole family's timeline: brain states, activation procedures and event times."""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.spec import Procedure, Segment


def poisson_times(
    rng: np.random.Generator, segments: list[Segment], per_minute: dict[str, float], gap: float
) -> list[float]:
    """Event times of a state-dependent Poisson process, at least ``gap`` seconds apart."""
    times: list[float] = []
    for segment in segments:
        rate = per_minute.get(segment.state, 0.0) / 60
        length = segment.end - segment.start - 1.0
        if rate <= 0 or length <= 0:
            continue
        times += list(
            rng.uniform(segment.start + 0.5, segment.end - 0.5, rng.poisson(rate * length))
        )
    kept: list[float] = []
    for t in sorted(times):
        if not kept or t - kept[-1] >= gap:
            kept.append(float(t))
    return kept


def windows(
    rng: np.random.Generator, duration: float, cover: float, low: float, high: float
) -> list[list[float]]:
    """Stretches of ``low``-``high`` s covering about ``cover`` of the recording."""
    out, t = [], float(rng.uniform(0, min(20.0, duration / 5)))
    while t < duration - low:
        length = min(float(rng.uniform(low, high)), duration - t)
        out.append([round(t, 3), round(t + length, 3)])
        t += length + float(rng.exponential(length * (1 - cover) / cover)) + 0.5
    return out or [[round(0.2 * duration, 3), round(min(duration, 0.2 * duration + high), 3)]]


def inside(t: float, intervals: list[list[float]], pad: float = 0.0) -> bool:
    """Whether ``t`` lies in one of the intervals, widened by ``pad`` seconds."""
    return any(a - pad <= t <= b + pad for a, b in intervals)


def state_at(segments: list[Segment], t: float) -> str:
    """The brain state at time ``t``."""
    return next((s.state for s in segments if s.start <= t < s.end), segments[-1].state)


def routine_timeline(
    rng: np.random.Generator, duration: float, age: float, benign: str | None
) -> tuple[list[Segment], list[Procedure]]:
    """A routine recording: eyes open first, then closed and open on request, HV, photic, and
    sometimes drowsiness and sleep at the end."""
    procedures: list[Procedure] = []
    sleepy = benign == "sleep" or (duration >= 150 and rng.random() < 0.4)
    awake_end = duration * (rng.uniform(0.6, 0.75) if sleepy else 1.0)
    t = duration * rng.uniform(0.2, 0.3)
    if benign == "hyperventilation_response" or (
        age >= 5 and duration >= 150 and rng.random() < 0.7
    ):
        length = min(180.0, 0.3 * duration)
        procedures.append(Procedure("hv", t, t + length))
        t += length + min(30.0, 0.05 * duration)
    if benign == "photic_driving" or (duration >= 120 and rng.random() < 0.75):
        train, gap = (8.0, 3.0) if duration >= 400 else (5.0, 2.0)
        for frequency in (1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 30):
            if t + train > min(awake_end, duration) - 2:
                break
            procedures.append(Procedure("photic", t, t + train, float(frequency)))
            t += train + gap
    closed = [(p.start - 3, p.end + 3) for p in procedures]
    segments: list[Segment] = []
    t, eyes_open = 0.0, True
    while t < awake_end - 1e-9:
        length = (
            rng.uniform(20, 40)
            if not segments
            else (rng.uniform(10, 20) if eyes_open else rng.uniform(30, 90))
        )
        stop = min(awake_end, t + length)
        if awake_end - stop < 5:
            stop = awake_end
        if eyes_open and any(a < stop and b > t for a, b in closed):
            eyes_open = False
        segments.append(Segment(t, stop, "eyes_open" if eyes_open else "eyes_closed"))
        t, eyes_open = stop, not eyes_open
    if sleepy:
        drowsy_end = min(duration, awake_end + rng.uniform(25, 80))
        segments.append(Segment(awake_end, drowsy_end, "drowsy"))
        if drowsy_end < duration:
            deep = duration > 1200 and rng.random() < 0.5
            segments.append(Segment(drowsy_end, duration, "n3" if deep else "n2"))
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1].state == segment.state:
            merged[-1].end = segment.end
        elif segment.end > segment.start:
            merged.append(segment)
    return merged, procedures
