"""Fixtures shared by the whole suite.

Every test runs with its own user data directory (``ELM_DESKTOP_DATA``) so nothing touches the
real one. Area-specific fixtures live in the ``conftest.py`` of each ``tests/<area>/`` folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Nothing may reach the network at run time; the text model loads from site-packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def module_data_dir(tmp_path_factory):
    """A user data directory for a module's module-scoped fixtures (``usefixtures`` it first)."""
    with pytest.MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("module-data")
        patch.setenv("ELM_DESKTOP_DATA", str(path))
        yield path


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory, monkeypatch):
    """Point the program's user data directory at a fresh temporary folder."""
    path = tmp_path_factory.mktemp("elm-data")
    monkeypatch.setenv("ELM_DESKTOP_DATA", str(path))
    return path


@pytest.fixture(scope="session")
def elm_bundle(tmp_path_factory):
    """A model bundle exported from a randomly initialised (seed 0) 5 s ELM model.

    EEG encoder, gated attention, and the all-MiniLM-L6-v2 text tower with a random projector:
    every graph of a real bundle, with meaningless scores. Exporting takes tens of seconds.
    """
    from elm_desktop.training.config import ModelConfig
    from elm_desktop.training.export import write_bundle
    from elm_desktop.training.model import ElmModel

    model = ElmModel.from_config(ModelConfig(window_s=5), seed=0)
    out = tmp_path_factory.mktemp("bundles") / "elm-random"
    return write_bundle(
        model, out, name="elm-random", version="0", training_data="none (random weights)"
    )


@pytest.fixture(scope="session")
def eeg_only_bundle(tmp_path_factory):
    """An EEG-only bundle (random seeded 5 s encoder, no attention head, no text side)."""
    from elm_desktop.training.config import ModelConfig
    from elm_desktop.training.export import write_bundle
    from elm_desktop.training.model import ElmModel

    model = ElmModel.from_config(ModelConfig(window_s=5, parts=["eeg_encoder"]), seed=0)
    out = tmp_path_factory.mktemp("bundles") / "eeg-only"
    return write_bundle(
        model, out, name="eeg-only-random", version="0", training_data="none (random weights)"
    )


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory):
    """The demo model: the exported bundle, else exported here from the committed checkpoint."""
    from elm_desktop.cli import main
    from elm_desktop.errors import BundleError
    from elm_desktop.paths import default_bundle
    from elm_desktop.runtime import Bundle, Engine

    try:
        return Engine(Bundle.load(default_bundle()), device="cpu")
    except BundleError:
        checkpoint = Path(__file__).resolve().parents[1] / "resources" / "checkpoints" / "demo-5s"
        out = tmp_path_factory.mktemp("bundle") / "elm-demo"
        assert main(["model", "export", str(checkpoint), "--out", str(out)]) == 0
        return Engine(Bundle.load(out), device="cpu")


def write_white_noise(path: Path, seconds: int = 60, sfreq: int = 256) -> Path:
    """Write a recording that is not EEG: independent 60 uV white noise on every electrode."""
    import datetime as dt

    import numpy as np

    from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
    from elm_desktop.synth.electrodes import ELECTRODES, channel_label

    rng = np.random.default_rng(0)
    signals = [SignalHeader(channel_label(e, "tuh"), -2000.0, 2000.0) for e in ELECTRODES]
    start = dt.datetime(2024, 1, 1, 9)
    with EdfWriter(path, signals, sfreq, seconds, start, "X X X X", "X X X X") as writer:
        writer.write_block(60.0 * rng.standard_normal((len(ELECTRODES), seconds * sfreq)))
    return path
