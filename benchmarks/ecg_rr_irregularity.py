"""How irregular the RR intervals of each rhythm are, as the ECG draft measures it.

For every record of the given splits of an ECG corpus, the QRS complexes are found as the
program finds them and :func:`elm_desktop.clinical.ecg_report.rr_irregularity` is computed
(the least, over lags of one, two and three intervals, of the median change between RR
intervals that far apart, over the mean RR). Printed per rhythm, with premature atrial and
ventricular beats apart: the 5th, 50th and 95th percentiles and the maximum, and how many
records reach :data:`~elm_desktop.clinical.ecg_report.AF_MIN_SUCCESSIVE_RR`, the bar for
stating atrial fibrillation beside a sinus rhythm whose P wave was not found.

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_rr_irregularity.py \
        [--corpus data/ecg-train-3000] [--splits train val]

Figures go to stdout (``benchmarks/results/ecg-rr-irregularity.txt`` keeps one run).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from elm_desktop.clinical.ecg_report import AF_MIN_SUCCESSIVE_RR, rr_irregularity
from elm_desktop.signals.ecg import read_ecg
from elm_desktop.signals.ecg.qrs import detect_qrs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("data/ecg-train-3000"))
    parser.add_argument("--splits", nargs="+", default=["train", "val"])
    args = parser.parse_args()
    lines = (args.corpus / "manifest.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line]
    records = [r for r in records if r["split"] in args.splits]
    by_rhythm: dict[str, list[float]] = {}
    for record in records:
        ecg = read_ecg(args.corpus / record["wfdb"])
        rr = np.diff(detect_qrs(ecg.samples_mv, ecg.sfreq)) / ecg.sfreq
        findings = {f["name"] for f in record["findings"]}
        ectopy = "".join(f" + {name}" for name in ("pac", "pvc") if name in findings)
        by_rhythm.setdefault(record["rhythm"] + ectopy, []).append(rr_irregularity(rr))
    print(
        f"{len(records)} records of {args.corpus.name} ({', '.join(args.splits)}); "
        f"bar {AF_MIN_SUCCESSIVE_RR}"
    )
    print(f"{'rhythm':36s} {'n':>5s} {'p5':>6s} {'p50':>6s} {'p95':>6s} {'max':>6s}  at bar")
    for rhythm, values in sorted(by_rhythm.items()):
        v = np.asarray(values)
        print(
            f"{rhythm:36s} {v.size:5d} {np.percentile(v, 5):6.3f} {np.median(v):6.3f} "
            f"{np.percentile(v, 95):6.3f} {v.max():6.3f}  {int(np.sum(v >= AF_MIN_SUCCESSIVE_RR))}"
        )


if __name__ == "__main__":
    main()
