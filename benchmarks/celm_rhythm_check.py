"""How the generated drafts' stated posterior rhythm compares with the truth and the check.

For each draft of a ``generator evaluate`` JSON, every frequency a sentence states for the
posterior rhythm (:func:`elm_desktop.clinical.consistency.claims`) is compared with the
manifest's true ``pdr_hz`` and with the rhythm measured in the recording's crops
(:mod:`elm_desktop.clinical.posterior_rhythm`), as the generated draft's check does::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/celm_rhythm_check.py \\
        benchmarks/results/celm-scratch/shipped-extractor-pops/eval-eeg.json \\
        --corpus data/demo-train-2500
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from elm_desktop.clinical.consistency import claims
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.posterior_rhythm import (
    TOLERANCE_HZ,
    crop_posterior_spectra,
    posterior_rhythm,
)
from elm_desktop.runtime.draft_generator import parse_sections
from elm_desktop.runtime.report_segments import split_sentences
from elm_desktop.signals import ELM_CHANNELS, ELM_SFREQ
from elm_desktop.training.evaluate import open_corpus


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
        rhythm = posterior_rhythm(crop_posterior_spectra(crops, ELM_SFREQ, ELM_CHANNELS), ELM_SFREQ)
        for text in parse_sections(draft["generated"]).values():
            for sentence in split_sentences(text):
                for claim in claims(sentence, knowledge_base):
                    if claim.kind != "pdr_hz":
                        continue
                    stated += 1
                    value = float(claim.value)
                    is_wrong = abs(value - record["pdr_hz"]) > TOLERANCE_HZ
                    wrong += is_wrong
                    if not rhythm.clear:
                        unchecked += 1
                    elif abs(value - rhythm.frequency_hz) > TOLERANCE_HZ:
                        marked += 1
                        marked_wrong += is_wrong
    print(
        f"{len(drafts)} drafts: {stated} stated posterior rhythm frequencies, {wrong} more than "
        f"{TOLERANCE_HZ} Hz from the truth; the check marks {marked} ({marked_wrong} of them "
        f"truly wrong, so it catches {marked_wrong} of {wrong}); {unchecked} not checked "
        "(no clear rhythm measured)"
    )


if __name__ == "__main__":
    main()
