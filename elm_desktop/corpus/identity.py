"""Stripping identity from what an import writes: opaque ids and report text.

Patient, session and recording ids become keyed hashes (HMAC-SHA256 under a key kept outside
the corpus), so the same archive imported again with the same key gives the same ids while
nobody holding only the corpus can recompute them from a patient code. Report text loses
names, dates, record numbers and ages over 89 (HIPAA's Safe Harbor list as far as report text
holds it); the identifying header words (:func:`~elm_desktop.archive.deidentify.identifying_tokens`,
the archive's rule) are removed wherever the report repeats them.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from elm_desktop.archive.deidentify import MAX_AGE, identifying_tokens
from elm_desktop.errors import ConfigError
from elm_desktop.signals import PatientFields

#: Hex digits of an opaque id (64 bits: no collision expected among millions of recordings).
ID_DIGITS = 16

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
#: Dates as reports and headers write them: 03/14/1951, 2014-03-02, 14-MAR-1951, March 4, 2014,
#: 4 March 2014, March 2014, 2014_03_02.
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}[-/_.]\d{{1,2}}[-/_.]\d{{1,2}}|"
    rf"\d{{1,2}}[- ]{_MONTH}\.?[- ,]+\d{{2,4}}|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"{_MONTH}\.?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)
#: A line that opens with an identity label: everything after the label goes.
_LABELLED = re.compile(
    r"^(\s*(?:patient(?:'s)?(?: name)?|name|mrn|medical record(?: number| no\.?)?|"
    r"hospital (?:number|no\.?)|dob|d\.o\.b\.|date of birth|birth date|date(?: of (?:study|"
    r"recording|service|exam|admission))?|study date|referring(?: physician| doctor)?|"
    r"physician|attending|technologist|tech|interpreted by|read by|reviewed by|"
    r"(?:electronically )?signed(?: by)?|address|phone|telephone|ssn|account|accession|"
    r"location|room)\s*(?:#|no\.?)?\s*[:#])[^\n]*",
    re.IGNORECASE | re.MULTILINE,
)
#: A title and the capitalised words after it: Dr. Jane Doe, Mrs Smith.
_TITLED_NAME = re.compile(
    r"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor)\.?\s+[A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+)?"
)
#: Record numbers: five or more digits, possibly grouped by dashes (MRN, accession); "10-20"
#: (the electrode system) has four and stays.
_NUMBER = re.compile(r"\b\d(?:-?\d){4,}\b")
#: An age over 89 written beside its unit or label: "94-year-old", "93 yo", "age 95", "aged 91".
_OLD_AGE = re.compile(
    r"\b(?:(?P<label>age[d:]?\s*)(?P<n1>\d{2,3})\b|(?P<n2>\d{2,3})(?P<unit>[\s-]*(?:years?|yrs?|"
    r"y/?o)\b))",
    re.IGNORECASE,
)


def load_key(path: Path) -> bytes:
    """Return the import key kept at ``path``, creating a new random one (mode 0600) if absent.

    Raises
    ------
    ConfigError
        If the file exists but does not hold a key written by this function.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(32) + "\n")
        os.replace(temporary, path)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{path} is not an import key ({error}); give another --key") from error
    if len(key) < 16:
        raise ConfigError(f"{path} holds a key of {len(key)} bytes; an import key has 32")
    return key


def opaque_id(key: bytes, kind: str, value: str) -> str:
    """Return the keyed hash of ``value`` (a patient code, a session) as :data:`ID_DIGITS` hex."""
    digest = hmac.new(key, f"{kind}\x00{value}".encode(), "sha256").hexdigest()
    return digest[:ID_DIGITS]


def header_tokens(fields: PatientFields) -> list[str]:
    """Identifying words of an EDF header: the archive's patient words, plus the recording
    field's hospital code and technician (EDF+ ``Startdate date code technician equipment``)."""
    words = identifying_tokens(fields)
    parts = fields.recording.split()
    if parts[:1] == ["Startdate"]:
        words += [w for p in parts[2:4] for w in re.split(r"[_,^]+", p)]
    return [w for w in words if len(w) >= 3 and w.upper() != "X"]


def _older(match: re.Match[str]) -> str:
    number = match.group("n1") or match.group("n2")
    if int(number) < MAX_AGE:
        return match.group(0)
    if match.group("n1"):
        return f"{match.group('label')}90+"
    return f"90+{match.group('unit')}"


def scrub_report(text: str, known: Iterable[str] = ()) -> str:
    """Return a report with names, dates, record numbers and ages over 89 removed.

    Parameters
    ----------
    text : str
        The report as written.
    known : iterable of str
        Words known to identify this patient (header name parts, codes, birth date, the
        archive's patient code); removed wherever they occur, whole words, any case.

    Notes
    -----
    A name the report gives without a title, a label or a header to match it against cannot
    be told from other words and stays; a site whose reports do so must scrub them first.
    """
    text = _LABELLED.sub(lambda m: f"{m.group(1)} [removed]", text)
    words = sorted({w for w in known if len(w) >= 3}, key=len, reverse=True)
    if words:
        pattern = "|".join(re.escape(w) for w in words)
        text = re.sub(
            rf"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z0-9])", "[removed]", text, flags=re.I
        )
    text = _TITLED_NAME.sub("[name]", text)
    text = _DATE.sub("[date]", text)
    text = _NUMBER.sub("[number]", text)
    return _OLD_AGE.sub(_older, text)
