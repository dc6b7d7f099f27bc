"""The dipole family's findings: their events (waveform parameters, cortical patches) and
ground truth (:class:`~elm_desktop.synth.spec.Finding`), drawn for one recording."""

from __future__ import annotations

import numpy as np

from elm_desktop.synth.electrodes import ELECTRODES, REGIONS, SCALP
from elm_desktop.synth.families.dipole.events import patch_field
from elm_desktop.synth.families.dipole.head import (
    nearest_sources,
    region_sources,
    source_positions,
)
from elm_desktop.synth.families.dipole.timeline import inside, poisson_times, state_at, windows
from elm_desktop.synth.spec import Event, Finding, Procedure, Segment


def _field_electrodes(spatial: np.ndarray, share: float = 0.5) -> list[str]:
    """Scalp electrodes where a field reaches ``share`` of its largest magnitude."""
    magnitude = np.abs(spatial) / np.abs(spatial).max()
    return [
        name for name, m in zip(ELECTRODES, magnitude, strict=True) if m >= share and name in SCALP
    ]


class FindingDraw:
    """Collects the events and findings of one recording."""

    def __init__(self, rng: np.random.Generator, duration: float, segments: list[Segment]):
        self.rng = rng
        self.duration = duration
        self.segments = segments
        self.events: list[Event] = []
        self.findings: list[Finding] = []
        self.busy: list[list[float]] = []

    def seed(self) -> int:
        """A seed for an event renderer's own irregularity."""
        return int(self.rng.integers(2**31))

    def finding(
        self,
        name: str,
        location: str,
        spatial: np.ndarray | list[str],
        intervals: list[list[float]],
        **detail: object,
    ) -> None:
        """Add a ground-truth finding; its electrodes are a list, or read off a scalp field."""
        electrodes = spatial if isinstance(spatial, list) else _field_electrodes(spatial)
        if intervals:
            self.findings.append(Finding(name, location, electrodes, intervals, detail))

    def spikes(self, region: str, scale: float) -> None:
        """Spikes or sharp waves (some polyspikes) under ``region``, more often in sleep."""
        rng = self.rng
        sources = [int(s) for s in region_sources(region, 3)]
        spatial = patch_field(sources)
        boost = rng.uniform(0.5, 2.0)
        rates = {
            "eyes_open": 1.5,
            "eyes_closed": 2.0,
            "drowsy": 5.0,
            "n2": 6.0,
            "n3": 4.0,
            "obtunded": 3.0,
        }
        times = [
            t
            for t in poisson_times(
                rng, self.segments, {k: v * boost for k, v in rates.items()}, 0.8
            )
            if not inside(t, self.busy, 1.0)
        ]
        if not times:
            times = [float(rng.uniform(1, self.duration - 1.5))]
        sharp = rng.random() < 0.35
        for t in times:
            count = int(rng.choice([1, 2, 3], p=[0.7, 0.2, 0.1]))
            self.events.append(
                Event(
                    "spike",
                    t,
                    0.6,
                    float(rng.uniform(60, 150) * scale),
                    (),
                    {
                        "sources": sources,
                        "count": count,
                        "gap": float(rng.uniform(0.015, 0.025)),
                        "rise": float(
                            rng.uniform(0.010, 0.020) if sharp else rng.uniform(0.004, 0.007)
                        ),
                        "decay": float(
                            rng.uniform(0.04, 0.07) if sharp else rng.uniform(0.015, 0.03)
                        ),
                        "wave": float(rng.uniform(0.2, 0.6)),
                        "wave_length": float(rng.uniform(0.18, 0.3)),
                    },
                )
            )
        focus = ELECTRODES[int(np.argmax(spatial))]
        self.finding(
            "focal_epileptiform",
            region,
            spatial,
            [[round(t - 0.05, 3), round(t + 0.4, 3)] for t in times],
            morphology="sharp waves" if sharp else "spikes",
            focus=focus,
        )

    def seizure(self, region: str, scale: float) -> None:
        """One seizure of ``region`` onset that recruits cortex outward, and its postictal delta."""
        rng = self.rng
        focus = [int(s) for s in region_sources(region, 3)]
        ictal = float(min(rng.uniform(30, 100), 0.35 * self.duration))
        post = float(rng.uniform(15, 45))
        latest = self.duration - ictal - 2
        if latest <= 2 or ictal < 8:
            return
        onset = float(rng.uniform(min(5.0, 0.1 * self.duration), latest))
        post = min(post, self.duration - onset - ictal)
        spread = str(rng.choice(["regional", "hemisphere", "generalized"], p=[0.3, 0.45, 0.25]))
        where = source_positions() / np.linalg.norm(source_positions(), axis=1, keepdims=True)
        centre = where[focus].mean(axis=0)
        angle = np.arccos(np.clip(where @ (centre / np.linalg.norm(centre)), -1, 1))
        left = region.startswith("left")
        if spread == "regional":
            chosen = np.flatnonzero(angle < 0.7)
        elif spread == "hemisphere":
            chosen = np.flatnonzero((where[:, 0] < 0.05) if left else (where[:, 0] > -0.05))
        else:
            chosen = np.arange(len(where))
        chosen = np.union1d(chosen, focus)
        speed = angle[chosen].max() / (ictal * float(rng.uniform(0.3, 0.5))) + 1e-6
        joins = [0.0 if s in focus else float(angle[s] / speed) for s in chosen]
        self.events.append(
            Event(
                "seizure",
                onset,
                ictal + post,
                float(rng.uniform(70, 150) * scale),
                (),
                {
                    "ictal": ictal,
                    "focus": focus,
                    "sources": [int(s) for s in chosen],
                    "joins": joins,
                    "f_start": float(rng.uniform(9, 16)),
                    "f_end": float(rng.uniform(2.5, 4)),
                    "spread": spread,
                    "side": "left" if left else "right",
                    "seed": self.seed(),
                },
            )
        )
        self.busy.append([onset - 2, onset + ictal + post])
        self.finding(
            "seizure",
            region,
            list(REGIONS[region]),
            [[round(onset, 3), round(onset + ictal, 3)]],
            spread=spread,
        )

    def focal_slowing(self, region: str) -> dict:
        """Focal delta under ``region``, continuous or in stretches; returns its generator."""
        continuous = bool(self.rng.random() < 0.4)
        intervals = (
            [[0.0, self.duration]]
            if continuous
            else windows(self.rng, self.duration, self.rng.uniform(0.3, 0.6), 3, 15)
        )
        sources = [int(s) for s in region_sources(region, 4)]
        self.finding(
            "focal_slowing", region, patch_field(sources), intervals, continuous=continuous
        )
        return {
            "sources": sources,
            "intervals": intervals,
            "amplitude": float(self.rng.uniform(20, 40)),
            "center": float(self.rng.uniform(1.0, 2.0)),
        }

    def spike_wave(self, scale: float, procedures: list[Procedure]) -> None:
        """Runs of generalized 3 Hz spike-and-wave, more in drowsiness and during HV."""
        rng = self.rng
        sources = [int(s) for s in nearest_sources(("Fz", "F3", "F4", "Fp1", "Fp2", "Cz"), 10)]
        times = poisson_times(
            rng,
            self.segments,
            {"eyes_closed": 0.6, "eyes_open": 0.5, "drowsy": 1.0, "n2": 0.8, "n3": 0.3},
            14,
        )
        times += [
            float(rng.uniform(p.start + 20, p.end - 4))
            for p in procedures
            if p.kind == "hv" and p.end - p.start > 30 and rng.random() < 0.8
        ]
        intervals: list[list[float]] = []
        for t in sorted(times) or [0.3 * self.duration]:
            length = float(min(rng.uniform(2, 12), self.duration - t - 0.5))
            if length < 1.5 or inside(t, intervals, 14):
                continue
            self.events.append(
                Event(
                    "spike_wave",
                    t,
                    length,
                    float(rng.uniform(150, 300) * scale),
                    (),
                    {
                        "sources": sources,
                        "f_start": float(rng.uniform(3.0, 3.8)),
                        "f_end": float(rng.uniform(2.5, 3.0)),
                    },
                )
            )
            intervals.append([round(t, 3), round(t + length, 3)])
        self.finding(
            "generalized_spike_wave", "generalized", patch_field(sources), intervals, frequency=3.0
        )

    def periodic(self, name: str, region: str, scale: float) -> None:
        """Lateralized (``"lpd"``) or generalized (``"gpd"``) periodic discharges."""
        rng = self.rng
        generalized = name == "gpd"
        continuous = rng.random() < 0.5
        intervals = (
            [[0.0, self.duration]]
            if continuous
            else windows(rng, self.duration, rng.uniform(0.4, 0.7), 30, 150)
        )
        frequency = float(rng.uniform(1.0, 2.5) if generalized else rng.uniform(0.4, 1.4))
        triphasic = bool(rng.random() < (0.6 if generalized else 0.2))
        if generalized:
            sources = [int(s) for s in nearest_sources(("Fz", "F3", "F4", "Fp1", "Fp2"), 8)]
            late = [int(s) for s in nearest_sources(("Pz", "P3", "P4", "O1", "O2"), 6)]
        else:
            sources, late = [int(s) for s in region_sources(region, 3)], []
        for a, b in intervals:
            self.events.append(
                Event(
                    name,
                    a,
                    b - a,
                    float(rng.uniform(80, 200) * scale),
                    (),
                    {
                        "sources": sources,
                        "late_sources": late,
                        "lag": float(rng.uniform(0.03, 0.08)),
                        "period": 1 / frequency,
                        "shape": "triphasic" if triphasic else "biphasic",
                        "seed": self.seed(),
                    },
                )
            )
        self.finding(
            name,
            "generalized" if generalized else region,
            patch_field(sources),
            intervals,
            frequency=round(frequency, 1),
            triphasic=triphasic,
        )

    def bursts(self, scale: float) -> None:
        """The bursts of a burst-suppression pattern over the whole recording."""
        rng = self.rng
        t, intervals = float(rng.uniform(0.5, 3)), []
        median_gap = float(rng.uniform(3, 9))
        while t < self.duration - 1.2:
            length = float(min(rng.uniform(1, 4), self.duration - t))
            self.events.append(
                Event(
                    "burst",
                    t,
                    length,
                    float(rng.uniform(60, 150) * scale),
                    (),
                    {"seed": self.seed()},
                )
            )
            intervals.append([round(t, 3), round(t + length, 3)])
            t += length + float(median_gap * rng.lognormal(0, 0.4))
        electrodes = [e for e in SCALP]
        self.finding(
            "burst_suppression",
            "generalized",
            electrodes,
            intervals,
            median_gap_s=round(median_gap, 1),
        )

    def sleep(self, scale: float) -> None:
        """Vertex waves, spindles, K-complexes and POSTS of drowsiness and sleep."""
        rng = self.rng
        central = [int(s) for s in nearest_sources(("Cz", "C3", "C4"), 4)]
        vertex = [int(s) for s in nearest_sources(("Cz",), 2)]
        frontal = [int(s) for s in nearest_sources(("Fz", "Cz", "F3", "F4"), 5)]
        occipital = [int(s) for s in nearest_sources(("O1", "O2"), 3)]
        kinds = {
            "vertex": (
                poisson_times(rng, self.segments, {"drowsy": 5, "n2": 3}, 2.0),
                0.5,
                vertex,
                (60, 130),
            ),
            "spindle": (
                poisson_times(rng, self.segments, {"n2": 6, "n3": 2}, 3.0),
                None,
                central,
                (15, 35),
            ),
            "k_complex": (
                poisson_times(rng, self.segments, {"n2": 2}, 8.0),
                1.4,
                frontal,
                (80, 170),
            ),
            "posts": (
                poisson_times(rng, self.segments, {"drowsy": 1, "n2": 3}, 2.0),
                0.25,
                occipital,
                (20, 45),
            ),
        }
        for kind, (times, length, sources, (low, high)) in kinds.items():
            for t in times:
                params: dict = {"sources": sources}
                duration = length
                if kind == "spindle":
                    duration = float(rng.uniform(0.7, 1.8))
                    params["frequency"] = float(rng.uniform(11.5, 15))
                elif kind == "k_complex":
                    params["spindle"] = bool(rng.random() < 0.5)
                elif kind == "posts":
                    params["width"] = float(rng.uniform(0.04, 0.06))
                self.events.append(
                    Event(
                        kind, t, float(duration), float(rng.uniform(low, high) * scale), (), params
                    )
                )
        stages = sorted({s.state for s in self.segments if s.state in ("drowsy", "n2", "n3")})
        self.finding(
            "sleep",
            "generalized",
            ["Fz", "Cz", "C3", "C4"],
            [[round(s.start, 3), round(s.end, 3)] for s in self.segments if s.state in stages],
            stages=stages,
            vertex_waves=bool(kinds["vertex"][0]),
            spindles=bool(kinds["spindle"][0]),
            k_complexes=bool(kinds["k_complex"][0]),
            posts=bool(kinds["posts"][0]),
        )

    def artifacts(self, eyes: bool, force: bool) -> None:
        """Blinks and eye movements (when ``eyes``), temporal muscle and electrode pops;
        ``force`` makes sure of at least one muscle burst."""
        rng = self.rng
        if eyes:
            for t in poisson_times(
                rng, self.segments, {"eyes_open": 15, "eyes_closed": 0.5, "drowsy": 1}, 0.8
            ):
                self.events.append(Event("blink", t, 0.7, float(rng.uniform(70, 180)), (), {}))
            for t in poisson_times(rng, self.segments, {"eyes_open": 4, "drowsy": 3}, 3.0):
                slow = state_at(self.segments, t) == "drowsy"
                self.events.append(
                    Event(
                        "eye_movement",
                        t,
                        float(rng.uniform(2, 4) if slow else rng.uniform(0.5, 1.5)),
                        float(rng.uniform(30, 80)),
                        (),
                        {"slow": slow, "direction": float(rng.choice([-1.0, 1.0]))},
                    )
                )
        bursts = poisson_times(
            rng, self.segments, {"eyes_open": 1.2, "eyes_closed": 0.5, "drowsy": 0.2}, 2.0
        )
        if force and not bursts:
            bursts = [0.5 * self.duration]
        sides = rng.choice(["left", "right"], size=len(bursts))
        for side in ("left", "right"):
            group = (
                {"F7": 1.0, "T3": 0.8, "T5": 0.35, "Fp1": 0.3}
                if side == "left"
                else {"F8": 1.0, "T4": 0.8, "T6": 0.35, "Fp2": 0.3}
            )
            intervals = []
            for t in [b for b, s in zip(bursts, sides, strict=True) if s == side]:
                length = float(min(rng.uniform(0.8, 5), self.duration - t))
                self.events.append(
                    Event(
                        "muscle",
                        t,
                        length,
                        float(rng.uniform(10, 40)),
                        (),
                        {
                            "electrodes": group,
                            "peak": float(rng.uniform(40, 90)),
                            "seed": self.seed(),
                        },
                    )
                )
                intervals.append([round(t, 3), round(t + length, 3)])
            self.finding(
                "artifact",
                f"{side} temporal",
                [e for e, w in group.items() if w >= 0.6],
                intervals,
                type="muscle",
            )
        for t in poisson_times(
            rng,
            self.segments,
            {
                s: 0.2
                for s in ("eyes_open", "eyes_closed", "drowsy", "n2", "n3", "obtunded", "coma")
            },
            5.0,
        ):
            electrode = str(rng.choice(SCALP))
            repeats = [float(rng.uniform(0.1, 0.6))] if rng.random() < 0.3 else []
            self.events.append(
                Event(
                    "pop",
                    t,
                    1.5,
                    float(rng.uniform(80, 400) * rng.choice([-1, 1])),
                    (),
                    {
                        "electrode": electrode,
                        "tau": float(rng.uniform(0.1, 0.6)),
                        "repeats": repeats,
                    },
                )
            )
            self.finding(
                "artifact",
                f"{electrode} electrode",
                [electrode],
                [[round(t, 3), round(t + 1.0, 3)]],
                type="electrode pop",
            )
