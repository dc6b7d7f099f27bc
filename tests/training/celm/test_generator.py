"""The generator at tiny scale: the response loss falls and only the intended tensors change."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.config import CelmConfig, CelmModelConfig, CelmTrainConfig
from elm_desktop.training.celm.examples import Example
from elm_desktop.training.celm.model import IGNORE, CelmGenerator, read_celm_config
from elm_desktop.training.celm.prompt import chat_text
from elm_desktop.training.celm.trainer import fit

TARGETS = (
    '{"report_sections": [{"section_name": "IMPRESSION", "section_text": "Normal EEG."}]}',
    '{"report_sections": [{"section_name": "IMPRESSION", "section_text": '
    '"Focal slowing in the left temporal region."}]}',
)


def _examples(n: int = 4) -> list[Example]:
    rng = np.random.default_rng(0)
    examples = []
    for i in range(n):
        crops = rng.standard_normal((3, 16)).astype(np.float32) + (2.0 if i % 2 else -2.0)
        examples.append(
            Example(f"r{i}", crops, "", TARGETS[i % 2], TARGETS[i % 2], frozenset({"normal"}))
        )
    return examples


def _generator(lm, tokenizer, mode: str = "projection_only") -> CelmGenerator:
    torch.manual_seed(0)
    config = CelmModelConfig(
        language_model="tiny", mode=mode, lora_rank=2, sections=["IMPRESSION"], max_new_tokens=8
    )
    return CelmGenerator(lm, tokenizer, config, encoder_dim=16)


def _snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


@pytest.mark.parametrize("mode", ["projection_only", "lora"])
def test_loss_falls_and_only_trained_tensors_change(tiny_llama, tiny_tokenizer, mode):
    generator = _generator(tiny_llama, tiny_tokenizer, mode)
    trainable = set(generator.trainable_names())
    expected = {"start", "separator", "end", "projector.weight", "projector.bias"}
    if mode == "projection_only":
        assert trainable == expected
    else:
        lora = trainable - expected
        assert expected <= trainable and lora
        assert all(".lora_a" in n or ".lora_b" in n for n in lora)
        assert any("q_proj" in n for n in lora) and any("v_proj" in n for n in lora)
    before = _snapshot(generator)
    config = CelmConfig(
        model=generator.config,
        train=CelmTrainConfig(max_steps=40, grad_accum=2, lr=3e-2, warmup_ratio=0.05, log_every=1),
    )
    losses = fit(generator, _examples(), config)
    # A random frozen LM is hard to steer through four prefix tokens; adapters move it faster.
    assert np.mean(losses[-5:]) < (0.9 if mode == "projection_only" else 0.6) * np.mean(losses[:5])
    after = dict(generator.named_parameters())
    for name, value in before.items():
        changed = not torch.equal(value, after[name].detach())
        assert changed == (name in trainable), name


def test_only_the_response_is_scored(tiny_llama, tiny_tokenizer):
    generator = _generator(tiny_llama, tiny_tokenizer)
    prompt = chat_text(tiny_tokenizer, ["IMPRESSION"])
    crops = torch.zeros(3, 16)
    batch = generator.batch([crops, crops[:1]], [prompt, prompt], list(TARGETS))
    n_prompt = len(tiny_tokenizer(prompt, add_special_tokens=False)["input_ids"])
    labels = batch["labels"][0]
    n_context = 3 + 3 + n_prompt  # start, 3 crops, separator, end, then the prompt
    assert (labels[:n_context] == IGNORE).all()
    response = tiny_tokenizer(TARGETS[0], add_special_tokens=False)["input_ids"]
    n_real = int(batch["attention_mask"][0].sum())
    assert labels[n_context:n_real].tolist() == [*response, tiny_tokenizer.eos_token_id]
    # The shorter row is padded: masked out and not scored.
    assert n_real < batch["attention_mask"].shape[1]
    assert (labels[n_real:] == IGNORE).all()


def test_the_prefix_carries_the_recording_unless_zeroed(tiny_llama, tiny_tokenizer):
    generator = _generator(tiny_llama, tiny_tokenizer)
    a, b = torch.ones(3, 16), -torch.ones(3, 16)
    assert not torch.equal(generator.prefix(a), generator.prefix(b))
    assert torch.equal(generator.prefix(a, zero_eeg=True), generator.prefix(b, zero_eeg=True))
    assert generator.prefix(a).shape == (3 + 3, 32)


def test_batched_greedy_decoding_matches_one_at_a_time(tiny_llama, tiny_tokenizer):
    generator = _generator(tiny_llama, tiny_tokenizer)
    prompts = [chat_text(tiny_tokenizer, ["IMPRESSION"], h) for h in ("", "a longer history")]
    crops = [torch.ones(3, 16), -torch.ones(2, 16)]
    together = generator.generate(crops, prompts)
    alone = [generator.generate([c], [p])[0] for c, p in zip(crops, prompts, strict=True)]
    assert together == alone


def test_checkpoint_round_trip(tiny_llama, tiny_tokenizer, tmp_path):
    generator = _generator(tiny_llama, tiny_tokenizer, "lora")
    with torch.no_grad():
        generator.projector.weight.add_(1.0)
    generator.save(tmp_path / "ckpt", {"steps": 1})
    config, notes = read_celm_config(tmp_path / "ckpt")
    assert config == generator.config and notes == {"steps": 1}
    from transformers import LlamaForCausalLM

    fresh = _generator(LlamaForCausalLM(tiny_llama.config), tiny_tokenizer, "lora")
    fresh.load_trained(tmp_path / "ckpt")
    assert torch.equal(fresh.projector.weight, generator.projector.weight)
    other = _generator(LlamaForCausalLM(tiny_llama.config), tiny_tokenizer, "projection_only")
    with pytest.raises(ConfigError, match="do not fit"):
        other.load_trained(tmp_path / "ckpt")


def test_lora_targets_that_match_nothing_are_refused(tiny_llama, tiny_tokenizer):
    config = CelmModelConfig(language_model="tiny", mode="lora", lora_targets=["nope"])
    with pytest.raises(ConfigError, match="name no linear layer"):
        CelmGenerator(tiny_llama, tiny_tokenizer, config, encoder_dim=16)
