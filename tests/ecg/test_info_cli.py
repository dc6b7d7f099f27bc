"""``elm-desktop info`` on ECG files: it says the file is a 12-lead ECG and what it holds."""

from __future__ import annotations

import json

import pytest

from elm_desktop.cli import main
from elm_desktop.signals.ecg.measurements import NOT_MEASURED
from elm_desktop.synth.ecg.corpus import generate_ecg_corpus, read_ecg_manifest
from tests.ecg.conftest import twelve_leads, write, write_muse


@pytest.mark.parametrize("fmt", ["wfdb", "edf", "aecg"])
def test_info_says_it_is_a_12_lead_ecg(fmt, tmp_path, capsys):
    path = write(fmt, tmp_path / "rec", twelve_leads())
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "modality   12-lead ECG" in out
    assert "duration   0:00:10.00" in out and "sampling   500 Hz" in out
    assert "leads      I II III aVR aVL aVF V1 V2 V3 V4 V5 V6" in out
    assert "patient fields hidden" in out


def test_info_json_names_derived_leads_and_hides_the_patient(tmp_path, capsys):
    leads = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")
    samples = twelve_leads()[[0, 1, 6, 7, 8, 9, 10, 11]]
    path = write_muse(tmp_path / "muse", samples, leads)
    assert main(["info", str(path), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["modality"] == "ecg" and facts["format"] == "GE MUSE XML"
    assert facts["derived_leads"] == ["III", "aVR", "aVL", "aVF"]
    assert "patient" not in facts and "Janssen" not in json.dumps(facts)
    assert main(["info", str(path), "--json", "--phi"]) == 0
    assert json.loads(capsys.readouterr().out)["patient"]["name"] == "Ria Janssen"


def test_info_on_a_corrupt_header_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.hea"
    bad.write_text("bad 12 five-hundred 5000\ngarbage\n")
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.hea" in err and "Traceback" not in err


def test_info_gives_the_rate_and_the_median_beat_of_an_ecg(tmp_path, capsys):
    manifest = generate_ecg_corpus(tmp_path, 1, seed=3)
    entry = read_ecg_manifest(manifest)[0]
    truth = entry["measurements"]
    assert main(["info", str(tmp_path / entry["wfdb"]), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["rate_bpm"] == pytest.approx(truth["heart_rate"], abs=2)
    measured = facts["measurements"]
    assert measured["qrs_ms"] == pytest.approx(truth["qrs_ms"] + 8, abs=8)
    assert measured["axis_deg"] == pytest.approx(truth["axis_deg"], abs=25)
    assert facts["measured"].startswith("PR ")
    assert main(["info", str(tmp_path / entry["wfdb"])]) == 0
    out = capsys.readouterr().out
    assert f"rate       {facts['rate_bpm']:.0f}/min" in out
    assert f"measured   {facts['measured']}" in out


def test_info_on_noise_says_the_beat_is_not_measured(tmp_path, capsys):
    assert main(["info", str(write("wfdb", tmp_path / "noise", twelve_leads()))]) == 0
    assert f"measured   {NOT_MEASURED}" in capsys.readouterr().out


def test_a_missing_header_says_no_such_file(tmp_path, capsys):
    assert main(["info", str(tmp_path / "missing.hea")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.hea: no such file; check the path" in err
