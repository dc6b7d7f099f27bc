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
from scipy import fft, signal

_KAISER = ("kaiser", 10.0)  # ~100 dB stop band, passband flat to ~1e-5
_BAND_HALF_WIDTH = 1.0  # Hz each side of the band centre
_BAND_RATE = 4.0  # Hz, about: keeps +-1 Hz with room for the anti-alias filter
_MARGIN_S = 10.0  # covers the smooth low-pass kernel and the band filters (2 s each side)


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
        grid = Fraction(new_sfreq / sfreq).limit_denominator(1_000_000).denominator
        self.decimation = max(int(sfreq // _BAND_RATE), 1)
        #: Chunk edges must be multiples of this many samples.
        self.period = grid * self.decimation // math.gcd(grid, self.decimation)
        self.margin = math.ceil(_MARGIN_S * sfreq / self.period) * self.period
        self.n = store.n_samples
        self.final_len = max(int(round(new_sfreq / sfreq * self.n)), 1)
        self.pad_left, pad_right = mne_auto_padding(self.n)
        self.padded_len = self.n + self.pad_left + pad_right
        self._band: np.ndarray | None = None
        self._first = self._last = np.zeros((store.n_rows, 1))

    # -- the smooth part ------------------------------------------------------------------------

    def _smooth_window(self, freqs: np.ndarray) -> np.ndarray:
        f = np.abs(freqs) * self.sfreq
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

    def prepare(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Compute the narrow band over the whole padded signal (one pass over the store)."""
        self._first = self.store.read(0, 1)
        self._last = self.store.read(self.n - 1, self.n)
        taps = signal.firwin(
            int(4 * self.sfreq) | 1, 2 * _BAND_HALF_WIDTH, window=_KAISER, fs=self.sfreq
        )
        guard = math.ceil(len(taps) / 2 / self.decimation) * self.decimation
        # The baseband grid: padded positions pad_left + k * decimation.
        k_first = -(self.pad_left // self.decimation)
        n_band = math.ceil(self.padded_len / self.decimation)
        step = 64 * self.margin
        parts = []
        for k0 in range(k_first, k_first + n_band, step // self.decimation):
            k1 = min(k0 + step // self.decimation, k_first + n_band)
            q0 = self.pad_left + k0 * self.decimation - guard
            q1 = self.pad_left + (k1 - 1) * self.decimation + 1 + guard
            x = self._padded(q0, q1)
            positions = np.arange(q0, q1) - self.pad_left
            mixed = x * np.exp(-2j * np.pi * self.centre / self.sfreq * positions)
            band = signal.resample_poly(mixed, 1, self.decimation, axis=-1, window=taps)
            first = guard // self.decimation
            parts.append(band[:, first : first + (k1 - k0)].astype(np.complex64))
            if progress is not None:
                progress(k1 - k_first, n_band)
        baseband = np.concatenate(parts, axis=1)
        del parts
        band_rate = self.sfreq / self.decimation
        freqs = self.centre + fft.fftfreq(baseband.shape[1], 1 / band_rate)
        weight = 1.0 - self._smooth_window(freqs / self.sfreq)
        weight[(freqs > self.nyquist) | (freqs < self.smooth_from - _BAND_HALF_WIDTH)] = 0.0
        for row in baseband:  # one row at a time keeps the FFT's workspace small
            row[:] = fft.ifft(fft.fft(row.astype(np.complex128)) * weight)
        self._band = baseband
        self._band_zero = -k_first  # index of unpadded position 0

    def _band_at_new_rate(self, start: int, stop: int) -> np.ndarray:
        """The narrow band at ``new_sfreq`` for unpadded positions ``start:stop`` (on the grid)."""
        assert self._band is not None, "call prepare() first"
        ratio = Fraction(self.new_sfreq * self.decimation / self.sfreq).limit_denominator(1_000_000)
        up, down = ratio.numerator, ratio.denominator
        rate = self.sfreq / self.decimation * up
        taps = signal.firwin(int(4 * rate) | 1, 2 * _BAND_HALF_WIDTH, window=_KAISER, fs=rate)
        guard = math.ceil(len(taps) / 2 / up) * down  # band samples the filter reaches
        k0 = start // self.decimation - guard + self._band_zero
        k1 = math.ceil(stop / self.decimation) + 1 + guard + self._band_zero
        segment = self._band[:, max(k0, 0) : min(k1, self._band.shape[1])]
        upsampled = signal.resample_poly(segment, up, down, axis=-1, window=taps)
        skip = (min(guard, k0 + guard) if k0 < 0 else guard) * up // down
        upsampled = upsampled[:, skip:]
        first_output = int(round(start * self.new_sfreq / self.sfreq))
        times = (first_output + np.arange(upsampled.shape[1])) / self.new_sfreq
        return 2 * np.real(upsampled * np.exp(2j * np.pi * self.centre * times))

    # -- output --------------------------------------------------------------------------------

    def output_index(self, sample: int) -> int:
        """Index at the new rate of a sample on the chunk grid (or of the end)."""
        if sample == self.n:
            return self.final_len
        return int(round(sample * self.new_sfreq / self.sfreq))

    def block(self, start: int, stop: int) -> np.ndarray:
        """Return the resampled signal for samples ``start:stop`` (multiples of :attr:`period`)."""
        outer_start, outer_stop = max(start - self.margin, 0), min(stop + self.margin, self.n)
        x = self.store.read(outer_start, outer_stop)
        smooth = mne.filter.resample(
            x,
            up=self.new_sfreq,
            down=self.sfreq,
            npad=self.margin,
            window=self._smooth_window,
            verbose="error",
        )
        narrow = self._band_at_new_rate(outer_start, outer_stop)
        offset = self.output_index(outer_start)
        first, last = self.output_index(start) - offset, self.output_index(stop) - offset
        return smooth[:, first:last] + narrow[:, first:last]
