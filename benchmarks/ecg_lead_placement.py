"""How often the reader names misplaced limb leads, and how often it names them wrongly.

For each record of an ECG corpus (read as the program reads it), three versions:

- as recorded: any placement warning is a false warning;
- the arm electrodes reversed (lead I inverted, II with III and aVR with aVL exchanged, aVF
  unchanged): named when the reader's checks say so;
- the labels of II and III exchanged: named likewise.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_lead_placement.py data/ecg-train-3000 [--n 600]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from elm_desktop.signals.ecg import read_ecg
from elm_desktop.signals.ecg.leads import STANDARD_LEADS, placement_warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--n", type=int, default=600, help="first N records of the manifest")
    args = parser.parse_args()
    lines = (args.corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines][: args.n]
    false_named, arms_named, exchange_named = [], 0, 0
    for entry in entries:
        ecg = read_ecg(args.corpus / entry["wfdb"])
        if ecg.misplaced:
            false_named.append(entry["wfdb"])
        leads = dict(zip(STANDARD_LEADS, ecg.samples_mv, strict=True))
        arms = dict(leads)
        arms["I"] = -leads["I"]
        arms["II"], arms["III"] = leads["III"], leads["II"]
        arms["aVR"], arms["aVL"] = leads["aVL"], leads["aVR"]
        arms_named += bool(placement_warnings(arms, ecg.sfreq))
        exchanged = dict(leads)
        exchanged["II"], exchanged["III"] = leads["III"], leads["II"]
        exchange_named += bool(placement_warnings(exchanged, ecg.sfreq))
    n = len(entries)
    print(f"{args.corpus.name}: {n} records")
    print(f"  as recorded: placement warning on {len(false_named)} ({len(false_named) / n:.1%})")
    print(f"  arm electrodes reversed: named on {arms_named} ({arms_named / n:.1%})")
    print(f"  II and III labels exchanged: named on {exchange_named} ({exchange_named / n:.1%})")
    for name in false_named[:10]:
        print(f"  false warning: {name}")


if __name__ == "__main__":
    main()
