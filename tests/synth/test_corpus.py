"""A corpus: files every reader opens, a manifest that matches them, splits by patient, and the
same bytes from the same seed whatever the number of workers."""

from __future__ import annotations

import hashlib

import mne
import pytest

from elm_desktop.errors import ConfigError
from elm_desktop.signals import ELM_CHANNELS, elm_input, get_montage, open_recording
from elm_desktop.synth import FINDINGS, generate_corpus, read_manifest


def _digest(folder) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


def test_same_seed_gives_the_same_bytes_with_one_or_two_workers(tmp_path):
    first = generate_corpus(tmp_path / "a", 3, 0.25, seed=5, workers=2)
    second = generate_corpus(tmp_path / "b", 3, 0.25, seed=5, workers=1)
    other = generate_corpus(tmp_path / "c", 3, 0.25, seed=6, workers=1)
    assert _digest(first.parent) == _digest(second.parent)
    assert _digest(first.parent) != _digest(other.parent)


@pytest.mark.parametrize(("sfreq", "naming"), [(250, "1020"), (500, "tuh")])
def test_files_open_in_mne_and_give_every_tcp_derivation(tmp_path, sfreq, naming):
    manifest = generate_corpus(tmp_path, 2, 0.2, seed=1, sfreq=sfreq, naming=naming, workers=1)
    for entry in read_manifest(manifest):
        path = manifest.parent / entry["edf"]
        raw = mne.io.read_raw_edf(path, verbose="error")
        assert raw.info["sfreq"] == sfreq
        assert raw.n_times == entry["duration_s"] * sfreq
        assert ("EEG FP1-REF" in raw.ch_names) == (naming == "tuh")
        rec = open_recording(path)
        assert get_montage("tcp-elm").missing(rec.electrodes) == []
        x = elm_input(rec)
        assert x.shape == (len(ELM_CHANNELS), entry["duration_s"] * 100)


def test_manifest_holds_ground_truth_with_splits_by_patient(tmp_path):
    manifest = generate_corpus(tmp_path, 24, 0.2, seed=3, workers=1)
    entries = read_manifest(manifest)
    assert len(entries) == 24
    split_of = {}
    for entry in entries:
        assert entry["split"] in ("train", "val", "test")
        assert split_of.setdefault(entry["patient_id"], entry["split"]) == entry["split"]
        assert (manifest.parent / entry["edf"]).exists()
        assert entry["report"].startswith("CLINICAL HISTORY:")
        for finding in entry["findings"]:
            assert finding["name"] in FINDINGS
            for start, end in finding["intervals"]:
                assert 0 <= start < end <= entry["duration_s"] + 1
        names = {f["name"] for f in entry["findings"]}
        assert entry["abnormal"] == ("normal" not in names)
    assert {"train", "val", "test"} <= set(split_of.values())
    assert len(split_of) < len(entries)  # some patients have more than one recording


def test_findings_option_builds_the_corpus_around_them(tmp_path):
    manifest = generate_corpus(tmp_path, 4, 0.5, seed=2, findings=["seizure", "lpd"], workers=1)
    for entry in read_manifest(manifest):
        names = {f["name"] for f in entry["findings"]}
        assert names & {"seizure", "lpd"}
        assert not names & {"generalized_spike_wave", "burst_suppression", "excess_beta"}


def test_bad_options_are_refused_with_a_clear_message(tmp_path):
    with pytest.raises(ConfigError, match="unknown finding"):
        generate_corpus(tmp_path, 1, 1, seed=0, findings=["spikes"])
    with pytest.raises(ConfigError, match="sampling rate"):
        generate_corpus(tmp_path, 1, 1, seed=0, sfreq=200)
    with pytest.raises(ConfigError, match="out of range"):
        generate_corpus(tmp_path, 1, 0.01, seed=0)


def test_a_29_february_start_writes_a_valid_birth_date(tmp_path):
    """Seed 11 draws a recording started on 29 February (found by the GUI's test corpus)."""
    manifest = generate_corpus(tmp_path, n=8, minutes=0.2, seed=11, workers=1)
    assert len(manifest.read_text().splitlines()) == 8
