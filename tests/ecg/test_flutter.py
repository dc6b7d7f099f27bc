"""Atrial flutter's conduction ratio, read from the flutter waves between T wave and QRS."""

from __future__ import annotations

import pytest

from elm_desktop.signals.ecg import read_ecg
from elm_desktop.signals.ecg.flutter import FlutterConduction, flutter_conduction
from elm_desktop.synth.ecg.corpus import generate_ecg_corpus, read_ecg_manifest


@pytest.fixture(scope="module")
def flutters(tmp_path_factory):
    out = tmp_path_factory.mktemp("flutter")
    entries = read_ecg_manifest(generate_ecg_corpus(out, 6, seed=3, findings=["atrial_flutter"]))
    records = []
    for entry in entries:
        ecg = read_ecg(out / entry["wfdb"])
        found = flutter_conduction(ecg.samples_mv, ecg.sfreq, ecg.qrs, ecg.measurements.qt_ms)
        records.append((entry["measurements"]["conduction_ratio"], found))
    return records


def test_a_4_to_1_flutter_gives_its_ratio_and_a_2_to_1_none(flutters):
    ratios = [truth for truth, _ in flutters]
    assert {"2:1", "4:1"} <= set(ratios), ratios
    for truth, found in flutters:
        if truth == "4:1":
            assert found is not None and found.ratio == 4 and 180 <= found.cycle_ms <= 230
        else:  # the flutter wave that would give the cycle hides in the QRS or the T wave
            assert found is None


def test_the_sentence_gives_the_cycle_and_the_atrial_rate(flutters):
    found = next(f for truth, f in flutters if truth == "4:1")
    sentence = found.sentence()
    rate = round(60000 / found.cycle_ms)
    assert sentence == (
        f"Flutter waves every {found.cycle_ms:.0f} ms (an atrial rate of {rate}/min) between "
        "the T wave and the next QRS: 4:1 conduction."
    )
    # The atrial rate is the cycle's, not the ratio times a ventricular rate that the ratio's
    # slack lets differ from it (4 x 70 = 280/min beside waves every 200 ms).
    assert FlutterConduction(ratio=4, cycle_ms=200.0, stretches=9).sentence() == (
        "Flutter waves every 200 ms (an atrial rate of 300/min) between the T wave and the next "
        "QRS: 4:1 conduction."
    )
