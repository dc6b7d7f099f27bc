"""The archive interface both stores implement, and :func:`open_archive` that picks one.

An archive holds embeddings of one model only (fixed by its first case), because embeddings of
different models cannot be compared.

Dates are reduced to what review needs, so that nothing in an archive can give a recording's
date back: the patient's age at the recording (whole years, capped at 90) and the hour of day it
started; no calendar date, no date shift, no date of adding. Schema 1 stored dates shifted by a
per-archive number of weeks *beside that number*, which undid the shift for anyone holding the
file; an archive of schema 1 is migrated when opened (shifted dates, the shift, source paths and
dates of adding erased, the file rewritten so their bytes are gone too). A per-archive secret kept
elsewhere would only move the problem: whoever can read the workstation's user folder, or every
workstation sharing a PostgreSQL archive, would hold the key. The ``"keep"`` policy stores true
dates, only when the user asks for it when creating the archive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Collection
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.archive.cases import (
    CaseMetadata,
    CaseSummary,
    CropMatch,
    NewCase,
    RecordingHit,
    SegmentHit,
)
from elm_desktop.archive.report_scrub import scrub_report
from elm_desktop.archive.signed_reports import (
    CREATE_TABLE as CREATE_SIGNED_REPORTS,
)
from elm_desktop.archive.signed_reports import (
    DELETE_OF_CASE,
    SELECT,
    UPSERT,
    ArchivedReport,
)
from elm_desktop.archive.vectors import best_crop_pair, decode_crops, normalized, query_vector
from elm_desktop.errors import ArchiveError

SCHEMA_VERSION = 2
DATE_POLICIES = ("reduce", "keep")
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
#: Two archived files hold the same signal (one recording archived twice: as WFDB and as EDF,
#: or exported again), so that neither is a prior case of the other, when their recording
#: embeddings are at least this close and so is every pair of their crops (stored as float16).
#: Measured (docs/user-guide.md, similar cases): copies 0.9999998 and above, recording and
#: crops; distinct recordings crowd together in some models: among 500 synthetic EEGs the
#: closest two were 0.99979 with the demo model (their crops down to 0.979), two ECGs of a
#: barely trained test model 0.9999983.
SAME_RECORDING_COSINE = 0.999999
SAME_CROP_COSINE = 0.99999
#: How many nearest cases :meth:`Archive.same_recording` looks at for copies.
COPIES_LOOKED_AT = 10


class Archive(ABC):
    """A store of prior cases with exact (SQLite) or approximate (pgvector HNSW) search.

    Use :func:`open_archive` to get one; use it as a context manager or call :meth:`close`.
    An archive object belongs to the thread that opened it: open one per thread (several
    processes and threads may use the same archive at once).
    """

    location: str
    _db: Any  # the store's connection (sqlite3 or psycopg): both offer execute(sql, params)
    _placeholder = "?"  # how the driver marks a query parameter

    def __init__(self) -> None:
        self._meta: dict[str, str] = {}

    # -- what subclasses provide ------------------------------------------------------------

    @abstractmethod
    def _insert(
        self, case: NewCase, stored_date: dt.date | None, binding: dict[str, str]
    ) -> int | None:
        """Write one case in one transaction; return its id, or None if its hash is stored.

        In the same transaction, store ``binding`` (model and embedding size) if the archive
        has none yet, and call :meth:`_check_binding` with what is stored.
        """

    @abstractmethod
    def _nearest_recordings(
        self, query: np.ndarray, k: int, exclude: Collection[int]
    ) -> list[tuple[int, float]]:
        """Return (case id, cosine) of the recordings nearest to a unit query, best first,
        leaving out the cases in ``exclude``."""

    @abstractmethod
    def _nearest_segments(
        self, query: np.ndarray, k: int, exclude: Collection[int]
    ) -> list[SegmentHit]:
        """Return the report segments nearest to a unit query, best first, leaving out those
        of the cases in ``exclude``."""

    @abstractmethod
    def remove_case(self, case_id: int) -> None:
        """Delete a case and everything stored with it."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    @abstractmethod
    def _rewrite(self, tables: tuple[str, ...]) -> bool:
        """Rewrite the storage of ``tables`` so that no old version of a changed row is left;
        False when another connection kept part of it from being rewritten."""

    # -- shared behaviour -------------------------------------------------------------------

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _fetch(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run a query written with ``?`` parameters on either driver."""
        return self._db.execute(sql.replace("?", self._placeholder), params).fetchall()

    def contains(self, content_hash: str) -> bool:
        """Whether a file with this SHA-256 is already archived."""
        return bool(self._fetch("SELECT 1 FROM cases WHERE content_hash = ?", (content_hash,)))

    def case(self, case_id: int) -> CaseSummary:
        """Return one stored case; :class:`ArchiveError` if there is none with this id."""
        rows = self._fetch(CASE_QUERY, (case_id,))
        if not rows:
            raise ArchiveError(f"{self.location} holds no case {case_id}")
        return case_summary(rows[0])

    def crops(self, case_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return a case's crop embeddings (n, d), crop starts (n,) in s and weights (n,)."""
        rows = self._fetch(
            "SELECT embeddings, starts, weights FROM crops WHERE case_id = ?", (case_id,)
        )
        if not rows:
            raise ArchiveError(f"{self.location} holds no case {case_id}")
        return decode_crops(rows[0])

    def segments(self, case_id: int) -> list[SegmentHit]:
        """Return a case's report segments in order (score 0)."""
        rows = self._fetch(
            "SELECT case_id, section, idx, text FROM segments WHERE case_id = ? ORDER BY id",
            (case_id,),
        )
        return [SegmentHit(*row, score=0.0) for row in rows]

    def scrub_reports(self) -> tuple[int, bool]:
        """Remove names, dates and record numbers from the stored reports and their segments.

        For archives filled before reports were scrubbed on the way in
        (:func:`~elm_desktop.archive.report_scrub.scrub_report`, without the header's words,
        which the archive does not keep). A case stored with its identity (``keep_identity``)
        keeps its report as written, as it was asked to. The segments' text embeddings are
        kept: they were computed from the text as it was. Reviewers' signed reports are
        documents signed as written and are left alone. The tables are then rewritten so the
        old text leaves no bytes in the archive's own files (not in a PostgreSQL server's
        write-ahead log, backups or replicas, which its administrator keeps).

        Returns
        -------
        changed : int
            How many reports changed.
        rewritten : bool
            False when another program holding the archive open kept old pages from being
            rewritten (SQLite's write-ahead log): run it again once that program is closed.
        """
        kept = "SELECT case_id FROM identity"
        changed = 0
        for table, key in (("reports", "case_id"), ("segments", "id")):
            rows = self._fetch(f"SELECT {key}, text FROM {table} WHERE case_id NOT IN ({kept})")
            for row_id, text in rows:
                scrubbed = scrub_report(text)
                if scrubbed != text:
                    self._run(f"UPDATE {table} SET text = ? WHERE {key} = ?", (scrubbed, row_id))
                    changed += table == "reports"
        return changed, self._rewrite(("reports", "segments"))

    # -- reviewers' signed reports ------------------------------------------------------------

    def _run(self, sql: str, params: tuple = ()) -> None:
        """Run a statement written with ``?`` parameters on either driver (autocommit)."""
        self._db.execute(sql.replace("?", self._placeholder), params)

    def store_signed_report(self, report: ArchivedReport) -> None:
        """Keep a reviewer's signed report with its recording's case (replacing an earlier one).

        The case need not be archived yet: the content hash joins them once it is.
        """
        if not report.text.strip() or not report.reviewer.strip():
            raise ArchiveError("a signed report needs its text and the reviewer's name")
        self._run(CREATE_SIGNED_REPORTS)
        self._run(
            UPSERT,
            (
                report.content_hash,
                report.reviewer,
                report.signed_at,
                int(report.amendments),
                report.text,
                report.document,
            ),
        )

    def signed_report(self, content_hash: str) -> ArchivedReport | None:
        """Return the signed report kept for a recording, or None."""
        self._run(CREATE_SIGNED_REPORTS)
        rows = self._fetch(SELECT + " WHERE r.content_hash = ?", (content_hash,))
        return ArchivedReport.from_row(rows[0]) if rows else None

    def signed_reports(self) -> list[ArchivedReport]:
        """Return every signed report the archive keeps (for adapting the model), by hash."""
        self._run(CREATE_SIGNED_REPORTS)
        return [ArchivedReport.from_row(r) for r in self._fetch(SELECT + " ORDER BY 1")]

    def count_signed_reports(self) -> int:
        """Return how many signed reports the archive keeps."""
        self._run(CREATE_SIGNED_REPORTS)
        return int(self._fetch("SELECT count(*) FROM signed_reports")[0][0])

    def _remove_signed_report_of(self, case_id: int) -> None:
        """Delete the signed report of a case that is being removed (call before the case)."""
        self._run(CREATE_SIGNED_REPORTS)
        self._run(DELETE_OF_CASE, (case_id,))

    def counts(self) -> dict[str, int]:
        """Return the numbers of cases, cases with reports, report segments and crops."""
        (row,) = self._fetch(
            "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM reports),"
            " (SELECT count(*) FROM segments), (SELECT coalesce(sum(n_crops), 0) FROM cases)"
        )
        return dict(zip(("cases", "reports", "segments", "crops"), map(int, row), strict=True))

    def _load_meta(self) -> None:
        """Read the archive's settings (both stores' connections offer ``execute``)."""
        self._meta = dict(self._fetch("SELECT key, value FROM meta"))

    def _bound_dim(self) -> int | None:
        """The embedding size, re-read while unknown (another process may have bound it)."""
        if self.dim is None:
            self._load_meta()
        return self.dim

    @property
    def model(self) -> str | None:
        """The model whose embeddings the archive holds (None while it is empty)."""
        return self._meta.get("model")

    @property
    def dim(self) -> int | None:
        """The embedding size (None while the archive is empty)."""
        value = self._meta.get("embedding_dim")
        return int(value) if value else None

    @property
    def date_policy(self) -> str:
        """How recording dates are stored: ``"reduce"`` (none) or ``"keep"`` (true dates)."""
        return self._meta["date_policy"]

    def _init_meta(self, date_policy: str | None) -> dict[str, str]:
        """Return the settings of a new archive."""
        policy = date_policy or "reduce"
        if policy not in DATE_POLICIES:
            raise ArchiveError(f"unknown date policy {policy!r}: use one of {DATE_POLICIES}")
        return {"date_policy": policy}

    def _migrate_v1(self) -> None:
        """Bring a schema-1 archive to schema 2, inside the caller's transaction.

        The caller then rewrites the storage (:meth:`_rewrite`) so the erased values leave no
        bytes behind.
        """
        for statement in MIGRATE_V1:
            self._db.execute(statement)

    @staticmethod
    def _refuse_unknown_version(location: str, version: int | None) -> None:
        if version is None:
            raise ArchiveError(f"{location} is not an elm-desktop archive (no schema version)")
        if version > SCHEMA_VERSION:
            raise ArchiveError(
                f"{location} was written by a newer elm-desktop (archive schema {version}; "
                f"this version reads up to {SCHEMA_VERSION}): upgrade elm-desktop to open it"
            )

    def _check_date_policy(self, date_policy: str | None) -> None:
        if date_policy is not None and date_policy != self.date_policy:
            raise ArchiveError(
                f"{self.location} stores dates with policy {self.date_policy!r}; "
                f"it cannot change to {date_policy!r}: create a new archive"
            )

    def _stored_date(self, date: dt.date | None) -> dt.date | None:
        return date if self.date_policy == "keep" else None

    def add_case(self, case: NewCase) -> int | None:
        """Store one case atomically.

        Parameters
        ----------
        case : NewCase
            The case's embeddings, report segments and metadata.

        Returns
        -------
        int | None
            The new case id, or None when a file with the same content hash is already stored.
        """
        self._check_case(case)
        binding = {"model": case.model, "embedding_dim": str(case.embedding.shape[0])}
        case_id = self._insert(case, self._stored_date(case.metadata.recording_date), binding)
        self._meta.update(binding)
        return case_id

    def _check_binding(self, stored: dict[str, str], binding: dict[str, str]) -> None:
        """Refuse a case whose model differs from the one the archive holds."""
        if stored != binding:
            raise ArchiveError(
                f"{self.location} holds embeddings of model {stored['model']!r} "
                f"({stored['embedding_dim']} values); this case comes from {binding['model']!r} "
                f"({binding['embedding_dim']}): use that model or another archive"
            )

    def _check_case(self, case: NewCase) -> None:
        dim = case.embedding.shape[0]
        n_crops = len(case.crop_embeddings)
        if case.embedding.ndim != 1 or case.crop_embeddings.shape[1:] != (dim,):
            raise ArchiveError("a case's recording and crop embeddings must have the same size")
        if n_crops == 0 or len(case.crop_starts_s) != n_crops or len(case.crop_weights) != n_crops:
            raise ArchiveError("a case needs at least one crop, each with a start and a weight")
        if case.segment_embeddings is not None and case.segment_embeddings.shape != (
            len(case.segments),
            dim,
        ):
            raise ArchiveError("a case needs one embedding of the archive's size per segment")

    def same_recording(
        self,
        embedding: np.ndarray,
        crop_embeddings: np.ndarray,
        content_hash: str | None = None,
    ) -> list[int]:
        """Ids of the archived cases that hold this recording, none of them a prior case of it.

        The case archived from this very file (``content_hash``, its SHA-256) and copies of its
        signal in other files: cases whose recording embedding is within
        :data:`SAME_RECORDING_COSINE` of ``embedding`` and whose crops, as many as
        ``crop_embeddings`` (q, d), are each within :data:`SAME_CROP_COSINE` of the query's
        crop at the same place.
        """
        same = []
        if content_hash is not None:
            same += [
                int(row[0])
                for row in self._fetch(
                    "SELECT id FROM cases WHERE content_hash = ?", (content_hash,)
                )
            ]
        if not self.dim:
            return same
        query = query_vector(embedding, self._bound_dim())
        crops = normalized(np.asarray(crop_embeddings, np.float32))
        for case_id, score in self._nearest_recordings(query, COPIES_LOOKED_AT, same):
            if score < SAME_RECORDING_COSINE:
                break
            theirs = normalized(self.crops(case_id)[0])
            if theirs.shape == crops.shape and (theirs * crops).sum(1).min() >= SAME_CROP_COSINE:
                same.append(case_id)
        return same

    def search_similar(
        self,
        embedding: np.ndarray,
        k: int = 10,
        crop_embeddings: np.ndarray | None = None,
        exclude: Collection[int] = (),
    ) -> list[RecordingHit]:
        """Find the archived recordings most similar to a recording (EEG to EEG).

        Parameters
        ----------
        embedding : ndarray, shape (d,)
            The query recording's embedding.
        k : int
            How many recordings to return.
        crop_embeddings : ndarray, shape (q, d) | None
            The query's crop embeddings; with them each hit names the best pair of crops.
        exclude : collection of int
            Case ids to leave out: the query itself where it is archived, and its copies
            (:meth:`same_recording`).

        Returns
        -------
        list of RecordingHit
            Best first, each with the case crop (and query crop) that match best.
        """
        query = query_vector(embedding, self._bound_dim())
        nearest = self._nearest_recordings(query, k, exclude) if self.dim else []
        return [self._hit(case_id, score, query, crop_embeddings) for case_id, score in nearest]

    def search_text(self, text_embedding: np.ndarray, k: int = 10) -> list[RecordingHit]:
        """Find the archived recordings that match a phrase's embedding (text to EEG).

        Recordings are ranked by their recording embedding; each hit names the crop that
        matches the phrase best.
        """
        query = query_vector(text_embedding, self._bound_dim())
        nearest = self._nearest_recordings(query, k, ()) if self.dim else []
        return [self._hit(case_id, score, query, None) for case_id, score in nearest]

    def search_segments(
        self, embedding: np.ndarray, k: int = 10, exclude: Collection[int] = ()
    ) -> list[SegmentHit]:
        """Find the archived report segments nearest to an EEG embedding (EEG to text).

        Each hit carries its provenance: case id, report section and position in the section.
        ``exclude`` leaves out the segments of these cases (the query's own report where it is
        archived: :meth:`same_recording`).
        """
        query = query_vector(embedding, self._bound_dim())
        return self._nearest_segments(query, k, exclude) if self.dim else []

    def _hit(
        self, case_id: int, score: float, query: np.ndarray, query_crops: np.ndarray | None
    ) -> RecordingHit:
        crops, starts, _ = self.crops(case_id)
        case_crop, query_crop, pair_score = best_crop_pair(
            crops, query, None if query_crops is None else normalized(query_crops)
        )
        match = CropMatch(case_crop, float(starts[case_crop]), query_crop, pair_score)
        return RecordingHit(self.case(case_id), float(score), match)

    def stats(self) -> dict[str, object]:
        """Return what the archive holds: counts (signed reports too), model, embedding size,
        settings."""
        return {
            "location": self.location,
            "schema_version": SCHEMA_VERSION,
            "model": self.model,
            "embedding_dim": self.dim,
            "date_policy": self.date_policy,
            **self.counts(),
            "signed_reports": self.count_signed_reports(),
        }


#: Schema 1 -> 2, in both stores' SQL: shifted dates, the shift, source paths (kept then without
#: being asked for) and dates of adding are erased; true dates stay only where the user chose
#: "keep". The caller holds the schema lock and rewrites the storage afterwards.
MIGRATE_V1 = (
    "UPDATE cases SET source = NULL, recording_date = CASE WHEN"
    " (SELECT value FROM meta WHERE key = 'date_policy') = 'keep' THEN recording_date END",
    "ALTER TABLE cases DROP COLUMN added",
    "ALTER TABLE cases ADD COLUMN recording_hour INTEGER",
    "DELETE FROM meta WHERE key IN ('date_shift_days', 'created')",
    "UPDATE meta SET value = 'reduce' WHERE key = 'date_policy' AND value <> 'keep'",
    f"UPDATE schema_version SET version = {SCHEMA_VERSION}",
)

#: The query of :meth:`Archive.case`.
CASE_QUERY = (
    "SELECT c.id, c.source, c.age, c.sex, c.recording_date, c.duration_s, c.sfreq,"
    " c.recording_hour, c.window_s, c.n_crops, r.text"
    " FROM cases c LEFT JOIN reports r ON r.case_id = c.id WHERE c.id = ?"
)


def case_summary(row: tuple) -> CaseSummary:
    """Build a :class:`CaseSummary` from a row of :data:`CASE_QUERY`."""
    case_id, source, age, sex, date, duration_s, sfreq, hour, window_s, n_crops, report = row
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    metadata = CaseMetadata(age, sex, date, float(duration_s), float(sfreq), hour)
    return CaseSummary(int(case_id), source, metadata, report, float(window_s), int(n_crops))


def content_hash(path: str | PathLike[str]) -> str:
    """Return the SHA-256 of a file's bytes, the key that makes adding a file twice a no-op."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_archive(
    location: str | PathLike[str] | None = None, *, date_policy: str | None = None
) -> Archive:
    """Open (or create) a case archive.

    Parameters
    ----------
    location : str | path-like | None
        A SQLite file path, or a ``postgresql://`` URL for a shared PostgreSQL + pgvector
        archive. None opens the default archive in the user data directory.
    date_policy : {"reduce", "keep"} | None
        How a new archive stores recording dates: ``"reduce"`` (the default) keeps age at the
        recording and hour of day, no date; ``"keep"`` the true dates. An existing archive
        keeps its policy; asking for another raises :class:`ArchiveError`.

    Returns
    -------
    Archive
    """
    if isinstance(location, str) and location.startswith(POSTGRES_SCHEMES):
        from elm_desktop.archive.postgres_store import PostgresArchive

        return PostgresArchive(location, date_policy=date_policy)
    from elm_desktop.archive.sqlite_store import SQLiteArchive
    from elm_desktop.paths import default_archive

    return SQLiteArchive(Path(location) if location else default_archive(), date_policy=date_policy)
