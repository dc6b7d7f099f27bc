"""The EKG channel's known rhythms: the EEG stays as it was, the heart rate is measured to truth."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pytest

from elm_desktop.signals.heart_rate import measure_heart_rate
from elm_desktop.signals.recording import open_recording
from elm_desktop.synth.corpus import generate_corpus, plan_corpus, read_manifest, write_recording
from elm_desktop.synth.heart_rhythm import RHYTHMS, draw_rhythm, rhythm_truth
from elm_desktop.synth.render import Renderer

#: sha256 (first 16 hex digits) of the EEG channels rounded to 0.1 uV (the EDF's step) of
#: 1-minute recordings, computed before the EKG carried rhythms (a demo model was trained on
#: these signals): (seed, findings) -> digests per recording.
EEG_DIGESTS = {
    (7, None): ["a6351554b67c0430", "97fe45c1f4537b29"],
    (11, ("seizure",)): ["0a45b37c1cc9d9db", "a9f9bff9c17c23ad"],
}


def _eeg_digest(spec, seed) -> str:
    renderer = Renderer(spec, seed)
    digest = hashlib.sha256()
    for start in range(0, spec.duration_s, 30):
        eeg, _, _ = renderer.render(min(30, spec.duration_s - start) * spec.sfreq)
        digest.update(np.round(eeg * 10).astype(np.int64).tobytes())
    return digest.hexdigest()[:16]


@pytest.mark.parametrize(("seed", "findings"), list(EEG_DIGESTS))
def test_eeg_channels_unchanged_by_the_ekg_rhythm(seed, findings):
    plan = plan_corpus(2, 1.0, seed, list(findings) if findings else None)
    rhythms = [spec.heart_rhythm for spec, _ in plan]
    assert all(r is not None for r in rhythms)
    if findings:  # seizures: an EKG train of its own, with ictal tachycardia
        assert all(not r.legacy and r.ictal for r in rhythms)
    digests = [_eeg_digest(spec, [seed, 3, i]) for i, (spec, _) in enumerate(plan)]
    assert digests == EEG_DIGESTS[(seed, findings)]


def test_rhythm_draw_is_independent_of_the_eeg_generator():
    first = draw_rhythm(np.random.default_rng([1, 5, 0]), 70.0, [])
    again = draw_rhythm(np.random.default_rng([1, 5, 0]), 70.0, [])
    assert first == again
    with pytest.raises(ValueError, match="unknown rhythm"):
        draw_rhythm(np.random.default_rng(0), 70.0, [], "torsades")


def test_corpus_rhythms_cover_every_kind():
    names = {spec.heart_rhythm.rhythm for spec, _ in plan_corpus(60, 0.5, 3)}
    assert {"sinus", "atrial_fibrillation", "premature_beats", "sinus_tachycardia"} <= names


@pytest.fixture(scope="module")
def rhythm_recordings(tmp_path_factory):
    """One 3-minute recording per rhythm, plus a sinus one with seizures (ictal tachycardia)."""
    folder = tmp_path_factory.mktemp("rhythms")
    plan = plan_corpus(len(RHYTHMS) + 1, 3.0, 11, ["seizure"])
    out = []
    for k, name in enumerate([*RHYTHMS, "sinus"]):
        spec, _ = plan[k]
        spec.with_ekg = True
        seizures = spec.finding("seizure").intervals if k == len(RHYTHMS) else []
        spec.heart_rhythm = draw_rhythm(np.random.default_rng([k]), spec.heart_rate, seizures, name)
        truth = rhythm_truth(spec.heart_rhythm, spec.heart_rate, spec.duration_s)
        path = write_recording(folder / f"r{k}.edf", spec, [11, 3, k])
        out.append((name, truth, measure_heart_rate(open_recording(path))))
    return out


def test_heart_rate_within_2_bpm_of_truth_across_rhythms(rhythm_recordings):
    for name, truth, measured in rhythm_recordings:
        ictal = [span[:2] for span in truth["ictal"]]
        assert measured.rate_bpm(exclude=ictal) == pytest.approx(truth["rate_bpm"], abs=2.0), name


def test_rhythm_read_from_the_rr_intervals(rhythm_recordings):
    said = {name: (truth, m.rhythm(), m.summary()) for name, truth, m in rhythm_recordings[:-1]}
    assert said["sinus"][1] == "regular"
    assert said["atrial_fibrillation"][1] == "irregularly irregular"
    assert said["premature_beats"][1] == "regular with premature beats"
    assert "(bradycardia" in said["sinus_bradycardia"][2]
    assert "(tachycardia" in said["sinus_tachycardia"][2]
    assert "cardia" not in said["sinus"][2]
    _, truth, measured = rhythm_recordings[-1]
    for start, end, peak in truth["ictal"]:
        times, bpm = measured.trend()
        inside = (times >= start) & (times < end)
        assert np.nanmax(bpm[inside]) == pytest.approx(peak, rel=0.1)
    assert "rising to" in measured.summary()


def test_manifest_and_report_carry_the_rhythm(tmp_path):
    manifest = generate_corpus(tmp_path, 3, 0.5, seed=11, findings=["seizure"], workers=1)
    entries = read_manifest(manifest)
    assert any(entry["ekg"] is not None for entry in entries)
    for entry in entries:
        ekg = entry["ekg"]
        if ekg is None:
            continue
        assert ekg["rhythm"] in RHYTHMS
        assert ekg["ictal"], "seizures bring ictal tachycardia"
        assert "Ictal tachycardia" in entry["report"] or "HR:" not in entry["report"]


def test_the_rate_is_named_against_the_patients_age_from_the_header(rhythm_recordings):
    # A trial saw 109 bpm at 3.8 years called tachycardia, the adult limit.
    _, _, measured = rhythm_recordings[0]
    assert measured.age_years is not None  # the generator writes an EDF+ birthdate
    fast = replace(measured, peaks_s=np.arange(0.0, 180.0, 60 / 109))
    assert "(tachycardia for an adult)" in replace(fast, age_years=None).summary()
    assert "(tachycardia)" in replace(fast, age_years=30.0).summary()
    assert "cardia" not in replace(fast, age_years=3.8).summary()
    assert (
        "(tachycardia for a child of 6-11 years, 75-118 bpm awake)"
        in replace(measured, peaks_s=np.arange(0.0, 180.0, 60 / 125), age_years=8.0).summary()
    )
    slow = replace(measured, peaks_s=np.arange(0.0, 180.0, 60 / 85))
    assert (
        "(bradycardia for an infant, 100-180 bpm awake)" in replace(slow, age_years=0.5).summary()
    )
    # Under the awake range but normal asleep (PALS: 65-100 bpm at 3-5 years), which the EKG
    # cannot tell apart: said as such, not called bradycardia.
    asleep = replace(measured, peaks_s=np.arange(0.0, 180.0, 60 / 70), age_years=4.0).summary()
    assert asleep.endswith(
        "70 bpm (under the awake range for a child of 3-5 years, 80-120 bpm awake; normal asleep "
        "from 65 bpm)"
    )
    assert "bradycardia" not in asleep
    teen = replace(measured, peaks_s=np.arange(0.0, 180.0, 60 / 55), age_years=13.0).summary()
    assert teen.endswith(
        "(under the awake range for an adolescent, 60-100 bpm awake; normal asleep from 50 bpm)"
    )
    assert (
        "(bradycardia)"
        in replace(slow, peaks_s=np.arange(0.0, 180.0, 1.2), age_years=30.0).summary()
    )
