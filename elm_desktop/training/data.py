"""Training data: a preprocessing cache built once from a corpus, and ELM's bag sampling.

The cache is a folder holding every recording's crops in one float16 memory-mapped file
(``crops.f16``, [n_crops, 20, T]), the crop offsets of each recording, per-crop event labels
derived from the manifest's finding intervals, and the recordings' metadata and reports. Text
segments and their frozen-encoder embeddings are cached beside it, one file per text setting,
since the frozen encoder never changes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.runtime.report_segments import segment_report
from elm_desktop.synth import FINDINGS, MANIFEST_NAME, generate_corpus
from elm_desktop.synth import read_manifest as read_manifest_entries

CACHE_VERSION = 1
N_CHANNELS = 20
SFREQ = 100


def read_manifest(path: str | Path) -> list[dict[str, Any]]:
    """Read a corpus ``manifest.jsonl`` (or the folder holding it); EDF paths become absolute.

    Raises
    ------
    ConfigError
        If the file is missing or an entry lacks a required field.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        raise ConfigError(f"corpus manifest {path} does not exist: generate a corpus first")
    try:
        records = read_manifest_entries(path)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not JSON lines: {error}") from error
    required = ("id", "patient_id", "split", "edf", "report", "findings", "abnormal")
    for number, record in enumerate(records, start=1):
        missing = [key for key in required if key not in record]
        if missing:
            raise ConfigError(f"{path} entry {number} lacks {', '.join(missing)}")
        record["edf"] = str((path.parent / record["edf"]).resolve())
    return records


def ensure_corpus(
    corpus: str | Path, n: int, minutes: float, seed: int, workers: int, conditions: str = "none"
) -> Path:
    """Generate a synthetic corpus into ``corpus`` unless its manifest already exists.

    ``conditions`` names the recording conditions it randomises (``[data]
    generate_conditions``, :mod:`elm_desktop.synth.conditions`).
    """
    corpus = Path(corpus)
    if not (corpus / MANIFEST_NAME).is_file():
        generate_corpus(
            corpus, n=n, minutes=minutes, seed=seed, workers=workers, conditions=conditions
        )
    return corpus


def crop_event_labels(record: dict[str, Any], starts_s: np.ndarray, window_s: float) -> np.ndarray:
    """Return uint8 [n_crops, len(FINDINGS)]: 1 where a crop overlaps a finding's interval."""
    labels = np.zeros((len(starts_s), len(FINDINGS)), dtype=np.uint8)
    ends_s = starts_s + window_s
    for finding in record["findings"]:
        if finding["name"] not in FINDINGS:
            raise ConfigError(f"recording {record['id']}: unknown finding {finding['name']!r}")
        column = FINDINGS.index(finding["name"])
        for start, end in finding.get("intervals", []):
            labels[(starts_s < end) & (ends_s > start), column] = 1
    return labels


def _preprocess_task(task: tuple[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """ELM input of one recording, cut into crops (signals does the work)."""
    edf, window_s = task
    from elm_desktop.errors import RecordingTooShortError
    from elm_desktop.signals import crop_windows, elm_input, open_recording

    try:
        crops, starts_s = crop_windows(elm_input(open_recording(edf)), window_s=window_s)
    except RecordingTooShortError:
        return np.zeros((0, N_CHANNELS, window_s * SFREQ), np.float32), np.zeros(0)
    return np.asarray(crops), np.asarray(starts_s, dtype=np.float64)


def _corpus_digest(path: Path, records: list[dict[str, Any]]) -> str:
    """The manifest's bytes and each recording file's size and modification time.

    A recording written again under the same manifest (a corpus made again by a fixed
    generator, a re-export) is preprocessed again: keyed on the manifest alone, a cache held
    the old recordings' crops, and models were trained on them unnoticed.
    """
    digest = hashlib.sha256(path.read_bytes())
    for record in records:
        name = os.path.relpath(record["edf"], path.parent)  # a corpus moved whole keeps its cache
        try:
            stat = Path(record["edf"]).stat()
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        except OSError:  # reported by preprocessing, as before
            digest.update(f"{name}\0missing\n".encode())
    return digest.hexdigest()


@dataclass
class CropCache:
    """A built preprocessing cache, opened read-only.

    Attributes
    ----------
    crops : np.memmap
        float16 [n_crops, 20, T].
    offsets : np.ndarray
        int64 [n_recordings + 1]; recording ``i`` owns crops ``offsets[i]:offsets[i+1]``.
    starts_s : np.ndarray
        Start time of every crop in its recording.
    labels : np.ndarray
        uint8 [n_crops, len(FINDINGS)] per-crop event labels.
    recordings : list of dict
        Manifest entries in cache order.
    window_s : int
        Crop length.
    """

    directory: Path
    crops: np.ndarray
    offsets: np.ndarray
    starts_s: np.ndarray
    labels: np.ndarray
    recordings: list[dict[str, Any]]
    window_s: int

    @classmethod
    def open(cls, directory: str | Path) -> CropCache:
        directory = Path(directory)
        meta_path = directory / "meta.json"
        if not meta_path.is_file():
            raise ConfigError(f"{directory} is not a preprocessing cache (no meta.json)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        shape = (meta["n_crops"], N_CHANNELS, meta["window_s"] * SFREQ)
        crops = np.memmap(directory / "crops.f16", dtype=np.float16, mode="r", shape=shape)
        index = np.load(directory / "index.npz")
        recordings = json.loads((directory / "recordings.json").read_text(encoding="utf-8"))
        return cls(
            directory,
            crops,
            index["offsets"],
            index["starts_s"],
            index["labels"],
            recordings,
            meta["window_s"],
        )

    def __len__(self) -> int:
        return len(self.recordings)

    def crop_range(self, recording: int) -> range:
        return range(int(self.offsets[recording]), int(self.offsets[recording + 1]))

    def split_indices(self, split: str) -> np.ndarray:
        """Recording indices of one split ("train", "val" or "test")."""
        return np.array([i for i, r in enumerate(self.recordings) if r["split"] == split], int)

    def recording_labels(self) -> np.ndarray:
        """uint8 [n_recordings, len(FINDINGS)]: the findings of each recording's manifest entry."""
        labels = np.zeros((len(self.recordings), len(FINDINGS)), dtype=np.uint8)
        for i, record in enumerate(self.recordings):
            for finding in record["findings"]:
                labels[i, FINDINGS.index(finding["name"])] = 1
            if not record["abnormal"]:
                labels[i, FINDINGS.index("normal")] = 1
        return labels


def build_cache(
    manifest: str | Path,
    directory: str | Path,
    window_s: int = 5,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> CropCache:
    """Preprocess a corpus once into a cache folder; reuse it if it matches the manifest.

    Recordings shorter than one crop are left out (with their reports). ``workers`` processes
    preprocess recordings in parallel.
    """
    manifest = Path(manifest)
    if manifest.is_dir():
        manifest = manifest / MANIFEST_NAME
    directory = Path(directory)
    records = read_manifest(manifest)
    digest = _corpus_digest(manifest, records)
    meta_path = directory / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:  # none yet, or another builder is swapping its copy in
        meta = None
    if meta is not None:
        if (meta.get("manifest_sha256"), meta.get("window_s"), meta.get("version")) == (
            digest,
            window_s,
            CACHE_VERSION,
        ):
            return _open_published(directory)
    with _building(directory) as staging:
        offsets, starts, labels, kept = [0], [], [], []
        tasks = [(record["edf"], window_s) for record in records]
        pool = multiprocessing.get_context("spawn").Pool(workers) if workers > 1 else None
        results = pool.imap(_preprocess_task, tasks) if pool else map(_preprocess_task, tasks)
        try:
            with open(staging / "crops.f16", "wb") as out:
                for number, (record, (crops, starts_s)) in enumerate(
                    zip(records, results, strict=True)
                ):
                    if cancel is not None:
                        cancel.check()
                    if len(crops):
                        out.write(np.ascontiguousarray(crops, dtype=np.float16).tobytes())
                        offsets.append(offsets[-1] + len(crops))
                        starts.append(starts_s)
                        labels.append(crop_event_labels(record, starts_s, window_s))
                        kept.append(record)
                    if progress is not None:
                        progress(number + 1, len(records), record["id"])
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
        np.savez(
            staging / "index.npz",
            offsets=np.array(offsets, dtype=np.int64),
            starts_s=np.concatenate(starts) if starts else np.zeros(0),
            labels=np.concatenate(labels) if labels else np.zeros((0, len(FINDINGS)), np.uint8),
        )
        (staging / "recordings.json").write_text(json.dumps(kept), encoding="utf-8")
        meta = {
            "version": CACHE_VERSION,
            "window_s": window_s,
            "n_crops": offsets[-1],
            "manifest": str(manifest.resolve()),
            "manifest_sha256": digest,
        }
        (staging / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return _open_published(directory)


def _open_published(directory: Path, attempts: int = 200) -> CropCache:
    """Open a published cache; another builder may be swapping in its own copy.

    Between its moving ours aside and its rename the folder is briefly absent, before or
    midway through our reading its files (CI hit both with four builders at once), so an
    absent cache or file is waited for (up to ``attempts`` times 10 ms); a cache whose
    ``meta.json`` is there but does not describe a cache is refused at once.
    """
    for _ in range(attempts):
        try:
            return CropCache.open(directory)
        except FileNotFoundError:
            pass
        except ConfigError:
            if (directory / "meta.json").is_file():
                raise
        time.sleep(0.01)
    return CropCache.open(directory)


@contextmanager
def _building(directory: Path) -> Iterator[Path]:
    """Give an empty folder beside ``directory`` to build a cache in; publish it on success.

    The cache moves to ``directory`` only when complete, so that two trainings started on one
    corpus at once cannot truncate each other's files, and a run stopped midway (cancelled,
    failed or killed) leaves any earlier cache whole and nothing half-written under its name.
    """
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.building-", dir=directory.parent))
    try:
        yield staging
        _publish(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # already gone once published


def _publish(staging: Path, directory: Path) -> None:
    """Move a complete cache from ``staging`` to ``directory``, replacing any there.

    Another builder may publish between our moving the old cache aside and our rename: then
    the rename finds a folder again, and that one is moved aside in turn.
    """
    while True:
        try:
            staging.rename(directory)
            return
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        aside = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
        try:
            directory.rename(aside / directory.name)
        except FileNotFoundError:  # another builder moved it first
            pass
        shutil.rmtree(aside)  # open memory maps keep their files until they close


def _write_atomically(path: Path, write) -> None:
    """Call ``write(file)`` on a private temporary file, then move it to ``path``."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as out:
        write(out)
    os.replace(out.name, path)


@dataclass
class TextCache:
    """Report segments of every cached recording and their frozen-encoder embeddings.

    ``embeddings[offsets[i]:offsets[i+1]]`` are recording ``i``'s segments, float32 [n, d].
    """

    segments: list[str]
    offsets: np.ndarray
    embeddings: np.ndarray

    def recording_range(self, recording: int) -> range:
        return range(int(self.offsets[recording]), int(self.offsets[recording + 1]))


def _text_cache_name(text_model: str, pooling: str, max_length: int, mode: str) -> str:
    key = json.dumps([text_model, pooling, max_length, mode, CACHE_VERSION])
    return "text-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def text_cache(
    cache: CropCache, text_model: str, pooling: str, max_length: int, mode: str
) -> TextCache:
    """Segment every report and embed the segments with the frozen encoder, cached on disk."""
    name = _text_cache_name(text_model, pooling, max_length, mode)
    path = cache.directory / f"{name}.npz"
    if path.is_file():
        stored = np.load(path)
        segments = json.loads((cache.directory / f"{name}.json").read_text(encoding="utf-8"))
        return TextCache(segments, stored["offsets"], stored["embeddings"])
    from elm_desktop.training.text import TextEncoder

    per_recording = [
        [s.text for s in segment_report(r["report"], mode=mode)] for r in cache.recordings
    ]
    segments = [s for group in per_recording for s in group]
    offsets = np.cumsum([0] + [len(group) for group in per_recording]).astype(np.int64)
    # Templated reports repeat sentences: embed each distinct segment once.
    unique, inverse = np.unique(np.array(segments, dtype=object), return_inverse=True)
    encoder = TextEncoder(text_model, pooling=pooling, max_length=max_length)
    embeddings = encoder.embed(list(unique)).numpy().astype(np.float32)[inverse.reshape(-1)]
    # The segments first: the .npz's presence is what says the text cache is complete.
    _write_atomically(
        cache.directory / f"{name}.json", lambda out: out.write(json.dumps(segments).encode())
    )
    _write_atomically(path, lambda out: np.savez(out, offsets=offsets, embeddings=embeddings))
    return TextCache(segments, offsets, embeddings)


def _joined_offsets(parts: list[np.ndarray]) -> np.ndarray:
    """Offsets of concatenated parts, each part's shifted by the rows before it."""
    joined, shift = [np.zeros(1, np.int64)], 0
    for offsets in parts:
        joined.append(offsets[1:] + shift)
        shift += int(offsets[-1])
    return np.concatenate(joined).astype(np.int64)


def merge_caches(
    parts: list[tuple[CropCache, TextCache]],
    directory: str | Path,
    text_settings: tuple[str, str, int, str],
) -> tuple[CropCache, TextCache]:
    """Join the caches of several corpora into one, as if they were one corpus.

    Crops are copied in order (no preprocessing again), so training on two generator
    families reads one cache. Reused when it was built from the same parts.

    Parameters
    ----------
    parts : list of (CropCache, TextCache)
        Each corpus's caches, in the order their recordings are to appear.
    directory : str or Path
        Folder of the joined cache.
    text_settings : tuple
        ``(text_model, pooling, max_length, mode)`` of the text caches.
    """
    directory = Path(directory)
    digest = hashlib.sha256(
        json.dumps(
            [
                json.loads((c.directory / "meta.json").read_text())["manifest_sha256"]
                for c, _ in parts
            ]
        ).encode()
    ).hexdigest()
    name = _text_cache_name(*text_settings)
    meta_path = directory / "meta.json"
    if meta_path.is_file() and (directory / f"{name}.npz").is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if (meta.get("manifest_sha256"), meta.get("version")) == (digest, CACHE_VERSION):
            cache = CropCache.open(directory)
            return cache, text_cache(cache, *text_settings)
    ids = [r["id"] for cache, _ in parts for r in cache.recordings]
    if len(set(ids)) != len(ids):
        raise ConfigError("the corpora to join share recording ids: give each its own seed")
    with _building(directory) as staging:
        with open(staging / "crops.f16", "wb") as out:
            for cache, _ in parts:
                for start in range(0, len(cache.crops), 4096):
                    out.write(np.ascontiguousarray(cache.crops[start : start + 4096]).tobytes())
        offsets = _joined_offsets([cache.offsets for cache, _ in parts])
        np.savez(
            staging / "index.npz",
            offsets=offsets.astype(np.int64),
            starts_s=np.concatenate([cache.starts_s for cache, _ in parts]),
            labels=np.concatenate([cache.labels for cache, _ in parts]),
        )
        recordings = [r for cache, _ in parts for r in cache.recordings]
        (staging / "recordings.json").write_text(json.dumps(recordings), encoding="utf-8")
        text_offsets = _joined_offsets([texts.offsets for _, texts in parts])
        np.savez(
            staging / f"{name}.npz",
            offsets=text_offsets.astype(np.int64),
            embeddings=np.concatenate([texts.embeddings for _, texts in parts]),
        )
        segments = [s for _, texts in parts for s in texts.segments]
        (staging / f"{name}.json").write_text(json.dumps(segments), encoding="utf-8")
        meta = {
            "version": CACHE_VERSION,
            "window_s": parts[0][0].window_s,
            "n_crops": int(offsets[-1]),
            "manifest": [str(c.directory) for c, _ in parts],
            "manifest_sha256": digest,
        }
        (staging / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    cache = CropCache.open(directory)
    return cache, text_cache(cache, *text_settings)


@dataclass
class Batch:
    """One training step: crops and segment embeddings of distinct recordings, flattened."""

    crops: np.ndarray  # float16 [n_crops, 20, T]
    crop_bags: np.ndarray  # int64 [n_crops], 0 .. n_bags - 1
    text: np.ndarray  # float32 [n_segments, d]
    text_bags: np.ndarray  # int64 [n_segments]
    recordings: np.ndarray  # int64 [n_bags], cache indices


def plan_epoch(
    cache: CropCache,
    texts: TextCache,
    recordings: np.ndarray,
    max_crops: int,
    max_segments: int,
    bags_per_batch: int,
    rng: np.random.Generator,
) -> list[list[tuple[int, np.ndarray, np.ndarray]]]:
    """Draw bags and order them into batches of distinct recordings, as ELM does per epoch.

    A recording with ``n_c`` crops and ``n_t`` segments gives
    ``max(1, ceil(max(n_c / max_crops, n_t / max_segments)))`` bags, each drawing up to
    ``max_crops`` crops and ``max_segments`` segments without replacement. Recordings without
    text are skipped (their crops would have no positive). Batching stops when a batch would be
    less than half full.

    Returns
    -------
    list of batches, each a list of (recording, crop indices, segment indices)
    """
    bags = []
    for recording in recordings:
        crop_ids = np.asarray(cache.crop_range(int(recording)))
        text_ids = np.asarray(texts.recording_range(int(recording)))
        if len(crop_ids) == 0 or len(text_ids) == 0:
            continue
        n_bags = max(1, math.ceil(max(len(crop_ids) / max_crops, len(text_ids) / max_segments)))
        for _ in range(n_bags):
            bags.append(
                (
                    int(recording),
                    np.sort(rng.choice(crop_ids, min(len(crop_ids), max_crops), replace=False)),
                    rng.choice(text_ids, min(len(text_ids), max_segments), replace=False),
                )
            )
    order = rng.permutation(len(bags))
    pending = [bags[i] for i in order]
    batches = []
    while pending:
        batch, seen, rest = [], set(), []
        for bag in pending:
            if len(batch) < bags_per_batch and bag[0] not in seen:
                batch.append(bag)
                seen.add(bag[0])
            else:
                rest.append(bag)
        if len(batch) < max(1, bags_per_batch // 2):
            break
        batches.append(batch)
        pending = rest
    return batches


def load_batch(
    cache: CropCache, texts: TextCache, batch: list[tuple[int, np.ndarray, np.ndarray]]
) -> Batch:
    """Read one planned batch from the memory-mapped cache."""
    crop_ids = np.concatenate([bag[1] for bag in batch])
    text_ids = np.concatenate([bag[2] for bag in batch])
    return Batch(
        crops=np.asarray(cache.crops[crop_ids]),
        crop_bags=np.repeat(np.arange(len(batch)), [len(bag[1]) for bag in batch]),
        text=texts.embeddings[text_ids],
        text_bags=np.repeat(np.arange(len(batch)), [len(bag[2]) for bag in batch]),
        recordings=np.array([bag[0] for bag in batch], dtype=np.int64),
    )


def iter_recording_crops(
    cache: CropCache, recordings: np.ndarray, batch_crops: int = 512
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (recording, crops float16 [n, 20, T]) in chunks of at most ``batch_crops`` crops."""
    for recording in recordings:
        span = cache.crop_range(int(recording))
        for start in range(span.start, span.stop, batch_crops):
            yield (
                int(recording),
                np.asarray(cache.crops[start : min(span.stop, start + batch_crops)]),
            )
