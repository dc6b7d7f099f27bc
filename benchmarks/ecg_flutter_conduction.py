"""How often the flutter conduction ratio is measured, and rightly, against the generator's truth.

For every record of one split of the ECG corpus (default: the test split of
``data/ecg-train-3000``), read as the program reads it, the QRS complexes, the median beat and
:func:`elm_desktop.signals.ecg.flutter.flutter_conduction` are computed. For the flutter records
the ratio is compared with the manifest's ``conduction_ratio`` and the atrial rate (ratio x the
measured ventricular rate) with its ``atrial_rate``; for the other records the benchmark counts
how many would give a ratio (the draft states one only beside a stated flutter).

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_flutter_conduction.py [--split val]

Figures go to stdout (``benchmarks/results/ecg-flutter-conduction.txt`` keeps one run).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from elm_desktop.signals.ecg import read_ecg
from elm_desktop.signals.ecg.flutter import flutter_conduction
from elm_desktop.signals.ecg.measurements import measure_ecg
from elm_desktop.signals.ecg.qrs import detect_qrs, rate_bpm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("data/ecg-train-3000"))
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    outcome: Counter = Counter()
    errors, others, other_total = [], Counter(), 0
    for line in (args.corpus / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["split"] != args.split:
            continue
        rec = read_ecg(args.corpus / entry["wfdb"])
        qrs = detect_qrs(rec.samples_mv, rec.sfreq)
        beat = measure_ecg(rec.samples_mv, rec.sfreq, qrs)
        found = (
            None if beat is None else flutter_conduction(rec.samples_mv, rec.sfreq, qrs, beat.qt_ms)
        )
        truth = entry["measurements"].get("conduction_ratio")
        if truth is None:
            other_total += 1
            if found is not None:
                others[entry["rhythm"]] += 1
            continue
        if found is None:
            outcome[(truth, "not measured")] += 1
            continue
        right = f"{found.ratio}:1" == truth
        outcome[(truth, "right" if right else f"read {found.ratio}:1")] += 1
        rate = rate_bpm(qrs / rec.sfreq, 1.0)
        if right and rate is not None:
            errors.append(found.ratio * rate - entry["measurements"]["atrial_rate"])
    print(f"{args.corpus} {args.split}: flutter records by true conduction ratio")
    for ratio in sorted({t for t, _ in outcome}):
        parts = ", ".join(f"{what} {n}" for (t, what), n in sorted(outcome.items()) if t == ratio)
        print(f"  {ratio}: {parts}")
    if errors:
        e = np.abs(errors)
        print(
            f"atrial rate (ratio x ventricular rate) against the truth, {len(e)} records: "
            f"mean |error| {e.mean():.1f}/min, max {e.max():.1f}/min"
        )
    found_on = ", ".join(f"{r} {n}" for r, n in others.most_common()) or "none"
    print(
        f"a ratio found on {sum(others.values())} of {other_total} records without flutter: {found_on}"
    )


if __name__ == "__main__":
    main()
