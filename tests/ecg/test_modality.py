"""Which reader a file needs: EEG or 12-lead ECG, decided from the file itself."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.errors import ConfigError
from elm_desktop.signals import Recording
from elm_desktop.signals.ecg import STANDARD_LEADS, EcgRecording
from elm_desktop.signals.modality import MODALITIES, detect_modality, get_modality, open_any
from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
from tests.ecg.conftest import START, write

EEG_LABELS = ["EEG FP1-REF", "EEG FP2-REF", "EEG C3-REF", "EEG C4-REF", "EEG O1-REF", "EEG O2-REF"]


def write_edf(path, labels, unit="uV"):
    headers = [SignalHeader(label, -3276.8, 3276.7, unit=unit) for label in labels]
    data = np.random.default_rng(0).normal(0, 20, (len(labels), 2560))
    with EdfWriter(path, headers, 256, 10, START, "X X X X", "X X X") as writer:
        writer.write_block(data)
    return path


@pytest.mark.parametrize("fmt", ("wfdb", "edf", "aecg"))
def test_twelve_lead_files_are_ecg(tmp_path, leads_mv, fmt):
    path = write(fmt, tmp_path / "ecg", leads_mv)
    assert detect_modality(path) == "ecg"
    modality, recording = open_any(path)
    assert modality == "ecg"
    assert isinstance(recording, EcgRecording)


def test_eeg_is_eeg_even_with_an_ecg_channel(tmp_path):
    path = write_edf(tmp_path / "eeg.edf", [*EEG_LABELS, "ECG II", "EKG1"])
    assert detect_modality(path) == "eeg"
    modality, recording = open_any(path)
    assert modality == "eeg"
    assert isinstance(recording, Recording)


def test_an_edf_with_twelve_leads_and_eeg_electrodes_is_eeg(tmp_path):
    assert (
        detect_modality(write_edf(tmp_path / "both.edf", [*EEG_LABELS, *STANDARD_LEADS])) == "eeg"
    )


def test_an_edf_with_iec_chest_lead_names_is_ecg(tmp_path):
    # IEC names the chest leads C1-C6; C3 and C4 are also EEG electrodes
    labels = ["I", "II", "III", "aVR", "aVL", "aVF", "C1", "C2", "C3", "C4", "C5", "C6"]
    path = write_edf(tmp_path / "iec.edf", labels, unit="mV")
    assert detect_modality(path) == "ecg"
    modality, recording = open_any(path)
    assert modality == "ecg" and recording.leads == STANDARD_LEADS


def test_twelve_leads_beside_eeg_electrodes_c3_and_c4_are_eeg(tmp_path):
    # C3 and C4 beside V3 and V4 are EEG electrodes, not IEC's chest names
    path = write_edf(tmp_path / "both.edf", [*STANDARD_LEADS, "C3", "C4"])
    assert detect_modality(path) == "eeg"


def test_the_registry_names_each_modality_input():
    assert get_modality("ecg").model_channels == STANDARD_LEADS
    assert get_modality("ecg").model_sfreq == 500
    assert len(get_modality("eeg").model_channels) == 20
    assert set(MODALITIES) == {"eeg", "ecg"}
    with pytest.raises(ConfigError, match="known: eeg, ecg"):
        get_modality("emg")


def test_a_file_of_neither_kind_is_named_so_for_both(tmp_path):
    """An EEG user who opens a text file is not told only that it is no ECG (a trial saw it)."""
    from elm_desktop.errors import NotAnEcgFileError

    path = tmp_path / "notes.txt"
    path.write_text("left temporal spikes\n", encoding="utf-8")
    with pytest.raises(NotAnEcgFileError, match="neither an EEG file .* nor an ECG file"):
        detect_modality(path)


def test_an_incomplete_ecg_in_edf_is_refused_as_an_ecg_and_two_c_channels_stay_eeg(tmp_path):
    from elm_desktop.errors import RecordingError

    three = write_edf(tmp_path / "three.edf", ["I", "II", "III"], unit="mV")
    assert detect_modality(three) == "ecg"
    with pytest.raises(RecordingError, match="holds 3 of the 12 standard ECG leads"):
        open_any(three)
    # C3 and C4 name IEC's chest leads V3 and V4 too: a two-channel EEG, not an ECG.
    assert detect_modality(write_edf(tmp_path / "c.edf", ["C3", "C4"])) == "eeg"
