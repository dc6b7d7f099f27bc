"""``elm-desktop model verify|info|import-elm`` through the command's own parser."""

from __future__ import annotations

import argparse
import shutil

import pytest

from elm_desktop.cli import model as model_cli
from elm_desktop.errors import BundleError, ConfigError
from elm_desktop.runtime import Bundle


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    model_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["model", *argv])
    return args.handler(args)


def test_verify_accepts_a_good_bundle(elm_bundle, capsys):
    assert run("verify", str(elm_bundle)) == 0
    out = capsys.readouterr().out
    assert (
        "checksums:" in out
        and "text graph: runs" in out
        and out.rstrip().endswith("gated attention")
    )


def test_verify_refuses_a_damaged_bundle(eeg_only_bundle, tmp_path):
    copy = shutil.copytree(eeg_only_bundle, tmp_path / "copy")
    (copy / "eeg_encoder.onnx").write_bytes(b"not a graph")
    with pytest.raises(BundleError, match="does not match its sha256"):
        run("verify", str(copy))


def test_info_says_where_it_runs_and_why(eeg_only_bundle, capsys):
    assert run("info", str(eeg_only_bundle), "--device", "cpu") == 0
    out = capsys.readouterr().out
    assert "EEG only" in out and "uniform" in out
    assert "runs on: CPUExecutionProvider (CPU requested)" in out


def test_import_elm_makes_an_eeg_only_bundle(elm_reference, tmp_path, capsys):
    checkpoint = elm_reference / "5s" / "model_0_checkpoint.pt"
    assert run("import-elm", str(checkpoint), "--window", "5s", "--out", str(tmp_path / "b")) == 0
    bundle = Bundle.load(tmp_path / "b")
    assert not bundle.has_text and bundle.attention_kind == "uniform"
    assert bundle.n_samples == 500
    assert bundle.manifest["source"]["released_file"] is True
    assert "do not redistribute" in bundle.manifest["source"]["licence"]
    assert "EEG only" in capsys.readouterr().out


def test_import_elm_refuses_the_wrong_window(elm_reference, tmp_path):
    checkpoint = elm_reference / "60s" / "model_0_checkpoint.pt"
    with pytest.raises(ConfigError, match="--window 60s"):
        run("import-elm", str(checkpoint), "--window", "5s", "--out", str(tmp_path / "b"))
    assert not (tmp_path / "b").exists()


def test_calibrate_stores_thresholds_that_analysis_uses(
    elm_bundle, tmp_path, isolated_data_dir, capsys, monkeypatch
):
    from collections import Counter

    import elm_desktop.clinical.evaluation as evaluation
    from elm_desktop.analysis import analyze
    from elm_desktop.clinical.knowledge import load_knowledge_base
    from elm_desktop.runtime import Engine
    from elm_desktop.synth import generate_corpus, read_manifest

    manifest = generate_corpus(tmp_path / "corpus", n=6, minutes=0.5, seed=5, workers=1)
    # A model trained on several corpora is calibrated on all of them (a folder or a manifest).
    other = generate_corpus(tmp_path / "other", n=6, minutes=0.5, seed=6, workers=1)
    entries = read_manifest(manifest)
    split = Counter(e["split"] for e in entries).most_common(1)[0][0]
    n_split = sum(e["split"] == split for e in entries + read_manifest(other))
    bundle = shutil.copytree(elm_bundle, tmp_path / "bundle")
    out = tmp_path / "thresholds.toml"
    # So few recordings hold few of each finding: a bar from one, to see the bars written.
    monkeypatch.setattr(evaluation, "MIN_RULE_OUT_POSITIVES", 1)
    assert run("calibrate", str(bundle), "--corpus", str(manifest), "--corpus", str(other.parent),
               "--split", split, "--out", str(out), "--prompt-style", "plain",
               "--device", "cpu") == 0  # fmt: skip
    assert (
        f"maximum F1 on the {split} split of corpus, other ({n_split} recordings)"
        in capsys.readouterr().out
    )
    # A corpus the model never saw (e.g. of longer recordings) is calibrated on whole.
    n_whole = sum(e["split"] == split for e in entries) + len(read_manifest(other))
    assert run("calibrate", str(shutil.copytree(elm_bundle, tmp_path / "whole")), "--corpus",
               str(manifest), "--unseen-corpus", str(other.parent), "--split", split,
               "--prompt-style", "plain", "--device", "cpu") == 0  # fmt: skip
    assert (
        f"maximum F1 on the {split} split of corpus and every recording of other "
        f"({n_whole} recordings)" in capsys.readouterr().out
    )

    loaded = Bundle.load(bundle)  # re-signed: the checksums cover the new file
    assert loaded.phenotypes.read_text() == out.read_text()
    calibrated = {
        f.id: f.threshold for f in load_knowledge_base(model_path=loaded.phenotypes).values()
    }
    changed = {k for k, v in calibrated.items() if v != load_knowledge_base()[k].threshold}
    assert changed  # "normal" has both classes among the calibration recordings
    # Rule-out bars for abnormal findings with a calibrated threshold only.
    findings = load_knowledge_base(model_path=loaded.phenotypes)
    barred = {f.id for f in findings.values() if f.rule_out is not None}
    assert barred and barred <= changed and all(findings[f].abnormal for f in barred)
    engine = Engine(loaded, device="cpu")
    recording = tmp_path / "corpus" / entries[0]["edf"]
    result = analyze(recording, engine)
    scores = {s.finding_id: s for s in result.findings}
    assert all(scores[k].threshold == calibrated[k] for k in changed)
    # The bundle scores with the style it was calibrated for, unless asked otherwise.
    assert result.prompt_style == "plain" and result.to_dict()["prompt_style"] == "plain"
    plain = analyze(recording, engine, prompt_style="plain").findings
    knowledge = analyze(recording, engine, prompt_style="knowledge").findings
    assert [s.probability for s in result.findings] == [s.probability for s in plain]
    assert [s.probability for s in result.findings] != [s.probability for s in knowledge]

    assert run("info", str(bundle), "--device", "cpu") == 0
    assert "finding thresholds: maximum F1" in capsys.readouterr().out

    # The user's own threshold still wins, and an altered file is refused.
    name = sorted(changed)[0]
    (isolated_data_dir / "phenotypes.toml").write_text(f"[findings.{name}]\nthreshold = 0.123\n")
    again = analyze(tmp_path / "corpus" / entries[0]["edf"], engine).findings
    assert {s.finding_id: s.threshold for s in again}[name] == 0.123
    loaded.phenotypes.write_text(f"[findings.{name}]\nthreshold = 0.99\n")
    with pytest.raises(BundleError, match="does not match its sha256"):
        Bundle.load(bundle)


def test_calibrate_with_the_record_score_stores_its_reference(elm_bundle, tmp_path, capsys):
    from collections import Counter

    import numpy as np

    from elm_desktop.analysis import analyze
    from elm_desktop.cli.analyze import _truth
    from elm_desktop.clinical.evaluation import calibrate_thresholds
    from elm_desktop.clinical.knowledge import load_knowledge_base
    from elm_desktop.clinical.record_score import has_finding_score
    from elm_desktop.clinical.signal_features import out_of_fold_probabilities
    from elm_desktop.runtime import Engine
    from elm_desktop.synth import generate_corpus, read_manifest

    # Enough recordings of both kinds for the record score's signal model, and with and without
    # a background finding (a signal model's finding score) and a seizure (an event's).
    manifest = generate_corpus(
        tmp_path / "corpus",
        n=30,
        minutes=0.25,
        seed=6,
        workers=1,
        findings=["seizure", "focal_slowing", "normal"],
    )
    entries = read_manifest(manifest)
    split = Counter(e["split"] for e in entries).most_common(1)[0][0]
    chosen = [e for e in entries if e["split"] == split]
    bundle = shutil.copytree(elm_bundle, tmp_path / "bundle")
    assert run("calibrate", str(bundle), "--corpus", str(manifest), "--split", split,
               "--prompt-style", "plain", "--record-score", "--device", "cpu") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "the record scored by its normal prompt, strongest finding and signal features" in out

    loaded = Bundle.load(bundle)
    assert "[findings.normal]" not in loaded.phenotypes.read_text()  # its threshold: the score's
    calibrated = load_knowledge_base(model_path=loaded.phenotypes)
    supported = [f for f in calibrated.values() if f.calibration_auroc is not None]
    assert supported and all(0.0 <= f.calibration_auroc <= 1.0 for f in supported)
    references = load_knowledge_base(model_path=loaded.phenotypes).record_references
    assert set(references) == {"plain", "knowledge"}
    engine = Engine(loaded, device="cpu")
    raw = load_knowledge_base(user_path=tmp_path / "none.toml")
    for style, reference in references.items():
        assert len(reference.not_normal) == len(chosen) and "seizure" in reference.findings
        assert reference.signal is not None and len(reference.measured) == len(chosen)
        # A finding score for each abnormal finding present and absent in five or more.
        truth = [_truth(e) for e in chosen]
        enough = {
            f
            for f in reference.findings
            if has_finding_score(raw, f) and 5 <= sum(f in t for t in truth) <= len(chosen) - 5
        }
        assert {"seizure", "focal_slowing"} <= enough == set(reference.finding_references)
        analysed = []
        for entry in chosen:
            recording = tmp_path / "corpus" / entry["edf"]
            scores = {
                s.finding_id: s for s in analyze(recording, engine, prompt_style=style).findings
            }
            plain = analyze(recording, engine, knowledge_base=raw, prompt_style=style)
            alone = {s.finding_id: s.probability for s in plain.findings}
            rises = {s.finding_id: s.event_rise for s in plain.findings}
            assert scores["normal"].probability == pytest.approx(
                reference.normal_probability(alone, plain.signal_features)
            )
            assert scores["normal"].threshold == reference.threshold
            # Findings with a finding score: their prompt's place and their signal model's, or
            # an event's rise's; the others, their prompt's probability.
            for finding_id, alone_p in alone.items():
                found = reference.finding_references.get(finding_id)
                expected = alone_p
                if found is not None:
                    places = found.places(alone_p, plain.signal_features, rise=rises[finding_id])
                    assert (found.free_rises is not None) == (finding_id == "seizure")
                    assert (found.min_rise is not None) == (finding_id == "seizure")
                    assert (found.min_change is not None) == (finding_id == "seizure")
                    if finding_id == "seizure":  # the signal's change read, held to its least
                        assert scores[finding_id].event_change is not None
                        assert scores[finding_id].event_change_limit == found.min_change >= 0
                    expected = float(np.mean(list(places.values())))
                    assert scores[finding_id].threshold == found.threshold
                if finding_id != "normal":
                    assert scores[finding_id].probability == pytest.approx(expected)
            analysed.append((alone, plain.signal_features))
        # Its threshold is the one of maximum F1 on the record scores of those recordings, each
        # with its signal model's probability from a fit without it (as a new recording's).
        labels = {"normal": ["normal" in _truth(e) for e in chosen]}
        held_out = out_of_fold_probabilities(
            np.stack([f for _, f in analysed]), ~np.array(labels["normal"])
        )
        record_scores = [
            reference.normal_probability(alone, None, p)
            for (alone, _), p in zip(analysed, held_out, strict=True)
        ]
        expected = calibrate_thresholds(labels, {"normal": record_scores})
        assert reference.threshold == pytest.approx(expected.get("normal", 0.5), abs=1e-4)
