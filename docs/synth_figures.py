"""Draw the pictures of ``docs/synthetic-eeg.md``: each finding as a reviewer sees it.

Each picture is one page of a synthetic recording written by :mod:`elm_desktop.synth`, read back
from its EDF file with :func:`elm_desktop.signals.read_page` (the program's own display path:
LFF 1 Hz, HFF 70 Hz, longitudinal bipolar "double banana") and drawn negative-up with Qt's
QPainter offscreen (matplotlib is not a dependency)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/synth_figures.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPolygonF

from elm_desktop.signals import DisplayFilter, open_recording, read_page
from elm_desktop.synth import Patient, RecordingSpec, sample_spec, write_recording

IMAGES = Path(__file__).resolve().parent / "images"
WIDTH, ROW, LEFT, TOP, BOTTOM = 1400, 30, 90, 44, 30
PX_PER_MM = 96 / 25.4


@dataclass(frozen=True)
class Figure:
    """One picture: which recording, which page, at which sensitivity (uV/mm)."""

    name: str
    title: str
    condition: str
    abnormal: frozenset[str]
    region: str = "left temporal"
    age: float = 40.0
    seconds: int = 300
    page_s: float = 10.0
    sensitivity: float = 7.0
    seed: int = 1


FIGURES = [
    Figure("normal", "Normal adult: 10 Hz posterior dominant rhythm that blocks with eye opening", "normal", frozenset()),
    Figure("generalized-slowing", "Generalized slowing: 6-7 Hz PDR, diffuse theta and delta", "generalized_slowing", frozenset({"generalized_slowing"}), age=78),
    Figure("focal-slowing", "Focal slowing: continuous polymorphic delta, left temporal (T3)", "focal_slowing", frozenset({"focal_slowing"}), seed=3),
    Figure("focal-spike", "Focal spike at F7: phase reversal between Fp1-F7 and F7-T3", "focal_epileptiform", frozenset({"focal_epileptiform"}), region="left frontotemporal"),
    Figure("spike-wave", "Generalized 3 Hz spike-and-wave, frontal maximum", "generalized_spike_wave", frozenset({"generalized_spike_wave"}), age=9, sensitivity=20),
    Figure("lpd", "LPDs over the right hemisphere at about 1 Hz", "lpd", frozenset({"lpd"}), region="right hemisphere", age=70, sensitivity=10),
    Figure("gpd", "GPDs with triphasic morphology on a slow background", "gpd", frozenset({"gpd", "generalized_slowing"}), age=80, sensitivity=10, seed=4),
    Figure("seizure-onset", "Seizure onset: low-voltage 7-9 Hz rhythm at the left temporal focus", "seizure", frozenset({"seizure"}), sensitivity=10, seed=2),
    Figure("seizure-late", "Same seizure, late: 2-3 Hz high-voltage rhythm spread beyond the focus", "seizure", frozenset({"seizure"}), sensitivity=20, seed=2),
    Figure("burst-suppression", "Burst suppression (20 s page)", "burst_suppression", frozenset({"burst_suppression"}), page_s=20, sensitivity=15),
    Figure("focal-attenuation", "Focal attenuation: lower voltage over the right temporal region", "focal_attenuation", frozenset({"focal_attenuation"}), region="right temporal"),
    Figure("excess-beta", "Excess frontocentral beta (benzodiazepine)", "excess_beta", frozenset({"excess_beta"})),
    Figure("photic-driving", "Photic driving: occipital response at the flash frequency", "photic_driving", frozenset()),
    Figure("hyperventilation", "Hyperventilation response: diffuse rhythmic delta build-up", "hyperventilation_response", frozenset(), age=12, sensitivity=15),
    Figure("sleep", "Stage N2 sleep: vertex waves, spindles and a K-complex", "sleep", frozenset(), seconds=600),
    Figure("artifacts", "Artifacts: eye blinks (Fp1/Fp2), temporal muscle, lateral eye movements", "artifact", frozenset()),
]  # fmt: skip


def _page_start(spec: RecordingSpec, figure: Figure) -> float:
    """Where a reviewer would look: around the event the figure is about."""
    events = spec.events

    def first(kind: str) -> float:
        return next(e.onset for e in events if e.kind == kind)

    if figure.name == "normal":
        opened = next(s for s in spec.segments if s.state == "eyes_open")
        return opened.start - 5
    if figure.name == "focal-spike":
        return first("spike") - 4
    if figure.name == "spike-wave":
        return first("spike_wave") - 2
    if figure.name == "seizure-onset":
        return first("seizure") - 3
    if figure.name == "seizure-late":
        seizure = next(e for e in events if e.kind == "seizure")
        return seizure.onset + seizure.params["ictal"] - 8
    if figure.name == "photic-driving":
        train = next(p for p in spec.procedures if p.kind == "photic" and p.frequency >= 13)
        return train.start - 2
    if figure.name == "hyperventilation":
        hv = next(p for p in spec.procedures if p.kind == "hv")
        return hv.end - 10
    if figure.name == "sleep":
        graphoelements = [e for e in events if e.kind in ("vertex", "spindle", "k_complex")]

        def variety(start: float) -> tuple[int, int]:
            inside = [e.kind for e in graphoelements if start + 1 < e.onset < start + 8.5]
            return len(set(inside)), len(inside)

        return max((e.onset - 2 for e in graphoelements), key=variety)
    if figure.name == "artifacts":
        muscle = [e.onset for e in events if e.kind == "muscle"]
        blinks = [e.onset for e in events if e.kind == "blink"]
        best = (
            max(muscle, key=lambda t: sum(abs(b - t) < 5 for b in blinks)) if muscle else blinks[0]
        )
        return best - 4
    if figure.name in ("lpd", "gpd"):
        train = next(e for e in events if e.kind == figure.name)
        return train.onset + 5
    return _quiet_page(spec, figure.page_s)


def _quiet_page(spec: RecordingSpec, length: float) -> float:
    """The first page without artifacts, for findings that are present all the time."""
    noisy = [(e.onset, e.onset + e.duration) for e in spec.events if e.kind in _ARTIFACTS]
    for start in np.arange(20.0, spec.duration_s - length, 2.0):
        if not any(a < start + length and b > start for a, b in noisy):
            return float(start)
    return 60.0


_ARTIFACTS = ("blink", "eye_movement", "muscle", "pop")


def _draw(page, figure: Figure, path: Path) -> None:
    n_traces = page.data.shape[0]
    gaps = [i for i in (4, 8, 12, 16) if i < n_traces]
    height = TOP + ROW * (n_traces + len(gaps) * 0.5) + BOTTOM
    image = QImage(WIDTH, int(height), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont("DejaVu Sans", 10)
    painter.setFont(font)
    plot_width = WIDTH - LEFT - 20
    seconds = page.data.shape[1] / page.sfreq
    painter.setPen(QPen(QColor(185, 185, 185), 1))
    for second in range(int(seconds) + 1):
        x = LEFT + plot_width * second / seconds
        painter.drawLine(QPointF(x, TOP - 4), QPointF(x, height - BOTTOM))
    painter.setPen(QColor("black"))
    painter.setFont(QFont("DejaVu Sans", 11, QFont.Weight.Bold))
    painter.drawText(QRectF(LEFT, 6, plot_width, 20), Qt.AlignmentFlag.AlignLeft, figure.title)
    painter.setFont(font)
    scale = PX_PER_MM / figure.sensitivity
    x = LEFT + np.arange(page.data.shape[1]) * plot_width / page.data.shape[1]
    y = TOP + ROW / 2
    for index, (label, trace) in enumerate(zip(page.labels, page.data, strict=True)):
        if index in gaps:
            y += ROW / 2
        painter.setPen(QColor("black"))
        painter.drawText(QRectF(4, y - 8, LEFT - 10, 16), Qt.AlignmentFlag.AlignRight, label)
        # Negative up: a negative potential is drawn above the baseline.
        points = QPolygonF([QPointF(a, b) for a, b in zip(x, y + trace * scale, strict=True)])
        painter.setPen(QPen(QColor(20, 40, 120), 1))
        painter.drawPolyline(points)
        y += ROW
    bar = 100 * scale
    painter.setPen(QPen(QColor(180, 0, 0), 2))
    painter.drawLine(
        QPointF(WIDTH - 14, height - BOTTOM - bar), QPointF(WIDTH - 14, height - BOTTOM)
    )
    painter.setPen(QColor("black"))
    painter.drawText(
        QRectF(LEFT, height - BOTTOM + 6, plot_width, 18),
        Qt.AlignmentFlag.AlignLeft,
        f"{page.start_s:.0f}-{page.start_s + seconds:.0f} s   {figure.sensitivity:g} uV/mm   "
        "LFF 1 Hz, HFF 70 Hz   grid 1 s   red bar 100 uV",
    )
    painter.end()
    # 256 colours are plenty for line drawings and keep each PNG near 100 kB.
    image.convertToFormat(
        QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither
    ).save(str(path))


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    QGuiApplication(sys.argv[:1])
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for figure in FIGURES:
            patient = Patient("docs", figure.age, "F", figure.condition, figure.region)
            spec = sample_spec(
                np.random.default_rng(figure.seed),
                figure.name,
                patient,
                figure.seconds,
                abnormal=set(figure.abnormal),
            )
            path = write_recording(Path(tmp) / f"{figure.name}.edf", spec, figure.seed)
            rec = open_recording(path)
            start = float(np.clip(_page_start(spec, figure), 0, spec.duration_s - figure.page_s))
            page = read_page(rec, start, figure.page_s, "tcp-elm", DisplayFilter(1.0, 70.0, None))
            _draw(page, figure, IMAGES / f"synth-{figure.name}.png")
            print(IMAGES / f"synth-{figure.name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
