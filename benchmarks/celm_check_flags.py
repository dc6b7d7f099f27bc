"""Which statements the honest-draft check marks in saved drafts, and how many of them were true.

::

    OMP_NUM_THREADS=1 python benchmarks/celm_check_flags.py runs/celm-scratch/eval-eeg.json \\
        resources/checkpoints/demo-5s

Re-scores the saved evaluation's test recordings zero-shot with the encoder (its calibrated
thresholds), checks every generated sentence (:func:`elm_desktop.clinical.draft_check.check_draft`)
and counts, per finding, the assertions marked unsupported and how many of those the ground
truth holds (``not normal``: the record is abnormal). A check worth having marks mostly false
statements. Marks the ground truth cannot judge (an unfinished sentence, the patient's state, a
procedure, a stated rhythm frequency) are counted apart.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

from elm_desktop.clinical.draft_check import check_draft
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.training.celm.examples import encode_recordings, select_recordings
from elm_desktop.training.celm.sections import parse_sections
from elm_desktop.training.data import CropCache
from elm_desktop.training.evaluate import model_thresholds


def main(path: str, encoder: str, corpus: str = "data/demo-train-2500") -> None:
    saved = json.load(open(path))
    cache = CropCache.open(f"{corpus}/cache-5s")
    recordings = select_recordings(cache, saved["split"], saved["n"], 0)
    _, scores = encode_recordings(encoder, cache, recordings, with_scores=True)
    if saved.get("shuffle_eeg"):
        scores = scores.rolled(-1)
    knowledge_base = load_knowledge_base(user_path=os.devnull, model_path=model_thresholds(encoder))
    marked, true, unjudged = Counter(), Counter(), Counter()
    for i, draft in enumerate(saved["drafts"]):
        if draft["id"] != cache.recordings[int(recordings[i])]["id"]:
            raise SystemExit(f"{path}: drafts are not the seed-0 draw of {corpus}")
        truth = set(draft["truth"])
        for sentence in check_draft(
            parse_sections(draft["generated"]), scores.of(i), knowledge_base
        ):
            for finding in sentence.unsupported:
                # "not normal" and "no <id>" deny a finding: true when the truth lacks it
                denied = finding.removeprefix("not ").removeprefix("no ")
                if denied not in knowledge_base:
                    unjudged[finding] += 1
                    continue
                marked[finding] += 1
                true[finding] += (denied not in truth) if denied != finding else finding in truth
    total = sum(marked.values())
    print(f"{path}: {total} marked assertions, {sum(true.values())} of them true")
    print(", ".join(f"{f} {true[f]}/{n}" for f, n in marked.most_common()))
    print("not judged by the truth: " + ", ".join(f"{f} {n}" for f, n in unjudged.most_common()))


if __name__ == "__main__":
    main(*sys.argv[1:])
