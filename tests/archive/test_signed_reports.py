"""Reviewers' signed reports kept with their cases, in both stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from elm_desktop.archive import ArchivedReport, open_archive
from elm_desktop.errors import ArchiveError

from .conftest import make_case


def report_for(content_hash: str, text: str, amendments: int = 0) -> ArchivedReport:
    return ArchivedReport(
        content_hash,
        "Dr A. Reader",
        "2026-12-03T18:30",
        amendments,
        text,
        '{"format": 1}',
    )


def test_a_signed_report_is_kept_with_its_case_and_read_back(archive_location):
    rng = np.random.default_rng(0)
    case = make_case(rng)
    with open_archive(archive_location) as archive:
        case_id = archive.add_case(case)
        assert archive.signed_report(case.content_hash) is None
        archive.store_signed_report(report_for(case.content_hash, "IMPRESSION: Normal EEG."))
    with open_archive(archive_location) as archive:  # a new connection reads it back
        kept = archive.signed_report(case.content_hash)
        written = report_for(case.content_hash, "IMPRESSION: Normal EEG.")
        assert kept == dataclasses.replace(written, case_id=case_id)
        assert [r.content_hash for r in archive.signed_reports()] == [case.content_hash]
        assert archive.stats()["signed_reports"] == 1


def test_an_amended_report_replaces_the_earlier_one(archive):
    rng = np.random.default_rng(1)
    case = make_case(rng)
    archive.add_case(case)
    archive.store_signed_report(report_for(case.content_hash, "IMPRESSION: Normal EEG."))
    archive.store_signed_report(
        report_for(case.content_hash, "IMPRESSION: Abnormal EEG: left temporal spikes.", 1)
    )
    kept = archive.signed_report(case.content_hash)
    assert (kept.text, kept.amendments) == ("IMPRESSION: Abnormal EEG: left temporal spikes.", 1)
    assert len(archive.signed_reports()) == 1


def test_a_report_before_its_case_joins_the_case_when_it_is_added(archive):
    rng = np.random.default_rng(2)
    case = make_case(rng)
    archive.store_signed_report(report_for(case.content_hash, "IMPRESSION: Normal EEG."))
    assert archive.signed_report(case.content_hash).case_id is None
    case_id = archive.add_case(case)
    assert archive.signed_report(case.content_hash).case_id == case_id


def test_removing_a_case_removes_its_signed_report(archive):
    rng = np.random.default_rng(3)
    kept_case, removed_case = make_case(rng), make_case(rng)
    ids = [archive.add_case(kept_case), archive.add_case(removed_case)]
    for case in (kept_case, removed_case):
        archive.store_signed_report(report_for(case.content_hash, "IMPRESSION: Normal EEG."))
    archive.remove_case(ids[1])
    assert archive.signed_report(removed_case.content_hash) is None
    assert archive.signed_report(kept_case.content_hash).case_id == ids[0]


def test_a_report_without_text_or_reviewer_is_refused(archive):
    with pytest.raises(ArchiveError, match="reviewer"):
        archive.store_signed_report(report_for("ab" * 32, "   "))
    assert archive.signed_reports() == []
