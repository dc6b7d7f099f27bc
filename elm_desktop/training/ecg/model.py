"""MERL's ECG encoder: ResNet18-1D, attention pooling to the joint space, two dropout views.

Architecture (as MERL's ``ResNet18`` + ``AttentionPool2d``, written here from their paper and
code's description, with the stage width a parameter):

- stem Conv1d(12, w, 7, stride 2) + BN + ReLU (no max-pool), then four stages of two basic
  blocks (Conv-BN-ReLU-Conv-BN + shortcut, ReLU after the sum) of width w, 2w, 4w, 8w, the last
  three starting with stride 2: 12 x 5000 -> 8w x 313;
- a 1 x 1 convolution to the joint width d (256);
- attention pooling: a learned query token with positional embeddings attends over the 313
  positions (multi-head attention, 4 heads) and a linear layer gives the ECG embedding z (d);
- uni-modal alignment: the average-pooled features through two linear maps, each with its own
  dropout, give two views whose CLIP loss trains the encoder to be stable under dropout;
- the text projector is the EEG model's (:class:`~elm_desktop.training.text.TextProjector`) over
  the shared frozen text encoder's pooled output.

A checkpoint is a folder with ``model.safetensors`` and ``config.json`` (``format``
``elm-desktop-ecg-checkpoint/1``, the :class:`EcgModelConfig` fields and notes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from elm_desktop.errors import ConfigError
from elm_desktop.signals.ecg.model_input import N_LEADS, N_SAMPLES
from elm_desktop.training.ecg.config import EcgModelConfig, model_config_from_dict
from elm_desktop.training.model import CONFIG_FILE, WEIGHTS_FILE, write_checkpoint
from elm_desktop.training.text import TextProjector

FORMAT = "elm-desktop-ecg-checkpoint/1"


class BasicBlock1d(nn.Module):
    """ResNet basic block in one dimension (kernel 3)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm1d(out_channels)
        self.conv2 = nn.Conv1d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm1d(out_channels)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv1d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm1d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet18_1d(nn.Module):
    """ResNet18 over 12 leads: [B, 12, T] -> [B, 8 * width, ceil(T / 16)]."""

    def __init__(self, width: int = 64, in_channels: int = N_LEADS) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(in_channels, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm1d(width)
        stages, channels = [], width
        for index, out in enumerate((width, 2 * width, 4 * width, 8 * width)):
            stride = 1 if index == 0 else 2
            stages.append(
                nn.Sequential(BasicBlock1d(channels, out, stride), BasicBlock1d(out, out))
            )
            channels = out
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.out_channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return self.layer4(self.layer3(self.layer2(self.layer1(out))))


def encoder_length(n_samples: int = N_SAMPLES) -> int:
    """Positions the encoder leaves of ``n_samples`` (313 for 5000)."""
    length = (n_samples + 2 * 3 - 7) // 2 + 1
    for _ in range(3):
        length = (length + 2 - 3) // 2 + 1
    return length


class AttentionPool1d(nn.Module):
    """A learned query token attends over the positions (MERL's ``AttentionPool2d``)."""

    def __init__(self, length: int, dim: int, heads: int) -> None:
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.randn(1, length + 1, dim) / dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.mhsa = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.c_proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, dim, L] -> embedding [B, dim] and attention over positions [B, L]."""
        tokens = x.permute(0, 2, 1)
        cls = self.cls_token.expand(tokens.shape[0], -1, -1)
        tokens = torch.cat([cls, tokens], dim=1) + self.positional_embedding
        pooled, weights = self.mhsa(tokens[:, :1], tokens, tokens, average_attn_weights=True)
        return self.c_proj(pooled[:, 0]), weights[:, 0, 1:]


class MerlModel(nn.Module):
    """ECG encoder + attention pool + uni-modal view heads + text projector.

    Parameters
    ----------
    config : EcgModelConfig
    """

    def __init__(self, config: EcgModelConfig) -> None:
        super().__init__()
        self.config = config
        self.ecg_encoder = ResNet18_1d(config.width)
        self.downconv = nn.Conv1d(self.ecg_encoder.out_channels, config.embed_dim, 1)
        self.att_pool = AttentionPool1d(encoder_length(), config.embed_dim, config.heads)
        self.view1 = nn.Linear(config.embed_dim, config.embed_dim, bias=False)
        self.view2 = nn.Linear(config.embed_dim, config.embed_dim, bias=False)
        self.dropout1 = nn.Dropout(config.dropout)
        self.dropout2 = nn.Dropout(config.dropout)
        self.text_projector = TextProjector(config.text_dim, out_dim=config.embed_dim)

    @classmethod
    def from_config(cls, config: EcgModelConfig, seed: int = 0) -> MerlModel:
        """A randomly initialised model; the same seed gives the same weights."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return cls(config)

    def features(self, ecg: torch.Tensor) -> torch.Tensor:
        """[B, 12, 5000] -> joint-width features [B, d, 313]."""
        return self.downconv(self.ecg_encoder(ecg))

    def encode(self, ecg: torch.Tensor) -> torch.Tensor:
        """ECG embeddings z [B, d] (unnormalised): what zero-shot, probes and retrieval use."""
        embedding, _ = self.att_pool(self.features(ecg))
        return embedding

    def forward(self, ecg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return z [B, d] and the two dropout views [B, d] of the uni-modal alignment."""
        features = self.features(ecg)
        embedding, _ = self.att_pool(features)
        pooled = features.mean(dim=2)
        return (
            embedding,
            self.dropout1(self.view1(pooled)),
            self.dropout2(self.view2(pooled)),
        )

    def project_text(self, pooled: torch.Tensor) -> torch.Tensor:
        """Pooled frozen-encoder outputs [n, text_dim] -> joint space [n, d]."""
        return self.text_projector(pooled)

    def save(self, directory: str | Path, notes: dict[str, Any] | None = None) -> Path:
        """Write ``model.safetensors`` and ``config.json`` into ``directory``."""
        return write_checkpoint(self, self.config, directory, notes, FORMAT)

    @classmethod
    def load(cls, directory: str | Path, map_location: str = "cpu") -> MerlModel:
        """Load a checkpoint folder written by :meth:`save` (strict)."""
        from safetensors.torch import load_file

        directory = Path(directory)
        model = cls(read_ecg_model_config(directory))
        weights = directory / WEIGHTS_FILE
        if not weights.is_file():
            raise ConfigError(f"{directory} has no {WEIGHTS_FILE}: not an ECG checkpoint folder")
        model.load_state_dict(load_file(str(weights), device=map_location), strict=True)
        return model.eval()


def is_ecg_checkpoint(directory: str | Path) -> bool:
    """Whether a folder holds an ECG checkpoint (its ``config.json`` names the ECG format)."""
    try:
        payload = json.loads((Path(directory) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return isinstance(payload, dict) and payload.get("format") == FORMAT


def read_ecg_model_config(directory: str | Path) -> EcgModelConfig:
    """Read the :class:`EcgModelConfig` of a checkpoint folder."""
    path = Path(directory) / CONFIG_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path} does not exist: not an ECG checkpoint folder") from error
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from error
    if payload.pop("format", None) != FORMAT:
        raise ConfigError(f"{path} is not an {FORMAT} configuration")
    payload.pop("notes", None)
    return model_config_from_dict(payload)


def read_notes(directory: str | Path) -> dict[str, Any]:
    """The free-form ``notes`` of a checkpoint's ``config.json``."""
    payload = json.loads((Path(directory) / CONFIG_FILE).read_text(encoding="utf-8"))
    return payload.get("notes", {})


def normalised(x: torch.Tensor) -> torch.Tensor:
    """L2-normalise rows in float32."""
    return F.normalize(x.float(), dim=-1)
