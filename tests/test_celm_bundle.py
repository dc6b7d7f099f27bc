"""A bundle carries the report generator (manifest entry, checksums); the analysis drafts with
it beside the assembled draft, each unsupported sentence marked in the JSON and the HTML."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from elm_desktop.clinical.draft_check import checked_generation
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.errors import BundleError, ConfigError
from elm_desktop.runtime.bundle import MANIFEST, Bundle, write_generator
from elm_desktop.runtime.draft_generator import parse_sections
from tests.gui.conftest import write_edf
from tests.test_celm_draft_check import DRAFT, _scores

torch = pytest.importorskip("torch")


def _tiny_generator(folder, muscle: bool = False, n_findings: int = 0):
    """A trained tiny scratch generator's checkpoint, its ONNX files and its prompt."""
    from elm_desktop.training.celm.onnx_export import export_generator
    from elm_desktop.training.celm.onnx_greedy import DECODER_FILE, PREFIX_FILE, TOKENIZER_FILE
    from elm_desktop.training.celm.prompt import chat_text
    from elm_desktop.training.celm.trainer import build_generator, fit
    from tests.test_celm_scratch import _config, _examples

    config = _config(measured_muscle=muscle, finding_scores=bool(n_findings))
    examples = _examples(muscle=muscle, n_findings=n_findings)
    generator = build_generator(config, examples)
    fit(generator, examples, config)
    checkpoint = generator.save(folder / "ckpt")
    exported = export_generator(generator, checkpoint, folder / "onnx")
    files = {
        "file": exported / DECODER_FILE,
        "prefix": exported / PREFIX_FILE,
        "tokenizer": exported / TOKENIZER_FILE,
    }
    prompt = chat_text(generator.tokenizer, config.model.sections, "")
    return checkpoint, files, prompt


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return _tiny_generator(tmp_path_factory.mktemp("tiny-generator"))


@pytest.fixture
def generator_bundle(tmp_path, elm_bundle, tiny):
    bundle = shutil.copytree(elm_bundle, tmp_path / "bundle")
    entry = {"prompt": tiny[2], "sections": ["IMPRESSION"], "max_new_tokens": 64}
    return write_generator(bundle, tiny[1], {**entry, "source": {"checkpoint": "tiny"}})


def test_the_generator_is_signed_into_the_bundle(generator_bundle, elm_bundle):
    assert Bundle.load(elm_bundle).generator is None
    bundle = Bundle.load(generator_bundle)
    assert bundle.generator["file"] == "generator.onnx"
    assert {"generator.onnx", "generator_prefix.npz"} <= set(bundle.manifest["files"])
    with open(generator_bundle / "generator_prefix.npz", "ab") as stream:
        stream.write(b"\0")
    with pytest.raises(BundleError, match="generator_prefix.npz does not match its sha256"):
        Bundle.load(generator_bundle)


def test_an_incomplete_generator_entry_is_refused(tmp_path, elm_bundle, tiny):
    bundle = shutil.copytree(elm_bundle, tmp_path / "bundle")
    with pytest.raises(BundleError, match="lacks prompt"):
        write_generator(bundle, tiny[1], {"sections": ["IMPRESSION"], "max_new_tokens": 4})
    assert "generator" not in json.loads((bundle / MANIFEST).read_text())


def test_a_generator_of_another_encoder_is_refused(tmp_path, elm_bundle, tiny):
    from elm_desktop.training.celm.bundle_export import add_generator

    bundle = shutil.copytree(elm_bundle, tmp_path / "bundle")
    # The tiny generator names no encoder that exists here; the random bundle has no source.
    with pytest.raises(ConfigError, match="trained against"):
        add_generator(bundle, tiny[0])


def test_the_analysis_drafts_with_the_generator_beside_the_assembled_draft(
    generator_bundle, elm_bundle, tmp_path
):
    from elm_desktop.analysis import analyze, generate_draft
    from elm_desktop.runtime import Engine

    recording = write_edf(tmp_path / "short.edf")
    plain = analyze(recording, Engine(Bundle.load(elm_bundle), device="cpu"))
    assert plain.generated is None and plain.to_dict()["generated_draft"] is None
    engine = Engine(Bundle.load(generator_bundle), device="cpu")
    result = analyze(recording, engine)
    assert result.draft is not None and result.generated is not None
    summary = result.to_dict()["generated_draft"]
    assert summary["label"] == "DRAFT" and summary["generator"] == "tiny"
    # The tiny generator learned the section JSON of its two reports.
    assert list(summary["sections"]) == ["IMPRESSION"] and summary["sentences"]
    streamed: list[str] = []
    again = generate_draft(result, engine, load_knowledge_base(), streamed.append)
    assert len(streamed) > 1 and parse_sections(streamed[-1]) == again.sections


def test_unsupported_sentences_are_marked_in_json_and_html():
    from elm_desktop.clinical.html import _generated_draft

    kb = load_knowledge_base()
    draft = checked_generation(DRAFT, _scores(kb), kb, True, "g")
    summary = draft.to_dict()
    marked = [s for s in summary["sentences"] if not s["supported"]]
    assert marked and {s["section"] for s in marked} == {"DESCRIPTION OF THE RECORD", "IMPRESSION"}
    assert summary["unsupported"] == len(marked)
    assert all(f"[unsupported: {s['note']}] {s['text']}" in summary["marked_text"] for s in marked)
    page = "\n".join(_generated_draft(summary))
    assert "DRAFT" in page and page.count("<mark>[unsupported:") == len(marked) + 1  # + legend
    # Marked, not removed: every generated sentence is still there.
    assert all(s["text"] in page for s in summary["sentences"])


def test_a_caveat_follows_its_sentence_in_json_and_html():
    from elm_desktop.clinical.html import _generated_draft

    kb = load_knowledge_base()
    over = {"focal_slowing": min(1.0, kb["focal_slowing"].threshold + 0.1)}
    draft = checked_generation(
        DRAFT, _scores(kb, **over), kb, True, "g", only_during={"focal_slowing": "sleep"}
    )
    # The description's slowing and the impression's
    qualified = [s for s in draft.to_dict()["sentences"] if s["caveat"]]
    assert len(qualified) == 2
    page = "\n".join(_generated_draft(draft.to_dict()))
    for sentence in qualified:
        assert sentence["caveat"] == "only during sleep" and sentence["supported"]
        assert f"{sentence['text']} [only during sleep]" in draft.marked_text()
        assert f"{sentence['text']} [only during sleep]" in page


def test_the_shipped_generator_drafts_every_section(demo_engine, tmp_path):
    import dataclasses

    from elm_desktop.analysis import analyze, generate_draft

    if demo_engine.bundle.generator is None:
        pytest.skip("this demo bundle was exported without --generator")
    result = analyze(write_edf(tmp_path / "alpha.edf"), demo_engine)
    # This test recording is unlike the demo model's synthetic family (its draft is withheld,
    # below); taken as familiar, the generator drafts it.
    result.familiarity = dataclasses.replace(result.familiarity, reasons=(), percentile=0.5)
    generated = generate_draft(result, demo_engine, load_knowledge_base())
    assert generated is not None and generated.finished
    assert tuple(generated.sections) == tuple(demo_engine.bundle.generator["sections"])
    assert all(generated.sections.values())


def test_no_draft_is_generated_for_a_recording_unlike_the_training_data(demo_engine, tmp_path):
    """The generator's sentences would state findings on a recording whose scores do not apply."""
    import dataclasses

    from elm_desktop.analysis import analyze, generate_draft
    from elm_desktop.clinical.html import _generated_draft

    if demo_engine.bundle.generator is None:
        pytest.skip("this demo bundle was exported without --generator")
    result = analyze(write_edf(tmp_path / "alpha.edf"), demo_engine)
    assert result.familiarity is not None
    result.familiarity = dataclasses.replace(
        result.familiarity, reasons=("its signal lies far from the training data",)
    )
    streamed: list[str] = []
    generated = generate_draft(result, demo_engine, load_knowledge_base(), streamed.append)
    assert generated is not None and not streamed and generated.sections == {}
    assert generated.withheld == f"No draft generated: {result.familiarity.statement}"
    summary = generated.to_dict()
    assert summary["withheld"] == generated.withheld and summary["sentences"] == []
    assert generated.marked_text() == generated.withheld
    assert any("No draft generated" in part for part in _generated_draft(summary))


def test_no_draft_is_generated_for_a_recording_only_fairly_typical_of_the_training_data(
    demo_engine, tmp_path
):
    """Not flagged unlike the training data, but beyond the generator's stricter bar."""
    import dataclasses

    from elm_desktop.analysis import GENERATION_MAX_PERCENTILE, analyze, generate_draft

    if demo_engine.bundle.generator is None:
        pytest.skip("this demo bundle was exported without --generator")
    result = analyze(write_edf(tmp_path / "alpha.edf"), demo_engine)
    typical = dataclasses.replace(result.familiarity, reasons=(), percentile=0.5)
    for percentile, withheld in ((GENERATION_MAX_PERCENTILE + 0.05, True), (0.5, False)):
        result.familiarity = dataclasses.replace(typical, percentile=percentile)
        generated = generate_draft(result, demo_engine, load_knowledge_base())
        assert bool(generated.withheld) is withheld
        if withheld:
            assert generated.sections == {} and f"{percentile:.1%}" in generated.withheld


def test_a_generator_trained_with_the_muscle_index_reads_the_measured_one(
    tmp_path, elm_bundle, monkeypatch
):
    from dataclasses import replace

    from elm_desktop.analysis import analyze, generate_draft
    from elm_desktop.runtime import Engine
    from elm_desktop.runtime.draft_generator import BundleGenerator

    checkpoint, files, prompt = _tiny_generator(tmp_path / "tiny-muscle", muscle=True)
    bundle = shutil.copytree(elm_bundle, tmp_path / "bundle")
    entry = {"prompt": prompt, "sections": ["IMPRESSION"], "max_new_tokens": 64, "crops": 12}
    entry |= {"measured_muscle": True, "source": {"checkpoint": "tiny-muscle"}}
    write_generator(bundle, files, entry)
    seen = []
    stream = BundleGenerator.stream
    monkeypatch.setattr(
        BundleGenerator,
        "stream",
        lambda self, crops, *a: seen.append(crops) or stream(self, crops, *a),
    )
    engine = Engine(Bundle.load(bundle), device="cpu")
    # Two minutes: 24 crops, of which the generator is given 12 evenly spaced ones.
    result = analyze(write_edf(tmp_path / "two-minutes.edf", seconds=120), engine)
    assert list(result.generated.sections) == ["IMPRESSION"]
    crops = seen[-1]
    chosen = np.linspace(0, result.n_crops - 1, 12).round().astype(int)
    assert crops.shape == (12, result.crop_embeddings.shape[1] + 1)
    np.testing.assert_allclose(crops[:, :-1], result.crop_embeddings[chosen])
    np.testing.assert_allclose(crops[:, -1], np.asarray(result.muscle_artifact.crop_index)[chosen])
    # Without a measurement the draft is withheld, saying why, not decoded from the wrong width.
    withheld = generate_draft(replace(result, muscle_artifact=None), engine, load_knowledge_base())
    assert not withheld.sections and "muscle" in withheld.withheld


def _scores_entry(result, reads, prompt):
    """A manifest entry of a generator reading ``reads``' scores as ``result`` has them."""
    scored = {f.finding_id: f for f in result.findings}
    reading = {
        "finding_ids": reads,
        "prompt_style": result.prompt_style,
        "thresholds": [scored[f].threshold for f in reads],
    }
    entry = {"prompt": prompt, "sections": ["IMPRESSION"], "max_new_tokens": 64}
    return entry | {"finding_scores": reading, "source": {"checkpoint": "tiny-scores"}}


def test_a_generator_reading_finding_scores_is_given_the_recordings_own(
    tmp_path, elm_bundle, monkeypatch
):
    from dataclasses import replace

    from elm_desktop.analysis import analyze, generate_draft
    from elm_desktop.runtime import Engine
    from elm_desktop.runtime.draft_generator import BundleGenerator, score_margins

    _, files, prompt = _tiny_generator(tmp_path / "tiny-scores", n_findings=2)
    recording = write_edf(tmp_path / "short.edf")
    plain = analyze(recording, Engine(Bundle.load(elm_bundle), device="cpu"), generate=False)
    reads = ["normal", "focal_slowing"]
    entry = _scores_entry(plain, reads, prompt)
    bundle = write_generator(shutil.copytree(elm_bundle, tmp_path / "bundle"), files, entry)
    seen = []
    stream = BundleGenerator.stream
    monkeypatch.setattr(
        BundleGenerator,
        "stream",
        lambda self, crops, *a: seen.append(a[-1]) or stream(self, crops, *a),
    )
    engine = Engine(Bundle.load(bundle), device="cpu")
    result = analyze(recording, engine)
    assert list(result.generated.sections) == ["IMPRESSION"]
    scored = {f.finding_id: f for f in result.findings}
    expected = score_margins(
        np.array([scored[f].probability for f in reads]),
        np.array([scored[f].threshold for f in reads]),
    )
    np.testing.assert_allclose(seen[-1], expected)
    assert (seen[-1] > 0).tolist() == [scored[f].present for f in reads]

    # Scores it cannot read as it was trained to: no draft, and why.
    def withheld(changed):
        draft = generate_draft(changed, engine, load_knowledge_base())
        assert not draft.sections
        return draft.withheld

    unscored = [f for f in result.findings if f.finding_id != "normal"]
    assert "not scored: normal" in withheld(replace(result, findings=unscored))
    assert "none was scored" in withheld(replace(result, findings=[]))
    assert "scored with plain prompts" in withheld(replace(result, prompt_style="plain"))
    moved = [
        replace(f, threshold=f.threshold + 0.01) if f.finding_id == "focal_slowing" else f
        for f in result.findings
    ]
    assert "differ for focal_slowing" in withheld(replace(result, findings=moved))


def test_a_generator_entry_must_name_as_many_findings_as_its_prefix_reads(tmp_path, elm_bundle):
    from elm_desktop.analysis import analyze
    from elm_desktop.runtime import Engine

    _, files, prompt = _tiny_generator(tmp_path / "tiny-scores", n_findings=2)
    recording = write_edf(tmp_path / "short.edf")
    plain = analyze(recording, Engine(Bundle.load(elm_bundle), device="cpu"), generate=False)
    entry = _scores_entry(plain, ["normal"], prompt)
    bundle = write_generator(shutil.copytree(elm_bundle, tmp_path / "bundle"), files, entry)
    # The analysis stands; its generated draft is withheld, saying why.
    result = analyze(recording, Engine(Bundle.load(bundle), device="cpu"))
    assert result.draft is not None and not result.generated.sections
    assert "2 finding-score tokens, its manifest entry names 1" in result.generated.withheld
    with pytest.raises(BundleError, match="finding_scores without"):
        write_generator(bundle, files, entry | {"finding_scores": {"finding_ids": ["normal"]}})


def test_a_generator_is_exported_only_with_the_scores_it_was_trained_on(tmp_path):
    from elm_desktop.training.celm.bundle_export import checked_score_reading
    from elm_desktop.training.celm.config import CelmModelConfig
    from elm_desktop.training.celm.examples import score_reading, scoring_knowledge_base

    encoder = tmp_path / "encoder"  # no phenotypes.toml: the built-in knowledge base
    encoder.mkdir()
    config = CelmModelConfig(
        language_model="scratch", mode="full", finding_scores=True, encoder_checkpoint=str(encoder)
    )
    reading = score_reading(scoring_knowledge_base(encoder))
    n = len(reading["finding_ids"])
    notes = {"finding_scores": reading}
    assert checked_score_reading(tmp_path, config, notes, n) == reading
    with pytest.raises(ConfigError, match="notes do not say which"):
        checked_score_reading(tmp_path, config, {}, n)
    # Calibrated again since: its margins would mean something else.
    (encoder / "phenotypes.toml").write_text("[findings.focal_slowing]\nthreshold = 0.9\n")
    with pytest.raises(ConfigError, match=r"their thresholds changed"):
        checked_score_reading(tmp_path, config, notes, n)
