"""The prompt-bank cache is used only when it verifies, and rebuilt when it does not.

A real engine (the shared random-weight bundle) analyses a synthetic recording once with a clean
cache; the cache file is then damaged (two rows swapped in a file rewritten to look consistent,
one byte flipped) and the analysis repeated with a fresh engine: the findings' probabilities
must equal the clean ones, and the damaged bank must be shown to change them had it been used.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from elm_desktop.analysis import analyze
from elm_desktop.clinical import load_knowledge_base, score_findings
from elm_desktop.clinical.prompt_cache import (
    MAGIC,
    bank_key,
    cache_path,
    prompt_bank,
    read_bank,
)
from elm_desktop.clinical.zeroshot import PromptBank
from elm_desktop.runtime import Engine

pytestmark = pytest.mark.usefixtures("module_data_dir")


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    from elm_desktop.synth import generate_corpus

    folder = tmp_path_factory.mktemp("prompt-cache")
    generate_corpus(folder, n=1, minutes=1, seed=21, workers=1)
    return next(folder.rglob("*.edf"))


@pytest.fixture(scope="module")
def clean(recording, elm_bundle):
    """The probabilities with a freshly built cache, the cache's key and the file's bytes."""
    engine = Engine(elm_bundle, device="cpu")
    kb = load_knowledge_base(model_path=engine.bundle.phenotypes)
    result = analyze(recording, engine)
    key = bank_key(engine, kb, "knowledge")
    return probabilities(result), key, cache_path(key).read_bytes()


def verifies(key: str, elm_bundle) -> bool:
    """Whether this test's cache file holds a bank that verifies."""
    kb = load_knowledge_base(model_path=Engine(elm_bundle, device="cpu").bundle.phenotypes)
    return read_bank(cache_path(key), key, kb, "knowledge") is not None


def place(key: str, data: bytes):
    """Put cache bytes where this test's analysis will look for them."""
    path = cache_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def probabilities(result) -> dict[str, float]:
    return {f.finding_id: f.probability for f in result.findings}


def swapped_rows_file(data: bytes) -> tuple[bytes, PromptBank]:
    """The cache file with rows 0 and 1 of the positive prompts swapped, checksum line kept."""
    header, payload = (
        data[: data.index(b"\n", len(MAGIC)) + 1],
        data[data.index(b"\n", len(MAGIC)) + 1 :],
    )
    with np.load(io.BytesIO(payload)) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["positive"] = arrays["positive"][[1, 0, *range(2, len(arrays["positive"]))]]
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    bank = PromptBank(
        tuple(map(str, arrays["finding_ids"])), arrays["positive"], arrays["contrast"], "knowledge"
    )
    return header + buffer.getvalue(), bank


def test_swapped_rows_are_rebuilt_and_scores_equal_the_clean_ones(clean, recording, elm_bundle):
    clean_p, key, data = clean
    damaged, bank = swapped_rows_file(data)
    place(key, damaged)
    assert not verifies(key, elm_bundle)

    engine = Engine(elm_bundle, device="cpu")  # a new engine: nothing held in memory
    result = analyze(recording, engine)

    assert probabilities(result) == clean_p
    assert verifies(key, elm_bundle)  # rewritten
    # Positive control: scored with the swapped bank, the probabilities would differ.
    kb = load_knowledge_base(model_path=engine.bundle.phenotypes)
    wrong = score_findings(
        kb,
        bank,
        result.crop_embeddings,
        result.recording_embedding,
        result.crop_starts_s,
        result.window_s,
        engine.bundle.temperature,
    )
    assert {f.finding_id: f.probability for f in wrong} != clean_p


def test_a_flipped_byte_anywhere_does_not_verify(clean, elm_bundle):
    _, key, data = clean
    kb = load_knowledge_base(model_path=Engine(elm_bundle, device="cpu").bundle.phenotypes)
    path = place(key, data)
    assert read_bank(path, key, kb, "knowledge") is not None  # positive control
    accepted = []
    for position in range(len(data)):
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        path.write_bytes(bytes(flipped))
        if read_bank(path, key, kb, "knowledge") is not None:
            accepted.append(position)
    assert accepted == []


def test_a_flipped_byte_is_rebuilt_and_scores_equal_the_clean_ones(clean, recording, elm_bundle):
    clean_p, key, data = clean
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    place(key, bytes(flipped))
    result = analyze(recording, Engine(elm_bundle, device="cpu"))
    assert probabilities(result) == clean_p
    assert verifies(key, elm_bundle)


def test_a_bank_of_another_model_is_not_read(clean, elm_bundle):
    _, key, data = clean
    engine = Engine(elm_bundle, device="cpu")
    kb = load_knowledge_base(model_path=engine.bundle.phenotypes)
    path = place(key, data)
    assert read_bank(path, key, kb, "knowledge") is not None
    assert read_bank(path, "0" * 64, kb, "knowledge") is None
    assert prompt_bank(engine, kb, "knowledge") is not None
