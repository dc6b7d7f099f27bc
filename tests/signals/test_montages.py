"""Every montage's derivations, checked against the arithmetic written out by hand."""

import numpy as np
import pytest

from elm_desktop.errors import ConfigError
from elm_desktop.signals import ELM_CHANNELS, TCP_22, get_montage, list_montages

ELECTRODES = [
    "Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
    "F7", "F8", "T3", "T4", "T5", "T6", "Fz", "Cz", "Pz", "A1", "A2",
]  # fmt: skip


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    return rng.standard_normal((len(ELECTRODES), 50))


def row(data, name):
    return data[ELECTRODES.index(name)]


BUILTIN = [
    "tcp-elm", "acns-banana", "transverse", "tcp-22", "ref-ears", "ref-cz", "average",
    "laplacian", "as-recorded",
]  # fmt: skip


def test_registry_lists_every_montage_and_rejects_unknown_names():
    assert list_montages() == BUILTIN
    with pytest.raises(ConfigError, match=", ".join(BUILTIN)):
        get_montage("banana")


def test_the_elm_input_montage_is_labelled_tcp_not_double_banana():
    assert get_montage("tcp-elm").description == "TCP (ELM input)"
    assert "double banana" in get_montage("acns-banana").description


def test_elm_montage_is_the_exact_elm_order(data):
    assert ELM_CHANNELS[:4] == ("Fp1-F7", "F7-T3", "T3-T5", "T5-O1")
    assert ELM_CHANNELS[8:12] == ("T3-C3", "C3-Cz", "Cz-C4", "C4-T4")
    assert ELM_CHANNELS[-1] == "P4-O2" and len(ELM_CHANNELS) == 20
    montage = get_montage("tcp-elm")
    traces = montage.apply(data, ELECTRODES)
    assert montage.labels(ELECTRODES) == list(ELM_CHANNELS)
    for trace, label in zip(traces, ELM_CHANNELS, strict=True):
        anode, cathode = label.split("-")
        np.testing.assert_allclose(trace, row(data, anode) - row(data, cathode))


@pytest.mark.parametrize("name", ["tcp-22", "transverse"])
def test_bipolar_montages_subtract_cathode_from_anode(name, data):
    montage = get_montage(name)
    traces = montage.apply(data, ELECTRODES)
    labels = montage.labels(ELECTRODES)
    if name == "tcp-22":
        assert labels == list(TCP_22) and labels[8] == "A1-T3" and labels[13] == "T4-A2"
    for trace, label in zip(traces, labels, strict=True):
        anode, cathode = label.split("-")
        np.testing.assert_allclose(trace, row(data, anode) - row(data, cathode))


def test_average_reference_uses_scalp_electrodes_only(data):
    montage = get_montage("average")
    traces = montage.apply(data, ELECTRODES)
    scalp = [e for e in ELECTRODES if e not in ("A1", "A2")]
    mean = np.mean([row(data, e) for e in scalp], axis=0)
    assert montage.labels(ELECTRODES) == [f"{e}-Avg" for e in scalp]
    for trace, electrode in zip(traces, scalp, strict=True):
        np.testing.assert_allclose(trace, row(data, electrode) - mean)
    np.testing.assert_allclose(traces.sum(axis=0), 0, atol=1e-12)


def test_as_recorded_is_the_identity(data):
    montage = get_montage("as-recorded")
    np.testing.assert_array_equal(montage.apply(data, ELECTRODES), data)
    assert montage.labels(ELECTRODES) == ELECTRODES


def test_missing_electrodes_are_named_and_other_traces_still_build(data):
    present = [e for e in ELECTRODES if e not in ("T3", "O2")]
    kept = data[[ELECTRODES.index(e) for e in present]]
    montage = get_montage("tcp-elm")
    assert montage.missing(present) == ["T3", "O2"]
    matrix, available = montage.matrix(present)
    assert matrix.shape == (20, len(present))
    broken = {"F7-T3", "T3-T5", "T3-C3", "T6-O2", "P4-O2"}
    assert {label for label, ok in zip(ELM_CHANNELS, available, strict=True) if not ok} == broken
    traces = montage.apply(kept, present)
    for trace, label, ok in zip(traces, ELM_CHANNELS, available, strict=True):
        if ok:
            anode, cathode = label.split("-")
            np.testing.assert_allclose(trace, row(data, anode) - row(data, cathode))
        else:
            assert np.isnan(trace).all()
