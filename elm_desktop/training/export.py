"""Export an ELM model to a model bundle: ONNX graphs, tokenizer and a manifest with checksums.

The EEG graph maps crops [n, 20, T] to crop embeddings z [n, 256] (unnormalised, as the
torch module) and one gated-attention logit per crop [n]; the softmax over a recording's
crops and the pooled embedding are computed outside the graph (``elm_desktop.runtime``), so
recordings of any length stream through in batches. The text graph maps token ids and mask
[k, L] to L2-normalised embeddings [k, 256] (frozen encoder, pooling, projector).

Every graph is checked against torch on probe inputs before the bundle is written
(:data:`PARITY_TOLERANCE`). Optional variants are kept only when they stay within their
stated tolerance, and the measured figures go into the manifest:

- ``eeg_encoder.fp16.onnx`` for GPUs (float16 weights and activations, float32 I/O);
- ``text_encoder.int8.onnx`` for CPUs (dynamically quantised int8 weights).

The graphs use the TorchScript-based exporter (``dynamo=False``): for these models it writes
one self-contained file in seconds, where the torch.export-based exporter took ten times
longer for the text tower and produced an invalid graph. Trace-time specialisation is ruled
out by the parity check on batches of several sizes and token lengths.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer
from torch import nn

from elm_desktop.clinical.familiarity import FamiliarityReference
from elm_desktop.errors import ConfigError
from elm_desktop.runtime.bundle import (
    EEG_INPUT,
    EEG_OUTPUTS,
    FAMILIARITY,
    PHENOTYPES,
    TEXT_INPUTS,
    TEXT_OUTPUTS,
    sha256_file,
    write_familiarity,
    write_manifest,
    write_phenotypes,
)
from elm_desktop.signals import ELM_CHANNELS, ELM_SFREQ
from elm_desktop.training.encoder import EMBED_DIM
from elm_desktop.training.model import WEIGHTS_FILE, ElmModel, read_checkpoint_notes
from elm_desktop.training.text import TextEncoder, TextTower
from elm_desktop.version import producer

OPSET = 17
PARITY_TOLERANCE = 1e-4
FP16_TOLERANCE = {"min_cosine": 0.999, "max_abs_logit": 0.02}
INT8_TOLERANCE = {"min_cosine": 0.99}
PROBE_CROPS = 24
PROBE_SEED = 1234
# Sentences for the text parity and int8 checks when the knowledge base offers none.
FALLBACK_SENTENCES = (
    "Normal awake EEG.",
    "Posterior dominant rhythm of 10 Hz, reactive to eye opening.",
    "Left temporal sharp waves.",
    "Generalized 3 Hz spike and wave discharges.",
    "Diffuse polymorphic delta slowing.",
    "Burst suppression pattern.",
)


def _fold_batchnorm(
    weight: torch.Tensor, bias: torch.Tensor | None, bn: nn.BatchNorm1d, channels: slice
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the weight and bias of a layer followed by (a slice of) an eval-mode BN."""
    scale = bn.weight[channels] / torch.sqrt(bn.running_var[channels] + bn.eps)
    bias = torch.zeros_like(scale) if bias is None else bias
    shape = (-1,) + (1,) * (weight.dim() - 1)
    return weight * scale.reshape(shape), (bias - bn.running_mean[channels]) * scale + bn.bias[
        channels
    ]


class _FoldedBranches(nn.Module):
    """Parallel reflection-padded convolutions, concatenated, with the BN after them folded in.

    Convolutions are 2-D with height 1, so that ONNX Runtime's blocked-layout (NCHWc) CPU
    kernels run them; parallel 1x1 convolutions become one.
    """

    def __init__(self, branches: nn.ModuleList, bn: nn.BatchNorm1d) -> None:
        super().__init__()
        convs = [branch[-1] if isinstance(branch, nn.Sequential) else branch for branch in branches]
        folded, start = [], 0
        for conv in convs:
            channels = slice(start, start + conv.out_channels)
            folded.append(_fold_batchnorm(conv.weight, conv.bias, bn, channels))
            start += conv.out_channels
        if all(conv.kernel_size == (1,) for conv in convs):
            folded = [(torch.cat([w for w, _ in folded]), torch.cat([b for _, b in folded]))]
        self.convs = nn.ModuleList()
        for weight, bias in folded:
            out_channels, in_channels, kernel = weight.shape
            conv = nn.Conv2d(in_channels, out_channels, (1, kernel))
            conv.weight.data = weight.detach().unsqueeze(2).clone()
            conv.bias.data = bias.detach().clone()
            self.convs.append(conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = []
        for conv in self.convs:
            kernel = conv.kernel_size[1]
            if kernel > 1:
                x_padded = F.pad(x, (kernel // 2, (kernel - 1) // 2, 0, 0), mode="reflect")
            else:
                x_padded = x
            outputs.append(conv(x_padded))
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1)


class _FoldedBlock(nn.Module):
    """A residual block of :class:`EEGResNet` in inference form (same arithmetic)."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.conv1 = _FoldedBranches(block.conv1_layers, block.bn1)
        self.conv2 = _FoldedBranches(block.conv2_layers, block.bn2)
        self.skip = _FoldedBranches(block.stream_conv_layers, block.stream_bn)
        self.pool = block.pool.kernel_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = self.conv2(F.elu(self.conv1(x)))
        return F.max_pool2d(main + self.skip(x), (1, self.pool))


class InferenceEEGEncoder(nn.Module):
    """:class:`EEGResNet` rewritten for fast inference, computing the same function.

    Every BatchNorm is folded into the convolution or linear layer before it, the three 1x1
    skip convolutions of a block become one, and convolutions are 2-D with height 1 (the ONNX
    Runtime CPU provider has blocked-layout kernels for 2-D convolutions only). Measured on
    one thread (process CPU time) this took about 20 % less CPU time than the plain export;
    ``benchmarks/bench_runtime.py`` prints both side by side.
    ``forward`` returns ``(h, z)`` as the original does.
    """

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        encoder = encoder.eval()
        self.stem = _FoldedBranches(encoder.conv1_layers, encoder.bn1)
        self.blocks = nn.ModuleList(_FoldedBlock(block) for block in encoder.res_blocks)
        first, bn, _, last = encoder.proj
        weight, bias = _fold_batchnorm(first.weight, first.bias, bn, slice(None))
        self.hidden = nn.Linear(first.in_features, first.out_features)
        self.hidden.weight.data, self.hidden.bias.data = weight.detach(), bias.detach()
        self.out = last

    def forward(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.elu(self.stem(crops.unsqueeze(2)))
        for block in self.blocks:
            x = block(x)
        h = x.mean(dim=(2, 3))
        return h, self.out(F.elu(self.hidden(h)))


class EEGGraph(nn.Module):
    """What the EEG graph computes: crops -> (z [n, 256], attention logits [n]).

    Parameters
    ----------
    model : ElmModel
        Its EEG encoder and, when present, its attention head (which scores the
        L2-normalised embedding). Without one, every logit is 0: uniform attention.
    """

    def __init__(self, model: ElmModel) -> None:
        super().__init__()
        self.eeg_encoder = InferenceEEGEncoder(model.eeg_encoder)
        self.attention = model.attention

    def forward(self, crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _, z = self.eeg_encoder(crops)
        if self.attention is None:
            return z, torch.zeros_like(z[:, 0])
        return z, self.attention(F.normalize(z, dim=-1))


class TextGraph(nn.Module):
    """What the text graph computes: token ids and mask -> L2-normalised embeddings."""

    def __init__(self, tower: TextTower) -> None:
        super().__init__()
        self.tower = tower

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.tower(input_ids, attention_mask), dim=-1)


def probe_crops(n: int, n_samples: int, seed: int = PROBE_SEED) -> np.ndarray:
    """Return EEG-like crops [n, 20, n_samples] in ELM units for accuracy checks.

    Pink (1/f) noise of about 20 uV with a 10 Hz rhythm, clipped to +-80 as ELM's
    preprocessing does: closer to real input than white noise, and reproducible.
    """
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal((n, len(ELM_CHANNELS), n_samples)), axis=-1)
    freqs = np.fft.rfftfreq(n_samples, 1 / ELM_SFREQ)
    spectrum /= np.sqrt(np.maximum(freqs, 0.5))
    pink = np.fft.irfft(spectrum, n=n_samples, axis=-1)
    pink *= 2.0 / pink.std(axis=-1, keepdims=True)
    t = np.arange(n_samples) / ELM_SFREQ
    alpha = rng.uniform(0, 3, (n, len(ELM_CHANNELS), 1)) * np.sin(2 * np.pi * 10 * t)
    return np.clip(pink + alpha, -80, 80).astype(np.float32)


def _onnx_export(module: nn.Module, args: tuple, path: Path, **names: Any) -> None:
    with warnings.catch_warnings():
        # The TorchScript exporter warns about its own deprecation and about Python-side
        # branches; the parity checks after export are what guard against both.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(), args, str(path), opset_version=OPSET, dynamo=False, **names
        )


def _cpu_session(path: Path):
    from elm_desktop.runtime.offline_ort import ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    return (a * b).sum(-1)


def export_eeg(model: ElmModel, path: Path) -> dict[str, Any]:
    """Write the EEG graph and check it against torch; return its manifest entry.

    Raises
    ------
    ConfigError
        If ONNX Runtime and torch differ by more than :data:`PARITY_TOLERANCE`.
    """
    graph = EEGGraph(model).eval()
    n_samples = model.eeg_encoder.n_samples
    crops = probe_crops(PROBE_CROPS, n_samples)
    _onnx_export(
        graph,
        (torch.from_numpy(crops[:2]),),
        path,
        input_names=[EEG_INPUT],
        output_names=list(EEG_OUTPUTS),
        dynamic_axes={name: {0: "crops"} for name in (EEG_INPUT, *EEG_OUTPUTS)},
    )
    session = _cpu_session(path)
    errors = []
    with torch.no_grad():
        for batch in (crops[:1], crops[1:8], crops):
            # Against the original module, not the folded one that was exported.
            z, logits = model.encode_crops(torch.from_numpy(batch))
            expected = [z.numpy(), np.zeros(len(batch)) if logits is None else logits.numpy()]
            got = session.run(list(EEG_OUTPUTS), {EEG_INPUT: batch})
            errors += [float(np.abs(g - e).max()) for g, e in zip(got, expected, strict=True)]
    error = max(errors)
    if error > PARITY_TOLERANCE:
        raise ConfigError(f"EEG graph differs from torch by {error:.2e} (> {PARITY_TOLERANCE})")
    return {
        "file": path.name,
        "opset": OPSET,
        "precision": "fp32",
        "parity_max_abs": error,
        "parity_checked_on": f"{PROBE_CROPS} synthetic EEG-like crops, batches of 1, 7, 24",
    }


def export_eeg_fp16(fp32_path: Path, path: Path, n_samples: int) -> dict[str, Any]:
    """Write the float16 EEG graph and measure it against the float32 graph.

    The measurement runs on ONNX Runtime's CPU provider, which computes each node in float32
    between float16 tensors (its CPU kernels are float32): it captures the rounding of weights
    and activations to float16, not the GPU's float16 arithmetic.
    """
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        half = convert_float_to_float16(onnx.load(str(fp32_path)), keep_io_types=True)
    onnx.save(half, str(path))
    crops = probe_crops(PROBE_CROPS, n_samples, seed=PROBE_SEED + 1)
    z32, a32 = _cpu_session(fp32_path).run(list(EEG_OUTPUTS), {EEG_INPUT: crops})
    z16, a16 = _cpu_session(path).run(list(EEG_OUTPUTS), {EEG_INPUT: crops})
    return {
        "file": path.name,
        "precision": "fp16",
        "min_cosine": float(_cosines(z16, z32).min()),
        "max_abs_logit": float(np.abs(a16 - a32).max()),
        "tolerance": FP16_TOLERANCE,
        "measured_on": f"{PROBE_CROPS} synthetic EEG-like crops, ONNX Runtime CPU, vs fp32",
    }


def _check_sentences() -> list[str]:
    """Sentences for text checks: the knowledge base's prompts (what zero-shot embeds)."""
    try:
        from elm_desktop.clinical.knowledge import load_knowledge_base

        # Built-in prompts only, so a bundle's figures do not depend on a user's entries.
        base = load_knowledge_base(user_path=os.devnull)
        sentences = [p for finding in base.values() for p in finding.prompts("knowledge")]
        sentences += [p for finding in base.values() for p in finding.contrast]
    except Exception:  # the knowledge base is optional for export
        sentences = []
    return list(dict.fromkeys(sentences or FALLBACK_SENTENCES))


def export_text(tower: TextTower, path: Path, sentences: Sequence[str]) -> dict[str, Any]:
    """Write the text graph and check it against torch; return its manifest entry."""
    graph = TextGraph(tower).eval()
    tokenizer = tower.encoder.tokenizer
    max_length = tower.encoder.max_length

    def tokens(texts: Sequence[str]) -> dict[str, torch.Tensor]:
        return tokenizer(
            list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt"
        )

    example = tokens(["left temporal spikes", "diffuse slowing of the background rhythm"])
    _onnx_export(
        graph,
        (example["input_ids"], example["attention_mask"]),
        path,
        input_names=list(TEXT_INPUTS),
        output_names=list(TEXT_OUTPUTS),
        dynamic_axes={
            "input_ids": {0: "texts", 1: "tokens"},
            "attention_mask": {0: "texts", 1: "tokens"},
            "embedding": {0: "texts"},
        },
    )
    session = _cpu_session(path)
    long = " ".join(sentences)  # longer than max_length: checks truncation
    batches = [sentences[:1], list(sentences[:16]) + [long], sentences]
    error = 0.0
    with torch.no_grad():
        for batch in batches:
            inputs = tokens(batch)
            expected = graph(inputs["input_ids"], inputs["attention_mask"]).numpy()
            feed = {k: inputs[k].numpy() for k in TEXT_INPUTS}
            (got,) = session.run(list(TEXT_OUTPUTS), feed)
            error = max(error, float(np.abs(got - expected).max()))
    if error > PARITY_TOLERANCE:
        raise ConfigError(f"text graph differs from torch by {error:.2e} (> {PARITY_TOLERANCE})")
    return {
        "file": path.name,
        "opset": OPSET,
        "precision": "fp32",
        "parity_max_abs": error,
        "parity_checked_on": f"{len(sentences)} sentences, batches of 1, 17 and all",
    }


def export_text_int8(
    fp32_path: Path, path: Path, tower: TextTower, sentences: Sequence[str]
) -> dict[str, Any]:
    """Write the dynamically quantised text graph and measure it against the float32 graph."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(str(fp32_path), str(path), weight_type=QuantType.QInt8, per_channel=True)
    tokens = tower.encoder.tokenizer(
        list(sentences),
        padding=True,
        truncation=True,
        max_length=tower.encoder.max_length,
        return_tensors="np",
    )
    inputs = {k: tokens[k].astype(np.int64) for k in TEXT_INPUTS}
    (full,) = _cpu_session(fp32_path).run(list(TEXT_OUTPUTS), inputs)
    (quantised,) = _cpu_session(path).run(list(TEXT_OUTPUTS), inputs)
    cosines = _cosines(quantised, full)
    return {
        "file": path.name,
        "precision": "int8 weights (dynamic quantisation)",
        "min_cosine": float(cosines.min()),
        "mean_cosine": float(cosines.mean()),
        "tolerance": INT8_TOLERANCE,
        "measured_on": f"{len(sentences)} sentences, ONNX Runtime CPU, vs fp32",
    }


def write_bundle(
    model: ElmModel,
    out: str | Path,
    *,
    name: str,
    version: str,
    training_data: str,
    text_encoder: TextEncoder | None = None,
    attention_note: str = "",
    source: dict[str, Any] | None = None,
    fp16: bool = False,
    quantize_text: bool = False,
) -> Path:
    """Export ``model`` into a bundle folder ``out`` (created; refused if not empty).

    Parameters
    ----------
    model : ElmModel
        In eval mode or not (it is put in eval mode).
    out : path
        The bundle folder to write.
    name, version, training_data : str
        Written to the manifest.
    text_encoder : TextEncoder, optional
        The frozen text encoder; needed when ``model`` has a text projector (built from the
        model's configuration when not given).
    attention_note : str
        Written with the attention kind (for instance why the attention is uniform).
    source : dict, optional
        Where the weights came from (file name, sha256).
    fp16 : bool
        Add the float16 EEG graph if it stays within :data:`FP16_TOLERANCE`.
    quantize_text : bool
        Add the int8 text graph if it stays within :data:`INT8_TOLERANCE`.

    Returns
    -------
    Path of the bundle folder.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} exists and is not empty; choose a new folder for the bundle")
    model = model.eval()
    config = model.config
    # Write into a temporary folder beside the target, then rename: no half-written bundles.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        manifest: dict[str, Any] = {
            "name": name,
            "version": version,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "created_by": producer(),
            "window_s": config.window_s,
            "sfreq": ELM_SFREQ,
            "n_samples": model.eeg_encoder.n_samples,
            "channels": list(ELM_CHANNELS),
            "embedding_dim": EMBED_DIM,
            "temperature": config.temperature,
            "attention": _attention_entry(model, attention_note),
            "training_data": training_data,
            "source": source or {},
            "rejected_variants": [],
        }
        with torch.no_grad():
            manifest["eeg"] = export_eeg(model, staging / "eeg_encoder.onnx")
            if fp16:
                entry = export_eeg_fp16(
                    staging / "eeg_encoder.onnx",
                    staging / "eeg_encoder.fp16.onnx",
                    model.eeg_encoder.n_samples,
                )
                _keep_or_reject(manifest, "eeg_fp16", entry, staging)
            manifest["text"] = None
            if model.text_projector is not None:
                manifest["text"] = _export_text_side(
                    model, text_encoder, staging, manifest, quantize_text
                )
        write_manifest(staging, manifest)
        out.mkdir(parents=True, exist_ok=True)
        for file in staging.iterdir():
            shutil.move(str(file), out / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _attention_entry(model: ElmModel, note: str) -> dict[str, Any]:
    if model.attention is None:
        return {
            "kind": "uniform",
            "note": note or "no attention head: every crop weighs the same (mean pooling)",
        }
    hidden = model.attention.attention_V.out_features
    return {"kind": "gated", "hidden": hidden, "scores": "L2-normalised crop embedding"}


def _keep_or_reject(manifest: dict[str, Any], role: str, entry: dict[str, Any], folder: Path):
    tolerance = entry["tolerance"]
    passed = all(
        entry[key] <= limit if key.startswith("max") else entry[key] >= limit
        for key, limit in tolerance.items()
    )
    if passed:
        manifest[role] = entry
    else:
        (folder / entry["file"]).unlink()
        manifest["rejected_variants"].append({"role": role, **entry})


def _export_text_side(
    model: ElmModel,
    text_encoder: TextEncoder | None,
    folder: Path,
    manifest: dict[str, Any],
    quantize_text: bool,
) -> dict[str, Any]:
    config = model.config
    encoder = text_encoder or TextEncoder(config.text_model, config.pooling, config.max_length)
    if encoder.dim != config.text_dim:
        raise ConfigError(
            f"text model {config.text_model!r} gives {encoder.dim}-d outputs but the "
            f"checkpoint's projector takes {config.text_dim}"
        )
    tower = TextTower(encoder, model.text_projector).eval()
    sentences = _check_sentences()
    entry = export_text(tower, folder / "text_encoder.onnx", sentences)
    # A copy: padding and truncation are the runtime's to set (from max_length).
    tokenizer = Tokenizer.from_str(encoder.tokenizer.backend_tokenizer.to_str())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    tokenizer.save(str(folder / "tokenizer.json"))
    entry.update(
        tokenizer="tokenizer.json",
        model=Path(config.text_model).name,
        pooling=config.pooling,
        max_length=config.max_length,
        segment_mode=config.segment_mode,
    )
    if quantize_text:
        int8 = export_text_int8(
            folder / "text_encoder.onnx", folder / "text_encoder.int8.onnx", tower, sentences
        )
        _keep_or_reject(manifest, "text_int8", int8, folder)
    return entry


def export_checkpoint(
    checkpoint: str | Path,
    out: str | Path,
    *,
    name: str | None = None,
    version: str | None = None,
    fp16: bool = False,
    quantize_text: bool = False,
) -> Path:
    """Export a checkpoint folder (``model.safetensors`` + ``config.json``) to a bundle.

    The name defaults to the checkpoint folder's name, the version to its ``notes`` or the
    date, and the training data to what its ``notes`` say. A ``phenotypes.toml`` beside the
    weights (calibrated thresholds, from ``elm-desktop model calibrate --out``) goes into the
    bundle.
    """
    checkpoint = Path(checkpoint)
    model = ElmModel.load(checkpoint)
    notes = read_checkpoint_notes(checkpoint)
    thresholds = checkpoint / PHENOTYPES
    if thresholds.is_file():  # refuse bad entries before writing anything
        from elm_desktop.clinical.knowledge import load_knowledge_base

        load_knowledge_base(user_path=os.devnull, model_path=thresholds)
    bundle = write_bundle(
        model,
        out,
        name=name or str(notes.get("name", checkpoint.name)),
        version=version or str(notes.get("version", dt.date.today().isoformat())),
        training_data=str(notes.get("training_data", "not stated in the checkpoint")),
        source={
            "checkpoint": checkpoint.name,
            "sha256": sha256_file(checkpoint / WEIGHTS_FILE),
            "notes": notes,
        },
        fp16=fp16,
        quantize_text=quantize_text,
    )
    if thresholds.is_file():
        write_phenotypes(
            bundle,
            thresholds.read_text(encoding="utf-8"),
            f"{_first_comment(thresholds)} (from {checkpoint.name}/{PHENOTYPES})",
        )
    familiarity = checkpoint / FAMILIARITY
    if familiarity.is_file():
        reference = FamiliarityReference.load(familiarity)
        write_familiarity(bundle, reference.save, reference.note)
    return bundle


def _first_comment(path: Path) -> str:
    """The first comment line of a TOML file, without its ``#``, or its name."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").rstrip(".")
    return path.name
