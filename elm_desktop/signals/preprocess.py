"""The ELM model input: preprocessing exactly as the authors did it, in bounded memory.

The authors (``preprocess_TUEG.py``, see DESIGN.md) load the whole recording into MNE and run,
in this order: ``raw.filter(0.1, 49.0)`` (MNE's default zero-phase FIR) at the native rate, the
20-channel bipolar TCP montage, x 1e5 (volts to units of 10 uV), clipping to +-80, and
``raw.resample(100)`` (MNE's default FFT method). A 24-hour file that way needs several GB.

Here the same operations run on chunks. The FIR filter is local, so reading each chunk with
half the filter length on both sides makes it exact; the montage, scaling and clipping act
sample by sample. The clipped signal goes to a temporary float32 file, from which
:class:`~elm_desktop.signals.resampling.ChunkedResampler` reproduces MNE's whole-file FFT
resampling (which is not local: see that module). Away from the first and last filter length
(where both routes pad), the output equals the whole-file MNE computation to ~1e-5 ELM units
at sampling rates such as 128, 200, 256, 512 or 1024 Hz. At rates where MNE's own padding puts
its whole-file output on a grid shifted by a fraction of a sample (e.g. 250 or 500 Hz), the
output here stays on the exact 100 Hz grid instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

import mne
import numpy as np

from elm_desktop.errors import (
    MissingChannelsError,
    NonFiniteDataError,
    RecordingError,
    RecordingTooShortError,
)
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.signals.montages import ELM_CHANNELS, get_montage
from elm_desktop.signals.recording import Recording
from elm_desktop.signals.resampling import ChunkedResampler, SignalStore

ELM_SFREQ = 100.0
ELM_BAND = (0.1, 49.0)
ELM_SCALE = 1e5  # volts -> units of 10 uV
ELM_CLIP = 80.0  # +-800 uV
#: Crop lengths of the released models, in seconds.
ELM_WINDOWS_S = (5, 60)
#: Highest native rate the model input is computed from: the band-pass FIR is ~33 s long, so
#: at 20 kHz it already has 660,000 taps; faster files (a damaged record duration can make
#: one) would exhaust memory. Clinical amplifiers stay below it.
ELM_MAX_NATIVE_SFREQ = 20_000.0

_SMOOTH_FROM_HZ = 48.0  # see resampling.py: the resampler's local part rolls off from here
#: Seconds filtered per step of the first pass, whatever the blocks yielded: every step pays
#: MNE's filter design and two filter margins, and the first block waits for the whole pass.
FILTER_CHUNK_S = 900.0
#: Seconds resampled past the span of :func:`elm_input_head` and dropped.
_HEAD_MARGIN_S = 5.0
#: Longest chunk grid (samples) the chunked resampler may need. Its chunks are whole multiples
#: of the grid, so this bounds memory (2**20 samples x 20 rows is 160 MB per float64 copy); an
#: odd rate such as 123.4623 Hz would need a grid of 1.2 million samples and far more memory.
_MAX_GRID_SAMPLES = 2**20


@lru_cache(maxsize=16)
def elm_filter_length(sfreq: float) -> int:
    """Return the length in samples of MNE's default FIR for the ELM band at ``sfreq``."""
    return len(mne.filter.create_filter(None, sfreq, *ELM_BAND, verbose="error"))


def elm_electrodes(rec: Recording) -> list[str]:
    """Return the electrodes the ELM montage reads, after checking the recording can be used."""
    if rec.duration < min(ELM_WINDOWS_S):
        raise RecordingTooShortError(
            f"{rec.path.name} lasts {rec.duration:.1f} s, shorter than one {min(ELM_WINDOWS_S)} s "
            "model crop; analyse a longer recording"
        )
    if rec.sfreq < ELM_SFREQ:
        raise RecordingError(
            f"{rec.path.name} is sampled at {rec.sfreq:g} Hz; the ELM input needs at least "
            f"{ELM_SFREQ:g} Hz (its band-pass reaches {ELM_BAND[1]:g} Hz)"
        )
    if rec.sfreq > ELM_MAX_NATIVE_SFREQ:
        raise RecordingError(
            f"{rec.path.name} is sampled at {rec.sfreq:g} Hz, above the "
            f"{ELM_MAX_NATIVE_SFREQ:g} Hz the ELM input is computed from; check its data record "
            "duration, or resample the recording (e.g. to 1000 Hz) and export it again"
        )
    montage = get_montage("tcp-elm")
    missing = montage.missing(rec.electrodes)
    if missing:
        names = [c.name for c in rec.channels if c.is_eeg]
        twice = sorted({n for n in names if names.count(n) > 1})
        mislabelled = (
            f" ({', '.join(twice)} named twice: a mislabelled electrode?)" if twice else ""
        )
        raise MissingChannelsError(
            f"{rec.path.name} lacks {', '.join(missing)} for the ELM montage{mislabelled}; the "
            "model needs all 20 TCP derivations (the traces that can be built are still shown)"
        )
    return sorted({e for d in montage.derivations(rec.electrodes) for e in d.weights})


def _clipped_bipolar(rec: Recording, electrodes: list[str], start: int, stop: int) -> np.ndarray:
    """Samples ``start:stop`` filtered, in the ELM montage, scaled and clipped (native rate)."""
    half_filter = elm_filter_length(rec.sfreq) // 2
    read_start, read_stop = max(start - half_filter, 0), min(stop + half_filter, rec.n_samples)
    referential = rec.read_samples(read_start, read_stop, electrodes)
    # n_jobs=1, not MNE's default None: None asks joblib for a context, an import that costs
    # ~80 ms before the first partial result.
    filtered = mne.filter.filter_data(
        referential, rec.sfreq, *ELM_BAND, n_jobs=1, copy=False, verbose="error"
    )
    matrix, _ = get_montage("tcp-elm").matrix(electrodes)
    bipolar = matrix @ filtered[:, start - read_start : stop - read_start]
    bipolar *= ELM_SCALE
    # Checked before clipping, which would turn an infinity into a plausible +-80; after it
    # every step (clip, resampling) maps finite values to finite values.
    check_finite(bipolar, rec, start)
    return np.clip(bipolar, -ELM_CLIP, ELM_CLIP, out=bipolar)


def check_finite(x: np.ndarray, rec: Recording, first_sample: int) -> None:
    """Refuse model input that holds NaN or infinite values: never score them.

    Parameters
    ----------
    x : ndarray, shape (20, n)
        Model input (ELM montage rows) at the native rate, from sample ``first_sample`` on.
    rec : Recording
        The recording it was computed from, named in the message.
    first_sample : int
        Index of ``x[:, 0]`` in the recording.

    Raises
    ------
    NonFiniteDataError
        Some value is NaN or infinite; the message says how many, where and in which
        derivation.
    """
    bad = ~np.isfinite(x)
    if not bad.any():
        return
    row, column = (int(i[0]) for i in np.nonzero(bad))
    raise NonFiniteDataError(
        f"{rec.path.name}: the model input holds {int(bad.sum())} NaN or infinite values, the "
        f"first in {ELM_CHANNELS[row]} at {(first_sample + column) / rec.sfreq:.2f} s; the "
        "file's samples or its header's scaling are damaged: re-export the recording"
    )


def iter_elm_input(
    rec: Recording,
    chunk_s: float = 900.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[np.ndarray]:
    """Compute the ELM input chunk by chunk.

    The first pass filters the file into a temporary float32 file (20 rows at the native rate,
    ~75 MB per hour at 256 Hz) and keeps its 48-50 Hz band at ~4 Hz; the second resamples and
    yields the blocks.

    Parameters
    ----------
    rec : Recording
        An open recording with all electrodes of the ELM montage.
    chunk_s : float
        Length of the recording per yielded block; memory grows with it. The first pass filters
        in steps of at least :data:`FILTER_CHUNK_S`.
    progress : ProgressCallback, optional
        Called after each chunk with (steps done, steps total, message).
    cancel : CancelToken, optional
        Checked before each chunk.

    Yields
    ------
    ndarray, shape (20, n), float32
        Consecutive blocks of the model input at 100 Hz in ELM units, rows in
        :data:`~elm_desktop.signals.montages.ELM_CHANNELS` order. Concatenated along time they
        give :func:`elm_input`.

    Raises
    ------
    MissingChannelsError
        An electrode of the ELM montage is absent (the message names it).
    RecordingTooShortError
        The recording is shorter than the shortest crop (5 s).
    RecordingError
        The recording is sampled below 100 Hz or above :data:`ELM_MAX_NATIVE_SFREQ`, or at an
        odd rate that the chunked resampling cannot follow in bounded memory (see
        :data:`_MAX_GRID_SAMPLES`).
    """
    electrodes = elm_electrodes(rec)
    if rec.sfreq == ELM_SFREQ:  # nothing to resample: MNE's resample(100) is a no-op
        yield from _chunks_at_native_rate(rec, electrodes, chunk_s, progress, cancel)
        return
    store = SignalStore(len(ELM_CHANNELS), rec.n_samples)
    try:
        resampler = ChunkedResampler(store, rec.sfreq, ELM_SFREQ, _SMOOTH_FROM_HZ)
        if resampler.unit > _MAX_GRID_SAMPLES:
            raise RecordingError(
                f"{rec.path.name} is sampled at {rec.sfreq:.10g} Hz, a rate that shares no "
                f"short time grid with the model's {ELM_SFREQ:g} Hz (its chunks would span "
                f"{resampler.unit / rec.sfreq:.0f} s); re-export it at a standard rate such as "
                "200, 256 or 500 Hz"
            )
        step = max(math.ceil(chunk_s * rec.sfreq / resampler.unit), 1) * resampler.unit
        starts = range(0, rec.n_samples, step)
        filter_step = max(
            step, math.ceil(FILTER_CHUNK_S * rec.sfreq / resampler.unit) * resampler.unit
        )
        filter_starts = range(0, rec.n_samples, filter_step)
        total = len(filter_starts) + 1 + len(starts)
        for i, start in enumerate(filter_starts):
            if cancel is not None:
                cancel.check()
            stop = min(start + filter_step, rec.n_samples)
            # A margin past the chunk lets the resampler take the chunk's 50 Hz band now.
            outer_start = max(start - resampler.margin, 0)
            outer_stop = min(stop + resampler.margin, rec.n_samples)
            clipped = _clipped_bipolar(rec, electrodes, outer_start, outer_stop)
            store.write(start, clipped[:, start - outer_start : stop - outer_start])
            resampler.add_chunk(clipped, outer_start, start, stop)
            if progress is not None:
                progress(i + 1, total, "filtering")

        def band_progress(done: int, band_total: int) -> None:
            if cancel is not None:
                cancel.check()
            if progress is not None:
                progress(len(filter_starts) + done // band_total, total, "50 Hz band")

        resampler.prepare(band_progress)
        for i, start in enumerate(starts):
            if cancel is not None:
                cancel.check()
            yield resampler.block(start, min(start + step, rec.n_samples)).astype(np.float32)
            if progress is not None:
                progress(len(filter_starts) + 1 + i + 1, total, "resampling")
    finally:
        store.close()


def _chunks_at_native_rate(
    rec: Recording,
    electrodes: list[str],
    chunk_s: float,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> Iterator[np.ndarray]:
    step = max(int(round(chunk_s * rec.sfreq)), 1)
    starts = range(0, rec.n_samples, step)
    for i, start in enumerate(starts):
        if cancel is not None:
            cancel.check()
        yield _clipped_bipolar(rec, electrodes, start, min(start + step, rec.n_samples)).astype(
            np.float32
        )
        if progress is not None:
            progress(i + 1, len(starts), "filtering")


def elm_input_head(rec: Recording, seconds: float) -> np.ndarray:
    """Return the ELM input of the first ``seconds`` of a recording, from that span alone.

    A preview for the first results of a long recording, in milliseconds instead of the whole
    first pass of :func:`iter_elm_input`. The filtering is the same (it reads its margin past the
    span); the resampling, which over the whole file is not local, sees only the span and a few
    seconds past it, so the output differs slightly from :func:`elm_input` (by ~1e-2 ELM units
    on a 10-minute 256 Hz synthetic recording whose input has a standard deviation of 0.8). At a
    100 Hz native rate, or when the span is the whole recording, the two agree.

    Parameters
    ----------
    rec : Recording
        An open recording with all electrodes of the ELM montage.
    seconds : float
        Length of the span; the whole recording if it is shorter.

    Returns
    -------
    ndarray, shape (20, n), float32
        The span at 100 Hz in ELM units, rows in ELM_CHANNELS order.

    Raises
    ------
    MissingChannelsError, RecordingTooShortError, RecordingError
        As :func:`iter_elm_input`.
    """
    electrodes = elm_electrodes(rec)
    # Resampled a little past the span, so that its edge effect falls outside what is returned.
    stop = min(int(round((seconds + _HEAD_MARGIN_S) * rec.sfreq)), rec.n_samples)
    clipped = _clipped_bipolar(rec, electrodes, 0, stop)
    if rec.sfreq != ELM_SFREQ:
        # npad="auto" as raw.resample and the whole-file route use, not this function's 100
        clipped = mne.filter.resample(
            clipped, up=ELM_SFREQ, down=rec.sfreq, npad="auto", n_jobs=1, verbose="error"
        )
    return clipped[:, : int(round(seconds * ELM_SFREQ))].astype(np.float32)


def elm_input(
    rec: Recording,
    chunk_s: float = 900.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Return the ELM model input of a whole recording.

    Band-pass 0.1-49 Hz (MNE default FIR) at the native rate, 20-channel TCP montage, x 1e5,
    clip +-80, resample to 100 Hz (MNE default), computed in chunks by :func:`iter_elm_input`.

    Parameters
    ----------
    rec : Recording
    chunk_s : float
        See :func:`iter_elm_input`.
    progress : ProgressCallback, optional
    cancel : CancelToken, optional

    Returns
    -------
    ndarray, shape (20, n_samples_at_100_Hz), float32
    """
    blocks = iter_elm_input(rec, chunk_s, progress, cancel)
    first = next(blocks)  # allocated after the band pass, whose memory is then freed
    out = np.empty(
        (len(ELM_CHANNELS), int(round(rec.n_samples * ELM_SFREQ / rec.sfreq))), np.float32
    )
    out[:, : first.shape[1]] = first
    done = first.shape[1]
    for block in blocks:
        out[:, done : done + block.shape[1]] = block
        done += block.shape[1]
    assert done == out.shape[1], (done, out.shape)
    return out


def crop_windows(x: np.ndarray, window_s: float = 5) -> tuple[np.ndarray, np.ndarray]:
    """Cut the model input into consecutive, non-overlapping crops.

    Parameters
    ----------
    x : ndarray, shape (20, n)
        Output of :func:`elm_input` (100 Hz).
    window_s : float
        Crop length in seconds: 5 ([20, 500] crops) or 60 ([20, 6000]).

    Returns
    -------
    crops : ndarray, shape (n_crops, 20, window_s * 100), float32
        A trailing part shorter than one crop is left out, as the authors did.
    starts_s : ndarray, shape (n_crops,)
        Start of each crop in seconds from the first sample.

    Raises
    ------
    RecordingTooShortError
        ``x`` is shorter than one crop.
    """
    length = int(round(window_s * ELM_SFREQ))
    n_crops = x.shape[1] // length
    if n_crops == 0:
        raise RecordingTooShortError(
            f"the recording lasts {x.shape[1] / ELM_SFREQ:.1f} s, shorter than one {window_s:g} s "
            "model crop; use a longer recording or the 5 s model"
        )
    crops = x[:, : n_crops * length].reshape(x.shape[0], n_crops, length).transpose(1, 0, 2)
    starts_s = np.arange(n_crops) * float(window_s)
    return np.ascontiguousarray(crops, dtype=np.float32), starts_s
