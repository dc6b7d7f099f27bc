"""Layer 4: the phenotype knowledge base, zero-shot scoring, the findings extractor, draft reports.

- :mod:`~elm_desktop.clinical.knowledge`: findings, definitions and prompts (``resources/phenotypes.toml``
  merged with the user's ``phenotypes.toml``).
- :mod:`~elm_desktop.clinical.zeroshot`: recording and per-crop probabilities, prompt curves.
- :mod:`~elm_desktop.clinical.extract`: which findings a report text asserts (negation aware).
- :mod:`~elm_desktop.clinical.report`: the draft report.
"""

from elm_desktop.clinical.extract import extract_findings, find_mentions
from elm_desktop.clinical.knowledge import (
    Finding,
    KnowledgeBase,
    get_finding,
    list_findings,
    load_knowledge_base,
)
from elm_desktop.clinical.report import DraftReport, RecordingFacts, draft_report
from elm_desktop.clinical.zeroshot import (
    EmptyPromptError,
    FindingScore,
    PromptBank,
    PromptContrast,
    PromptCurve,
    Segment,
    build_prompt_bank,
    check_prompt,
    prompt_contrast,
    prompt_curve,
    score_findings,
)

__all__ = [
    "DraftReport",
    "EmptyPromptError",
    "Finding",
    "FindingScore",
    "KnowledgeBase",
    "PromptBank",
    "PromptContrast",
    "PromptCurve",
    "RecordingFacts",
    "Segment",
    "build_prompt_bank",
    "check_prompt",
    "draft_report",
    "extract_findings",
    "find_mentions",
    "get_finding",
    "list_findings",
    "load_knowledge_base",
    "prompt_contrast",
    "prompt_curve",
    "score_findings",
]
