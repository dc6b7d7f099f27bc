"""The report generator's configuration: ``[model]``, ``[data]`` and ``[train]`` of a TOML file.

A missing key keeps its default, an unknown key or table is refused. Relative paths resolve
against the current directory (the documented commands run from the repository root), except
that the default language model's name is looked up by :mod:`.language_model`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.sections import DEFAULT_SECTIONS
from elm_desktop.training.config import read_toml

MODES = ("projection_only", "lora", "full")
PROJECTORS = ("linear", "mlp")
#: The ``language_model`` value of a decoder trained from scratch on the corpus's reports.
SCRATCH = "scratch"


@dataclass
class CelmModelConfig:
    """What the generator is made of; stored in its checkpoint's ``config.json``."""

    # A local Hugging Face causal LM folder, "smollm2-135m-instruct" (built by `make lm`), or
    # "scratch": a small decoder (scratch_* keys) and tokenizer fitted on the training reports.
    language_model: str = "smollm2-135m-instruct"
    # The frozen ELM checkpoint whose crop embeddings are the prefix (read at run time).
    encoder_checkpoint: str = "resources/checkpoints/demo-5s"
    projector: str = "linear"
    # projection_only: the LM frozen; lora: low-rank adapters; full: every LM weight trains.
    mode: str = "projection_only"
    lora_rank: int = 8
    lora_alpha: float = 16.0
    lora_targets: list[str] = field(default_factory=lambda: ["q_proj", "v_proj"])
    sections: list[str] = field(default_factory=lambda: list(DEFAULT_SECTIONS))
    use_history: bool = True
    # The encoder's zero-shot finding scores (against its calibrated thresholds) as prefix tokens.
    finding_scores: bool = False
    # Each crop's measured muscle artifact (clinical.muscle_artifact) beside its embedding: the
    # artifact score is near chance, and the generator otherwise names muscle from its prior.
    measured_muscle: bool = False
    max_new_tokens: int = 320
    # The decoder trained from scratch (language_model = "scratch"): a byte-level BPE tokenizer
    # of scratch_vocab tokens fitted on the training text, and a Llama-style causal transformer.
    scratch_layers: int = 4
    scratch_width: int = 256
    scratch_heads: int = 4
    scratch_vocab: int = 1024

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"model.mode must be one of {MODES}, not {self.mode!r}")
        if self.projector not in PROJECTORS:
            raise ConfigError(
                f"model.projector must be one of {PROJECTORS}, not {self.projector!r}"
            )
        if self.lora_rank < 1:
            raise ConfigError("model.lora_rank must be at least 1")
        if not self.sections:
            raise ConfigError("model.sections must name at least one report section")
        if self.language_model == SCRATCH and self.mode != "full":
            raise ConfigError(
                'a decoder trained from scratch (model.language_model = "scratch") needs '
                f'model.mode = "full", not {self.mode!r}'
            )
        if self.scratch_width % self.scratch_heads:
            raise ConfigError("model.scratch_width must be a multiple of model.scratch_heads")
        if self.scratch_vocab < 300:
            raise ConfigError(
                "model.scratch_vocab must hold the 256 bytes and some merges (>= 300)"
            )


@dataclass
class CelmDataConfig:
    """Which recordings of a corpus (with a built ``cache-5s``) train and evaluate."""

    corpus: str = "data/demo-train-2500"
    cache_dir: str = ""  # default: CORPUS/cache-5s
    train_recordings: int = 0  # 0: every recording of the train split
    eval_recordings: int = 50  # drawn from the test split
    seed: int = 0


@dataclass
class CelmTrainConfig:
    """Optimisation of the projector, special embeddings (and LoRA adapters)."""

    out_dir: str = "runs/celm"
    epochs: int = 1
    max_steps: int = 0  # 0: as many as the epochs give
    grad_accum: int = 4
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    seed: int = 0
    threads: int = 1
    log_every: int = 5


@dataclass
class CelmConfig:
    """A whole generator run."""

    model: CelmModelConfig = field(default_factory=CelmModelConfig)
    data: CelmDataConfig = field(default_factory=CelmDataConfig)
    train: CelmTrainConfig = field(default_factory=CelmTrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_TABLES = {"model": CelmModelConfig, "data": CelmDataConfig, "train": CelmTrainConfig}


def celm_config_from_dict(values: dict[str, Any]) -> CelmConfig:
    """Build a :class:`CelmConfig` from nested tables, refusing unknown tables and keys."""
    unknown = sorted(set(values) - set(_TABLES))
    if unknown:
        raise ConfigError(f"unknown table(s): {', '.join(unknown)}; expected {sorted(_TABLES)}")
    tables = {}
    for name, cls in _TABLES.items():
        given = values.get(name, {})
        extra = sorted(set(given) - {f.name for f in dataclasses.fields(cls)})
        if extra:
            raise ConfigError(f"unknown key(s) in [{name}]: {', '.join(extra)}")
        tables[name] = cls(**given)
    return CelmConfig(**tables)


def load_celm_config(path: str | Path) -> CelmConfig:
    """Read a generator configuration (``configs/celm-*.toml``).

    Raises
    ------
    ConfigError
        If the file is missing, not TOML, or holds an unknown table or key.
    """
    path = Path(path)
    values = read_toml(path)
    return celm_config_from_dict(values)
