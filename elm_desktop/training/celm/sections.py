"""Report sections as the generator's target: split a report, write and read section JSON.

The target is CELM's JSON, ``{"report_sections": [{"section_name": ..., "section_text": ...}]}``,
holding the sections about the record (:data:`DEFAULT_SECTIONS`); the patient's history and
medications are input (:func:`patient_history`), never target.
"""

from __future__ import annotations

import json
import re

from elm_desktop.runtime.draft_generator import parse_sections as parse_sections  # re-exported

#: The sections the generator writes, in report order (what the findings extractor reads).
DEFAULT_SECTIONS = ("DESCRIPTION OF THE RECORD", "EVENTS", "IMPRESSION")

#: One line per section for the prompt (what each section holds).
SECTION_DESCRIPTIONS = {
    "DESCRIPTION OF THE RECORD": "background, posterior dominant rhythm, slowing, "
    "epileptiform and periodic discharges, sleep, activation procedures, artifacts",
    "EVENTS": "seizures and other events of the recording with their times, or None",
    "IMPRESSION": "normal or abnormal, and the abnormal findings that make it so",
    "CLINICAL CORRELATION": "what the findings mean for the patient",
    "INTRODUCTION": "the study type, electrodes and recording time",
}

_HEADING = re.compile(r"(?m)^([A-Z][A-Z /()&-]*[A-Z)]):[ \t]*")
_HISTORY_SECTIONS = ("CLINICAL HISTORY", "MEDICATIONS", "MEDICINES")


def split_report(report: str) -> dict[str, str]:
    """Return a report's sections (``HEADING: text`` at a line start) as heading -> text.

    Text before the first heading is dropped; a repeated heading keeps its first text.
    """
    parts = _HEADING.split(report)
    sections: dict[str, str] = {}
    for heading, text in zip(parts[1::2], parts[2::2], strict=True):
        sections.setdefault(heading.strip(), text.strip())
    return sections


def patient_history(report: str) -> str:
    """Return the report's clinical history and medications as one line (empty: none)."""
    sections = split_report(report)
    return " ".join(
        f"{name.title()}: {sections[name]}" for name in _HISTORY_SECTIONS if sections.get(name)
    )


def target_json(report: str, names: tuple[str, ...] | list[str]) -> str:
    """Return the target JSON of a reference report: the named sections it has, in order."""
    sections = split_report(report)
    items = [
        {"section_name": name, "section_text": sections[name]} for name in names if name in sections
    ]
    return json.dumps({"report_sections": items}, ensure_ascii=False)


def sections_text(sections: dict[str, str]) -> str:
    """Write sections as report text (``HEADING: text`` blocks) for the findings extractor."""
    return "\n\n".join(f"{name}: {text}" for name, text in sections.items())
