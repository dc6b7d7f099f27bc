"""The scratch generator's drafts through ONNX against torch: tokens and time on this CPU.

::

    OMP_NUM_THREADS=1 python benchmarks/celm_generation.py runs/celm-scratch/checkpoint \\
        --n 20 --out benchmarks/results/celm-scratch/generation.json

Exports the checkpoint (``--onnx-dir``, default ``CHECKPOINT/../onnx``), drafts ``--n`` test
recordings of the corpus greedily with torch (``CelmGenerator.generate_ids``, one recording at a
time) and with numpy + ONNX Runtime (:class:`OnnxGenerator`), and counts the recordings whose
token ids are equal. Times per recording, after one warm-up draft: the whole draft with each,
and with ONNX the first token and the first section (the first ``section_text`` closed), which
is when a streaming draft panel shows it. The crop embeddings are computed before the clock
starts (the analysis has them already).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from elm_desktop.training.celm.examples import (
    encode_recordings,
    make_examples,
    measure_muscle,
    select_recordings,
    with_muscle_index,
)
from elm_desktop.training.celm.model import open_generator
from elm_desktop.training.celm.onnx_export import export_generator
from elm_desktop.training.celm.onnx_greedy import OnnxGenerator
from elm_desktop.training.celm.prompt import chat_text
from elm_desktop.training.data import CropCache

FIRST_SECTION_END = re.compile(r'"section_text"\s*:\s*"(?:[^"\\]|\\.)*"')


class _Stopwatch:
    """Times the first token and the first closed section of a streamed draft."""

    def __init__(self, exported: OnnxGenerator) -> None:
        self.exported = exported
        self.ids: list[int] = []
        self.marks: dict[str, float] = {}
        self.started = time.perf_counter()

    def on_token(self, token: int) -> None:
        self.ids.append(token)
        now = time.perf_counter() - self.started
        self.marks.setdefault("first_token_s", now)
        if "first_section_s" not in self.marks and FIRST_SECTION_END.search(
            self.exported.decode(self.ids)
        ):
            self.marks["first_section_s"] = now


def _summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "median_s": round(float(np.median(values)), 3),
        "max_s": round(float(np.max(values)), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--corpus", default="data/demo-train-2500")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--onnx-dir", default="", help="where the export goes (a temporary folder)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    generator = open_generator(args.checkpoint)
    config = generator.config
    # Not beside the checkpoint: a shipped one lives in resources/, which holds no build output.
    onnx_dir = Path(args.onnx_dir or tempfile.mkdtemp(prefix="celm-onnx-"))
    started = time.perf_counter()
    export_generator(generator, args.checkpoint, onnx_dir)
    export_s = time.perf_counter() - started
    exported = OnnxGenerator(onnx_dir, threads=args.threads)
    cache = CropCache.open(Path(args.corpus) / "cache-5s")
    recordings = select_recordings(cache, "test", args.n, args.seed)
    embeddings, scores = encode_recordings(
        config.encoder_checkpoint, cache, recordings, config.finding_scores
    )
    if config.measured_muscle:
        embeddings = with_muscle_index(embeddings, measure_muscle(cache, recordings))
    examples = make_examples(
        cache, recordings, embeddings, config.sections, config.use_history, scores
    )
    rows = []
    for i, example in enumerate([examples[0], *examples]):
        prompt = chat_text(generator.tokenizer, config.sections, example.history)
        margins = [torch.from_numpy(example.scores)] if config.finding_scores else None
        mark = time.perf_counter()
        expected = generator.generate_ids(
            [torch.from_numpy(example.crops)], [prompt], None, False, margins
        )[0]
        torch_s = time.perf_counter() - mark
        watch = _Stopwatch(exported)
        got = exported.generate_ids(
            example.crops, prompt, example.scores, config.max_new_tokens, watch.on_token
        )
        onnx_s = time.perf_counter() - watch.started
        marks = watch.marks
        if i == 0:
            continue  # warm-up
        rows.append(
            {
                "id": example.recording_id,
                "tokens": len(expected),
                "equal": got == expected,
                "torch_s": round(torch_s, 3),
                "onnx_s": round(onnx_s, 3),
                **{k: round(v, 3) for k, v in marks.items()},
            }
        )
    report = {
        "checkpoint": args.checkpoint,
        "recordings": len(rows),
        "threads": args.threads,
        "export_s": round(export_s, 1),
        "token_for_token_equal": sum(r["equal"] for r in rows),
        "torch_full": _summary([r["torch_s"] for r in rows]),
        "onnx_full": _summary([r["onnx_s"] for r in rows]),
        "onnx_first_token": _summary([r["first_token_s"] for r in rows if "first_token_s" in r]),
        "onnx_first_section": _summary(
            [r["first_section_s"] for r in rows if "first_section_s" in r]
        ),
        "tokens_median": float(np.median([r["tokens"] for r in rows])),
        "rows": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
