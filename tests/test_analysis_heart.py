"""The analysis states the EKG's heart rate in the draft, as the EKG shows it, and only then."""

from __future__ import annotations

import re

import pytest

from elm_desktop.analysis import analyze
from elm_desktop.runtime import Engine
from elm_desktop.synth import generate_corpus, read_manifest

pytestmark = pytest.mark.usefixtures("module_data_dir")

_WORDS = {
    "sinus": "regular rhythm",
    "sinus_bradycardia": "regular rhythm",
    "sinus_tachycardia": "regular rhythm",
    "atrial_fibrillation": "irregularly irregular",
    "premature_beats": "premature beats",
}


def _introduction(result) -> list[str]:
    section = next(s for s in result.draft.sections if s.title == "INTRODUCTION")
    return [s.text for s in section.sentences]


def test_draft_heart_line_matches_the_ekg_truth(tmp_path, elm_bundle):
    manifest = generate_corpus(tmp_path, n=6, minutes=1, seed=8, workers=1)
    entries = read_manifest(manifest)
    engine = Engine(elm_bundle, device="cpu")
    with_ekg = [e for e in entries if e["ekg"] is not None]
    without = [e for e in entries if e["ekg"] is None]
    assert with_ekg, "the seed must give a recording with an EKG"
    distinct = list({e["ekg"]["rhythm"]: e for e in reversed(with_ekg)}.values())
    assert len(distinct) >= 2
    for entry in distinct[:3] + without[:1]:
        said = [
            line
            for line in _introduction(analyze(tmp_path / entry["edf"], engine))
            if "EKG" in line
        ]
        truth = entry["ekg"]
        if truth is None:
            assert said == []
            continue
        assert len(said) == 1
        assert _WORDS[truth["rhythm"]] in said[0]
        rate = float(re.search(r"(\d+) bpm", said[0]).group(1))
        if not truth["ictal"]:
            assert rate == pytest.approx(truth["rate_bpm"], abs=2.0)
