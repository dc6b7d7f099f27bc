"""Display pages: microvolts, the reviewer's filters, and montages with absent electrodes."""

import numpy as np
import pytest
from scipy import signal

from elm_desktop.signals import DisplayFilter, get_montage, open_recording, read_page

from .conftest import TUH_LABELS, edf_bytes, eeg_like, to_digital, write_edf

SFREQ = 256.0


@pytest.fixture(scope="module")
def sines(tmp_path_factory):
    """Each electrode: 10 Hz at its own amplitude plus 50 Hz mains and a 0.2 Hz drift."""
    t = np.arange(int(60 * SFREQ)) / SFREQ
    amplitude = (1 + np.arange(len(TUH_LABELS)))[:, None] * 5e-6
    data = (
        amplitude * np.sin(2 * np.pi * 10 * t)
        + 20e-6 * np.sin(2 * np.pi * 50 * t)
        + 50e-6 * np.sin(2 * np.pi * 0.2 * t)
    )
    path = tmp_path_factory.mktemp("sines") / "sines.edf"
    return write_edf(path, data, SFREQ, TUH_LABELS), data


def test_unfiltered_page_is_the_montage_in_microvolts(sines):
    path, data = sines
    rec = open_recording(path)
    page = read_page(rec, 12.0, 10.0, "tcp-elm", DisplayFilter(None, None, None))
    assert page.data.shape == (20, 2560) and page.labels[0] == "Fp1-F7"
    assert page.times[0] == 12.0 and page.missing == [] and page.available.all()
    fp1, f7 = TUH_LABELS.index("EEG FP1-REF"), TUH_LABELS.index("EEG F7-REF")
    expected = (data[fp1] - data[f7])[3072 : 3072 + 2560] * 1e6
    np.testing.assert_allclose(page.data[0], expected, atol=0.2)  # EDF quantisation


def test_notch_and_lff_remove_mains_and_drift(sines):
    path, _ = sines
    rec = open_recording(path)
    plain = read_page(rec, 20.0, 10.0, "as-recorded", DisplayFilter(None, None, None))
    filtered = read_page(rec, 20.0, 10.0, "as-recorded", DisplayFilter(1.0, 70.0, 50.0))
    freqs, power = signal.periodogram(filtered.data[0], SFREQ)
    _, power_plain = signal.periodogram(plain.data[0], SFREQ)
    at = {f: np.argmin(np.abs(freqs - f)) for f in (0.2, 10.0, 50.0)}
    assert power[at[50.0]] < 1e-3 * power_plain[at[50.0]]
    assert power[at[0.2]] < 0.05 * power_plain[at[0.2]]
    assert power[at[10.0]] == pytest.approx(power_plain[at[10.0]], rel=0.05)


def test_page_does_not_depend_on_where_it_was_cut(sines):
    # The filter margin makes a page equal to the same span of a longer page.
    path, _ = sines
    rec = open_recording(path)
    short = read_page(rec, 30.0, 5.0, "tcp-22", DisplayFilter(0.5, 35.0, None))
    long = read_page(rec, 25.0, 15.0, "tcp-22", DisplayFilter(0.5, 35.0, None))
    offset = int(5 * SFREQ)
    np.testing.assert_allclose(
        short.data, long.data[:, offset : offset + short.data.shape[1]], atol=0.05
    )


def test_page_past_the_end_is_cut(sines):
    rec = open_recording(sines[0])
    page = read_page(rec, 55.0, 10.0, get_montage("average"))
    assert page.data.shape[1] == int(5 * SFREQ)


def test_absent_electrodes_leave_nan_rows_and_named(make_edf):
    labels = [label for label in TUH_LABELS if label != "EEG O1-REF"]
    rec = open_recording(make_edf(labels=labels))
    page = read_page(rec, 0.0, 10.0, "tcp-elm")
    assert page.missing == ["O1"]
    broken = [label for label, ok in zip(page.labels, page.available, strict=True) if not ok]
    assert broken == ["T5-O1", "P3-O1"]
    assert np.isnan(page.data[~page.available]).all()
    assert np.isfinite(page.data[page.available]).all()


@pytest.mark.parametrize(("samples", "record_s"), [(2, 1.0), (1, 1.0), (1, 100.0)])
def test_pages_of_very_slowly_sampled_files(tmp_path, samples, record_s):
    # 2 and 1 Hz: the 1 Hz LFF is at or above Nyquist and is left out like HFF and notch
    # (scipy refused to design it); 0.01 Hz: a 10 s page holds no sample at all.
    labels = TUH_LABELS[:19]
    path = tmp_path / "slow.edf"
    digital = to_digital(eeg_like(len(labels), samples * 30, samples / record_s))
    path.write_bytes(edf_bytes(digital, labels, samples, record_duration=record_s))
    rec = open_recording(path)
    page = read_page(rec, 0.0, 10.0, "tcp-elm", DisplayFilter(1.0, 70.0, 50.0))
    assert page.data.shape == (20, round(10 * samples / record_s))
    assert np.isfinite(page.data).all()
