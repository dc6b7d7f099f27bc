"""Export a trained generator's decoder to ONNX with a key/value cache, for decoding without torch.

The graph is one decoder step over ``t`` new positions: it takes the new input embeddings
``[1, t, width]`` and the cached keys and values of the ``p`` positions before them
``[layers, 1, heads, p, head_dim]`` (``p = 0`` at the start), and returns the logits of the last
new position ``[1, vocab]`` and the cache grown to ``p + t`` positions. The first call reads the
whole prefix and prompt, each later call one generated token. It computes what the Llama
decoder computes (RMSNorm, RoPE, causal attention over the cache, SwiGLU), written out here so
that the TorchScript exporter sees plain tensor operations.

Beside the graph, ``prefix.npz`` holds what the numpy side needs to build the input embeddings:
the projector, CELM's special embeddings, the finding-score tokens and the token embedding
table (:mod:`.onnx_greedy` reads them). The tokenizer is the checkpoint's ``tokenizer.json``.
"""

from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.config import SCRATCH
from elm_desktop.training.celm.model import CelmGenerator
from elm_desktop.training.celm.onnx_greedy import DECODER_FILE, PREFIX_FILE, TOKENIZER_FILE
from elm_desktop.training.celm.scratch import TOKENIZER_DIR

OPSET = 17
INPUTS = ("inputs_embeds", "past_key", "past_value")
OUTPUTS = ("logits", "key", "value")


class DecoderStep(nn.Module):
    """One cached decoder step of a Llama-architecture causal LM (see the module docstring)."""

    def __init__(self, language_model) -> None:
        super().__init__()
        self.lm = language_model
        config = language_model.config
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.register_buffer("inv_freq", language_model.model.rotary_emb.inv_freq.clone())

    def forward(
        self, inputs_embeds: torch.Tensor, past_key: torch.Tensor, past_value: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        t = inputs_embeds.shape[1]
        p = past_key.shape[3]
        positions = torch.arange(t, dtype=torch.float32) + p
        freqs = positions[:, None] * self.inv_freq[None]
        angles = torch.cat([freqs, freqs], dim=-1)
        cos, sin = angles.cos()[None, None], angles.sin()[None, None]
        # New position i sees every cached position and the new ones up to itself.
        seen = torch.arange(t + p)[None, :] <= (torch.arange(t) + p)[:, None]
        mask = torch.zeros(seen.shape).masked_fill(~seen, float("-inf"))
        hidden = inputs_embeds
        keys, values = [], []
        for i, layer in enumerate(self.lm.model.layers):
            attention = layer.self_attn
            x = layer.input_layernorm(hidden)
            q = attention.q_proj(x).view(1, t, self.heads, self.head_dim).transpose(1, 2)
            k = attention.k_proj(x).view(1, t, self.kv_heads, self.head_dim).transpose(1, 2)
            v = attention.v_proj(x).view(1, t, self.kv_heads, self.head_dim).transpose(1, 2)
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            k = torch.cat([past_key[i], k], dim=2)
            v = torch.cat([past_value[i], v], dim=2)
            keys.append(k)
            values.append(v)
            group = self.heads // self.kv_heads
            k_all = k.repeat_interleave(group, dim=1) if group > 1 else k
            v_all = v.repeat_interleave(group, dim=1) if group > 1 else v
            scores = q @ k_all.transpose(-1, -2) / math.sqrt(self.head_dim) + mask
            out = torch.softmax(scores, dim=-1) @ v_all
            hidden = hidden + attention.o_proj(out.transpose(1, 2).reshape(1, t, -1))
            hidden = hidden + layer.mlp(layer.post_attention_layernorm(hidden))
        last = self.lm.model.norm(hidden[:, -1:])
        return self.lm.lm_head(last)[:, 0], torch.stack(keys), torch.stack(values)

    def empty_cache(self) -> torch.Tensor:
        """Keys or values of no position: ``[layers, 1, kv_heads, 0, head_dim]``."""
        return torch.zeros(len(self.lm.model.layers), 1, self.kv_heads, 0, self.head_dim)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def prefix_arrays(generator: CelmGenerator) -> dict[str, np.ndarray]:
    """The generator's tensors the numpy side builds input embeddings from."""
    if generator.config.projector != "linear":
        raise ConfigError("the ONNX export covers the linear projector only")
    arrays = {
        "projector_weight": generator.projector.weight,
        "projector_bias": generator.projector.bias,
        "start": generator.start,
        "separator": generator.separator,
        "end": generator.end,
        "token_embeddings": generator.lm.get_input_embeddings().weight,
    }
    if generator.config.finding_scores:
        arrays["finding_embeddings"] = generator.finding_embeddings
        arrays["finding_directions"] = generator.finding_directions
    out = {name: t.detach().float().cpu().numpy() for name, t in arrays.items()}
    out["eos_id"] = np.array(generator.eos_id, np.int64)
    return out


@torch.no_grad()
def export_generator(generator: CelmGenerator, checkpoint: str | Path, out_dir: str | Path) -> Path:
    """Write ``decoder.onnx``, ``prefix.npz`` and ``tokenizer.json`` of a scratch generator.

    Parameters
    ----------
    generator : CelmGenerator
        Trained, with a decoder trained from scratch (its tokenizer is a ``tokenizer.json``).
    checkpoint : path-like
        The generator's checkpoint folder (its tokenizer is copied from there).
    out_dir : path-like

    Returns
    -------
    Path
        ``out_dir``.
    """
    if generator.config.language_model != SCRATCH:
        raise ConfigError("the ONNX export covers a decoder trained from scratch only")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    step = DecoderStep(generator.lm).eval()
    width = generator.lm.config.hidden_size
    example = (torch.zeros(1, 3, width), step.empty_cache(), step.empty_cache())
    cache_axes = {3: "past"}
    with warnings.catch_warnings():
        # The TorchScript exporter warns about its deprecation and traced shape arithmetic;
        # the token-for-token comparison with torch is what guards the graph.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            step,
            example,
            str(out / DECODER_FILE),
            opset_version=OPSET,
            dynamo=False,
            input_names=list(INPUTS),
            output_names=list(OUTPUTS),
            dynamic_axes={
                "inputs_embeds": {1: "new"},
                "past_key": cache_axes,
                "past_value": cache_axes,
                "key": {3: "all"},
                "value": {3: "all"},
            },
        )
    np.savez(out / PREFIX_FILE, **prefix_arrays(generator))
    shutil.copyfile(Path(checkpoint) / TOKENIZER_DIR / TOKENIZER_FILE, out / TOKENIZER_FILE)
    return out
