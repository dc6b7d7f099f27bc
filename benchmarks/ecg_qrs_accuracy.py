"""The draft's measured rate: QRS complexes across the 12 leads against lead II's R peaks.

For each WFDB record of each corpus (the manifest's ``wfdb`` entries of the given split): the
rate as the draft measures it (60 over the mean RR interval) from
:func:`elm_desktop.signals.ecg.qrs.detect_qrs` on all leads, and from the EEG EKG detector
(:func:`elm_desktop.signals.heart_rate.detect_r_peaks`) on lead II alone, which the draft used
before; against the manifest's ``measurements.heart_rate``, or for neurokit2's records
(``benchmarks/ecg_external_corpus.py``) the rate their rhythm was simulated at.

    OMP_NUM_THREADS=1 python benchmarks/ecg_qrs_accuracy.py data/ecg-train-3000:val \
        data/ecg-train-3000:test /tmp/nk-corpus:external
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import wfdb

from elm_desktop.signals.ecg.qrs import detect_qrs
from elm_desktop.signals.heart_rate import detect_r_peaks

#: The rates of the neurokit2 records, by the rhythm their manifest names.
SIMULATED_BPM = {"sinus_bradycardia": 48, "sinus_rhythm": 75, "sinus_tachycardia": 120}


def _rate(peaks: np.ndarray, sfreq: float) -> float:
    return float(60.0 / np.mean(np.diff(peaks) / sfreq)) if len(peaks) >= 3 else float("nan")


def _summary(errors: np.ndarray) -> str:
    return (
        f"within 2 bpm {np.mean(errors <= 2):.3f}, mean error {np.nanmean(errors):.2f}, "
        f"max {np.nanmax(errors):.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", help="CORPUS:SPLIT")
    args = parser.parse_args()
    for spec in args.corpora:
        folder, _, split = spec.partition(":")
        rows = [json.loads(line) for line in (Path(folder) / "manifest.jsonl").open()]
        rows = [r for r in rows if r.get("split") == split]
        all_leads, lead_ii = [], []
        for entry in rows:
            record = wfdb.rdrecord(str(Path(folder) / Path(entry["wfdb"]).stem))
            truth = (entry.get("measurements") or {}).get("heart_rate") or SIMULATED_BPM[
                entry["rhythm"]
            ]
            samples = record.p_signal.T
            all_leads.append(abs(_rate(detect_qrs(samples, record.fs), record.fs) - truth))
            ii = samples[record.sig_name.index("II")]
            lead_ii.append(abs(_rate(detect_r_peaks(ii, record.fs)[0], record.fs) - truth))
        print(f"{spec}: {len(rows)} records")
        print(f"  QRS complexes, 12 leads: {_summary(np.array(all_leads))}")
        print(f"  R peaks, lead II:        {_summary(np.array(lead_ii))}")


if __name__ == "__main__":
    main()
