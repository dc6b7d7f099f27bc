"""Analysing an ECG file: the CLI's JSON and HTML, the knowledge base, the lead-order check."""

from __future__ import annotations

import json

import numpy as np
import pytest

from elm_desktop.analysis_ecg import analyze_ecg, ecg_knowledge_base
from elm_desktop.cli import main
from elm_desktop.errors import BundleError
from elm_desktop.runtime import Engine
from elm_desktop.signals.ecg import read_ecg
from elm_desktop.training.ecg.data import ECG_CLASSES
from tests.ecg_model.conftest import swap_labels


@pytest.fixture(scope="module")
def ecg_engine(ecg_bundle):
    return Engine(ecg_bundle, device="cpu")


def test_knowledge_base_has_every_class_with_knowledge_and_plain_prompts():
    kb = ecg_knowledge_base()
    assert kb.list_findings() == list(ECG_CLASSES)
    for finding in kb.values():
        assert finding.knowledge and finding.plain
        assert set(finding.knowledge) != set(finding.plain)


def test_analyze_ecg_scores_every_finding_and_prompts(ecg_engine, ecg_corpus):
    result = analyze_ecg(ecg_corpus / "ecg-r00002.hea", ecg_engine, prompts=["atrial flutter"])
    assert result.complete and result.n_crops == 1 and result.window_s == 10.0
    assert [f.finding_id for f in result.findings] == list(ECG_CLASSES)
    assert all(0.0 < f.probability < 1.0 for f in result.findings)
    assert result.prompts[0].prompt == "atrial flutter"
    assert "synthetic 12-lead ECG only" in result.provenance
    summary = result.to_dict()
    assert "ecg-r00002" not in json.dumps(summary)  # an opaque id names the recording


def test_an_eeg_bundle_refuses_an_ecg(elm_bundle, ecg_corpus):
    with pytest.raises(BundleError, match="reads EEG, not ECG"):
        analyze_ecg(ecg_corpus / "ecg-r00000.hea", Engine(elm_bundle, device="cpu"))


def test_cli_analyze_writes_json_and_html_for_an_ecg(ecg_bundle, ecg_corpus, tmp_path, capsys):
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    code = main(
        [
            "analyze",
            str(ecg_corpus / "ecg-r00003.hea"),
            "--model",
            str(ecg_bundle),
            "--prompt",
            "wide QRS complexes",
            "--json",
            str(out_json),
            "--html",
            str(out_html),
        ]
    )
    assert code == 0
    summary = json.loads(out_json.read_text())
    assert summary["recording"]["modality"] == "ecg"
    assert summary["recording"]["channels"][4:6] == ["aVL", "aVF"]
    # The acquisition's time of day, as the header gives it (serial ECGs are told apart by
    # it); never its date.
    start = read_ecg(ecg_corpus / "ecg-r00003.hea").start
    assert summary["recording"]["start_time_of_day"] == f"{start:%H:%M:%S}"
    assert f"{start:%Y-%m-%d}" not in out_json.read_text()
    assert len(summary["findings"]) == len(ECG_CLASSES)
    # The findings the draft does not rule out are the ones its verdicts call so.
    draft = summary["draft"]
    assert set(draft["unruled"]) == {
        f for f, verdict in draft["verdicts"].items() if "not ruled out" in verdict
    }
    assert summary["prompts"][0]["prompt"] == "wide QRS complexes"
    html = out_html.read_text()
    assert "Atrial fibrillation" in html and "<html" in html.lower()
    assert "Posterior rhythm" not in html and "Muscle artifact" not in html  # EEG measurements
    # One 10 s window: no course over time to draw, no empty time columns.
    assert "Attention over the recording" not in html and "Most evident at" not in html
    assert "crops of 10 s" in capsys.readouterr().out
    # The tracing it rests on, on paper, and the ST level of each lead as the summary has it.
    assert "<h2>Tracing</h2>" in html and 'height="160mm"' in html
    assert "Top segments" not in html  # an EEG's traces
    measured = summary["ecg_measurements"]
    for lead in ("V1", "aVF"):
        at_j, after_j = measured["st_j_mv"][lead], measured["st_mv"][lead]
        assert f"<tr><td>{lead}</td><td>{at_j:+.2f}</td><td>{after_j:+.2f}</td>" in html


def test_swapped_avl_avf_is_detected_and_changes_the_scores(ecg_engine, ecg_corpus, tmp_path):
    header = ecg_corpus / "ecg-r00004.hea"
    swapped = swap_labels(header, tmp_path / "swapped")
    plain = analyze_ecg(header, ecg_engine)
    crossed = analyze_ecg(swapped, ecg_engine)
    assert "carries" not in plain.notice
    assert crossed.notice.startswith("The lead labelled aVL carries aVF.")  # first, a sentence
    change = np.abs(
        np.array([f.probability for f in plain.findings])
        - np.array([f.probability for f in crossed.findings])
    )
    assert change.max() > 1e-4  # the model sees the leads where their labels put them


def test_an_ecg_shorter_than_ten_seconds_says_so_whatever_the_model_calls(
    ecg_engine, ecg_corpus, tmp_path
):
    """A trial analysed a 1 s file in full with no word of its length."""
    from elm_desktop.synth.ecg.writers import write_wfdb

    whole = read_ecg(ecg_corpus / "ecg-r00004.hea")
    sfreq = int(whole.sfreq)
    short = write_wfdb(
        tmp_path / "short", whole.samples_mv[:, : 3 * sfreq], sfreq, whole.leads, whole.start
    )
    assert "lasts only 3.0 s, under the standard 10 s" in analyze_ecg(short, ecg_engine).notice
    assert "lasts only" not in analyze_ecg(ecg_corpus / "ecg-r00004.hea", ecg_engine).notice
