"""An ECG corpus, a checkpoint trained on it for a few steps, and its bundle (session-wide).

The checkpoint is tiny (stage width 4) and barely trained: it exercises every path (training,
evaluation, export, analysis, the window) in seconds, and its scores mean nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from elm_desktop.synth.ecg import generate_ecg_corpus

TINY_MODEL = {"width": 4, "max_length": 32}


def swap_labels(header: Path, out: Path, first: str = "aVL", second: str = "aVF") -> Path:
    """Copy a WFDB record with two leads' labels exchanged (the signals stay where they are)."""
    lines = header.read_text().splitlines()
    swapped = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) > 8 and parts[-1] in (first, second):
            parts[-1] = second if parts[-1] == first else first
        swapped.append(" ".join(parts))
    out.mkdir(parents=True, exist_ok=True)
    (out / header.name).write_text("\n".join(swapped) + "\n")
    data = header.with_suffix(".dat")
    (out / data.name).write_bytes(data.read_bytes())
    return out / header.name


@pytest.fixture(scope="session")
def ecg_corpus(tmp_path_factory) -> Path:
    """40 synthetic 10 s records (seed 3), WFDB."""
    out = tmp_path_factory.mktemp("ecg-corpus")
    generate_ecg_corpus(out, n=40, seed=3)
    return out


@pytest.fixture(scope="session")
def ecg_checkpoint(tmp_path_factory, ecg_corpus) -> Path:
    """One epoch of batches of 8 on the corpus: the final checkpoint folder."""
    from elm_desktop.training.ecg.config import ecg_config_from_dict
    from elm_desktop.training.ecg.trainer import train_ecg

    out = tmp_path_factory.mktemp("ecg-run")
    config = ecg_config_from_dict(
        {
            "model": TINY_MODEL,
            "data": {"corpus": str(ecg_corpus), "batch_size": 8},
            "train": {"out_dir": str(out), "epochs": 1, "device": "cpu"},
        }
    )
    return train_ecg(config, log=lambda _line: None)


@pytest.fixture(scope="session")
def ecg_bundle(tmp_path_factory, ecg_checkpoint) -> Path:
    """The checkpoint exported to a bundle of modality ``ecg``."""
    from elm_desktop.training.ecg.export import export_ecg_checkpoint

    out = tmp_path_factory.mktemp("ecg-bundles") / "ecg-tiny"
    return export_ecg_checkpoint(ecg_checkpoint, out, name="ecg-tiny", version="0")
