"""Site adaptation: train only the text projector and attention head over a frozen EEG encoder.

The released ELM checkpoints hold only the EEG encoder; with a local archive of recordings and
their reports, :func:`adapt` trains the two missing heads so that zero-shot scoring and
retrieval work with the weights a user brings. The encoder (and its batch-norm statistics)
stays exactly as given.
"""

from __future__ import annotations

from pathlib import Path

import torch

from elm_desktop.errors import ConfigError
from elm_desktop.progress import ProgressCallback
from elm_desktop.training.config import TrainingConfig, load_training_config
from elm_desktop.training.model import ElmModel
from elm_desktop.training.trainer import train


def load_encoder_into(model: ElmModel, source: Path) -> None:
    """Copy EEG encoder weights from a checkpoint folder or an authors' ``.pt`` state dict."""
    if source.is_dir():
        state = ElmModel.load(source).eeg_encoder.state_dict()
    elif source.suffix == ".pt":
        state = torch.load(source, map_location="cpu", weights_only=True)
        state = {key.removeprefix("module."): value for key, value in state.items()}
    else:
        raise ConfigError(f"{source} is neither a checkpoint folder nor a .pt state dict")
    try:
        model.eeg_encoder.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ConfigError(f"{source} does not hold an EEGResNet encoder: {error}") from error


def adapt(
    encoder: str | Path,
    corpus: str | Path,
    out_dir: str | Path,
    config_path: str | Path | None = None,
    epochs: int | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Train text projector + attention on ``corpus`` with the EEG encoder of ``encoder`` frozen.

    Returns the folder of the adapted checkpoint (``out_dir/final``).
    """
    config = load_training_config(config_path) if config_path else TrainingConfig()
    config.data.corpus = str(corpus)
    config.train.out_dir = str(out_dir)
    config.train.freeze_eeg_encoder = True
    config.model.parts = ["eeg_encoder", "attention", "text_projector"]
    if epochs is not None:
        config.train.epochs = epochs
    start = Path(out_dir) / "init"
    model = ElmModel.from_config(config.model, seed=config.train.seed)
    load_encoder_into(model, Path(encoder))
    model.save(start, notes={"encoder_from": str(encoder)})
    config.train.init_from = str(start)
    return train(config, progress=progress)
