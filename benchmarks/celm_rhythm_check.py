"""How the generated drafts' stated posterior rhythm compares with the truth and the check.

For each draft of a ``generator evaluate`` JSON, every frequency a sentence gives the posterior
rhythm (:func:`elm_desktop.clinical.posterior_rhythm.stated_rhythm_hz`) is compared with the
manifest's true ``pdr_hz``, and the draft is checked as the program checks it
(:func:`elm_desktop.clinical.draft_check.check_draft` with the rhythm measured in the
recording's crops)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/celm_rhythm_check.py \\
        benchmarks/results/celm-scratch/shipped-extractor-pops/eval-eeg.json \\
        --corpus data/demo-train-2500
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from elm_desktop.clinical.draft_check import check_draft
from elm_desktop.clinical.extract import SKIPPED_SECTIONS
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.posterior_rhythm import (
    STATED_RHYTHM_TOLERANCE_HZ,
    crop_posterior_spectra,
    posterior_rhythm,
    stated_rhythm_hz,
)
from elm_desktop.runtime.draft_generator import parse_sections
from elm_desktop.signals import ELM_CHANNELS, ELM_SFREQ
from elm_desktop.training.evaluate import open_corpus


def _off(low: float, high: float, value: float) -> bool:
    return max(low - value, value - high, 0.0) > STATED_RHYTHM_TOLERANCE_HZ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("evaluation", type=Path)
    parser.add_argument("--corpus", type=Path, required=True)
    args = parser.parse_args()
    knowledge_base = load_knowledge_base(user_path="/nonexistent")
    cache = open_corpus(args.corpus, None, 5, 1, None)
    index = {r["id"]: i for i, r in enumerate(cache.recordings)}
    drafts = json.loads(args.evaluation.read_text(encoding="utf-8"))["drafts"]
    stated = wrong = marked = marked_wrong = unchecked = 0
    for draft in drafts:
        record = cache.recordings[index[draft["id"]]]
        span = cache.crop_range(index[draft["id"]])
        crops = np.asarray(cache.crops[span.start : span.stop], np.float32)
        rhythm = posterior_rhythm(
            crop_posterior_spectra(crops, ELM_CHANNELS), ELM_SFREQ, crops.shape[-1]
        )
        sections = parse_sections(draft["generated"])
        for sentence in check_draft(sections, {}, knowledge_base, rhythm=rhythm):
            if any(skip in sentence.section.upper() for skip in SKIPPED_SECTIONS):
                continue
            frequencies = stated_rhythm_hz(sentence.text)
            is_wrong = any(_off(low, high, record["pdr_hz"]) for low, high in frequencies)
            stated += len(frequencies)
            wrong += is_wrong
            unchecked += bool(frequencies) and not rhythm.clear
            if any(u.startswith("posterior rhythm") for u in sentence.unsupported):
                marked += 1
                marked_wrong += is_wrong
    print(
        f"{len(drafts)} drafts: {stated} stated posterior rhythm frequencies; {wrong} sentences "
        f"state one more than {STATED_RHYTHM_TOLERANCE_HZ} Hz from the truth; the check marks "
        f"{marked} ({marked_wrong} of them truly wrong, so it catches {marked_wrong} of "
        f"{wrong}); {unchecked} not checked (no clear rhythm measured)"
    )


if __name__ == "__main__":
    main()
