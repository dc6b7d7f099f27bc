"""Print the figures of saved generator evaluations as Markdown table rows (no generation).

::

    .venv/bin/python benchmarks/celm_table.py runs/celm-scratch/eval-*.json

One row per file: the drafts as generated, then (``checked``) the same drafts with the
sentences that the encoder's zero-shot scores do not support removed
(:mod:`elm_desktop.clinical.draft_check`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HEADER = (
    "| file | drafts | P | R | micro F1 | hallucination | omission | drafts with a false finding "
    "| normal vs abnormal | ROUGE-1 | ROUGE-L | BLEU-4 | complete | s per draft |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _row(name: str, figures: dict, n: int, seconds: str, complete: str) -> str:
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
        f"{figures['rouge']['rougeL']:.3f} | {figures['bleu4']:.3f} | {complete} | {seconds} |"
    )


def main(paths: list[str]) -> None:
    print(HEADER)
    for path in paths:
        saved = json.loads(Path(path).read_text())
        n = saved["n"]
        per_draft = f"{saved['generation_seconds'] / n:.2f}"
        print(_row(path, saved, n, per_draft, f"{saved['complete']:.2f}"))
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
