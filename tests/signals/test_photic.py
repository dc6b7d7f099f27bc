"""Flash trains read from a photic stimulator channel, and what they make the draft say."""

from __future__ import annotations

import numpy as np

from elm_desktop.clinical.procedures import recorded_procedures
from elm_desktop.signals import open_recording
from elm_desktop.signals.photic import FlashTrain, flash_trains, trains_in
from elm_desktop.signals.recording import Annotation
from tests.signals.conftest import eeg_like, write_edf

SFREQ = 256


def pulses(seconds: float, trains: list[tuple[float, float, float]], noise: float = 2.0):
    """A stimulator channel (uV): 10 ms pulses of 1000 uV at (start, end, rate) trains."""
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, noise, int(seconds * SFREQ))
    for start, end, rate in trains:
        for t in np.arange(start, end, 1.0 / rate):
            a = int(round(t * SFREQ))
            x[a : a + max(1, int(0.01 * SFREQ))] += 1000.0
    return x


def test_each_train_is_found_with_its_rate():
    found = trains_in(pulses(120, [(20, 26, 1.0), (30, 36, 9.0), (40, 46, 21.0)]), SFREQ)
    assert [t.flashes for t in found] == [6, 54, 126]
    assert [round(t.frequency_hz, 1) for t in found] == [1.0, 9.0, 21.0]
    assert found[0].start_s == 20.0 and abs(found[2].end_s - 45.95) < 0.01


def test_a_channel_without_flashes_holds_no_train():
    assert trains_in(pulses(60, [], noise=5.0), SFREQ) == []  # noise alone
    assert trains_in(np.zeros(60 * SFREQ), SFREQ) == []
    # Pulses at random intervals are no stimulator's.
    rng = np.random.default_rng(1)
    stray = pulses(60, [])
    for t in np.sort(rng.uniform(5, 55, 12)):
        stray[int(t * SFREQ)] += 1000.0
    assert all(t.flashes < 5 for t in trains_in(stray, SFREQ))


def test_the_photic_channel_of_a_file_shows_photic_stimulation(tmp_path):
    labels = [f"EEG {e}-REF" for e in ("FP1", "FP2", "C3", "C4", "O1", "O2")]
    path = write_edf(
        tmp_path / "photic.edf",
        eeg_like(len(labels), 90 * SFREQ, SFREQ),
        SFREQ,
        labels,
        extra=[("PHOTIC", pulses(90, [(30, 36, 5.0), (40, 46, 10.0)]), SFREQ)],
    )
    trains = flash_trains(open_recording(path))
    assert [round(t.frequency_hz) for t in trains] == [5, 10]
    [photic] = recorded_procedures([], None, 5.0, trains)
    assert photic.name == "photic stimulation"
    assert photic.source == "2 flash trains on the photic channel"
    assert (photic.start_s, round(photic.end_s, 1)) == (30.0, 45.9)
    # Annotations, where there are, say it first.
    annotated = [FlashTrain(1.0, 2.0, 3.0, 4)]
    [marked] = recorded_procedures([Annotation(30.0, 16.0, "Photic 5 Hz")], None, 5.0, annotated)
    assert marked.source == "EDF+ annotations"
