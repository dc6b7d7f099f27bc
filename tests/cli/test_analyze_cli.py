"""``elm-desktop analyze``: JSON with every number, a self-contained HTML page, no network."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import socket

import pytest

from elm_desktop.analysis import analyze
from elm_desktop.archive import open_archive
from elm_desktop.cli import main
from elm_desktop.cli.analyze import archive_case
from elm_desktop.clinical.html import render_html
from elm_desktop.clinical.muscle_artifact import MuscleArtifact, muscle_words
from elm_desktop.clinical.signal_features import signal_words
from elm_desktop.runtime import Engine
from elm_desktop.signals.time_labels import elapsed
from elm_desktop.synth import generate_corpus, read_manifest
from elm_desktop.version import producer

# The module-scoped fixtures write the prompt-bank cache: give them their own data folder.
pytestmark = pytest.mark.usefixtures("module_data_dir")


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-corpus")
    manifest = generate_corpus(folder, n=3, minutes=1, seed=21, workers=1)
    return [dict(e, path=folder / e["edf"]) for e in read_manifest(manifest)]


@pytest.fixture(scope="module")
def archive_path(recordings, elm_bundle, tmp_path_factory):
    engine = Engine(elm_bundle, device="cpu")
    path = tmp_path_factory.mktemp("cli-archive") / "archive.sqlite"
    with open_archive(path) as archive:
        for entry in recordings[1:]:
            archive_case(archive, analyze(entry["path"], engine), entry["report"], engine, entry)
    return path


@pytest.fixture
def no_network(monkeypatch):
    """Record and refuse every attempt to open a network connection."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted during the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def test_analyze_writes_json_and_self_contained_html(
    recordings, elm_bundle, archive_path, tmp_path, no_network, capsys
):
    entry = recordings[0]
    out_json, out_html = tmp_path / "out.json", tmp_path / "out.html"
    status = main(
        [
            "analyze",
            str(entry["path"]),
            "--model",
            str(elm_bundle),
            "--archive",
            str(archive_path),
            "--prompt",
            "left temporal spikes",
            "--json",
            str(out_json),
            "--html",
            str(out_html),
            "--device",
            "cpu",
        ]
    )
    assert status == 0
    assert no_network == []
    summary = json.loads(out_json.read_text())
    n_crops = len(summary["crops"]["start_s"])
    assert n_crops == int(entry["duration_s"] // summary["window_s"])
    assert sum(summary["crops"]["attention"]) == pytest.approx(1.0, abs=1e-3)
    assert len(summary["findings"]) == 15
    assert all(len(f["crop_probability"]) == n_crops for f in summary["findings"])
    assert summary["prompts"][0]["prompt"] == "left temporal spikes"
    assert len(summary["similar_cases"]) == 2
    assert summary["draft"]["text"].startswith("DRAFT")

    page = out_html.read_text()
    # Self-contained: nothing to fetch.
    assert not re.search(r"<script|<link|<img|\bsrc=|url\(", page)
    assert page.count("<figure>") >= 2 and "<polyline" in page
    assert "Attention over the recording" in page and "Most evident at" in page  # many crops
    # Every number shown comes from the JSON.
    for finding in summary["findings"]:  # a measured score has its measure's note beside it
        assert re.search(rf"<td>{finding['probability']:.2f}(</td>| <small>)", page)
    for case in summary["similar_cases"]:
        assert f"similarity {case['score']:.3f}" in page
    # An absent finding has no "most evident at": its peaks would read as a time it was seen.
    absent = re.findall(r'<tr class="absent">.*?</tr>', page, flags=re.S)
    assert absent and not any(re.search(r"\d\d:\d\d:\d\d", row) for row in absent)
    # Nothing identifying from the EDF header (patient code and birth date).
    header = entry["path"].read_bytes()[8:88].decode("ascii").split()
    for field in (header[0], header[2]):
        assert field not in out_json.read_text() and field not in page
    printed = capsys.readouterr().out
    assert "impression (draft)" in printed
    # What the draft states, apart from what merely scores over its threshold.
    stated = {f["id"] for f in summary["findings"] if f["stated"]}
    assert stated <= {f["id"] for f in summary["findings"] if f["present"]}
    assert not stated & {*summary["draft"]["unassessed"], *summary["draft"]["held"]}
    # The posterior rhythm measured in the recording, the same in the JSON, HTML and text.
    rhythm = summary["posterior_rhythm"]
    words = (
        f"{rhythm['frequency_hz']:.1f} Hz, measured in the posterior derivations"
        if rhythm["clear"]
        else "no clear posterior rhythm measured"
    )
    assert f"<th>Posterior rhythm</th><td>{words}</td>" in page
    assert f"posterior rhythm: {words}" in printed
    muscle = muscle_words(MuscleArtifact(**summary["muscle_artifact"]))
    assert f"<th>Muscle artifact</th><td>{muscle}</td>" in page
    assert f"muscle artifact: {muscle}" in printed
    signal = html.escape(signal_words(summary["signal_features"]))
    assert f"<th>Measured in the signal</th><td>{signal}</td>" in page
    assert f"measured in the signal: {signal_words(summary['signal_features'])}" in printed
    # The recording is named by its opaque id, and the model's provenance is stated.
    assert "file" not in summary["recording"] and entry["path"].name not in page
    assert f"ELM analysis: recording {summary['recording']['id']}</h1>" in page
    assert "none (random weights)" in summary["notice"]
    assert "Model trained on: none (random weights)." in page
    # ... and so is the program that wrote it (elm_desktop/version.py).
    assert summary["program"] == producer()
    assert f"Written by {producer()}." in page
    # A finding over its threshold that the draft holds back is marked so, with why.
    first = dict(summary["findings"][0], present=True)
    held = dict(
        summary,
        findings=[first, *summary["findings"][1:]],
        draft=dict(summary["draft"], held={first["id"]: "the record-level score disagrees"}),
    )
    assert isinstance(summary["draft"]["held"], dict)
    page = render_html(held, [])
    assert '<tr class="not-stated">' in page and "not stated: the record-level score" in page


def test_exports_give_the_time_of_day_but_never_the_date(
    recordings, elm_bundle, archive_path, tmp_path
):
    entry = recordings[0]
    out_json, out_html = tmp_path / "out.json", tmp_path / "out.html"
    args = ["analyze", str(entry["path"]), "--model", str(elm_bundle), "--device", "cpu"]
    assert main([*args, "--json", str(out_json), "--html", str(out_html)]) == 0
    header = entry["path"].read_bytes()
    date, time = header[168:176].decode(), header[176:184].decode()  # dd.mm.yy, hh.mm.ss
    start = dt.datetime.strptime(f"{date} {time}", "%d.%m.%y %H.%M.%S")
    summary, page = json.loads(out_json.read_text()), out_html.read_text()
    assert summary["recording"]["start_time_of_day"] == start.strftime("%H:%M:%S")
    assert f"{start:%H:%M:%S} (time of day; the date is left out)" in page
    # Times in the page: elapsed, then the time of day.
    segment = summary["findings"][0]["top_segments"][0]["start_s"]
    moment = start + dt.timedelta(seconds=round(segment))
    assert f"{elapsed(segment)} ({moment:%H:%M:%S})" in page
    for text in (out_json.read_text(), page):
        for written in (date, f"{start:%Y-%m-%d}", f"{start:%d/%m/%Y}"):
            assert written not in text


def test_bad_file_gives_one_line_error(tmp_path, elm_bundle, capsys):
    bad = tmp_path / "notes.edf"
    bad.write_text("not an EDF file")
    status = main(["analyze", str(bad), "--model", str(elm_bundle)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("elm-desktop: error:") and err.count("\n") == 1


def test_evaluate_drafts_writes_figures(recordings, elm_bundle, tmp_path, capsys):
    manifest = recordings[0]["path"].parent / "manifest.jsonl"
    splits = [e["split"] for e in recordings]
    out, figures_json = tmp_path / "f.md", tmp_path / "f.json"
    status = main(
        [
            "evaluate-drafts",
            str(manifest),
            "--model",
            str(elm_bundle),
            "--split",
            splits[0],
            "--archive-split",
            splits[1],
            "--calibration-split",
            splits[2],
            "--out",
            str(out),
            "--json",
            str(figures_json),
            "--device",
            "cpu",
        ]
    )
    assert status == 0
    figures = json.loads(figures_json.read_text())
    assert figures["n_recordings"] == splits.count(splits[0])
    assert set(figures["zero_shot_auroc"]["lpd"]) == {"positives", "n", "knowledge", "plain"}
    assert "ROUGE-L" in out.read_text() and "knowledge-enhanced" in out.read_text()
    assert set(figures["thresholds"]) >= {"normal", "lpd"}
