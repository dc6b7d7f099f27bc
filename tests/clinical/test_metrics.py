"""Evaluation metrics against direct computations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from elm_desktop.clinical.metrics import Counts, auroc, finding_counts, micro_counts, rouge_l


def test_auroc_is_the_share_of_correctly_ordered_pairs():
    rng = np.random.default_rng(3)
    labels = rng.random(40) < 0.4
    scores = np.round(rng.random(40), 1)  # ties on purpose
    pairs = [
        1.0 if p > n else 0.5 if p == n else 0.0
        for p, n in itertools.product(scores[labels], scores[~labels])
    ]
    assert auroc(labels, scores) == pytest.approx(np.mean(pairs))
    assert auroc([True, False], [0.9, 0.1]) == 1.0
    assert math.isnan(auroc([True, True], [0.1, 0.2]))


def test_finding_counts_and_f1():
    predicted = [{"lpd", "sleep"}, {"sleep"}, set()]
    reference = [{"lpd"}, {"sleep", "lpd"}, {"sleep"}]
    counts = finding_counts(predicted, reference, ["lpd", "sleep"])
    assert counts["lpd"] == Counts(1, 0, 1)
    assert counts["sleep"] == Counts(1, 1, 1)
    assert counts["sleep"].precision == 0.5 and counts["sleep"].recall == 0.5
    assert counts["lpd"].f1 == pytest.approx(2 / 3)
    assert micro_counts(counts.values()) == Counts(2, 1, 2)
    assert math.isnan(Counts().precision)


def test_rouge_l():
    assert rouge_l("the cat sat", "the cat sat") == 1.0
    # LCS of "a b c d" and "a c e d" is "a c d": P = 3/4, R = 3/4.
    assert rouge_l("a b c d", "A, c e d.") == pytest.approx(0.75)
    assert rouge_l("", "x") == 0.0
