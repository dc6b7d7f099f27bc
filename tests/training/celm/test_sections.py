"""Report sections as targets: splitting, JSON both ways, the prompt, the configuration file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elm_desktop.errors import ConfigError
from elm_desktop.training.celm.config import load_celm_config
from elm_desktop.training.celm.prompt import chat_text, user_prompt
from elm_desktop.training.celm.sections import (
    DEFAULT_SECTIONS,
    parse_sections,
    patient_history,
    record_sections,
    sections_text,
    split_report,
    target_json,
)

REPORT = (
    "CLINICAL HISTORY: 28-year-old male referred for focal weakness.\n\n"
    "MEDICATIONS: N/A\n\n"
    "DESCRIPTION OF THE RECORD: The background is well organized with a 10 Hz PDR. "
    'There is "polymorphic" delta slowing over the left temporal electrodes.\n\n'
    "HR: 69 BPM\n\n"
    "IMPRESSION: This awake EEG is mildly abnormal due to:\n1. Focal slowing.\n\n"
    "CLINICAL CORRELATION: A structural lesion."
)


def test_split_and_history():
    sections = split_report(REPORT)
    assert list(sections) == [
        "CLINICAL HISTORY",
        "MEDICATIONS",
        "DESCRIPTION OF THE RECORD",
        "HR",
        "IMPRESSION",
        "CLINICAL CORRELATION",
    ]
    assert sections["IMPRESSION"].endswith("1. Focal slowing.")
    assert patient_history(REPORT).startswith("Clinical History: 28-year-old male")
    assert "Medications: N/A" in patient_history(REPORT)


def test_target_holds_the_record_sections_the_report_has():
    payload = json.loads(target_json(REPORT, DEFAULT_SECTIONS))
    names = [item["section_name"] for item in payload["report_sections"]]
    assert names == ["DESCRIPTION OF THE RECORD", "IMPRESSION"]  # no EVENTS in this report
    assert parse_sections(target_json(REPORT, DEFAULT_SECTIONS)) == {
        name: split_report(REPORT)[name] for name in names
    }


def test_other_report_styles_give_the_same_sections():
    # Another department's headings (here those of the dipole-spectral generator family): the
    # background and epileptiform paragraphs are the description, the interpretation is the
    # impression; a reference without these would train the generator to write nothing.
    other = (
        "REASON FOR STUDY: Staring.\n\nTECHNIQUE: 21 electrodes.\n\n"
        "EEG BACKGROUND: Well-developed 11 Hz posterior alpha.\n\n"
        "EPILEPTIFORM ACTIVITY: Generalized spike-and-wave discharges at 3 Hz.\n\n"
        "INTERPRETATION: ABNORMAL EEG:\n(1) Generalized spike-and-wave discharges.\n\n"
        "CORRELATION: Idiopathic generalised epilepsy."
    )
    sections = record_sections(other, DEFAULT_SECTIONS)
    assert list(sections) == ["DESCRIPTION OF THE RECORD", "IMPRESSION"]
    assert sections["DESCRIPTION OF THE RECORD"] == (
        "Well-developed 11 Hz posterior alpha. Generalized spike-and-wave discharges at 3 Hz."
    )
    assert sections["IMPRESSION"].startswith("ABNORMAL EEG:")
    assert parse_sections(target_json(other, DEFAULT_SECTIONS)) == sections
    # The project's own style is read as before.
    assert record_sections(REPORT, DEFAULT_SECTIONS) == {
        k: v for k, v in split_report(REPORT).items() if k in DEFAULT_SECTIONS
    }


def test_a_cut_off_answer_keeps_what_was_written():
    text = target_json(REPORT, DEFAULT_SECTIONS)
    cut = parse_sections(text[: text.index("mildly") + 6])
    assert cut["DESCRIPTION OF THE RECORD"] == split_report(REPORT)["DESCRIPTION OF THE RECORD"]
    assert cut["IMPRESSION"] == "This awake EEG is mildly"
    assert parse_sections("no json at all") == {}
    assert sections_text({"IMPRESSION": "Normal."}) == "IMPRESSION: Normal."


def test_prompt_lists_sections_and_history(tiny_tokenizer):
    prompt = user_prompt(DEFAULT_SECTIONS, "Adult with headaches.")
    assert all(f"- {name}:" in prompt for name in DEFAULT_SECTIONS)
    assert "Patient history: Adult with headaches." in prompt
    assert "Patient history: not given" in user_prompt(DEFAULT_SECTIONS)
    chat = chat_text(tiny_tokenizer, DEFAULT_SECTIONS)
    assert chat.endswith("<|im_start|>assistant\n") and "<|im_start|>system" in chat


def test_the_shipped_configuration_reads(tmp_path):
    config = load_celm_config(Path(__file__).parents[3] / "configs" / "celm-smollm2.toml")
    assert config.model.mode == "projection_only"
    assert config.model.language_model == "smollm2-135m-instruct"
    bad = tmp_path / "bad.toml"
    bad.write_text('[model]\nmode = "frozen"\n')
    with pytest.raises(ConfigError, match="model.mode"):
        load_celm_config(bad)
    bad.write_text("[model]\nlayers = 3\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_celm_config(bad)
