"""Export an ECG checkpoint to a model bundle of modality ``ecg``.

The signal graph ``ecg_encoder.onnx`` maps 10 s windows [n, 12, 5000] (normalised as
:func:`~elm_desktop.signals.ecg.model_input.ecg_model_input`) to the ECG embedding z [n, 256]
(the attention pooling over time is inside it) and a zero logit per window, so a record of
several windows is mean-pooled by the runtime as a uniform-attention EEG bundle would be. The
text graph is the EEG bundles' (frozen encoder + the ECG model's projector). Both are checked
against torch before the bundle is written; the manifest says ``"modality": "ecg"``, the lead
order, the normalisation and what the model was trained on.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn

from elm_desktop.clinical.familiarity import FamiliarityReference
from elm_desktop.errors import ConfigError
from elm_desktop.runtime.bundle import (
    EEG_INPUT,
    EEG_OUTPUTS,
    FAMILIARITY,
    PHENOTYPES,
    sha256_file,
    write_familiarity,
    write_manifest,
    write_phenotypes,
)
from elm_desktop.signals.ecg.leads import STANDARD_LEADS
from elm_desktop.signals.ecg.model_input import ECG_SFREQ, N_LEADS, N_SAMPLES, WINDOW_S
from elm_desktop.training.ecg.evaluate import ECG_PHENOTYPES
from elm_desktop.training.ecg.model import WEIGHTS_FILE, MerlModel, read_notes
from elm_desktop.training.export import (
    OPSET,
    PARITY_TOLERANCE,
    _cpu_session,
    _first_comment,
    _keep_or_reject,
    _onnx_export,
    export_text,
    export_text_int8,
)
from elm_desktop.training.text import TextEncoder, TextTower
from elm_desktop.version import producer

PROBE_WINDOWS = 8
GRAPH_FILE = "ecg_encoder.onnx"


class EcgGraph(nn.Module):
    """windows [n, 12, 5000] -> (z [n, d], zero logits [n])."""

    def __init__(self, model: MerlModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.model.encode(crops)
        return z, torch.zeros_like(z[:, 0])


def probe_windows(n: int, seed: int = 1234) -> np.ndarray:
    """ECG-like probe windows: a 1 Hz train of narrow pulses (QRS-like) plus noise, in mV."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_SAMPLES) / ECG_SFREQ
    beats = np.exp(-(((t[None, :] % 0.85) - 0.3) ** 2) / (2 * 0.012**2))
    gains = rng.normal(0, 1, (n, N_LEADS, 1))
    return (gains * beats + rng.normal(0, 0.03, (n, N_LEADS, N_SAMPLES))).astype(np.float32)


def export_ecg_graph(model: MerlModel, path: Path) -> dict[str, Any]:
    """Write the signal graph and check it against torch; return its manifest entry."""
    graph = EcgGraph(model).eval()
    windows = probe_windows(PROBE_WINDOWS)
    _onnx_export(
        graph,
        (torch.from_numpy(windows[:2]),),
        path,
        input_names=[EEG_INPUT],
        output_names=list(EEG_OUTPUTS),
        dynamic_axes={name: {0: "crops"} for name in (EEG_INPUT, *EEG_OUTPUTS)},
    )
    session = _cpu_session(path)
    error = 0.0
    with torch.no_grad():
        for batch in (windows[:1], windows[1:4], windows):
            expected = graph(torch.from_numpy(batch))
            got = session.run(list(EEG_OUTPUTS), {EEG_INPUT: batch})
            for g, e in zip(got, expected, strict=True):
                error = max(error, float(np.abs(g - e.numpy()).max()))
    if error > PARITY_TOLERANCE:
        raise ConfigError(f"ECG graph differs from torch by {error:.2e} (> {PARITY_TOLERANCE})")
    return {
        "file": path.name,
        "opset": OPSET,
        "precision": "fp32",
        "parity_max_abs": error,
        "parity_checked_on": f"{PROBE_WINDOWS} synthetic ECG-like windows, batches of 1, 3, 8",
    }


def _prompt_sentences() -> list[str]:
    from elm_desktop.clinical.knowledge import load_knowledge_base

    kb = load_knowledge_base(ECG_PHENOTYPES, user_path=os.devnull)
    sentences = [
        p for f in kb.values() for style in ("knowledge", "plain") for p in f.prompts(style)
    ]
    return list(dict.fromkeys(sentences + [p for f in kb.values() for p in f.contrast]))


def export_ecg_checkpoint(
    checkpoint: str | Path,
    out: str | Path,
    *,
    name: str | None = None,
    version: str | None = None,
    quantize_text: bool = False,
) -> Path:
    """Export an ECG checkpoint folder into a bundle folder ``out`` (refused if not empty)."""
    checkpoint, out = Path(checkpoint), Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} exists and is not empty; choose a new folder for the bundle")
    model = MerlModel.load(checkpoint).eval()
    config = model.config
    notes = read_notes(checkpoint)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        manifest: dict[str, Any] = {
            "name": name or str(notes.get("name", checkpoint.name)),
            "version": version or str(notes.get("version", dt.date.today().isoformat())),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "created_by": producer(),
            "modality": "ecg",
            "window_s": WINDOW_S,
            "sfreq": ECG_SFREQ,
            "n_samples": N_SAMPLES,
            "channels": list(STANDARD_LEADS),
            "normalisation": config.normalisation,
            "embedding_dim": config.embed_dim,
            "temperature": config.temperature,
            "attention": {
                "kind": "uniform",
                "note": "attention pooling over time runs inside the ECG graph; the windows "
                "of a record longer than 10 s weigh the same",
            },
            "training_data": str(notes.get("training_data", "not stated in the checkpoint")),
            "source": {
                "checkpoint": checkpoint.name,
                "sha256": sha256_file(checkpoint / WEIGHTS_FILE),
                "notes": notes,
            },
            "rejected_variants": [],
        }
        encoder = TextEncoder(config.text_model, config.pooling, config.max_length)
        if encoder.dim != config.text_dim:
            raise ConfigError(
                f"text model {config.text_model!r} gives {encoder.dim}-d outputs but the "
                f"checkpoint's projector takes {config.text_dim}"
            )
        with torch.no_grad():
            manifest["eeg"] = export_ecg_graph(model, staging / GRAPH_FILE)
            tower = TextTower(encoder, model.text_projector).eval()
            sentences = _prompt_sentences()
            text = export_text(tower, staging / "text_encoder.onnx", sentences)
            tokenizer = Tokenizer.from_str(encoder.tokenizer.backend_tokenizer.to_str())
            tokenizer.no_padding()
            tokenizer.no_truncation()
            tokenizer.save(str(staging / "tokenizer.json"))
            text.update(
                tokenizer="tokenizer.json",
                model=Path(config.text_model).name,
                pooling=config.pooling,
                max_length=config.max_length,
                segment_mode="sentence",
            )
            manifest["text"] = text
            if quantize_text:
                int8 = export_text_int8(
                    staging / "text_encoder.onnx",
                    staging / "text_encoder.int8.onnx",
                    tower,
                    sentences,
                )
                _keep_or_reject(manifest, "text_int8", int8, staging)
        write_manifest(staging, manifest)
        out.mkdir(parents=True, exist_ok=True)
        for file in staging.iterdir():
            shutil.move(str(file), out / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    thresholds = checkpoint / PHENOTYPES
    if thresholds.is_file():  # calibrated thresholds (evaluate's thresholds.toml), checked first
        from elm_desktop.clinical.knowledge import load_knowledge_base

        load_knowledge_base(ECG_PHENOTYPES, user_path=os.devnull, model_path=thresholds)
        write_phenotypes(
            out, thresholds.read_text(encoding="utf-8"), f"{_first_comment(thresholds)}"
        )
    familiarity = checkpoint / FAMILIARITY  # `model familiarity fit --out` of the training ECGs
    if familiarity.is_file():
        reference = FamiliarityReference.load(familiarity)
        write_familiarity(out, reference.save, reference.note)
    return out
