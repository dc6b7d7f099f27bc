"""Report text scrubbing and opaque ids."""

from __future__ import annotations

import pytest

from elm_desktop.archive.report_scrub import scrub_report
from elm_desktop.corpus.identity import load_key, opaque_id
from elm_desktop.errors import ConfigError

REPORT = """Patient: Rosalind Vandermeer    MRN: 48213377    DOB: 03/14/1951
Date of study: 2014-03-02
CLINICAL HISTORY: Ms. Vandermeer, a 94-year-old woman seen on March 2, 2014 (acc. 55-1234-9).
Rosalind was referred by Dr. Thaddeus Okonkwo on 4 Mar 2014. Age 93. Prior study March 2013.
INTRODUCTION: The international 10-20 system was used; a 45-year-old technologist assisted.
IMPRESSION: Normal EEG. No epileptiform discharges.
"""


def test_names_dates_numbers_and_old_ages_are_removed():
    scrubbed = scrub_report(REPORT, known=["Rosalind", "Vandermeer", "14-MAR-1951"])
    for identifying in (
        "Rosalind",
        "Vandermeer",
        "48213377",
        "03/14/1951",
        "2014-03-02",
        "March 2, 2014",
        "Okonkwo",
        "Thaddeus",
        "4 Mar 2014",
        "March 2013",
        "55-1234-9",
        "94",
        "93",
    ):
        assert identifying not in scrubbed, identifying
    # What the record says stays: the electrode system, ordinary ages, the findings.
    assert "10-20 system" in scrubbed
    assert "45-year-old technologist" in scrubbed
    assert "90+-year-old woman" in scrubbed and "Age 90+" in scrubbed
    assert "IMPRESSION: Normal EEG. No epileptiform discharges." in scrubbed
    assert scrub_report(scrubbed, ()) == scrubbed  # `archive scrub` may run again


@pytest.mark.parametrize(
    ("written", "identifying"),
    [
        ("Mrs van der Berg was drowsy.", "Berg"),
        ("MR SMITH was awake.", "SMITH"),
        ("Seen by Dr. J. Smith and Dr.Jones.", "Smith"),
        ("History: Patient: John Smith, 45.", "John"),
        ("The patient, John Smith, was cooperative.", "Smith"),
        ("Pt: John Smith", "John"),
        ("Patient name - John Smith", "Smith"),
        ("MRN A1234567 was reviewed.", "1234567"),
        ("NHS number 943 476 5919.", "5919"),
        ("Phone 555 123 4567.", "4567"),
        ("Recorded 2026-12-03T10:00.", "10:00"),
        ("Recorded on the 3rd of December, 2026.", "3rd"),
        ("Recorded 03 Dec. '26.", "Dec"),
        ("Seen on 3/12 for a first seizure.", "3/12"),
        ("Born 1931.", "1931"),
        ("A 95 y.o. woman.", "95"),
    ],
)
def test_names_numbers_and_dates_as_reports_also_write_them(written, identifying):
    # Found by a privacy review (2026-12-05): each of these passed through unchanged.
    assert identifying not in scrub_report(written)


def test_what_the_record_says_stays_beside_the_new_patterns():
    kept = (
        "Photic stimulation at 10 15 20 Hz, then at 11 13 15 17 19 21 Hz. A 2:1 and a 4:1 "
        "flutter. The 10-20 system. "
        "MR imaging was normal. A 45 y.o. man. QRS 98 ms, QTc 420 ms. Filters 0.5-70 Hz and "
        "0.05-150 Hz; spindles 12.5-14 Hz; levetiracetam 25-50-100 mg. History of MS. "
        "MR Brain normal. Location: left temporal, T3-T5. The patient - who was drowsy - slept."
    )
    assert scrub_report(kept) == kept


def test_known_words_match_whole_words_only():
    assert scrub_report("Sleep was seen.", known=["Lee"]) == "Sleep was seen."
    assert scrub_report("Seen by LEE today.", known=["Lee"]) == "Seen by [removed] today."


def test_key_is_created_once_and_ids_are_keyed(tmp_path):
    key = load_key(tmp_path / "p" / "key")
    assert load_key(tmp_path / "p" / "key") == key
    assert (tmp_path / "p" / "key").stat().st_mode & 0o777 == 0o600
    other = load_key(tmp_path / "q" / "key")
    assert opaque_id(key, "patient", "aaaaaaab") == opaque_id(key, "patient", "aaaaaaab")
    assert opaque_id(key, "patient", "aaaaaaab") != opaque_id(other, "patient", "aaaaaaab")
    assert opaque_id(key, "patient", "aaaaaaab") != opaque_id(key, "session", "aaaaaaab")


def test_a_bad_key_file_is_one_clear_error(tmp_path):
    (tmp_path / "key").write_text("not hex\n")
    with pytest.raises(ConfigError, match="not an import key"):
        load_key(tmp_path / "key")
