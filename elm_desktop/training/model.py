"""The ELM model object: EEG encoder, attention head and text projector, saved as safetensors.

A checkpoint is a folder with ``model.safetensors`` (keys prefixed ``eeg_encoder.``,
``attention.`` and ``text_projector.``) and ``config.json`` (the :class:`ModelConfig` fields,
which parts are present, and free-form training notes). The frozen text encoder is not stored:
``config.json`` names its folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from elm_desktop.errors import ConfigError
from elm_desktop.training.config import ModelConfig, model_config_from_dict
from elm_desktop.training.encoder import EMBED_DIM, EEGResNet
from elm_desktop.training.mil import GatedAttention
from elm_desktop.training.text import TextProjector

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
FORMAT = "elm-desktop-checkpoint/1"


def write_checkpoint(
    module: nn.Module,
    config: Any,
    directory: str | Path,
    notes: dict[str, Any] | None,
    format_name: str,
) -> Path:
    """Write ``module``'s weights (``model.safetensors``) and ``config`` with ``notes``
    (``config.json``) into ``directory``, both stamped with ``format_name``."""
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {key: value.detach().cpu().contiguous() for key, value in module.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_FILE), metadata={"format": format_name})
    payload = {"format": format_name, **vars(config), "notes": notes or {}}
    (directory / CONFIG_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return directory


class ElmModel(nn.Module):
    """EEG encoder + gated attention + (optional) text projector.

    Parameters
    ----------
    config : ModelConfig
        Architecture and text-side settings; ``config.parts`` says which heads exist.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.eeg_encoder = EEGResNet(config.window_s)
        self.attention = (
            GatedAttention(EMBED_DIM, config.attention_hidden)
            if "attention" in config.parts
            else None
        )
        self.text_projector = (
            TextProjector(config.text_dim) if "text_projector" in config.parts else None
        )

    @classmethod
    def from_config(cls, config: ModelConfig, seed: int = 0) -> ElmModel:
        """Build a randomly initialised model; the same seed gives the same weights."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return cls(config)

    def encode_crops(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return crop embeddings z [n, 256] (unnormalised) and attention logits [n] (or None).

        The attention scores the L2-normalised embedding, as the runtime graph does.
        """
        _, z = self.eeg_encoder(crops)
        logits = None if self.attention is None else self.attention(F.normalize(z.float(), dim=-1))
        return z, logits

    def project_text(self, pooled: torch.Tensor) -> torch.Tensor:
        """Project pooled text-encoder outputs [n, d] into the joint space [n, 256]."""
        if self.text_projector is None:
            raise ConfigError(
                "this model has no text projector: train one with `elm-desktop adapt`"
            )
        return self.text_projector(pooled)

    def save(self, directory: str | Path, notes: dict[str, Any] | None = None) -> Path:
        """Write ``model.safetensors`` and ``config.json`` into ``directory``."""
        return write_checkpoint(self, self.config, directory, notes, FORMAT)

    @classmethod
    def load(cls, directory: str | Path, map_location: str = "cpu") -> ElmModel:
        """Load a checkpoint folder written by :meth:`save` (strict: every key must match)."""
        from safetensors.torch import load_file

        directory = Path(directory)
        config = read_model_config(directory)
        weights = directory / WEIGHTS_FILE
        if not weights.is_file():
            raise ConfigError(f"{directory} has no {WEIGHTS_FILE}: not an ELM checkpoint folder")
        model = cls(config)
        model.load_state_dict(load_file(str(weights), device=map_location), strict=True)
        return model.eval()


def read_model_config(directory: str | Path) -> ModelConfig:
    """Read the :class:`ModelConfig` of a checkpoint folder."""
    path = Path(directory) / CONFIG_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path} does not exist: not an ELM checkpoint folder") from error
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from error
    if payload.pop("format", None) != FORMAT:
        raise ConfigError(f"{path} is not an {FORMAT} configuration")
    payload.pop("notes", None)
    return model_config_from_dict(payload)


def read_checkpoint_notes(directory: str | Path) -> dict[str, Any]:
    """Return the free-form ``notes`` of a checkpoint's ``config.json`` (training facts)."""
    payload = json.loads((Path(directory) / CONFIG_FILE).read_text(encoding="utf-8"))
    return payload.get("notes", {})
