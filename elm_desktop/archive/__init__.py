"""Layer 3: the archive of prior cases and its searches.

:func:`open_archive` opens the embedded SQLite archive (a file path) or a shared PostgreSQL +
pgvector archive (a ``postgresql://`` URL); both offer the same :class:`Archive` interface:
EEG to EEG (:meth:`Archive.search_similar`), text to EEG (:meth:`Archive.search_text`) and
EEG to report segments (:meth:`Archive.search_segments`); reviewers' signed reports are kept
with their cases (:meth:`Archive.store_signed_report`).
"""

from elm_desktop.archive.cases import (
    CaseMetadata,
    CaseSummary,
    CropMatch,
    NewCase,
    PatientIdentity,
    RecordingHit,
    SegmentHit,
)
from elm_desktop.archive.signed_reports import ArchivedReport
from elm_desktop.archive.store import SCHEMA_VERSION, Archive, content_hash, open_archive

__all__ = [
    "SCHEMA_VERSION",
    "Archive",
    "ArchivedReport",
    "CaseMetadata",
    "CaseSummary",
    "CropMatch",
    "NewCase",
    "PatientIdentity",
    "RecordingHit",
    "SegmentHit",
    "content_hash",
    "open_archive",
]
