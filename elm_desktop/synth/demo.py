"""The demo data set: one recording with clear findings and a small archive of prior cases.

:func:`build_demo` writes, once, into a folder (``elm_desktop.paths.demo_dir()`` from the CLI):

- ``demo.edf`` and ``demo.txt``: a 20-minute, 256 Hz recording of a patient with left temporal
  lobe epilepsy (left temporal spikes with phase reversal at T3, intermittent left temporal
  slowing and one electrographic seizure of left temporal onset), with EDF+ annotations, and its
  reference report; ``manifest.jsonl`` holds its ground truth;
- ``priors/``: 30 short prior cases with reports and their ``manifest.jsonl``;
- ``demo.json``: what was built, written last, so an interrupted build is redone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from elm_desktop.progress import ProgressCallback
from elm_desktop.synth.corpus import MANIFEST_NAME, generate_corpus, manifest_entry, write_recording
from elm_desktop.synth.heart_rhythm import draw_rhythm
from elm_desktop.synth.report import write_report
from elm_desktop.synth.spec import Patient, sample_spec

DEMO_VERSION = 2  # 2: the EKG carries a rhythm with ictal tachycardia
DEMO_SEED = 20250101
DEMO_MINUTES = 20
PRIOR_CASES = 30
PRIOR_MINUTES = 3


@dataclass(frozen=True)
class DemoData:
    """Paths of the demo data set."""

    folder: Path
    recording: Path
    report: Path
    manifest: Path
    priors_manifest: Path


def _paths(folder: Path) -> DemoData:
    return DemoData(
        folder=folder,
        recording=folder / "demo.edf",
        report=folder / "demo.txt",
        manifest=folder / MANIFEST_NAME,
        priors_manifest=folder / "priors" / MANIFEST_NAME,
    )


def build_demo(folder: Path, progress: ProgressCallback | None = None) -> DemoData:
    """Build the demo data set in ``folder`` unless a complete one is already there.

    Parameters
    ----------
    folder : Path
        Destination folder (created if needed).
    progress : ProgressCallback, optional
        Called with (step, steps, message) while building.

    Returns
    -------
    DemoData
        Paths of the recording, its report and manifest, and the prior cases' manifest.
    """
    folder = Path(folder)
    data = _paths(folder)
    marker = folder / "demo.json"
    if marker.exists():
        try:
            built = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            built = {}
        files = (data.recording, data.report, data.manifest, data.priors_manifest)
        if built.get("version") == DEMO_VERSION and all(path.exists() for path in files):
            return data
    folder.mkdir(parents=True, exist_ok=True)
    steps = PRIOR_CASES + 1

    patient = Patient("demo-p00001", 34.0, "F", "seizure", "left temporal", split="test")
    spec = sample_spec(
        np.random.default_rng([DEMO_SEED, 1]),
        "demo",
        patient,
        DEMO_MINUTES * 60,
        abnormal={"seizure", "focal_epileptiform", "focal_slowing"},
    )
    seizure = spec.finding("seizure")
    # Sinus rhythm with ictal tachycardia in the seizure, from a generator of its own: the
    # EEG is the same samples as in version 1.
    spec.heart_rhythm = draw_rhythm(
        np.random.default_rng([DEMO_SEED, 5]),
        spec.heart_rate,
        seizure.intervals if seizure is not None else [],
        "sinus",
    )
    report = write_report(spec, np.random.default_rng([DEMO_SEED, 2]))
    write_recording(data.recording, spec, [DEMO_SEED, 3])
    data.report.write_text(report + "\n", encoding="utf-8")
    data.manifest.write_text(
        json.dumps(manifest_entry(spec, report, data.recording.name)) + "\n", encoding="utf-8"
    )
    if progress is not None:
        progress(1, steps, "demo recording")

    def prior_progress(done: int, total: int, message: str) -> None:
        if progress is not None:
            progress(1 + done, steps, f"prior case {message}")

    generate_corpus(
        folder / "priors",
        PRIOR_CASES,
        PRIOR_MINUTES,
        DEMO_SEED,
        progress=prior_progress,
    )
    marker.write_text(
        json.dumps({"version": DEMO_VERSION, "recording": data.recording.name, "priors": "priors"}),
        encoding="utf-8",
    )
    return data
