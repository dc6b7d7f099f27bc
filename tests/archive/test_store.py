"""The archive interface, run against both stores (SQLite and PostgreSQL + pgvector)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from elm_desktop.archive import PatientIdentity, open_archive
from elm_desktop.errors import ArchiveError

from .conftest import DIM, make_case, unit


def test_a_case_reads_back_as_written(archive):
    rng = np.random.default_rng(0)
    case = make_case(rng, n_crops=7, age=63, sex="M", duration_s=35.0)
    case_id = archive.add_case(case)

    summary = archive.case(case_id)
    assert (summary.metadata.age, summary.metadata.sex) == (63, "M")
    assert summary.metadata.duration_s == 35.0
    assert summary.n_crops == 7
    assert summary.report == case.report
    crops, starts, weights = archive.crops(case_id)
    assert crops.shape == (7, DIM)
    np.testing.assert_allclose(crops, case.crop_embeddings, atol=1e-3)  # stored as float16
    np.testing.assert_allclose(starts, case.crop_starts_s)
    np.testing.assert_allclose(weights, case.crop_weights)
    assert [(s.section, s.index, s.text) for s in archive.segments(case_id)] == [
        (s.section, s.index, s.text) for s in case.segments
    ]
    assert archive.model == "test-model 1.0" and archive.dim == DIM
    assert archive.stats() | {"location": None} == archive.stats() | {
        "location": None,
        "cases": 1,
        "reports": 1,
        "segments": 2,
        "crops": 7,
    }


def test_adding_the_same_file_twice_is_a_no_op(archive):
    rng = np.random.default_rng(1)
    case = make_case(rng)
    assert archive.add_case(case) is not None
    assert archive.add_case(dataclasses.replace(case, source="again")) is None
    assert archive.contains(case.content_hash)
    assert archive.counts()["cases"] == 1


def test_similar_recordings_come_first_with_their_best_crop_pair(archive):
    rng = np.random.default_rng(2)
    cases = [make_case(rng) for _ in range(30)]
    ids = [archive.add_case(case) for case in cases]
    target = 17
    # A query recording near case 17 whose crop 2 repeats that case's crop 4.
    query_crops = unit(cases[target].crop_embeddings[:3] + 0.5 * rng.standard_normal((3, DIM)) / 16)
    query_crops[2] = cases[target].crop_embeddings[4]
    query = unit(query_crops.mean(axis=0))

    hits = archive.search_similar(query, k=5, crop_embeddings=query_crops)

    assert len(hits) == 5
    assert hits[0].case.case_id == ids[target]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert (hits[0].best_crop.case_crop, hits[0].best_crop.query_crop) == (4, 2)
    assert hits[0].best_crop.case_start_s == 20.0
    assert hits[0].best_crop.score == pytest.approx(1.0, abs=2e-3)
    exact = np.array([c.embedding for c in cases]) @ query
    assert hits[0].score == pytest.approx(float(exact.max()), abs=1e-4)

    without = archive.search_similar(query, k=5, exclude=[ids[target]])
    assert ids[target] not in [h.case.case_id for h in without] and len(without) == 5


def test_a_copy_of_the_recording_in_another_file_is_not_a_prior_case(archive):
    rng = np.random.default_rng(12)
    cases = [make_case(rng) for _ in range(12)]
    original = cases[3]
    # The same signal in another file (WFDB and EDF): another hash, embeddings equal to float
    # precision.
    copy = dataclasses.replace(
        original,
        content_hash="c" * 64,
        embedding=original.embedding + 1e-6,
        crop_embeddings=original.crop_embeddings + 1e-6,
    )
    # Another recording with the same recording embedding (closer than any two measured),
    # one crop apart: only the crops tell it from a copy.
    crops = original.crop_embeddings.copy()
    crops[2] = unit(crops[2] + 0.2 * rng.standard_normal(DIM) / np.sqrt(DIM))
    near = dataclasses.replace(
        make_case(rng), embedding=original.embedding.copy(), crop_embeddings=crops
    )
    ids = [archive.add_case(case) for case in [*cases, copy, near]]
    crops = original.crop_embeddings

    same = archive.same_recording(original.embedding, crops, original.content_hash)

    assert sorted(same) == [ids[3], ids[12]]
    assert sorted(archive.same_recording(original.embedding, crops)) == [ids[3], ids[12]]
    assert archive.same_recording(cases[5].embedding, cases[5].crop_embeddings, "f" * 64) == [
        ids[5]
    ]
    hits = archive.search_similar(original.embedding, k=3, exclude=same)
    assert hits[0].case.case_id == ids[13] and hits[0].score > 0.99999
    assert not set(same) & {h.case.case_id for h in hits}
    segments = archive.search_segments(original.segment_embeddings[0], k=30, exclude=same)
    assert segments and not set(same) & {s.case_id for s in segments}


def test_a_phrase_finds_the_recording_and_crop_it_describes(archive):
    rng = np.random.default_rng(3)
    cases = [make_case(rng) for _ in range(20)]
    ids = [archive.add_case(case) for case in cases]
    phrase = unit(cases[5].crop_embeddings[3] + cases[5].embedding)

    hits = archive.search_text(phrase, k=3)

    assert hits[0].case.case_id == ids[5]
    assert hits[0].best_crop.case_crop == 3 and hits[0].best_crop.query_crop is None


def test_report_segments_are_found_with_their_provenance(archive):
    rng = np.random.default_rng(4)
    cases = [make_case(rng) for _ in range(10)]
    ids = [archive.add_case(case) for case in cases]
    query = cases[6].segment_embeddings[1]

    hits = archive.search_segments(query, k=4)

    assert (hits[0].case_id, hits[0].section, hits[0].index) == (ids[6], "IMPRESSION", 1)
    assert hits[0].text == "No epileptiform discharges."
    assert hits[0].score == pytest.approx(1.0, abs=2e-3)
    others = archive.search_segments(query, k=4, exclude=[ids[6]])
    assert ids[6] not in [h.case_id for h in others] and len(others) == 4


def test_an_archive_holds_one_model_only(archive):
    rng = np.random.default_rng(5)
    archive.add_case(make_case(rng))
    other = dataclasses.replace(make_case(rng), model="another-model 2.0")
    with pytest.raises(ArchiveError, match="another-model"):
        archive.add_case(other)
    with pytest.raises(ArchiveError, match="128 values"):
        archive.search_similar(np.ones(128, dtype=np.float32))
    assert archive.counts()["cases"] == 1


def test_an_empty_archive_finds_nothing(archive):
    query = unit(np.ones(DIM))
    assert archive.search_similar(query) == []
    assert archive.search_text(query) == []
    assert archive.search_segments(query) == []


def test_removed_cases_are_no_longer_found(archive):
    rng = np.random.default_rng(6)
    cases = [make_case(rng) for _ in range(5)]
    ids = [archive.add_case(case) for case in cases]
    assert archive.search_similar(cases[2].embedding, k=1)[0].case.case_id == ids[2]
    archive.remove_case(ids[2])
    assert ids[2] not in [h.case.case_id for h in archive.search_similar(cases[2].embedding)]
    assert ids[2] not in [h.case_id for h in archive.search_segments(cases[2].embedding, k=20)]
    assert archive.counts() == {"cases": 4, "reports": 4, "segments": 8, "crops": 24}
    with pytest.raises(ArchiveError, match="no case"):
        archive.case(ids[2])


def test_cases_survive_reopening(archive_location):
    rng = np.random.default_rng(7)
    case = make_case(rng)
    with open_archive(archive_location) as archive:
        case_id = archive.add_case(case)
    with open_archive(archive_location) as archive:
        assert archive.search_similar(case.embedding, k=1)[0].case.case_id == case_id
        assert archive.add_case(case) is None


def test_a_second_connection_sees_new_cases(archive_location):
    rng = np.random.default_rng(8)
    with open_archive(archive_location) as reader, open_archive(archive_location) as writer:
        writer.add_case(make_case(rng))
        assert len(reader.search_similar(unit(np.ones(DIM)), k=10)) == 1  # loads the matrix
        new = make_case(rng)
        new_id = writer.add_case(new)
        assert reader.search_similar(new.embedding, k=1)[0].case.case_id == new_id


def test_dates_are_reduced_and_identity_is_kept_only_if_asked(archive):
    rng = np.random.default_rng(9)
    day = dt.date(2024, 3, 14)
    plain = archive.add_case(make_case(rng, recording_date=day, recording_hour=21))
    kept = make_case(rng, recording_date=day)
    kept.identity = PatientIdentity("Jane Doe", dt.date(1960, 1, 2), day)
    kept_id = archive.add_case(kept)

    stored = archive.case(plain).metadata
    assert archive.date_policy == "reduce"
    assert stored.recording_date is None and archive.case(kept_id).metadata.recording_date is None
    assert (stored.age, stored.recording_hour) == (40, 21)
    assert "date_shift_days" not in archive._meta
    assert _identity_rows(archive) == [(kept_id, "Jane Doe", dt.date(1960, 1, 2))]


def test_true_dates_are_kept_only_when_asked(archive_location, tmp_path):
    rng = np.random.default_rng(10)
    with open_archive(archive_location, date_policy="keep") as archive:
        case_id = archive.add_case(make_case(rng, recording_date=dt.date(2024, 3, 14)))
        assert archive.case(case_id).metadata.recording_date == dt.date(2024, 3, 14)
    with pytest.raises(ArchiveError, match="policy 'keep'"):
        open_archive(archive_location, date_policy="reduce")
    with pytest.raises(ArchiveError, match="unknown date policy 'shift'"):
        open_archive(tmp_path / "new.sqlite", date_policy="shift")


def test_inconsistent_cases_are_refused(archive):
    rng = np.random.default_rng(11)
    case = make_case(rng)
    with pytest.raises(ArchiveError, match="start and a weight"):
        archive.add_case(dataclasses.replace(case, crop_weights=case.crop_weights[:2]))
    with pytest.raises(ArchiveError, match="per segment"):
        archive.add_case(dataclasses.replace(case, segment_embeddings=case.embedding[None]))
    assert archive.counts()["cases"] == 0


def _identity_rows(archive) -> list[tuple]:
    rows = archive._db.execute(
        "SELECT case_id, patient_name, birth_date FROM identity ORDER BY case_id"
    ).fetchall()
    return [
        (r[0], r[1], dt.date.fromisoformat(r[2]) if isinstance(r[2], str) else r[2]) for r in rows
    ]
