"""Evaluation labels of an imported recording, read from its report, and their agreement with
ground truth where it is known (synthetic archives).

The labels come from the project's negation-aware findings extractor
(:func:`elm_desktop.clinical.extract_findings`), so a report's "no epileptiform discharges" is no
epileptiform finding and its clinical history is no recorded seizure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache

from elm_desktop.clinical import extract_findings
from elm_desktop.clinical.extract import record_text
from elm_desktop.clinical.knowledge import KnowledgeBase, load_knowledge_base
from elm_desktop.synth import FINDINGS

_ABNORMAL_WORD = re.compile(r"\babnormal\b")


@lru_cache(maxsize=1)
def builtin_knowledge_base() -> KnowledgeBase:
    """The built-in knowledge base alone (no user entries: an import must not depend on who
    runs it)."""
    return load_knowledge_base(user_path=os.devnull)


def report_labels(report: str) -> tuple[list[str], bool]:
    """Return the findings a report asserts (vocabulary ids, sorted, ``normal`` left out) and
    whether it calls the record abnormal (an abnormal finding, or the word itself)."""
    knowledge_base = builtin_knowledge_base()
    asserted = extract_findings(report, knowledge_base)
    findings = sorted(f for f in asserted if f != "normal" and f in FINDINGS)
    abnormal = any(knowledge_base[f].abnormal for f in findings) or bool(
        _ABNORMAL_WORD.search(record_text(report).lower())
    )
    return findings, abnormal


def agreement(pairs: Iterable[tuple[set[str], set[str]]]) -> dict[str, dict[str, float]]:
    """Precision and recall of extracted findings against ground truth, per finding.

    Parameters
    ----------
    pairs : iterable of (truth, extracted)
        Finding ids per recording; include ``"abnormal"`` in both to score that label too.

    Returns
    -------
    dict
        Per finding present in either: ``tp``, ``fp``, ``fn``, ``precision`` and ``recall``
        (NaN where undefined).
    """
    counts: dict[str, list[int]] = {}
    for truth, extracted in pairs:
        for name in truth | extracted:
            tally = counts.setdefault(name, [0, 0, 0])
            tally[0 if name in truth and name in extracted else 1 if name in extracted else 2] += 1
    table = {}
    for name in sorted(counts):
        tp, fp, fn = counts[name]
        table[name] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
        }
    return table
