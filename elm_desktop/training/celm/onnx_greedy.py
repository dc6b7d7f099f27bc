"""Greedy decoding of an exported generator with numpy and ONNX Runtime, without torch.

Reads what :func:`.onnx_export.export_generator` wrote: the input embeddings of the prefix
(``[start] P(e_1) ... P(e_n) [separator] (finding tokens) [end]``) and of the prompt are built
in numpy, the decoder graph runs once over all of them and then once per generated token with
its key/value cache, and the next token is the argmax of the logits. ``on_token`` sees every
token as it comes, so a caller can stream the draft and stop it. Nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

#: What :func:`.onnx_export.export_generator` writes into its folder.
DECODER_FILE = "decoder.onnx"
PREFIX_FILE = "prefix.npz"
TOKENIZER_FILE = "tokenizer.json"


class OnnxGenerator:
    """An exported generator (decoder graph, prefix tensors, tokenizer) for greedy drafts.

    Parameters
    ----------
    directory : path-like
        The folder :func:`~elm_desktop.training.celm.onnx_export.export_generator` wrote.
    threads : int
        ONNX Runtime's intra-op threads.
    """

    def __init__(self, directory: str | Path, threads: int = 1) -> None:
        from tokenizers import Tokenizer

        from elm_desktop.runtime.offline_ort import ort

        directory = Path(directory)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(directory / DECODER_FILE), options, providers=["CPUExecutionProvider"]
        )
        with np.load(directory / PREFIX_FILE) as arrays:
            self.arrays = {name: arrays[name] for name in arrays.files}
        self.eos_id = int(self.arrays.pop("eos_id"))
        self.tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        shape = self.session.get_inputs()[1].shape  # [layers, 1, kv_heads, past, head_dim]
        self._empty = np.zeros((shape[0], 1, shape[2], 0, shape[4]), np.float32)

    def prefix(self, crops: np.ndarray, margins: np.ndarray | None = None) -> np.ndarray:
        """The recording's prefix embeddings ``[n + 3 (+ k), width]`` (as the torch model's)."""
        a = self.arrays
        tokens = np.asarray(crops, np.float32) @ a["projector_weight"].T + a["projector_bias"]
        parts = [a["start"], tokens, a["separator"]]
        if "finding_embeddings" in a:
            if margins is None:
                raise ValueError("this generator reads finding scores: give their margins")
            column = np.asarray(margins, np.float32).reshape(-1, 1)
            parts.append(a["finding_embeddings"] + column * a["finding_directions"])
        return np.concatenate([*parts, a["end"]]).astype(np.float32)

    def encode(self, text: str) -> list[int]:
        """Token ids of a text (no special tokens added)."""
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        """Text of token ids, special tokens dropped."""
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def generate_ids(
        self,
        crops: np.ndarray,
        prompt: str,
        margins: np.ndarray | None = None,
        max_new_tokens: int = 256,
        on_token: Callable[[int], bool | None] | None = None,
    ) -> list[int]:
        """Greedy new token ids of one recording, up to and without end-of-sequence.

        ``on_token(id)`` is called with each new token; returning ``True`` stops decoding
        (a cancel).
        """
        table = self.arrays["token_embeddings"]
        embeds = np.concatenate([self.prefix(crops, margins), table[self.encode(prompt)]])
        key = value = self._empty
        ids: list[int] = []
        for _ in range(max_new_tokens):
            logits, key, value = self.session.run(
                None, {"inputs_embeds": embeds[None], "past_key": key, "past_value": value}
            )
            token = int(np.argmax(logits[0]))
            if token == self.eos_id:
                break
            ids.append(token)
            if on_token is not None and on_token(token):
                break
            embeds = table[[token]]
        return ids
