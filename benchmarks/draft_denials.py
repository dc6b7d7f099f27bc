"""How often the drafts deny a finding the recording has: pertinent negatives against the truth.

For each recording the program's path runs (``analyze``, then ``generate_draft``), and every
finding a draft denies (``clinical.evaluation.denied_findings``: the negation-aware extractor's
mentions only negated, in the assembled draft's report body and in the generated draft's
sentences the program leaves unmarked) is compared with
the manifest's findings. ``--no-rule-out`` drops the knowledge base's rule-out bars
(:attr:`~elm_desktop.clinical.knowledge.Finding.rule_out`), as before they existed, so that
both rules are measured on the same recordings::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/draft_denials.py data/neural-mass-test-150 \\
        --n 40 [--no-rule-out]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from elm_desktop.analysis import analyze, generate_draft
from elm_desktop.clinical.evaluation import denied_findings
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.paths import default_bundle
from elm_desktop.runtime import Bundle, Engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--no-rule-out", action="store_true")
    args = parser.parse_args()
    engine = Engine(Bundle.load(default_bundle()), device="cpu")
    knowledge_base = load_knowledge_base(model_path=engine.bundle.phenotypes)
    if args.no_rule_out:
        for finding_id in knowledge_base:
            finding = knowledge_base[finding_id]
            knowledge_base._findings[finding_id] = replace(finding, rule_out=None)
    entries = [json.loads(line) for line in (args.corpus / "manifest.jsonl").open()]
    chosen = np.random.default_rng(0).choice(len(entries), min(args.n, len(entries)), False)
    counts = {"assembled": [0, 0], "generated, unmarked": [0, 0]}  # denials, false ones
    false = []
    for index in sorted(chosen):
        entry = entries[int(index)]
        truth = {f["name"] for f in entry["findings"]}
        result = analyze(args.corpus / entry["edf"], engine, knowledge_base=knowledge_base)
        texts = {"assembled": result.draft.text(annotate=False)}
        draft = generate_draft(result, engine, knowledge_base)
        if not draft.withheld:
            texts["generated, unmarked"] = " ".join(c.text for c in draft.checked if c.supported)
        for which, text in texts.items():
            said = denied_findings(text, knowledge_base)
            counts[which][0] += len(said)
            counts[which][1] += len(said & truth)
            false += [f"{entry['edf']} {which}: no {f}" for f in sorted(said & truth)]
    rule = "without rule-out bars" if args.no_rule_out else "with rule-out bars"
    print(
        f"{args.corpus.name}, {len(chosen)} recordings, {rule}: "
        + "; ".join(f"{k}: {n} denials, {f} of findings present" for k, (n, f) in counts.items())
    )
    for line in false:
        print("  " + line)


if __name__ == "__main__":
    main()
