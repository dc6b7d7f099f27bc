"""The preprocessing cache, text cache and ELM bag sampling on a tiny real corpus."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from elm_desktop.errors import ConfigError
from elm_desktop.training.data import (
    FINDINGS,
    build_cache,
    load_batch,
    plan_epoch,
    read_manifest,
)


@pytest.fixture
def caches(tiny_cache):
    return tiny_cache


def test_cache_holds_float16_crops_of_every_recording(caches):
    cache, _ = caches
    assert cache.crops.dtype == np.float16 and isinstance(cache.crops, np.memmap)
    assert cache.crops.shape == (12 * 8, 20, 500)
    assert list(np.diff(cache.offsets)) == [8] * 12
    assert np.abs(cache.crops).max() <= 81  # ELM clips at +-80 before resampling


def test_crop_labels_follow_finding_intervals(caches):
    cache, _ = caches
    column = FINDINGS.index("focal_epileptiform")
    spiky = cache.crop_range(1)
    labelled = cache.starts_s[spiky][cache.labels[spiky, column] == 1]
    assert list(labelled) == [15.0, 20.0]  # crops 15-20 s and 20-25 s overlap 15-25 s
    assert cache.labels[cache.crop_range(0)].sum() == 0


def test_cache_is_reused_when_the_manifest_is_unchanged(caches, tiny_corpus):
    cache, _ = caches
    again = build_cache(tiny_corpus, cache.directory, window_s=5)
    assert again.crops.filename == cache.crops.filename
    np.testing.assert_array_equal(again.offsets, cache.offsets)


def test_a_recording_written_again_under_the_same_manifest_is_preprocessed_again(
    tiny_corpus, tmp_path
):
    """A corpus made again by a fixed generator keeps its manifest: keyed on it alone, the
    cache kept the old recordings' crops and a model was trained on them."""
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_corpus, corpus, ignore=shutil.ignore_patterns("cache*"))
    first = build_cache(corpus, corpus / "cache-5s", window_s=5)
    before = np.asarray(first.crops[first.crop_range(0)], np.float32)
    records = read_manifest(corpus)
    edf = records[0]["edf"]
    shutil.copyfile(records[1]["edf"], edf)  # another recording's signal under the first's name
    again = build_cache(corpus, corpus / "cache-5s", window_s=5)
    after = np.asarray(again.crops[again.crop_range(0)], np.float32)
    second = np.asarray(again.crops[again.crop_range(1)], np.float32)
    assert not np.array_equal(after, before)
    np.testing.assert_array_equal(after, second)


def test_text_cache_segments_every_report(caches):
    cache, texts = caches
    first = [texts.segments[i] for i in texts.recording_range(1)]
    assert first[0].startswith("CLINICAL HISTORY")
    assert any("left temporal spikes" in s for s in first)
    assert texts.embeddings.shape == (len(texts.segments), 384)


def test_bags_hold_distinct_recordings_and_respect_limits(caches):
    cache, texts = caches
    train = cache.split_indices("train")
    plan = plan_epoch(cache, texts, train, 3, 2, 4, np.random.default_rng(0))
    # 8 crops / 3 per bag -> 3 bags per recording, 8 recordings -> 24 bags -> 6 batches of 4.
    assert len(plan) == 6
    for batch in plan:
        recordings = [bag[0] for bag in batch]
        assert len(set(recordings)) == len(recordings) == 4
        for recording, crops, segments in batch:
            assert len(crops) == 3 and len(segments) == 2
            assert set(crops) <= set(cache.crop_range(recording))
            assert set(segments) <= set(texts.recording_range(recording))
    loaded = load_batch(cache, texts, plan[0])
    assert loaded.crops.shape == (12, 20, 500)
    assert list(loaded.crop_bags) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert loaded.text.shape == (8, 384)


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="generate a corpus"):
        read_manifest(tmp_path)


def _renamed_corpus(tiny_corpus, root, prefix):
    """The tiny corpus under other recording and patient ids (the same EDF files)."""
    import json

    root.mkdir()
    lines = []
    for line in (tiny_corpus / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        entry["id"], entry["patient_id"] = prefix + entry["id"], prefix + entry["patient_id"]
        entry["edf"] = str(tiny_corpus / entry["edf"])
        lines.append(json.dumps(entry))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_several_corpora_train_as_one_joined_cache(caches, tiny_corpus, tmp_path):
    from elm_desktop.training.config import TrainingConfig
    from elm_desktop.training.trainer import corpus_names, prepare_data

    cache, texts = caches
    other = _renamed_corpus(tiny_corpus, tmp_path / "other", "b-")
    config = TrainingConfig()
    config.data.corpus = [str(tiny_corpus), str(other)]
    config.data.cache_dir = str(tmp_path / "joined")
    joined, joined_texts = prepare_data(config)
    assert len(joined) == 2 * len(cache)
    np.testing.assert_array_equal(joined.crops[: len(cache.crops)], cache.crops)
    np.testing.assert_array_equal(joined.crops[len(cache.crops) :], cache.crops)
    last = len(cache) + 3
    assert joined.recordings[last]["id"] == "b-" + cache.recordings[3]["id"]
    np.testing.assert_array_equal(
        joined.crops[joined.crop_range(last)], cache.crops[cache.crop_range(3)]
    )
    np.testing.assert_array_equal(
        joined.labels[joined.crop_range(last)], cache.labels[cache.crop_range(3)]
    )
    segments = joined_texts.recording_range(last)
    np.testing.assert_array_equal(
        joined_texts.embeddings[segments], texts.embeddings[texts.recording_range(3)]
    )
    assert corpus_names(config) == f"{tiny_corpus.name} + other"
    # Asking again reuses the joined cache instead of copying the crops once more.
    stamp = (tmp_path / "joined" / "crops.f16").stat().st_mtime_ns
    prepare_data(config)
    assert (tmp_path / "joined" / "crops.f16").stat().st_mtime_ns == stamp


def test_corpora_sharing_recording_ids_are_refused(caches, tiny_corpus, tmp_path):
    from elm_desktop.training.config import TrainingConfig
    from elm_desktop.training.trainer import prepare_data

    copy = _renamed_corpus(tiny_corpus, tmp_path / "copy", "")
    config = TrainingConfig()
    config.data.corpus = [str(tiny_corpus), str(copy)]
    config.data.cache_dir = str(tmp_path / "joined")
    with pytest.raises(ConfigError, match="share recording ids"):
        prepare_data(config)


def test_four_builds_of_one_cache_at_once_leave_one_whole_cache(caches, tiny_corpus, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    reference, _ = caches
    directory = tmp_path / "cache-5s"
    directory.mkdir()
    (directory / "crops.f16").write_bytes(b"\0" * 64)  # a run killed midway: no meta.json
    with ThreadPoolExecutor(4) as pool:
        built = list(pool.map(lambda _: build_cache(tiny_corpus, directory, window_s=5), range(4)))
    final = build_cache(tiny_corpus, directory, window_s=5)
    for cache in (*built, final):
        np.testing.assert_array_equal(np.asarray(cache.crops), np.asarray(reference.crops))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache-5s"]  # no staging left


def test_a_rebuild_stopped_midway_leaves_the_earlier_cache_whole(caches, tiny_corpus, tmp_path):
    from elm_desktop.errors import CancelledError
    from elm_desktop.progress import CancelToken

    reference, _ = caches
    directory = tmp_path / "cache"
    build_cache(tiny_corpus, directory, window_s=5)
    token = CancelToken()
    with pytest.raises(CancelledError):  # another window length: a rebuild, stopped at once
        build_cache(
            tiny_corpus, directory, window_s=10, cancel=token, progress=lambda *_: token.cancel()
        )
    again = build_cache(tiny_corpus, directory, window_s=5)
    np.testing.assert_array_equal(np.asarray(again.crops), np.asarray(reference.crops))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]
