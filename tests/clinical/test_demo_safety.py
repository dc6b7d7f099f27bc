"""The demo model on the demo recording: the draft states only what the recording shows.

The demo recording (``elm-desktop demo``) holds continuous left temporal slowing, left temporal
spikes and one seizure of left temporal onset at 0:15:52-0:17:40, photic stimulation and no
hyperventilation. These are the faults the draft once had on it: the seizure's jump and "most
evident at" pointed to a photic stimulation block; the draft said hyperventilation produced a
build-up; no finding had a side. The full figures on 50 + 84 synthetic recordings come from
``elm-desktop evaluate-drafts`` (``benchmarks/results/draft-safety.md``).
"""

from __future__ import annotations

import json

import pytest

from elm_desktop.analysis import analyze
from elm_desktop.clinical.consistency import contradictions
from elm_desktop.clinical.evaluation import SEIZURE_PROMPT
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.synth import read_manifest
from elm_desktop.synth.demo import build_demo

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("module_data_dir")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_engine):
    data = build_demo(tmp_path_factory.mktemp("demo"))
    (truth,) = read_manifest(data.manifest)
    return truth, analyze(data.recording, demo_engine, prompts=[SEIZURE_PROMPT])


def test_the_seizure_jump_lands_in_the_seizure_and_has_its_side(demo):
    truth, result = demo
    ((start, end),) = next(f for f in truth["findings"] if f["name"] == "seizure")["intervals"]
    seizure = result.finding("seizure")
    jump = seizure.top_segments[0]
    assert start <= (jump.start_s + jump.end_s) / 2 <= end
    assert result.locations["seizure"].side == "left"
    # Its strongest 10 s rise less over this 20-minute record of continuous left temporal
    # slowing and spikes than a seizure-free recording as long commonly does (its rise placed
    # for the length): neither stated nor denied, and the reviewer is told so.
    assert "Electrographic seizure: not stated: " in result.draft.text()
    assert "its absence not stated either" in result.draft.held["seizure"]
    assert "No seizures were recorded." not in result.draft.text()
    # The demo model scores the record by its record score, and the draft names it so.
    assert (
        "Normal EEG: not stated, the record scores as abnormal (record score "
        in result.draft.text()
    )


def test_the_draft_states_no_hyperventilation_and_no_contradiction(demo):
    truth, result = demo
    assert not any("HV" in note for _, _, note in truth["annotations"])
    text = result.draft.text()
    kb = load_knowledge_base(model_path=None)
    assert kb["hyperventilation_response"].sentence not in text
    assert "Hyperventilation was not performed or not recorded." in text
    assert "Photic stimulation was performed (EDF+ annotations" in text
    # The photic driving response is pointed at inside the stimulation, not in the seizure.
    photic = [a for a in truth["annotations"] if "Photic" in a[2]]
    first, last = min(a[0] for a in photic), max(a[0] + a[1] for a in photic)
    jump = result.finding("photic_driving").top_segments[0]
    assert first - 5.0 < jump.start_s < last
    assert contradictions(text, kb) == []
    # Every lateralised finding the draft asserts carries the true side (left).
    stated = [f for f in result.draft.asserted if f in result.locations]
    assert stated and all(result.locations[f].side == "left" for f in stated)


def test_the_seizure_prompt_peaks_in_the_seizure(demo):
    """Its probability against normal recordings is a corpus figure (evaluate-drafts): on the
    demo alone the 108 s seizure is diluted in 20 minutes of attention-pooled recording."""
    truth, result = demo
    ((start, end),) = next(f for f in truth["findings"] if f["name"] == "seizure")["intervals"]
    (curve,) = result.prompts
    peak = curve.top_segments[0]
    assert start <= (peak.start_s + peak.end_s) / 2 <= end
    assert peak.score == pytest.approx(float(curve.probability[peak.crop]))


def test_exports_name_the_recording_by_id_and_state_provenance(demo):
    _, result = demo
    summary = json.loads(json.dumps(result.to_dict()))
    assert "file" not in summary["recording"] and "demo.edf" not in json.dumps(summary)
    assert result.provenance and result.provenance in summary["notice"]
