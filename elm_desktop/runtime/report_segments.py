"""Splitting clinical EEG reports into the text segments ELM is trained on.

This reproduces the report preprocessing of the authors' released code (``preprocess_report``
in ``utils/ELM_utils.py``, see ``reference/elm-spec.md`` section 3.4), quirks included, so that
a model trained here sees text cut the way ELM's was:

1. ``\\u2028`` becomes a newline, double spaces become single ones, and a first line that holds
   no known header is dropped.
2. The report is split at known headers that start a line, tried in a fixed order. The order is
   a quirk kept on purpose: ``EVENT`` is tried before ``EVENTS`` and ``SUMMARY`` before
   ``SUMMARY OF FINDINGS``, so the longer header's tail stays in the content.
3. Every ``:`` in a section's content is removed; a section is kept when one of
   :data:`KEPT_HEADINGS` is a substring of its heading.
4. Sentence mode (5 s model) splits each kept section into sentences, the heading attached to
   the first one (``"HEADING: sentence"``, the segment's newline read as a space); paragraph mode (60 s model) keeps each section whole on one line.

It lives in ``runtime`` because it prepares model input, like the tokenizer, and both the
archive and the trainer use it; it imports nothing but the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: ELM's 43 section headers in the authors' order: the splitter tries them in this order.
SECTION_HEADERS: tuple[str, ...] = (
    "DATE OF STUDY",
    "START DATE OF STUDY",
    "END DATE OF STUDY",
    "REASON FOR STUDY",
    "DAY",
    "RECORDING ENVIRONMENT",
    "EVENT",
    "EEG TYPE",
    "HISTORY",
    "CLINICAL HISTORY",
    "MEDICATIONS",
    "AED",
    "INTRODUCTION",
    "SEDATION",
    "SEIZURE TIME",
    "SEIZURES",
    "ABNORMAL DISCHARGES",
    "TECHNIQUE",
    "TECHNICAL ISSUE",
    "TECHNICAL PROBLEM",
    "TECHNICAL DIFFICULTIES",
    "DESCRIPTION OF THE RECORD",
    "DESCRIPTION OF RECORD",
    "DESCRIPTION",
    "EEG BACKGROUND",
    "BACKGROUND",
    "EPILEPTIFORM ACTIVITY",
    "OTHER PAROXYSMAL ACTIVITY (NON-EPILEPTIFORM)",
    "ACTIVATION PROCEDURES",
    "INDUCTION PROCEDURES",
    "EVENTS",
    "HEART RATE",
    "HR",
    "CONDITIONS OF THE RECORDING",
    "RANDOM WAKEFULNESS AND SLEEP",
    "IMPRESSION",
    "CLINICAL CORRELATION",
    "CORRELATION",
    "CONCLUSION",
    "SUMMARY",
    "SUMMARY OF FINDINGS",
    "DIAGNOSIS",
    "INTERPRETATION",
)

#: Sections ELM trains on (``text_headings`` of both released configurations).
KEPT_HEADINGS: tuple[str, ...] = (
    "CLINICAL HISTORY",
    "HISTORY",
    "MEDICATIONS",
    "AED",
    "DESCRIPTION OF THE RECORD",
    "DESCRIPTION",
    "EEG BACKGROUND",
    "RANDOM WAKEFULNESS AND SLEEP",
    "EVENTS",
    "EVENT",
    "EPILEPTIFORM ACTIVITY",
    "OTHER PAROXYSMAL ACTIVITY (NON-EPILEPTIFORM)",
    "CORRELATION",
    "CLINICAL CORRELATION",
    "IMPRESSION",
    "CONCLUSION",
    "SUMMARY OF FINDINGS",
    "SUMMARY",
    "DIAGNOSIS",
    "INTERPRETATION",
)

_HEADER_SPLIT = re.compile(
    r"(^|\n)(" + "|".join(re.escape(h) for h in SECTION_HEADERS) + ")",
    flags=re.IGNORECASE | re.MULTILINE,
)

# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = re.compile(
    r"\b(Mr|Mrs|Ms|Dr|Prof|St|vs|approx|e\.g|i\.e|etc|Fig|No|yo|y\.o|pt|hx)\.",
    flags=re.IGNORECASE,
)
_DECIMAL = re.compile(r"(\d)\.(\d)")
_ACRONYM = re.compile(r"\b([A-Za-z])\.(?=[A-Za-z]\.)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_PROTECTED = "<prd>"

Mode = Literal["sentence", "paragraph"]


@dataclass(frozen=True)
class ReportSegment:
    """One text segment of a report, with the section it came from.

    Attributes
    ----------
    section : str
        The heading of the section, upper case (``"IMPRESSION"``).
    text : str
        The segment as the model sees it.
    index : int
        Position of the segment within the report (0-based).
    """

    section: str
    text: str
    index: int


def split_sections(report: str) -> list[tuple[str, str]]:
    """Split a report into (heading, content) pairs at its section headers.

    Parameters
    ----------
    report : str
        The report text.

    Returns
    -------
    list of (str, str)
        Headings in upper case and their content with ``:`` removed and whitespace trimmed.
        Text before the first header is dropped.
    """
    text = report.replace("\u2028", "\n").replace("  ", " ")
    lines = text.split("\n")
    if lines and not _HEADER_SPLIT.search("\n" + lines[0]):
        text = "\n".join(lines[1:])
    parts = _HEADER_SPLIT.split(text)
    # re.split with two groups yields: prefix, (sep, header, content)*
    sections = []
    for i in range(1, len(parts) - 2, 3):
        heading = parts[i + 1].upper()
        content = parts[i + 2].replace(":", "").strip()
        sections.append((heading, content))
    return sections


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, keeping abbreviations, decimals and acronyms whole."""
    protected = _ABBREVIATIONS.sub(lambda m: m.group(1) + _PROTECTED, text)
    protected = _DECIMAL.sub(rf"\1{_PROTECTED}\2", protected)
    protected = _ACRONYM.sub(rf"\1{_PROTECTED}", protected)
    sentences = _SENTENCE_END.split(protected.replace("\n", " "))
    return [s.replace(_PROTECTED, ".").strip() for s in sentences if s.strip()]


def is_kept_heading(heading: str) -> bool:
    """Return whether ELM trains on a section with this heading."""
    upper = heading.upper()
    return any(kept in upper for kept in KEPT_HEADINGS)


def segment_report(
    report: str, mode: Mode = "sentence", kept_only: bool = True
) -> list[ReportSegment]:
    """Cut a report into the segments ELM embeds.

    Parameters
    ----------
    report : str
        The report text.
    mode : {"sentence", "paragraph"}
        Sentences with the heading attached to the first one (the 5 s model), or one segment per
        section (the 60 s model).
    kept_only : bool
        Keep only the sections ELM trains on (:data:`KEPT_HEADINGS`); ``False`` keeps all.

    Returns
    -------
    list of ReportSegment
        Empty when the report has headers but none of the kept ones. A report without any
        header falls back to the sentences of the whole text.
    """
    sections = split_sections(report)
    if not sections:
        sentences = split_sentences(report) if mode == "sentence" else [" ".join(report.split())]
        return [ReportSegment("", s, i) for i, s in enumerate(s for s in sentences if s)]
    segments: list[ReportSegment] = []
    for heading, content in sections:
        if not content or (kept_only and not is_kept_heading(heading)):
            continue
        if mode == "paragraph":
            texts = [f"{heading}: {' '.join(content.split())}"]
        else:
            sentences = split_sentences(content)
            texts = [f"{heading}: {sentences[0]}", *sentences[1:]] if sentences else []
        for text in texts:
            segments.append(ReportSegment(heading, text, len(segments)))
    return segments
