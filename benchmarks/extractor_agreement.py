"""How well the findings extractor reads each generator family's own reports.

The extractor (:mod:`elm_desktop.clinical.extract`) turns report text into findings: it
scores drafts (their hallucination rate is the share of asserted findings the truth lacks)
and labels a department's archive on import. Here it reads the reports each corpus's
generator wrote and is compared with that generator's ground truth, per finding: what the
reports assert that the truth lacks is the extractor's (or the writer's) own "hallucination",
a floor under every draft's figure.

Run from the repository root, on corpora made with ``elm-desktop synth``::

    .venv/bin/python benchmarks/extractor_agreement.py data/demo-train-2500 \
        data/dipole-train-800 data/neural-mass-train-800 [--split test]

Figures go to stdout (``benchmarks/results/extractor-agreement.txt`` keeps one run).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from elm_desktop.clinical.extract import extract_findings, find_mentions, record_text
from elm_desktop.clinical.knowledge import load_knowledge_base


def _truth(record: dict) -> set[str]:
    names = {f["name"] for f in record["findings"]}
    return names if record.get("abnormal", True) else names | {"normal"}


def agreement(corpus: Path, split: str | None) -> None:
    """Print the extractor's agreement with one corpus's truth."""
    kb = load_knowledge_base(user_path="/nonexistent")
    lines = (corpus / "manifest.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line]
    records = [r for r in records if split is None or r["split"] == split]
    found, false, missed = Counter(), Counter(), Counter()
    false_clauses: Counter[tuple[str, str]] = Counter()
    for record in records:
        truth = _truth(record)
        asserted = extract_findings(record["report"], kb)
        for name in asserted & truth:
            found[name] += 1
        for name in asserted - truth:
            false[name] += 1
            for mention in find_mentions(record_text(record["report"]), kb):
                if mention.finding_id == name and not mention.negated:
                    false_clauses[(name, mention.clause[:80])] += 1
        for name in truth - asserted:
            missed[name] += 1
    right, wrong = sum(found.values()), sum(false.values())
    print(
        f"{corpus.name} ({len(records)} reports{'' if split is None else ', ' + split}): "
        f"{right + wrong} findings asserted, {wrong} the truth lacks "
        f"({wrong / max(right + wrong, 1):.3f}); {sum(missed.values())} true findings not read"
    )
    print(f"  {'finding':24s} {'truth':>6s} {'read':>6s} {'false':>6s} {'missed':>7s}")
    for name in sorted(set(found) | set(false) | set(missed)):
        truth_n = found[name] + missed[name]
        print(
            f"  {name:24s} {truth_n:6d} {found[name] + false[name]:6d} {false[name]:6d} "
            f"{missed[name]:7d}"
        )
    for (name, clause), n in false_clauses.most_common(5):
        print(f"  read as {name} against the truth {n}x: {clause!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--split", default=None, help="one split only (default: every report)")
    args = parser.parse_args()
    for corpus in args.corpora:
        agreement(corpus, args.split)


if __name__ == "__main__":
    main()
