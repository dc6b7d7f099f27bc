"""Draw the pictures of the ``neural-mass`` section of ``docs/synthetic-eeg.md``.

One page per finding of a recording of the third generator family, read back from its EDF file
through the program's display path and drawn as :mod:`synth_figures` draws the first family's
(LFF 1 Hz, HFF 70 Hz, double banana, negative up)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/neural_mass_figures.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication

from elm_desktop.signals import DisplayFilter, open_recording, read_page
from elm_desktop.synth.families.neural_mass.corpus import write_recording
from elm_desktop.synth.families.neural_mass.plan import MassSpec, draw_spec
from elm_desktop.synth.spec import Patient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_figures import IMAGES, Figure, _draw  # the first family's drawing


@dataclass(frozen=True)
class Page:
    """A finding to show: the patient's condition, where to look and at what sensitivity."""

    name: str
    title: str
    finding: str
    condition: str
    region: str = "left temporal"
    age: float = 40.0
    seconds: int = 120
    offset_s: float = -2.0
    page_s: float = 10.0
    sensitivity: float = 7.0


PAGES = [
    Page("normal", "neural-mass: normal adult, posterior rhythm blocking with eye opening", "normal", "normal", offset_s=20),
    Page("generalized-slowing", "neural-mass: generalized slowing (slow posterior rhythm, diffuse theta and delta)", "generalized_slowing", "generalized_slowing", age=75, offset_s=20),
    Page("focal-slowing", "neural-mass: focal slowing, left temporal (polymorphic delta resonance)", "focal_slowing", "focal_slowing"),
    Page("focal-spike", "neural-mass: left frontotemporal spike (Jansen-Rit column, depolarising pulse)", "focal_epileptiform", "focal_epileptiform", region="left frontotemporal", offset_s=-4),
    Page("spike-wave", "neural-mass: generalized spike-and-wave (column on its limit cycle, gain 3.6)", "generalized_spike_wave", "generalized_spike_wave", age=10, sensitivity=20),
    Page("lpd", "neural-mass: LPDs, right hemisphere", "lpd", "lpd", region="right hemisphere", age=70, offset_s=30, sensitivity=10),
    Page("gpd", "neural-mass: GPDs on a slow background", "gpd", "gpd", age=80, offset_s=30, sensitivity=10),
    Page("seizure-onset", "neural-mass: seizure onset, right temporal (gain rising to 3.8)", "seizure", "seizure", region="right temporal", sensitivity=10),
    Page("seizure-late", "neural-mass: the same seizure late, slower and spread", "seizure", "seizure", region="right temporal", offset_s=-12, sensitivity=20),
    Page("burst-suppression", "neural-mass: burst suppression (20 s page)", "burst_suppression", "burst_suppression", page_s=20, sensitivity=15),
    Page("focal-attenuation", "neural-mass: focal attenuation, right temporal", "focal_attenuation", "focal_attenuation", region="right temporal", offset_s=20),
    Page("excess-beta", "neural-mass: excess frontocentral beta", "excess_beta", "excess_beta", offset_s=20),
    Page("photic-driving", "neural-mass: photic driving (one evoked response per flash)", "photic_driving", "normal", offset_s=-1),
    Page("hyperventilation", "neural-mass: hyperventilation build-up (late in hyperventilation)", "hyperventilation_response", "normal", age=12, offset_s=-10, sensitivity=15),
    Page("sleep", "neural-mass: N2 sleep, spindles, vertex waves and K-complexes", "sleep", "normal", seconds=180, offset_s=40),
    Page("artifacts", "neural-mass: artifacts (blinks, eye movements, muscle)", "artifact", "normal", offset_s=-1),
]  # fmt: skip


def _spec(page: Page) -> MassSpec:
    """The first seed's spec that holds the finding (N2 for the sleep page)."""
    for seed in range(300):
        patient = Patient("docs", page.age, "F", page.condition, page.region)
        spec = draw_spec(
            np.random.default_rng(seed), page.name, patient, page.seconds, 256, "tuh", "linked_ears"
        )
        finding = spec.finding(page.finding)
        if finding and (page.finding != "sleep" or "n2" in finding.detail["stages"]):
            return spec
    raise LookupError(f"no seed draws {page.finding}")


def _start(spec: MassSpec, page: Page) -> float:
    finding = spec.finding(page.finding)
    if page.finding in ("sleep", "hyperventilation_response") or page.name == "seizure-late":
        anchor = finding.intervals[0][1] if page.name != "sleep" else finding.intervals[-1][0]
    else:
        anchor = finding.intervals[0][0]
    return float(np.clip(anchor + page.offset_s, 0, spec.duration_s - page.page_s))


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    QGuiApplication(sys.argv[:1])
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for page in PAGES:
            spec = _spec(page)
            path = write_recording(Path(tmp) / f"{page.name}.edf", spec, [1])
            start = _start(spec, page)
            shown = read_page(
                open_recording(path), start, page.page_s, "tcp-elm", DisplayFilter(1.0, 70.0, None)
            )
            figure = Figure(
                page.name, page.title, page.condition, frozenset(), sensitivity=page.sensitivity
            )
            target = IMAGES / f"neural-mass-{page.name}.png"
            _draw(shown, figure, target)
            print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
