"""A real (synthetic) EDF recording and the authors' released encoders as bundles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from elm_desktop.synth import Patient, sample_spec, write_recording

ELM_REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "elm_reference"


@pytest.fixture(scope="session")
def recording_path(tmp_path_factory):
    """A 2-minute EDF+ recording at 256 Hz with left temporal spikes (written by synth)."""
    patient = Patient("p-runtime", 35.0, "F", "focal_epileptiform", "left temporal")
    spec = sample_spec(
        np.random.default_rng(11), "rec-runtime", patient, 120, 256, "tuh",
        abnormal={"focal_epileptiform"},
    )  # fmt: skip
    return write_recording(tmp_path_factory.mktemp("edf") / "rec-runtime.edf", spec, 11)


@pytest.fixture(scope="session")
def real_crops(recording_path):
    """ELM-preprocessed 5 s and 60 s crops of ``recording_path`` (signals pipeline)."""
    from elm_desktop.signals import crop_windows, elm_input, open_recording

    x = elm_input(open_recording(recording_path))
    return {window: crop_windows(x, window)[0] for window in (5, 60)}


@pytest.fixture(scope="session")
def elm_reference():
    """The folder of the authors' checkpoints and reference outputs (skips when absent)."""
    if not (ELM_REFERENCE / "reference_outputs.npz").is_file():
        pytest.skip(f"the released ELM checkpoints are not at {ELM_REFERENCE}")
    return ELM_REFERENCE


@pytest.fixture(scope="session")
def released_bundles(elm_reference, tmp_path_factory):
    """EEG-only bundles imported from both released checkpoints (``model import-elm``)."""
    from elm_desktop.training.checkpoint_import import import_released_checkpoint

    folder = tmp_path_factory.mktemp("released")
    return {
        window: import_released_checkpoint(
            elm_reference / window / "model_0_checkpoint.pt", window, folder / f"elm-{window}"
        )
        for window in ("5s", "60s")
    }
