"""The per-recording state without Qt: saved drafts, observers, results of other files refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from elm_desktop.analysis import AnalysisResult
from elm_desktop.review import DraftError, DraftStore, Review, StaleResultError

SHA_A = "a" * 64


def result_of(path: Path, file_sha256: str) -> AnalysisResult:
    """A small complete result (no findings) of ``path``."""
    return AnalysisResult(
        path=path,
        file_sha256=file_sha256,
        recording_id=file_sha256[:12],
        provenance="synthetic EEG only",
        model="elm-test 0",
        window_s=5.0,
        duration_s=10.0,
        sfreq=256.0,
        channels=("Fp1",),
        crop_starts_s=np.array([0.0, 5.0]),
        attention_logits=np.zeros(2, np.float32),
        attention=np.full(2, 0.5, np.float32),
        crop_embeddings=np.zeros((2, 4), np.float32),
        recording_embedding=np.zeros(4, np.float32),
        complete=True,
    )


def test_a_saved_draft_comes_back_by_the_file_hash(tmp_path):
    store = DraftStore(tmp_path / "drafts")
    assert store.load(SHA_A) is None
    saved = store.save(SHA_A, "<p>Normal EEG.</p>", "Normal EEG.")
    assert store.load(SHA_A) == saved
    assert [p.name for p in store.folder.iterdir()] == [f"{SHA_A}.json"]
    again = store.save(SHA_A, "<p>Abnormal EEG.</p>", "Abnormal EEG.")
    assert store.load(SHA_A).text == again.text == "Abnormal EEG."


def test_an_unreadable_draft_is_kept_aside_not_overwritten(tmp_path):
    store = DraftStore(tmp_path)
    store.path(SHA_A).write_text("{ not json", encoding="utf-8")
    with pytest.raises(DraftError, match="moved to"):
        store.load(SHA_A)
    aside = tmp_path / f"{SHA_A}.unreadable.json"
    assert aside.read_text(encoding="utf-8") == "{ not json"
    store.save(SHA_A, "<p>x</p>", "x")
    assert aside.read_text(encoding="utf-8") == "{ not json"


def test_observers_hear_every_change_until_the_review_is_closed(tmp_path):
    review = Review(tmp_path / "a.edf", DraftStore(tmp_path))
    heard: list[str] = []
    review.observe(heard.append)
    review.set_file_sha256(SHA_A)
    review.set_result(result_of(tmp_path / "a.edf", SHA_A))
    assert heard == ["hash", "result", "prompts", "selection", "draft"]
    review.mark_draft_edited()
    review.mark_draft_edited()  # once is enough
    assert heard[-1] == "draft" and heard.count("draft") == 2
    review.close()
    review.select("finding", "seizure")
    assert heard[-1] == "draft"


def test_a_result_of_another_file_is_refused(tmp_path):
    review = Review(tmp_path / "a.edf", DraftStore(tmp_path))
    with pytest.raises(StaleResultError):  # by path while the hash is not known
        review.set_result(result_of(tmp_path / "b.edf", "b" * 64))
    review.set_file_sha256(SHA_A)
    with pytest.raises(StaleResultError, match="does not belong"):  # same name, other bytes
        review.set_result(result_of(tmp_path / "a.edf", "b" * 64))
    assert review.result is None


def test_a_result_taken_before_the_hash_is_dropped_if_the_bytes_differ(tmp_path):
    review = Review(tmp_path / "a.edf", DraftStore(tmp_path))
    review.set_result(result_of(tmp_path / "a.edf", "b" * 64))  # analysed before hashing
    review.set_file_sha256(SHA_A)  # the file changed in between
    assert review.result is None


def test_exports_need_this_recordings_result(tmp_path):
    review = Review(tmp_path / "a.edf", DraftStore(tmp_path))
    with pytest.raises(StaleResultError, match="not been analysed"):
        review.export_header()
    result = result_of(tmp_path / "a.edf", SHA_A)
    review.set_result(result)  # taken by its path before the hash is known: not exported yet
    with pytest.raises(StaleResultError, match="fingerprinted"):
        review.exportable_result()
    review.set_file_sha256(SHA_A)
    assert review.exportable_result() is result
    assert review.export_header().splitlines()[:2] == [
        f"Recording: {SHA_A[:12]}",
        f"SHA-256: {SHA_A}",
    ]
    assert review.export_header(include_file_name=True).startswith("Recording: a.edf\n")
    assert "synthetic EEG only" in review.export_header()
    review.result = replace(result, file_sha256="c" * 64)  # the file changed on disk
    with pytest.raises(StaleResultError, match="as it is on disk"):
        review.exportable_result()
    review.close()
    with pytest.raises(StaleResultError, match="no longer the open recording"):
        review.exportable_result()


def test_saving_needs_the_hash_and_clears_the_edit_mark(tmp_path):
    review = Review(tmp_path / "a.edf", DraftStore(tmp_path))
    review.mark_draft_edited()
    with pytest.raises(DraftError, match="fingerprinted"):
        review.save_draft("<p>x</p>", "x")
    review.set_file_sha256(SHA_A)
    saved = review.save_draft("<p>x</p>", "x")
    assert not review.draft_edited and review.saved_draft == saved
    assert DraftStore(tmp_path).load(SHA_A) == saved
