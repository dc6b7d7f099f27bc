"""The embedded archive: one SQLite file (WAL mode) with exact cosine search in memory.

Each case is written in one transaction, so a killed ``archive add`` leaves no half-written case
and the next run adds what is missing. Searches load the recording (and segment) embeddings into
a float32 matrix once and pick up rows other processes add later.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection
from pathlib import Path

import numpy as np

from elm_desktop.archive.cases import NewCase, SegmentHit
from elm_desktop.archive.store import SCHEMA_VERSION, Archive
from elm_desktop.archive.vectors import (
    from_blob16,
    from_blob32,
    to_blob16,
    to_blob32,
    top_k,
)
from elm_desktop.errors import ArchiveError

SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    source TEXT,
    age INTEGER,
    sex TEXT,
    recording_date TEXT,
    duration_s REAL NOT NULL,
    sfreq REAL NOT NULL,
    window_s REAL NOT NULL,
    n_crops INTEGER NOT NULL,
    embedding BLOB NOT NULL,
    recording_hour INTEGER
);
CREATE TABLE crops (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    embeddings BLOB NOT NULL,
    starts BLOB NOT NULL,
    weights BLOB NOT NULL
);
CREATE TABLE reports (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    text TEXT NOT NULL
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    section TEXT NOT NULL,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    embedding BLOB
);
CREATE INDEX segments_case ON segments(case_id);
CREATE TABLE identity (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    patient_name TEXT,
    birth_date TEXT,
    recording_date TEXT
);
"""


class _MemoryIndex:
    """Row ids and their embeddings, loaded once and extended as rows appear.

    The embeddings are held transposed, float32 [d, n]: ``query @ columns`` streams the matrix
    once, which on a busy two-core machine is several times faster than ``rows @ query``.
    """

    def __init__(self) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self.owners = np.empty(0, dtype=np.int64)  # the case of each row
        self.columns: np.ndarray | None = None
        self.loaded = False

    def extend(self, ids: list[int], owners: list[int], block: np.ndarray) -> None:
        """Append rows (ids, their cases, embeddings [n, d])."""
        block = block.astype(np.float32).T
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.owners = np.concatenate([self.owners, np.asarray(owners, dtype=np.int64)])
        self.columns = (
            block if self.columns is None else np.concatenate([self.columns, block], axis=1)
        )
        self.columns = np.ascontiguousarray(self.columns)

    def drop_owner(self, case_id: int) -> None:
        keep = self.owners != case_id
        self.ids, self.owners = self.ids[keep], self.owners[keep]
        if self.columns is not None:
            self.columns = np.ascontiguousarray(self.columns[:, keep])

    @property
    def max_id(self) -> int:
        return int(self.ids[-1]) if len(self.ids) else 0

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of every row with a unit query."""
        if self.columns is None:
            return np.empty(0, dtype=np.float32)
        return query @ self.columns


class SQLiteArchive(Archive):
    """A case archive in one SQLite file. Open it with :func:`~elm_desktop.archive.open_archive`.

    Parameters
    ----------
    path : Path
        The archive file; created (with its folder) if absent.
    date_policy : str | None
        Date policy of a new archive (see :func:`~elm_desktop.archive.open_archive`).
    """

    def __init__(self, path: Path, date_policy: str | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.location = str(self.path)
        _check_is_sqlite(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit mode: transactions are opened explicitly, one per case.
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            # A removed case's bytes are overwritten, not left in free pages.
            self._db.execute("PRAGMA secure_delete=ON")
            self._open_schema(date_policy)
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"cannot open the archive {self.path}: {error}") from error
        self._recordings = _MemoryIndex()
        self._segments = _MemoryIndex()
        self._data_version = -1

    def _open_schema(self, date_policy: str | None) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if not tables:
            self._create(date_policy)
        elif "schema_version" not in tables:
            raise ArchiveError(f"{self.path} is a SQLite file but not an elm-desktop archive")
        self._check_version()
        self._load_meta()
        self._check_date_policy(date_policy)

    def _create(self, date_policy: str | None) -> None:
        meta = self._init_meta(date_policy)
        statements = [s for s in SCHEMA.split(";") if s.strip()]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created it while we waited for the lock.
            if not self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'schema_version'"
            ).fetchone():
                for statement in statements:
                    self._db.execute(statement)
                self._db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _version(self) -> int | None:
        row = self._db.execute("SELECT max(version) FROM schema_version").fetchone()
        return row[0] if row else None

    def _check_version(self) -> None:
        version = self._version()
        if version == 1:
            self._migrate()
            version = self._version()
        self._refuse_unknown_version(str(self.path), version)

    def _migrate(self) -> None:
        """Schema 1 -> 2 in one transaction, then rewrite the file and empty the WAL."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._version() == 1:  # another process may have migrated it meanwhile
                self._migrate_v1()
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._rewrite(())

    def _rewrite(self, tables: tuple[str, ...]) -> bool:
        # VACUUM rebuilds every page (of every table), so the erased values survive in no free
        # page; the checkpoint moves the result into the file and truncates the WAL that held
        # old pages, unless another connection is reading (busy).
        self._db.execute("VACUUM")
        busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy

    # -- writing ------------------------------------------------------------------------------

    def _insert(
        self, case: NewCase, stored_date: dt.date | None, binding: dict[str, str]
    ) -> int | None:
        db = self._db
        meta = case.metadata
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute(
                "SELECT 1 FROM cases WHERE content_hash = ?", (case.content_hash,)
            ).fetchone():
                db.execute("ROLLBACK")
                return None
            db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", binding.items())
            stored = dict(
                db.execute(
                    "SELECT key, value FROM meta WHERE key IN ('model', 'embedding_dim')"
                ).fetchall()
            )
            self._check_binding(stored, binding)
            case_id = db.execute(
                "INSERT INTO cases (content_hash, source, age, sex, recording_date,"
                " duration_s, sfreq, window_s, n_crops, embedding, recording_hour)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    case.content_hash,
                    case.source,
                    meta.age,
                    meta.sex,
                    stored_date.isoformat() if stored_date else None,
                    float(meta.duration_s),
                    float(meta.sfreq),
                    float(case.window_s),
                    len(case.crop_embeddings),
                    to_blob32(case.embedding),
                    meta.recording_hour,
                ),
            ).lastrowid
            db.execute(
                "INSERT INTO crops VALUES (?, ?, ?, ?)",
                (
                    case_id,
                    to_blob16(case.crop_embeddings),
                    to_blob32(case.crop_starts_s),
                    to_blob32(case.crop_weights),
                ),
            )
            if case.report is not None:
                db.execute("INSERT INTO reports VALUES (?, ?)", (case_id, case.report))
            embeddings = case.segment_embeddings
            db.executemany(
                "INSERT INTO segments (case_id, section, idx, text, embedding)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        case_id,
                        segment.section,
                        segment.index,
                        segment.text,
                        None if embeddings is None else to_blob16(embeddings[row]),
                    )
                    for row, segment in enumerate(case.segments)
                ],
            )
            if case.identity is not None:
                identity = case.identity
                db.execute(
                    "INSERT INTO identity VALUES (?, ?, ?, ?)",
                    (
                        case_id,
                        identity.name,
                        _iso(identity.birth_date),
                        _iso(identity.recording_date),
                    ),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._data_version = -1  # our own commits do not change PRAGMA data_version
        return case_id

    def remove_case(self, case_id: int) -> None:
        self.case(case_id)
        self._db.execute("BEGIN IMMEDIATE")
        self._remove_signed_report_of(case_id)
        self._db.execute("DELETE FROM cases WHERE id = ?", (case_id,))
        self._db.execute("COMMIT")
        self._recordings.drop_owner(case_id)
        self._segments.drop_owner(case_id)

    # -- searching ----------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Bring the in-memory matrices up to date with the file."""
        (version,) = self._db.execute("PRAGMA data_version").fetchone()
        if version == self._data_version and self._recordings.loaded:
            return
        # Another connection changed the file: reload if rows vanished, else read new rows.
        (n_cases,) = self._db.execute("SELECT count(*) FROM cases").fetchone()
        if n_cases < len(self._recordings.ids):
            self._recordings = _MemoryIndex()
            self._segments = _MemoryIndex()
        dim = self.dim or 0
        rows = self._db.execute(
            "SELECT id, embedding FROM cases WHERE id > ? ORDER BY id", (self._recordings.max_id,)
        ).fetchall()
        if rows:  # one decode for all rows: per-row decoding takes seconds at 100,000 cases
            vectors = from_blob32(b"".join(r[1] for r in rows)).reshape(len(rows), -1)
            self._recordings.extend([r[0] for r in rows], [r[0] for r in rows], vectors)
        rows = self._db.execute(
            "SELECT id, case_id, embedding FROM segments"
            " WHERE id > ? AND embedding IS NOT NULL ORDER BY id",
            (self._segments.max_id,),
        ).fetchall()
        if rows:
            vectors = from_blob16(b"".join(r[2] for r in rows), dim)
            self._segments.extend([r[0] for r in rows], [r[1] for r in rows], vectors)
        self._recordings.loaded = self._segments.loaded = True
        self._data_version = version

    def _nearest_recordings(
        self, query: np.ndarray, k: int, exclude: Collection[int]
    ) -> list[tuple[int, float]]:
        self._refresh()
        scores = self._recordings.scores(query)
        scores[np.isin(self._recordings.ids, list(exclude))] = -np.inf
        best = [i for i in top_k(scores, k) if np.isfinite(scores[i])]
        return [(int(self._recordings.ids[i]), float(scores[i])) for i in best]

    def _nearest_segments(
        self, query: np.ndarray, k: int, exclude: Collection[int]
    ) -> list[SegmentHit]:
        self._refresh()
        scores = self._segments.scores(query)
        scores[np.isin(self._segments.owners, list(exclude))] = -np.inf
        hits = []
        for i in top_k(scores, k):
            if not np.isfinite(scores[i]):
                continue
            row = self._db.execute(
                "SELECT case_id, section, idx, text FROM segments WHERE id = ?",
                (int(self._segments.ids[i]),),
            ).fetchone()
            hits.append(SegmentHit(*row, score=float(scores[i])))
        return hits

    def close(self) -> None:
        self._db.close()


def _iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


def _check_is_sqlite(path: Path) -> None:
    """Refuse a file that exists but is no SQLite database, before SQLite touches it."""
    if path.is_dir():
        raise ArchiveError(f"{path} is a folder: give the path of an archive file")
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb") as stream:
            if stream.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise ArchiveError(
                    f"{path} is not an elm-desktop archive (not a SQLite file): "
                    "give another path or move the file away"
                )
