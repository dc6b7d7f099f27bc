"""The ELM model input: preprocessing exactly as the authors did it, in bounded memory.

The authors (``preprocess_TUEG.py``, see DESIGN.md) load the whole recording into MNE and run,
in this order: ``raw.filter(0.1, 49.0)`` (MNE's default zero-phase FIR) at the native rate, the
20-channel bipolar TCP montage, x 1e5 (volts to units of 10 uV), clipping to +-80, and
``raw.resample(100)`` (MNE's default FFT method). A 24-hour file that way needs several GB.

Here the same operations run on chunks. Each chunk is read with a margin on both sides: half the
FIR length so the filter sees exactly the samples it would see on the whole file, plus a
resampling margin so the FFT resampler's edge effects fall outside the part that is kept. Chunk
edges lie on instants that are whole samples at both rates, so the chunks join without seams and
the output equals the whole-file computation to float precision for the filter and to far below
1e-3 ELM units for the resampler, away from the first and last filter length of the file (where
the whole-file route itself pads). The one exception is a sampling rate for which MNE's own
whole-file padding puts the output on a grid shifted by a fraction of a sample (e.g. 250 Hz);
the chunked output stays on the exact 100 Hz grid.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache

import mne
import numpy as np

from elm_desktop.errors import MissingChannelsError, RecordingTooShortError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.signals.montages import ELM_CHANNELS, get_montage
from elm_desktop.signals.recording import Recording

ELM_SFREQ = 100.0
ELM_BAND = (0.1, 49.0)
ELM_SCALE = 1e5  # volts -> units of 10 uV
ELM_CLIP = 80.0  # +-800 uV
#: Crop lengths of the released models, in seconds.
ELM_WINDOWS_S = (5, 60)
_RESAMPLE_MARGIN_S = 60.0


@lru_cache(maxsize=16)
def elm_filter_length(sfreq: float) -> int:
    """Return the length in samples of MNE's default FIR for the ELM band at ``sfreq``."""
    return len(mne.filter.create_filter(None, sfreq, *ELM_BAND, verbose="error"))


def _grid_period(sfreq: float) -> int:
    """Smallest number of native samples that is also a whole number of 100 Hz samples."""
    period = Fraction(ELM_SFREQ / sfreq).limit_denominator(1_000_000).denominator
    return period


def _output_length(n_samples: int, sfreq: float) -> int:
    return max(int(round(ELM_SFREQ / sfreq * n_samples)), 1)


def _check_electrodes(rec: Recording) -> list[str]:
    montage = get_montage("tcp-elm")
    missing = montage.missing(rec.electrodes)
    if missing:
        raise MissingChannelsError(
            f"{rec.path.name} lacks {', '.join(missing)} for the ELM montage; the model needs "
            "all 20 TCP derivations (the traces that can be built are still shown)"
        )
    return sorted({e for d in montage.derivations(rec.electrodes) for e in d.weights})


def iter_elm_input(
    rec: Recording,
    chunk_s: float = 900.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[np.ndarray]:
    """Compute the ELM input chunk by chunk.

    Parameters
    ----------
    rec : Recording
        An open recording with all electrodes of the ELM montage.
    chunk_s : float
        Length of the recording processed per step; memory grows with it, the overhead of the
        margins shrinks with it.
    progress : ProgressCallback, optional
        Called after each chunk with (samples done, samples total, message).
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
    """
    if rec.duration < min(ELM_WINDOWS_S):
        raise RecordingTooShortError(
            f"{rec.path.name} lasts {rec.duration:.1f} s, shorter than one {min(ELM_WINDOWS_S)} s "
            "model crop; analyse a longer recording"
        )
    electrodes = _check_electrodes(rec)
    matrix, _ = get_montage("tcp-elm").matrix(electrodes)
    sfreq, n_total = rec.sfreq, rec.n_samples
    ratio = ELM_SFREQ / sfreq
    period = _grid_period(sfreq)
    half_filter = elm_filter_length(sfreq) // 2
    margin = math.ceil(_RESAMPLE_MARGIN_S * sfreq / period) * period
    step = max(math.ceil(chunk_s * sfreq / period), 1) * period
    if step + 2 * (margin + half_filter) >= n_total:
        step = n_total  # one pass over the whole file: the plain MNE computation
    final_len = _output_length(n_total, sfreq)
    for start in range(0, n_total, step):
        if cancel is not None:
            cancel.check()
        stop = min(start + step, n_total)
        outer_start, outer_stop = max(start - margin, 0), min(stop + margin, n_total)
        read_start = max(outer_start - half_filter, 0)
        read_stop = min(outer_stop + half_filter, n_total)
        referential = rec.read_samples(read_start, read_stop, electrodes)
        filtered = mne.filter.filter_data(
            referential, sfreq, *ELM_BAND, copy=False, verbose="error"
        )
        filtered = filtered[:, outer_start - read_start : outer_stop - read_start]
        bipolar = matrix @ filtered
        bipolar *= ELM_SCALE
        np.clip(bipolar, -ELM_CLIP, ELM_CLIP, out=bipolar)
        npad = margin if step < n_total else "auto"
        resampled = mne.filter.resample(
            bipolar, up=ELM_SFREQ, down=sfreq, npad=npad, verbose="error"
        )
        offset = int(round(outer_start * ratio))  # output index of resampled[:, 0]
        first = int(round(start * ratio)) - offset
        last = (final_len if stop == n_total else int(round(stop * ratio))) - offset
        yield resampled[:, first:last].astype(np.float32)
        if progress is not None:
            progress(stop, n_total, "preprocessing")


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
    out = np.empty((len(ELM_CHANNELS), _output_length(rec.n_samples, rec.sfreq)), np.float32)
    done = 0
    for block in iter_elm_input(rec, chunk_s, progress, cancel):
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
