"""The shared archive: PostgreSQL with pgvector, searched through HNSW indexes.

A department points every workstation at one database (``--archive postgresql://...``). The
archive wants a database of its own; it creates the ``vector`` extension and its tables on first
use. Each case is written in one transaction. Recording and segment embeddings are ``vector``
columns with HNSW cosine indexes (built when the first case fixes the embedding size); crop
embeddings are float16 ``bytea`` like in the SQLite store, read only for the hits of a search.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection

import numpy as np

from elm_desktop.archive.cases import NewCase, SegmentHit
from elm_desktop.archive.store import SCHEMA_VERSION, Archive
from elm_desktop.archive.vectors import to_blob16, to_blob32
from elm_desktop.errors import ArchiveError

#: HNSW graph degree and build-time candidate list (pgvector's defaults are 16 and 64).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
#: Candidates an HNSW search keeps; higher finds more true neighbours, slower. 200 gave
#: recall@10 0.954 over 1,000,000 ELM-shaped embeddings (benchmarks/results/archive.txt).
HNSW_EF_SEARCH = 200

INDEXED_TABLES = ("cases", "segments")

# One lock id for schema changes, so two workstations creating the archive do not race.
_SCHEMA_LOCK = 0x454C4D41

SCHEMA = """
CREATE TABLE schema_version (version integer NOT NULL);
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE cases (
    id bigserial PRIMARY KEY,
    content_hash text NOT NULL UNIQUE,
    source text,
    age integer,
    sex text,
    recording_date date,
    duration_s double precision NOT NULL,
    sfreq double precision NOT NULL,
    window_s double precision NOT NULL,
    n_crops integer NOT NULL,
    embedding vector NOT NULL,
    recording_hour integer
);
CREATE TABLE crops (
    case_id bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    embeddings bytea NOT NULL,
    starts bytea NOT NULL,
    weights bytea NOT NULL
);
CREATE TABLE reports (
    case_id bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    text text NOT NULL
);
CREATE TABLE segments (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    section text NOT NULL,
    idx integer NOT NULL,
    text text NOT NULL,
    embedding vector
);
CREATE INDEX segments_case ON segments(case_id);
CREATE TABLE identity (
    case_id bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    patient_name text,
    birth_date date,
    recording_date date
)
"""


def vector_literal(vector: np.ndarray) -> str:
    """Format a vector as pgvector's text input (``[0.1,0.2,...]``)."""
    return "[" + ",".join(map(str, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def redact(url: str) -> str:
    """Hide the password of a connection URL for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PostgresArchive(Archive):
    """A case archive in a PostgreSQL database with pgvector.

    Open it with :func:`~elm_desktop.archive.open_archive` and a ``postgresql://`` URL.

    Parameters
    ----------
    url : str
        libpq connection URL.
    date_policy : str | None
        Date policy of a new archive (see :func:`~elm_desktop.archive.open_archive`).
    ef_search : int
        HNSW candidate list size for searches.
    """

    def __init__(
        self, url: str, date_policy: str | None = None, ef_search: int = HNSW_EF_SEARCH
    ) -> None:
        import psycopg

        super().__init__()
        self.location = redact(url)
        self._placeholder = "%s"
        self.ef_search = ef_search
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            raise ArchiveError(
                f"cannot connect to the archive database {self.location}: "
                f"{str(error).strip().splitlines()[0]}"
            ) from error
        try:
            self._open_schema(date_policy)
        except psycopg.Error as error:
            self._db.close()
            raise ArchiveError(
                f"cannot open the archive in {self.location}: {str(error).strip()}"
            ) from error

    def _open_schema(self, date_policy: str | None) -> None:
        import psycopg

        db = self._db
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            try:
                with db.transaction():
                    db.execute("CREATE EXTENSION IF NOT EXISTS vector")
            except psycopg.Error as error:
                raise ArchiveError(
                    f"{self.location} lacks the pgvector extension ({error}): ask the "
                    "database administrator to install pgvector and run CREATE EXTENSION vector"
                ) from error
            if db.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
                for statement in SCHEMA.split(";"):
                    db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (%s)", (SCHEMA_VERSION,))
                db.cursor().executemany(
                    "INSERT INTO meta VALUES (%s, %s)", list(self._init_meta(date_policy).items())
                )
            (version,) = db.execute("SELECT max(version) FROM schema_version").fetchone()
            if version == 1:
                self._migrate_v1()
        if version == 1:
            self._rewrite(("cases", "meta"))  # the erased values' old row versions
        (version,) = db.execute("SELECT max(version) FROM schema_version").fetchone()
        self._refuse_unknown_version(self.location, version)
        self._load_meta()
        self._check_date_policy(date_policy)

    # -- writing ------------------------------------------------------------------------------

    def _bind(self, binding: dict[str, str]) -> None:
        """Fix the embedding size of the vector columns and build their HNSW indexes."""
        db = self._db
        db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        stored = dict(
            db.execute("SELECT key, value FROM meta WHERE key IN ('model', 'embedding_dim')")
        )
        if stored:
            self._check_binding(stored, binding)
            return
        dim = int(binding["embedding_dim"])
        for table in INDEXED_TABLES:
            db.execute(f"ALTER TABLE {table} ALTER COLUMN embedding TYPE vector({dim})")
            self._create_index(table)
        db.cursor().executemany("INSERT INTO meta VALUES (%s, %s)", list(binding.items()))

    def _create_index(self, table: str) -> None:
        self._db.execute(
            f"CREATE INDEX {table}_embedding_hnsw ON {table} USING hnsw"
            f" (embedding vector_cosine_ops) WITH (m = {HNSW_M},"
            f" ef_construction = {HNSW_EF_CONSTRUCTION})"
        )

    def rebuild_index(self, table: str, maintenance_work_mem: str = "1GB") -> None:
        """Build the HNSW index of a table anew, e.g. after a bulk load.

        Parameters
        ----------
        table : {"cases", "segments"}
            The recordings' or the report segments' embeddings.
        maintenance_work_mem : str
            Memory for the build; a graph that fits in it builds several times faster.
        """
        if table not in INDEXED_TABLES:
            raise ArchiveError(f"no HNSW index on {table!r}: use one of {INDEXED_TABLES}")
        with self._db.transaction():
            self._db.execute(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'")
            self._db.execute(f"DROP INDEX IF EXISTS {table}_embedding_hnsw")
            self._create_index(table)

    def _insert(
        self, case: NewCase, stored_date: dt.date | None, binding: dict[str, str]
    ) -> int | None:
        db = self._db
        meta = case.metadata
        with db.transaction():
            if self.model is None:
                self._bind(binding)
            else:
                self._check_binding({k: self._meta[k] for k in binding}, binding)
            row = db.execute(
                "INSERT INTO cases (content_hash, source, age, sex, recording_date, duration_s,"
                " sfreq, window_s, n_crops, embedding, recording_hour)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::vector, %s)"
                " ON CONFLICT (content_hash) DO NOTHING RETURNING id",
                (
                    case.content_hash,
                    case.source,
                    meta.age,
                    meta.sex,
                    stored_date,
                    float(meta.duration_s),
                    float(meta.sfreq),
                    float(case.window_s),
                    len(case.crop_embeddings),
                    vector_literal(case.embedding),
                    meta.recording_hour,
                ),
            ).fetchone()
            if row is None:
                return None
            case_id = row[0]
            db.execute(
                "INSERT INTO crops VALUES (%s, %s, %s, %s)",
                (
                    case_id,
                    to_blob16(case.crop_embeddings),
                    to_blob32(case.crop_starts_s),
                    to_blob32(case.crop_weights),
                ),
            )
            if case.report is not None:
                db.execute("INSERT INTO reports VALUES (%s, %s)", (case_id, case.report))
            embeddings = case.segment_embeddings
            db.cursor().executemany(
                "INSERT INTO segments (case_id, section, idx, text, embedding)"
                " VALUES (%s, %s, %s, %s, %s::vector)",
                [
                    (
                        case_id,
                        segment.section,
                        segment.index,
                        segment.text,
                        None if embeddings is None else vector_literal(embeddings[row]),
                    )
                    for row, segment in enumerate(case.segments)
                ],
            )
            if case.identity is not None:
                identity = case.identity
                db.execute(
                    "INSERT INTO identity VALUES (%s, %s, %s, %s)",
                    (case_id, identity.name, identity.birth_date, identity.recording_date),
                )
        return case_id

    def remove_case(self, case_id: int) -> None:
        self.case(case_id)
        with self._db.transaction():
            self._remove_signed_report_of(case_id)
            self._db.execute("DELETE FROM cases WHERE id = %s", (case_id,))

    # -- searching ----------------------------------------------------------------------------

    def _search(self, sql: str, params: tuple, k: int) -> list[tuple]:
        with self._db.transaction():
            # ef_search below k would return fewer than k rows.
            self._db.execute(f"SET LOCAL hnsw.ef_search = {max(self.ef_search, k)}")
            return self._db.execute(sql, params).fetchall()

    def _nearest_recordings(
        self, query: np.ndarray, k: int, exclude: Collection[int]
    ) -> list[tuple[int, float]]:
        vector = vector_literal(query)
        rows = self._search(
            "SELECT id, 1 - (embedding <=> %s::vector) FROM cases"
            " WHERE NOT id = ANY(%s::bigint[])"
            " ORDER BY embedding <=> %s::vector LIMIT %s",
            (vector, list(exclude), vector, k),
            k,
        )
        return [(int(case_id), float(score)) for case_id, score in rows]

    def _nearest_segments(
        self, query: np.ndarray, k: int, exclude: Collection[int]
    ) -> list[SegmentHit]:
        vector = vector_literal(query)
        rows = self._search(
            "SELECT case_id, section, idx, text, 1 - (embedding <=> %s::vector) FROM segments"
            " WHERE embedding IS NOT NULL AND NOT case_id = ANY(%s::bigint[])"
            " ORDER BY embedding <=> %s::vector LIMIT %s",
            (vector, list(exclude), vector, k),
            k,
        )
        return [SegmentHit(*row[:4], score=float(row[4])) for row in rows]

    def _rewrite(self, tables: tuple[str, ...]) -> bool:
        # VACUUM FULL writes each table anew, without old row versions; it locks the table
        # (and rebuilds its indexes) meanwhile, so searches wait.
        for table in tables:
            self._db.execute(f"VACUUM FULL {table}")
        return True

    def close(self) -> None:
        self._db.close()
