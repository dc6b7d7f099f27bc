"""Generate drafts for a corpus's test recordings and measure them against the ground truth.

::

    python -m elm_desktop.training.celm.evaluate runs/celm-smollm2/checkpoint \\
        --corpus data/demo-train-2500 --n 50 [--no-eeg] --out runs/celm-smollm2/eval.json

Findings are read from the generated sections with the project's negation-aware extractor
(:func:`elm_desktop.clinical.extract.extract_findings`, the one ``evaluate-drafts`` uses) and
compared with the manifest's true findings: micro precision / recall / F1, hallucination rate
(asserted findings the truth lacks, over all asserted findings), omission rate (true findings
not asserted, over all true findings). Each draft is also checked against the encoder's own
zero-shot scores (:mod:`elm_desktop.clinical.draft_check`): the figures are given again with
the unsupported sentences removed. Two controls show whether the recording is read:
``--no-eeg`` zeroes the projected crop tokens (a prefix never seen in training) and
``--shuffle-eeg`` gives each recording another one's embeddings (in distribution, wrong).
ROUGE-1 / ROUGE-L F (``rouge-score``, stemmed) compare
the generated sections with the reference report's same sections; a missing section counts 0.
BLEU-4 is corpus BLEU (uniform 4-gram weights, brevity penalty) on lower-cased word and
punctuation tokens, computed here.
The extractor's own figures on the reference sections bound what the drafts can reach.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from elm_desktop.clinical.draft_check import check_draft, supported_draft
from elm_desktop.clinical.extract import extract_findings
from elm_desktop.clinical.knowledge import KnowledgeBase, load_knowledge_base
from elm_desktop.clinical.metrics import Counts, finding_counts, micro_counts
from elm_desktop.clinical.muscle_artifact import MuscleArtifact
from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.examples import (
    Example,
    FindingScores,
    encode_recordings,
    make_examples,
    measure_muscle,
    select_recordings,
    with_muscle_index,
)
from elm_desktop.training.celm.model import CelmGenerator, open_generator, read_celm_config
from elm_desktop.training.celm.prompt import chat_text
from elm_desktop.training.celm.sections import parse_sections, record_sections, sections_text
from elm_desktop.training.data import CropCache
from elm_desktop.training.evaluate import model_thresholds


def _rates(counts: Counts) -> dict[str, float | int]:
    asserted = counts.true_positive + counts.false_positive
    actual = counts.true_positive + counts.false_negative
    return {
        "precision": counts.precision,
        "recall": counts.recall,
        "f1": counts.f1,
        "hallucination_rate": counts.false_positive / asserted if asserted else float("nan"),
        "omission_rate": counts.false_negative / actual if actual else float("nan"),
        "true_positive": counts.true_positive,
        "false_positive": counts.false_positive,
        "false_negative": counts.false_negative,
    }


def bleu4(references: list[str], hypotheses: list[str]) -> float:
    """Corpus BLEU-4 as a fraction (``sacrebleu``: its 13a tokenizer, lower-cased, no
    smoothing): clipped 1- to 4-gram precisions pooled over the corpus, their geometric mean
    times the brevity penalty."""
    from sacrebleu.metrics import BLEU

    metric = BLEU(lowercase=True, smooth_method="none", effective_order=False)
    return metric.corpus_score(hypotheses, [references]).score / 100


def draft_figures(
    drafts: list[dict[str, str]],
    examples: list[Example],
    sections: list[str],
    knowledge_base: KnowledgeBase,
) -> dict[str, Any]:
    """Figures of generated drafts (section -> text, one per example) against the truth.

    Returns
    -------
    dict
        ``findings`` (micro figures), ``per_finding`` (F1 and counts), ``rouge``
        (ROUGE-1 / ROUGE-L, whole and per section), ``bleu4`` (whole drafts),
        ``normal_vs_abnormal_accuracy`` (the
        draft read as normal exactly when the record is), ``complete`` (share of drafts with every
        section the reference has), and ``reference_findings`` (the extractor on the
        reference's own sections).
    """
    from rouge_score import rouge_scorer

    names = knowledge_base.list_findings()
    truths = [set(e.truth) for e in examples]
    references = [record_sections(e.reference, sections) for e in examples]
    asserted = [extract_findings(sections_text(d), knowledge_base) for d in drafts]
    counts = finding_counts(asserted, truths, names)
    reference_counts = finding_counts(
        [extract_findings(sections_text(r), knowledge_base) for r in references], truths, names
    )
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=True)
    whole: dict[str, list[float]] = {"rouge1": [], "rougeL": []}
    per_section: dict[str, dict[str, list[float]]] = {
        s: {"rouge1": [], "rougeL": []} for s in sections
    }
    for draft, reference in zip(drafts, references, strict=True):
        scores = scorer.score(sections_text(reference), sections_text(draft))
        for key in whole:
            whole[key].append(scores[key].fmeasure)
        for name, text in reference.items():
            section_scores = scorer.score(text, draft.get(name, "")) if draft.get(name) else None
            for key in ("rouge1", "rougeL"):
                per_section[name][key].append(
                    section_scores[key].fmeasure if section_scores else 0.0
                )
    return {
        "n": len(drafts),
        "findings": _rates(micro_counts(counts.values())),
        "per_finding": {
            name: {"f1": c.f1, "support": c.support, "false_positive": c.false_positive}
            for name, c in counts.items()
            if c.support or c.false_positive
        },
        "recordings_with_a_hallucinated_finding": int(
            sum(bool(a - t) for a, t in zip(asserted, truths, strict=True))
        ),
        "rouge": {
            "rouge1": float(np.mean(whole["rouge1"])),
            "rougeL": float(np.mean(whole["rougeL"])),
            "per_section": {
                name: {key: float(np.mean(v)) for key, v in values.items() if v}
                for name, values in per_section.items()
            },
        },
        "bleu4": bleu4([sections_text(r) for r in references], [sections_text(d) for d in drafts]),
        "normal_vs_abnormal_accuracy": float(
            np.mean(
                [("normal" in a) == ("normal" in t) for a, t in zip(asserted, truths, strict=True)]
            )
        ),
        "complete": float(
            np.mean([set(r) <= set(d) for d, r in zip(drafts, references, strict=True)])
        ),
        "reference_findings": _rates(micro_counts(reference_counts.values())),
    }


def checked_figures(
    drafts: list[dict[str, str]],
    examples: list[Example],
    scores: FindingScores,
    sections: list[str],
    knowledge_base: KnowledgeBase,
    muscle: list[MuscleArtifact] | None = None,
) -> dict[str, Any]:
    """The drafts checked against the encoder's scores (``knowledge_base`` holds its calibrated
    thresholds; an event finding the scores hold is held here too) and, when given, each
    recording's measured muscle artifact: how many sentences
    are unsupported, and :func:`draft_figures`' finding and text figures of the drafts with
    those sentences removed (findings read with the built-in base, as for the drafts
    themselves)."""
    checked = [
        check_draft(
            d,
            scores.of(i),
            knowledge_base,
            muscle=None if muscle is None else muscle[i],
            held=scores.held_of(i),
        )
        for i, d in enumerate(drafts)
    ]
    kept = [supported_draft(c) for c in checked]
    figures = draft_figures(kept, examples, sections, load_knowledge_base())
    return {
        "sentences": sum(len(c) for c in checked),
        "unsupported_sentences": sum(not s.supported for c in checked for s in c),
        "drafts_with_an_unsupported_sentence": sum(
            any(not s.supported for s in c) for c in checked
        ),
        **{k: figures[k] for k in ("findings", "rouge", "bleu4", "normal_vs_abnormal_accuracy")},
        "recordings_with_a_hallucinated_finding": figures["recordings_with_a_hallucinated_finding"],
    }


def generate_drafts(
    generator: CelmGenerator,
    examples: list[Example],
    sections: list[str],
    zero_eeg: bool = False,
    batch_size: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Greedy drafts (raw generated text) for examples, in batches; ``progress(done, total)``
    after each batch."""
    texts: list[str] = []
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        texts += generator.generate(
            [torch.from_numpy(e.crops) for e in chunk],
            [chat_text(generator.tokenizer, sections, e.history) for e in chunk],
            zero_eeg=zero_eeg,
            scores=[torch.from_numpy(e.scores) for e in chunk]
            if generator.config.finding_scores
            else None,
        )
        if progress is not None:
            progress(len(texts), len(examples))
    return texts


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Command line: draft and measure ``--n`` test recordings with a trained checkpoint."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--corpus", default="data/demo-train-2500")
    parser.add_argument("--split", default="test")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-eeg", action="store_true", help="zero the recording's prefix")
    parser.add_argument(
        "--shuffle-eeg",
        action="store_true",
        help="give each recording the next one's crop embeddings (its own history kept)",
    )
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", required=True, help="JSON file: figures and every draft")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        model_config, notes = read_celm_config(args.checkpoint)
        cache = CropCache.open(Path(args.corpus) / "cache-5s")
        recordings = select_recordings(cache, args.split, args.n, args.seed)
        # The scores are always computed: the drafts are checked against them.
        embeddings, scores = encode_recordings(
            model_config.encoder_checkpoint, cache, recordings, with_scores=True
        )
        muscle = measure_muscle(cache, recordings)
        if model_config.measured_muscle:
            embeddings = with_muscle_index(embeddings, muscle)
        if args.shuffle_eeg:
            embeddings = embeddings[1:] + embeddings[:1]
            scores = scores.rolled(-1)
            muscle = muscle[1:] + muscle[:1]
        examples = make_examples(
            cache, recordings, embeddings, model_config.sections, model_config.use_history, scores
        )
        generator = open_generator(args.checkpoint)
        knowledge_base = load_knowledge_base(
            user_path=os.devnull, model_path=model_thresholds(model_config.encoder_checkpoint)
        )
    except ConfigError as error:
        print(f"error: {error}")
        return 2
    started = time.perf_counter()
    texts = generate_drafts(
        generator,
        examples,
        model_config.sections,
        args.no_eeg,
        args.batch,
        lambda done, total: print(
            f"{done}/{total} drafts, {time.perf_counter() - started:.0f} s", flush=True
        ),
    )
    seconds = time.perf_counter() - started
    drafts = [parse_sections(t) for t in texts]
    figures = draft_figures(drafts, examples, model_config.sections, load_knowledge_base())
    figures["checked"] = checked_figures(
        drafts, examples, scores, model_config.sections, knowledge_base, muscle
    )
    figures.update(
        {
            "checkpoint": str(args.checkpoint),
            "no_eeg": args.no_eeg,
            "shuffle_eeg": args.shuffle_eeg,
            "split": args.split,
            "generation_seconds": round(seconds, 1),
            "threads": args.threads,
            "drafts": [
                {"id": e.recording_id, "truth": sorted(e.truth), "generated": t}
                for e, t in zip(examples, texts, strict=True)
            ],
        }
    )
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    summary = {k: figures[k] for k in ("n", "findings", "rouge", "bleu4", "complete")}
    summary["checked_findings"] = figures["checked"]["findings"]
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
