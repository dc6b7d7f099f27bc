"""ELM report segmentation, quirks of the released code included."""

from elm_desktop.runtime.report_segments import segment_report, split_sections, split_sentences

REPORT = """St. Elsewhere Hospital  Patient: DOE, JANE
CLINICAL HISTORY: 45 year old man with seizures. Dr. Smith referred him.
MEDICATIONS: Keppra 500 mg.
INTRODUCTION: Digital video EEG.
DESCRIPTION OF THE RECORD: The PDR is 9.5 Hz.  There are left temporal sharp waves at T3.
EVENTS: None.
IMPRESSION: Abnormal EEG due to left temporal sharp waves.
"""


def test_first_line_without_header_is_dropped_with_its_identifiers():
    text = " ".join(s.text for s in segment_report(REPORT, kept_only=False))
    assert "DOE" not in text
    assert "Elsewhere" not in text


def test_sentence_mode_attaches_heading_to_first_sentence_only():
    segments = segment_report(REPORT)
    history = [s for s in segments if s.section == "CLINICAL HISTORY"]
    assert [s.text for s in history] == [
        "CLINICAL HISTORY: 45 year old man with seizures.",
        "Dr. Smith referred him.",
    ]
    assert [s.index for s in segments] == list(range(len(segments)))


def test_sections_outside_the_kept_list_are_left_out():
    sections = {s.section for s in segment_report(REPORT)}
    assert "INTRODUCTION" not in sections
    assert {"CLINICAL HISTORY", "MEDICATIONS", "IMPRESSION"} <= sections


def test_event_is_tried_before_events_as_in_the_released_code():
    headings = [heading for heading, _ in split_sections(REPORT)]
    assert "EVENT" in headings and "EVENTS" not in headings


def test_colons_in_content_are_removed():
    content = dict(split_sections("IMPRESSION: Abnormal: slowing at 10:30.\n"))
    assert content["IMPRESSION"] == "Abnormal slowing at 1030."


def test_paragraph_mode_gives_one_line_per_section():
    segments = segment_report(REPORT, mode="paragraph")
    record = next(s for s in segments if s.section == "DESCRIPTION OF THE RECORD")
    assert record.text == (
        "DESCRIPTION OF THE RECORD: The PDR is 9.5 Hz. There are left temporal sharp waves at T3."
    )


def test_report_without_headers_falls_back_to_sentences():
    segments = segment_report("Normal awake EEG. No epileptiform discharges.")
    assert [s.text for s in segments] == ["Normal awake EEG.", "No epileptiform discharges."]


def test_report_with_only_unkept_headers_gives_no_text():
    assert segment_report("x\nINTRODUCTION: Routine EEG.\nHR: 70 bpm.\n") == []


def test_sentence_splitter_keeps_decimals_and_acronyms():
    assert split_sentences("PDR of 8.5 Hz, i.e. slow. Next one.") == [
        "PDR of 8.5 Hz, i.e. slow.",
        "Next one.",
    ]
