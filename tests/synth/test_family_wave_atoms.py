"""The wave-atoms generator family: files, options, ground truth the signal bears out, reports.

Signal tests render one short recording whose spec carries the finding (the first seed that
draws it) and read the file back through the program's reader (``signals.open_recording``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from elm_desktop.cli import synth as synth_commands
from elm_desktop.clinical.extract import extract_findings
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.errors import ConfigError
from elm_desktop.runtime.report_segments import split_sections
from elm_desktop.signals import elm_input, open_recording
from elm_desktop.synth import read_manifest
from elm_desktop.synth.electrodes import ELECTRODES, SCALP
from elm_desktop.synth.families import get_family, list_families
from elm_desktop.synth.families.wave_atoms import atoms
from elm_desktop.synth.families.wave_atoms.corpus import plan_corpus, write_recording
from elm_desktop.synth.families.wave_atoms.plan import CONDITION_MIX, AtomSpec, draw_spec
from elm_desktop.synth.spec import Patient
from tests.synth.conftest import band_power, peak_frequency


def _read(path: Path) -> tuple[float, dict[str, np.ndarray], list[str]]:
    """Rate, microvolts by 10-20 electrode name and the labels of a file, read through the
    program's reader (which maps TUH and 10-10 labels to the 10-20 names)."""
    rec = open_recording(path)
    volts = rec.read_samples(0, rec.n_samples, list(ELECTRODES))
    labels = [channel.label for channel in rec.channels]
    return rec.sfreq, dict(zip(ELECTRODES, volts * 1e6, strict=True)), labels


def _spec(condition: str, finding: str, seconds: int, where=None, **options) -> AtomSpec:
    region = options.pop("region", "left temporal")
    age = options.pop("age", 35.0)
    options = {"sfreq": 250, "naming": "tuh", "reference": "average"} | options
    for seed in range(300):
        patient = Patient(f"p{seed}", age, "F", condition, region)
        spec = draw_spec(np.random.default_rng(seed), f"r{seed}", patient, seconds, **options)
        if spec.finding(finding) and (where is None or where(spec)):
            return spec
    raise AssertionError(f"no seed draws {finding}")


def _bandpass(x: np.ndarray, sfreq: float, band=(0.5, 45.0)) -> np.ndarray:
    sos = signal.butter(4, band, "bandpass", fs=sfreq, output="sos")
    return signal.sosfiltfilt(sos, x)


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="elm-desktop")
    synth_commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


# --- registry, options, determinism, manifest ------------------------------------------------


def test_the_family_is_registered_with_its_options():
    assert "wave-atoms" in list_families()
    family = get_family("wave-atoms")
    assert family.sampling_rates == (200, 250, 256, 500, 512)
    assert family.namings == ("tuh", "1020", "1010")
    assert family.references == ("linked_ears", "average", "cz")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("sfreq", 300, "no sampling rate 300; it offers: 200, 250, 256, 500, 512"),
        ("naming", "bipolar", "no naming 'bipolar'; it offers: tuh, 1020, 1010"),
        ("reference", "a1", "no reference 'a1'; it offers: linked_ears, average, cz"),
    ],
)
def test_unsupported_options_are_refused_with_what_it_offers(tmp_path, option, value, message):
    with pytest.raises(ConfigError, match=message):
        get_family("wave-atoms").generate(tmp_path, 1, 0.2, 0, **{option: value})
    assert not any(tmp_path.iterdir())


def test_lengths_and_findings_it_cannot_plan_are_refused():
    with pytest.raises(ConfigError, match="wave-atoms recordings last 10 s to 30 min"):
        plan_corpus(1, 31, 0)
    with pytest.raises(ConfigError, match="cannot build a corpus around sleep; "):
        plan_corpus(2, 1.0, 0, findings=["normal", "sleep"])


def test_the_same_arguments_give_the_same_bytes_whatever_the_workers(tmp_path):
    folders = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        argv = ["synth", "--family", "wave-atoms", "--out", str(out), "--n", "3"]
        assert _cli([*argv, "--minutes", "0.25", "--seed", "4", "--workers", workers]) == 0
        folders.append(out)
    names = sorted(p.name for p in folders[0].iterdir())
    assert len(names) == 7
    for name in names:
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_the_manifest_has_the_fields_of_the_neural_mass_family(tmp_path):
    def keys(family: str) -> tuple[set[str], set[str]]:
        manifest = get_family(family).generate(tmp_path / family, 2, 0.2, 3, workers=1)
        entries = read_manifest(manifest)
        assert all(e["family"] == family for e in entries)
        return set(entries[0]), {k for e in entries for f in e["findings"] for k in f}

    assert keys("wave-atoms") == keys("neural-mass")


@pytest.mark.parametrize(
    ("sfreq", "naming", "reference", "label"),
    [
        (200, "tuh", "linked_ears", "EEG FP1-LE"),
        (250, "1020", "average", "Fp1"),
        (256, "1010", "cz", "T7"),
        (500, "tuh", "average", "EEG T3-AVG"),
        (512, "tuh", "cz", "EEG O2-REF"),
    ],
)
def test_files_read_back_at_their_rate_names_and_reference(
    tmp_path, sfreq, naming, reference, label
):
    spec = _spec("normal", "normal", 20, sfreq=sfreq, naming=naming, reference=reference)
    path = write_recording(tmp_path / "r.edf", spec, [1])
    rate, uv, labels = _read(path)
    assert rate == sfreq and label in labels
    model_input = elm_input(open_recording(path))
    assert model_input.shape == (20, 2000)
    assert 0.05 < float(np.std(model_input)) < 20
    scalp = np.array([uv[e] for e in SCALP])
    if reference == "cz":
        assert np.abs(uv["Cz"]).max() < 0.5
    elif reference == "average":
        assert np.std(scalp.mean(axis=0)) < 0.1 * np.std(scalp - scalp.mean(axis=0))
    else:
        assert np.std(uv["A1"] + uv["A2"]) < 0.5 * np.std(uv["A1"] - uv["A2"])
    # Amplitudes like the other families': tens of microvolts, not millivolts or fractions.
    assert 4 < np.median([np.std(_bandpass(uv[e], rate)) for e in SCALP]) < 40


@pytest.mark.parametrize("minutes", [10 / 60, 1.0, 3.0])
def test_every_condition_plans_with_states_tiling_and_intervals_inside(minutes):
    plan = plan_corpus(110, minutes, 5, findings=list(CONDITION_MIX))
    assert {spec.patient.condition for spec, _ in plan} == set(CONDITION_MIX)
    for spec, _ in plan:
        assert spec.segments[0].start == 0 and spec.segments[-1].end == spec.duration_s
        for before, after in zip(spec.segments, spec.segments[1:], strict=False):
            assert after.start == pytest.approx(before.end, abs=1e-3)
        for finding in spec.findings:
            assert finding.intervals, finding
            for a, b in finding.intervals:
                assert 0 <= a < b <= spec.duration_s, finding


def test_fractional_gaussian_noise_has_its_hurst_exponent():
    # Aggregated variance: the variance of means over blocks of m falls as m^(2H - 2).
    x = atoms.fgn(np.random.default_rng(0), 2, 2**16, 0.85)
    blocks = np.array([16, 64, 256, 1024])
    variances = [x[:, : (x.shape[1] // m) * m].reshape(2, -1, m).mean(axis=2).var() for m in blocks]
    slope = np.polyfit(np.log(blocks), np.log(variances), 1)[0]
    assert abs((slope + 2) / 2 - 0.85) < 0.05


# --- the signal -------------------------------------------------------------------------------


def test_the_posterior_rhythm_is_alpha_posteriorly_and_blocks_with_eye_opening(tmp_path):
    def awake_adult(spec: AtomSpec) -> bool:
        states = [s.state for s in spec.segments]
        return set(states) == {"eyes_closed", "eyes_open"}

    spec = _spec("normal", "normal", 90, awake_adult, reference="linked_ears")
    path = write_recording(tmp_path / "r.edf", spec, [2])
    rate, uv, _ = _read(path)

    def stretch(a: str, b: str, state: str) -> np.ndarray:
        x = _bandpass(uv[a] - uv[b], rate)
        parts = [s for s in spec.segments if s.state == state]
        return np.concatenate([x[int((s.start + 1) * rate) : int(s.end * rate)] for s in parts])

    closed, opened = stretch("O1", "P3", "eyes_closed"), stretch("O1", "P3", "eyes_open")
    pdr = spec.pdr_frequency
    assert 8 <= pdr <= 12
    assert abs(peak_frequency(closed, rate, 6, 14) - pdr) <= 0.5
    assert band_power(closed, rate, 8, 12) > 3 * band_power(closed, rate, 1, 4)
    frontal = stretch("Fp1", "F3", "eyes_closed")
    assert band_power(closed, rate, 8, 12) > 4 * band_power(frontal, rate, 8, 12)
    assert band_power(closed, rate, pdr - 1, pdr + 1) > 3 * band_power(
        opened, rate, pdr - 1, pdr + 1
    )


def test_spikes_peak_at_the_focus_electrode_and_reverse_phase_around_it(tmp_path):
    spec = _spec("focal_epileptiform", "focal_epileptiform", 60, region="right temporal")
    truth = spec.finding("focal_epileptiform")
    focus = truth.detail["maximum"]
    assert focus == "T4"
    path = write_recording(tmp_path / "r.edf", spec, [3])
    rate, uv, _ = _read(path)
    scalp = {e: _bandpass(uv[e], rate, (1.0, 45.0)) for e in SCALP}
    winners, reversals = [], 0
    for a, b in truth.intervals:
        window = slice(int(a * rate), int(b * rate))
        troughs = {e: x[window].min() for e, x in scalp.items()}
        winners.append(min(troughs, key=troughs.get))
        at = int(a * rate) + int(np.argmin(scalp[focus][window]))
        upper, lower = uv["F8"][at] - uv["T4"][at], uv["T4"][at] - uv["T6"][at]
        reversals += upper > 0 > lower
    assert winners.count(focus) >= 0.8 * len(winners)
    assert reversals >= 0.8 * len(truth.intervals)
    trough = np.median(
        [-scalp[focus][int(a * rate) : int(b * rate)].min() for a, b in truth.intervals]
    )
    assert 40 < trough < 250


def test_a_seizure_slows_and_grows_inside_its_interval(tmp_path):
    spec = _spec("seizure", "seizure", 120, region="left temporal")
    ((a, b),) = spec.finding("seizure").intervals
    path = write_recording(tmp_path / "r.edf", spec, [4])
    rate, uv, _ = _read(path)
    x = _bandpass(uv["F7"] - uv["T3"], rate)

    def part(lo: float, hi: float) -> np.ndarray:
        return x[int(lo * rate) : int(hi * rate)]

    third = (b - a) / 3
    early, late = part(a + 1, a + third), part(b - third, b)
    assert peak_frequency(early, rate, 1.5, 14) > peak_frequency(late, rate, 1.5, 14) + 1.5
    assert np.std(late) > 3 * np.std(part(max(0, a - 10), a))


def test_generalized_slowing_shifts_power_from_alpha_to_delta_and_theta(tmp_path):
    def ratio(spec: AtomSpec) -> float:
        path = write_recording(tmp_path / f"{spec.recording_id}.edf", spec, [5])
        rate, uv, _ = _read(path)
        x = _bandpass(uv["P3"] - uv["O1"], rate)[int(2 * rate) : int(38 * rate)]
        return band_power(x, rate, 1, 7) / band_power(x, rate, 8, 12)

    slow = _spec("generalized_slowing", "generalized_slowing", 40, age=70.0)
    normal = _spec("normal", "normal", 40, age=70.0)
    assert ratio(slow) > 3 * ratio(normal)


# --- reports ---------------------------------------------------------------------------------


def test_the_extractor_reads_the_true_findings_from_60_reports():
    knowledge = load_knowledge_base()
    plan = plan_corpus(60, 3, 21)
    agree = 0
    for spec, report in plan:
        headings = [h for h, _ in split_sections(report)]
        assert headings == [
            "INTRODUCTION", "CLINICAL HISTORY", "MEDICATIONS", "DESCRIPTION OF THE RECORD",
            "HR", "IMPRESSION", "CLINICAL CORRELATION",
        ]  # fmt: skip
        agree += extract_findings(report, knowledge) == {f.name for f in spec.findings}
    assert agree == len(plan)
    normal = next(report for spec, report in plan if not spec.abnormal)
    assert "No epileptiform discharges" in normal or "There are no epileptiform" in normal


# --- review fixes: atoms, excess beta, attenuation, seizures --------------------------------


def test_every_atom_starts_and_ends_near_zero():
    rng = np.random.default_rng(0)
    for sfreq in (200, 512):
        waves = {
            "burst": atoms.burst(sfreq, 10, 8, 0.2, np.pi / 2, 0.3),
            "polymorphic": atoms.polymorphic(sfreq, rng, 0.7, 3.5),
            "spike": atoms.spike(sfreq, 0.015, 0.2),
            "sharp": atoms.spike(sfreq, 0.04, 0.2, 0.4),
            "spike_wave": atoms.spike_wave(sfreq, 1 / 3.0, False),
            "polyspike_wave": atoms.spike_wave(sfreq, 1 / 2.5, True),
            "triphasic": atoms.triphasic(sfreq, 0.3),
            "spindle": atoms.spindle(sfreq, 13, 1.0),
            "k_complex": atoms.k_complex(sfreq, 0.6),
            "vertex": atoms.vertex_wave(sfreq, 0.15),
            "ictal": atoms.ictal_cycles(sfreq, 30, 8, 3, rng),
            "blink": atoms.blink(sfreq, 0.4),
            "saccade": atoms.saccade(sfreq, 0.5),
            "myogenic": atoms.myogenic(sfreq, 1.0, rng),
            "pop": atoms.pop(sfreq),
            "heartbeat": atoms.heartbeat(sfreq)[0],
        }
        for name, wave in waves.items():
            peak = np.abs(wave).max()
            assert abs(wave[0]) < 0.05 * peak and abs(wave[-1]) < 0.05 * peak, name


def _beta_power(tmp_path, spec: AtomSpec) -> tuple[float, float]:
    path = write_recording(tmp_path / f"{spec.recording_id}.edf", spec, [6])
    rate, uv, _ = _read(path)
    return band_power(uv["F3"], rate, 16, 26), band_power(uv["O1"], rate, 16, 26)


def test_excess_beta_is_frontocentral_and_four_times_a_normal_recordings(tmp_path):
    excess = _spec("excess_beta", "excess_beta", 40, age=40.0)
    normal = _spec("normal", "normal", 40, age=40.0)
    (f3, o1), (f3_normal, _) = _beta_power(tmp_path, excess), _beta_power(tmp_path, normal)
    assert f3 > 4 * f3_normal
    assert f3 > 2 * o1


def test_focal_attenuation_lowers_the_region_to_its_stated_share(tmp_path):
    def plain(spec: AtomSpec) -> bool:
        names = {f.name for f in spec.findings}
        return names == {"focal_attenuation"} and not any(
            e.kind in ("muscle", "sweat", "pop") for e in spec.events
        )

    spec = _spec("focal_attenuation", "focal_attenuation", 60, plain, region="left temporal")
    factor = spec.finding("focal_attenuation").detail["factor"]
    path = write_recording(tmp_path / "r.edf", spec, [7])
    rate, uv, _ = _read(path)

    def rms(a: str, b: str) -> float:
        return float(np.std(_bandpass(uv[a] - uv[b], rate, (1.0, 30.0))))

    for (a, b), (c, d) in ((("F7", "T3"), ("F8", "T4")), (("T3", "T5"), ("T4", "T6"))):
        assert abs(rms(a, b) / rms(c, d) - factor) < 0.12, (a, b)


def test_a_seizure_holds_the_state_and_has_no_blinks_or_sleep_transients():
    plan = plan_corpus(40, 3, 8, findings=["seizure"])
    checked = 0
    for spec, _ in plan:
        event = next((e for e in spec.events if e.kind == "seizure"), None)
        if event is None:
            continue
        checked += 1
        a, b = event.onset, event.onset + event.duration + event.params["postictal"]
        assert not any(a + 0.01 < s.start < b - 0.01 for s in spec.segments)
        calm = ("blink", "saccade", "spindle", "k_complex", "vertex")
        assert not any(e.kind in calm and a - 1 < e.onset < b + 1 for e in spec.events)
        assert not any(p.start < b + 4 and p.end + 15 > a - 4 for p in spec.procedures)
    lengths = [e.duration for s, _ in plan for e in s.events if e.kind == "seizure"]
    assert checked >= 8 and len({round(x) for x in lengths}) > 0.6 * len(lengths)


def test_the_hyperventilation_response_interval_is_where_its_delta_is():
    plan = plan_corpus(60, 3, 9, findings=["generalized_spike_wave"])
    found = 0
    for spec, _ in plan:
        for p in spec.procedures:
            if p.kind == "hv" and p.response:
                truth = spec.finding("hyperventilation_response")
                ((a, b),) = truth.intervals
                assert a == pytest.approx(p.start + 0.15 * (p.end - p.start), abs=1e-3)
                assert b == pytest.approx(min(p.end + 15, spec.duration_s))
                found += 1
    assert found
