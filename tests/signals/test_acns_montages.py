"""The ACNS standard montages, computed from a referential recording, against hand arithmetic."""

from __future__ import annotations

import mne
import numpy as np
import pytest

from elm_desktop.errors import ConfigError
from elm_desktop.signals import (
    ACNS_DOUBLE_BANANA,
    DisplayFilter,
    get_montage,
    open_recording,
    read_page,
)
from elm_desktop.signals.derivations import HJORTH_NEIGHBOURS, Montage, Trace
from elm_desktop.signals.montages import REFERENTIAL_ORDER, TRANSVERSE

from .conftest import eeg_like, write_edf

ELECTRODES = [
    "Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
    "F7", "F8", "T3", "T4", "T5", "T6", "Fz", "Cz", "Pz", "A1", "A2",
]  # fmt: skip
SCALP = [e for e in ELECTRODES if e not in ("A1", "A2")]


@pytest.fixture
def data():
    return np.random.default_rng(3).standard_normal((len(ELECTRODES), 64))


def row(data, name):
    return data[ELECTRODES.index(name)]


@pytest.mark.parametrize("name", ["acns-banana", "transverse", "tcp-22", "tcp-elm"])
def test_bipolar_montages_are_exact_differences(name, data):
    montage = get_montage(name)
    traces = montage.apply(data, ELECTRODES)
    for trace, label in zip(traces, montage.labels(ELECTRODES), strict=True):
        anode, cathode = label.split("-")
        np.testing.assert_array_equal(trace, row(data, anode) - row(data, cathode))


def test_acns_double_banana_has_the_midline_chain_after_the_four_chains():
    labels = get_montage("acns-banana").labels(ELECTRODES)
    assert labels == list(ACNS_DOUBLE_BANANA) and len(labels) == 18
    assert labels[-2:] == ["Fz-Cz", "Cz-Pz"]
    assert labels[:4] == ["Fp1-F7", "F7-T3", "T3-T5", "T5-O1"]
    assert labels[8:12] == ["Fp1-F3", "F3-C3", "C3-P3", "P3-O1"]
    assert "Fz-Cz" not in get_montage("tcp-elm").labels(ELECTRODES)
    assert TRANSVERSE[:3] == ("F7-Fp1", "Fp1-Fp2", "Fp2-F8")


def test_referential_montages(data):
    ears = get_montage("ref-ears")
    linked = (row(data, "A1") + row(data, "A2")) / 2
    assert ears.labels(ELECTRODES) == [f"{e}-A1A2" for e in REFERENTIAL_ORDER]
    for trace, electrode in zip(ears.apply(data, ELECTRODES), REFERENTIAL_ORDER, strict=True):
        np.testing.assert_allclose(trace, row(data, electrode) - linked, rtol=0, atol=1e-12)
    cz = get_montage("ref-cz")
    others = [e for e in REFERENTIAL_ORDER if e != "Cz"]
    assert cz.labels(ELECTRODES) == [f"{e}-Cz" for e in others]
    for trace, electrode in zip(cz.apply(data, ELECTRODES), others, strict=True):
        np.testing.assert_array_equal(trace, row(data, electrode) - row(data, "Cz"))


def point_source(value: float = 100.0, at: str = "Cz") -> np.ndarray:
    field = np.zeros((len(ELECTRODES), 1))
    field[ELECTRODES.index(at)] = value
    return field


def test_average_reference_of_a_point_source():
    traces = get_montage("average").apply(point_source(), ELECTRODES)[:, 0]
    labels = get_montage("average").labels(ELECTRODES)
    assert labels == [f"{e}-Avg" for e in SCALP]  # ears are not averaged nor shown
    expected = {e: -100.0 / 19 for e in SCALP} | {"Cz": 100.0 - 100.0 / 19}
    np.testing.assert_allclose(traces, [expected[e] for e in SCALP], atol=1e-12)


def test_laplacian_of_a_point_source_and_of_a_constant_field():
    montage = get_montage("laplacian")
    labels = montage.labels(ELECTRODES)
    assert labels == [f"{e}-Lap" for e in REFERENTIAL_ORDER]
    traces = dict(zip(labels, montage.apply(point_source(), ELECTRODES)[:, 0], strict=True))
    # Cz's neighbours are C3, C4, Fz, Pz; C3 and C4 have 4 neighbours, Fz and Pz 3.
    assert traces["Cz-Lap"] == pytest.approx(100.0)
    assert traces["C3-Lap"] == traces["C4-Lap"] == pytest.approx(-25.0)
    assert traces["Fz-Lap"] == traces["Pz-Lap"] == pytest.approx(-100.0 / 3)
    assert all(traces[f"{e}-Lap"] == 0 for e in ("Fp1", "O2", "T3", "F7", "P3"))
    flat = np.full((len(ELECTRODES), 3), 42.0)
    np.testing.assert_allclose(montage.apply(flat, ELECTRODES), 0.0, atol=1e-12)
    np.testing.assert_allclose(get_montage("average").apply(flat, ELECTRODES), 0.0, atol=1e-12)


def test_hjorth_neighbours_are_the_10_20_electrodes_within_80_mm():
    positions = mne.channels.make_standard_montage("colin27_1020").get_positions()["ch_pos"]
    assert set(HJORTH_NEIGHBOURS) == set(REFERENTIAL_ORDER)
    for electrode, neighbours in HJORTH_NEIGHBOURS.items():
        near = {
            other
            for other in REFERENTIAL_ORDER
            if other != electrode
            and np.linalg.norm(positions[other] - positions[electrode]) < 0.080
        }
        assert set(neighbours) == near, electrode


def test_absent_electrode_leaves_only_its_derivations_absent(data):
    present = [e for e in ELECTRODES if e != "Pz"]
    montage = get_montage("acns-banana")
    assert montage.missing(present) == ["Pz"]
    _, available = montage.matrix(present)
    assert [label for label, ok in zip(ACNS_DOUBLE_BANANA, available, strict=True) if not ok] == [
        "Cz-Pz"
    ]
    laplacian = get_montage("laplacian")
    _, available = laplacian.matrix(present)
    absent = {
        label for label, ok in zip(laplacian.labels(present), available, strict=True) if not ok
    }
    assert absent == {"P3-Lap", "Pz-Lap", "P4-Lap", "Cz-Lap"}


def test_ten_ten_and_tuh_names_map_to_the_acns_montage(tmp_path):
    names = ["FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8",
             "T7", "T8", "P7", "P8", "FZ", "CZ", "PZ"]  # fmt: skip
    labels = [f"EEG {n}-LE" if i % 2 else n.capitalize() for i, n in enumerate(names)]
    volts = eeg_like(len(labels), 256 * 4, 256.0, seed=4)
    rec = open_recording(write_edf(tmp_path / "ten-ten.edf", volts, 256.0, labels))
    assert {"T3", "T4", "T5", "T6"} <= set(rec.electrodes)
    page = read_page(rec, 0.0, 4.0, "acns-banana", display_filter=DisplayFilter(None, None, None))
    assert page.available.all() and page.missing == []
    raw = {e: rec.read_samples(0, rec.n_samples, [e])[0] * 1e6 for e in ("F7", "T3", "Fz", "Cz")}
    np.testing.assert_allclose(page.data[page.labels.index("F7-T3")], raw["F7"] - raw["T3"])
    np.testing.assert_allclose(page.data[page.labels.index("Fz-Cz")], raw["Fz"] - raw["Cz"])


def test_traces_carry_their_drawing_and_refuse_bad_values():
    montage = Montage("mine", "test", (Trace("Fz", "Cz", "#1f4fbf", 2.0, True, True),))
    (derivation,) = montage.derivations(ELECTRODES)
    assert (derivation.colour, derivation.gain, derivation.inverted, derivation.hidden) == (
        "#1f4fbf", 2.0, True, True,
    )  # fmt: skip
    for bad in (
        dict(gain=0.0),
        dict(gain=float("nan")),
        dict(colour="blue"),
    ):
        with pytest.raises(ConfigError):
            Trace("Fz", "Cz", **bad)
    with pytest.raises(ConfigError, match="19 electrodes of the 10-20 system"):
        Trace("FC1", "Lap")
