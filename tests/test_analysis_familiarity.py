"""Analysis says how far a recording lies from the model's training data (the demo model).

The demo model carries a reference of its training corpus (``model familiarity fit``). Its
generator's own recordings pass; a recording that is not EEG at all (white noise on every
channel) is flagged in the JSON notice, the HTML and the draft. Figures on whole corpora:
``benchmarks/results/familiarity.txt``.
"""

from __future__ import annotations

import json

import pytest

from elm_desktop.analysis import analyze
from elm_desktop.cli.analyze import _print_summary
from elm_desktop.clinical.html import render_html
from elm_desktop.synth import generate_corpus, read_manifest
from tests.conftest import write_white_noise

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("module_data_dir")]


def test_the_generators_own_recordings_pass(demo_engine, tmp_path, capsys):
    manifest = generate_corpus(tmp_path / "corpus", n=4, minutes=1, seed=31, workers=1)
    results = [analyze(manifest.parent / e["edf"], demo_engine) for e in read_manifest(manifest)]
    assert all(r.familiarity is not None for r in results)
    assert sum(r.familiarity.unfamiliar for r in results) <= 1
    familiar = next(r for r in results if not r.familiarity.unfamiliar)
    summary = familiar.to_dict()
    assert summary["familiarity"]["unfamiliar"] is False
    assert "unlike the model's training data" not in summary["notice"]
    assert "may not apply" not in familiar.draft.text()
    # The terminal says so too, as the panel does, not only when it warns.
    _print_summary(familiar)
    assert f"familiarity: {familiar.familiarity.statement}" in capsys.readouterr().out


def test_noise_is_flagged_everywhere_the_scores_are_shown(demo_engine, tmp_path):
    result = analyze(write_white_noise(tmp_path / "noise.edf"), demo_engine)
    assert result.familiarity.unfamiliar
    statement = result.familiarity.statement
    assert "synthetic EEG only" in statement  # names what the model was trained on
    summary = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    # The notice warns once and names the training data once (its provenance leads it).
    assert result.familiarity.warning in summary["notice"]
    assert summary["notice"].count("synthetic EEG only") == 1
    assert summary["familiarity"]["unfamiliar"] is True
    assert statement in result.draft.text()
    # The model's reading stays out of the report's own sections: no finding, no impression.
    sections = {section.title: section for section in result.draft.sections}
    description = " ".join(s.text for s in sections["DESCRIPTION OF THE RECORD"].sentences)
    assert "not stated here because the recording is unlike" in description
    assert [s.text for s in sections["IMPRESSION"].sentences] == [
        "[To be completed by the reviewer.]"
    ]
    assert result.draft.asserted == []
    # The JSON and the summary say what the draft says: the impression is the reviewer's.
    assert summary["draft"]["impression"] == "left to the reviewer"
    assert "withheld: the recording is unlike" in summary["draft"]["reasons"][-1]
    html = render_html(summary, [])
    assert "UNLIKE the training data" in html
    assert '<tr class="present">' not in html
