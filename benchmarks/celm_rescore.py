"""Re-read the drafts saved by ``elm_desktop.training.celm.evaluate`` (no generation) and print
their figures, one line per JSON file (the table of ``benchmarks/results/celm-first.md``).

    .venv/bin/python benchmarks/celm_rescore.py runs/celm-smollm2-lora/eval-eeg.json ...

The files must hold the 50 test recordings of ``data/demo-train-2500`` drawn with seed 0.
"""

import json
import sys
from pathlib import Path

import numpy as np

from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.training.celm.evaluate import draft_figures
from elm_desktop.training.celm.examples import make_examples, select_recordings
from elm_desktop.training.celm.sections import DEFAULT_SECTIONS, parse_sections
from elm_desktop.training.data import CropCache

cache = CropCache.open("data/demo-train-2500/cache-5s")
recordings = select_recordings(cache, "test", 50, 0)
examples = make_examples(
    cache, recordings, [np.zeros((1, 1))] * len(recordings), DEFAULT_SECTIONS, True
)
kb = load_knowledge_base()
for path in sys.argv[1:]:
    saved = json.loads(Path(path).read_text())
    assert [d["id"] for d in saved["drafts"]] == [e.recording_id for e in examples]
    f = draft_figures(
        [parse_sections(d["generated"]) for d in saved["drafts"]],
        examples,
        list(DEFAULT_SECTIONS),
        kb,
    )
    m = f["findings"]
    print(
        f"{path}: n {f['n']} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} halluc {m['hallucination_rate']:.3f} omit {m['omission_rate']:.3f} "
        f"drafts_with_halluc {f['recordings_with_a_hallucinated_finding']} normal/abnormal {f['normal_vs_abnormal_accuracy']:.3f} "
        f"R1 {f['rouge']['rouge1']:.3f} RL {f['rouge']['rougeL']:.3f} complete {f['complete']:.2f} gen_s {saved['generation_seconds']}"
    )
print(
    "reference sections:",
    {k: round(v, 3) if isinstance(v, float) else v for k, v in f["reference_findings"].items()},
)
