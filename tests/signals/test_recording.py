"""Lazy reading of EDF, EDF+ (continuous and discontinuous) and BDF."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from elm_desktop.signals import open_recording
from elm_desktop.signals.heart_rate import awake_rate_range

from .conftest import TUH_LABELS, edf_bytes, eeg_like, to_digital


def test_edf_plus_header_channels_annotations(make_edf):
    ekg = np.zeros(20 * 128)
    path = make_edf(annotations=[(3.0, 1.5, "eyes closed")], extra=[("EKG1", ekg, 128.0)])
    rec = open_recording(path)
    assert rec.file_format == "EDF+C"
    assert rec.sfreq == 256.0 and rec.n_samples == 20 * 256 and rec.duration == 20.0
    assert len(rec.electrodes) == 21 and rec.electrodes[:3] == ("Fp1", "Fp2", "F3")
    assert [c.kind for c in rec.channels].count("ecg") == 1
    assert rec.channel_sfreqs["EKG1"] == 128.0
    assert [(a.onset, a.duration, a.description) for a in rec.annotations] == [
        (3.0, 1.5, "eyes closed")
    ]


def test_patient_fields_are_kept_apart(make_edf):
    rec = open_recording(make_edf())
    assert rec.patient.name == "Haagse_Harry" and rec.patient.code == "MCH-0234567"
    assert rec.patient.sex == "F" and rec.patient.birthdate == "02-MAY-1951"
    assert rec.patient.meas_date.hour == 10
    assert "Haagse" not in repr(rec)
    # Its EDF+ start date is anonymised ("Startdate X"; the header's date, 01.01.85, a
    # placeholder): no age.
    assert rec.patient.recording.startswith("Startdate X") and rec.patient.age_years is None
    dated = replace(rec.patient, recording="Startdate 02-MAR-2002 X X X")
    assert dated.age_years == pytest.approx(
        50 + (dt.date(2002, 3, 2) - dt.date(2001, 5, 2)).days / 366
    )
    assert replace(dated, birthdate="").age_years is None
    assert replace(dated, birthdate="02-MAY-2951").age_years is None  # after the start


def test_read_returns_volts_of_the_requested_range(tmp_path):
    data = eeg_like(len(TUH_LABELS), 10 * 256, 256.0, seed=5)
    path = tmp_path / "r.edf"
    path.write_bytes(edf_bytes(to_digital(data), TUH_LABELS, 256))
    rec = open_recording(path)
    part = rec.read(2.0, 3.5, ["Cz", "Fp1"])
    assert part.shape == (2, 384) and part.dtype == np.float64
    quantum = 6400e-6 / 65535
    np.testing.assert_allclose(part[0], data[17, 512:896], atol=2 * quantum)
    np.testing.assert_allclose(part[1], data[0, 512:896], atol=2 * quantum)
    with pytest.raises(ValueError, match="outside"):
        rec.read(9.0, 11.0)


def test_bdf_reads_24_bit(tmp_path):
    data = eeg_like(4, 5 * 512, 512.0, seed=6)
    path = tmp_path / "r.bdf"
    path.write_bytes(
        edf_bytes(to_digital(data, bdf=True), ["Fp1", "Fp2", "C3", "C4"], 512, bdf=True)
    )
    rec = open_recording(path)
    assert rec.file_format == "BDF" and rec.sfreq == 512.0
    np.testing.assert_allclose(rec.read(0, 5), data, atol=2 * 6400e-6 / 2**24)


def test_discontinuous_edf_plus_marks_gaps_and_moves_annotations(tmp_path):
    data = eeg_like(len(TUH_LABELS), 10 * 256, 256.0)
    onsets = [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]  # 95 s unrecorded after record 5
    tal = [f"+{t}\x14\x14\x00".encode() for t in onsets]
    tal[6] += b"+101.5\x14late spike\x14\x00"
    path = tmp_path / "d.edf"
    path.write_bytes(edf_bytes(to_digital(data), TUH_LABELS, 256, reserved="EDF+D", tal=tal))
    rec = open_recording(path)
    assert rec.discontinuous and rec.duration == 10.0
    assert [(a.onset, a.description) for a in rec.annotations] == [
        (5.0, "discontinuity: 95 s not recorded"),
        (6.5, "late spike"),
    ]
    np.testing.assert_allclose(rec.read(5, 6, ["Fp1"])[0], data[0, 1280:1536], atol=1e-7)


def test_opening_reads_no_annotations_until_asked(make_edf):
    rec = open_recording(make_edf(annotations=[(1.0, 0.0, "photic 10 Hz")]))
    assert "annotations" not in vars(rec)  # the header only: nothing scanned yet
    assert rec.read(0, 1).shape == (21, 256)
    assert [a.description for a in rec.annotations] == ["photic 10 Hz"]


def test_age_is_the_calendar_age_and_unknown_under_an_anonymised_start_date(make_edf):
    fields = open_recording(make_edf()).patient
    on_birthday = replace(fields, birthdate="06-DEC-2023", recording="Startdate 06-DEC-2026 X")
    assert on_birthday.age_years == pytest.approx(3.0)  # three on the day, not 2.998
    assert replace(on_birthday, birthdate="07-DEC-2023").age_years < 3.0
    assert replace(on_birthday, recording="Startdate X X X X").age_years is None
    # The newborn's awake heart rate applies through day 27, the infant's from day 28 on.
    born = replace(fields, birthdate="01-NOV-2026")
    assert (
        awake_rate_range(replace(born, recording="Startdate 28-NOV-2026 X").age_years)[2]
        == "a newborn"
    )
    assert (
        awake_rate_range(replace(born, recording="Startdate 29-NOV-2026 X").age_years)[2]
        == "an infant"
    )
