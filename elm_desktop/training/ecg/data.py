"""ECG training data: a cache of every record's model input, labels, and report sentences.

The cache folder holds ``ecg.f16`` (float16 memory map [n_records, 12, 5000]: each record's
first 10 s window, :func:`~elm_desktop.signals.ecg.model_input.ecg_model_input`),
``records.json`` (id, patient, split, findings, reports; no patient fields), and per text
setting the distinct report sentences with their frozen-encoder embeddings and which record
holds which sentence.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.errors import ConfigError
from elm_desktop.progress import ProgressCallback
from elm_desktop.runtime.report_segments import split_sentences
from elm_desktop.signals.ecg import read_ecg
from elm_desktop.signals.ecg.model_input import N_LEADS, N_SAMPLES, ecg_model_input
from elm_desktop.synth.ecg import ECG_FINDINGS, MANIFEST_NAME, generate_ecg_corpus

CACHE_VERSION = 1
#: The classes scored and evaluated: "normal" (no abnormal finding) then the manifest's findings.
ECG_CLASSES: tuple[str, ...] = ("normal", *ECG_FINDINGS)
_NEGATION = re.compile(r"^\s*(no|not|without|negative for)\b", re.IGNORECASE)


@dataclass
class EcgCache:
    """The cached corpus: inputs, labels and reports of every record."""

    directory: Path
    inputs: np.ndarray  # float16 memmap [n, 12, 5000]
    records: list[dict[str, Any]]
    labels: np.ndarray  # uint8 [n, len(ECG_CLASSES)]

    def split_indices(self, split: str) -> np.ndarray:
        """Indices of the records of a split (``"all"``: every record)."""
        if split == "all":
            return np.arange(len(self.records))
        return np.array([i for i, r in enumerate(self.records) if r["split"] == split], np.int64)


def record_labels(record: dict[str, Any]) -> np.ndarray:
    """uint8 [len(ECG_CLASSES)] of one manifest entry."""
    names = {f["name"] for f in record["findings"]}
    if not record.get("abnormal", True):
        names.add("normal")
    return np.array([name in names for name in ECG_CLASSES], dtype=np.uint8)


def ensure_ecg_corpus(corpus: str | Path, n: int, seed: int) -> Path:
    """Generate a synthetic ECG corpus (10 s at 500 Hz, WFDB) unless its manifest exists."""
    corpus = Path(corpus)
    if not (corpus / MANIFEST_NAME).is_file():
        generate_ecg_corpus(corpus, n=n, seed=seed)
    return corpus


def read_ecg_corpus(corpus: str | Path) -> list[dict[str, Any]]:
    """Manifest entries with the WFDB path made absolute."""
    path = Path(corpus) / MANIFEST_NAME
    if not path.is_file():
        raise ConfigError(f"ECG corpus manifest {path} does not exist: generate a corpus first")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for number, record in enumerate(records, start=1):
        missing = [k for k in ("id", "split", "wfdb", "report", "findings") if k not in record]
        if missing:
            raise ConfigError(f"{path} entry {number} lacks {', '.join(missing)}")
        record["wfdb"] = str((path.parent / record["wfdb"]).resolve())
    return records


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def build_ecg_cache(
    corpus: str | Path,
    cache_dir: str | Path | None = None,
    normalisation: str = "mv",
    progress: ProgressCallback | None = None,
) -> EcgCache:
    """Read and preprocess every record once (reused while the manifest is unchanged)."""
    corpus = Path(corpus)
    directory = Path(cache_dir) if cache_dir else corpus / f"cache-ecg-{normalisation}"
    manifest = corpus / MANIFEST_NAME
    key = {"version": CACHE_VERSION, "manifest": _digest(manifest), "norm": normalisation}
    meta_path = directory / "cache.json"
    records_path = directory / "records.json"
    data_path = directory / "ecg.f16"
    if meta_path.is_file() and json.loads(meta_path.read_text()) == key:
        records = json.loads(records_path.read_text(encoding="utf-8"))
        inputs = np.memmap(data_path, np.float16, "r", shape=(len(records), N_LEADS, N_SAMPLES))
        return EcgCache(directory, inputs, records, np.stack([record_labels(r) for r in records]))
    records = read_ecg_corpus(corpus)
    directory.mkdir(parents=True, exist_ok=True)
    inputs = np.memmap(data_path, np.float16, "w+", shape=(len(records), N_LEADS, N_SAMPLES))
    kept = []
    for index, record in enumerate(records):
        ecg = read_ecg(record["wfdb"])
        inputs[index] = ecg_model_input(ecg.samples_mv, ecg.sfreq, normalisation)[0]
        kept.append(
            {
                k: record.get(k)
                for k in ("id", "patient_id", "split", "findings", "abnormal", "report")
            }
            | {"machine_report": record.get("machine_report", ""), "rhythm": record.get("rhythm")}
        )
        if progress is not None and (index % 50 == 0 or index + 1 == len(records)):
            progress(index + 1, len(records), "caching ECG records")
    inputs.flush()
    records_path.write_text(json.dumps(kept), encoding="utf-8")
    meta_path.write_text(json.dumps(key), encoding="utf-8")
    inputs = np.memmap(data_path, np.float16, "r", shape=(len(kept), N_LEADS, N_SAMPLES))
    return EcgCache(directory, inputs, kept, np.stack([record_labels(r) for r in kept]))


def report_sentences(
    record: dict[str, Any], fields: list[str], drop_negations: bool = True
) -> list[str]:
    """The distinct sentences of a record's report texts, in order."""
    sentences: list[str] = []
    for name in fields:
        for sentence in split_sentences(str(record.get(name) or "")):
            sentence = " ".join(sentence.split())
            if not sentence or (drop_negations and _NEGATION.match(sentence)):
                continue
            if sentence not in sentences:
                sentences.append(sentence)
    return sentences


@dataclass
class SentenceCache:
    """Distinct sentences, their frozen-encoder embeddings, and each record's sentence ids."""

    sentences: list[str]
    embeddings: np.ndarray  # float32 [n_sentences, text_dim]
    offsets: np.ndarray  # int64 [n_records + 1]
    ids: np.ndarray  # int64: record i's sentences are ids[offsets[i]:offsets[i+1]]

    def of(self, record: int) -> np.ndarray:
        return self.ids[self.offsets[record] : self.offsets[record + 1]]


def sentence_cache(
    cache: EcgCache,
    text_model: str,
    pooling: str,
    max_length: int,
    fields: list[str],
    drop_negations: bool,
) -> SentenceCache:
    """Split every report into sentences and embed each distinct one once, cached on disk."""
    key = json.dumps([text_model, pooling, max_length, fields, drop_negations, CACHE_VERSION])
    name = "sentences-" + hashlib.sha256(key.encode()).hexdigest()[:16]
    path = cache.directory / f"{name}.npz"
    if path.is_file():
        stored = np.load(path)
        texts = json.loads((cache.directory / f"{name}.json").read_text(encoding="utf-8"))
        return SentenceCache(texts, stored["embeddings"], stored["offsets"], stored["ids"])
    from elm_desktop.training.text import TextEncoder

    per_record = [report_sentences(r, fields, drop_negations) for r in cache.records]
    texts = sorted({s for group in per_record for s in group})
    index = {s: i for i, s in enumerate(texts)}
    ids = np.array([index[s] for group in per_record for s in group], dtype=np.int64)
    offsets = np.cumsum([0] + [len(g) for g in per_record]).astype(np.int64)
    encoder = TextEncoder(text_model, pooling=pooling, max_length=max_length)
    embeddings = encoder.embed(texts).numpy().astype(np.float32)
    np.savez(path, embeddings=embeddings, offsets=offsets, ids=ids)
    (cache.directory / f"{name}.json").write_text(json.dumps(texts), encoding="utf-8")
    return SentenceCache(texts, embeddings, offsets, ids)
