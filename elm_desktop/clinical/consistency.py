"""Contradictions between the sentences of a report.

A draft that borrows sentences from several archived reports can say two things that cannot
both be true of one record. :func:`claims` reads what a sentence asserts; :func:`conflict` says
whether two sets of claims contradict each other, and :func:`contradictions` lists every
contradicting pair of a text. Five kinds are recognised:

- **presence**: a finding asserted in one sentence and denied in another ("spikes" / "no
  epileptiform discharges"); slowing in a sentence about hyperventilation is its response, not
  generalized slowing;
- **side**: one finding on the left in one sentence and on the right in another;
- **posterior rhythm frequency**: two frequencies for the posterior dominant rhythm that differ
  by more than :data:`PDR_TOLERANCE_HZ`, or one beside "no clear posterior rhythm";
- **background**: an organised background (a normal record, a posterior rhythm with its
  frequency or reactivity) beside burst suppression;
- **procedure**: hyperventilation, photic stimulation or sleep stated as not performed (or not
  recorded) in one sentence and described in another.

A sentence that lists findings as unconfirmed (MODEL FINDINGS of a recording unlike the
model's training data) or as not stated (held, with the reason) asserts none of them, present
or absent.

The rules read the knowledge base's ``terms`` (through the findings extractor) and a few
patterns; they are what tests run on every draft, and what the draft itself uses to leave out a
borrowed sentence that conflicts with what it already says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from elm_desktop.clinical.extract import find_mentions, record_text
from elm_desktop.clinical.knowledge import KnowledgeBase
from elm_desktop.clinical.posterior_rhythm import RHYTHM_NAME
from elm_desktop.runtime.report_segments import split_sentences

#: Posterior rhythm frequencies closer than this (Hz) are the same rhythm described twice.
PDR_TOLERANCE_HZ = 0.5

#: What a sentence says of a posterior rhythm it finds none of ("no clear posterior rhythm").
NO_RHYTHM = "none"
#: A MODEL FINDINGS entry the draft holds or lists unconfirmed ("Burst suppression: not stated:
#: just under its threshold"; the colons are gone once the text is read): the finding's label,
#: then "not stated", with no clause between them; or its line saying why the impression is
#: left to the reviewer, which names findings without stating them.
_NOT_ASSERTED = re.compile(
    r"\bunconfirmed\b|^\W*(?:model findings\W+)?[^.,;]{1,80}?\W+not stated\b"
    r"|^\W*impression left to the reviewer\b",
    re.I,
)
_NO_RHYTHM = re.compile(
    r"\bno\s+(?:clear\s+|well[- ]formed\s+|definite\s+)?(?:posterior|pdr\b|alpha\s+rhythm)",
    re.I,
)

#: Procedures and the words that name them in report text.
PROCEDURES: dict[str, re.Pattern[str]] = {
    "hyperventilation": re.compile(r"\bhyperventilat\w*|\bhv\b|\bover-?breath\w*", re.I),
    "photic stimulation": re.compile(
        r"\bphotic\b|\bips\b|\bflash\w*|\bstroboscop\w*|\bdriving response", re.I
    ),
    "sleep": re.compile(
        r"\bsleep\w*|\basleep\b|\bdrows\w*|\bspindles?\b|\bk[- ]complex\w*|\bvertex\b|"
        r"\bn[123]\b|\bstage (?:i{1,3}|[123])\b",
        re.I,
    ),
}
#: Words that say a procedure was not done.
NOT_DONE = re.compile(
    r"\bnot\s+(?:\w+\s+){0,2}?(?:performed|done|obtained|recorded|carried out|attempted|seen|"
    r"achieved|captured)\b|\bwas\s+(?:deferred|omitted|contraindicated)|"
    r"\bno\s+(?:drowsiness\s+(?:or|and)\s+)?(?:\w+\s+){0,1}?"
    r"(?:sleep|hyperventilation|photic stimulation)\b|\bdeferred\b|\b(?:was|were)\s+not\W*$",
    re.I,
)
_CLAUSES = re.compile(r";|,|\bbut\b|\bwhereas\b|\bwhile\b", re.I)
_LATERAL = re.compile(r"\b(left|right)\b", re.I)
_BOTH_SIDES = re.compile(
    r"\b(bilateral\w*|bilaterally|both hemispheres|independent\w*|symmetric\w*)\b", re.I
)
_SPREAD = re.compile(
    r"\b(spread\w*|propagat\w*|secondary generali[sz]ation|becoming generali[sz]ed|"
    r"generali[sz]es|generali[sz]ing)\b",
    re.I,
)
_HZ = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-|to)?\s*(?:\d+(?:\.\d+)?)?\s*hz\b", re.I)
_ORGANISED = re.compile(
    r"\b(well[- ]organi[sz]ed|organi[sz]ed and reactive|reactive to eye opening|"
    r"attenuates with eye opening|blocks with eye opening|normal background|"
    r"background is organi[sz]ed)\b",
    re.I,
)


@dataclass(frozen=True)
class Claim:
    """One thing a sentence asserts.

    Attributes
    ----------
    kind : str
        ``"presence"``, ``"side"``, ``"pdr_hz"``, ``"background"`` or ``"procedure"``.
    subject : str
        A finding id, a procedure name, or ``"pdr"`` / ``"background"``.
    value : str
        ``"present"``/``"absent"``; ``"left"``/``"right"``; a frequency; ``"organised"``/
        ``"burst suppression"``; ``"not performed"``/``"described"``.
    """

    kind: str
    subject: str
    value: str


@dataclass(frozen=True)
class Contradiction:
    """Two sentences of a text that cannot both be true of one record.

    Attributes
    ----------
    first, second : str
        The sentences, in text order.
    reason : str
        What they disagree on, in words.
    """

    first: str
    second: str
    reason: str


def claims(sentence: str, knowledge_base: KnowledgeBase) -> frozenset[Claim]:
    """Return what one sentence asserts (see the module docstring for the kinds)."""
    found: set[Claim] = set()
    # A finding listed "unconfirmed" (a recording unlike the training data) or "not stated"
    # (held, with the reason) is neither stated nor denied: the draft asserts nothing of it.
    mentions = [] if _NOT_ASSERTED.search(sentence) else find_mentions(sentence, knowledge_base)
    if PROCEDURES["hyperventilation"].search(sentence):
        # "Hyperventilation produced a build-up of diffuse slowing" is the response to it,
        # not generalized slowing of the background.
        mentions = [m for m in mentions if m.finding_id != "generalized_slowing"]
    # The side a finding is on is said before any spread: "arises from the left temporal
    # region and spreads to both hemispheres" puts its onset on the left. Where a finding is
    # named after the spread too, the whole sentence is read, as for any other.
    spread = _SPREAD.search(sentence)
    onset = sentence
    if spread and not find_mentions(sentence[spread.start() :], knowledge_base):
        onset = sentence[: spread.start()]
    lateral = {m.lower() for m in _LATERAL.findall(onset)}
    one_side = len(lateral) == 1 and not _BOTH_SIDES.search(onset)
    for mention in mentions:
        found.add(Claim("presence", mention.finding_id, "absent" if mention.negated else "present"))
        if one_side and not mention.negated:
            found.add(Claim("side", mention.finding_id, next(iter(lateral))))
    asserted = {m.finding_id for m in mentions if not m.negated}
    if RHYTHM_NAME.search(sentence):
        for value in _HZ.findall(sentence):
            found.add(Claim("pdr_hz", "pdr", value))
        if _NO_RHYTHM.search(sentence):
            found.add(Claim("pdr_hz", "pdr", NO_RHYTHM))
    if (
        _ORGANISED.search(sentence)
        or "normal" in asserted
        or (RHYTHM_NAME.search(sentence) and _HZ.search(sentence))
    ):
        found.add(Claim("background", "background", "organised"))
    if "burst_suppression" in asserted:
        found.add(Claim("background", "background", "burst suppression"))
    # Per clause: "Photic stimulation was done; HV was not done." says two things.
    for clause in _CLAUSES.split(sentence):
        for procedure, pattern in PROCEDURES.items():
            if pattern.search(clause):
                done = "not performed" if NOT_DONE.search(clause) else "described"
                found.add(Claim("procedure", procedure, done))
    return frozenset(found)


def conflict(first: Iterable[Claim], second: Iterable[Claim]) -> str | None:
    """Return why two sets of claims contradict each other, or None when they do not."""
    for a in first:
        for b in second:
            if a.kind != b.kind or a.subject != b.subject or a.value == b.value:
                continue
            if a.kind == "pdr_hz":
                if NO_RHYTHM in (a.value, b.value):
                    hz = b.value if a.value == NO_RHYTHM else a.value
                    return f"no clear posterior rhythm and one at {hz} Hz"
                if abs(float(a.value) - float(b.value)) > PDR_TOLERANCE_HZ:
                    return f"posterior rhythm at {a.value} Hz and at {b.value} Hz"
                continue
            if a.kind == "presence":
                return f"{a.subject} both present and absent"
            if a.kind == "side":
                return f"{a.subject} on the {a.value} and on the {b.value}"
            if a.kind == "background":
                return "an organised background beside burst suppression"
            return f"{a.subject} both not performed and described"
    return None


def contradictions(text: str | Sequence[str], knowledge_base: KnowledgeBase) -> list[Contradiction]:
    """Return every pair of sentences of a text (or list of sentences) that contradict.

    Parameters
    ----------
    text : str or sequence of str
        A report (split into sentences here) or its sentences.
    knowledge_base : KnowledgeBase
        Supplies the findings' terms.
    """
    # History sections are skipped, as the findings extractor skips them ("a first seizure"
    # in the history is no recorded seizure).
    sentences = split_sentences(record_text(text)) if isinstance(text, str) else list(text)
    read = [(s, claims(s, knowledge_base)) for s in sentences]
    found = []
    for i, (first, first_claims) in enumerate(read):
        for second, second_claims in read[i + 1 :]:
            reason = conflict(first_claims, second_claims)
            if reason is not None:
                found.append(Contradiction(first, second, reason))
    return found
