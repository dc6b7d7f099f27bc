"""The phenotype knowledge base: findings, their definitions and the prompts that score them.

The built-in base is ``resources/phenotypes.toml``. Two files of the same layout are merged over
it, in this order: the one a model bundle carries (its calibrated thresholds) and a
``phenotypes.toml`` in the user data directory (:func:`elm_desktop.paths.data_dir`), so what the
user sets wins. An entry with a new id adds a finding, an entry with a known id replaces only the
fields it gives. A top-level ``prompt_style = "plain"`` (or ``"knowledge"``) says which positive
prompts score the findings by default; a bundle's file sets the style its thresholds were
calibrated for (``elm-desktop model calibrate --prompt-style``), and the last file that sets it
wins.

>>> kb = load_knowledge_base()
>>> kb.list_findings()[:3]
['normal', 'generalized_slowing', 'focal_slowing']
>>> kb["lpd"].prompts("knowledge")[0]
'Lateralized periodic discharges at about 1 Hz over one hemisphere.'
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

from elm_desktop.clinical.record_score import RECORD_FINDING, RecordReference, read_references
from elm_desktop.clinical.record_score import TABLE as RECORD_TABLE
from elm_desktop.errors import ConfigError
from elm_desktop.paths import RESOURCES, data_dir

BUILTIN_PATH = RESOURCES / "phenotypes.toml"
USER_FILE_NAME = "phenotypes.toml"

PromptStyle = Literal["knowledge", "plain"]
PROMPT_STYLES: tuple[PromptStyle, ...] = ("knowledge", "plain")

_REQUIRED = ("label", "plain", "contrast")
_LIST_FIELDS = ("plain", "knowledge", "contrast", "terms")
#: A finding's rule-out bar (:attr:`Finding.rule_out`) keeps this share of the calibration
#: recordings with the finding at or above it: under it, a score misses at most about one in
#: twenty of them (a high-sensitivity cut-off, as a test that rules out). Set beforehand, not
#: tuned.
RULE_OUT_SENSITIVITY = 0.95
#: The fewest calibration recordings with a finding for a rule-out bar.
MIN_RULE_OUT_POSITIVES = 10
_TEXT_FIELDS = ("label", "category", "definition", "sentence", "negative")


@dataclass(frozen=True)
class Finding:
    """One finding of the knowledge base.

    Attributes
    ----------
    id : str
        Vocabulary id (``"focal_slowing"``).
    label : str
        ACNS-style name shown to the reviewer.
    category : str
        ``overall``, ``background``, ``interictal``, ``periodic``, ``ictal``, ``state``,
        ``activation`` or ``artifact``.
    abnormal : bool
        Whether the finding makes a record abnormal.
    threshold : float
        Recording-level probability above which the finding is called present.
    definition : str
        What the finding is, in plain words.
    plain : tuple of str
        Plain-label prompts.
    knowledge : tuple of str
        Knowledge-enhanced descriptive prompts.
    contrast : tuple of str
        Prompts describing a record without the finding. In the file, either a list of prompts
        or the id of another finding, whose descriptive prompts then serve (``"normal"``: the
        finding is scored against a normal record; sentence encoders place "no focal slowing"
        close to "focal slowing", so negated contrasts score poorly).
    terms : tuple of str
        Lower-case phrases the findings extractor looks for in report text.
    sentence : str
        The draft report's sentence when the finding is present.
    negative : str
        The draft's pertinent negative when the finding is absent; empty for none.
    calibration_auroc : float or None
        The model's AUROC for the finding on the split its threshold was calibrated on (a
        bundle's ``phenotypes.toml`` written by ``evaluate``); None where no threshold was
        calibrated. The ECG draft states a finding only with enough of it.
    rule_out : float or None
        The prompt's probability under which the finding's absence may be stated: the
        :data:`RULE_OUT_SENSITIVITY` share of the calibration recordings with the finding
        scored at or above it (written by ``model calibrate``); None where too few had it, and
        then only a score just under the threshold keeps its absence unstated.
    """

    id: str
    label: str
    category: str = "other"
    abnormal: bool = True
    threshold: float = 0.5
    definition: str = ""
    plain: tuple[str, ...] = ()
    knowledge: tuple[str, ...] = ()
    contrast: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    sentence: str = ""
    negative: str = ""
    calibration_auroc: float | None = None
    rule_out: float | None = None

    def prompts(self, style: PromptStyle = "knowledge") -> tuple[str, ...]:
        """Return the positive prompts of one style.

        ``"knowledge"`` falls back to the plain labels when an entry has no descriptive prompts.
        """
        if style not in PROMPT_STYLES:
            raise ConfigError(
                f"unknown prompt style {style!r}; use one of {', '.join(PROMPT_STYLES)}"
            )
        if style == "knowledge" and self.knowledge:
            return self.knowledge
        return self.plain


class KnowledgeBase(Mapping[str, Finding]):
    """The findings, in file order, looked up by id.

    Looking up an unknown id raises :class:`~elm_desktop.errors.ConfigError` naming the known ones.
    ``prompt_style`` is the style that scores the findings unless a caller asks for another;
    ``record_references`` (by prompt style), when the model's file carries them, give the
    ``normal`` finding its record score (:mod:`elm_desktop.clinical.record_score`) while one
    applies.
    """

    def __init__(
        self,
        findings: list[Finding],
        sources: tuple[Path, ...] = (),
        prompt_style: PromptStyle = "knowledge",
        record_references: Mapping[str, RecordReference] | None = None,
    ) -> None:
        self._findings = {f.id: f for f in findings}
        self.sources = sources
        self.prompt_style = prompt_style
        self.record_references = dict(record_references or {})
        self._applying: dict[str, RecordReference | None] = {}  # by style: the digest is costly

    def __getitem__(self, finding_id: str) -> Finding:
        try:
            return self._findings[finding_id]
        except KeyError:
            raise ConfigError(
                f"unknown finding {finding_id!r}; known findings: {', '.join(self._findings)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._findings)

    def __len__(self) -> int:
        return len(self._findings)

    def record_reference(self, style: PromptStyle) -> RecordReference | None:
        """Return the record score's reference for findings scored with ``style``, if one applies."""
        if style not in self._applying:
            reference = self.record_references.get(style)
            applies = reference is not None and reference.applies(style, self)
            self._applying[style] = reference if applies else None
        return self._applying[style]

    def threshold(self, finding_id: str, style: PromptStyle) -> float:
        """Return a finding's threshold when scored with ``style`` (where a record reference
        applies, the record score's own for ``normal`` and a finding score's own for a finding
        that has one)."""
        reference = self.record_reference(style)
        if reference is not None and finding_id == RECORD_FINDING:
            return reference.threshold
        if reference is not None and finding_id in reference.finding_references:
            return reference.finding_references[finding_id].threshold
        return self[finding_id].threshold

    def list_findings(self) -> list[str]:
        """Return the finding ids in knowledge-base order."""
        return list(self._findings)

    def fingerprint(self) -> str:
        """Return a short hash of the content, to key caches of prompt embeddings."""
        payload = json.dumps([asdict(f) for f in self._findings.values()], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_knowledge_base(
    path: str | Path | None = None,
    user_path: str | Path | None = None,
    model_path: str | Path | None = None,
) -> KnowledgeBase:
    """Load the knowledge base, with the model's and the user's entries merged over the base.

    Parameters
    ----------
    path : path-like, optional
        The base file; the built-in ``resources/phenotypes.toml`` by default.
    user_path : path-like, optional
        The file of user entries; ``phenotypes.toml`` in the user data directory by default.
        A missing user file is not an error.
    model_path : path-like, optional
        The entries a model bundle carries (:attr:`elm_desktop.runtime.Bundle.phenotypes`),
        merged before the user's.

    Returns
    -------
    KnowledgeBase

    Raises
    ------
    ConfigError
        A file is not valid TOML, or an entry misses a required field or has a wrong type.
    """
    base_path = Path(path) if path is not None else BUILTIN_PATH
    user = Path(user_path) if user_path is not None else data_dir() / USER_FILE_NAME
    entries, style, _ = _read_entries(base_path)
    record_table = None  # only a model's file may carry one (clinical/record_score.py)
    # The file that last changed each entry, so that an error names the file to fix.
    changed_by = dict.fromkeys(entries, base_path)
    sources = [base_path]
    overlays = [Path(model_path)] if model_path is not None else []
    for overlay in [*overlays, user] if user.is_file() else overlays:
        overlay_entries, overlay_style, overlay_record = _read_entries(overlay)
        for finding_id, overrides in overlay_entries.items():
            entries[finding_id] = {**entries.get(finding_id, {}), **overrides}
            changed_by[finding_id] = overlay
        style = overlay_style or style
        if overlay_record is not None and overlay in overlays:
            record_table = (overlay_record, overlay)
        sources.append(overlay)
    for finding_id, entry in entries.items():
        entry["contrast"] = _contrast_prompts(finding_id, entries, changed_by)
    findings = [_make_finding(fid, entry, changed_by[fid]) for fid, entry in entries.items()]
    references = {}
    if record_table is not None:
        abnormal = [f.id for f in findings if f.abnormal]
        references = read_references(record_table[0], abnormal, record_table[1])
    return KnowledgeBase(findings, tuple(sources), style or "knowledge", references)


def list_findings() -> list[str]:
    """Return the ids of the findings of the default knowledge base (built-in + user)."""
    return load_knowledge_base().list_findings()


def get_finding(finding_id: str) -> Finding:
    """Return one finding of the default knowledge base; ConfigError names the known ids."""
    return load_knowledge_base()[finding_id]


def _read_entries(path: Path) -> tuple[dict[str, dict[str, Any]], PromptStyle | None, Any]:
    """A file's findings entries, its ``prompt_style`` and its ``[[record_score]]`` tables (None
    when it sets none)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"phenotype knowledge base {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"phenotype knowledge base {path} is not valid TOML: {error}") from None
    findings = document.get("findings", {})
    if not isinstance(findings, dict) or not all(isinstance(v, dict) for v in findings.values()):
        raise ConfigError(f"{path}: findings must be tables, e.g. [findings.my_finding]")
    style = document.get("prompt_style")
    if style is not None and style not in PROMPT_STYLES:
        raise ConfigError(
            f"{path}: prompt_style must be one of {', '.join(PROMPT_STYLES)}, not {style!r}"
        )
    return {str(k): dict(v) for k, v in findings.items()}, style, document.get(RECORD_TABLE)


def _contrast_prompts(
    finding_id: str, entries: dict[str, dict[str, Any]], changed_by: dict[str, Path]
) -> Any:
    """An entry's contrast prompts; a finding id as contrast stands for its descriptive prompts.

    ``changed_by`` maps each finding to the file that last changed it, for the error messages.
    """
    contrast = entries[finding_id].get("contrast")
    if not isinstance(contrast, str):
        return contrast
    if contrast == finding_id or contrast not in entries:
        others = ", ".join(fid for fid in entries if fid != finding_id)
        raise ConfigError(
            f"{changed_by[finding_id]}: {finding_id}.contrast names {contrast!r}, which is not "
            f"another finding; give a list of prompts or one of: {others}"
        )
    other = entries[contrast]
    field = "knowledge" if other.get("knowledge") else "plain"
    prompts = other.get(field)
    if not prompts or not _is_prompt_list(prompts):
        raise ConfigError(
            f"{changed_by[contrast]}: {contrast}.{field} must be a list of non-empty strings "
            f"(it serves as {finding_id}'s contrast)"
        )
    return prompts


def _is_prompt_list(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(s, str) and s.strip() for s in items)


def _make_finding(finding_id: str, entry: dict[str, Any], source: Path) -> Finding:
    known = {f.name for f in fields(Finding)} - {"id"}
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(
            f"{source}: finding {finding_id!r} has unknown field(s) {', '.join(unknown)}; "
            f"known fields: {', '.join(sorted(known))}"
        )
    missing = [name for name in _REQUIRED if not entry.get(name)]
    if missing:
        raise ConfigError(
            f"{source}: finding {finding_id!r} lacks {', '.join(missing)}; "
            "every finding needs a label, plain prompts and contrast prompts (or the id of a "
            "finding whose descriptions serve as contrast)"
        )
    values = dict(entry)
    for name in _LIST_FIELDS:
        items = values.get(name, [])
        if not _is_prompt_list(items):
            raise ConfigError(f"{source}: {finding_id}.{name} must be a list of non-empty strings")
        values[name] = tuple(items)
    for name in _TEXT_FIELDS:
        if not isinstance(values.get(name, ""), str):
            raise ConfigError(f"{source}: {finding_id}.{name} must be a string")
    threshold = values.get("threshold", 0.5)
    if not isinstance(threshold, int | float) or not 0.0 < threshold < 1.0:
        raise ConfigError(f"{source}: {finding_id}.threshold must be a number between 0 and 1")
    values["threshold"] = float(threshold)
    support = values.get("calibration_auroc")
    if support is not None and (not isinstance(support, int | float) or not 0.0 <= support <= 1.0):
        raise ConfigError(f"{source}: {finding_id}.calibration_auroc must be between 0 and 1")
    rule_out = values.get("rule_out")
    if rule_out is not None and (
        not isinstance(rule_out, int | float) or not 0.0 <= rule_out <= 1.0
    ):
        raise ConfigError(f"{source}: {finding_id}.rule_out must be between 0 and 1")
    if not isinstance(values.get("abnormal", True), bool):
        raise ConfigError(f"{source}: {finding_id}.abnormal must be true or false")
    return Finding(id=finding_id, **values)
