"""The dipole-spectral family: files the program reads, ground truth the signal bears out,
reports the findings extractor reads, the same bytes for the same seed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from elm_desktop.clinical import load_knowledge_base
from elm_desktop.clinical.extract import extract_findings
from elm_desktop.runtime.report_segments import split_sections, split_sentences
from elm_desktop.signals import open_recording
from elm_desktop.signals.preprocess import elm_input
from elm_desktop.synth import plan_corpus as plan_first_family
from elm_desktop.synth.families.dipole.corpus import generate_corpus, plan_corpus, write_recording
from elm_desktop.synth.families.dipole.plan import DipoleSpec, draw_spec
from elm_desktop.synth.spec import ABNORMAL, Patient
from tests.synth.conftest import band_power as _power
from tests.synth.conftest import peak_frequency as _peak


class Read:
    """A dipole-family recording written to EDF and read back through ``open_recording``."""

    def __init__(self, spec: DipoleSpec, path: Path) -> None:
        self.spec = spec
        self.recording = open_recording(path)
        self.sfreq = self.recording.sfreq
        volts = self.recording.read_samples(0, self.recording.n_samples)
        self.uv = dict(zip(self.recording.electrodes, volts * 1e6, strict=True))

    def __getitem__(self, electrode: str) -> np.ndarray:
        return self.uv[electrode]

    def average_reference(self, electrode: str) -> np.ndarray:
        scalp = [e for e in self.uv if e not in ("A1", "A2", "M1", "M2")]
        return self.uv[electrode] - np.mean([self.uv[e] for e in scalp], axis=0)

    def piece(self, x: np.ndarray, start: float, stop: float) -> np.ndarray:
        return x[int(start * self.sfreq) : int(stop * self.sfreq)]


@pytest.fixture
def recording(tmp_path):
    """``recording(abnormal, region=..., seconds=..., seed=..., sfreq=..., naming=..., reference=...)``."""

    def make(
        abnormal: set[str],
        region: str = "left temporal",
        seconds: int = 120,
        seed: int = 3,
        sfreq: int = 256,
        naming: str = "tuh",
        reference: str = "average",
        age: float = 40,
    ) -> Read:
        patient = Patient("p-test", age, "F", next(iter(sorted(abnormal)), "normal"), region)
        spec = draw_spec(
            np.random.default_rng(seed),
            "rec",
            patient,
            seconds,
            sfreq,
            naming,
            reference,
            abnormal=abnormal,
        )
        path = write_recording(tmp_path / f"rec-{seed}-{sfreq}-{reference}.edf", spec, [seed])
        return Read(spec, path)

    return make


# --- the files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sfreq", "naming", "reference", "label"),
    [
        (200, "tuh", "linked_ears", "EEG FP1-LE"),
        (250, "1020", "average", "Fp1"),
        (256, "1010", "cz", "T7"),
        (500, "tuh", "average", "EEG FP1-AVG"),
        (512, "tuh", "cz", "EEG FP1-REF"),
    ],
)
def test_files_open_through_the_program_reader(recording, sfreq, naming, reference, label):
    rec = recording(set(), seconds=20, sfreq=sfreq, naming=naming, reference=reference)
    assert rec.sfreq == sfreq
    assert label in [c.label for c in rec.recording.channels]
    assert len(rec.recording.electrodes) == 21
    model_input = elm_input(rec.recording)
    assert model_input.shape == (20, 20 * 100) and np.isfinite(model_input).all()


def test_each_reference_is_the_one_the_labels_claim(recording):
    ears = recording(set(), seconds=30, reference="linked_ears")
    ear_sum = ears["A1"] + ears["A2"]  # (A1 - LE) + (A2 - LE) = 0 up to amplifier noise
    assert np.std(ear_sum) < 0.2 * np.std(ears["A1"])
    average = recording(set(), seconds=30, reference="average")
    scalp_mean = np.mean([average[e] for e in average.uv if e not in ("A1", "A2")], axis=0)
    assert np.std(scalp_mean) < 0.1 * np.std(average["O1"])
    vertex = recording(set(), seconds=30, reference="cz")
    assert np.std(vertex["Cz"]) < 1.5 < np.std(vertex["O1"])


# --- the ground truth is in the signal --------------------------------------------------------


def test_posterior_rhythm_at_the_stated_frequency_blocks_with_eye_opening(recording):
    rec = recording(set(), seconds=180, seed=3)
    x = rec["O1"] - rec["Fz"]

    def during(state: str) -> np.ndarray:
        pieces = [rec.piece(x, s.start, s.end) for s in rec.spec.segments if s.state == state]
        return np.concatenate(pieces)

    closed, opened = during("eyes_closed"), during("eyes_open")
    assert abs(_peak(closed, rec.sfreq, 3, 15) - rec.spec.pdr_frequency) <= 0.5
    assert _power(closed, rec.sfreq, 8, 12) > 4 * _power(opened, rec.sfreq, 8, 12)


def test_focal_slowing_raises_delta_on_the_named_side(recording):
    rec = recording({"focal_slowing"}, region="right temporal", seed=4)
    assert rec.spec.finding("focal_slowing").location == "right temporal"

    def delta(chain: tuple[str, ...]) -> float:
        return sum(
            _power(rec[a] - rec[b], rec.sfreq, 1, 3)
            for a, b in zip(chain[:-1], chain[1:], strict=True)
        )

    assert delta(("F8", "T4", "T6")) > 3 * delta(("F7", "T3", "T5"))


def test_excess_beta_shows_in_the_frontocentral_bipolar_derivations(recording):
    # The derivations a reader looks at, not the referential field: a synchronised beta field
    # raised alone cancels between neighbouring electrodes.
    def beta_share(rec: Read) -> float:
        pairs = (("Fp1", "F3"), ("F3", "C3"), ("Fp2", "F4"), ("F4", "C4"), ("Fz", "Cz"))
        beta = sum(_power(rec[a] - rec[b], rec.sfreq, 13, 30) for a, b in pairs)
        return beta / sum(_power(rec[a] - rec[b], rec.sfreq, 0.5, 30) for a, b in pairs)

    for seed in (6, 7):
        drugged = recording({"excess_beta"}, seconds=60, seed=seed)
        assert drugged.spec.finding("excess_beta") is not None
        assert beta_share(drugged) > 2.5 * beta_share(recording(set(), seconds=60, seed=seed))


def test_focal_attenuation_lowers_voltage_on_the_named_side(recording):
    rec = recording({"focal_attenuation"}, region="right temporal", seed=5)
    sos = signal.butter(2, 1.0, "highpass", fs=rec.sfreq, output="sos")

    def rms(chain: tuple[str, ...]) -> float:
        return sum(
            np.std(signal.sosfiltfilt(sos, rec[a] - rec[b]))
            for a, b in zip(chain[:-1], chain[1:], strict=True)
        )

    assert rms(("F8", "T4", "T6")) < 0.7 * rms(("F7", "T3", "T5"))


def test_a_seizure_interval_holds_rhythmic_activity_that_grows_and_slows(recording):
    rec = recording({"seizure"}, region="left temporal", seconds=200, seed=6)
    ((start, end),) = rec.spec.finding("seizure").intervals
    x = rec["T3"] - rec["C3"]
    third = (end - start) / 3
    early, late = rec.piece(x, start, start + third), rec.piece(x, end - third, end)
    before = rec.piece(x, max(0.0, start - 30), start)
    assert np.var(late) > 4 * np.var(before)
    assert _peak(early, rec.sfreq, 1.5, 20) - _peak(late, rec.sfreq, 1.5, 20) >= 3.0
    # Rhythmic: the late third's spectrum is concentrated in a narrow band around its peak.
    peak = _peak(late, rec.sfreq, 1.5, 20)
    assert _power(late, rec.sfreq, peak - 0.5, peak + 0.5) > 5 * _power(late, rec.sfreq, 1.5, 20)


def test_spikes_are_at_the_stated_times_and_negative_at_the_focus(recording):
    rec = recording({"focal_epileptiform"}, region="left frontotemporal", seconds=180, seed=7)
    finding = rec.spec.finding("focal_epileptiform")
    sos = signal.butter(2, [1.0, 40.0], "bandpass", fs=rec.sfreq, output="sos")
    x = signal.sosfiltfilt(sos, rec.average_reference(finding.detail["focus"]))
    window = int(0.15 * rec.sfreq)
    stated = np.array(
        [x[int((a + 0.05) * rec.sfreq) :][:window].min() for a, _ in finding.intervals]
    )
    rng = np.random.default_rng(0)
    elsewhere = np.array([x[i : i + window].min() for i in rng.integers(0, x.size - window, 300)])
    assert len(stated) >= 3
    assert np.median(stated) < 3 * np.median(elsewhere) < 0
    assert finding.detail["focus"] in ("F7", "T3", "Fp1")


def test_burst_suppression_bursts_are_where_the_truth_says(recording):
    rec = recording({"burst_suppression"}, seconds=60, seed=2)
    sos = signal.butter(2, 1.0, "highpass", fs=rec.sfreq, output="sos")
    x = signal.sosfiltfilt(sos, rec["C3"] - rec["P3"])
    inside = np.zeros(x.size, bool)
    for a, b in rec.spec.finding("burst_suppression").intervals:
        inside[int(a * rec.sfreq) : int(b * rec.sfreq)] = True
    assert np.std(x[inside]) > 3 * np.std(x[~inside])


def test_generalized_spike_wave_runs_at_about_3_hz(recording):
    rec = recording({"generalized_spike_wave"}, seconds=120, seed=8)
    x = rec.average_reference("Fz")
    runs = rec.spec.finding("generalized_spike_wave").intervals
    during = np.zeros(x.size, bool)
    for a, b in runs:
        during[int(a * rec.sfreq) : int(b * rec.sfreq)] = True
    assert 2.4 <= _peak(x[during], rec.sfreq, 1, 20) <= 4.0
    assert _power(x[during], rec.sfreq, 2, 4) > 10 * _power(x[~during], rec.sfreq, 2, 4)


def test_blinks_are_largest_at_fp1_and_fp2(recording):
    rec = recording(set(), seconds=120, seed=11)
    blinks = [e.onset for e in rec.spec.events if e.kind == "blink"]
    assert len(blinks) >= 3
    sos = signal.butter(2, 0.3, "highpass", fs=rec.sfreq, output="sos")
    size = {}
    for name, x in rec.uv.items():
        x = signal.sosfiltfilt(sos, x)
        windows = [rec.piece(x, t, t + 0.6) for t in blinks]
        size[name] = np.ptp(np.mean([w for w in windows if w.size == windows[0].size], axis=0))
    assert set(sorted(size, key=size.get)[-2:]) == {"Fp1", "Fp2"}


# --- reports ------------------------------------------------------------------------------


def test_reports_use_their_own_sections_in_their_own_order():
    order = [
        "REASON FOR STUDY",
        "HISTORY",
        "TECHNIQUE",
        "EEG BACKGROUND",
        "EPILEPTIFORM ACTIVITY",
        "INTERPRETATION",
        "CORRELATION",
    ]
    for _, report in plan_corpus(40, 3, 11):
        headings = [h for h, _ in split_sections(report)]
        assert [h for h in headings if h in order] == order, report
        assert headings[2] in ("AED", "MEDICATIONS")


def test_the_wording_is_not_the_first_family_s():
    def sentences(reports: list[str]) -> set[str]:
        return {s for r in reports for _, body in split_sections(r) for s in split_sentences(body)}

    ours = sentences([r for _, r in plan_corpus(150, 3, 12)])
    theirs = sentences([r for _, r in plan_first_family(150, 3, 12)])
    shared = {s for s in ours & theirs if not re.fullmatch(r"[\w\s,;.()-]{0,12}", s)}
    assert len(ours) > 300
    assert len(shared) <= 0.02 * len(ours), sorted(shared)


def test_the_findings_extractor_recovers_the_ground_truth_from_the_new_wording():
    knowledge = load_knowledge_base()
    plan = plan_corpus(300, 3, 13)
    counts: dict[str, list[int]] = {}
    normal_agrees = 0
    for spec, report in plan:
        truth = {f.name for f in spec.findings}
        found = extract_findings(report, knowledge)
        normal_agrees += ("normal" in found) == (not spec.abnormal)
        for name in ABNORMAL:
            tally = counts.setdefault(name, [0, 0, 0])  # true positive, false positive, missed
            tally[0] += name in truth and name in found
            tally[1] += name in found and name not in truth
            tally[2] += name in truth and name not in found
    assert normal_agrees / len(plan) >= 0.97
    for name, (hit, wrong, missed) in counts.items():
        if hit + missed >= 5:
            assert 2 * hit / (2 * hit + wrong + missed) >= 0.9, (name, hit, wrong, missed)


# --- determinism --------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes_whatever_the_workers(tmp_path):
    one = generate_corpus(tmp_path / "one", 3, 0.25, 9, workers=1).parent
    two = generate_corpus(tmp_path / "two", 3, 0.25, 9, workers=2).parent
    other = generate_corpus(tmp_path / "other", 3, 0.25, 10, workers=1).parent
    names = sorted(p.name for p in one.iterdir())
    assert len(names) == 7
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    edf = next(n for n in names if n.endswith(".edf"))
    assert (one / "manifest.jsonl").read_bytes() != (other / "manifest.jsonl").read_bytes()
    assert (one / edf).read_bytes() != (other / edf.replace("d9-", "d10-")).read_bytes()
