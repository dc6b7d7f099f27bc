"""The report generator: a causal LM that reads projected crop embeddings as a prefix.

Input sequence (CELM's): ``[start] P(e_1) ... P(e_n) [separator] S_1 ... S_k [end]``, then the
prompt (:mod:`.prompt`), then, in training, the target section JSON and the end-of-sequence
token. ``P`` is the trained projector, ``[start]``, ``[separator]`` and ``[end]`` are learned
embeddings; ``S_i`` are the optional finding-score tokens (``finding_scores``): for each finding
of the encoder's knowledge base, a learned embedding plus its zero-shot score's margin over the
calibrated threshold (logit(p) - logit(threshold)) times a learned direction. The language
model stays frozen (``projection_only``), gets low-rank adapters (``lora``) or trains whole
(``full``, the decoder trained from scratch). Only the response tokens are scored.

A checkpoint folder holds ``generator.safetensors`` (the trained tensors only: projector,
special embeddings, adapters; the whole decoder when it trains) and ``config.json``
(:class:`CelmModelConfig` and notes); a pretrained language model and the ELM encoder are named
there and read from their own folders, a scratch decoder's tokenizer is in ``tokenizer/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.config import SCRATCH, CelmModelConfig
from elm_desktop.training.celm.language_model import load_language_model
from elm_desktop.training.celm.lora import apply_lora

WEIGHTS_FILE = "generator.safetensors"
CONFIG_FILE = "config.json"
FORMAT = "elm-desktop-celm/1"
IGNORE = -100


class CelmGenerator(nn.Module):
    """Projector + special embeddings (+ adapters) around a causal language model.

    Parameters
    ----------
    language_model : transformers.PreTrainedModel
        A causal LM (its input embeddings give the width of the prefix tokens).
    tokenizer : transformers.PreTrainedTokenizerBase
    config : CelmModelConfig
    encoder_dim : int
        Width of the crop embeddings (256 for ELM); the crop tokens are one wider when
        ``config.measured_muscle`` (the crop's muscle index last).
    n_findings : int
        How many finding-score tokens the prefix holds (the encoder's knowledge base's
        findings when ``config.finding_scores``, else 0).
    """

    def __init__(
        self,
        language_model,
        tokenizer,
        config: CelmModelConfig,
        encoder_dim: int = 256,
        n_findings: int = 0,
    ) -> None:
        super().__init__()
        if config.finding_scores != (n_findings > 0):
            raise ConfigError(
                "model.finding_scores needs the number of findings, and only it does "
                f"(finding_scores = {config.finding_scores}, {n_findings} findings given)"
            )
        self.config = config
        self.tokenizer = tokenizer
        self.lm = language_model
        self.lm.requires_grad_(config.mode == "full")
        hidden = int(self.lm.get_input_embeddings().embedding_dim)
        crop_dim = encoder_dim + int(config.measured_muscle)
        if config.projector == "linear":
            self.projector: nn.Module = nn.Linear(crop_dim, hidden)
        else:
            self.projector = nn.Sequential(
                nn.Linear(crop_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden)
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
        self.n_findings = n_findings
        if n_findings:
            self.finding_embeddings = nn.Parameter(torch.empty(n_findings, hidden))
            self.finding_directions = nn.Parameter(torch.empty(n_findings, hidden))
            nn.init.xavier_uniform_(self.finding_embeddings)
            nn.init.xavier_uniform_(self.finding_directions)
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

    def prefix(
        self, crops: torch.Tensor, scores: torch.Tensor | None = None, zero_eeg: bool = False
    ) -> torch.Tensor:
        """Return the recording's prefix tokens [n + 3 (+ k), hidden].

        Parameters
        ----------
        crops : Tensor [n, e]
            Crop embeddings.
        scores : Tensor [k], optional
            The findings' score margins (logit(p) - logit(threshold)); required when the
            generator reads finding scores, ignored otherwise.
        zero_eeg : bool
            The no-EEG control: the projected crop tokens are zeroed and the margins too (each
            finding token keeps its learned embedding); the special embeddings stay.
        """
        tokens = self.projector(crops.to(self.start.dtype))
        if zero_eeg:
            tokens = torch.zeros_like(tokens)
        parts = [self.start, tokens, self.separator]
        if self.config.finding_scores:
            if scores is None:
                raise ConfigError("this generator reads finding scores: give them")
            margins = scores.to(self.start.dtype).reshape(-1, 1)
            if zero_eeg:
                margins = torch.zeros_like(margins)
            parts.append(self.finding_embeddings + margins * self.finding_directions)
        return torch.cat([*parts, self.end], dim=0)

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
        scores: list[torch.Tensor] | None = None,
    ) -> dict[str, torch.Tensor]:
        """Build right-padded ``inputs_embeds``, ``attention_mask`` and (with targets) ``labels``.

        Labels are ``-100`` on the prefix, the prompt and the padding: only the response and
        its end-of-turn token are scored. ``scores`` holds each recording's finding-score
        margins when the generator reads them.
        """
        rows, labels = [], []
        for i, (embedding, prompt) in enumerate(zip(crops, prompts, strict=True)):
            margins = scores[i] if scores is not None else None
            parts = [self.prefix(embedding, margins, zero_eeg), self._embed(self._ids(prompt))]
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
        scores: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Mean next-token cross-entropy over the response tokens of a batch."""
        inputs = self.batch(crops, prompts, targets, zero_eeg, scores)
        return self.lm(**inputs, use_cache=False).loss

    @torch.no_grad()
    def generate_ids(
        self,
        crops: list[torch.Tensor],
        prompts: list[str],
        max_new_tokens: int | None = None,
        zero_eeg: bool = False,
        scores: list[torch.Tensor] | None = None,
    ) -> list[list[int]]:
        """Greedy decoding of a batch of recordings (left-padded): the new token ids of each,
        up to and without its end-of-sequence token.

        Each row is decoded as it would be alone: padding is masked out and positions count
        from each row's first real token.
        """
        inputs = self.batch(crops, prompts, zero_eeg=zero_eeg, scores=scores)
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
        rows = []
        for row in out.tolist():
            rows.append(row[: row.index(self.eos_id)] if self.eos_id in row else row)
        return rows

    def generate(
        self,
        crops: list[torch.Tensor],
        prompts: list[str],
        max_new_tokens: int | None = None,
        zero_eeg: bool = False,
        scores: list[torch.Tensor] | None = None,
    ) -> list[str]:
        """Greedy drafts of a batch of recordings as text (:meth:`generate_ids`, decoded with
        special tokens dropped)."""
        ids = self.generate_ids(crops, prompts, max_new_tokens, zero_eeg, scores)
        return [self.tokenizer.decode(row, skip_special_tokens=True) for row in ids]

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
        if self.config.language_model == SCRATCH:
            from elm_desktop.training.celm.scratch import TOKENIZER_DIR

            self.tokenizer.save_pretrained(directory / TOKENIZER_DIR)
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


def new_generator(
    config: CelmModelConfig, n_findings: int = 0, texts: Iterable[str] = ()
) -> CelmGenerator:
    """An untrained generator: the named pretrained language model, or a scratch decoder.

    Parameters
    ----------
    config : CelmModelConfig
    n_findings : int
        Finding-score tokens of the prefix (0 unless ``config.finding_scores``).
    texts : iterable of str
        The training text a scratch decoder's tokenizer is fitted on (prompts and targets);
        not read for a pretrained model.
    """
    if config.language_model == SCRATCH:
        from elm_desktop.training.celm.scratch import fit_tokenizer, scratch_language_model

        tokenizer = fit_tokenizer(texts, config.scratch_vocab)
        language_model = scratch_language_model(config, tokenizer)
    else:
        language_model, tokenizer = load_language_model(config.language_model)
    return CelmGenerator(language_model, tokenizer, config, n_findings=n_findings)


def open_generator(directory: str | Path) -> CelmGenerator:
    """Rebuild a trained generator from its checkpoint folder (eval mode).

    Raises
    ------
    ConfigError
        If the folder is no generator checkpoint or its tensors do not fit its configuration.
    """
    from safetensors import safe_open

    config, _ = read_celm_config(directory)
    with safe_open(str(Path(directory) / WEIGHTS_FILE), framework="pt") as handle:
        n_findings = (
            handle.get_slice("finding_embeddings").get_shape()[0]
            if "finding_embeddings" in handle.keys()
            else 0
        )
    if config.language_model == SCRATCH:
        from elm_desktop.training.celm.scratch import load_tokenizer, scratch_language_model

        tokenizer = load_tokenizer(directory)
        language_model = scratch_language_model(config, tokenizer)
    else:
        language_model, tokenizer = load_language_model(config.language_model)
    generator = CelmGenerator(language_model, tokenizer, config, n_findings=n_findings)
    return generator.load_trained(directory).eval()
