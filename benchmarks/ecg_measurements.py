"""How close the median-beat measurements come to the generator's truth, and what they hold back.

For every record of one split of the ECG corpus (default the test split of
``data/ecg-train-3000``), the recorded WFDB file is read as the program reads it and measured
(:func:`elm_desktop.signals.ecg.measurements.measure_ecg`), and each measurement is compared
with the manifest's ``measurements`` (the generator's plan: its QRS waves' span, its PR, QT and
axis, its voltages and J+60 ms levels):

- per figure: records measured, bias, mean and 95th-percentile absolute error;
- QTc's and the axis's bias and error per rhythm (sinus, atrial fibrillation, flutter);
- PR: measured on how many sinus records, and given wrongly for how many records of atrial
  fibrillation or flutter (which have no PR);
- per finding with a measured criterion (:mod:`elm_desktop.clinical.ecg_criteria`): of the
  records that have it, how many the criterion would hold back (the measurement's misses), and
  of those that lack it, how many it holds back (what it can stop the model from stating).

With ``--neurokit2`` it also measures neurokit2's simulated 12-lead ECGs (another simulator;
no truth to compare with, so only the figures and their spread over seeds are printed).

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_measurements.py \
        [--corpus data/ecg-train-3000] [--split test] [--sfreq 100] [--neurokit2]

``--sfreq`` resamples each record first (polyphase, as a file stored at that rate would be).

Figures go to stdout (``benchmarks/results/ecg-measurements.txt`` keeps one run).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from elm_desktop.clinical.ecg_criteria import CRITERIA, measured_conflict
from elm_desktop.signals.ecg import read_ecg
from elm_desktop.signals.ecg.measurements import alike_fraction, measure_ecg
from elm_desktop.signals.ecg.qrs import MIN_ALIKE, detect_qrs

FIGURES = (
    "pr_ms",
    "qrs_ms",
    "qt_ms",
    "qtc_ms",
    "axis_deg",
    "sokolow_lyon_mv",
    "cornell_mv",
    "max_limb_qrs_mv",
    "max_chest_qrs_mv",
)
SINUS = ("sinus_rhythm", "sinus_bradycardia", "sinus_tachycardia")


def _corpus(corpus: Path, split: str, sfreq: int | None) -> None:
    lines = (corpus / "manifest.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line]
    records = [r for r in records if r["split"] == split]
    errors: dict[str, list[float]] = {key: [] for key in (*FIGURES, "st_mv")}
    unmeasured = 0
    pr = Counter()
    held_true, held_false, has, lacks = Counter(), Counter(), Counter(), Counter()
    seconds, alike = [], []
    qtc_by_rhythm: dict[str, list[float]] = {}
    axis_by_rhythm: dict[str, list[float]] = {}
    for record in records:
        ecg = read_ecg(corpus / record["wfdb"])
        samples, rate = ecg.samples_mv, ecg.sfreq
        if sfreq is not None:  # as a file of another rate would hold it
            step = Fraction(sfreq / rate).limit_denominator(100)
            samples = resample_poly(samples, step.numerator, step.denominator, axis=1)
            rate = float(sfreq)
        started = time.perf_counter()
        qrs = detect_qrs(samples, rate)
        m = measure_ecg(samples, rate, qrs)
        seconds.append(time.perf_counter() - started)
        alike.append(alike_fraction(samples, rate, qrs))
        truth = record["measurements"]
        findings = {f["name"] for f in record["findings"]}
        for finding in CRITERIA:
            held = measured_conflict(finding, m) is not None
            (has if finding in findings else lacks)[finding] += 1
            (held_true if finding in findings else held_false)[finding] += held
        if m is None:
            unmeasured += 1
            continue
        sinus = record["rhythm"] in SINUS
        pr[("sinus" if sinus else "no P waves", m.pr_ms is not None)] += 1
        for key in FIGURES:
            value, true = getattr(m, key), truth.get(key)
            if value is None or true is None:
                continue
            difference = value - true
            if key == "axis_deg":
                difference = (difference + 180) % 360 - 180
            errors[key].append(difference)
        errors["st_mv"] += [m.st_mv[lead] - truth["st_j60_mv"][lead] for lead in m.st_mv]
        rhythm = "sinus" if sinus else record["rhythm"].replace("_", " ")
        qtc_by_rhythm.setdefault(rhythm, []).append(m.qtc_ms - truth["qtc_ms"])
        if m.axis_deg is not None and truth.get("axis_deg") is not None:
            turn = (m.axis_deg - truth["axis_deg"] + 180) % 360 - 180
            axis_by_rhythm.setdefault(rhythm, []).append(turn)
    resampled = f", resampled to {sfreq} Hz" if sfreq else ""
    print(f"{len(records)} {split} records of {corpus.name}{resampled}; not measured: {unmeasured}")
    print(
        f"measuring one record (QRS detection and median beat): median {np.median(seconds) * 1000:.1f} ms"
    )
    shares = np.asarray([a for a in alike if a is not None])
    print(
        f"share of QRS complexes alike (the rate's gate, {MIN_ALIKE}): min {shares.min():.2f}, "
        f"1st percentile {np.percentile(shares, 1):.2f}; {len(alike) - shares.size} records "
        "without enough timely complexes to compare"
    )
    print(f"{'figure':18s} {'n':>5s} {'bias':>8s} {'mean |e|':>9s} {'95th |e|':>9s}")
    for key, values in errors.items():
        e = np.asarray(values, float)
        print(
            f"{key:18s} {e.size:5d} {e.mean():8.2f} {np.abs(e).mean():9.2f} "
            f"{np.percentile(np.abs(e), 95):9.2f}"
        )
    for name, by_rhythm, unit in (("QTc", qtc_by_rhythm, "ms"), ("axis", axis_by_rhythm, "deg")):
        print(
            f"{name} by rhythm (bias / mean |e|, {unit}): "
            + ", ".join(
                f"{rhythm} ({len(e)}) {np.mean(e):+.1f} / {np.mean(np.abs(e)):.1f}"
                for rhythm, e in sorted(by_rhythm.items())
            )
        )
    sinus_total = pr[("sinus", True)] + pr[("sinus", False)]
    other_total = pr[("no P waves", True)] + pr[("no P waves", False)]
    print(
        f"PR measured on {pr[('sinus', True)]} of {sinus_total} sinus records; given for "
        f"{pr[('no P waves', True)]} of {other_total} records of atrial fibrillation or flutter"
    )
    print("criterion holds back: of the records that have the finding / of those that lack it")
    for finding in CRITERIA:
        print(
            f"  {finding:22s} {held_true[finding]:3d} of {has[finding]:3d}   "
            f"{held_false[finding]:3d} of {lacks[finding]:3d}"
        )


def _neurokit2(n: int) -> None:
    from ecg_external_check import neurokit2_ecg

    print(f"\nneurokit2 ecg_simulate(method='multileads'), 10 s at 500 Hz, seeds 0-{n - 1}:")
    for rate in (48, 75, 120):
        rows = []
        for seed in range(n):
            x = neurokit2_ecg(rate, seed)
            m = measure_ecg(x, 500.0, detect_qrs(x, 500.0))
            rows.append(m)
        measured = [m for m in rows if m is not None]
        line = [f"{rate} bpm: measured {len(measured)} of {n}"]
        for key in ("pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "axis_deg"):
            values = [getattr(m, key) for m in measured if getattr(m, key) is not None]
            if values:
                line.append(f"{key} {np.min(values):.0f}-{np.max(values):.0f}")
        print("  " + ", ".join(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("data/ecg-train-3000"))
    parser.add_argument("--split", default="test")
    parser.add_argument("--sfreq", type=int, default=None, help="resample the records to this rate")
    parser.add_argument("--neurokit2", action="store_true", help="also measure neurokit2 ECGs")
    parser.add_argument("--n", type=int, default=10, help="neurokit2 records per rate")
    args = parser.parse_args()
    _corpus(args.corpus, args.split, args.sfreq)
    if args.neurokit2:
        _neurokit2(args.n)


if __name__ == "__main__":
    main()
