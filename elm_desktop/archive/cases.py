"""What the archive holds about one case, and what its searches return.

A *case* is one recording added to the archive: its embeddings (from the model that encoded it),
its report split into segments with their embeddings, and de-identified metadata. Patient name
and birth date are kept only when the user asks (:class:`PatientIdentity`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from elm_desktop.runtime.report_segments import ReportSegment


@dataclass(frozen=True)
class CaseMetadata:
    """De-identified facts about a recording.

    Attributes
    ----------
    age : int | None
        Age in whole years at the recording, capped at 90 (ages above 89 identify people).
    sex : str | None
        ``"F"``, ``"M"`` or None when unknown.
    recording_date : datetime.date | None
        The date of the recording as given to the archive; the archive stores it only when
        its date policy is ``"keep"`` (the user asked), else it returns None.
    duration_s : float
        Length of the recording in seconds.
    sfreq : float
        Native sampling rate in Hz.
    recording_hour : int | None
        Hour of the day the recording started (0-23): whether it ran by day or overnight,
        without its date.
    """

    age: int | None = None
    sex: str | None = None
    recording_date: dt.date | None = None
    duration_s: float = 0.0
    sfreq: float = 0.0
    recording_hour: int | None = None


@dataclass(frozen=True)
class PatientIdentity:
    """Identifying header fields, stored only when the user explicitly asks."""

    name: str | None = None
    birth_date: dt.date | None = None
    recording_date: dt.date | None = None


@dataclass
class NewCase:
    """Everything the archive writes for one recording, in one transaction.

    Attributes
    ----------
    content_hash : str
        SHA-256 of the recording file; adding a file whose hash is already stored is a no-op.
    model : str
        Name and version of the model bundle that made the embeddings; an archive holds
        embeddings of one model only.
    window_s : float
        Crop length in seconds.
    embedding : ndarray, shape (d,)
        The recording embedding (attention-weighted, L2-normalised).
    crop_embeddings : ndarray, shape (n, d)
        L2-normalised crop embeddings (stored as float16).
    crop_starts_s : ndarray, shape (n,)
        Start time of each crop in seconds.
    crop_weights : ndarray, shape (n,)
        Attention weight of each crop (they sum to 1).
    metadata : CaseMetadata
        De-identified metadata.
    source : str | None
        Where the file was when added (so the reviewer can reopen it); None, the default, unless
        the user asked to keep source paths.
    report : str | None
        Full report text.
    segments : list of ReportSegment
        The report's segments in order (:func:`~elm_desktop.runtime.report_segments.segment_report`).
    segment_embeddings : ndarray, shape (m, d) | None
        One embedding per segment; None when the model has no text tower.
    identity : PatientIdentity | None
        Stored only when not None (the user asked to keep identity).
    """

    content_hash: str
    model: str
    window_s: float
    embedding: np.ndarray
    crop_embeddings: np.ndarray
    crop_starts_s: np.ndarray
    crop_weights: np.ndarray
    metadata: CaseMetadata = field(default_factory=CaseMetadata)
    source: str | None = None
    report: str | None = None
    segments: list[ReportSegment] = field(default_factory=list)
    segment_embeddings: np.ndarray | None = None
    identity: PatientIdentity | None = None


@dataclass(frozen=True)
class CaseSummary:
    """A stored case as searches return it (no embeddings)."""

    case_id: int
    source: str | None
    metadata: CaseMetadata
    report: str | None
    window_s: float
    n_crops: int


@dataclass(frozen=True)
class CropMatch:
    """The best-matching crop of an archived case for a query.

    Attributes
    ----------
    case_crop : int
        Index of the case's crop.
    case_start_s : float
        Start of that crop in the archived recording, in seconds.
    query_crop : int | None
        Index of the query crop it matched best, when the query had crops.
    score : float
        Cosine similarity of the pair.
    """

    case_crop: int
    case_start_s: float
    query_crop: int | None
    score: float


@dataclass(frozen=True)
class RecordingHit:
    """One archived recording found by a search, with where it matches best."""

    case: CaseSummary
    score: float
    best_crop: CropMatch


@dataclass(frozen=True)
class SegmentHit:
    """One archived report segment found by a search, with its provenance.

    Attributes
    ----------
    case_id : int
        The archived case whose report holds the segment.
    section : str
        The report section heading (``""`` for a report without headings).
    index : int
        Position of the segment within its report, from 0.
    text : str
        The segment's text.
    score : float
        Cosine similarity with the query.
    """

    case_id: int
    section: str
    index: int
    text: str
    score: float
