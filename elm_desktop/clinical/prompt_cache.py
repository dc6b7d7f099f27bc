"""The prompt-bank cache: each model's embeddings of the knowledge base's prompts, kept on disk.

Embedding every finding's prompts takes about a second on a CPU, so a bank is kept per engine in
memory and in the user data folder. A bank decides every zero-shot score (swapping two of its
rows swaps two findings' probabilities), so a cached file is used only when it verifies:

- it is keyed by the bundle's manifest digest (which covers every graph, the tokenizer and the
  temperature), the text graph in use, the knowledge base's content and the prompt style, so a
  bank of another model or knowledge base is never read;
- its first line is the sha256 of that key and of every byte after the line, so a flipped
  byte, a cut file or two swapped rows do not verify; such a file is rebuilt and rewritten.

A checksum cannot stop someone who can write the user folder from writing a consistent forgery;
it catches corruption and edits, and names the model a bank belongs to.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import weakref
import zipfile
from pathlib import Path

import numpy as np

from elm_desktop.clinical.knowledge import KnowledgeBase, PromptStyle
from elm_desktop.clinical.zeroshot import PromptBank, build_prompt_bank
from elm_desktop.paths import data_dir
from elm_desktop.runtime import Engine

#: First bytes of a cache file, before its checksum line; a new layout gets a new tag.
MAGIC = b"elm-desktop prompt bank 1\n"

_BANKS: weakref.WeakKeyDictionary[Engine, dict[tuple[str, str], PromptBank]] = (
    weakref.WeakKeyDictionary()
)


def prompt_bank(engine: Engine, kb: KnowledgeBase, style: PromptStyle) -> PromptBank | None:
    """Return the engine's prompt bank for a knowledge base (None for an EEG-only model).

    Parameters
    ----------
    engine : Engine
        The model; its bundle digest and text graph key the cache.
    kb : KnowledgeBase
        The findings and their prompts.
    style : {"knowledge", "plain"}
        Which positive prompts to use.

    Returns
    -------
    PromptBank | None
        From memory, else from a cache file that verifies, else built and cached anew.
    """
    if not engine.bundle.has_text:
        return None
    banks = _BANKS.setdefault(engine, {})
    memo = (kb.fingerprint(), style)
    if memo not in banks:
        key = bank_key(engine, kb, style)
        path = cache_path(key)
        banks[memo] = read_bank(path, key, kb, style) or write_bank(
            path, key, build_prompt_bank(kb, engine.embed_text, style)
        )
    return banks[memo]


def bank_key(engine: Engine, kb: KnowledgeBase, style: str) -> str:
    """The sha256 naming everything a bank depends on: model, text graph, knowledge, style."""
    identity = [engine.bundle.digest, engine.text_graph, kb.fingerprint(), style]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()


def cache_path(key: str) -> Path:
    """Where the bank of a :func:`bank_key` is cached."""
    return data_dir() / "cache" / "prompt-banks" / f"{key[:24]}.bank"


def _checksum(key: str, payload: bytes) -> bytes:
    return hashlib.sha256(key.encode() + payload).hexdigest().encode()


def read_bank(path: Path, key: str, kb: KnowledgeBase, style: str) -> PromptBank | None:
    """Return the cached bank if the file verifies and fits ``kb``; None otherwise."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    checksum, _, payload = data.removeprefix(MAGIC).partition(b"\n")
    if not data.startswith(MAGIC) or checksum != _checksum(key, payload):
        return None
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as stored:
            bank = PromptBank(
                tuple(str(i) for i in stored["finding_ids"]),
                stored["positive"],
                stored["contrast"],
                style,
            )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    return bank if list(bank.finding_ids) == kb.list_findings() else None


def write_bank(path: Path, key: str, bank: PromptBank) -> PromptBank:
    """Cache a bank under its key (atomically; a read-only data folder only costs the cache)."""
    buffer = io.BytesIO()
    np.savez(
        buffer,
        finding_ids=np.array(bank.finding_ids),
        positive=bank.positive,
        contrast=bank.contrast,
    )
    payload = buffer.getvalue()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")  # one per writer
        partial.write_bytes(MAGIC + _checksum(key, payload) + b"\n" + payload)
        os.replace(partial, path)
    except OSError:
        pass
    return bank
