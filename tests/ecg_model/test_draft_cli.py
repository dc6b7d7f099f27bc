"""The command line on an ECG: its draft, and similar cases from an ECG archive only."""

from __future__ import annotations

import json

from elm_desktop.archive import open_archive
from elm_desktop.cli import main
from elm_desktop.paths import data_dir
from tests.conftest import write_white_noise


def analyze_with_archive(record, bundle, archive, out_dir, *more: str) -> dict:
    """``elm-desktop analyze RECORD --model BUNDLE --archive ARCHIVE --json``: the summary."""
    out_json = out_dir / "r.json"
    command = ["analyze", str(record), "--model", str(bundle), "--archive", str(archive)]
    assert main([*command, "--json", str(out_json), *more]) == 0
    return json.loads(out_json.read_text())


def test_archive_add_fills_the_ecg_archive_and_analyze_finds_similar_ecgs(
    ecg_bundle, ecg_corpus, tmp_path, capsys
):
    manifest = ecg_corpus / "manifest.jsonl"
    code = main(
        ["archive", "add", str(ecg_corpus), "--model", str(ecg_bundle), "--reports", str(manifest)]
    )
    assert code == 0
    ecg_archive = data_dir() / "ecg_archive.sqlite"
    assert ecg_archive.is_file() and not (data_dir() / "archive.sqlite").exists()
    with open_archive(ecg_archive) as archive:
        assert archive.counts()["cases"] == 40
    out_html = tmp_path / "r.html"
    summary = analyze_with_archive(
        ecg_corpus / "ecg-r00005.hea", ecg_bundle, ecg_archive, tmp_path, "--html", str(out_html)
    )
    titles = [s["title"] for s in summary["draft"]["sections"]]
    assert titles[:4] == ["CLINICAL INDICATION", "TECHNICAL", "RATE", "RHYTHM"]
    assert "INTERPRETATION" in titles and "DESCRIPTION OF THE RECORD" not in titles
    assert summary["draft"]["text"].startswith("DRAFT")
    cases = summary["similar_cases"]
    assert len(cases) == 5
    html = out_html.read_text()
    assert "Ventricular rate" in html
    # the median beat, in the JSON and the text, as the draft states it
    beat = summary["ecg_measurements"]
    assert summary["recording"]["modality"] == "ecg" and 60 <= beat["qrs_ms"] <= 200
    intervals = next(s for s in summary["draft"]["sections"] if s["title"] == "INTERVALS AND AXIS")
    assert f"QRS {beat['qrs_ms']} ms" in intervals["sentences"][0]["text"]
    assert "median beat: " in capsys.readouterr().out


def test_an_eeg_archive_gives_an_ecg_no_cases(ecg_bundle, ecg_corpus, elm_bundle, tmp_path):
    eeg = tmp_path / "eeg"
    eeg.mkdir()
    write_white_noise(eeg / "noise.edf", seconds=20)
    eeg_archive = tmp_path / "eeg.sqlite"
    assert (
        main(
            ["archive", "add", str(eeg), "--model", str(elm_bundle), "--archive", str(eeg_archive)]
        )
        == 0
    )
    summary = analyze_with_archive(ecg_corpus / "ecg-r00005.hea", ecg_bundle, eeg_archive, tmp_path)
    assert summary["similar_cases"] == []
    assert "no similar cases are shown" in summary["notice"]
    # Nor can the ECG be added to the EEG archive.
    assert (
        main(
            [
                "archive",
                "add",
                str(ecg_corpus),
                "--model",
                str(elm_bundle),
                "--archive",
                str(eeg_archive),
            ]
        )
        == 2
    )


def test_a_record_archived_as_wfdb_and_edf_is_not_its_own_prior_case(ecg_bundle, tmp_path):
    from elm_desktop.synth.ecg.corpus import generate_ecg_corpus

    folder = tmp_path / "both"
    generate_ecg_corpus(folder, n=6, seed=5, formats=("wfdb", "edf"))
    archive_path = tmp_path / "ecg.sqlite"
    command = ["archive", "add", str(folder), "--model", str(ecg_bundle)]
    assert main([*command, "--archive", str(archive_path)]) == 0
    with open_archive(archive_path) as archive:
        assert archive.counts()["cases"] == 12

    summary = analyze_with_archive(folder / "ecg-r00002.hea", ecg_bundle, archive_path, tmp_path)

    # Five of the other five records: neither this file's case nor its EDF copy, whose
    # reports are this record's; nor sentences of that report for the draft.
    own = (folder / "ecg-r00002.txt").read_text().strip()
    with open_archive(archive_path) as archive:
        this_recording = {
            case_id
            for case_id in range(1, 13)
            if (archive.case(case_id).report or "").strip() == own
        }
    assert len(this_recording) == 2
    cases = summary["similar_cases"]
    assert len(cases) == 5
    assert not this_recording & {case["case_id"] for case in cases}
    assert summary["report_segments"]
    assert not this_recording & {segment["case_id"] for segment in summary["report_segments"]}
    assert "holds another copy of this recording" in summary["notice"]
