"""The streaming EDF+ writer produces files MNE, edfio and the signals layer read exactly."""

from __future__ import annotations

import datetime as dt

import edfio
import mne
import numpy as np
import pytest

from elm_desktop.synth.edf_writer import Annotation, EdfWriter, SignalHeader


def test_blocks_round_trip_through_mne_and_edfio(tmp_path):
    path = tmp_path / "blocks.edf"
    rng = np.random.default_rng(0)
    data = rng.normal(0, 50, (3, 250 * 7))
    headers = [SignalHeader(f"EEG C{i}-REF", -3276.8, 3276.7) for i in range(3)]
    notes = [Annotation(1.5, 2.0, "eyes open"), Annotation(6.25, 0.0, "HV end")]
    with EdfWriter(
        path, headers, 250, 7, dt.datetime(2020, 5, 6, 7, 8, 9), "P1 F X X", "R1", notes
    ) as w:
        w.write_block(data[:, : 250 * 3])
        w.write_block(data[:, 250 * 3 :])
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    assert raw.info["sfreq"] == 250
    assert raw.ch_names == [h.label for h in headers]
    assert np.abs(raw.get_data() * 1e6 - data).max() < 0.06  # 0.1 uV resolution
    assert list(raw.annotations.description) == ["eyes open", "HV end"]
    assert list(raw.annotations.onset) == [1.5, 6.25]
    edf = edfio.read_edf(path)
    assert edf.startdate == dt.date(2020, 5, 6)
    assert [a.text for a in edf.annotations] == ["eyes open", "HV end"]


def test_values_beyond_the_physical_range_saturate(tmp_path):
    path = tmp_path / "clip.edf"
    data = np.array([[5000.0] * 256, [-5000.0] * 256])
    headers = [SignalHeader("A", -100.0, 100.0), SignalHeader("B", -100.0, 100.0)]
    with EdfWriter(path, headers, 256, 1, dt.datetime(2020, 1, 1), "X X X X", "R") as w:
        w.write_block(data)
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    assert np.allclose(raw.get_data()[0] * 1e6, 100.0, atol=0.01)
    assert np.allclose(raw.get_data()[1] * 1e6, -100.0, atol=0.01)


def test_missing_records_are_an_error_and_a_bad_block_is_refused(tmp_path):
    headers = [SignalHeader("A", -100.0, 100.0)]
    writer = EdfWriter(tmp_path / "short.edf", headers, 256, 3, dt.datetime(2020, 1, 1), "X", "R")
    with pytest.raises(ValueError, match="whole|k \\*"):
        writer.write_block(np.zeros((1, 100)))
    writer.write_block(np.zeros((1, 256)))
    with pytest.raises(ValueError, match="1 of 3"):
        writer.close()
