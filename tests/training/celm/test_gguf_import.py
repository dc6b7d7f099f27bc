"""The GGUF reader: a llama written the way llama.cpp writes it comes back computing the same."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.gguf_import import (
    llama_from_gguf,
    read_llama_gguf,
    unpermute_rotary,
)
from elm_desktop.training.celm.language_model import (
    DEFAULT_LANGUAGE_MODEL,
    DEFAULT_LM_DIR,
    load_language_model,
    resolve_language_model_dir,
)


def _llama_cpp_permute(weight: np.ndarray, n_heads: int) -> np.ndarray:
    # llama.cpp's convert_hf_to_gguf.py permutation of q_proj / k_proj rows.
    return (
        weight.reshape(n_heads, 2, weight.shape[0] // n_heads // 2, *weight.shape[1:])
        .swapaxes(1, 2)
        .reshape(weight.shape)
    )


def test_unpermute_inverts_llama_cpp():
    weight = np.arange(512 * 3, dtype=np.float32).reshape(512, 3)
    assert np.array_equal(unpermute_rotary(_llama_cpp_permute(weight, 8), 8), weight)
    assert not np.array_equal(_llama_cpp_permute(weight, 8), weight)


def _write_gguf(model, path) -> None:
    import gguf

    config = model.config
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(config.num_hidden_layers)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_freq_base(config.rope_parameters["rope_theta"])
    names = {
        "input_layernorm": "attn_norm",
        "post_attention_layernorm": "ffn_norm",
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
    }
    for name, tensor in model.state_dict().items():
        value = tensor.numpy().astype(np.float32)
        if name == "lm_head.weight":
            continue
        if name == "model.embed_tokens.weight":
            out = "token_embd.weight"
        elif name == "model.norm.weight":
            out = "output_norm.weight"
        else:
            _, _, layer, rest = name.split(".", 3)
            module, kind = rest.rsplit(".", 1)
            out = f"blk.{layer}.{names[module]}.{kind}"
            if module == "self_attn.q_proj":
                value = _llama_cpp_permute(value, config.num_attention_heads)
            elif module == "self_attn.k_proj":
                value = _llama_cpp_permute(value, config.num_key_value_heads)
        writer.add_tensor(out, value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_gguf_round_trip_gives_the_same_logits(tiny_llama, tmp_path):
    path = tmp_path / "tiny.gguf"
    _write_gguf(tiny_llama, path)
    config, weights = read_llama_gguf(path)
    assert config["num_key_value_heads"] == 2 and config["tie_word_embeddings"]
    rebuilt = llama_from_gguf(path)
    ids = torch.tensor([[1, 5, 9, 42, 7, 3, 100, 12]])
    with torch.no_grad():
        expected = tiny_llama(ids).logits
        got = rebuilt(ids).logits
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_a_gguf_of_another_architecture_is_refused(tmp_path):
    import gguf

    writer = gguf.GGUFWriter(str(tmp_path / "x.gguf"), "gpt2")
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(ConfigError, match="only the llama architecture"):
        read_llama_gguf(tmp_path / "x.gguf")


def test_a_folder_without_config_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="config.json"):
        resolve_language_model_dir(str(tmp_path))


@pytest.mark.slow
@pytest.mark.skipif(
    not (DEFAULT_LM_DIR / "config.json").is_file(), reason="run `make lm` to build SmolLM2"
)
def test_smollm2_answers_a_chat_prompt():
    """The converted SmolLM2-135M-Instruct completes a simple chat prompt sensibly (greedy)."""
    torch.set_num_threads(1)
    model, tokenizer = load_language_model(DEFAULT_LANGUAGE_MODEL)
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    ids = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )["input_ids"]
    out = model.generate(ids, max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    assert "Paris" in answer
