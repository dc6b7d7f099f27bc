"""Channel-name normalisation on the forms real files carry."""

import pytest

from elm_desktop.signals import classify_channel, normalise_channel_name


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("EEG FP1-REF", "Fp1"),  # TUH average-reference montage
        ("EEG FP1-LE", "Fp1"),  # TUH linked-ears montage
        ("Fp1", "Fp1"),
        ("FP1", "Fp1"),
        ("fp1", "Fp1"),
        ("EEG CZ-REF", "Cz"),
        ("cz", "Cz"),
        ("Fp1.", "Fp1"),  # EDF-padded 10-10 names
        ("Fpz.", "Fpz"),
        ("T7..", "T3"),
        ("EEG T7-REF", "T3"),  # 10-10 aliases read as 10-20
        ("T8", "T4"),
        ("p7", "T5"),
        ("EEG P8-LE", "T6"),
        ("EEG A1-REF", "A1"),
        ("  O2  ", "O2"),
    ],
)
def test_electrode_names_normalise(label, expected):
    assert normalise_channel_name(label) == expected
    info = classify_channel(label)
    assert info.kind == "eeg" and info.is_eeg and info.name == expected


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("EEG EKG1-REF", "ecg"),
        ("EKG", "ecg"),
        ("ECG II", "ecg"),
        ("EOG LOC", "eog"),
        ("EEG ROC-REF", "eog"),
        ("EMG-REF", "emg"),
        ("EEG PHOTIC-REF", "photic"),
        ("PHOTIC PH", "photic"),
        ("IBI", "derived"),
        ("BURSTS", "derived"),
        ("SUPPR", "derived"),
        ("RESP1", "resp"),
        ("SpO2", "resp"),
        ("DC1-DC", "stim"),
        ("Status", "stim"),
        ("EDF Annotations", "annotation"),
        ("EEG 26-REF", "unknown"),
        ("C3-Cz", "unknown"),  # an already bipolar channel is not an electrode
    ],
)
def test_non_eeg_channels_are_recognised_and_not_eeg(label, kind):
    info = classify_channel(label)
    assert info.kind == kind
    assert not info.is_eeg


def test_a_type_prefix_overrides_the_name():
    # "EOG Fp1" is an eye channel placed at Fp1, not the EEG electrode Fp1.
    assert classify_channel("EOG Fp1").kind == "eog"
    assert classify_channel("EEG Fp1").kind == "eeg"
