"""Report text without the patient: names, dates, record numbers and ages over 89 removed.

What the archive stores of a report, what a corpus import writes, and so what a similar case
shows another patient's reviewer, loses the identifiers report text holds (HIPAA's Safe
Harbor list as far as report text holds it), and the words known to identify the patient
(:func:`~elm_desktop.archive.deidentify.identifying_tokens`) wherever the report repeats them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from elm_desktop.archive.deidentify import MAX_AGE

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
#: A unit after a value: "0.5-70 Hz" and "25-50-100 mg" are no date nor record number.
_UNIT = r"\s*(?:hz|mg|g|ml|ms|s|sec|min|mv|uv|µv|mm|/min|bpm)\b"
#: A day of the month, with its ordinal ("3", "3rd", "3rd of").
_DAY = r"\d{1,2}(?:st|nd|rd|th)?(?:\s+of)?"
#: Dates as reports and headers write them: 03/14/1951, 2014-03-02 (and 2014-03-02T10:00),
#: 14-MAR-1951, 3rd of December, 2026, 03 Dec. '26, March 4, 2014, March 2014, 2014_03_02.
_DATE = re.compile(
    rf"(?<![\w/.-])(?:\d{{1,2}}([/.-])\d{{1,2}}\1\d{{2,4}}(?!\d|\.\d|{_UNIT})|"
    rf"\d{{4}}[-/_.]\d{{1,2}}[-/_.]\d{{1,2}}(?:T\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?|"
    rf"{_DAY}[- ]{_MONTH}\.?[- ,]+'?\d{{2,4}}|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"{_MONTH}\.?,?\s+\d{{4}})(?![\w/])",
    re.IGNORECASE,
)
#: A day and month without the year, after a word that dates it: "on 3/12".
_SHORT_DATE = re.compile(r"\b(on|from|since|until|till|dated) \d{1,2}/\d{1,2}(?![\w/])", re.I)
#: A year of birth: "born 1931", "born in 1931".
_BIRTH_YEAR = re.compile(r"\b(born(?: in)?) \d{4}\b", re.I)
#: A line that opens with an identity label: everything after the label goes.
_LABELLED = re.compile(
    r"^(\s*(?:patient(?:'s)?(?: name)?|name(?: of (?:the )?patient)?|pt|mrn|"
    r"medical record(?: number| no\.?)?|"
    r"hospital (?:number|no\.?)|nhs (?:number|no\.?)|dob|d\.o\.b\.|date of birth|birth date|"
    r"date(?: of (?:study|recording|service|exam|admission))?|study date|"
    r"referring(?: physician| doctor)?|"
    r"physician|attending|technologist|tech|interpreted by|read by|reviewed by|"
    r"(?:electronically )?signed(?: by)?|address|phone|telephone|ssn|account|accession|"
    r"room)\s*(?:#|no\.?)?\s*(?:[:#]|-\s))[^\n]*",
    re.IGNORECASE | re.MULTILINE,
)
#: The same labels inside a line ("History: Patient: John Smith, 45."): the words after it,
#: up to the clause's end, go.
_LABELLED_INLINE = re.compile(
    r"(?<=[\s(;,])((?:patient(?:'s)?(?: name)?|name of (?:the )?patient|pt|mrn|"
    r"hospital (?:number|no\.?)|nhs (?:number|no\.?)|dob|date of birth|"
    r"phone|telephone|ssn|accession)\s*(?:#|no\.?)?\s*[:#])\s*[^,.;\n]+",
    re.IGNORECASE,
)
#: A record number after its label anywhere: MRN A1234567, NHS number 943 476 5919.
_LABELLED_NUMBER = re.compile(
    r"\b(mrn|nhs(?: number| no\.?)?|hospital (?:number|no\.?)|record (?:number|no\.?)|"
    r"phone|telephone|tel\.?)\s*[:#]?\s*[A-Z]{0,3}\d[\d -]*\d",
    re.IGNORECASE,
)
#: A title and the name after it: Dr. Jane Doe, Mrs Smith, Dr.Smith, Dr. J. Smith, MR SMITH,
#: Mrs van der Berg.
_TITLED_NAME = re.compile(
    r"\b(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor|DR|MRS)\b\.?\s*(?:[A-Z]\.\s*)*"
    r"(?:(?:van|von|der|den|de|da|di|du|le|la|ter|ten|op)\s+)*"
    r"[A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+)?"
    # MR and MS in capitals are also magnetic resonance and multiple sclerosis: a name in
    # capitals after them only.
    r"|(?:MR|MS)\b\.?\s+[A-Z]{3,}(?:\s+[A-Z]{3,})?\b(?![a-z]))"
)
#: "The patient, John Smith, was ...": a capitalised name set off by commas after "patient".
_APPOSITIVE_NAME = re.compile(r"\b(patient),\s+[A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+)*(?=,)")
#: Record numbers: five or more digits, possibly grouped by dashes (MRN, accession), or with
#: up to three letters before them (A1234567); "10-20" (the electrode system) has four and
#: stays.
_NUMBER = re.compile(rf"\b[A-Za-z]{{0,3}}\d(?:-?\d){{4,}}\b(?!{_UNIT})", re.I)
#: Digits grouped by spaces or dashes into a phone or patient number of seven or more digits:
#: 555 123 4567, 943 476 5919; not values followed by their unit ("at 11 13 15 17 Hz").
_GROUPED_NUMBER = re.compile(
    rf"\b\d{{2,4}}(?:[ -]\d{{2,4}}){{2,}}\b(?![ -]\d)(?!{_UNIT})",
    re.I,
)
#: An age over 89 written beside its unit or label: "94-year-old", "93 yo", "95 y.o.",
#: "age 95", "aged 91".
_OLD_AGE = re.compile(
    r"\b(?:(?P<label>age[d:]?\s*)(?P<n1>\d{2,3})\b(?!\+)|(?P<n2>\d{2,3})(?P<unit>[\s-]*(?:years?|yrs?|"
    r"y/?o\b|y\.\s?o\.)))",
    re.IGNORECASE,
)


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
    text = _LABELLED.sub(lambda m: f"{m.group(1).rstrip()} [removed]", text)
    words = sorted({w for w in known if len(w) >= 3}, key=len, reverse=True)
    if words:
        pattern = "|".join(re.escape(w) for w in words)
        text = re.sub(
            rf"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z0-9])", "[removed]", text, flags=re.I
        )
    text = _LABELLED_INLINE.sub(lambda m: f"{m.group(1).rstrip()} [removed]", text)
    text = _LABELLED_NUMBER.sub(lambda m: f"{m.group(1)} [number]", text)
    text = _TITLED_NAME.sub("[name]", text)
    text = _APPOSITIVE_NAME.sub(lambda m: f"{m.group(1)}, [name]", text)
    text = _DATE.sub("[date]", text)
    text = _SHORT_DATE.sub(lambda m: f"{m.group(1)} [date]", text)
    text = _BIRTH_YEAR.sub(lambda m: f"{m.group(1)} [date]", text)
    text = _NUMBER.sub("[number]", text)
    text = _GROUPED_NUMBER.sub(_grouped_number, text)
    return _OLD_AGE.sub(_older, text)


def _grouped_number(match: re.Match[str]) -> str:
    """A phone or record number (seven digits or more); shorter groups ("10 15 20") stay."""
    digits = sum(c.isdigit() for c in match.group(0))
    return "[number]" if digits >= 7 else match.group(0)
