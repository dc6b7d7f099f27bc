"""How true the ECG draft's statements are, on the test split of the ECG training corpus.

For every test record (patients never seen in training) the shipped ECG bundle analyses the
WFDB file as the program does (``analyze_ecg``), and the draft is compared with the manifest:

- the **rate** the draft states (QRS complexes of the 12 leads) against the manifest's heart rate;
- the **rhythm** it states (or leaves to the reviewer) against the record's rhythm;
- every **finding it states**: true when the record has it (precision), and every finding the
  record has: stated or not (recall), over all findings but the rhythm and the record-level
  "Normal ECG", which is counted apart (true on a record without an abnormal finding);
- the findings over threshold that the draft **held back** (measured rate, RR regularity,
  LBBB, exclusive pairs): how many of them the record really had.

Run from the repository root::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_draft_check.py \
        [--corpus data/ecg-train-3000] [--model elm_desktop/resources/models/ecg-demo]

Figures go to stdout (``benchmarks/results/ecg-draft.txt`` keeps one run).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from elm_desktop.analysis_ecg import analyze_ecg
from elm_desktop.paths import default_ecg_bundle
from elm_desktop.runtime import Bundle, Engine

RHYTHMS = {
    "sinus_rhythm",
    "sinus_bradycardia",
    "sinus_tachycardia",
    "atrial_fibrillation",
    "atrial_flutter",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("data/ecg-train-3000"))
    parser.add_argument("--model", type=Path, default=default_ecg_bundle())
    parser.add_argument("--split", default="test")
    args = parser.parse_args()

    engine = Engine(Bundle.load(args.model), device="cpu")
    lines = (args.corpus / "manifest.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line]
    records = [r for r in records if r["split"] == args.split]
    rate_error, rhythm_calls, normal_calls = [], Counter(), Counter()
    stated = correct = truth_total = truth_stated = 0
    held_true, held_false = Counter(), Counter()
    false_stated, missed = Counter(), Counter()
    cautioned = Counter()  # the 2:1 flutter caution, by the record's true rhythm
    for record in records:
        result = analyze_ecg(args.corpus / record["wfdb"], engine)
        draft = result.draft
        text = draft.text()
        truth = {f["name"] for f in record["findings"]}
        rate_line = next(line for line in text.splitlines() if line.startswith("RATE:"))
        if "Ventricular rate" in rate_line:
            rate = float(rate_line.split("Ventricular rate ")[1].split("/min")[0])
            rate_error.append(abs(rate - record["measurements"]["heart_rate"]))
        if "rule out atrial flutter with 2:1 conduction" in text:
            cautioned[record["rhythm"]] += 1
        said = [f for f in draft.asserted if f in RHYTHMS]
        if not said:
            rhythm_calls["left to the reviewer"] += 1
        else:
            rhythm_calls["right" if said[0] == record["rhythm"] else "wrong"] += 1
        normal_calls["true" if not record["abnormal"] else "false"] += "normal" in draft.asserted
        findings = [f for f in draft.asserted if f not in RHYTHMS and f != "normal"]
        stated += len(findings)
        correct += sum(f in truth for f in findings)
        others = truth - RHYTHMS
        truth_total += len(others)
        truth_stated += len(others & set(findings))
        false_stated.update(f for f in findings if f not in truth)
        missed.update(others - set(findings))
        # A held "normal" is true of a normal record, which the truth's findings do not list.
        held_truth = truth | ({"normal"} if not record["abnormal"] else set())
        for finding in draft.held:
            (held_true if finding in held_truth else held_false)[finding] += 1
    errors = np.asarray(rate_error)
    print(f"{len(records)} {args.split} records of {args.corpus.name}, model {result.model}")
    print(
        f"rate stated on {len(errors)}: |error| mean {errors.mean():.2f} bpm, 95th percentile "
        f"{np.percentile(errors, 95):.2f}, max {errors.max():.2f}; within 2 bpm: "
        f"{np.mean(errors <= 2):.3f}"
    )
    print("rhythm:", dict(rhythm_calls))
    print(f"2:1 flutter caution, by true rhythm: {dict(cautioned)}")
    print(
        f"'Normal ECG.' stated on {sum(normal_calls.values())}, of which on a normal record "
        f"{normal_calls['true']}"
    )
    print(
        f"other findings stated: {stated}, of which true {correct} (precision "
        f"{correct / max(stated, 1):.3f}); of the records' {truth_total} other findings "
        f"{truth_stated} stated (recall {truth_stated / max(truth_total, 1):.3f})"
    )
    print(f"stated but absent, per finding: {dict(false_stated.most_common())}")
    print(f"present but not stated, per finding: {dict(missed.most_common())}")
    print(
        f"held back: {sum(held_false.values())} the record did not have "
        f"{dict(held_false)}; {sum(held_true.values())} it had {dict(held_true)}"
    )


if __name__ == "__main__":
    main()
