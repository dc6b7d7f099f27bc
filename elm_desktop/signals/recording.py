"""Lazy access to a recording: the header at once, any time range on demand.

:func:`open_recording` checks the header (:mod:`elm_desktop.signals.edf_header`), then lets MNE
map the file without loading it (``preload=False``). A 24-hour file opens as fast as a short one;
:meth:`Recording.read` reads only the samples asked for.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import mne
import numpy as np
from mne.io.edf.edf import RawBDF, RawEDF

from elm_desktop.errors import BadHeaderError, MissingChannelsError
from elm_desktop.signals.channels import ChannelInfo, classify_channel
from elm_desktop.signals.edf_header import (
    EdfHeader,
    PatientFields,
    read_annotation_records,
    read_header,
)


@dataclass(frozen=True)
class Annotation:
    """One annotation of the file: onset and duration in seconds from the first sample."""

    onset: float
    duration: float
    description: str


def _annotations_on_record_time(header: EdfHeader) -> tuple[Annotation, ...]:
    """Annotations of an EDF+/BDF+ file on the time axis of its records read back to back.

    TAL onsets are real time from the header's start time. The data records of an EDF+D file
    are read back to back (MNE does the same), so each onset moves into the record it falls
    in (an onset inside a gap moves to the next record), and every gap gets its own
    annotation so a reviewer sees where time was skipped. In EDF+C this only removes the
    offset of the first record.
    """
    if not any(s.is_annotation for s in header.signals):
        return ()
    onsets, found = read_annotation_records(header)
    duration = header.record_duration
    real_starts = np.asarray(onsets)
    annotations = []
    for k in range(1, len(onsets)):
        gap = onsets[k] - onsets[k - 1] - duration
        if gap > 1e-6:
            annotations.append(
                Annotation(k * duration, 0.0, f"discontinuity: {gap:g} s not recorded")
            )
    for onset, length, text in found:
        k = max(int(np.searchsorted(real_starts, onset, side="right")) - 1, 0)
        within = min(max(onset - real_starts[k], 0.0), duration) if len(onsets) else onset
        if within >= duration and k + 1 < len(onsets):
            k, within = k + 1, 0.0
        annotations.append(Annotation(float(k * duration + within), length, text))
    return tuple(sorted(annotations, key=lambda a: a.onset))


class Recording:
    """An EEG recording opened lazily; build it with :func:`open_recording`.

    Attributes
    ----------
    path : Path
    file_format : str
        ``"EDF"``, ``"EDF+C"``, ``"EDF+D"``, ``"BDF"``, ``"BDF+C"`` or ``"BDF+D"``.
    sfreq : float
        Sampling rate of the data as read (the highest rate of the file's signals).
    n_samples : int
    channels : tuple of ChannelInfo
        Every signal of the file (annotation signals excluded), in file order.
    electrodes : tuple of str
        Canonical names of the EEG electrodes, in file order; a duplicated electrode counts once.
    channel_sfreqs : dict of str to float
        The native sampling rate of each channel label.
    annotations : tuple of Annotation
        Read on first access, so opening stays header-only.
    patient : PatientFields
        Patient-identifying header fields and the start date (PHI); keep them out of archives
        and exports unless the user asks.
    warnings : tuple of str
        What was worked around when the file was opened (e.g. data past the declared records,
        which is not read); show them beside the recording.
    """

    def __init__(self, header: EdfHeader, raw: mne.io.BaseRaw) -> None:
        self.path = header.path
        self.file_format = header.file_format
        self.patient: PatientFields = header.patient
        self.warnings: tuple[str, ...] = header.warnings
        self._raw = raw
        self.sfreq = float(raw.info["sfreq"])
        self.n_samples = int(raw.n_times)
        signals = [s for s in header.signals if not s.is_annotation]
        self.channels: tuple[ChannelInfo, ...] = tuple(classify_channel(s.label) for s in signals)
        self.channel_sfreqs = {
            s.label: s.samples_per_record / header.record_duration for s in signals
        }
        self._electrode_index: dict[str, int] = {}
        for index, channel in enumerate(self.channels):
            if channel.is_eeg:
                self._electrode_index.setdefault(channel.name, index)
        self.electrodes: tuple[str, ...] = tuple(self._electrode_index)
        self._header = header

    @cached_property
    def annotations(self) -> tuple[Annotation, ...]:
        """The file's annotations (read from the file on first use)."""
        return _annotations_on_record_time(self._header)

    @property
    def duration(self) -> float:
        """Length of the recording in seconds."""
        return self.n_samples / self.sfreq

    @property
    def discontinuous(self) -> bool:
        """Whether the file is EDF+D/BDF+D.

        Its data records are read back to back; times are seconds of recorded signal and each
        gap is marked by a ``"discontinuity: ..."`` annotation.
        """
        return self.file_format.endswith("+D")

    def _picks(self, electrodes: Sequence[str] | None) -> list[int]:
        names = self.electrodes if electrodes is None else electrodes
        absent = [e for e in names if e not in self._electrode_index]
        if absent:
            raise MissingChannelsError(
                f"{self.path.name} has no electrode {', '.join(absent)}; "
                f"it holds {', '.join(self.electrodes) or 'no EEG electrodes'}"
            )
        return [self._electrode_index[e] for e in names]

    def read_samples(
        self, start: int, stop: int, electrodes: Sequence[str] | None = None
    ) -> np.ndarray:
        """Read samples ``start:stop`` of some electrodes, in volts.

        Parameters
        ----------
        start, stop : int
            Sample indices, ``0 <= start <= stop <= n_samples``.
        electrodes : sequence of str, optional
            Canonical electrode names; all of :attr:`electrodes` when omitted.

        Returns
        -------
        ndarray, shape (n_electrodes, stop - start), float64
        """
        if not 0 <= start <= stop <= self.n_samples:
            raise ValueError(f"samples {start}:{stop} outside 0:{self.n_samples}")
        picks = self._picks(electrodes)
        if start == stop:  # MNE refuses an empty range; a short page of a slow file asks for one
            return np.zeros((len(picks), 0))
        with warnings.catch_warnings():
            # Mixed-rate files: MNE warns on partial reads of upsampled channels.
            warnings.simplefilter("ignore", RuntimeWarning)
            return self._raw.get_data(picks=picks, start=start, stop=stop, verbose="error")

    def read_channel_samples(self, start: int, stop: int, indices: Sequence[int]) -> np.ndarray:
        """Read samples ``start:stop`` of any channels by their index in :attr:`channels`.

        For non-EEG signals (EKG, EOG, photic, ...), which :meth:`read_samples` does not name.

        Returns
        -------
        ndarray, shape (len(indices), stop - start), float64
            Volts (or the channel's physical unit scaled as MNE reads it).
        """
        if not 0 <= start <= stop <= self.n_samples:
            raise ValueError(f"samples {start}:{stop} outside 0:{self.n_samples}")
        picks = [int(i) for i in indices]
        if start == stop or not picks:
            return np.zeros((len(picks), stop - start))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return self._raw.get_data(picks=picks, start=start, stop=stop, verbose="error")

    def read(
        self, start_s: float, stop_s: float, electrodes: Sequence[str] | None = None
    ) -> np.ndarray:
        """Read the time range ``[start_s, stop_s)`` of some electrodes, in volts.

        Parameters
        ----------
        start_s, stop_s : float
            Seconds from the first sample; rounded to the nearest sample.
        electrodes : sequence of str, optional
            Canonical electrode names; all of :attr:`electrodes` when omitted.

        Returns
        -------
        ndarray, shape (n_electrodes, n_samples_in_range), float64
        """
        start = int(round(start_s * self.sfreq))
        stop = int(round(stop_s * self.sfreq))
        return self.read_samples(start, stop, electrodes)

    def __repr__(self) -> str:
        return (
            f"<Recording {self.path.name} {self.file_format} {self.duration:.1f} s "
            f"{self.sfreq:g} Hz {len(self.electrodes)} EEG electrodes>"
        )


def _skip_annotation_scan(reader: type) -> type:
    """MNE's reader for EDF/BDF without the scan of the annotation signal at open.

    ``RawEDF.__init__`` reads the annotation signal of every data record, i.e. the whole file,
    before it returns; for a 24-hour EDF+ that is ~1 GB read just to open it. The scan is the
    one read that asks for no channels, so it gets an empty annotation signal here;
    :attr:`Recording.annotations` parses the annotations itself when first asked.
    """

    def _read_segment_file(self, data, idx, fi, start, stop, cals, mult):
        if data.shape[0] == 0 and len(idx) == 0:
            return np.zeros((1, 0))
        return reader._read_segment_file(self, data, idx, fi, start, stop, cals, mult)

    return type(
        f"HeaderOnly{reader.__name__}", (reader,), {"_read_segment_file": _read_segment_file}
    )


_HeaderOnlyEdf = _skip_annotation_scan(RawEDF)
_HeaderOnlyBdf = _skip_annotation_scan(RawBDF)


def open_recording(path: str | Path) -> Recording:
    """Open an EDF, EDF+ or BDF recording lazily (header only).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Recording

    Raises
    ------
    RecordingError
        A subclass that says what is wrong with the file and what to do.
    """
    header = read_header(path)
    reader = _HeaderOnlyBdf if header.file_format.startswith("BDF") else _HeaderOnlyEdf
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = reader(header.path, preload=False, verbose="error")
    except (ValueError, RuntimeError, KeyError, IndexError) as error:
        raise BadHeaderError(
            f"{header.path.name}: MNE cannot read this file ({' '.join(str(error).split())}); "
            "repair the header or "
            "re-export the file"
        ) from None
    # MNE counts the records from the file size; bytes past the declared records are not data.
    declared = round(header.n_records * header.record_duration * raw.info["sfreq"])
    if raw.n_times > declared:
        raw.crop(tmax=(declared - 1) / raw.info["sfreq"], verbose="error")
    return Recording(header, raw)
