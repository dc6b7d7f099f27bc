"""Fixtures of the archive tests: both stores, and cases with known geometry.

The PostgreSQL store runs against a real PostgreSQL with pgvector that the ``pgserver`` package
starts once per test session on a Unix socket; each test gets a database of its own. Tests of
that store skip, with the reason, only when the server cannot start.
"""

from __future__ import annotations

import itertools
import tempfile

import numpy as np
import pytest

from elm_desktop.archive import CaseMetadata, NewCase, open_archive
from elm_desktop.runtime.report_segments import ReportSegment

DIM = 256
_schema_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server with pgvector for the whole session (skips if it cannot start)."""
    try:
        import pgserver
        import psycopg

        server = pgserver.get_server(tempfile.mkdtemp(prefix="elm-pg-"), cleanup_mode="delete")
        with psycopg.connect(server.get_uri(), autocommit=True) as db:
            db.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except Exception as error:  # any failure to start means: no server here
        pytest.skip(f"PostgreSQL with pgvector could not start via pgserver: {error}")
    yield server
    server.cleanup()


def new_pg_archive_url(server) -> str:
    """Create an empty schema on the server and return a URL whose tables live there.

    A schema per test is much faster than a database per test, and as separate.
    """
    import psycopg

    name = f"archive_{next(_schema_numbers)}"
    with psycopg.connect(server.get_uri(), autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {name}")
    return f"{server.get_uri()}&options=-csearch_path%3D{name},public"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """Four 30-second synthetic recordings with reports, and their manifest (fixed seed)."""
    from elm_desktop.synth import generate_corpus

    return generate_corpus(tmp_path_factory.mktemp("corpus"), n=4, minutes=0.5, seed=11, workers=1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def archive_location(request, tmp_path) -> str:
    """The location of a new, empty archive of each kind."""
    if request.param == "sqlite":
        return str(tmp_path / "archive.sqlite")
    return new_pg_archive_url(request.getfixturevalue("pg_server"))


@pytest.fixture
def archive(archive_location):
    with open_archive(archive_location) as opened:
        yield opened


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def make_case(
    rng: np.random.Generator,
    centre: np.ndarray | None = None,
    n_crops: int = 6,
    report: str | None = "IMPRESSION: Normal awake EEG. No epileptiform discharges.",
    content_hash: str | None = None,
    **metadata,
) -> NewCase:
    """A case whose crops scatter around ``centre`` (a random direction if None)."""
    centre = unit(rng.standard_normal(DIM)) if centre is None else centre
    crops = unit(centre + 0.3 * rng.standard_normal((n_crops, DIM)) / np.sqrt(DIM) * 4)
    weights = np.full(n_crops, 1.0 / n_crops, dtype=np.float32)
    segments = []
    if report:
        segments = [
            ReportSegment("IMPRESSION", "IMPRESSION:\nNormal awake EEG.", 0),
            ReportSegment("IMPRESSION", "No epileptiform discharges.", 1),
        ]
    return NewCase(
        content_hash=content_hash or rng.bytes(16).hex(),
        model="test-model 1.0",
        window_s=5.0,
        embedding=unit(weights @ crops),
        crop_embeddings=crops,
        crop_starts_s=np.arange(n_crops, dtype=np.float32) * 5.0,
        crop_weights=weights,
        metadata=CaseMetadata(
            **{"age": 40, "sex": "F", "duration_s": 30.0, "sfreq": 256.0} | metadata
        ),
        source=None,
        report=report,
        segments=segments,
        segment_embeddings=unit(rng.standard_normal((len(segments), DIM))) if segments else None,
    )
