"""Headless analysis: a synthetic recording through the real engine, archive and draft."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import numpy as np
import pytest

import elm_desktop.analysis as analysis
from elm_desktop.analysis import analyze, score_prompt
from elm_desktop.archive import content_hash, open_archive
from elm_desktop.archive.ingest import model_id
from elm_desktop.cli.analyze import archive_case
from elm_desktop.clinical import EmptyPromptError, load_knowledge_base
from elm_desktop.clinical.event_shape import event_rise
from elm_desktop.clinical.record_score import MUSCLE_MEASURE
from elm_desktop.clinical.sharp_transients import SPIKE_FINDINGS
from elm_desktop.errors import CancelledError, MissingChannelsError
from elm_desktop.progress import CancelToken
from elm_desktop.runtime import Bundle, Engine, recording_embedding, write_manifest
from elm_desktop.signals.preprocess import crop_windows, elm_input
from elm_desktop.signals.recording import open_recording
from elm_desktop.synth import generate_corpus, read_manifest
from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader

# The module-scoped fixtures write the prompt-bank cache: give them their own data folder.
pytestmark = pytest.mark.usefixtures("module_data_dir")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four 2-minute synthetic recordings with reports (fixed seed)."""
    folder = tmp_path_factory.mktemp("corpus")
    manifest = generate_corpus(folder, n=4, minutes=2, seed=3, workers=1)
    return [dict(e, path=folder / e["edf"]) for e in read_manifest(manifest)]


@pytest.fixture(scope="module")
def engine(elm_bundle):
    return Engine(elm_bundle, device="cpu")


@pytest.fixture(scope="module")
def analysed(corpus, engine):
    """Each corpus recording analysed once (no archive), with one free-text prompt."""
    return [analyze(e["path"], engine, prompts=["left temporal sharp waves"]) for e in corpus]


@pytest.fixture(scope="module")
def eeg_only_engine(elm_bundle, tmp_path_factory):
    """The same model without its text tower, as the authors' released weights come."""
    source = Bundle.load(elm_bundle)
    folder = tmp_path_factory.mktemp("eeg-only")
    eeg_file = source.manifest["eeg"]["file"]
    shutil.copy(source.path / eeg_file, folder / eeg_file)
    manifest = {
        k: v
        for k, v in source.manifest.items()
        if k not in ("format", "format_version", "files", "text", "text_int8", "eeg_fp16")
    }
    write_manifest(folder, {**manifest, "name": "eeg-only"})
    return Engine(folder, device="cpu")


def test_analysis_matches_whole_recording_encoding(corpus, engine, analysed):
    path = corpus[0]["path"]
    result = analysed[0]
    crops, starts = crop_windows(elm_input(open_recording(path)), engine.bundle.window_s)
    direct = engine.encode(crops)
    assert result.complete and result.n_crops == len(crops)
    np.testing.assert_allclose(result.crop_starts_s, starts)
    np.testing.assert_allclose(result.crop_embeddings, direct.embeddings, atol=1e-5)
    np.testing.assert_allclose(result.attention, direct.attention_weights, atol=1e-6)
    assert result.attention.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(
        result.recording_embedding,
        recording_embedding(result.crop_embeddings, result.attention),
        atol=1e-6,
    )
    assert result.model == model_id(engine)
    assert result.zero_shot and result.notice is None
    assert (
        result.file_sha256 == content_hash(path) and result.recording_id == content_hash(path)[:12]
    )
    assert result.provenance == "none (random weights)"
    assert [f.finding_id for f in result.findings] == load_knowledge_base().list_findings()
    for score in result.findings:
        assert 0.0 < score.probability < 1.0
        assert score.crop_probability.shape == (len(crops),)
        assert score.present == (score.probability >= score.threshold)
        # Only an event (a seizure) is measured for how far it rises over the recording.
        expected_rise = event_rise(score.crop_probability, result.window_s)
        if score.finding_id == "seizure":
            assert score.event_rise == pytest.approx(expected_rise)
        else:
            assert score.event_rise is None
    (curve,) = result.prompts
    prompt = engine.embed_text(["left temporal sharp waves"])[0]
    np.testing.assert_allclose(curve.similarity, result.crop_embeddings @ prompt, atol=1e-5)
    assert curve.probability.shape == (len(crops),) and 0.0 < curve.recording_probability < 1.0
    assert {"open", "encode", "score", "search", "draft", "total"} <= set(result.timings)
    assert result.draft is not None and result.draft.reasons
    assert result.draft.text().startswith("DRAFT")


def test_free_text_prompt_answers_from_cached_embeddings(engine, analysed):
    result = analysed[1]
    curve = score_prompt(result, engine, "generalized periodic discharges")
    prompt = engine.embed_text(["generalized periodic discharges"])[0]
    np.testing.assert_allclose(curve.similarity, result.crop_embeddings @ prompt, atol=1e-5)
    # Ranked over a 15 s stretch of crops, a segment's score is the curve at its own crop.
    peak = curve.top_segments[0]
    assert peak.score == pytest.approx(float(curve.probability[peak.crop]))
    typed = [c for c in analysed[1].prompts]  # scored in analyze and afterwards alike
    again = score_prompt(result, engine, "  left temporal sharp waves ")
    assert again.prompt == typed[0].prompt
    np.testing.assert_allclose(again.probability, typed[0].probability, atol=1e-5)


@pytest.mark.parametrize("prompt", ["", "  ", "\n\t"])
def test_empty_prompt_is_refused_before_any_model_work(engine, analysed, prompt, monkeypatch):
    def no_model_work(texts):
        raise AssertionError("the text model ran on an empty prompt")

    monkeypatch.setattr(engine, "embed_text", no_model_work)
    with pytest.raises(EmptyPromptError, match="^Type a finding to score: the prompt is empty.$"):
        score_prompt(analysed[0], engine, prompt)
    with pytest.raises(EmptyPromptError):
        analyze(analysed[0].path, engine, prompts=["spikes", prompt])


def test_json_names_the_recording_by_an_opaque_id_and_states_provenance(analysed):
    result = analysed[0]
    summary = json.loads(json.dumps(result.to_dict()))
    assert summary["recording"]["id"] == result.recording_id
    assert summary["recording"]["sha256"] == result.file_sha256
    assert "file" not in summary["recording"]
    assert result.path.name not in json.dumps(summary)
    assert "none (random weights)" in summary["notice"]
    # Each finding says whether the draft holds it, and why (a held one is not a denial).
    for finding in summary["findings"]:
        assert finding["held"] == result.draft.held.get(finding["id"])
        assert finding["prompt_probability"] is None  # no record reference: probabilities
    named = result.to_dict(include_file_name=True)
    assert named["recording"]["file"] == result.path.name


def test_the_posterior_rhythm_is_measured_in_each_recording(corpus, analysed):
    """Measured in the crops, it lies near the generator's true rhythm (and is in the JSON)."""
    clear = 0
    for entry, result in zip(corpus, analysed, strict=True):
        rhythm = result.posterior_rhythm
        summary = json.loads(json.dumps(result.to_dict()))["posterior_rhythm"]
        assert summary["frequency_hz"] == pytest.approx(rhythm.frequency_hz)
        if rhythm.clear:
            clear += 1
            assert abs(rhythm.frequency_hz - entry["pdr_hz"]) <= 1.5, (entry["id"], rhythm)
    assert clear >= 2


def test_muscle_artifact_is_measured_in_each_recording(corpus, analysed):
    """Measured per crop in the temporal derivations, it agrees with the generator's truth."""
    agree = 0
    for entry, result in zip(corpus, analysed, strict=True):
        measured = result.muscle_artifact
        summary = json.loads(json.dumps(result.to_dict()))["muscle_artifact"]
        assert len(summary["crop_index"]) == result.n_crops
        assert summary["present"] == measured.present
        truth = any(
            f["name"] == "artifact" and f["detail"].get("type") == "muscle"
            for f in entry["findings"]
        )
        agree += measured.present == truth
        # Where muscle is measured, it is the artifact score shown; elsewhere the prompt's.
        artifact = next(s for s in result.findings if s.finding_id == "artifact")
        assert (artifact.measure == MUSCLE_MEASURE) == measured.present
    assert agree == len(corpus)


def test_a_spike_finding_is_shown_at_a_spike(corpus, analysed):
    """Each recording with spikes or spike-and-wave has its finding's first segment on one."""
    shown = 0
    for entry, result in zip(corpus, analysed, strict=True):
        for finding in SPIKE_FINDINGS:
            events = [i for f in entry["findings"] if f["name"] == finding for i in f["intervals"]]
            if not events:
                continue
            first = result.finding(finding).top_segments[0]
            assert any(start < first.end_s and end > first.start_s for start, end in events)
            shown += 1
    assert shown == 3


def test_prompt_bank_is_cached_on_disk(corpus, elm_bundle, analysed, module_data_dir, monkeypatch):
    import elm_desktop.clinical.prompt_cache as prompt_cache

    monkeypatch.setenv("ELM_DESKTOP_DATA", str(module_data_dir))
    assert len(list((module_data_dir / "cache" / "prompt-banks").glob("*.bank"))) == 1

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the bank was rebuilt instead of read from disk")

    # A new engine holds nothing in memory: the bank comes from the file, unchanged.
    monkeypatch.setattr(prompt_cache, "build_prompt_bank", no_rebuild)
    result = analyze(corpus[0]["path"], Engine(elm_bundle, device="cpu"))
    assert [f.probability for f in result.findings] == [f.probability for f in analysed[0].findings]


def test_partial_results_stream_before_the_end(corpus, engine, monkeypatch):
    monkeypatch.setattr(analysis, "BLOCK_S", 30.0)
    monkeypatch.setattr(analysis, "PREVIEW_S", 1e6)  # no preview: every partial is exact
    partials = []
    result = analyze(corpus[1]["path"], engine, on_partial=partials.append)
    assert len(partials) >= 2
    assert all(not p.complete and p.draft is None for p in partials)
    sizes = [p.n_crops for p in partials]
    assert sizes == sorted(sizes) and sizes[-1] < result.n_crops
    first = partials[0]
    assert first.attention.sum() == pytest.approx(1.0, abs=1e-5)
    assert len(first.findings) == len(result.findings)
    np.testing.assert_allclose(
        first.crop_embeddings, result.crop_embeddings[: first.n_crops], atol=1e-5
    )
    assert "first_partial" in result.timings


def test_first_partial_previews_the_start_then_blocks_add_to_it(corpus, engine, monkeypatch):
    monkeypatch.setattr(analysis, "PREVIEW_S", 40.0)
    monkeypatch.setattr(analysis, "BLOCK_S", 30.0)
    partials = []
    result = analyze(corpus[1]["path"], engine, on_partial=partials.append)
    preview = int(40.0 / result.window_s)
    # The preview, then the blocks that go past it (the one at 30 s shows less, so is skipped).
    assert [p.n_crops for p in partials] == [preview, *(int(s / result.window_s) for s in (60, 90))]
    # Preprocessed on its own, the first 40 s give crops close to, but not exactly, the final ones.
    difference = np.abs(partials[0].crop_embeddings - result.crop_embeddings[:preview])
    assert 0 < difference.max() < 2e-3
    np.testing.assert_allclose(
        partials[1].crop_embeddings, result.crop_embeddings[: partials[1].n_crops], atol=1e-5
    )


def test_cancel_stops_the_analysis(corpus, engine, monkeypatch):
    monkeypatch.setattr(analysis, "BLOCK_S", 30.0)
    token = CancelToken()
    seen = []

    def cancel_after_first(partial):
        seen.append(partial.n_crops)
        token.cancel()

    with pytest.raises(CancelledError):
        analyze(corpus[1]["path"], engine, cancel=token, on_partial=cancel_after_first)
    assert len(seen) == 1


def test_eeg_only_model_gives_everything_but_zero_shot(corpus, eeg_only_engine, tmp_path):
    archive = open_archive(tmp_path / "archive.sqlite")
    for entry in corpus[1:3]:
        prior = analyze(entry["path"], eeg_only_engine)
        archive_case(archive, prior, entry["report"], eeg_only_engine, entry)
    result = analyze(corpus[0]["path"], eeg_only_engine, archive=archive, prompts=["spikes"])
    archive.close()
    assert not result.zero_shot and result.findings == [] and result.prompts == []
    assert "elm-desktop adapt" in result.notice
    assert result.n_crops > 0 and result.attention.sum() == pytest.approx(1.0, abs=1e-5)
    assert len(result.similar_cases) == 2
    assert result.draft.impression == "not assessed"
    # Without segment embeddings the draft borrows from the similar cases' reports.
    borrowed = [s for sec in result.draft.sections for s in sec.sentences if s.origin == "archive"]
    assert borrowed and {s.provenance.case_id for s in borrowed} <= {
        h.case.case_id for h in result.similar_cases
    }
    with pytest.raises(Exception, match="EEG-only"):
        score_prompt(result, eeg_only_engine, "spikes")


def test_archive_gives_similar_cases_and_sourced_sentences(corpus, engine, analysed, tmp_path):
    archive = open_archive(tmp_path / "archive.sqlite")
    ids = [  # the query too: neither found itself nor its report quoted
        archive_case(archive, prior, entry["report"], engine, entry)
        for entry, prior in zip(corpus, analysed, strict=True)
    ]
    result = analyze(corpus[0]["path"], engine, archive=archive)
    archive.close()
    assert {hit.case.case_id for hit in result.similar_cases} == set(ids[1:])
    assert ids[0] not in {s.case_id for s in result.report_segments}
    scores = [hit.score for hit in result.similar_cases]
    assert scores == sorted(scores, reverse=True)
    assert result.report_segments and all(s.text for s in result.report_segments)
    summary = json.loads(json.dumps(result.to_dict()))
    assert len(summary["similar_cases"]) == 3
    assert all("source" not in case for case in summary["similar_cases"])  # no other paths
    # Naming this recording's file names no other: the GUI's exports name their own file.
    named = result.to_dict(include_file_name=True)["similar_cases"]
    assert all("source" not in case for case in named)
    assert summary["draft"]["text"] == result.draft.text()
    for section in summary["draft"]["sections"]:
        for sentence in section["sentences"]:
            assert (sentence["origin"] == "archive") == (sentence["provenance"] is not None)


def test_a_copy_of_the_recording_in_another_file_is_no_prior_case(corpus, demo_engine, tmp_path):
    import mne

    # The same recording exported again (another header, another file): the shipped model.
    raw = mne.io.read_raw_edf(corpus[1]["path"], preload=True, verbose="error")
    raw.set_meas_date(None)
    copy = tmp_path / "exported-again.edf"
    mne.export.export_raw(copy, raw, fmt="edf", verbose="error")
    archive = open_archive(tmp_path / "archive.sqlite")
    cases = [
        archive_case(archive, analyze(e["path"], demo_engine), e["report"], demo_engine)
        for e in corpus
    ]
    copy_case = archive_case(archive, analyze(copy, demo_engine), corpus[1]["report"], demo_engine)

    result = analyze(corpus[1]["path"], demo_engine, archive=archive)
    # Without the rule the copy would come first, at the same signal's similarity.
    unruled = archive.search_similar(result.recording_embedding, k=1, exclude=[cases[1]])
    archive.close()

    assert unruled[0].case.case_id == copy_case and unruled[0].score > 0.99999
    shown = {hit.case.case_id for hit in result.similar_cases}
    assert shown == {cases[0], cases[2], cases[3]}
    assert {s.case_id for s in result.report_segments}.isdisjoint({cases[1], copy_case})
    assert "holds another copy of this recording" in result.notice


def test_archive_of_another_model_is_not_searched(corpus, engine, eeg_only_engine, tmp_path):
    archive = open_archive(tmp_path / "archive.sqlite")
    entry = corpus[1]
    prior = analyze(entry["path"], eeg_only_engine)
    archive_case(archive, prior, entry["report"], eeg_only_engine)
    result = analyze(corpus[0]["path"], engine, archive=archive)
    archive.close()
    assert result.similar_cases == [] and "eeg-only" in result.notice


def test_recording_without_the_montage_electrodes_is_refused(tmp_path, engine):
    path = tmp_path / "two-channels.edf"
    headers = [SignalHeader(f"EEG {name}-REF", -3276.8, 3276.7) for name in ("FP1", "FP2")]
    with EdfWriter(path, headers, 256, 20, dt.datetime(2020, 1, 1), "X X X X", "X") as writer:
        writer.write_block(np.zeros((2, 20 * 256)))
    with pytest.raises(MissingChannelsError, match="ELM montage"):
        analyze(path, engine)


def test_signal_features_are_measured_as_on_the_whole_input(corpus, analysed):
    """Streamed block by block, they equal the features of the whole model input's crops."""
    from elm_desktop.clinical.signal_features import FEATURE_NAMES, crops_features
    from elm_desktop.signals import ELM_SFREQ, open_recording
    from elm_desktop.signals.preprocess import crop_windows, elm_input

    for result in analysed[:2]:
        crops, _ = crop_windows(elm_input(open_recording(result.path)), result.window_s)
        expected = crops_features(crops, ELM_SFREQ, result.window_s)
        np.testing.assert_allclose(result.signal_features, expected, rtol=1e-3, atol=1e-3)
        summary = json.loads(json.dumps(result.to_dict()))["signal_features"]
        assert list(summary) == list(FEATURE_NAMES)


def test_photic_driving_is_measured_where_the_flash_rates_are_known(engine, tmp_path):
    """Another generator family's recordings with photic stimulation at annotated rates: the
    driving measured agrees with its truth, and is the photic driving score shown."""
    from elm_desktop.clinical.photic_driving import PHOTIC_DRIVING
    from elm_desktop.clinical.record_score import DRIVING_MEASURE
    from elm_desktop.synth.families import get_family

    family = get_family("dipole-spectral")
    manifest = family.generate(
        tmp_path, 4, 3, 11, findings=["photic_driving", "normal"], sfreq=None, naming=None,
        reference=None, workers=1, conditions=None,
    )  # fmt: skip
    measured = 0
    for entry in read_manifest(manifest):
        result = analyze(tmp_path / entry["edf"], engine)
        truth = any(f["name"] == PHOTIC_DRIVING for f in entry["findings"])
        score = next(s for s in result.findings if s.finding_id == PHOTIC_DRIVING)
        summary = json.loads(json.dumps(result.to_dict()))["photic_driving"]
        if result.photic_driving is None:  # flashes only below 4 Hz: nothing to measure at
            assert score.measure != DRIVING_MEASURE and summary is None and not truth
            continue
        measured += 1
        assert result.photic_driving.present == truth == score.present, entry["id"]
        assert score.measure == DRIVING_MEASURE and summary["present"] == truth
    assert measured >= 2
