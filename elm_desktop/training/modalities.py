"""Each modality's training and export, chosen by a configuration's or a checkpoint's modality.

The names are those of :data:`elm_desktop.signals.modality.MODALITIES`. A configuration names
its modality on top (``modality = "ecg"``; none: EEG), a checkpoint by its ``config.json``;
``elm-desktop train``, ``evaluate`` and ``model export`` choose through :data:`TRAINING`, so a
new modality is a new entry, not a branch in each command.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from elm_desktop.errors import ConfigError
from elm_desktop.progress import ProgressCallback
from elm_desktop.signals.modality import get_modality
from elm_desktop.training.config import load_training_config, read_toml
from elm_desktop.training.ecg.config import load_ecg_config
from elm_desktop.training.ecg.export import export_ecg_checkpoint
from elm_desktop.training.ecg.model import FORMAT as ECG_FORMAT
from elm_desktop.training.ecg.trainer import train_ecg
from elm_desktop.training.export import export_checkpoint
from elm_desktop.training.model import FORMAT as EEG_FORMAT
from elm_desktop.training.trainer import train


@dataclass(frozen=True)
class ModalityTraining:
    """How one modality's model is trained and exported.

    Attributes
    ----------
    train : callable
        ``(config_path, progress) -> final checkpoint folder``.
    checkpoint_format : str
        The ``format`` its checkpoints' ``config.json`` names.
    export : callable
        ``(checkpoint, out, *, name, version, fp16, quantize_text) -> bundle folder``.
    """

    train: Callable[[Path, ProgressCallback | None], Path]
    checkpoint_format: str
    export: Callable[..., Path]


def _train_eeg(config: Path, progress: ProgressCallback | None) -> Path:
    return train(load_training_config(config), progress=progress)


def _train_ecg(config: Path, progress: ProgressCallback | None) -> Path:
    return train_ecg(load_ecg_config(config), progress=progress)


def _export_ecg(checkpoint: Path, out: Path, *, fp16: bool = False, **options) -> Path:
    if fp16:
        raise ConfigError("an ECG bundle has no fp16 variant: export it without --fp16")
    return export_ecg_checkpoint(checkpoint, out, **options)


TRAINING: dict[str, ModalityTraining] = {
    "eeg": ModalityTraining(_train_eeg, EEG_FORMAT, export_checkpoint),
    "ecg": ModalityTraining(_train_ecg, ECG_FORMAT, _export_ecg),
}


def config_modality(path: str | Path) -> str:
    """The ``modality`` a configuration file names at its top (``"eeg"`` when it names none).

    Raises
    ------
    ConfigError
        For a modality the registry does not know (:func:`~elm_desktop.signals.modality.get_modality`:
        the message lists the known ones).
    """
    return get_modality(str(read_toml(path).get("modality", "eeg"))).name


def checkpoint_modality(directory: str | Path) -> str:
    """The modality of a checkpoint folder, by its ``config.json``'s format.

    Raises
    ------
    ConfigError
        For a folder no entry of :data:`TRAINING` reads.
    """
    try:
        payload = json.loads((Path(directory) / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        payload = {}
    found = payload.get("format") if isinstance(payload, dict) else None
    for name, entry in TRAINING.items():
        if entry.checkpoint_format == found:
            return name
    raise ConfigError(
        f"{directory} holds no checkpoint (config.json of a format of {', '.join(TRAINING)})"
    )
