"""MNE's default FFT resampling of a long signal, computed chunk by chunk in bounded memory.

``mne.filter.resample(x, up, down)`` (``npad="auto"``, boxcar window) pads the signal by
reflection to a power-of-two length, takes one FFT of the whole of it, cuts the spectrum at the
new Nyquist frequency like a brick wall and transforms back. The brick wall's sinc kernel
reaches across the whole file, and EEG has real content at 50 Hz, so cutting the signal into
chunks with any finite margin changes the result (by ~1e-2 ELM units with 10 s margins).

:class:`ChunkedResampler` gives the whole-file result without holding the file. The brick wall
is split into two parts that add up to it:

- a smooth low-pass, 1 up to ``smooth_from`` Hz and a raised cosine down to 0 at the new
  Nyquist frequency: its kernel is short, so it runs per chunk with a margin (MNE's own
  resampler with that window);
- the rest, the narrow band between ``smooth_from`` and Nyquist weighted by one minus the
  smooth low-pass and cut sharply at Nyquist: shifted to 0 Hz and kept at a few Hz, the band
  of the *whole padded signal* (reflections included, as MNE pads it) takes a few MB per hour;
  one FFT over it applies the sharp cut, and the result is shifted back per chunk.

The signal itself comes from a :class:`SignalStore`, a temporary float32 file written once,
so no chunk is computed twice.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import mne
import numpy as np
from scipy import fft

_BAND_HALF_WIDTH = 1.0  # Hz each side of the band centre
_BAND_RATE = 4.0  # Hz, about: keeps +-1 Hz with room for a smooth window to +-2 Hz
_MARGIN_S = 10.0  # covers the kernels of the smooth low-pass and the band windows
_BAND_STEP_S = 600.0  # length of the pieces the band is computed in


class SignalStore:
    """A [n_rows, n_samples] float32 signal in a temporary file, written and read by range.

    Rows are interleaved (time-major) so a time range is one contiguous read; reads go
    through ``numpy.fromfile`` rather than a memory map so they do not grow resident memory.
    """

    def __init__(self, n_rows: int, n_samples: int, directory: str | Path | None = None) -> None:
        self.n_rows, self.n_samples = n_rows, n_samples
        self._file = tempfile.TemporaryFile(dir=directory, prefix="elm-signal-")

    def write(self, start: int, block: np.ndarray) -> None:
        """Store ``block`` [n_rows, n] from sample ``start`` on."""
        self._file.seek(start * self.n_rows * 4)
        self._file.write(np.ascontiguousarray(block.T, dtype="<f4").tobytes())

    def read(self, start: int, stop: int) -> np.ndarray:
        """Return samples ``start:stop`` as float64 [n_rows, stop - start]."""
        self._file.seek(start * self.n_rows * 4)
        flat = np.fromfile(self._file, dtype="<f4", count=(stop - start) * self.n_rows)
        return flat.reshape(stop - start, self.n_rows).T.astype(np.float64)

    def close(self) -> None:
        self._file.close()


def mne_auto_padding(n_samples: int) -> tuple[int, int]:
    """The reflection padding ``mne.filter.resample(..., npad="auto")`` adds on each side."""
    min_add = min(n_samples // 8, 100) * 2
    total = 2 ** int(np.ceil(np.log2(n_samples + min_add))) - n_samples
    left = total // 2
    return left, total - left


class ChunkedResampler:
    """Whole-file ``mne.filter.resample(x, up=new_sfreq, down=sfreq)`` of a stored signal.

    Parameters
    ----------
    store : SignalStore
        The signal at ``sfreq``.
    sfreq, new_sfreq : float
        Old and new sampling rates (``new_sfreq < sfreq``).
    smooth_from : float
        Where the smooth part starts to roll off, in Hz (below ``new_sfreq / 2``).
    """

    def __init__(
        self, store: SignalStore, sfreq: float, new_sfreq: float, smooth_from: float
    ) -> None:
        self.store, self.sfreq, self.new_sfreq = store, sfreq, new_sfreq
        self.nyquist = new_sfreq / 2
        self.smooth_from = smooth_from
        self.centre = (smooth_from + self.nyquist) / 2
        self.decimation = max(int(sfreq // _BAND_RATE), 1)
        #: Chunk edges and lengths are multiples of this many samples: a whole number of
        #: samples at the new rate and the band rate, and a whole number of band-centre cycles.
        self.unit = math.lcm(
            self.decimation,
            Fraction(new_sfreq / sfreq).limit_denominator(1_000_000).denominator,
            Fraction(self.centre / sfreq).limit_denominator(1_000_000).denominator,
        )
        self.margin = math.ceil(_MARGIN_S * sfreq / self.unit) * self.unit
        self.step = math.ceil(_BAND_STEP_S * sfreq / self.unit) * self.unit
        self.n = store.n_samples
        self.final_len = max(int(round(new_sfreq / sfreq * self.n)), 1)
        self.pad_left, pad_right = mne_auto_padding(self.n)
        self.padded_len = self.n + self.pad_left + pad_right
        # The band on its grid: positions k * decimation, from -pad_left on, around the circle.
        self._band_zero = self.pad_left // self.decimation
        n_band = math.ceil(self.padded_len / self.decimation)
        self._band = np.zeros((store.n_rows, n_band), np.complex64)
        self._filled = np.zeros(n_band, bool)
        self._prepared = False

    # -- the smooth part ------------------------------------------------------------------------

    def _smooth(self, freqs_hz: np.ndarray) -> np.ndarray:
        """The smooth low-pass: 1 up to ``smooth_from``, a raised cosine to 0 at Nyquist."""
        f = np.abs(freqs_hz)
        ramp = 0.5 * (
            1 + np.cos(np.pi * (f - self.smooth_from) / (self.nyquist - self.smooth_from))
        )
        return np.where(f <= self.smooth_from, 1.0, np.where(f >= self.nyquist, 0.0, ramp))

    # -- the narrow band ----------------------------------------------------------------------

    def _padded(self, q_start: int, q_stop: int) -> np.ndarray:
        """Samples ``q_start:q_stop`` of the signal as MNE pads it (circularly indexed)."""
        pieces = []
        q = q_start
        while q < q_stop:
            wrapped = q % self.padded_len
            s = wrapped - self.pad_left  # position in the unpadded signal
            if s < 0:  # left reflection: 2 x[0] - x[-s]
                length = min(-s, q_stop - q)
                source = self.store.read(-s - length + 1, -s + 1)[:, ::-1]
                pieces.append(2 * self._first - source)
            elif s < self.n:
                length = min(self.n - s, q_stop - q)
                pieces.append(self.store.read(s, s + length))
            else:  # right reflection: 2 x[n-1] - x[2(n-1) - s]
                length = min(self.padded_len - wrapped, q_stop - q)
                mirror = 2 * (self.n - 1) - s
                source = self.store.read(mirror - length + 1, mirror + 1)[:, ::-1]
                pieces.append(2 * self._last - source)
            q += length
        return np.concatenate(pieces, axis=1)

    def add_chunk(self, x: np.ndarray, x_start: int, start: int, stop: int) -> None:
        """Take the band of ``start:stop`` from a chunk the caller holds anyway.

        Parameters
        ----------
        x : ndarray, shape (n_rows, n)
            The signal from position ``x_start`` on; it must reach :attr:`margin` samples
            past ``start:stop`` (or the ends of the signal).
        x_start : int
        start, stop : int
            The chunk; ``start`` a multiple of :attr:`unit`.

        Chunks near the ends get MNE's reflection padding from ``x`` itself; in a signal too
        short for that, :meth:`prepare` computes their band instead.
        """
        begin = start - self.margin
        length = math.ceil((stop - start) / self.unit) * self.unit + 2 * self.margin
        left = max(0, -begin)  # samples of left padding the window needs
        right = max(0, begin + length - self.n)
        last = self.n - 1 - x_start  # index in x of the signal's last sample
        if left > min(self.pad_left, x.shape[1] - 1 if x_start == 0 else 0) or right > min(
            self.padded_len - self.pad_left - self.n, last - 1
        ):
            return  # too near an end of a short signal: prepare() reads it back
        pieces = [x[:, max(begin, 0) - x_start : min(begin + length, self.n) - x_start]]
        if left:
            pieces.insert(0, 2 * x[:, :1] - x[:, left:0:-1])
        if right:
            pieces.append(2 * x[:, last : last + 1] - x[:, last - 1 : last - 1 - right : -1])
        band = self._to_baseband(np.concatenate(pieces, axis=1), begin)
        self._store_band(band, begin, start, stop)

    def _store_band(self, band: np.ndarray, begin: int, start: int, stop: int) -> None:
        """Keep the part of ``band`` (which starts at ``begin``) for positions ``start:stop``."""
        first = (start - begin) // self.decimation
        count = math.ceil((stop - start) / self.decimation)
        index = (np.arange(count) + start // self.decimation + self._band_zero) % self._band.shape[
            1
        ]
        self._band[:, index] = band[:, first : first + count]
        self._filled[index] = True

    def prepare(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Complete the band (the padding, and what :meth:`add_chunk` did not give), then cut it.

        Most of the left padding is the data band mirrored (MNE pads with ``2 x[0] - x[-s]``,
        and a real, even kernel turns that into ``-conj``), so only the right padding and the
        seams are read back from the store.
        """
        self._first = self.store.read(0, 1)
        self._last = self.store.read(self.n - 1, self.n)
        n_band = self._band.shape[1]
        zero = self._band_zero
        guard = self.margin // self.decimation
        mirrored = np.arange(guard + 1, zero - guard)  # grid steps into the left padding
        usable = mirrored[self._filled[zero + mirrored]]
        self._band[:, zero - usable] = -np.conj(self._band[:, zero + usable])
        self._filled[zero - usable] = True
        missing = np.flatnonzero(~self._filled)
        runs = np.split(missing, np.flatnonzero(np.diff(missing) > 1) + 1) if missing.size else []
        done = 0
        for run in runs:
            for piece in np.array_split(run, math.ceil(len(run) * self.decimation / self.step)):
                start = (int(piece[0]) - zero) * self.decimation
                stop = (int(piece[-1]) - zero + 1) * self.decimation
                begin = start - self.margin
                length = math.ceil((stop - start) / self.unit) * self.unit + 2 * self.margin
                x = self._padded(begin + self.pad_left, begin + self.pad_left + length)
                self._store_band(self._to_baseband(x, begin), begin, start, stop)
                done += len(piece)
                if progress is not None:
                    progress(done, len(missing))
        freqs = self.centre + fft.fftfreq(n_band, self.decimation / self.sfreq)
        weight = np.where(freqs <= self.nyquist, 1.0 - self._smooth(freqs), 0.0)
        weight[freqs < self.smooth_from - _BAND_HALF_WIDTH] = 0.0
        for row in self._band:  # one row at a time keeps the FFT's workspace small
            row[:] = fft.ifft(fft.fft(row.astype(np.complex128)) * weight)
        self._prepared = True

    def _to_baseband(self, x: np.ndarray, begin: int) -> np.ndarray:
        """The band around :attr:`centre` of ``x`` (which starts at position ``begin``) at 0 Hz.

        Taken from the FFT of ``x``: the bins within 2 Hz of the centre, weighted by a window
        that is flat over the band (a short, local kernel), become the spectrum of a signal
        ``decimation`` times slower. ``x``'s length is a multiple of :attr:`unit`, so the centre
        falls on a bin.
        """
        length = x.shape[1]
        # float32 halves the transform's cost; its rounding (~1e-6 ELM units) is far below the
        # 1e-4 agreement with MNE that the tests hold.
        spectrum = fft.rfft(x.astype(np.float32), axis=-1, workers=-1)  # rows in parallel
        offsets = np.arange(
            -math.ceil(2 * length / self.sfreq), math.ceil(2 * length / self.sfreq) + 1
        )
        weight = _flat_window(offsets * self.sfreq / length)
        centre_bin = round(self.centre * length / self.sfreq)
        # Just above 100 Hz the window reaches past the native Nyquist frequency, where a
        # sampled signal holds nothing of its own; prepare() zeroes that part anyway.
        offsets, weight = (v[centre_bin + offsets < spectrum.shape[1]] for v in (offsets, weight))
        n_out = length // self.decimation
        shifted = np.zeros((x.shape[0], n_out), np.complex128)
        shifted[:, offsets % n_out] = spectrum[:, centre_bin + offsets] * weight
        phase = np.exp(-2j * np.pi * self.centre * begin / self.sfreq)
        return fft.ifft(shifted, axis=-1) * (n_out / length * phase)

    def _band_at_new_rate(self, start: int, stop: int) -> np.ndarray:
        """The narrow band at ``new_sfreq`` for positions ``start:stop``, back at its frequency."""
        assert self._prepared, "call prepare() first"
        begin = start - self.margin
        length = math.ceil((stop - start) / self.unit) * self.unit + 2 * self.margin
        n_band = self._band.shape[1]
        index = (
            np.arange(begin // self.decimation, (begin + length) // self.decimation)
            + self._band_zero
        ) % n_band
        spectrum = fft.fft(self._band[:, index].astype(np.complex128), axis=-1)
        offsets = np.round(fft.fftfreq(len(index)) * len(index)).astype(int)
        weight = _flat_window(offsets * self.sfreq / self.decimation / len(index))
        # The real signal 2 Re[band(t) exp(2i pi centre t)] at the new rate, built directly as
        # a real spectrum: components past the new Nyquist fold back as conjugates.
        n_out = int(round(length * self.new_sfreq / self.sfreq))
        phase = np.exp(2j * np.pi * self.centre * begin / self.sfreq)
        values = spectrum * (weight * phase * n_out / len(index))
        bins = round(self.centre * n_out / self.new_sfreq) + offsets
        real_spectrum = np.zeros((spectrum.shape[0], n_out // 2 + 1), np.complex128)
        below = bins < n_out / 2
        real_spectrum[:, bins[below]] += values[:, below]
        above = bins > n_out / 2
        np.add.at(real_spectrum.T, n_out - bins[above], np.conj(values[:, above]).T)
        nyquist = bins == n_out / 2
        real_spectrum[:, n_out // 2] += 2 * values[:, nyquist].real.sum(axis=1)
        narrow = fft.irfft(real_spectrum, n_out, axis=-1)
        first = int(round(self.margin * self.new_sfreq / self.sfreq))
        return narrow[:, first : first + self.output_index(stop) - self.output_index(start)]

    # -- output --------------------------------------------------------------------------------

    def output_index(self, sample: int) -> int:
        """Index at the new rate of a sample on the chunk grid (or of the end)."""
        if sample == self.n:
            return self.final_len
        return int(round(sample * self.new_sfreq / self.sfreq))

    def block(self, start: int, stop: int) -> np.ndarray:
        """Return the resampled signal for samples ``start:stop`` (``start`` a multiple of
        :attr:`unit`, ``stop`` too or the end of the signal)."""
        outer_start, outer_stop = max(start - self.margin, 0), min(stop + self.margin, self.n)
        x = self.store.read(outer_start, outer_stop)
        smooth = mne.filter.resample(
            x,
            up=self.new_sfreq,
            down=self.sfreq,
            npad=self.margin,
            window=lambda freqs: self._smooth(freqs * self.sfreq),
            n_jobs=1,  # as in preprocess.py: keeps joblib out
            verbose="error",
        )
        offset = self.output_index(outer_start)
        first, last = self.output_index(start) - offset, self.output_index(stop) - offset
        return smooth[:, first:last] + self._band_at_new_rate(start, stop)


def _flat_window(freqs_hz: np.ndarray) -> np.ndarray:
    """1 within 1.2 Hz of 0, a raised cosine down to 0 at 2 Hz: flat over the band, short kernel."""
    f = np.abs(freqs_hz)
    ramp = 0.5 * (1 + np.cos(np.pi * (f - 1.2) / 0.8))
    return np.where(f <= 1.2, 1.0, np.where(f >= 2.0, 0.0, ramp))
