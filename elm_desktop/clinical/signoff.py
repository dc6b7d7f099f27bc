"""The reviewer's report and its sign-off: sections, templates, draft -> final, amendments.

A :class:`SignedReport` is the reviewer's text, section by section, started from a template
(``resources/report_templates/*.toml``, :func:`load_templates`) and, on request only, prefilled
from the model's draft (:func:`prefill`: only empty sections, never the model's findings list,
the draft's placeholders or its sentences about the model itself). It is a *draft* until the
reviewer signs it (:func:`sign`: name and date/time); a *final* report cannot be changed
(:class:`ReportLockedError`) unless it is reopened (:func:`reopen`), which notes an amendment
that stays with the report. Reports are kept per recording by the sha256 of its bytes
(:class:`ReportStore`), like the draft; the file's name is not stored. The EEG templates'
headings are report headers ELM reads
(:data:`~elm_desktop.runtime.report_segments.SECTION_HEADERS`), so :meth:`SignedReport.body` can
be stored in the archive and later train the model; an ECG report is kept sentence by sentence
without its headings, as the ECG model reads reports (``archive/ingest.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from elm_desktop.clinical.report import MODEL_NOTES
from elm_desktop.errors import ConfigError, ElmError
from elm_desktop.paths import RESOURCES, data_dir
from elm_desktop.runtime.report_segments import split_sentences

Status = Literal["draft", "final"]
TEMPLATE_FOLDER = RESOURCES / "report_templates"
FORMAT_VERSION = 1

#: Where each section of the model's draft (EEG or ECG) goes in a template, several joined in
#: this order where they share one (the model's findings list and the draft banner go nowhere:
#: they are the model's, not the reviewer's).
DRAFT_TO_TEMPLATE: dict[str, str] = {
    "CLINICAL HISTORY": "CLINICAL HISTORY",
    "MEDICATIONS": "MEDICATIONS",
    "INTRODUCTION": "TECHNIQUE",
    "DESCRIPTION OF THE RECORD": "EEG BACKGROUND",
    "IMPRESSION": "IMPRESSION",
    "CLINICAL CORRELATION": "CLINICAL CORRELATION",
    # the ECG draft's (clinical/ecg_report.py), into resting-ecg.toml
    "CLINICAL INDICATION": "CLINICAL HISTORY",
    "TECHNICAL": "TECHNIQUE",
    "RATE": "RATE",
    "RHYTHM": "RHYTHM",
    "ECTOPY": "RHYTHM",
    "INTERVALS AND AXIS": "INTERVALS AND AXIS",
    "AXIS": "INTERVALS AND AXIS",
    "CONDUCTION": "MORPHOLOGY",
    "VOLTAGE": "MORPHOLOGY",
    "ST-T AND QT": "MORPHOLOGY",
    "INTERPRETATION": "INTERPRETATION",
    "COMPARISON": "COMPARISON",
}
#: The concluding sections: each one the template has is written before signing.
CONCLUSIONS = ("IMPRESSION", "INTERPRETATION")
_PLACEHOLDER = re.compile(r"\[To be completed by the reviewer\.\]")
_SOURCE_MARK = re.compile(r"\s*\[\d+\]")
_DRAFT_LINE = re.compile(r"^([A-Z][A-Z0-9 ()/\-]+):\s?(.*)$")


class ReportError(ElmError):
    """A report cannot be signed, changed, read or written."""


class ReportLockedError(ReportError):
    """A final report was to be changed without reopening it."""


@dataclass(frozen=True)
class ReportTemplate:
    """A report template: its sections, each with a hint and a starting text.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"routine-eeg"``.
    title : str
        What menus show, e.g. ``"Routine EEG"``.
    description : str
    sections : tuple of (heading, hint, text)
    """

    name: str
    title: str
    description: str
    sections: tuple[tuple[str, str, str], ...]


def load_templates(folder: Path | None = None) -> dict[str, ReportTemplate]:
    """Return the report templates by name (the built-in ones unless ``folder`` is given).

    Raises
    ------
    ConfigError
        A template file cannot be read or lacks sections (the message names the file).
    """
    folder = folder or TEMPLATE_FOLDER
    templates = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            sections = tuple(
                (str(s["heading"]).strip().upper(), str(s.get("hint", "")), str(s.get("text", "")))
                for s in data["sections"]
            )
            if not sections:
                raise ValueError("no sections")
            name = str(data.get("name", path.stem))
            templates[name] = ReportTemplate(
                name, str(data.get("title", name)), str(data.get("description", "")), sections
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ConfigError(f"the report template {path} cannot be read: {error}") from error
    return templates


@dataclass(frozen=True)
class Signature:
    """Who signed a report and when (ISO 8601, local time, minutes)."""

    reviewer: str
    signed_at: str

    def line(self) -> str:
        """The signature line, e.g. ``"Signed: Dr A. Reader, 2026-12-03 18:30"``."""
        return f"Signed: {self.reviewer}, {self.signed_at.replace('T', ' ')}"


@dataclass(frozen=True)
class Amendment:
    """A final report reopened for amendment: by whom, when, why."""

    reviewer: str
    reopened_at: str
    reason: str

    def line(self) -> str:
        when = self.reopened_at.replace("T", " ")
        why = f": {self.reason}" if self.reason else ""
        return f"Amended: reopened by {self.reviewer}, {when}{why}"


@dataclass(frozen=True)
class SignedReport:
    """The reviewer's report of one recording.

    Attributes
    ----------
    template : str
        The template it was started from.
    sections : tuple of (heading, text)
        The reviewer's text per section, in report order.
    status : {"draft", "final"}
    signatures : tuple of Signature
        Every signing, oldest first; the last one signs a final report.
    amendments : tuple of Amendment
        Every reopening of a final report, oldest first.
    prefilled : tuple of str
        The headings that were prefilled from the model's draft on request.
    """

    template: str
    sections: tuple[tuple[str, str], ...]
    status: Status = "draft"
    signatures: tuple[Signature, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    prefilled: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return self.status == "final"

    @property
    def signature(self) -> Signature | None:
        """The signature of a final report (None for a draft)."""
        return self.signatures[-1] if self.final and self.signatures else None

    def text_of(self, heading: str) -> str:
        """Return the text of a section ('' when there is no such section)."""
        return dict(self.sections).get(heading, "")

    def with_text(self, heading: str, text: str) -> SignedReport:
        """Return the report with one section's text replaced (a new section is appended).

        Raises
        ------
        ReportLockedError
            The report is final: reopen it first.
        """
        if self.final:
            raise ReportLockedError("the report is signed (final): reopen it to amend it")
        headings = [h for h, _ in self.sections]
        if heading in headings:
            sections = tuple((h, text if h == heading else t) for h, t in self.sections)
        else:
            sections = (*self.sections, (heading, text))
        return dataclasses.replace(self, sections=sections)

    def body(self) -> str:
        """The reviewer's text alone: ``HEADING: text`` per filled section (what trains ELM)."""
        return "\n".join(f"{h}: {t.strip()}" for h, t in self.sections if t.strip())

    def status_lines(self) -> list[str]:
        """The signature line (or that it is unsigned), then any amendment lines."""
        signature = self.signature
        lines = [signature.line() if signature else "DRAFT: not signed"]
        lines += [a.line() for a in self.amendments]
        if not self.final and self.amendments:
            lines.append("Reopened: not signed again yet")
        return lines

    def to_text(self, header: str = "") -> str:
        """Return the report as plain text: ``header``, sections, signature and amendments."""
        parts = [header.rstrip("\n")] if header else []
        parts += ["EEG REPORT", ""]
        parts += [f"{h}:\n{t.strip()}\n" for h, t in self.sections if t.strip()]
        parts += self.status_lines()
        return "\n".join(parts) + "\n"

    def to_html(self, header: str = "") -> str:
        """Return the report as a standalone HTML page (text escaped)."""
        head = "".join(f"{html.escape(line)}<br>" for line in header.splitlines())
        sections = "".join(
            f"<h3>{html.escape(h)}</h3><p>{html.escape(t.strip()).replace(chr(10), '<br>')}</p>"
            for h, t in self.sections
            if t.strip()
        )
        status = "".join(f"<p><b>{html.escape(line)}</b></p>" for line in self.status_lines())
        return (
            "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>EEG report</title></head>"
            f"<body><p style='color:#555'>{head}</p><h2>EEG REPORT</h2>{sections}"
            f"<hr>{status}</body></html>\n"
        )

    def to_dict(self) -> dict:
        """Return the report as JSON-ready data."""
        return {
            "format": FORMAT_VERSION,
            "template": self.template,
            "sections": [[h, t] for h, t in self.sections],
            "status": self.status,
            "signatures": [dataclasses.asdict(s) for s in self.signatures],
            "amendments": [dataclasses.asdict(a) for a in self.amendments],
            "prefilled": list(self.prefilled),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SignedReport:
        """Build a report from :meth:`to_dict` data.

        Raises
        ------
        ReportError
            The data is not a report of a format this version reads.
        """
        try:
            if int(data.get("format", 0)) > FORMAT_VERSION:
                raise ValueError(f"format {data['format']} is newer than this program reads")
            status = str(data["status"])
            if status not in ("draft", "final"):
                raise ValueError(f"unknown status {status!r}")
            report = cls(
                template=str(data["template"]),
                sections=tuple((str(h), str(t)) for h, t in data["sections"]),
                status=status,  # type: ignore[arg-type]
                signatures=tuple(Signature(**s) for s in data.get("signatures", [])),
                amendments=tuple(Amendment(**a) for a in data.get("amendments", [])),
                prefilled=tuple(str(h) for h in data.get("prefilled", [])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ReportError(f"not a report of this program: {error}") from error
        if report.final and not report.signatures:
            raise ReportError("not a report of this program: final but not signed")
        return report


def new_report(template: ReportTemplate) -> SignedReport:
    """Start a report from a template: its sections and their starting texts."""
    return SignedReport(template.name, tuple((h, text) for h, _hint, text in template.sections))


def draft_sections(draft_text: str) -> dict[str, str]:
    """Split a draft's plain text (``HEADING: sentences`` lines) into its sections.

    The draft's placeholders and ``[n]`` source markers are dropped; its banner and SOURCES
    list are not sections.
    """
    found: dict[str, str] = {}
    for line in draft_text.splitlines():
        match = _DRAFT_LINE.match(line.strip())
        if match is None or match.group(1).startswith("SOURCES"):
            continue
        text = _SOURCE_MARK.sub("", _PLACEHOLDER.sub("", match.group(2))).strip()
        if text:
            found[match.group(1).strip()] = text
    return found


def prefill(report: SignedReport, draft_text: str) -> SignedReport:
    """Fill the report's empty sections from the draft (on the reviewer's request).

    Only sections the reviewer has not written are filled, from the draft sections mapped by
    :data:`DRAFT_TO_TEMPLATE`; the model's findings list is never copied, nor a sentence about
    the model itself (which montage it read, that its findings are withheld). The headings
    filled are remembered in :attr:`SignedReport.prefilled`.

    Raises
    ------
    ReportLockedError
        The report is final.
    """
    if report.final:
        raise ReportLockedError("the report is signed (final): reopen it to amend it")
    drafted = draft_sections(draft_text)
    gathered: dict[str, list[str]] = {}
    for draft_heading, heading in DRAFT_TO_TEMPLATE.items():
        sentences = split_sentences(drafted.get(draft_heading, ""))
        # Not the draft's notes about the model itself: the signed report is the reviewer's.
        clinical = [s for s in sentences if not s.startswith(MODEL_NOTES)]
        if clinical:
            gathered.setdefault(heading, []).append(" ".join(clinical))
    filled = list(report.prefilled)
    for heading, texts in gathered.items():
        if heading in dict(report.sections) and not report.text_of(heading).strip():
            report = report.with_text(heading, " ".join(texts))
            filled.append(heading)
    return dataclasses.replace(report, prefilled=tuple(dict.fromkeys(filled)))


def _now(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now()).isoformat(timespec="minutes")


def sign(report: SignedReport, reviewer: str, now: dt.datetime | None = None) -> SignedReport:
    """Sign a draft report: it becomes final, with a signature line (name, date/time).

    Raises
    ------
    ReportError
        No reviewer name, no impression (or interpretation) written, or the report is
        already final.
    """
    reviewer = " ".join(reviewer.split())
    if report.final:
        raise ReportError("the report is already signed")
    if not reviewer:
        raise ReportError("give the reviewer's name before signing")
    for heading in CONCLUSIONS:
        if heading in dict(report.sections) and not report.text_of(heading).strip():
            raise ReportError(f"write the {heading.lower()} before signing")
    if not report.body():
        raise ReportError("the report is empty: write it before signing")
    return dataclasses.replace(
        report, status="final", signatures=(*report.signatures, Signature(reviewer, _now(now)))
    )


def reopen(
    report: SignedReport, reviewer: str, reason: str = "", now: dt.datetime | None = None
) -> SignedReport:
    """Reopen a final report for amendment; the amendment is noted and stays with it.

    Raises
    ------
    ReportError
        The report is not final, or no reviewer name is given.
    """
    reviewer = " ".join(reviewer.split())
    if not report.final:
        raise ReportError("only a signed (final) report is reopened")
    if not reviewer:
        raise ReportError("give the reviewer's name before reopening the report")
    amendment = Amendment(reviewer, _now(now), " ".join(reason.split()))
    return dataclasses.replace(report, status="draft", amendments=(*report.amendments, amendment))


class ReportStore:
    """The reviewers' reports, one JSON file per recording named by the recording's sha256.

    Parameters
    ----------
    folder : Path, optional
        Where they live; by default ``reports/`` in the user data folder.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else data_dir() / "reports"

    def path(self, file_sha256: str) -> Path:
        """Return the file that holds the report of the recording with this sha256."""
        return self.folder / f"{file_sha256}.json"

    def load(self, file_sha256: str) -> SignedReport | None:
        """Return the report kept for a recording, or None when there is none.

        Raises
        ------
        ReportError
            The file cannot be read; it is moved aside (``.unreadable.json``), not overwritten.
        """
        path = self.path(file_sha256)
        if not path.is_file():
            return None
        try:
            return SignedReport.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ReportError) as error:
            aside = path.with_suffix(".unreadable.json")
            os.replace(path, aside)
            raise ReportError(
                f"the report kept for this recording cannot be read ({error}); moved to {aside}"
            ) from error

    def save(self, file_sha256: str, report: SignedReport) -> Path:
        """Keep a recording's report (replacing the earlier one whole); return the file."""
        path = self.path(file_sha256)
        partial = path.with_suffix(".partial")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_text(
                json.dumps({"sha256": file_sha256, **report.to_dict()}, indent=1), encoding="utf-8"
            )
            os.replace(partial, path)  # a crash mid-write leaves the earlier report intact
        except OSError as error:
            raise ReportError(f"cannot save the report to {path}: {error}") from error
        return path
