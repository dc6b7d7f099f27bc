"""Electrodes flat in the file as recorded are found, though no derivation through them is."""

from __future__ import annotations

from elm_desktop.signals import open_recording
from elm_desktop.signals.flat_electrodes import flat_electrodes
from elm_desktop.signals.preprocess import elm_electrodes
from tests.gui.conftest import write_edf


def test_dead_electrodes_are_named_and_a_vertex_reference_is_not(tmp_path):
    def flat(*dead):
        rec = open_recording(write_edf(tmp_path / f"flat-{'-'.join(dead)}.edf", 30, flat=dead))
        return flat_electrodes(rec, elm_electrodes(rec))

    assert flat() == []
    assert flat("O1", "T3") == ["O1", "T3"]
    # Flat by construction in a Cz-referenced file, whose derivations are all right.
    assert flat("Cz") == []
    assert flat("Cz", "F4") == ["F4"]


def test_a_recording_with_dead_electrodes_is_unlike_the_training_data(demo_engine, tmp_path):
    from elm_desktop.analysis import analyze

    result = analyze(write_edf(tmp_path / "dead.edf", flat=("O1", "T3")), demo_engine)
    assert result.familiarity.unfamiliar
    assert "flat or disconnected electrodes: O1, T3" in result.familiarity.statement
    intact = analyze(write_edf(tmp_path / "intact.edf"), demo_engine)
    assert "electrodes" not in intact.familiarity.statement


def test_most_electrodes_dead_are_named_too(tmp_path):
    from elm_desktop.synth.electrodes import ELECTRODES

    rec = open_recording(write_edf(tmp_path / "mostly.edf", 30, flat=tuple(ELECTRODES[:12])))
    read = elm_electrodes(rec)
    named = flat_electrodes(rec, read)
    assert set(named) == {e for e in ELECTRODES[:12] if e in read and e != "Cz"}
