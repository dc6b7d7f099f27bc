"""Print the figures of saved generator evaluations as Markdown table rows (no generation).

::

    .venv/bin/python benchmarks/celm_table.py runs/celm-scratch/eval-*.json

One row per file: the drafts as generated, then (``checked``) the same drafts with the
sentences that the encoder's zero-shot scores do not support removed
(:mod:`elm_desktop.clinical.draft_check`). The last column is the hallucination rate without
the ``artifact`` finding, read again from the saved drafts with the same extractor: artifact
is the label the corpus's own reports disagree with most (the extractor on the reference
sections asserts it for records whose truth lacks it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from elm_desktop.clinical.extract import extract_findings
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.training.celm.sections import parse_sections, sections_text

LEFT_OUT = "artifact"

HEADER = (
    "| file | drafts | P | R | micro F1 | hallucination | omission | drafts with a false finding "
    "| normal vs abnormal | ROUGE-1 | ROUGE-L | BLEU-4 | complete | s per draft "
    "| hallucination without artifact |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _without_left_out(drafts: list[dict]) -> str:
    knowledge_base = load_knowledge_base()
    false = asserted = 0
    for draft in drafts:
        found = extract_findings(sections_text(parse_sections(draft["generated"])), knowledge_base)
        found.discard(LEFT_OUT)
        asserted += len(found)
        false += len(found - set(draft["truth"]))
    return f"{false / asserted:.3f}" if asserted else "n/a"


def _row(name: str, figures: dict, n: int, seconds: str, complete: str, extra: str = "") -> str:
    m = figures["findings"]
    values = [
        m["precision"],
        m["recall"],
        m["f1"],
        m["hallucination_rate"],
        m["omission_rate"],
    ]
    cells = " | ".join(f"{v:.3f}" for v in values)
    return (
        f"| {name} | {n} | {cells} | {figures['recordings_with_a_hallucinated_finding']} | "
        f"{figures['normal_vs_abnormal_accuracy']:.3f} | {figures['rouge']['rouge1']:.3f} | "
        f"{figures['rouge']['rougeL']:.3f} | {figures['bleu4']:.3f} | {complete} | {seconds} | "
        f"{extra} |"
    )


def main(paths: list[str]) -> None:
    print(HEADER)
    for path in paths:
        saved = json.loads(Path(path).read_text())
        n = saved["n"]
        per_draft = f"{saved['generation_seconds'] / n:.2f}"
        extra = _without_left_out(saved["drafts"])
        print(_row(path, saved, n, per_draft, f"{saved['complete']:.2f}", extra))
        checked = saved["checked"]
        name = (
            f"{path}, checked ({checked['unsupported_sentences']} of {checked['sentences']} "
            f"sentences removed)"
        )
        print(_row(name, checked, n, "", ""))
    reference = saved["reference_findings"]
    print(
        "\nextractor on the reference's own sections: "
        + ", ".join(f"{k} {v:.3f}" for k, v in reference.items() if isinstance(v, float))
    )


if __name__ == "__main__":
    main(sys.argv[1:])
