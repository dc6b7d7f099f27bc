"""The ELM preprocessing, chunked, against the authors' whole-file MNE route."""

import mne
import numpy as np
import pytest

from elm_desktop.errors import (
    MissingChannelsError,
    NonFiniteDataError,
    RecordingError,
    RecordingTooShortError,
)
from elm_desktop.signals import (
    ELM_CHANNELS,
    crop_windows,
    elm_input,
    elm_input_head,
    iter_elm_input,
    normalise_channel_name,
    open_recording,
)
from elm_desktop.signals.preprocess import check_finite, elm_filter_length

from .conftest import TUH_LABELS, edf_bytes, eeg_like, to_digital, write_edf


def whole_file_mne_route(path):
    """The authors' preprocessing (preprocess_TUEG.py), on the whole file at once."""
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    raw.rename_channels(normalise_channel_name)
    raw.filter(0.1, 49.0, verbose="error")
    anodes = [label.split("-")[0] for label in ELM_CHANNELS]
    cathodes = [label.split("-")[1] for label in ELM_CHANNELS]
    bipolar = mne.set_bipolar_reference(
        raw, anodes, cathodes, ch_name=list(ELM_CHANNELS), verbose="error"
    ).pick(list(ELM_CHANNELS))
    data = np.clip(bipolar.get_data() * 1e5, -80, 80)
    info = mne.create_info(list(ELM_CHANNELS), raw.info["sfreq"], "eeg")
    scaled = mne.io.RawArray(data, info, verbose="error")
    return scaled.resample(100, verbose="error").get_data()


@pytest.fixture(scope="module")
def long_recording(tmp_path_factory):
    sfreq = 256.0
    data = eeg_like(len(TUH_LABELS), int(300 * sfreq), sfreq, seed=3)
    # White noise on top: strong content at 50 Hz, where MNE's resampler cuts like a brick wall.
    data += 5e-6 * np.random.default_rng(3).standard_normal(data.shape)
    data[0, int(150 * sfreq) : int(150.2 * sfreq)] += 2e-3  # a 2 mV artefact gets clipped
    return write_edf(tmp_path_factory.mktemp("long") / "long.edf", data, sfreq, TUH_LABELS)


def test_single_pass_equals_the_whole_file_mne_route(make_edf):
    path = make_edf(duration_s=60.0, seed=4)
    x = elm_input(open_recording(path))
    expected = whole_file_mne_route(path)
    assert x.dtype == np.float32 and x.shape == (20, 6000)
    np.testing.assert_allclose(x, expected, atol=1e-4)  # edges included


def test_chunked_equals_whole_file_away_from_the_edges(long_recording):
    rec = open_recording(long_recording)
    expected = whole_file_mne_route(long_recording)
    blocks = list(iter_elm_input(rec, chunk_s=30.0))
    assert len(blocks) == 10 and all(b.shape[0] == 20 for b in blocks)
    chunked = np.concatenate(blocks, axis=1)
    assert chunked.shape == expected.shape == (20, 30000)
    edge = int(np.ceil(elm_filter_length(rec.sfreq) / rec.sfreq * 100))
    error = np.abs(chunked - expected)[:, edge:-edge]
    assert expected.max() > 79  # the artefact reached the clip level
    assert error.max() < 1e-3


def test_head_preview_is_close_to_the_whole_file_input(long_recording, make_edf):
    rec = open_recording(long_recording)
    head = elm_input_head(rec, 60.0)
    whole = elm_input(rec)[:, :6000]
    assert head.dtype == np.float32 and head.shape == (20, 6000)
    # Resampled without the rest of the file: close, not equal (white noise reaches 50 Hz).
    error = np.abs(head - whole)
    assert 0 < error.max() < 0.05 * whole.std()
    # A head that is the whole recording, or needs no resampling, is the input itself.
    short = open_recording(make_edf(duration_s=40.0, seed=5))
    np.testing.assert_allclose(elm_input_head(short, 60.0), elm_input(short), atol=1e-5)
    native = open_recording(make_edf(duration_s=40.0, sfreq=100.0))
    np.testing.assert_array_equal(elm_input_head(native, 20.0), elm_input(native)[:, :2000])


def test_progress_and_cancel(make_edf):
    from elm_desktop.errors import CancelledError
    from elm_desktop.progress import CancelToken

    rec = open_recording(make_edf(duration_s=30.0))
    calls = []
    x = elm_input(rec, chunk_s=10.0, progress=lambda done, total, _: calls.append((done, total)))
    assert x.shape == (20, 3000)
    assert calls[-1][0] == calls[-1][1] and [c[0] for c in calls] == sorted(c[0] for c in calls)
    token = CancelToken()
    blocks = iter_elm_input(rec, chunk_s=10.0, cancel=token)
    next(blocks)
    token.cancel()
    with pytest.raises(CancelledError):
        next(blocks)


@pytest.mark.parametrize(("window_s", "length"), [(5, 500), (60, 6000)])
def test_crop_windows_cut_consecutive_crops(window_s, length):
    x = np.arange(20 * 13_050, dtype=np.float32).reshape(20, 13_050)
    crops, starts_s = crop_windows(x, window_s)
    n = 13_050 // length
    assert crops.shape == (n, 20, length) and crops.dtype == np.float32
    np.testing.assert_array_equal(starts_s, np.arange(n) * window_s)
    np.testing.assert_array_equal(crops[1], x[:, length : 2 * length])


def test_a_recording_shorter_than_one_crop_is_refused(make_edf):
    with pytest.raises(RecordingTooShortError, match="60 s model crop"):
        crop_windows(np.zeros((20, 5999), np.float32), 60)
    rec = open_recording(make_edf(duration_s=4.0))
    with pytest.raises(RecordingTooShortError, match="4.0 s, shorter than one 5 s"):
        elm_input(rec)


def test_missing_tcp_electrodes_are_named(make_edf):
    labels = [label for label in TUH_LABELS if label not in ("EEG T3-REF", "EEG CZ-REF")]
    rec = open_recording(make_edf(labels=labels))
    with pytest.raises(MissingChannelsError, match="lacks T3, Cz for the ELM montage;"):
        elm_input(rec)
    # T4 labelled T3: the one electrode is missing, the other named twice.
    labels = [label.replace("T4", "T3") for label in TUH_LABELS]
    rec = open_recording(make_edf(labels=labels))
    with pytest.raises(MissingChannelsError, match=r"lacks T4 .* \(T3 named twice"):
        elm_input(rec)


def test_100_hz_needs_no_resampling_and_lower_rates_are_refused(make_edf):
    path = make_edf(duration_s=40.0, sfreq=100.0)
    np.testing.assert_allclose(
        elm_input(open_recording(path)), whole_file_mne_route(path), atol=1e-4
    )
    with pytest.raises(RecordingError, match="sampled at 64 Hz"):
        elm_input(open_recording(make_edf(duration_s=10.0, sfreq=64.0)))


def test_an_implausibly_fast_rate_is_refused(tmp_path):
    # 256 samples per 0.01 s record: 25.6 kHz, as a damaged record duration makes it.
    labels = TUH_LABELS[:19]
    path = tmp_path / "fast.edf"
    digital = to_digital(eeg_like(len(labels), 256 * 600, 25_600.0))
    path.write_bytes(edf_bytes(digital, labels, 256, record_duration=0.01))
    with pytest.raises(RecordingError, match="sampled at 25600 Hz, above the 20000 Hz"):
        elm_input(open_recording(path))


@pytest.mark.parametrize(("samples", "record_s"), [(201, 2.0), (101, 1.0), (102, 1.0)])
def test_rates_just_above_100_hz(tmp_path, samples, record_s):
    # The 48-50 Hz band's window reaches past these rates' Nyquist frequency (an IndexError
    # before); the input has the length and values of any other rate.
    labels = TUH_LABELS[:19]
    path = tmp_path / "slow.edf"
    digital = to_digital(eeg_like(len(labels), int(samples * 20 / record_s), samples / record_s))
    path.write_bytes(edf_bytes(digital, labels, samples, record_duration=record_s))
    x = elm_input(open_recording(path))
    assert x.shape == (len(ELM_CHANNELS), 2000) and np.isfinite(x).all()
    assert 0.5 < x.std() < 10


def test_a_rate_without_a_short_common_grid_is_refused(tmp_path):
    # 12345 samples per 99.99 s: 123.46 Hz, whose chunk grid would be 1.2 million samples.
    labels = TUH_LABELS[:19]
    path = tmp_path / "odd.edf"
    digital = to_digital(eeg_like(len(labels), 12345, 12345 / 99.99))
    path.write_bytes(edf_bytes(digital, labels, 12345, record_duration=99.99))
    with pytest.raises(RecordingError, match="sampled at 123.4623462 Hz, a rate that shares no"):
        elm_input(open_recording(path))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_model_input_is_an_error_never_a_score(make_edf, bad):
    # The header checks keep files from producing such values; this is the last guard, before
    # clipping would turn an infinity into a plausible +-80.
    rec = open_recording(make_edf(duration_s=10))
    x = np.zeros((len(ELM_CHANNELS), 512))
    check_finite(x, rec, 256)
    x[4, 300] = bad
    with pytest.raises(
        NonFiniteDataError, match="1 NaN or infinite values, the first in Fp2-F8 at 2.17 s"
    ):
        check_finite(x, rec, 256)
