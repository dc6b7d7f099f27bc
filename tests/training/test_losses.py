"""The contrastive losses against direct, loop-by-loop implementations."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from elm_desktop.training.losses import (  # noqa: E402
    multi_positive_infonce,
    recording_contrastive,
)


def _slow_infonce(eeg, text, eeg_ids, text_ids, temperature):
    def unit(v):
        norm = math.sqrt(sum(x * x for x in v))
        return [x / norm for x in v]

    eeg = [unit(v) for v in eeg.tolist()]
    text = [unit(v) for v in text.tolist()]
    sim = [[sum(a * b for a, b in zip(e, t, strict=True)) / temperature for t in text] for e in eeg]

    def direction(rows, row_ids, col_ids):
        losses = []
        for i, row in enumerate(rows):
            log_norm = math.log(sum(math.exp(s) for s in row))
            pos = [row[j] - log_norm for j in range(len(row)) if col_ids[j] == row_ids[i]]
            losses.append(-sum(pos) / len(pos))
        return sum(losses) / len(losses)

    columns = [list(col) for col in zip(*sim, strict=True)]
    e_ids, t_ids = eeg_ids.tolist(), text_ids.tolist()
    return (direction(sim, e_ids, t_ids) + direction(columns, t_ids, e_ids)) / 2


def test_infonce_matches_a_direct_implementation():
    generator = torch.Generator().manual_seed(0)
    eeg = torch.randn(7, 5, generator=generator)
    text = torch.randn(5, 5, generator=generator)
    eeg_ids = torch.tensor([0, 0, 1, 1, 1, 2, 2])
    text_ids = torch.tensor([2, 0, 1, 0, 1])
    loss = multi_positive_infonce(eeg, text, eeg_ids, text_ids, 0.3)
    expected = _slow_infonce(eeg, text, eeg_ids, text_ids, 0.3)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_infonce_by_hand_one_pair_per_side():
    # Two orthogonal recordings, each one crop and one sentence identical to it:
    # row softmax is [e^(1/T), e^0] so each loss is log(1 + e^(-1/T)).
    eye = torch.eye(2)
    ids = torch.tensor([0, 1])
    loss = multi_positive_infonce(eye, eye, ids, ids, temperature=0.5)
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-2.0)), rel=1e-6)


def test_infonce_is_lower_for_aligned_pairs_and_has_gradients():
    generator = torch.Generator().manual_seed(1)
    text = torch.randn(4, 8, generator=generator)
    ids = torch.arange(4)
    aligned = text.clone().requires_grad_(True)
    shuffled = text[[1, 2, 3, 0]]
    assert multi_positive_infonce(aligned, text, ids, ids) < multi_positive_infonce(
        shuffled, text, ids, ids
    )
    multi_positive_infonce(aligned, text, ids, ids).backward()
    assert aligned.grad is not None and torch.isfinite(aligned.grad).all()


def test_recording_term_uses_mean_text_per_bag():
    generator = torch.Generator().manual_seed(2)
    pooled = torch.randn(3, 6, generator=generator)
    text = torch.randn(7, 6, generator=generator)
    bags = torch.tensor([0, 0, 1, 2, 2, 2, 1])
    unit = text / text.norm(dim=1, keepdim=True)
    means = torch.stack([unit[bags == b].mean(0) for b in range(3)])
    ids = torch.arange(3)
    expected = _slow_infonce(pooled, means, ids, ids, 0.3)
    assert recording_contrastive(pooled, text, bags, 0.3).item() == pytest.approx(
        expected, rel=1e-5
    )
