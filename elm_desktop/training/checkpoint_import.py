"""Import the authors' released ELM checkpoints as EEG-only model bundles.

Gijsen & Ritter released two EEG encoders (``pretrained/{5s,60s}/model_0_checkpoint.pt``): a
plain PyTorch state dict of ``EEG_ResNet`` with its projection head. They released no text
projector and the code has no attention head, so the imported bundle is EEG-only:

- crop embeddings, similar cases and linear probes work;
- zero-shot needs a text projector: ``elm-desktop adapt`` trains one (and an attention head)
  on local reports, on top of the frozen imported encoder;
- attention is **uniform**: every crop's logit is 0, so the recording embedding is the mean of
  the L2-normalised crop embeddings, which is how the authors pool crops into a recording
  embedding for their linear probes. The manifest says so.

The authors state no licence for their weights; the manifest records their origin and that
they must not be redistributed with this program.
"""

from __future__ import annotations

from pathlib import Path

import torch

from elm_desktop.errors import ConfigError
from elm_desktop.runtime.bundle import sha256_file
from elm_desktop.training.config import ModelConfig
from elm_desktop.training.export import write_bundle
from elm_desktop.training.model import ElmModel

UPSTREAM = "github.com/SamGijsen/ELM at fcd929a57ce3dc9a409be37a71f4ee80ee59979d"
TRAINING_DATA = (
    "TUH EEG corpus (TUEG) with its clinical reports, 14,946 training recordings "
    "(Gijsen & Ritter, ICML 2025); released EEG encoder, no text projector"
)
UNIFORM_NOTE = (
    "the released checkpoint has no attention head: every crop weighs the same, so the "
    "recording embedding is the mean of the L2-normalised crop embeddings; "
    "`elm-desktop adapt` trains a gated attention head"
)
WINDOWS = {"5s": 5, "60s": 60}
# Both released encoders have the same weight shapes (only the pooling differs), so the file
# cannot tell its window; the two known files can, by their sha256 (elm_reference/README.md).
RELEASED_SHA256 = {
    "56f32056f5d5b68081c3f4f9cec64ae6e0cab60b8019b1abe4effda381745dc3": 5,
    "d279f665d5768f4942a1fefb0072f60d1f81b60437d08b825a96635fc322b70b": 60,
}


def parse_window(text: str) -> int:
    """Turn ``"5s"``/``"60s"`` (or ``"5"``/``"60"``) into seconds."""
    key = text if text.endswith("s") else f"{text}s"
    if key not in WINDOWS:
        raise ConfigError(f"--window must be 5s or 60s, not {text!r}")
    return WINDOWS[key]


def load_released_encoder(path: str | Path, window_s: int) -> ElmModel:
    """Load a released ``model_0_checkpoint.pt`` into an EEG-only :class:`ElmModel`.

    Raises
    ------
    ConfigError
        If the file is missing, not a state dict, or its keys or shapes do not match the
        ``EEG_ResNet`` of the given window (for instance a 60 s file imported as 5 s).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for unreadable files
        raise ConfigError(f"{path} is not a PyTorch checkpoint ({error})") from error
    if not isinstance(state, dict):
        raise ConfigError(f"{path} does not hold a state dict")
    if any(key.startswith("module.") for key in state):
        state = {key.removeprefix("module."): value for key, value in state.items()}
    model = ElmModel(ModelConfig(window_s=window_s, parts=["eeg_encoder"]))
    try:
        model.eeg_encoder.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ConfigError(
            f"{path} is not a released ELM {window_s} s EEG encoder: its weights do not fit "
            f"({str(error).splitlines()[0]})"
        ) from error
    return model.eval()


def import_released_checkpoint(
    path: str | Path, window: str, out: str | Path, fp16: bool = False
) -> Path:
    """Make an EEG-only bundle from a released ``model_0_checkpoint.pt``.

    Parameters
    ----------
    path : path
        The authors' checkpoint file.
    window : {"5s", "60s"}
        Which released encoder it is (5 s crops, pool sizes 3,2,2,2; 60 s crops, 4,4,4,4).
    out : path
        The bundle folder to write.
    fp16 : bool
        Also write the float16 EEG graph for GPUs, if within tolerance.

    Returns
    -------
    Path of the bundle.
    """
    path = Path(path)
    window_s = parse_window(window)
    model = load_released_encoder(path, window_s)
    digest = sha256_file(path)
    known = RELEASED_SHA256.get(digest)
    if known is not None and known != window_s:
        raise ConfigError(
            f"{path.name} is the released {known} s encoder, not the {window_s} s one: "
            f"use --window {known}s"
        )
    return write_bundle(
        model,
        out,
        name=f"elm-released-{window_s}s",
        version="fcd929a",
        training_data=TRAINING_DATA,
        attention_note=UNIFORM_NOTE,
        source={
            "checkpoint": path.name,
            "sha256": digest,
            "released_file": known is not None,
            "upstream": UPSTREAM,
            "licence": "none stated by the authors: do not redistribute these weights",
        },
        fp16=fp16,
    )
