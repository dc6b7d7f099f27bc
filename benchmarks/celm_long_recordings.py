"""The shipped report generator on longer recordings and on other generators' recordings.

The generator was trained on one-minute recordings (12 crops of 5 s) of one synthetic
family; at the workstation a longer recording passes 12 evenly spaced crops
(``generate_draft``), and no draft is generated for a recording the familiarity check flags or
that is less typical of the training data than ``GENERATION_MAX_PERCENTILE``
(``--max-percentile`` sets another bar, 1.0 keeps only the check's warning). This runs the
program's own path (``analyze`` with the demo bundle, then ``generate_draft``) on a corpus's
recordings and compares the findings the generated draft asserts (the negation-aware
extractor) with the manifest's, as ``elm-desktop generator evaluate`` does on the one-minute
test set, both as generated and in its unmarked sentences only, beside the assembled draft of
the same recordings (its report body, as ``elm-desktop evaluate-drafts`` reads it). ``--percentiles`` also gives
the figures had drafts been generated only below those familiarity percentiles (the share of
held-out training recordings closer to the training data)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/celm_long_recordings.py \\
        data/filtered-noise-test-150 --n 40 [--max-percentile 1.0 --percentiles 0.9 0.8]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from elm_desktop.analysis import GENERATION_MAX_PERCENTILE, analyze, generate_draft
from elm_desktop.clinical.extract import extract_findings
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.metrics import finding_counts, micro_counts
from elm_desktop.paths import default_bundle
from elm_desktop.runtime import Bundle, Engine


def _figures(found: list[set[str]], truths: list[set[str]], names: list[str]) -> str:
    counts = micro_counts(finding_counts(found, truths, names).values())
    stated = counts.true_positive + counts.false_positive
    hallucination = counts.false_positive / stated if stated else float("nan")
    return (
        f"precision {counts.precision:.3f}, recall {counts.recall:.3f}, micro F1 "
        f"{counts.f1:.3f}, hallucination {hallucination:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--split", help="only this split of the corpus (default: all)")
    parser.add_argument("--max-percentile", type=float, default=GENERATION_MAX_PERCENTILE)
    parser.add_argument("--percentiles", type=float, nargs="*", default=[])
    args = parser.parse_args()
    engine = Engine(Bundle.load(args.model or default_bundle()), device="cpu")
    knowledge_base = load_knowledge_base(model_path=engine.bundle.phenotypes)
    names = list(knowledge_base)
    entries = [json.loads(line) for line in (args.corpus / "manifest.jsonl").open()]
    entries = [e for e in entries if args.split in (None, e["split"])]
    chosen = np.random.default_rng(0).choice(len(entries), min(args.n, len(entries)), False)
    rows = []  # (percentile, asserted, unmarked, truth, assembled) of each drafted recording
    withheld, minutes = 0, []
    for index in sorted(chosen):
        entry = entries[int(index)]
        result = analyze(args.corpus / entry["edf"], engine, knowledge_base=knowledge_base)
        minutes.append(result.duration_s / 60)
        draft = generate_draft(result, engine, knowledge_base, max_percentile=args.max_percentile)
        if draft.withheld:
            withheld += 1
            continue
        # The sections as generated (the marks' notes name findings themselves), and what
        # the draft states without a mark: its supported sentences.
        text = "\n\n".join(f"{h}: {t}" for h, t in draft.sections.items())
        kept = " ".join(c.text for c in draft.checked if c.supported)
        truth = {f["name"] for f in entry["findings"]}
        rows.append(
            (
                result.familiarity.percentile,
                extract_findings(text, knowledge_base),
                extract_findings(kept, knowledge_base),
                truth if entry["abnormal"] else truth | {"normal"},
                # The assembled draft of the same recording, as evaluate-drafts reads it.
                extract_findings(result.draft.text(annotate=False), knowledge_base),
            )
        )
    print(
        f"{args.corpus.name}{':' + args.split if args.split else ''}: {len(chosen)} recordings ({np.median(minutes):.1f} min median), "
        f"{withheld} withheld by the familiarity bar; on the {len(rows)} drafted: as generated: "
        f"{_figures([r[1] for r in rows], [r[3] for r in rows], names)}; unmarked sentences "
        f"only: {_figures([r[2] for r in rows], [r[3] for r in rows], names)}; the assembled "
        f"draft of the same recordings: {_figures([r[4] for r in rows], [r[3] for r in rows], names)}"
    )
    for limit in args.percentiles:
        kept_rows = [r for r in rows if r[0] <= limit]
        print(
            f"  drafts only below familiarity percentile {limit:.2f}: {len(kept_rows)} of "
            f"{len(chosen)} drafted; as generated: "
            f"{_figures([r[1] for r in kept_rows], [r[3] for r in kept_rows], names)}"
        )


if __name__ == "__main__":
    main()
