"""A rule-based findings extractor for EEG report text, negation aware.

It reads the knowledge base's ``terms`` for every finding, finds them in each clause of each
sentence (longest match wins where terms overlap, so "generalized spike" is not also a focal
"spike"), and marks a mention negated when a negation cue precedes it within a few words of the
same clause ("no focal slowing", "without epileptiform discharges") or follows it ("sharp waves
were not seen"). Sections about the patient rather than the record (history, medications,
indication, clinical correlation) are skipped, so "history of seizures" is not a recorded
seizure.

The ``normal`` finding is special: a report is normal when it says so, says nothing abnormal,
and asserts no abnormal finding.

It serves two purposes: clinical-efficacy metrics of draft reports (findings of the draft against
findings of the reference report) and keeping archive sentences that contradict the model's
scores out of a draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from elm_desktop.clinical.knowledge import KnowledgeBase
from elm_desktop.runtime.report_segments import split_sections, split_sentences

#: Section headings (substrings) about the patient or what the findings imply, not the record
#: ("risk of seizures" in a clinical correlation is no recorded seizure).
SKIPPED_SECTIONS = (
    "HISTORY",
    "MEDICATION",
    "MEDICINE",
    "AED",
    "REASON",
    "INDICATION",
    "DATE",
    "CORRELATION",
)

NEGATION_WINDOW_WORDS = 6
_PRE_NEGATION = re.compile(
    r"\b(no|not|without|absent|absence of|negative for|free of|nor|neither|none|lack of|"
    r"lacks|rather than|rule out)\b"
)
_POST_NEGATION = re.compile(
    r"^[^.]{0,40}?\b((is|are|was|were|be)\s+(not|absent|never)|not\s+(seen|present|observed|"
    r"recorded|identified|noted)|absent)\b"
)
_CLAUSE_BREAK = re.compile(r";|\bbut\b|\bhowever\b|\balthough\b|\bexcept\b|\bwhereas\b")
_ABNORMAL_WORD = re.compile(r"\babnormal\b")


@dataclass(frozen=True)
class Mention:
    """One mention of a finding in a text.

    Attributes
    ----------
    finding_id : str
    phrase : str
        The matched term.
    negated : bool
        Whether the text says the finding is absent.
    clause : str
        The clause (lower case) it was found in.
    """

    finding_id: str
    phrase: str
    negated: bool
    clause: str


def find_mentions(text: str, knowledge_base: KnowledgeBase) -> list[Mention]:
    """Return every finding mention in a piece of text (one sentence or a whole section).

    Parameters
    ----------
    text : str
    knowledge_base : KnowledgeBase
        Its ``terms`` are what is looked for.
    """
    pattern, owner = _term_pattern(_terms_key(knowledge_base))
    mentions = []
    for sentence in split_sentences(text):
        for clause in _CLAUSE_BREAK.split(sentence.lower()):
            # Longer terms come first in the alternation and matches never overlap, so the
            # longest term at a position wins ("generalized spike" hides its "spike").
            for match in pattern.finditer(clause):
                phrase = match.group(0)
                mentions.append(
                    Mention(owner[phrase], phrase, _is_negated(clause, match), clause.strip())
                )
    return mentions


def record_text(report: str) -> str:
    """Return the parts of a report about the record: sections about the patient
    (:data:`SKIPPED_SECTIONS`) are left out; a report without headings is kept whole."""
    sections = split_sections(report)
    if not sections:
        return report
    return "\n".join(
        content
        for heading, content in sections
        if not any(skip in heading for skip in SKIPPED_SECTIONS)
    )


def extract_findings(report: str, knowledge_base: KnowledgeBase) -> set[str]:
    """Return the ids of the findings a report asserts (mentioned and not negated).

    Sections about the patient (history, medications, indication) are skipped; a report
    without headings is read whole.
    """
    text = record_text(report)
    asserted = {m.finding_id for m in find_mentions(text, knowledge_base) if not m.negated}
    if "normal" in knowledge_base:
        abnormal_found = any(knowledge_base[f].abnormal for f in asserted if f != "normal")
        if abnormal_found or _ABNORMAL_WORD.search(text.lower()):
            asserted.discard("normal")
    return asserted


def _is_negated(clause: str, match: re.Match[str]) -> bool:
    before_words = clause[: match.start()].split()[-NEGATION_WINDOW_WORDS:]
    if _PRE_NEGATION.search(" ".join(before_words)):
        return True
    return bool(_POST_NEGATION.search(clause[match.end() :]))


def _terms_key(knowledge_base: KnowledgeBase) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((f.id, f.terms) for f in knowledge_base.values())


@lru_cache(maxsize=8)
def _term_pattern(
    terms_by_finding: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[re.Pattern[str], dict[str, str]]:
    owner: dict[str, str] = {}
    for finding_id, terms in terms_by_finding:
        for term in terms:
            owner.setdefault(term.lower(), finding_id)
    alternation = "|".join(re.escape(t) for t in sorted(owner, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), owner
