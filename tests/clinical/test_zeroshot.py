"""Zero-shot scoring: prompt ensembles against contrast prompts, curves, top segments.

The text embeddings here come from a deterministic bag-of-words embedder so that the scoring
arithmetic can be checked against hand computation; tests/test_analysis.py runs the real engine.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.zeroshot import (
    EmptyPromptError,
    PromptBank,
    abnormal_shared,
    build_prompt_bank,
    check_prompt,
    prompt_contrast,
    prompt_curve,
    score_findings,
    top_segments,
)
from elm_desktop.errors import ElmError

DIM = 64


def bag_of_words(texts):
    """Unit vectors: the sum of one fixed random vector per word."""
    out = np.zeros((len(texts), DIM), np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            rng = np.random.default_rng(zlib.crc32(word.encode()))
            out[i] += rng.standard_normal(DIM)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(user_path="/nonexistent")


def unit(v):
    return v / np.linalg.norm(v)


def test_prompt_bank_is_the_normalised_mean_of_each_group(kb):
    bank = build_prompt_bank(kb, bag_of_words, "plain")
    finding = kb["lpd"]
    i = bank.finding_ids.index("lpd")
    expected = unit(bag_of_words(list(finding.plain)).mean(axis=0))
    np.testing.assert_allclose(bank.positive[i], expected, atol=1e-6)
    np.testing.assert_allclose(
        bank.contrast[i], unit(bag_of_words(list(finding.contrast)).mean(axis=0)), atol=1e-6
    )
    knowledge = build_prompt_bank(kb, bag_of_words, "knowledge")
    assert not np.allclose(knowledge.positive[i], bank.positive[i])
    np.testing.assert_allclose(knowledge.contrast, bank.contrast)


def test_probability_is_the_tempered_two_way_softmax(kb):
    bank = build_prompt_bank(kb, bag_of_words, "knowledge")
    i = bank.finding_ids.index("focal_slowing")
    # Crops 0-5 look like the contrast, crops 6-7 like the finding.
    crops = np.stack([bank.contrast[i]] * 6 + [bank.positive[i]] * 2)
    recording = unit(crops.mean(axis=0))
    starts = np.arange(8) * 5.0
    scores = score_findings(kb, bank, crops, recording, starts, 5.0, temperature=0.3)
    assert [s.finding_id for s in scores] == kb.list_findings()
    score = scores[i]
    p, c = bank.positive[i], bank.contrast[i]
    expected = 1 / (1 + np.exp(-(recording @ p - recording @ c) / 0.3))
    assert score.probability == pytest.approx(expected, abs=1e-5)
    assert score.present == (score.probability >= score.threshold)
    assert score.crop_probability.shape == (8,)
    assert score.crop_probability[6] > score.crop_probability[0]
    assert score.top_segments[0].crop in {6, 7}
    # A lower temperature sharpens the same evidence.
    sharper = score_findings(kb, bank, crops, recording, starts, 5.0, temperature=0.05)[i]
    assert abs(sharper.probability - 0.5) > abs(score.probability - 0.5)


def test_prompt_is_scored_against_the_normal_record_like_a_finding(kb):
    bank = build_prompt_bank(kb, bag_of_words, "knowledge")
    contrast = prompt_contrast(kb, bank)
    # The built-in abnormal findings are all scored against the normal record's descriptions.
    normal = unit(bag_of_words(list(kb["normal"].prompts("knowledge"))).mean(axis=0))
    np.testing.assert_allclose(contrast.normal, normal, atol=1e-5)
    rng = np.random.default_rng(0)
    crops = rng.standard_normal((20, DIM)).astype(np.float32)
    crops /= np.linalg.norm(crops, axis=1, keepdims=True)
    prompt = bag_of_words(["poly spike and slow wave"])[0]
    crops[12:15] = prompt  # 15 s that say what the prompt says
    recording = unit(crops.mean(axis=0))
    curve = prompt_curve(
        "poly spike and slow wave",
        prompt,
        contrast,
        crops,
        recording,
        np.arange(20) * 5.0,
        5.0,
        0.3,
    )
    np.testing.assert_allclose(curve.similarity, crops @ prompt, atol=1e-6)
    expected = 1 / (1 + np.exp(-(recording @ prompt - recording @ normal) / 0.3))
    assert curve.recording_probability == pytest.approx(expected, abs=1e-5)
    assert curve.probability.shape == (20,) and curve.probability.dtype == np.float32
    assert curve.top_segments[0].crop == 13
    assert curve.top_segments[0].score == pytest.approx(float(curve.probability.max()))
    assert curve.top_segments[0].start_s == 65.0 and curve.top_segments[0].end_s == 70.0
    # At the recording embedding itself the curve is the recording's probability: one scale.
    at_recording = prompt_curve("x", prompt, contrast, recording[None], recording, [0.0], 5.0, 0.3)
    assert at_recording.probability[0] == pytest.approx(curve.recording_probability, abs=1e-5)


def test_crop_curves_peak_where_the_finding_itself_is_not_where_any_abnormality_is(kb):
    """The seizure curve once peaked on photic stimulation: a crop far from normal raises every
    finding scored against the normal record. The shared abnormal direction is removed per crop."""
    bank = build_prompt_bank(kb, bag_of_words, "knowledge")
    i = bank.finding_ids.index("seizure")
    shared = abnormal_shared(kb, bank)
    seizure = bank.positive[i] - bank.contrast[i]
    # A crop moved a long way along the direction all abnormal findings share, and a crop moved
    # less far along the seizure's own direction (minus its shared part).
    own = seizure - (seizure @ shared) / (shared @ shared) * shared
    normal_crop = bank.contrast[i]
    generic = unit(normal_crop + 3.0 * shared / np.linalg.norm(shared))
    specific = unit(normal_crop + 1.0 * own / np.linalg.norm(own))
    crops = np.stack([normal_crop] * 4 + [generic] * 3 + [normal_crop] * 3 + [specific] * 3)
    crops = crops.astype(np.float32)
    recording = unit(crops.mean(axis=0))
    raw = crops @ seizure
    assert raw[5] > raw[11]  # the plain normal-contrast score would point at the generic crops
    score = score_findings(kb, bank, crops, recording, np.arange(13) * 5.0, 5.0, 0.3)[i]
    assert score.top_segments[0].crop == 11
    at_recording = score_findings(kb, bank, recording[None], recording, [0.0], 5.0, 0.3)[i]
    assert at_recording.crop_probability[0] == pytest.approx(score.probability, abs=1e-5)


def test_a_prompt_curve_peaks_on_the_prompt_not_on_a_normal_activation(kb):
    """The seizure prompt's curve once peaked on photic stimulation blocks: the prompt and the
    normal activations share a direction ("rhythmic") that the abnormal findings' shared
    direction lacks. A prompt's curve loses what every finding shares, normal ones included."""
    rng = np.random.default_rng(7)
    basis = np.linalg.qr(rng.standard_normal((DIM, DIM)))[0].T.astype(np.float32)
    normal, rhythm, own = basis[0], basis[1], basis[2]
    ids = tuple(kb.list_findings())
    # Abnormal findings: each its own direction; normal activations and states: the rhythm.
    positive = np.stack(
        [
            unit(normal + (0.5 * basis[3 + i] if kb[f].abnormal else 0.8 * rhythm))
            for i, f in enumerate(ids)
        ]
    )
    bank = PromptBank(ids, positive, np.tile(normal, (len(ids), 1)), "knowledge")
    contrast = prompt_contrast(kb, bank)
    vector = unit(normal + own + 0.5 * rhythm)  # a seizure prompt that says "rhythmic"
    stimulation, seizure = unit(normal + 1.5 * rhythm), unit(normal + 0.5 * own)
    crops = np.stack([normal] * 4 + [stimulation] * 3 + [normal] * 3 + [seizure] * 3)
    recording = unit(crops.mean(axis=0))
    direction = vector - contrast.normal
    # Removing only the abnormal findings' shared direction would point at the stimulation.
    abnormal_only = crops @ direction - (crops - recording) @ abnormal_shared(kb, bank)
    assert abnormal_only[5] > abnormal_only[11]
    curve = prompt_curve("x", vector, contrast, crops, recording, np.arange(13) * 5.0, 5.0, 0.3)
    assert curve.top_segments[0].crop == 11
    # The recording probability is untouched: the departure is zero at the recording.
    expected = 1 / (1 + np.exp(-(recording @ direction) / 0.3))
    assert curve.recording_probability == pytest.approx(float(expected), abs=1e-5)


@pytest.mark.parametrize("prompt", ["", "   ", "\t\n"])
def test_empty_prompts_are_refused(prompt):
    with pytest.raises(EmptyPromptError, match="Type a finding to score: the prompt is empty."):
        check_prompt(prompt)
    assert issubclass(EmptyPromptError, ElmError)
    assert check_prompt("  spikes ") == "spikes"


def test_top_segments_do_not_overlap():
    values = np.array([0.1, 0.9, 0.8, 0.7, 0.2, 0.85])
    starts = np.arange(6) * 2.5  # 5 s crops with a 2.5 s hop overlap their neighbours
    segments = top_segments(values, starts, 5.0, k=3)
    assert [s.crop for s in segments] == [1, 5, 3]
    assert all(abs(a.start_s - b.start_s) >= 5.0 for a in segments for b in segments if a is not b)


def test_evidence_is_ranked_over_a_stretch_not_one_crop():
    # One lone high crop against a 15 s stretch slightly lower: the stretch is the event.
    values = np.array([0.1, 0.95, 0.1, 0.1, 0.8, 0.85, 0.8, 0.1, 0.1, 0.1])
    starts = np.arange(10) * 5.0
    assert top_segments(values, starts, 5.0, k=1)[0].crop == 1
    best = top_segments(values, starts, 5.0, k=3, span_s=15.0)
    assert best[0].crop == 5 and best[0].score == pytest.approx(0.85)
    assert all(abs(a.start_s - b.start_s) >= 15.0 for a in best for b in best if a is not b)
