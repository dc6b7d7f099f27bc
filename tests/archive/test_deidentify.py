"""De-identification that cannot be undone: no recording date and no file name in an archive.

Recordings get a known start date and file names that name a patient; the archive's bytes on
disk (SQLite file, WAL and shared memory) and every cell of every table are scanned for that
date in the ways people write dates, and for the name. Each scan has a positive control: the
archive made with the option that keeps the value (``--dates keep``, ``--keep-source-paths``)
is scanned the same way and must hold it, so a scan that finds nothing has looked.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from elm_desktop.archive import SCHEMA_VERSION, open_archive
from elm_desktop.archive.ingest import add_recordings
from elm_desktop.runtime import Engine
from elm_desktop.signals import open_recording

from .conftest import new_pg_archive_url

TRUE_START = dt.datetime(2019, 3, 14, 9, 41, 7)
NAME = ("Jansen", "Pieternella")


@pytest.fixture(scope="module")
def engine(elm_bundle) -> Engine:
    return Engine(elm_bundle, device="cpu")


def date_spellings(day: dt.date) -> list[str]:
    """The ways a date is written in files, headers and databases."""
    months = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
    return [
        day.isoformat(),
        day.strftime("%Y%m%d"),
        day.strftime("%d.%m.%y"),
        day.strftime("%d.%m.%Y"),
        day.strftime("%d/%m/%Y"),
        day.strftime("%m/%d/%Y"),
        day.strftime("%Y/%m/%d"),
        f"{day.day:02d}-{months[day.month - 1]}-{day.year}",
        str(day.toordinal()),
        str((day - dt.date(1970, 1, 1)).days),  # days since the Unix epoch
    ]


def recording_started_at(source: Path, target: Path, start: dt.datetime) -> Path:
    """A copy of a corpus recording whose EDF header says it started at ``start``.

    The patient field is emptied, so only the file's name could name the patient.
    """
    data = bytearray(source.read_bytes())
    data[8:88] = b"X X X X".ljust(80)
    months = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
    field = f"Startdate {start.day:02d}-{months[start.month - 1]}-{start.year} X X X"
    data[88:168] = field.encode().ljust(80)
    data[168:184] = start.strftime("%d.%m.%y%H.%M.%S").encode()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(data))
    target.with_suffix(".txt").write_text("IMPRESSION: Normal awake EEG.\n")
    return target


@pytest.fixture
def patient_files(corpus, tmp_path) -> list[Path]:
    """Two recordings of 14 March 2019, in a folder and under file names naming the patient."""
    sources = sorted(corpus.parent.glob("*.edf"))[:2]
    folder = tmp_path / f"{NAME[1]} {NAME[0]}"
    names = [f"{NAME[0]}_{NAME[1]}_EEG.edf", f"{NAME[0]}-{NAME[1]}-2.edf"]
    return [
        recording_started_at(src, folder / name, TRUE_START)
        for src, name in zip(sources, names, strict=True)
    ]


def sqlite_bytes(path: Path) -> bytes:
    """The archive file with its WAL and shared-memory files."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def table_text(archive) -> str:
    """Every cell of every table of an archive as text (dates as the store returns them).

    Embeddings are left out: binary, or pgvector's text of many digits in which a short number
    such as a day count would turn up by chance.
    """
    tables = ("schema_version", "meta", "cases", "crops", "reports", "segments", "identity")
    cells = []
    for table in tables:
        for row in archive._fetch(f"SELECT * FROM {table}"):
            for cell in row:
                if isinstance(cell, bytes | memoryview) or str(cell).startswith("["):
                    continue
                cells.append(cell.isoformat() if isinstance(cell, dt.date) else str(cell))
    return "\n".join(cells)


def found(spellings: list[str], text: str) -> list[str]:
    return [s for s in spellings if s in text]


def test_the_header_gives_the_date_the_tests_look_for(patient_files):
    assert open_recording(patient_files[0]).patient.meas_date.date() == TRUE_START.date()


def test_no_recording_date_is_recoverable_from_the_archive(archive_location, patient_files, engine):
    spellings = date_spellings(TRUE_START.date())
    with open_archive(archive_location) as archive:
        add_recordings(archive, patient_files, engine)
        (hit,) = archive.search_similar(np.ones(engine.bundle.embedding_dim), k=1)
        assert hit.case.metadata.recording_date is None
        assert hit.case.metadata.recording_hour == TRUE_START.hour  # what review keeps
        text = table_text(archive)
        assert found(spellings, text) == []
        assert not {"date_shift_days", "created"} & {
            k for k, _ in archive._fetch("SELECT * FROM meta")
        }
        date_cells = archive._fetch(
            "SELECT recording_date FROM cases WHERE recording_date IS NOT NULL"
        )
        assert date_cells == []
    if not archive_location.startswith("postgres"):
        raw = sqlite_bytes(Path(archive_location)).decode("latin-1")
        assert found(spellings, raw) == []


def test_positive_control_the_scan_finds_dates_kept_on_request(tmp_path, patient_files, engine):
    location = tmp_path / "kept.sqlite"
    spellings = date_spellings(TRUE_START.date())
    with open_archive(location, date_policy="keep") as archive:
        add_recordings(archive, patient_files, engine)
        assert TRUE_START.date().isoformat() in found(spellings, table_text(archive))
    assert TRUE_START.date().isoformat() in found(
        spellings, sqlite_bytes(location).decode("latin-1")
    )


def test_files_named_after_patients_leave_no_name_in_the_archive(tmp_path, patient_files, engine):
    plain, kept = tmp_path / "plain.sqlite", tmp_path / "paths.sqlite"
    with open_archive(plain) as archive:
        add_recordings(archive, patient_files, engine)
        assert found(list(NAME), table_text(archive)) == []
        assert {archive.case(i).source for i in (1, 2)} == {None}
    assert found(list(NAME), sqlite_bytes(plain).decode("latin-1")) == []

    # Positive control: asked to keep source paths (and the header names no one), they are kept.
    with open_archive(kept) as archive:
        add_recordings(archive, patient_files, engine, keep_source_paths=True)
    assert found(list(NAME), sqlite_bytes(kept).decode("latin-1")) == list(NAME)


# The schema-1 archive as elm-desktop wrote it before dates were reduced (trimmed to what the
# migration touches; the other tables as they were).
SCHEMA_1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cases (
    id INTEGER PRIMARY KEY, content_hash TEXT NOT NULL UNIQUE, source TEXT, added TEXT NOT NULL,
    age INTEGER, sex TEXT, recording_date TEXT, duration_s REAL NOT NULL, sfreq REAL NOT NULL,
    window_s REAL NOT NULL, n_crops INTEGER NOT NULL, embedding BLOB NOT NULL);
CREATE TABLE crops (case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    embeddings BLOB NOT NULL, starts BLOB NOT NULL, weights BLOB NOT NULL);
CREATE TABLE reports (case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    text TEXT NOT NULL);
CREATE TABLE segments (id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE, section TEXT NOT NULL,
    idx INTEGER NOT NULL, text TEXT NOT NULL, embedding BLOB);
CREATE TABLE identity (case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    patient_name TEXT, birth_date TEXT, recording_date TEXT);
"""


def schema_1_archive(path: Path, policy: str = "shift") -> tuple[str, str]:
    """A schema-1 archive holding one case; return its shifted date and its source path."""
    shift = -7 * 300
    shifted = (TRUE_START.date() + dt.timedelta(days=shift)).isoformat()
    source = f"/data/eeg/{NAME[0]}_{NAME[1]}.edf"
    stored = TRUE_START.date().isoformat() if policy == "keep" else shifted
    vector = np.ones(4, dtype=np.float32) / 2
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_1)
        db.execute("INSERT INTO schema_version VALUES (1)")
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("date_policy", policy),
                ("date_shift_days", str(shift)),
                ("created", "2024-01-01"),
                ("model", "test-model 1.0"),
                ("embedding_dim", "4"),
            ],
        )
        db.execute(
            "INSERT INTO cases VALUES (1, 'abc', ?, '2024-01-02', 40, 'F', ?, 30.0, 256.0, 5.0,"
            " 1, ?)",
            (source, stored, vector.tobytes()),
        )
        db.execute(
            "INSERT INTO crops VALUES (1, ?, ?, ?)",
            (vector.astype(np.float16).tobytes(), b"\0" * 4, np.float32(1).tobytes()),
        )
    return shifted, source


def test_a_schema_1_archive_is_migrated_and_its_shift_erased_from_the_file(tmp_path):
    path = tmp_path / "old.sqlite"
    shifted, source = schema_1_archive(path)
    before = sqlite_bytes(path)
    assert shifted.encode() in before and source.encode() in before  # positive control

    with open_archive(path) as archive:
        assert archive.date_policy == "reduce"
        case = archive.case(1)
        assert (case.source, case.metadata.recording_date, case.metadata.age) == (None, None, 40)
        assert archive._fetch("SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]
        assert archive.search_similar(np.ones(4), k=1)[0].case.case_id == 1
    after = sqlite_bytes(path)
    for value in (shifted, "2024-01-02", source, "date_shift_days"):
        assert value.encode() not in after, value
    with open_archive(path) as again:  # opening a migrated archive changes nothing
        assert again.case(1).metadata.age == 40


def test_a_schema_1_archive_that_kept_true_dates_keeps_them(tmp_path):
    path = tmp_path / "kept.sqlite"
    schema_1_archive(path, policy="keep")
    with open_archive(path) as archive:
        assert archive.date_policy == "keep"
        assert archive.case(1).metadata.recording_date == TRUE_START.date()
        assert archive.case(1).source is None


SCHEMA_1_POSTGRES = """
CREATE TABLE schema_version (version integer NOT NULL);
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE cases (id bigserial PRIMARY KEY, content_hash text NOT NULL UNIQUE, source text,
    added date NOT NULL DEFAULT current_date, age integer, sex text, recording_date date,
    duration_s double precision NOT NULL, sfreq double precision NOT NULL,
    window_s double precision NOT NULL, n_crops integer NOT NULL, embedding vector NOT NULL);
CREATE TABLE crops (case_id bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    embeddings bytea NOT NULL, starts bytea NOT NULL, weights bytea NOT NULL);
CREATE TABLE reports (case_id bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    text text NOT NULL);
CREATE TABLE segments (id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE, section text NOT NULL,
    idx integer NOT NULL, text text NOT NULL, embedding vector);
CREATE TABLE identity (case_id bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    patient_name text, birth_date date, recording_date date)
"""


@pytest.mark.postgres
def test_a_schema_1_postgres_archive_is_migrated(pg_server):
    import psycopg

    url = new_pg_archive_url(pg_server)
    vector = np.ones(4, dtype=np.float32) / 2
    with psycopg.connect(url, autocommit=True) as db:
        for statement in SCHEMA_1_POSTGRES.split(";"):
            db.execute(statement)
        db.execute("INSERT INTO schema_version VALUES (1)")
        for key, value in [
            ("date_policy", "shift"),
            ("date_shift_days", "-2100"),
            ("model", "test-model 1.0"),
            ("embedding_dim", "4"),
        ]:
            db.execute("INSERT INTO meta VALUES (%s, %s)", (key, value))
        db.execute(
            "INSERT INTO cases (content_hash, source, age, sex, recording_date, duration_s, sfreq,"
            " window_s, n_crops, embedding) VALUES ('abc', '/data/Jansen.edf', 40, 'F',"
            " '2013-06-20', 30, 256, 5, 1, '[0.5,0.5,0.5,0.5]')"
        )
        db.execute(
            "INSERT INTO crops VALUES (1, %s, %s, %s)",
            (vector.astype(np.float16).tobytes(), b"\0" * 4, np.float32(1).tobytes()),
        )
    with open_archive(url) as archive:
        assert archive.date_policy == "reduce"
        case = archive.case(1)
        assert (case.source, case.metadata.recording_date, case.metadata.age) == (None, None, 40)
        assert "date_shift_days" not in archive._meta
        assert archive._fetch("SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]
        assert "2013-06-20" not in table_text(archive)


def test_archive_scrub_removes_identifiers_from_reports_stored_as_written(
    archive_location, tmp_path
):
    import dataclasses

    from elm_desktop.archive import PatientIdentity
    from elm_desktop.runtime.report_segments import ReportSegment

    from .conftest import make_case

    written = "Patient: Pieternella Jansen. Seen 14/03/2019.\nIMPRESSION: Normal awake EEG."
    case = make_case(np.random.default_rng(5), report=written)
    old_segments = [
        ReportSegment("HISTORY", "Patient: Pieternella Jansen. Seen 14/03/2019.", 0),
        ReportSegment("IMPRESSION", "Normal awake EEG.", 1),
    ]
    case = dataclasses.replace(case, segments=old_segments)
    kept = make_case(np.random.default_rng(6), report="Referred by Dr. Verhoeven on 02/01/2020.")
    kept = dataclasses.replace(kept, identity=PatientIdentity(name="Verhoeven"))
    with open_archive(archive_location) as archive:
        case_id = archive.add_case(case)  # as archives filled before the scrub stored it
        kept_id = archive.add_case(kept)  # identity kept as asked: its report stays as written
        assert "Jansen" in table_text(archive)  # positive control
        if not archive_location.startswith("postgres"):
            assert b"Jansen" in sqlite_bytes(Path(archive_location))

        assert archive.scrub_reports() == (1, True)
        assert archive.scrub_reports() == (0, True)  # nothing left to scrub

        text = table_text(archive)
        for value in ("Jansen", "Pieternella", "14/03/2019"):
            assert value not in text, value
        assert archive.case(case_id).report.endswith("IMPRESSION: Normal awake EEG.")
        assert [s.text for s in archive.segments(case_id)][1] == "Normal awake EEG."
        assert archive.case(kept_id).report == kept.report
    if not archive_location.startswith("postgres"):
        assert b"Jansen" not in sqlite_bytes(Path(archive_location))
