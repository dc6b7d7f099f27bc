"""Synthetic clinical EEG: recordings, reports and ground truth for training, tests and the demo.

Layer: builds on :mod:`elm_desktop.signals` only (numpy, scipy, MNE); no torch, no Qt.
"""

from elm_desktop.synth.corpus import (
    MANIFEST_NAME,
    generate_corpus,
    manifest_entry,
    plan_corpus,
    read_manifest,
    write_recording,
)
from elm_desktop.synth.demo import DemoData, build_demo
from elm_desktop.synth.report import write_report
from elm_desktop.synth.spec import (
    ABNORMAL,
    FINDINGS,
    Patient,
    RecordingSpec,
    sample_patient,
    sample_spec,
)

__all__ = [
    "ABNORMAL",
    "DemoData",
    "FINDINGS",
    "MANIFEST_NAME",
    "Patient",
    "RecordingSpec",
    "build_demo",
    "generate_corpus",
    "manifest_entry",
    "plan_corpus",
    "read_manifest",
    "sample_patient",
    "sample_spec",
    "write_recording",
    "write_report",
]
