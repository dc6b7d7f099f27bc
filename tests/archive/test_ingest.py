"""Adding real recordings through the real engine, de-identification, and network silence.

These tests run synthetic EDF recordings through signals (MNE), the ONNX Runtime engine of the
shared ``elm_bundle`` test bundle and both archive stores.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
from pathlib import Path

import numpy as np
import psutil
import pytest

from elm_desktop.archive import open_archive
from elm_desktop.archive.ingest import add_recordings, find_recordings, read_manifest
from elm_desktop.errors import ArchiveError
from elm_desktop.runtime import Engine
from elm_desktop.runtime.report_segments import segment_report
from elm_desktop.signals import crop_windows, elm_input, open_recording
from elm_desktop.signals.edf_header import age_in_years

# An EDF+ patient field with a name, a hospital code and a birth date.
PATIENT_FIELD = b"MCH-0234567 F 02-MAY-1951 Haagse_Harry"
# The birth date in the forms it could be stored in: long enough not to turn up by chance in
# the binary pages scanned (b"MAY" alone did once, in a PostgreSQL data file of embeddings).
IDENTIFYING = [
    b"Haagse",
    b"Harry",
    b"MCH-0234567",
    b"02-MAY-1951",
    b"1951-05-02",
]


@pytest.fixture(scope="module")
def engine(elm_bundle) -> Engine:
    return Engine(elm_bundle, device="cpu")


def test_events_sidecars_are_not_recordings(tmp_path):
    for name in ("a.edf", "a.events.edf", "b.BDF", "b.events.unreadable.edf"):
        (tmp_path / name).write_bytes(b"0")
    assert [p.name for p in find_recordings(tmp_path)] == ["a.edf", "b.BDF"]


def test_recordings_are_added_with_their_reports_and_found_again(archive, corpus, engine):
    paths = find_recordings(corpus.parent)
    manifest = read_manifest(corpus)

    result = add_recordings(archive, paths, engine, manifest, keep_source_paths=True)

    assert result.added == paths and not result.failed
    first = paths[0]
    rec = open_recording(first)
    crops, starts = crop_windows(elm_input(rec), window_s=engine.bundle.window_s)
    encoding = engine.encode(crops)
    (hit, *_) = archive.search_similar(encoding.recording_embedding, k=3)
    assert hit.case.source == str(first.resolve())
    assert hit.score == pytest.approx(1.0, abs=1e-4)
    assert hit.case.n_crops == len(crops) and hit.case.metadata.duration_s == rec.duration
    assert hit.case.metadata.age == int(manifest[first.name]["age"])
    stored_crops, stored_starts, weights = archive.crops(hit.case.case_id)
    np.testing.assert_allclose(stored_crops, encoding.embeddings, atol=2e-3)
    np.testing.assert_allclose(stored_starts, starts)
    np.testing.assert_allclose(weights, encoding.attention_weights, rtol=1e-5)

    report = manifest[first.name]["report"]
    expected = segment_report(report)
    assert hit.case.report == report
    assert [s.text for s in archive.segments(hit.case.case_id)] == [s.text for s in expected]
    others = {s.text for p in paths[1:] for s in segment_report(manifest[p.name]["report"])}
    unique = next(s.text for s in expected if s.text not in others)
    best = archive.search_segments(engine.embed_text([unique])[0], k=1)[0]
    assert (best.case_id, best.text) == (hit.case.case_id, unique)
    assert best.score == pytest.approx(1.0, abs=2e-3)

    again = add_recordings(archive, paths, engine, manifest)
    assert again.skipped == paths and not again.added


def test_a_bad_file_fails_alone(archive, corpus, engine, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = shutil.copy(sorted(corpus.parent.glob("*.edf"))[0], folder / "good.edf")
    (folder / "broken.edf").write_bytes(b"0       not an EDF header")

    result = add_recordings(archive, find_recordings(folder), engine)

    assert result.added == [Path(good)]
    assert [p.name for p, _ in result.failed] == ["broken.edf"]
    assert archive.counts()["cases"] == 1


def named_recording(corpus: Path, folder: Path, name: str) -> Path:
    """A corpus recording whose header names a patient (EDF+ patient field patched)."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    data = bytearray(sorted(corpus.parent.glob("*.edf"))[0].read_bytes())
    data[8:88] = PATIENT_FIELD.ljust(80)
    path.write_bytes(bytes(data))
    # The report names the patient too, as reports do: the header's words, a title, a record
    # number and a date the header does not hold.
    path.with_suffix(".txt").write_text(
        "CLINICAL HISTORY: Haagse Harry (MRN MCH-0234567), seen by Dr. Vermeulen on 03/12/2026 "
        "after a first seizure; phone 555 123 4567.\nIMPRESSION: Normal awake EEG.\n"
    )
    return path


def raw_bytes(location: str, pg_server) -> bytes:
    """Every byte the archive has on disk (SQLite file and WAL, or the server's data files)."""
    if location.startswith("postgresql"):
        import psycopg

        with psycopg.connect(pg_server.get_uri(), autocommit=True) as db:
            db.execute("CHECKPOINT")
        files = Path(pg_server.pgdata).rglob("*")
    else:
        files = Path(location).parent.glob(Path(location).name + "*")
    return b"".join(p.read_bytes() for p in files if p.is_file() and p.suffix != ".log")


def test_no_patient_name_or_birth_date_reaches_the_archive_unless_asked(
    archive_location, corpus, engine, tmp_path, request
):
    pg_server = request.getfixturevalue("pg_server") if "postgres" in archive_location else None
    plain = named_recording(corpus, tmp_path / "plain", "rec001.edf")
    kept = named_recording(corpus, tmp_path / "kept", "rec002.edf")
    with open_archive(archive_location) as archive:
        add_recordings(archive, [plain], engine)
        stored = archive.search_similar(np.ones(engine.bundle.embedding_dim), k=1)[0].case
        recorded = open_recording(plain).patient.meas_date.date()
        assert stored.metadata.sex == "F"
        assert stored.metadata.age == age_in_years(dt.date(1951, 5, 2), recorded)
        assert stored.metadata.recording_date is None  # reduced to age and hour of day
        assert stored.metadata.recording_hour == open_recording(plain).patient.meas_date.hour
        before = raw_bytes(archive_location, pg_server)
        assert not [token for token in IDENTIFYING if token in before]
        for token in (b"Vermeulen", b"03/12/2026", b"4567"):  # from the report's text
            assert token not in before, token
        assert "IMPRESSION: Normal awake EEG." in stored.report  # what the record says stays

        # Positive control: asked to keep identity, the same scan finds the name.
        archive.remove_case(stored.case_id)
        add_recordings(archive, [kept], engine, keep_identity=True)
        kept_bytes = raw_bytes(archive_location, pg_server)
        assert b"Haagse Harry" in kept_bytes and b"Vermeulen" in kept_bytes


def test_a_path_that_names_the_patient_is_not_stored_even_when_paths_are(
    archive, corpus, engine, tmp_path
):
    path = named_recording(corpus, tmp_path / "Haagse_Harry", "eeg.edf")
    add_recordings(archive, [path], engine, keep_source_paths=True)
    (hit,) = archive.search_similar(np.ones(engine.bundle.embedding_dim), k=1)
    assert hit.case.source is None


def test_nothing_but_the_configured_database_is_contacted(
    archive_location, corpus, engine, monkeypatch
):
    attempts = []

    def refuse(self, address, *args):
        attempts.append(address)
        raise OSError("network access is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or [])
    with open_archive(archive_location) as archive:
        add_recordings(archive, find_recordings(corpus.parent), engine, read_manifest(corpus))
        query = engine.embed_text(["left temporal slowing"])[0]
        archive.search_text(query, k=3)
        archive.search_similar(query, k=3)
        archive.search_segments(query, k=3)
        # libpq connects outside Python: check the process's sockets too.
        inet = psutil.Process().net_connections(kind="inet")
        unix = [c.raddr for c in psutil.Process().net_connections(kind="unix") if c.raddr]
    assert attempts == []
    assert inet == []
    if "postgres" in archive_location:
        host = archive_location.split("host=")[1].split("&")[0]
        assert all(address.startswith(host) for address in unix)


def test_a_manifest_with_a_bad_line_is_refused_with_its_line_number(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"edf": "a.edf", "report": "IMPRESSION: normal."}\n{"report": "x"}\n')
    with pytest.raises(ArchiveError, match="line 2"):
        read_manifest(manifest)
    manifest.write_text('{"edf": "sub/a.edf", "report": "IMPRESSION: normal."}\n')
    assert read_manifest(manifest)["a.edf"]["report"] == "IMPRESSION: normal."
    with pytest.raises(ArchiveError, match="not a folder"):
        find_recordings(manifest)


def test_an_eeg_only_model_archives_reports_without_segment_embeddings(
    tmp_path, corpus, eeg_only_bundle
):
    engine = Engine(eeg_only_bundle, device="cpu")
    paths = find_recordings(corpus.parent)[:2]
    with open_archive(tmp_path / "archive.sqlite") as archive:
        result = add_recordings(archive, paths, engine, read_manifest(corpus))
        assert result.added == paths
        counts = archive.counts()
        assert counts["reports"] == 2 and counts["segments"] > 0
        query = archive.search_similar(np.ones(engine.bundle.embedding_dim), k=1)[0]
        assert archive.segments(query.case.case_id)  # the text is kept for the draft report
        assert archive.search_segments(np.ones(engine.bundle.embedding_dim)) == []
