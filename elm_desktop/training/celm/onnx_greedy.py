"""Greedy decoding of an exported generator's folder with numpy and ONNX Runtime, without torch.

Reads what :func:`.onnx_export.export_generator` wrote; the decoding loop is the runtime's
(:class:`~elm_desktop.runtime.draft_generator.DraftGenerator`, what a bundle's generator runs).
"""

from __future__ import annotations

from pathlib import Path

from elm_desktop.runtime.draft_generator import DraftGenerator

#: What :func:`.onnx_export.export_generator` writes into its folder.
DECODER_FILE = "decoder.onnx"
PREFIX_FILE = "prefix.npz"
TOKENIZER_FILE = "tokenizer.json"


class OnnxGenerator(DraftGenerator):
    """An exported generator's folder (decoder graph, prefix tensors, tokenizer) for greedy drafts.

    Parameters
    ----------
    directory : path-like
        The folder :func:`~elm_desktop.training.celm.onnx_export.export_generator` wrote.
    threads : int
        ONNX Runtime's intra-op threads.
    """

    def __init__(self, directory: str | Path, threads: int = 1) -> None:
        directory = Path(directory)
        super().__init__(
            directory / DECODER_FILE, directory / PREFIX_FILE, directory / TOKENIZER_FILE, threads
        )
