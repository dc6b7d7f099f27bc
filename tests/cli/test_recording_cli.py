"""``elm-desktop info`` and ``preprocess`` on real EDF files, bad ones included."""

from __future__ import annotations

import datetime as dt
import json

import edfio
import numpy as np
import pytest

from elm_desktop.cli import main
from elm_desktop.signals import crop_windows, elm_input, open_recording

LABELS = [
    f"EEG {name}-REF"
    for name in (
        "FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
        "F7", "F8", "T3", "T4", "T5", "T6", "FZ", "CZ", "PZ",
    )
] + ["EKG1"]  # fmt: skip


def write(path, labels=LABELS, seconds=70):
    rng = np.random.default_rng(7)
    signals = [
        edfio.EdfSignal(
            rng.standard_normal(seconds * 256) * 20,
            256,
            label=label,
            physical_dimension="uV",
            physical_range=(-500, 500),
        )
        for label in labels
    ]
    edfio.Edf(
        signals,
        patient=edfio.Patient(code="P-77", sex="M", birthdate=dt.date(1960, 1, 2), name="Doe_John"),
        annotations=[edfio.EdfAnnotation(12.0, 2.0, "eyes open")],
    ).write(path)
    return path


@pytest.fixture(scope="module")
def edf(tmp_path_factory):
    return write(tmp_path_factory.mktemp("cli") / "rec.edf")


def test_info_shows_mapping_and_hides_patient(edf, capsys):
    assert main(["info", str(edf)]) == 0
    out = capsys.readouterr().out
    assert "duration   0:01:10.00" in out
    assert "EEG FP1-REF          -> Fp1" in out
    assert "EKG1                 -> not EEG (ecg)" in out
    assert "20 of 20 derivations" in out and "eyes open" in out
    assert "Doe_John" not in out and "P-77" not in out and "--phi" in out


def test_info_json_with_phi(edf, capsys):
    assert main(["info", str(edf), "--json", "--phi"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["duration_s"] == 70.0 and facts["missing_for_tcp"] == []
    assert facts["patient"]["name"] == "Doe_John" and facts["patient"]["code"] == "P-77"
    assert facts["annotations"] == [{"onset_s": 12.0, "duration_s": 2.0, "text": "eyes open"}]


def test_info_names_missing_tcp_electrodes(tmp_path, capsys):
    path = write(tmp_path / "no_cz.edf", [label for label in LABELS if "CZ" not in label], 10)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "18 of 20" in out and "missing electrodes: Cz" in out and "C3-Cz, Cz-C4" in out


def test_preprocess_writes_the_model_input(edf, tmp_path):
    out = tmp_path / "x.npy"
    assert main(["preprocess", str(edf), "--out", str(out)]) == 0
    x = np.load(out)
    assert x.shape == (20, 7000) and x.dtype == np.float32
    np.testing.assert_array_equal(x, elm_input(open_recording(edf)))


def test_preprocess_writes_crops(edf, tmp_path):
    out = tmp_path / "crops.npy"
    assert main(["preprocess", str(edf), "--out", str(out), "--window", "60s"]) == 0
    crops = np.load(out)
    expected, _ = crop_windows(elm_input(open_recording(edf)), 60)
    assert crops.shape == (1, 20, 6000)
    np.testing.assert_array_equal(crops, expected)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, not an EEG", "not an EDF"),
        (None, "shorter than one 60 s model crop"),
    ],
)
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.edf"
    if content is None:
        write(path, seconds=10)
    else:
        path.write_bytes(content)
    code = main(["preprocess", str(path), "--out", str(tmp_path / "x.npy"), "--window", "60s"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
