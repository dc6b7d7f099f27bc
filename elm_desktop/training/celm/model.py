"""The report generator: a frozen causal LM that reads projected crop embeddings as a prefix.

Input sequence (CELM's): ``[start] P(e_1) ... P(e_n) [separator] [end]``, then the chat-templated
prompt (:mod:`.prompt`), then, in training, the target section JSON and the end-of-turn token.
``P`` is the trained projector, ``[start]``, ``[separator]`` and ``[end]`` are learned
embeddings; the language model stays frozen (``projection_only``) or gets low-rank adapters
(``lora``). Only the response tokens are scored.

A checkpoint folder holds ``generator.safetensors`` (the trained tensors only: projector,
special embeddings, adapters) and ``config.json`` (:class:`CelmModelConfig` and notes); the
language model and the ELM encoder are named there and read from their own folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.config import CelmModelConfig
from elm_desktop.training.celm.lora import apply_lora

WEIGHTS_FILE = "generator.safetensors"
CONFIG_FILE = "config.json"
FORMAT = "elm-desktop-celm/1"
IGNORE = -100


class CelmGenerator(nn.Module):
    """Projector + special embeddings (+ adapters) around a frozen causal language model.

    Parameters
    ----------
    language_model : transformers.PreTrainedModel
        A causal LM (its input embeddings give the width of the prefix tokens).
    tokenizer : transformers.PreTrainedTokenizerBase
    config : CelmModelConfig
    encoder_dim : int
        Width of the crop embeddings (256 for ELM).
    """

    def __init__(
        self, language_model, tokenizer, config: CelmModelConfig, encoder_dim: int = 256
    ) -> None:
        super().__init__()
        self.config = config
        self.tokenizer = tokenizer
        self.lm = language_model
        self.lm.requires_grad_(False)
        hidden = int(self.lm.get_input_embeddings().embedding_dim)
        if config.projector == "linear":
            self.projector: nn.Module = nn.Linear(encoder_dim, hidden)
        else:
            self.projector = nn.Sequential(
                nn.Linear(encoder_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden)
            )
        for layer in self.projector.modules():
            if isinstance(layer, nn.Linear):
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)
        self.start = nn.Parameter(torch.empty(1, hidden))
        self.separator = nn.Parameter(torch.empty(1, hidden))
        self.end = nn.Parameter(torch.empty(1, hidden))
        for special in (self.start, self.separator, self.end):
            nn.init.xavier_uniform_(special)
        self.adapted: list[str] = []
        if config.mode == "lora":
            self.adapted = apply_lora(
                self.lm, config.lora_targets, config.lora_rank, config.lora_alpha
            )
            if not self.adapted:
                raise ConfigError(
                    f"model.lora_targets {config.lora_targets} name no linear layer of the "
                    "language model"
                )
        eos = tokenizer.eos_token_id
        if eos is None:
            raise ConfigError("the language model's tokenizer has no end-of-sequence token")
        self.eos_id = int(eos)

    def trainable_names(self) -> list[str]:
        """Names of the parameters that train (projector, special embeddings, adapters)."""
        return [name for name, p in self.named_parameters() if p.requires_grad]

    def prefix(self, crops: torch.Tensor, zero_eeg: bool = False) -> torch.Tensor:
        """Return the recording's prefix tokens [n + 3, hidden] from crop embeddings [n, e].

        ``zero_eeg`` zeroes the projected crop tokens (the no-EEG control); the special
        embeddings stay.
        """
        tokens = self.projector(crops.to(self.start.dtype))
        if zero_eeg:
            tokens = torch.zeros_like(tokens)
        return torch.cat([self.start, tokens, self.separator, self.end], dim=0)

    def _ids(self, text: str) -> torch.Tensor:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return torch.tensor(ids, dtype=torch.long, device=self.start.device)

    def _embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.lm.get_input_embeddings()(ids)

    def batch(
        self,
        crops: list[torch.Tensor],
        prompts: list[str],
        targets: list[str] | None = None,
        zero_eeg: bool = False,
    ) -> dict[str, torch.Tensor]:
        """Build right-padded ``inputs_embeds``, ``attention_mask`` and (with targets) ``labels``.

        Labels are ``-100`` on the prefix, the prompt and the padding: only the response and
        its end-of-turn token are scored.
        """
        rows, labels = [], []
        for i, (embedding, prompt) in enumerate(zip(crops, prompts, strict=True)):
            parts = [self.prefix(embedding, zero_eeg), self._embed(self._ids(prompt))]
            n_context = parts[0].shape[0] + parts[1].shape[0]
            label = torch.full((n_context,), IGNORE, dtype=torch.long, device=self.start.device)
            if targets is not None:
                response = torch.cat([self._ids(targets[i]), self._ids_eos()])
                parts.append(self._embed(response))
                label = torch.cat([label, response])
            rows.append(torch.cat(parts, dim=0))
            labels.append(label)
        length = max(row.shape[0] for row in rows)
        hidden = rows[0].shape[1]
        embeds = rows[0].new_zeros((len(rows), length, hidden))
        mask = torch.zeros((len(rows), length), dtype=torch.long, device=embeds.device)
        padded = torch.full((len(rows), length), IGNORE, dtype=torch.long, device=embeds.device)
        for i, (row, label) in enumerate(zip(rows, labels, strict=True)):
            embeds[i, : row.shape[0]] = row
            mask[i, : row.shape[0]] = 1
            padded[i, : row.shape[0]] = label
        out = {"inputs_embeds": embeds, "attention_mask": mask}
        if targets is not None:
            out["labels"] = padded
        return out

    def _ids_eos(self) -> torch.Tensor:
        return torch.tensor([self.eos_id], dtype=torch.long, device=self.start.device)

    def loss(
        self,
        crops: list[torch.Tensor],
        prompts: list[str],
        targets: list[str],
        zero_eeg: bool = False,
    ) -> torch.Tensor:
        """Mean next-token cross-entropy over the response tokens of a batch."""
        inputs = self.batch(crops, prompts, targets, zero_eeg)
        return self.lm(**inputs, use_cache=False).loss

    @torch.no_grad()
    def generate(
        self,
        crops: list[torch.Tensor],
        prompts: list[str],
        max_new_tokens: int | None = None,
        zero_eeg: bool = False,
    ) -> list[str]:
        """Greedy decoding of a batch of recordings (left-padded; special tokens dropped).

        Each row is decoded as it would be alone: padding is masked out and positions count
        from each row's first real token.
        """
        inputs = self.batch(crops, prompts, zero_eeg=zero_eeg)
        embeds, mask = inputs["inputs_embeds"], inputs["attention_mask"]
        lengths = mask.sum(dim=1)
        width = embeds.shape[1]
        left = torch.zeros_like(embeds)
        left_mask = torch.zeros_like(mask)
        for i, n in enumerate(lengths.tolist()):
            left[i, width - n :] = embeds[i, :n]
            left_mask[i, width - n :] = 1
        out = self.lm.generate(
            inputs_embeds=left,
            attention_mask=left_mask,
            max_new_tokens=max_new_tokens or self.config.max_new_tokens,
            do_sample=False,
            eos_token_id=self.eos_id,
            pad_token_id=self.tokenizer.pad_token_id
            if self.tokenizer.pad_token_id is not None
            else self.eos_id,
        )
        return [self.tokenizer.decode(row, skip_special_tokens=True) for row in out]

    def trained_state(self) -> dict[str, torch.Tensor]:
        """The tensors a checkpoint stores: every trainable parameter."""
        return {
            name: p.detach().cpu().contiguous()
            for name, p in self.named_parameters()
            if p.requires_grad
        }

    def save(self, directory: str | Path, notes: dict[str, Any] | None = None) -> Path:
        """Write ``generator.safetensors`` and ``config.json`` into ``directory``."""
        import dataclasses

        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        save_file(self.trained_state(), str(directory / WEIGHTS_FILE), metadata={"format": FORMAT})
        payload = {"format": FORMAT, **dataclasses.asdict(self.config), "notes": notes or {}}
        (directory / CONFIG_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        return directory

    def load_trained(self, directory: str | Path) -> CelmGenerator:
        """Load the trained tensors of a checkpoint folder (strict: every one must match)."""
        from safetensors.torch import load_file

        state = load_file(str(Path(directory) / WEIGHTS_FILE))
        expected = set(self.trainable_names())
        if set(state) != expected:
            raise ConfigError(
                f"{directory}: the checkpoint's tensors do not fit this generator "
                f"(missing {sorted(expected - set(state))[:3]}, extra "
                f"{sorted(set(state) - expected)[:3]})"
            )
        self.load_state_dict(state, strict=False)
        return self


def read_celm_config(directory: str | Path) -> tuple[CelmModelConfig, dict[str, Any]]:
    """Return a generator checkpoint's model configuration and its notes."""
    from elm_desktop.training.celm.config import celm_config_from_dict

    path = Path(directory) / CONFIG_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path} does not exist: not a generator checkpoint folder") from error
    if payload.pop("format", None) != FORMAT:
        raise ConfigError(f"{path} is not an {FORMAT} configuration")
    notes = payload.pop("notes", {})
    return celm_config_from_dict({"model": payload}).model, notes
