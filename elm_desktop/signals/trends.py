"""Trends over the whole recording: DSA per hemisphere, aEEG, asymmetry and suppression ratio.

The recording is read in blocks of whole epochs (:attr:`TrendParams.block_s`, five minutes by
default), so a 24-hour file never sits in memory at once. The traces are the longitudinal
bipolar chains of each hemisphere (``Fp1-F7 … P3-O1`` on the left and their homologues on the
right); only homologous pairs whose four electrodes the file holds are used, so left and right
are always compared like with like. Per epoch (2 s by default) the module computes:

- **density spectral array** per hemisphere: the Hann-windowed periodogram of each chain,
  averaged over the hemisphere's chains, 0.5-30 Hz at 1 / epoch resolution, in dB re 1 µV²/Hz;
- **amplitude-integrated EEG** on ``C3-P3`` and ``C4-P4`` (else the first homologous pair): an
  asymmetric 2-15 Hz filter (3rd-order high-pass at 2 Hz, 6th-order low-pass at 15 Hz, and a
  shelf whose gain rises ~10 dB from 3 to 10 Hz, about 12 dB/decade across the band, to offset
  the EEG's 1/f spectrum; unit gain at 10 Hz), rectified, averaged over 0.5 s and scaled by π so
  a sine reads its peak-to-peak amplitude; the epoch's lowest and highest 0.5 s values are its
  lower and upper margins in µV (drawn on the usual semi-log scale by :func:`aeeg_scale`);
- **asymmetry index** ``(L - R) / (L + R)`` of the hemispheres' 0.5-8 Hz (delta + theta)
  power: positive when the left carries more slow activity, e.g. left-sided slowing;
- **suppression ratio**: the fraction of the epoch's 0.5 s windows in which no chain leaves
  ±5 µV of its window mean (after averaging to ~64 Hz, which keeps mains and muscle noise out),
  Rampil's burst-suppression measure (suppression = at least 0.5 s within ±5 µV).

Results are cached in the user data folder (:func:`trends_cache_dir`), keyed by the file's
path, size and modification time and by the parameters; the cache holds numbers and chain
names only, no header field and no file name.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from scipy import signal

from elm_desktop.errors import MissingChannelsError
from elm_desktop.paths import data_dir
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.signals.recording import Recording

#: Left-hemisphere chains of the longitudinal bipolar montage (temporal, then parasagittal).
LEFT_CHAINS: tuple[str, ...] = (
    "Fp1-F7",
    "F7-T3",
    "T3-T5",
    "T5-O1",
    "Fp1-F3",
    "F3-C3",
    "C3-P3",
    "P3-O1",
)
#: Their right-hemisphere homologues, in the same order.
RIGHT_CHAINS: tuple[str, ...] = (
    "Fp2-F8",
    "F8-T4",
    "T4-T6",
    "T6-O2",
    "Fp2-F4",
    "F4-C4",
    "C4-P4",
    "P4-O2",
)
#: The chains the aEEG prefers (the neonatal / ICU standard), left then right.
AEEG_CHAINS: tuple[str, str] = ("C3-P3", "C4-P4")

CACHE_VERSION = 1
"""Bumped whenever what is computed or how it is stored changes; old cache files are ignored."""
CACHE_FILES_KEPT = 64
"""The newest this many cache files are kept; older ones are removed after a write."""


@dataclass(frozen=True)
class TrendParams:
    """How the trends are computed (part of the cache key).

    Attributes
    ----------
    epoch_s : float
        Length of one epoch, the trends' time step.
    fmin_hz, fmax_hz : float
        Frequency range of the density spectral array.
    asymmetry_band_hz : tuple of float
        Band whose power the asymmetry index compares.
    suppression_uv : float
        A window is suppressed when no chain leaves ± this many µV of its mean.
    window_s : float
        Length of the windows of the suppression ratio and of the aEEG's smoothing.
    block_s : float
        Seconds read at once (whole epochs); it bounds memory, not the result.
    """

    epoch_s: float = 2.0
    fmin_hz: float = 0.5
    fmax_hz: float = 30.0
    asymmetry_band_hz: tuple[float, float] = (0.5, 8.0)
    suppression_uv: float = 5.0
    window_s: float = 0.5
    block_s: float = 300.0

    def key(self) -> dict:
        """The parameters that decide the result (the block length does not)."""
        values = asdict(self)
        values.pop("block_s")
        values["asymmetry_band_hz"] = list(self.asymmetry_band_hz)
        return values


@dataclass(frozen=True, eq=False)
class Trends:
    """Trends of one recording, one row per epoch.

    Attributes
    ----------
    params : TrendParams
    duration_s : float
        Length of the recording; the epochs cover its whole epochs.
    epoch_starts_s : ndarray, shape (n,)
    freqs_hz : ndarray, shape (f,)
    dsa_left_db, dsa_right_db : ndarray, shape (n, f), float32
        Mean power spectral density of the hemisphere's chains, dB re 1 µV²/Hz.
    aeeg_left_uv, aeeg_right_uv : ndarray, shape (n, 2), float32
        Lower and upper aEEG margins (µV) on :attr:`aeeg_chains`.
    asymmetry : ndarray, shape (n,), float32
        ``(L - R) / (L + R)`` of the hemispheres' power in ``params.asymmetry_band_hz``.
    suppression : ndarray, shape (n,), float32
        Fraction 0-1 of the epoch that is suppressed.
    left_chains, right_chains : tuple of str
        The homologous chains used, left and right in the same order.
    aeeg_chains : tuple of str
        The left and right chain of the aEEG.
    """

    params: TrendParams
    duration_s: float
    epoch_starts_s: np.ndarray
    freqs_hz: np.ndarray
    dsa_left_db: np.ndarray
    dsa_right_db: np.ndarray
    aeeg_left_uv: np.ndarray
    aeeg_right_uv: np.ndarray
    asymmetry: np.ndarray
    suppression: np.ndarray
    left_chains: tuple[str, ...]
    right_chains: tuple[str, ...]
    aeeg_chains: tuple[str, str]

    @property
    def n_epochs(self) -> int:
        """Number of epochs."""
        return len(self.epoch_starts_s)


_ARRAYS = (
    "epoch_starts_s",
    "freqs_hz",
    "dsa_left_db",
    "dsa_right_db",
    "aeeg_left_uv",
    "aeeg_right_uv",
    "asymmetry",
    "suppression",
)


def _electrodes_of(chain: str) -> tuple[str, str]:
    anode, cathode = chain.split("-")
    return anode, cathode


def hemisphere_pairs(electrodes: tuple[str, ...] | list[str]) -> tuple[list[str], list[str]]:
    """Return the homologous left and right chains that ``electrodes`` can build.

    Raises
    ------
    MissingChannelsError
        No homologous pair can be built.
    """
    held = set(electrodes)
    left, right = [], []
    for a, b in zip(LEFT_CHAINS, RIGHT_CHAINS, strict=True):
        if set(_electrodes_of(a)) | set(_electrodes_of(b)) <= held:
            left.append(a)
            right.append(b)
    if not left:
        raise MissingChannelsError(
            "trends need a left chain and its right homologue (e.g. C3-P3 and C4-P4); "
            f"this recording holds {', '.join(electrodes) or 'no EEG electrodes'}"
        )
    return left, right


def aeeg_filter(sfreq: float) -> np.ndarray:
    """Return the aEEG's asymmetric 2-15 Hz filter as second-order sections (unit gain at 10 Hz).

    A 3rd-order Butterworth high-pass at 2 Hz, a 6th-order Butterworth low-pass at 15 Hz (so
    the fall above 15 Hz is twice as steep as below 2 Hz) and a first-order shelf, zero at 3 Hz
    and pole at 10 Hz, whose gain rises with frequency through the pass band.
    """
    nyquist = sfreq / 2
    z_hp, p_hp, k_hp = signal.butter(3, 2.0, "highpass", fs=sfreq, output="zpk")
    z_lp, p_lp, k_lp = signal.butter(6, min(15.0, 0.9 * nyquist), "lowpass", fs=sfreq, output="zpk")
    wz, wp = 2 * math.pi * 3.0, 2 * math.pi * 10.0
    z_sh, p_sh, k_sh = signal.bilinear_zpk([-wz], [-wp], wp / wz, sfreq)
    sos = signal.zpk2sos(
        np.concatenate([z_hp, z_lp, z_sh]),
        np.concatenate([p_hp, p_lp, p_sh]),
        k_hp * k_lp * k_sh,
    )
    _, response = signal.sosfreqz(sos, worN=[10.0], fs=sfreq)
    sos[0, :3] /= abs(response[0])
    return sos


def aeeg_scale(microvolts: np.ndarray) -> np.ndarray:
    """Map µV to the aEEG's semi-log display axis: linear 0-10 µV (0-1), log above (1 per decade)."""
    v = np.maximum(np.asarray(microvolts, dtype=float), 0.0)
    return np.where(v <= 10.0, v / 10.0, 1.0 + np.log10(np.maximum(v, 10.0) / 10.0))


class _Computation:
    """The state carried from block to block (the aEEG filter's memory)."""

    def __init__(self, recording: Recording, params: TrendParams) -> None:
        self.params = params
        self.sfreq = recording.sfreq
        self.left, self.right = hemisphere_pairs(recording.electrodes)
        pairs = list(zip(self.left, self.right, strict=True))
        self.aeeg = next((pair for pair in pairs if pair == AEEG_CHAINS), next(iter(pairs)))
        chains = self.left + self.right
        self.electrodes = sorted({e for chain in chains for e in _electrodes_of(chain)})
        column = {name: i for i, name in enumerate(self.electrodes)}
        self.matrix = np.zeros((len(chains), len(self.electrodes)))
        for row, chain in enumerate(chains):
            anode, cathode = _electrodes_of(chain)
            self.matrix[row, column[anode]] = 1e6  # volts -> microvolts
            self.matrix[row, column[cathode]] = -1e6
        self.aeeg_rows = [chains.index(self.aeeg[0]), chains.index(self.aeeg[1])]
        self.n_left = len(self.left)
        self.epoch_n = int(round(params.epoch_s * self.sfreq))
        if self.epoch_n < 8:
            raise MissingChannelsError(
                f"trends need at least 8 samples per epoch; {self.sfreq:g} Hz gives {self.epoch_n}"
            )
        self.n_windows = max(1, int(round(params.epoch_s / params.window_s)))
        self.window_n = self.epoch_n // self.n_windows
        self.smooth_n = max(1, int(round(self.sfreq / 64.0)))
        self.window_used = self.window_n // self.smooth_n * self.smooth_n
        self.freqs_all = np.fft.rfftfreq(self.epoch_n, 1.0 / self.sfreq)
        self.bins = (self.freqs_all >= params.fmin_hz - 1e-9) & (
            self.freqs_all <= params.fmax_hz + 1e-9
        )
        low, high = params.asymmetry_band_hz
        self.band = (self.freqs_all >= low - 1e-9) & (self.freqs_all <= high + 1e-9)
        self.taper = signal.windows.hann(self.epoch_n, sym=False).astype(np.float32)
        # One-sided power spectral density of a Hann-windowed periodogram, µV²/Hz.
        self.psd_scale = 2.0 / (self.sfreq * float(np.sum(self.taper.astype(float) ** 2)))
        self.df = self.sfreq / self.epoch_n
        self.sos = aeeg_filter(self.sfreq)
        self.zi = np.zeros((self.sos.shape[0], 2, 2))

    def block(self, data_v: np.ndarray) -> dict[str, np.ndarray]:
        """Trends of one block of whole epochs (``data_v``: electrodes x samples, volts)."""
        x = (self.matrix @ data_v).astype(np.float32)  # chains x samples, µV
        n_chains, n = x.shape
        n_epochs = n // self.epoch_n
        epochs = x[:, : n_epochs * self.epoch_n].reshape(n_chains, n_epochs, self.epoch_n)
        # Density spectral array: each chain's periodogram, averaged over the hemisphere.
        centred = epochs - epochs.mean(axis=2, keepdims=True)
        spectra = np.fft.rfft(centred * self.taper, axis=2)
        power = (spectra.real**2 + spectra.imag**2) * np.float32(self.psd_scale)
        left = power[: self.n_left].mean(axis=0)
        right = power[self.n_left :].mean(axis=0)
        tiny = np.float32(1e-6)
        dsa_left = 10.0 * np.log10(left[:, self.bins] + tiny)
        dsa_right = 10.0 * np.log10(right[:, self.bins] + tiny)
        # Asymmetry of the band's power.
        p_left = left[:, self.band].sum(axis=1) * self.df
        p_right = right[:, self.band].sum(axis=1) * self.df
        total = p_left + p_right
        asymmetry = np.where(total > 0, (p_left - p_right) / np.where(total > 0, total, 1), 0)
        # Suppression ratio: 0.5 s windows in which no chain leaves ±threshold of its mean.
        windows = epochs[:, :, : self.n_windows * self.window_n].reshape(
            n_chains, n_epochs, self.n_windows, self.window_n
        )[..., : self.window_used]
        smooth = windows.reshape(*windows.shape[:3], -1, self.smooth_n).mean(axis=4)
        deviation = np.abs(smooth - smooth.mean(axis=3, keepdims=True)).max(axis=3)
        quiet = (deviation <= self.params.suppression_uv).all(axis=0)  # epochs x windows
        suppression = quiet.mean(axis=1)
        # aEEG: asymmetric filter (state carried across blocks), rectify, 0.5 s means x pi.
        filtered, self.zi = signal.sosfilt(
            self.sos, x[self.aeeg_rows].astype(np.float64), axis=1, zi=self.zi
        )
        rectified = np.abs(filtered[:, : n_epochs * self.epoch_n]).reshape(
            2, n_epochs, self.epoch_n
        )[:, :, : self.n_windows * self.window_n]
        envelope = rectified.reshape(2, n_epochs, self.n_windows, self.window_n).mean(axis=3)
        envelope *= math.pi
        margins = np.stack([envelope.min(axis=2), envelope.max(axis=2)], axis=2)
        return {
            "dsa_left_db": dsa_left.astype(np.float32),
            "dsa_right_db": dsa_right.astype(np.float32),
            "aeeg_left_uv": margins[0].astype(np.float32),
            "aeeg_right_uv": margins[1].astype(np.float32),
            "asymmetry": asymmetry.astype(np.float32),
            "suppression": suppression.astype(np.float32),
        }


def compute_trends(
    recording: Recording,
    params: TrendParams | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Trends:
    """Compute the trends of a whole recording, reading it block by block.

    Parameters
    ----------
    recording : Recording
    params : TrendParams, optional
    progress : callable, optional
        Called with (epochs done, epochs in all, message) after each block.
    cancel : CancelToken, optional
        Checked between blocks.

    Returns
    -------
    Trends

    Raises
    ------
    MissingChannelsError
        The recording lacks a homologous pair of chains.
    CancelledError
        ``cancel`` was set.
    """
    params = params or TrendParams()
    state = _Computation(recording, params)
    n_epochs = recording.n_samples // state.epoch_n
    per_block = max(1, int(params.block_s / params.epoch_s))
    parts: dict[str, list[np.ndarray]] = {}
    for first in range(0, n_epochs, per_block):
        if cancel is not None:
            cancel.check()
        last = min(first + per_block, n_epochs)
        data = recording.read_samples(first * state.epoch_n, last * state.epoch_n, state.electrodes)
        for name, values in state.block(data).items():
            parts.setdefault(name, []).append(values)
        if progress is not None:
            progress(last, n_epochs, f"Trends {last * params.epoch_s / 60:.0f} min")
    freqs = state.freqs_all[state.bins]
    empty = {
        "dsa_left_db": np.zeros((0, len(freqs)), np.float32),
        "dsa_right_db": np.zeros((0, len(freqs)), np.float32),
        "aeeg_left_uv": np.zeros((0, 2), np.float32),
        "aeeg_right_uv": np.zeros((0, 2), np.float32),
        "asymmetry": np.zeros(0, np.float32),
        "suppression": np.zeros(0, np.float32),
    }
    joined = {name: np.concatenate(parts[name]) if name in parts else empty[name] for name in empty}
    return Trends(
        params=params,
        duration_s=recording.duration,
        epoch_starts_s=np.arange(n_epochs) * (state.epoch_n / recording.sfreq),
        freqs_hz=freqs,
        left_chains=tuple(state.left),
        right_chains=tuple(state.right),
        aeeg_chains=state.aeeg,
        **joined,
    )


# ---- cache -------------------------------------------------------------------------------------


#: How much of the file's start goes into its cache key.
HEAD_BYTES = 65536


def trends_cache_dir() -> Path:
    """Return the folder of cached trends (``trends`` in the user data folder)."""
    return data_dir() / "trends"


def cache_key(path: str | os.PathLike[str], params: TrendParams) -> str:
    """Return the cache key of a file's trends: sha256 of its path, size, mtime, its first
    :data:`HEAD_BYTES` and the params.

    The head (the header with its start time, and the first samples) tells apart another
    recording written to the same path with the same size and a kept timestamp, as copy tools
    and unzip keep them. The key names the cache file; the path itself is not written anywhere.
    """
    path = Path(path).resolve()
    stat = path.stat()
    with path.open("rb") as file:
        head = hashlib.sha256(file.read(HEAD_BYTES)).hexdigest()
    key = {
        "version": CACHE_VERSION,
        "path": str(path),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "head": head,
        "params": params.key(),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _cache_file(path: str | os.PathLike[str], params: TrendParams, folder: Path | None) -> Path:
    return (folder or trends_cache_dir()) / f"{cache_key(path, params)}.npz"


def save_trends(trends: Trends, target: Path) -> Path:
    """Write ``trends`` to ``target`` (``.npz``, written whole or not at all)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "version": CACHE_VERSION,
        "params": asdict(trends.params),
        "duration_s": trends.duration_s,
        "left_chains": list(trends.left_chains),
        "right_chains": list(trends.right_chains),
        "aeeg_chains": list(trends.aeeg_chains),
    }
    arrays = {name: getattr(trends, name) for name in _ARRAYS}
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, meta=np.array(json.dumps(meta)), **arrays)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def load_trends(source: Path) -> Trends | None:
    """Read trends written by :func:`save_trends`; None if the file is absent or unusable."""
    try:
        with np.load(source, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            if meta.get("version") != CACHE_VERSION:
                return None
            arrays = {name: stored[name] for name in _ARRAYS}
        names = {f.name for f in fields(TrendParams)}
        values = {k: v for k, v in meta["params"].items() if k in names}
        values["asymmetry_band_hz"] = tuple(values["asymmetry_band_hz"])
        return Trends(
            params=TrendParams(**values),
            duration_s=float(meta["duration_s"]),
            left_chains=tuple(meta["left_chains"]),
            right_chains=tuple(meta["right_chains"]),
            aeeg_chains=tuple(meta["aeeg_chains"]),
            **arrays,
        )
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None


def _prune(folder: Path, keep: int) -> None:
    files = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


def recording_trends(
    recording: Recording,
    params: TrendParams | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    folder: Path | None = None,
) -> tuple[Trends, bool]:
    """Return a recording's trends from the cache, else computed (and then cached).

    Parameters
    ----------
    recording, params, progress, cancel
        As in :func:`compute_trends`.
    folder : Path, optional
        The cache folder; :func:`trends_cache_dir` when omitted.

    Returns
    -------
    trends : Trends
    cached : bool
        Whether they came from the cache.
    """
    params = params or TrendParams()
    target = _cache_file(recording.path, params, folder)
    found = load_trends(target) if target.exists() else None
    if found is not None:
        return found, True
    trends = compute_trends(recording, params, progress, cancel)
    try:
        save_trends(trends, target)
        _prune(target.parent, CACHE_FILES_KEPT)
    except OSError:
        pass  # a read-only or full data folder costs the cache, not the trends
    return trends, False


# ---- display ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TrendColumns:
    """Trends reduced to at most so many columns for drawing (each column a run of epochs).

    DSA columns hold the mean dB of their epochs; aEEG columns the lowest lower margin and the
    highest upper margin; asymmetry and suppression the mean.
    """

    starts_s: np.ndarray
    stops_s: np.ndarray
    dsa_left_db: np.ndarray
    dsa_right_db: np.ndarray
    aeeg_left_uv: np.ndarray
    aeeg_right_uv: np.ndarray
    asymmetry: np.ndarray
    suppression: np.ndarray


def columns(trends: Trends, max_columns: int) -> TrendColumns:
    """Reduce ``trends`` to at most ``max_columns`` columns of whole epochs."""
    n = trends.n_epochs
    group = max(1, math.ceil(n / max(1, max_columns)))
    edges = np.arange(0, n, group)
    counts = np.diff(np.append(edges, n)).astype(np.float32)
    epoch_s = trends.params.epoch_s
    if n == 0:
        nothing = np.zeros(0, np.float32)
        return TrendColumns(
            nothing,
            nothing,
            trends.dsa_left_db,
            trends.dsa_right_db,
            trends.aeeg_left_uv,
            trends.aeeg_right_uv,
            nothing,
            nothing,
        )

    def mean(values: np.ndarray) -> np.ndarray:
        sums = np.add.reduceat(values.astype(np.float64), edges, axis=0)
        return (sums / counts.reshape(-1, *([1] * (values.ndim - 1)))).astype(np.float32)

    def margins(values: np.ndarray) -> np.ndarray:
        return np.stack(
            [
                np.minimum.reduceat(values[:, 0], edges),
                np.maximum.reduceat(values[:, 1], edges),
            ],
            axis=1,
        )

    starts = trends.epoch_starts_s[edges]
    stops = np.append(trends.epoch_starts_s[edges[1:]], trends.epoch_starts_s[-1] + epoch_s)
    return TrendColumns(
        starts_s=starts,
        stops_s=stops,
        dsa_left_db=mean(trends.dsa_left_db),
        dsa_right_db=mean(trends.dsa_right_db),
        aeeg_left_uv=margins(trends.aeeg_left_uv),
        aeeg_right_uv=margins(trends.aeeg_right_uv),
        asymmetry=mean(trends.asymmetry),
        suppression=mean(trends.suppression),
    )
