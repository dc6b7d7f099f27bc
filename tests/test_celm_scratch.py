"""The report generator's decoder trained from scratch and its finding-score prefix tokens."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.config import CelmConfig, CelmModelConfig, CelmTrainConfig
from elm_desktop.training.celm.examples import Example, FindingScores
from elm_desktop.training.celm.model import open_generator
from elm_desktop.training.celm.prompt import chat_text
from elm_desktop.training.celm.scratch import fit_tokenizer
from elm_desktop.training.celm.trainer import build_generator, fit

TARGETS = (
    '{"report_sections": [{"section_name": "IMPRESSION", "section_text": "Normal EEG."}]}',
    '{"report_sections": [{"section_name": "IMPRESSION", "section_text": '
    '"Focal slowing in the left temporal region."}]}',
)


def _examples(n: int = 4, n_findings: int = 0, muscle: bool = False) -> list[Example]:
    """Two kinds of recording, told apart by their crop embeddings or, with ``muscle``, by the
    crops' muscle index alone (a last column; the embeddings are alike)."""
    rng = np.random.default_rng(0)
    examples = []
    for i in range(n):
        if muscle:
            index = np.full((3, 1), 2.5 if i % 2 else 0.0)
            crops = np.concatenate([0.1 * rng.standard_normal((3, 256)), index], axis=1)
        else:
            crops = rng.standard_normal((3, 256)) + (1.0 if i % 2 else -1.0)
        crops = crops.astype(np.float32)
        scores = rng.standard_normal(n_findings).astype(np.float32) if n_findings else None
        examples.append(
            Example(f"r{i}", crops, "", TARGETS[i % 2], "", frozenset({"normal"}), scores)
        )
    return examples


def _config(**model) -> CelmConfig:
    values = {
        "language_model": "scratch",
        "mode": "full",
        "sections": ["IMPRESSION"],
        "scratch_layers": 2,
        "scratch_width": 32,
        "scratch_heads": 2,
        "scratch_vocab": 320,
        "max_new_tokens": 64,
        **model,
    }
    return CelmConfig(
        model=CelmModelConfig(**values),
        train=CelmTrainConfig(max_steps=100, grad_accum=2, lr=1e-2, warmup_ratio=0.05),
    )


def test_the_tokenizer_encodes_words_it_never_saw():
    tokenizer = fit_tokenizer(list(TARGETS) * 5, 300)
    assert len(tokenizer) <= 300
    unseen = 'Zygomatic µV ß 3.5 Hz {"x": "ü"}'
    ids = tokenizer(unseen, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == unseen
    # The training text is merged into far fewer tokens than its bytes.
    assert len(tokenizer(TARGETS[1], add_special_tokens=False)["input_ids"]) < len(TARGETS[1]) / 2


def test_a_scratch_decoder_needs_full_training():
    with pytest.raises(ConfigError, match='mode = "full"'):
        CelmModelConfig(language_model="scratch", mode="lora")
    with pytest.raises(ConfigError, match="multiple"):
        CelmModelConfig(language_model="scratch", mode="full", scratch_width=30, scratch_heads=4)


def test_the_scratch_decoder_learns_to_write_the_reports_it_is_shown(tmp_path):
    config = _config()
    examples = _examples()
    generator = build_generator(config, examples)
    # The whole decoder trains, not only the projector and special embeddings.
    assert any(name.startswith("lm.") for name in generator.trainable_names())
    losses = fit(generator, examples, config)
    assert np.mean(losses[-5:]) < 0.3 * np.mean(losses[:5])
    prompt = chat_text(generator.tokenizer, config.model.sections)
    crops = [torch.from_numpy(e.crops) for e in examples[:2]]
    drafts = generator.generate(crops, [prompt, prompt])
    # The two kinds of recording get their own report: the prefix is read.
    assert drafts == [TARGETS[0], TARGETS[1]]
    generator.save(tmp_path / "ckpt", {"steps": len(losses)})
    reopened = open_generator(tmp_path / "ckpt")
    assert reopened.generate(crops, [prompt, prompt]) == drafts


def test_finding_scores_enter_the_prefix_as_one_token_each(tmp_path):
    config = _config(finding_scores=True)
    examples = _examples(n_findings=5)
    generator = build_generator(config, examples)
    crops = torch.from_numpy(examples[0].crops)
    low, high = -torch.ones(5), torch.ones(5)
    prefix = generator.prefix(crops, low)
    assert prefix.shape == (3 + 3 + 5, 32)
    assert not torch.equal(prefix, generator.prefix(crops, high))
    # Without the EEG the scores are gone too.
    assert torch.equal(generator.prefix(crops, low, True), generator.prefix(crops, high, True))
    with pytest.raises(ConfigError, match="finding scores"):
        generator.prefix(crops)
    fit(generator, examples, config)
    generator.save(tmp_path / "ckpt")
    reopened = open_generator(tmp_path / "ckpt")
    assert torch.equal(reopened.prefix(crops, low), generator.prefix(crops, low))


def test_score_margins_are_positive_exactly_above_the_threshold():
    scores = FindingScores(
        ("a", "b"),
        np.array([[0.9, 0.2], [0.1, 0.5]], np.float32),
        np.array([0.5, 0.3]),
        ({"a": "no event"}, {}),
    )
    margins = scores.margins()
    assert (margins > 0).tolist() == [[True, False], [False, True]]
    assert margins[0, 0] == pytest.approx(np.log(0.9 / 0.1), rel=1e-5)
    # Given to other recordings, a recording's held findings go with its scores.
    rolled = scores.rolled(-1)
    assert rolled.of(0) == pytest.approx({"a": 0.1, "b": 0.5}) and rolled.held_of(0) == {}
    assert rolled.held_of(1) == {"a": "no event"}


def test_a_generator_reading_the_muscle_index_drafts_from_it():
    config = _config(measured_muscle=True)
    # One column against 256: it takes more steps to be read than the embeddings' offset.
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, max_steps=200))
    examples = _examples(muscle=True)
    generator = build_generator(config, examples)
    assert generator.projector.in_features == 257
    fit(generator, examples, config)
    prompt = chat_text(generator.tokenizer, config.model.sections)
    crops = [torch.from_numpy(e.crops) for e in examples[:2]]
    # Only the last column differs in kind: the two drafts follow it.
    assert generator.generate(crops, [prompt, prompt]) == [TARGETS[0], TARGETS[1]]
