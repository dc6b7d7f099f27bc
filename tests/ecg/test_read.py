"""Reading 12-lead ECG files: WFDB, EDF+, HL7 aECG; lead names, order, derived leads, bad files."""

from __future__ import annotations

import numpy as np
import pytest

from elm_desktop.errors import (
    BadHeaderError,
    EcgLeadCountError,
    MissingLeadError,
    NonFiniteDataError,
    NotAnEcgFileError,
    RecordingError,
    SamplingRateError,
    TruncatedRecordingError,
)
from elm_desktop.signals.ecg import (
    STANDARD_LEADS,
    normalise_lead_name,
    read_ecg,
)
from elm_desktop.synth.ecg.corpus import generate_ecg_corpus, read_ecg_manifest, synthesise
from elm_desktop.synth.ecg.plan import plan_corpus
from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
from tests.ecg.conftest import START, twelve_leads, write, write_muse

FORMATS = ("wfdb", "edf", "aecg")
# Every writer stores whole microvolts: a sample read back is within half a step of its value.
RESOLUTION_MV = 0.0005 + 1e-9


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and message
    return message


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_back_the_written_samples(tmp_path, leads_mv, fmt):
    path = write(fmt, tmp_path / "rec", leads_mv)
    ecg = read_ecg(path)
    assert ecg.leads == STANDARD_LEADS
    assert ecg.sfreq == 500
    assert ecg.samples_mv.shape == (12, 5000)
    assert np.abs(ecg.samples_mv - leads_mv).max() <= RESOLUTION_MV
    assert ecg.start == START
    assert ecg.derived_leads == ()
    assert ecg.warnings == ()
    assert ecg.patient is None  # de-identified unless asked


def test_ge_muse_xml_with_its_eight_leads(tmp_path, leads_mv):
    keep = [0, 1, *range(6, 12)]  # MUSE stores I, II and V1-V6
    path = write_muse(tmp_path / "muse", leads_mv[keep], [STANDARD_LEADS[k] for k in keep])
    ecg = read_ecg(path)
    assert ecg.source_format == "GE MUSE XML"
    assert ecg.derived_leads == ("III", "aVR", "aVL", "aVF")
    assert "leads III, aVR, aVL, aVF computed from I and II (not in the file)" in ecg.warnings
    assert np.abs(ecg.samples_mv - leads_mv).max() <= 3 * RESOLUTION_MV
    assert ecg.start == START
    assert ecg.patient is None
    patient = read_ecg(path, include_phi=True).patient
    assert (patient.patient_id, patient.name, patient.sex) == ("MRN-99812", "Ria Janssen", "F")
    assert patient.birth_date == "1950-05-17"


def test_a_parser_warning_does_not_carry_the_file_name(tmp_path, leads_mv):
    # The name may be the patient's; the warnings reach the draft's TECHNICAL section.
    keep = [0, 1, *range(6, 12)]
    path = write_muse(
        tmp_path / "Janssen_Ria_1950", leads_mv[keep], [STANDARD_LEADS[k] for k in keep]
    )
    text = path.read_text(encoding="ISO-8859-1")
    first, end = text.index("<Waveform>"), text.index("</Waveform>") + len("</Waveform>")
    path.write_text(text[:end] + text[first:end] + text[end:], encoding="ISO-8859-1")
    warnings = read_ecg(path).warnings
    assert any("ignored" in w for w in warnings), warnings  # a second waveform, as a test of it
    assert not any("Janssen" in w for w in warnings), warnings


def test_wfdb_reads_from_header_data_file_or_record_name(tmp_path, leads_mv):
    header = write("wfdb", tmp_path / "rec", leads_mv)
    for path in (header, header.with_suffix(".dat"), header.with_suffix("")):
        assert np.array_equal(read_ecg(path).samples_mv, read_ecg(header).samples_mv)


def write_wfdb_in(unit: str, folder, samples: np.ndarray, gain: float):
    """Write a WFDB record whose signals are in ``unit``; return its header."""
    import wfdb

    wfdb.wrsamp(
        unit.lower(),
        fs=500,
        units=[unit] * 12,
        sig_name=list(STANDARD_LEADS),
        p_signal=np.ascontiguousarray(samples.T),
        fmt=["16"] * 12,
        adc_gain=[gain] * 12,
        baseline=[0] * 12,
        write_dir=str(folder),
    )
    return folder / f"{unit.lower()}.hea"


def test_units_become_millivolts(tmp_path, leads_mv):
    ecg = read_ecg(write_wfdb_in("uV", tmp_path, leads_mv * 1000, gain=1.0))
    assert np.abs(ecg.samples_mv - leads_mv).max() <= RESOLUTION_MV


@pytest.mark.parametrize(
    ("label", "lead"),
    [
        ("AVR", "aVR"),
        ("aVr", "aVR"),
        ("MDC_ECG_LEAD_I", "I"),
        ("MDC_ECG_LEAD_AVF", "aVF"),
        ("V1 ", "V1"),
        ("lead II", "II"),
        ("Lead_III", "III"),
        ("ECG V6", "V6"),
        ("EKG aVL", "aVL"),
        ("DII", "II"),
        ("C3", "V3"),
        ("v4.", "V4"),
        ("V4R", None),
        ("-aVR", None),
        ("Fp1", None),
        ("X", None),
    ],
)
def test_lead_aliases(label, lead):
    assert normalise_lead_name(label) == lead


@pytest.mark.parametrize("fmt", ("wfdb", "edf"))
def test_aliased_labels_in_another_order_are_named_and_reordered(tmp_path, leads_mv, fmt):
    padding = " " if fmt == "edf" else ""  # EDF pads labels; WFDB forbids it
    labels = ["lead I", "ii", "DIII", "AVR", "MDC_ECG_LEAD_AVF", "aVl"] + [
        f"C{k}{padding}" for k in range(1, 7)
    ]
    order = [0, 1, 2, 3, 5, 4, *range(6, 12)]  # aVF stored before aVL, as in MERL's data
    path = write(fmt, tmp_path / "aliased", leads_mv[order], leads=labels)
    ecg = read_ecg(path)
    assert np.abs(ecg.samples_mv - leads_mv).max() <= RESOLUTION_MV
    assert [w for w in ecg.warnings if "aVF before aVL" in w and "reordered" in w]
    assert ecg.file_leads == tuple(label.strip() for label in labels)


@pytest.mark.parametrize("fmt", FORMATS)
def test_exchanged_avl_and_avf_labels_are_detected(tmp_path, leads_mv, fmt):
    swapped = leads_mv[[0, 1, 2, 3, 5, 4, *range(6, 12)]]  # aVF's signal under the label aVL
    ecg = read_ecg(write(fmt, tmp_path / "swapped", swapped))
    assert "the lead labelled aVL carries aVF" in ecg.warnings
    assert "the lead labelled aVF carries aVL" in ecg.warnings


@pytest.mark.parametrize("fmt", FORMATS)
def test_exchanged_ii_and_iii_labels_are_detected_first(tmp_path, leads_mv, fmt):
    ecg = read_ecg(write(fmt, tmp_path / "ii-iii", leads_mv[[0, 2, 1, *range(3, 12)]]))
    assert ecg.misplaced == ("the leads labelled II and III carry each other's signal",)
    assert ecg.warnings[0] == ecg.misplaced[0]


def test_reversed_arm_electrodes_are_named(tmp_path):
    # a normal ECG (axis +26 degrees, noise and wander included) recorded with the arms
    # exchanged: I inverted, II with III and aVR with aVL exchanged, aVF unchanged
    plan = plan_corpus(1, seed=5, findings=["normal"])[0]
    leads, _, truth, _ = synthesise(plan, 10.0, 500)
    assert -30 < truth["axis_deg"] < 60
    first, second, third, avr, avl, avf = leads[:6]
    reversed_arms = np.vstack([-first, third, second, avl, avr, avf, leads[6:]])
    ecg = read_ecg(write("wfdb", tmp_path / "arms", np.round(reversed_arms, 3)))
    assert len(ecg.misplaced) == 1 and "arm electrodes may be reversed" in ecg.misplaced[0]
    assert read_ecg(write("wfdb", tmp_path / "right", np.round(leads, 3))).misplaced == ()
    # An isoelectric aVR (an axis near +120 degrees) is not "upright", whatever its sign.
    flat_avr = reversed_arms.copy()
    flat_avr[3] = 0.02 * flat_avr[3] / np.abs(flat_avr[3]).max()
    assert read_ecg(write("wfdb", tmp_path / "flat-avr", np.round(flat_avr, 3))).misplaced == ()


def test_no_placement_warning_on_correctly_placed_synthetic_ecgs(tmp_path):
    # right axes to +94 degrees turn lead I negative: not taken for reversed arms
    manifest = generate_ecg_corpus(tmp_path, n=60, seed=8, seconds=10)
    for entry in read_ecg_manifest(manifest):
        ecg = read_ecg(tmp_path / entry["wfdb"])
        assert ecg.misplaced == (), entry["wfdb"]
        # Their noise, muscle, pops and mains (up to 40 uV at an electrode) leave every lead
        # readable: no lead is called flat, noise only or humming.
        assert not [w for w in ecg.warnings if "flat" in w or "noise" in w or "hum" in w]


def test_a_consistent_file_raises_no_swap_warning_with_noise(tmp_path, leads_mv):
    noisy = leads_mv + np.random.default_rng(3).normal(0, 0.01, leads_mv.shape)
    assert read_ecg(write("wfdb", tmp_path / "noisy", noisy)).warnings == ()


@pytest.mark.parametrize("fmt", FORMATS)
def test_eight_lead_file_gets_the_four_limb_leads_derived(tmp_path, leads_mv, fmt):
    keep = [0, 1, *range(6, 12)]
    labels = [STANDARD_LEADS[k] for k in keep]
    ecg = read_ecg(write(fmt, tmp_path / "eight", leads_mv[keep], leads=labels))
    assert ecg.derived_leads == ("III", "aVR", "aVL", "aVF")
    assert np.abs(ecg.samples_mv - leads_mv).max() <= 3 * RESOLUTION_MV
    lead = ecg.lead
    assert np.allclose(lead("III"), lead("II") - lead("I"), atol=1e-12)
    assert np.allclose(lead("aVR"), -(lead("I") + lead("II")) / 2, atol=1e-12)


def test_extra_signals_are_left_out_and_named(tmp_path, leads_mv):
    extra = np.vstack([leads_mv, leads_mv[:1]])
    ecg = read_ecg(write("wfdb", tmp_path / "extra", extra, leads=[*STANDARD_LEADS, "V4R"]))
    assert np.abs(ecg.samples_mv - leads_mv).max() <= RESOLUTION_MV
    assert any("V4R" in w for w in ecg.warnings)


def test_patient_fields_only_when_asked(tmp_path, leads_mv):
    path = tmp_path / "named.edf"
    headers = [SignalHeader(lead, -32.768, 32.767, unit="mV") for lead in STANDARD_LEADS]
    with EdfWriter(
        path, headers, 500, 10, START, "MCH-0234567 F 02-MAY-1951 Haagse_Harry", "X X X"
    ) as writer:
        writer.write_block(leads_mv)
    assert read_ecg(path).patient is None
    patient = read_ecg(path, include_phi=True).patient
    assert patient.patient_id == "MCH-0234567"
    assert "Haagse" in patient.name
    assert patient.sex == "F"


# Bad files: each gets its own error type and one line.


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_precordial_lead_is_named(tmp_path, leads_mv, fmt):
    keep = [k for k in range(12) if STANDARD_LEADS[k] != "V3"]
    path = write(fmt, tmp_path / "no-v3", leads_mv[keep], leads=[STANDARD_LEADS[k] for k in keep])
    with pytest.raises(MissingLeadError) as error:
        read_ecg(path)
    assert "V3" in one_line(error)


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_few_leads(tmp_path, leads_mv, fmt):
    path = write(fmt, tmp_path / "three", leads_mv[:3], leads=STANDARD_LEADS[:3])
    with pytest.raises(EcgLeadCountError) as error:
        read_ecg(path)
    assert "3 of the 12" in one_line(error)


def test_a_lead_twice(tmp_path, leads_mv):
    labels = [*STANDARD_LEADS[:11], "lead II"]
    with pytest.raises(EcgLeadCountError) as error:
        read_ecg(write("edf", tmp_path / "twice", leads_mv, leads=labels))
    assert "II appears twice" in one_line(error)


def test_too_slow_a_sampling_rate(tmp_path):
    path = write("wfdb", tmp_path / "slow", twelve_leads(500), sfreq=50)
    with pytest.raises(SamplingRateError) as error:
        read_ecg(path)
    assert "50 Hz" in one_line(error)


@pytest.mark.parametrize("fmt", FORMATS)
def test_another_rate_than_asked_for(tmp_path, fmt):
    path = write(fmt, tmp_path / "fast", twelve_leads(2500), sfreq=250)
    assert read_ecg(path).sfreq == 250
    with pytest.raises(SamplingRateError) as error:
        read_ecg(path, sfreq=500)
    assert "250 Hz" in one_line(error)


def test_a_gap_marked_in_wfdb_is_named(tmp_path, leads_mv):
    gapped = leads_mv.copy()
    gapped[7, 100:150] = np.nan  # WFDB stores it as its missing-value code
    with pytest.raises(NonFiniteDataError) as error:
        read_ecg(write("wfdb", tmp_path / "gap", gapped))
    assert "V2 holds 50 missing" in one_line(error)


def test_non_voltage_unit(tmp_path, leads_mv):
    with pytest.raises(BadHeaderError) as error:
        read_ecg(write_wfdb_in("mmHg", tmp_path, leads_mv, gain=1000.0))
    assert "mmHg" in one_line(error)


@pytest.mark.parametrize(("fmt", "data_suffix"), [("wfdb", ".dat"), ("edf", ".edf")])
def test_truncated_file(tmp_path, leads_mv, fmt, data_suffix):
    path = write(fmt, tmp_path / "cut", leads_mv)
    data = path.with_suffix(data_suffix)
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    with pytest.raises(TruncatedRecordingError) as error:
        read_ecg(path)
    one_line(error)


def test_truncated_xml(tmp_path, leads_mv):
    path = write("aecg", tmp_path / "cut", leads_mv)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(NotAnEcgFileError) as error:
        read_ecg(path)
    assert "damaged HL7 aECG" in one_line(error)


def test_xml_of_another_kind(tmp_path):
    path = tmp_path / "note.xml"
    path.write_text("<?xml version='1.0'?><note><to>Tove</to></note>")
    with pytest.raises(NotAnEcgFileError) as error:
        read_ecg(path)
    assert "HL7 aECG" in one_line(error)


def test_xml_entities_are_refused(tmp_path, leads_mv):
    path = write("aecg", tmp_path / "bomb", leads_mv)
    text = path.read_text()
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    path.write_text(text.replace("?>", "?>" + bomb, 1))
    with pytest.raises(NotAnEcgFileError) as error:
        read_ecg(path)
    one_line(error)


@pytest.mark.parametrize(
    ("name", "content"),
    [("noise.bin", b"\x00\x01garbage" * 100), ("header.hea", b"garbage here\n")],
)
def test_files_of_no_ecg_format(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RecordingError) as error:
        read_ecg(path)
    one_line(error)


def test_a_wfdb_header_without_its_signal_file(tmp_path, leads_mv):
    path = write("wfdb", tmp_path / "alone", leads_mv)
    path.with_suffix(".dat").unlink()
    with pytest.raises(RecordingError) as error:
        read_ecg(path)
    assert "alone.dat" in one_line(error)


def test_an_empty_wfdb_header_says_it_is_empty(tmp_path):
    path = tmp_path / "empty.hea"
    path.write_text("\n")
    with pytest.raises(RecordingError) as error:
        read_ecg(path)
    assert one_line(error) == "empty.hea is empty: no WFDB header to read"


def write_mixed_rates(path, lead_rates: dict[str, int], extra: dict[str, int]) -> None:
    """An EDF (edfio) whose signals have their own rates: leads in mV, others dimensionless."""
    import edfio

    rng = np.random.default_rng(1)
    signals = [
        edfio.EdfSignal(
            rng.normal(0, 0.5, 10 * rate),
            sampling_frequency=rate,
            label=label,
            physical_dimension="mV",
            physical_range=(-10, 10),
        )
        for label, rate in lead_rates.items()
    ] + [
        edfio.EdfSignal(
            np.zeros(10 * rate), sampling_frequency=rate, label=label, physical_range=(-1, 1)
        )
        for label, rate in extra.items()
    ]
    edfio.Edf(signals).write(path)


def test_a_faster_non_lead_signal_leaves_the_leads_at_their_rate(tmp_path):
    path = tmp_path / "resp.edf"
    write_mixed_rates(path, dict.fromkeys(STANDARD_LEADS, 500), {"Resp": 1000})
    ecg = read_ecg(path)
    assert (ecg.sfreq, ecg.samples_mv.shape) == (500, (12, 5000))
    assert any("Resp" in w for w in ecg.warnings)


def test_leads_at_different_rates(tmp_path):
    path = tmp_path / "mixed.edf"
    write_mixed_rates(path, {**dict.fromkeys(STANDARD_LEADS, 500), "V6": 250}, {})
    with pytest.raises(SamplingRateError) as error:
        read_ecg(path)
    assert "V6 250 Hz" in one_line(error)


def test_an_eeg_file_is_not_a_12_lead_ecg(tmp_path):
    path = tmp_path / "eeg.edf"
    write_mixed_rates(path, {}, {"EEG FP1-REF": 256, "EEG C3-REF": 256, "ECG II": 256})
    with pytest.raises(EcgLeadCountError) as error:
        read_ecg(path)
    assert "1 of the 12" in one_line(error)


def test_a_lead_of_noise_and_mains_hum_are_named(tmp_path):
    # An electrode off whose cable still picks up noise: not flat, but no heartbeat (a
    # cardiologist's trial); and mains hum of 0.1 mV on every lead.
    leads_mv, *_ = synthesise(plan_corpus(1, seed=5)[0], 10.0, 500)
    rng = np.random.default_rng(4)
    t = np.arange(leads_mv.shape[1]) / 500
    off = leads_mv.copy()
    off[STANDARD_LEADS.index("V3")] = rng.normal(0, 0.08, t.size)
    humming = leads_mv + 0.1 * np.sin(2 * np.pi * 60 * t)

    off_warnings = read_ecg(write("wfdb", tmp_path / "v3-off", off)).warnings
    hum_warnings = read_ecg(write("edf", tmp_path / "hum", humming)).warnings

    assert off_warnings[0].startswith("Lead V3 shows no heartbeat above the noise")
    assert read_ecg(write("wfdb", tmp_path / "v3-off", off)).unreadable == ("V3",)
    assert not any("hum" in w for w in off_warnings)
    assert any(
        w.startswith("Mains hum at 60 Hz in every lead (up to 0.10 mV)") for w in hum_warnings
    )
    assert not any("heartbeat" in w for w in hum_warnings)


def test_a_lead_of_faint_noise_without_a_heartbeat_is_unreadable_though_not_flat(tmp_path):
    # A trial: V1 of 3 uV noise (not flat: it spans more than 10 uV) had its ST read as 0.00.
    leads_mv, *_ = synthesise(plan_corpus(1, seed=2)[0], 10.0, 500)
    faint = leads_mv.copy()
    faint[STANDARD_LEADS.index("V1")] = np.random.default_rng(5).normal(0, 0.003, faint.shape[1])

    ecg = read_ecg(write("wfdb", tmp_path / "v1-faint", faint))

    assert ecg.unreadable == ("V1",)
    assert ecg.warnings[0].startswith("Lead V1 shows no heartbeat above the noise")
    assert read_ecg(write("wfdb", tmp_path / "whole", leads_mv)).unreadable == ()


def test_a_lead_of_noise_only_gives_no_st_level_nor_voltage_in_the_measurements_json(tmp_path):
    noisy, *_ = synthesise(plan_corpus(1, seed=2)[0], 10.0, 500)  # sinus rhythm
    noisy[STANDARD_LEADS.index("V3")] = np.random.default_rng(4).normal(0.0, 0.08, noisy.shape[1])

    measured = read_ecg(write("wfdb", tmp_path / "v3-noise", noisy)).measurements
    exported = measured.to_dict()

    assert measured.unread_leads == ("V3",)
    assert measured.st_mv["V3"] == measured.st_j_mv["V3"] == 0.0
    assert exported["st_mv"]["V3"] is None and exported["st_j_mv"]["V3"] is None
    assert all(exported["st_mv"][lead] is not None for lead in STANDARD_LEADS if lead != "V3")
    # Cornell reads S in V3; Sokolow-Lyon reads none of it.
    assert exported["cornell_mv"] is None and exported["sokolow_lyon_mv"] is not None


def test_flat_leads_are_named_and_an_all_zero_record_is_called_so(tmp_path, leads_mv):
    one_off = leads_mv.copy()
    one_off[STANDARD_LEADS.index("V3")] = 0.0
    zeros = np.zeros_like(leads_mv)

    named = read_ecg(write("wfdb", tmp_path / "v3-off", one_off)).warnings
    empty = read_ecg(write("edf", tmp_path / "zeros", zeros)).warnings

    assert named[0].startswith("Lead V3 is flat (under 10 uV)")
    assert read_ecg(write("wfdb", tmp_path / "v3-off", one_off)).unreadable == ("V3",)
    assert not any(
        "flat" in w for w in read_ecg(write("wfdb", tmp_path / "live", leads_mv)).warnings
    )
    assert empty[0].startswith("Every lead is flat") and "not connected" in empty[0]
