"""Metrics for zero-shot scores and draft reports: AUROC, per-finding P/R/F1, ROUGE-L.

Plain numpy and the standard library, so the product never needs scikit-learn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

_TOKEN = re.compile(r"[a-z0-9]+")


def auroc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Return the area under the ROC curve (Mann-Whitney U with ties counted half).

    Returns NaN when only one class is present.
    """
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass(frozen=True)
class Counts:
    """Detection counts of one finding over a set of reports."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        called = self.true_positive + self.false_positive
        return self.true_positive / called if called else float("nan")

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else float("nan")

    @property
    def f1(self) -> float:
        denominator = 2 * self.true_positive + self.false_positive + self.false_negative
        return 2 * self.true_positive / denominator if denominator else float("nan")

    @property
    def support(self) -> int:
        """How many references hold the finding."""
        return self.true_positive + self.false_negative


def finding_counts(
    predicted: Sequence[set[str]], reference: Sequence[set[str]], names: Iterable[str]
) -> dict[str, Counts]:
    """Count, per finding, agreements between predicted and reference finding sets.

    Parameters
    ----------
    predicted, reference : sequence of set of str
        One set of finding ids per report, aligned.
    names : iterable of str
        The findings to count.
    """
    counts = {}
    for name in names:
        tp = sum(name in p and name in r for p, r in zip(predicted, reference, strict=True))
        fp = sum(name in p and name not in r for p, r in zip(predicted, reference, strict=True))
        fn = sum(name not in p and name in r for p, r in zip(predicted, reference, strict=True))
        counts[name] = Counts(tp, fp, fn)
    return counts


def micro_counts(counts: Iterable[Counts]) -> Counts:
    """Sum counts over findings (micro average)."""
    items = list(counts)
    return Counts(
        sum(c.true_positive for c in items),
        sum(c.false_positive for c in items),
        sum(c.false_negative for c in items),
    )


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, punctuation dropped (as ROUGE's default tokenizer does)."""
    return _TOKEN.findall(text.lower())


def rouge_l(candidate: str, reference: str) -> float:
    """Return the ROUGE-L F-measure (beta = 1) of two texts over word tokens."""
    a, b = tokens(candidate), tokens(reference)
    if not a or not b:
        return 0.0
    lcs = _lcs_length(a, b)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    # One row of the dynamic programme at a time: O(len(a) * len(b)) time, O(len(b)) memory.
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if token == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]
