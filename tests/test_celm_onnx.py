"""The scratch generator exported to ONNX decodes token for token as torch does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from elm_desktop.training.celm.onnx_export import export_generator
from elm_desktop.training.celm.onnx_greedy import OnnxGenerator
from elm_desktop.training.celm.prompt import chat_text
from elm_desktop.training.celm.trainer import build_generator, fit
from tests.test_celm_scratch import _config, _examples


@pytest.mark.parametrize("finding_scores", [False, True])
def test_onnx_greedy_matches_torch_greedy(tmp_path, finding_scores):
    config = _config(finding_scores=finding_scores, max_new_tokens=40)
    examples = _examples(n_findings=5 if finding_scores else 0)
    generator = build_generator(config, examples)
    fit(generator, examples, config)
    checkpoint = generator.save(tmp_path / "ckpt")
    exported = OnnxGenerator(export_generator(generator, checkpoint, tmp_path / "onnx"))
    prompt = chat_text(generator.tokenizer, config.model.sections, "an unseen history: Zyx")
    drafts = set()
    for example in examples:
        scores = [torch.from_numpy(example.scores)] if finding_scores else None
        expected = generator.generate_ids(
            [torch.from_numpy(example.crops)], [prompt], scores=scores
        )[0]
        streamed: list[int] = []
        got = exported.generate_ids(
            example.crops, prompt, example.scores, config.model.max_new_tokens, streamed.append
        )
        assert got == expected and streamed == got
        drafts.add(exported.decode(got))
        assert exported.decode(got) == generator.tokenizer.decode(expected)
    assert len(drafts) == 2  # the two kinds of recording, as in training


def test_a_callback_cancels_decoding(tmp_path):
    config = _config(max_new_tokens=40)
    generator = build_generator(config, _examples())
    checkpoint = generator.save(tmp_path / "ckpt")
    exported = OnnxGenerator(export_generator(generator, checkpoint, tmp_path / "onnx"))
    crops = np.ones((3, 256), np.float32)
    seen: list[int] = []
    ids = exported.generate_ids(crops, "x", None, 40, lambda t: seen.append(t) or len(seen) == 3)
    assert len(ids) == 3 and ids == seen
