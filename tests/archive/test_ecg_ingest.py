"""ECG cases in an archive of their own: added through the modality registry, never mixed with EEG."""

from __future__ import annotations

import pytest

from elm_desktop.archive import open_archive
from elm_desktop.archive.ingest import add_recordings, find_recordings, read_manifest
from elm_desktop.paths import default_archive
from elm_desktop.runtime import Bundle, Engine
from elm_desktop.signals.modality import MODALITIES
from tests.conftest import write_white_noise
from tests.ecg_model.conftest import ecg_bundle, ecg_checkpoint, ecg_corpus  # noqa: F401


@pytest.fixture(scope="module")
def ecg_engine(ecg_bundle):  # noqa: F811
    return Engine(Bundle.load(ecg_bundle), device="cpu")


def test_each_modality_has_its_own_default_archive():
    files = {m.archive_file for m in MODALITIES.values()}
    assert len(files) == len(MODALITIES)
    assert default_archive() == default_archive(MODALITIES["eeg"].archive_file)
    assert default_archive(MODALITIES["ecg"].archive_file).name == "ecg_archive.sqlite"


def test_ecg_records_are_archived_with_their_reports_and_searched(
    tmp_path,
    ecg_engine,
    ecg_corpus,  # noqa: F811
):
    paths = find_recordings(ecg_corpus)
    assert paths and all(p.suffix == ".hea" for p in paths)
    manifest = read_manifest(ecg_corpus / "manifest.jsonl")
    assert set(manifest) == {p.name for p in paths}
    with open_archive(tmp_path / "ecg.sqlite") as archive:
        result = add_recordings(archive, paths[1:8], ecg_engine, manifest)
        assert len(result.added) == 7 and not result.failed
        case = archive.case(1)
        entry = manifest[paths[1].name]
        assert case.report == entry["report"]
        assert case.metadata.age == int(entry["age"]) and case.metadata.sex == entry["sex"]
        assert case.metadata.recording_date is None and case.source is None
        assert archive.segments(1), "the report is cut into sentences"
        windows, _ = MODALITIES["ecg"].model_windows(MODALITIES["ecg"].open(paths[0]), 10.0, "mv")
        encoding = ecg_engine.encode(windows)
        hits = archive.search_similar(encoding.recording_embedding, k=3)
        assert len(hits) == 3 and hits[0].score >= hits[-1].score


def test_an_eeg_file_never_enters_an_ecg_archive(tmp_path, ecg_engine):
    eeg = write_white_noise(tmp_path / "eeg.edf", seconds=20)
    with open_archive(tmp_path / "ecg.sqlite") as archive:
        result = add_recordings(archive, [eeg], ecg_engine)
        assert not result.added and len(result.failed) == 1
        reason = result.failed[0][1]
        assert "reads ECG" in reason and "archive of its own" in reason
        assert archive.counts()["cases"] == 0


def test_an_ecg_path_is_kept_only_when_asked(tmp_path, ecg_engine, ecg_corpus):  # noqa: F811
    paths = find_recordings(ecg_corpus)[:2]
    with open_archive(tmp_path / "ecg.sqlite") as archive:
        add_recordings(archive, paths[:1], ecg_engine)
        add_recordings(archive, paths[1:], ecg_engine, keep_source_paths=True)
        assert archive.case(1).source is None
        assert archive.case(2).source == str(paths[1].resolve())
        assert archive.case(1).metadata.age is None  # no manifest: the file gives no age


def test_a_signed_ecg_report_is_kept_sentence_by_sentence_without_its_headings(
    ecg_engine,
    ecg_corpus,  # noqa: F811
):
    """Its RATE, RHYTHM and MORPHOLOGY are no EEG section header: they are not dropped."""
    from elm_desktop.archive.ingest import case_for_recording
    from elm_desktop.clinical.signoff import load_templates, new_report
    from elm_desktop.signals.ecg import read_ecg

    report = new_report(load_templates()["resting-ecg"])
    for heading, text in [
        ("RATE", "Ventricular rate 88/min."),
        ("RHYTHM", "Sinus rhythm."),
        ("MORPHOLOGY", "Right bundle branch block."),
        ("INTERPRETATION", "Abnormal ECG."),
    ]:
        report = report.with_text(heading, text)
    recording = read_ecg(ecg_corpus / "ecg-r00001.hea")
    windows, starts = MODALITIES["ecg"].model_windows(recording, 10.0, "mv")
    encoding = ecg_engine.encode(windows)
    case = case_for_recording(
        recording,
        ecg_engine,
        encoding.embeddings,
        encoding.attention_weights,
        starts,
        report.body(),
    )
    assert [s.text for s in case.segments] == [
        "Ventricular rate 88/min.",
        "Sinus rhythm.",
        "Right bundle branch block.",
        "Abnormal ECG.",
    ]
    assert case.segment_embeddings.shape[0] == 4
