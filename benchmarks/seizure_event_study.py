"""Is a seizure scored present also an event in time? (the seizure's event rise)

Every recording of each corpus is analysed as ``elm-desktop analyze`` does, with a model bundle
(default: the demo model). For the seizure finding it records the prompt's probability and
threshold alone (the bundle's knowledge base without its record references), the event rise
(``elm_desktop/clinical/event_shape.py``: the strongest 10 s of the per-crop curve over the
median crop), the shipped score (for a bundle calibrated since 2026-12-05, the finding score of
the prompt's place and the rise's place) and whether the draft states it. Per corpus: AUROC of
each against the truth, and the recordings with and without a seizure that each rule calls
present: the prompt alone, the prompt with the rise gate (the score's ``event_rise_limit``), the shipped score,
and the draft.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/seizure_event_study.py \\
        --corpus data/neural-mass-test-150 --corpus data/ds/mix --out runs/seizure-event.json

``CORPUS:SPLIT`` takes one split of a corpus (default: all its recordings); ``--table OUT.json``
prints the table of a finished run again.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from elm_desktop.analysis import analyze
from elm_desktop.clinical.event_shape import MIN_EVENT_RISE
from elm_desktop.clinical.knowledge import KnowledgeBase, load_knowledge_base
from elm_desktop.clinical.metrics import auroc
from elm_desktop.clinical.zeroshot import build_prompt_bank, score_findings
from elm_desktop.paths import default_bundle
from elm_desktop.runtime import Bundle, Engine
from elm_desktop.synth import read_manifest

SEIZURE = "seizure"


def measure(corpus: Path, split: str | None, engine: Engine) -> list[dict]:
    """One row per recording: the truth and the seizure's scores."""
    kb = load_knowledge_base(user_path=os.devnull, model_path=engine.bundle.phenotypes)
    prompt_kb = KnowledgeBase(list(kb.values()), kb.sources, kb.prompt_style, {})
    bank = build_prompt_bank(prompt_kb, engine.embed_text, kb.prompt_style)
    rows = []
    for entry in read_manifest(corpus / "manifest.jsonl"):
        if split is not None and entry.get("split") != split:
            continue
        result = analyze(corpus / entry["edf"], engine, knowledge_base=kb, generate=False)
        shipped = result.finding(SEIZURE)
        (prompt,) = [
            s
            for s in score_findings(
                prompt_kb,
                bank,
                result.crop_embeddings,
                result.recording_embedding,
                result.crop_starts_s,
                result.window_s,
                engine.bundle.temperature,
            )
            if s.finding_id == SEIZURE
        ]
        rows.append(
            {
                "id": entry["id"],
                "seizure": any(f["name"] == SEIZURE for f in entry["findings"]),
                "prompt": prompt.probability,
                "prompt_threshold": prompt.threshold,
                "rise": shipped.event_rise,
                "rise_limit": shipped.event_rise_limit,
                "score": shipped.probability,
                "threshold": shipped.threshold,
                "measure": shipped.measure,
                "stated": SEIZURE in result.draft.asserted,
            }
        )
    return rows


def table(results: dict[str, list[dict]]) -> str:
    """The markdown table of a run: AUROCs, and calls on recordings with / without a seizure."""
    lines = [
        "| corpus | recordings (with a seizure) | AUROC prompt / rise / shipped score "
        "| prompt alone | prompt and rise gate | shipped score | stated in the draft |",
        "|---|---|---|---|---|---|---|",
    ]

    def calls(chosen: np.ndarray, truth: np.ndarray) -> str:
        return f"{int((chosen & truth).sum())} / {int((chosen & ~truth).sum())}"

    for name, rows in results.items():
        truth = np.array([r["seizure"] for r in rows])
        prompt = np.array([r["prompt"] for r in rows])
        rise = np.array([r["rise"] for r in rows])
        score = np.array([r["score"] for r in rows])
        over = prompt >= np.array([r["prompt_threshold"] for r in rows])
        limit = np.array([r.get("rise_limit", MIN_EVENT_RISE) for r in rows])
        present = score >= np.array([r["threshold"] for r in rows])
        figures = " / ".join(f"{auroc(truth, v):.3f}" for v in (prompt, rise, score))
        lines.append(
            f"| {name} | {len(rows)} ({int(truth.sum())}) | {figures} | {calls(over, truth)} "
            f"| {calls(over & (rise >= limit), truth)} | {calls(present, truth)} "
            f"| {calls(np.array([r['stated'] for r in rows]), truth)} |"
        )
    lines.append(
        "\nCalls are `with a seizure / without one`; AUROC is nan where a corpus has no seizure."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", default=[], help="CORPUS or CORPUS:SPLIT")
    parser.add_argument("--model", type=Path, help="bundle (default: the demo model)")
    parser.add_argument("--out", type=Path, help="write every row here (JSON)")
    parser.add_argument("--table", type=Path, help="print the table of a finished run")
    args = parser.parse_args()
    if args.table is not None:
        print(table(json.loads(args.table.read_text())))
        return
    engine = Engine(Bundle.load(args.model or default_bundle()), device="cpu")
    results = {}
    for spec in args.corpus:
        path, _, split = spec.partition(":")
        results[spec] = measure(Path(path), split or None, engine)
        if args.out is not None:
            args.out.write_text(json.dumps(results))
    print(table(results))


if __name__ == "__main__":
    main()
