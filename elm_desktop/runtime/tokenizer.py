"""Tokenising prompts with the Hugging Face ``tokenizers`` library (no transformers import).

The bundle carries the text model's ``tokenizer.json``; truncation (right side, at the
manifest's ``max_length``) and padding (to the longest prompt of a batch) are set here, so the
ids match what the Hugging Face tokenizer gives at training time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from elm_desktop.errors import BundleError


class PromptTokenizer:
    """Turn prompts into ``input_ids`` and ``attention_mask`` arrays [k, L] of int64.

    Parameters
    ----------
    path : path
        A ``tokenizer.json`` file.
    max_length : int
        Token limit including the special tokens; longer prompts are cut on the right.
    """

    def __init__(self, path: str | Path, max_length: int) -> None:
        try:
            self._tokenizer = Tokenizer.from_file(str(path))
        except Exception as error:  # tokenizers raises a bare Exception on bad files
            raise BundleError(f"cannot read the tokenizer {path}: {error}") from error
        self.max_length = int(max_length)
        self._tokenizer.enable_truncation(self.max_length, direction="right")
        padding = self._tokenizer.padding or {}
        pad_id = padding.get("pad_id", self._tokenizer.token_to_id("[PAD]") or 0)
        pad_token = padding.get("pad_token", "[PAD]")
        self._tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)

    def __call__(self, prompts: Sequence[str]) -> dict[str, np.ndarray]:
        """Return ``{"input_ids": [k, L], "attention_mask": [k, L]}`` (int64)."""
        encodings = self._tokenizer.encode_batch(list(prompts))
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        }
