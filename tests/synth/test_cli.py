"""``elm-desktop synth`` and ``elm-desktop demo`` from the command line."""

from __future__ import annotations

import argparse
import json

import mne
import pytest

from elm_desktop.cli import synth as synth_commands
from elm_desktop.errors import ConfigError
from elm_desktop.synth import demo, read_manifest


def main(argv: list[str]) -> int:
    """Run one of this module's commands as ``elm-desktop`` would (the other command groups
    are other modules' business)."""
    parser = argparse.ArgumentParser(prog="elm-desktop")
    synth_commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_synth_command_writes_a_corpus(tmp_path, capsys):
    out = tmp_path / "corpus"
    status = main(
        ["synth", "--out", str(out), "--n", "2", "--minutes", "0.2", "--seed", "4",
         "--findings", "seizure,normal", "--sfreq", "250", "--naming", "1020", "--workers", "1"]
    )  # fmt: skip
    assert status == 0
    entries = read_manifest(out / "manifest.jsonl")
    assert len(entries) == 2
    assert all(e["sfreq"] == 250 and e["naming"] == "1020" for e in entries)
    assert str(out / "manifest.jsonl") in capsys.readouterr().out


def test_synth_command_refuses_an_unknown_finding(tmp_path):
    with pytest.raises(ConfigError, match="unknown finding.*choose from"):
        main(["synth", "--out", str(tmp_path), "--findings", "spikes"])


def test_demo_is_built_once_into_the_data_folder(isolated_data_dir, monkeypatch, capsys):
    # A smaller demo than the real one (20 min + 30 priors) keeps the test fast.
    monkeypatch.setattr(demo, "DEMO_MINUTES", 1)
    monkeypatch.setattr(demo, "PRIOR_CASES", 3)
    monkeypatch.setattr(demo, "PRIOR_MINUTES", 0.2)
    assert main(["demo"]) == 0
    folder = isolated_data_dir / "demo"
    recording = folder / "demo.edf"
    raw = mne.io.read_raw_edf(recording, verbose="error")
    assert raw.n_times == 60 * 256
    assert {"eyes open", "eyes closed"} <= set(raw.annotations.description)
    truth = read_manifest(folder / "manifest.jsonl")[0]
    names = {f["name"] for f in truth["findings"]}
    assert {"seizure", "focal_epileptiform", "focal_slowing"} <= names
    assert all(
        f["location"] == "left temporal"
        for f in truth["findings"]
        if f["name"] in names - {"artifact", "sleep", "photic_driving", "hyperventilation_response"}
    )
    assert len(read_manifest(folder / "priors" / "manifest.jsonl")) == 3
    built = recording.stat().st_mtime_ns
    assert json.loads((folder / "demo.json").read_text())["version"] == demo.DEMO_VERSION
    assert main(["demo"]) == 0
    assert recording.stat().st_mtime_ns == built
    assert str(recording) in capsys.readouterr().out
