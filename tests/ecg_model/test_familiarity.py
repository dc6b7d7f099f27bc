"""The familiarity reference for an ECG model: profile, ``model familiarity`` and analysis.

The ECG signal profile reads the 12 leads at 500 Hz (spectral bins suited to an ECG, coupling of
neighbouring leads); the EEG profile is unchanged, so the shipped EEG reference keeps its
scores. A reference is fitted on the tiny ECG bundle's own corpus with the real CLI, and an ECG
that is white noise is flagged by the analysis, its draft withholding the model's findings.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from elm_desktop.analysis_ecg import analyze_ecg
from elm_desktop.clinical.familiarity import (
    ECG_PROFILE_EDGES,
    PROFILES,
    FamiliarityReference,
    assess,
    crop_profile,
    fit_reference,
    profile_band_power,
    signal_profile,
)
from elm_desktop.clinical.html import render_html
from elm_desktop.errors import ConfigError
from elm_desktop.runtime import Bundle, Engine
from elm_desktop.signals.ecg import STANDARD_LEADS, read_ecg
from elm_desktop.signals.ecg.model_input import ecg_model_input
from elm_desktop.synth.ecg.writers import write_wfdb
from tests.ecg_model.conftest import ecg_bundle, ecg_checkpoint, ecg_corpus  # noqa: F401
from tests.runtime.test_model_cli import run

ROOT = Path(__file__).resolve().parents[2]


def windows_of(header: Path) -> np.ndarray:
    ecg = read_ecg(header)
    return ecg_model_input(ecg.samples_mv, ecg.sfreq)


def write_noise_ecg(path: Path, seed: int = 0) -> Path:
    """A 10 s '12-lead ECG' at 500 Hz that is white noise of ECG-like amplitude (WFDB)."""
    noise = np.random.default_rng(seed).normal(0.0, 0.3, (12, 5000))
    return write_wfdb(path, noise, 500, STANDARD_LEADS, dt.datetime(2020, 1, 1))


def test_the_ecg_profile_reads_twelve_leads_at_500_hz(ecg_corpus, tmp_path):  # noqa: F811
    profile = signal_profile("ecg")
    assert profile.sfreq == 500.0 and profile.channels == "leads"
    ecg = windows_of(ecg_corpus / "ecg-r00000.hea")
    noise = windows_of(write_noise_ecg(tmp_path / "noise"))
    rows = crop_profile(np.concatenate([ecg, noise]), profile)
    assert rows.shape == (2, len(ECG_PROFILE_EDGES) - 1 + 12 + 4)
    assert np.all(np.isfinite(rows))
    n_bins = len(ECG_PROFILE_EDGES) - 1
    # Neighbouring leads of an ECG move together; those of white noise do not.
    assert rows[0, -1] > 0.3 and abs(rows[1, -1]) < 0.1
    # An ECG's power lies in its low bins; white noise's is spread up to 150 Hz.
    assert rows[0, n_bins - 1] < rows[1, n_bins - 1] - 1.0
    bands = profile_band_power(ecg, profile)
    assert bands.shape == (1, 12, 4)
    with pytest.raises(ConfigError, match="no familiarity profile"):
        signal_profile("emg")


def test_ecg_band_and_flat_checks_speak_of_leads_not_eeg_bands(ecg_corpus):  # noqa: F811
    profile = PROFILES["ecg"]
    headers = sorted(ecg_corpus.glob("ecg-r*.hea"))[:20]
    windows = [windows_of(h) for h in headers]
    rng = np.random.default_rng(0)
    embeddings = [rng.normal(size=(len(w), 8)) for w in windows]
    reference = fit_reference(
        embeddings,
        [crop_profile(w, profile) for w in windows],
        [profile_band_power(w, profile) for w in windows],
        embeddings[:10],
        [crop_profile(w, profile) for w in windows[:10]],
    )
    flat = windows[0].copy()
    flat[:, STANDARD_LEADS.index("V3")] *= 1e-4
    result = assess(
        reference,
        embeddings[0],
        crop_profile(flat, profile),
        profile_band_power(flat, profile),
        STANDARD_LEADS,
        "synthetic ECG",
        profile,
    )
    assert "flat or disconnected leads: V3" in result.reasons
    loud = windows[0] * 30.0
    reasons = assess(
        reference,
        embeddings[0],
        crop_profile(loud, profile),
        profile_band_power(loud, profile),
        STANDARD_LEADS,
        "synthetic ECG",
        profile,
    ).reasons
    assert any("0.5-5 Hz power lies above that of every training recording" in r for r in reasons)
    assert not any(band in " ".join(reasons) for band in ("delta", "theta", "alpha", "beta"))


@pytest.fixture(scope="module")
def ecg_bundle_with_reference(tmp_path_factory, ecg_bundle, ecg_corpus):  # noqa: F811
    """A copy of the tiny ECG bundle with a reference fitted by the CLI on its corpus."""
    bundle = shutil.copytree(ecg_bundle, tmp_path_factory.mktemp("ecg-familiar") / "bundle")
    out = bundle.parent / "familiarity.npz"
    assert run("familiarity", "fit", str(bundle), "--corpus", str(ecg_corpus),
               "--out", str(out), "--device", "cpu") == 0  # fmt: skip
    return bundle


def test_fit_and_measure_on_an_ecg_bundle_and_corpus(
    ecg_bundle_with_reference,
    ecg_corpus,  # noqa: F811
    capsys,
):
    bundle = Bundle.load(ecg_bundle_with_reference)
    reference = FamiliarityReference.load(bundle.file("familiarity"))
    assert "train recordings of corpus" in reference.note
    assert reference.power_low.shape == (4,)
    assert reference.profile_mean.shape == (len(ECG_PROFILE_EDGES) - 1 + 12 + 4 + 1,)
    assert run("familiarity", "measure", str(ecg_bundle_with_reference),
               f"{ecg_corpus}:val", str(ecg_corpus), "--device", "cpu") == 0  # fmt: skip
    table = capsys.readouterr().out
    assert f"| {ecg_corpus}:val |" in table and "| 40 |" in table


def test_an_eeg_corpus_given_to_an_ecg_bundle_is_one_clear_error(
    ecg_bundle,  # noqa: F811
    tmp_path,
):
    from elm_desktop.synth import generate_corpus

    manifest = generate_corpus(tmp_path / "eeg", n=2, minutes=0.2, seed=1, workers=1)
    bundle = shutil.copytree(ecg_bundle, tmp_path / "bundle")
    with pytest.raises(
        ConfigError, match="is not a corpus of ECG recordings \\(each entry's file under 'wfdb'\\)"
    ):
        run("familiarity", "fit", str(bundle), "--corpus", str(manifest), "--device", "cpu")


def test_an_ecg_unlike_the_training_data_is_flagged_and_its_findings_withheld(
    ecg_bundle_with_reference,
    ecg_corpus,  # noqa: F811
    tmp_path,
):
    engine = Engine(Bundle.load(ecg_bundle_with_reference), device="cpu")
    noise = analyze_ecg(write_noise_ecg(tmp_path / "noise"), engine)
    assert noise.familiarity is not None and noise.familiarity.unfamiliar
    statement = noise.familiarity.statement
    summary = json.loads(json.dumps(noise.to_dict(), allow_nan=False))
    assert noise.notice.startswith(noise.familiarity.warning)
    assert summary["notice"].count("synthetic 12-lead ECG only") == 1  # in its provenance
    assert summary["familiarity"]["unfamiliar"] is True
    assert summary["draft"]["impression"] == "left to the reviewer"
    assert "UNLIKE the training data" in render_html(summary, [])
    assert statement in noise.draft.text() and noise.draft.asserted == []

    # The corpus's own records: most pass (the tiny model's reference flags about 3 % of its
    # held-out records by design).
    own = [analyze_ecg(ecg_corpus / f"ecg-r{i:05d}.hea", engine) for i in range(6)]
    assert sum(r.familiarity.unfamiliar for r in own) <= 1
    assert all(r.familiarity.score < noise.familiarity.score for r in own)


@pytest.mark.slow
def test_the_shipped_eeg_reference_keeps_its_held_out_scores(demo_engine):
    """A val recording of the corpus the EEG reference was scaled on scores as it did at fit."""
    from elm_desktop.cli.familiarity import encode_recording
    from elm_desktop.synth import read_manifest

    corpus = ROOT / "data" / "demo-train-2500"
    shipped = ROOT / "resources" / "checkpoints" / "demo-5s" / "familiarity.npz"
    if not (corpus / "manifest.jsonl").is_file():
        pytest.skip("the EEG demo corpus (data/demo-train-2500) is not on this machine")
    reference = FamiliarityReference.load(shipped)
    entries = [e for e in read_manifest(corpus / "manifest.jsonl") if e["split"] == "val"][:2]
    for entry in entries:
        crops, profiles, _ = encode_recording(corpus / entry["edf"], demo_engine)
        score, _ = reference.score(crops, profiles)
        assert np.min(np.abs(reference.heldout - score)) < 1e-4


def test_the_ecg_export_carries_the_checkpoints_reference(
    ecg_bundle_with_reference,
    ecg_checkpoint,  # noqa: F811
    tmp_path,
):
    from elm_desktop.training.ecg.export import export_ecg_checkpoint

    checkpoint = shutil.copytree(ecg_checkpoint, tmp_path / "checkpoint")
    fitted = ecg_bundle_with_reference.parent / "familiarity.npz"  # the fit's --out
    shutil.copy(fitted, checkpoint / "familiarity.npz")
    bundle = Bundle.load(export_ecg_checkpoint(checkpoint, tmp_path / "bundle", name="ecg-tiny"))
    carried = FamiliarityReference.load(bundle.file("familiarity"))
    assert carried.threshold == FamiliarityReference.load(fitted).threshold
    assert bundle.manifest["familiarity"]["note"] == carried.note
