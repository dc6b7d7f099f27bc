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

#: Headings that other report styles give the same content under, joined in report order into
#: the generator's section: EEG reports name their parts differently by department and
#: country (a background and an epileptiform paragraph instead of one description; an
#: interpretation or conclusion instead of an impression), and each synthetic generator family
#: writes its own style (docs/synthetic-eeg.md).
SECTION_ALIASES = {
    "DESCRIPTION OF THE RECORD": (
        "DESCRIPTION OF THE RECORD",
        "DESCRIPTION OF RECORD",
        "DESCRIPTION",
        "FINDINGS",
        "EEG BACKGROUND",
        "BACKGROUND",
        "RANDOM WAKEFULNESS AND SLEEP",
        "EPILEPTIFORM ACTIVITY",
        "OTHER PAROXYSMAL ACTIVITY (NON-EPILEPTIFORM)",
        "ACTIVATION PROCEDURES",
    ),
    "EVENTS": ("EVENTS", "SEIZURES", "ICTAL ACTIVITY"),
    "IMPRESSION": ("IMPRESSION", "INTERPRETATION", "CONCLUSION", "SUMMARY"),
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


def record_sections(report: str, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Return the named sections a report has, each from its own heading or its aliases.

    A section's text joins, in report order, every heading of :data:`SECTION_ALIASES` for it
    (only the name itself for a section without aliases); sections the report lacks are left
    out.
    """
    sections = split_report(report)
    found = {}
    for name in names:
        aliases = set(SECTION_ALIASES.get(name, (name,)))
        texts = [text for heading, text in sections.items() if heading in aliases and text]
        if texts:
            found[name] = " ".join(texts)
    return found


def target_json(report: str, names: tuple[str, ...] | list[str]) -> str:
    """Return the target JSON of a reference report: the named sections it has, in order."""
    items = [
        {"section_name": name, "section_text": text}
        for name, text in record_sections(report, names).items()
    ]
    return json.dumps({"report_sections": items}, ensure_ascii=False)


def sections_text(sections: dict[str, str]) -> str:
    """Write sections as report text (``HEADING: text`` blocks) for the findings extractor."""
    return "\n\n".join(f"{name}: {text}" for name, text in sections.items())
