"""Write the ECG external check's neurokit2 records as a corpus, for ``model familiarity measure``.

The same 30 records as ``benchmarks/ecg_external_check.py`` (neurokit2's
``ecg_simulate(method="multileads")``, normal sinus rhythm at 48, 75 and 120 bpm, seeds 0-9,
10 s at 500 Hz; neurokit2 is not a dependency), written as WFDB with a ``manifest.jsonl`` whose
entries carry the ``wfdb`` key, so that the familiarity reference can be measured on them:

    PYTHONPATH=<neurokit2> OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_external_corpus.py OUT
    OMP_NUM_THREADS=1 .venv/bin/elm-desktop model familiarity measure \\
        elm_desktop/resources/models/ecg-demo data/ecg-train-3000:test OUT --device cpu
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from ecg_external_check import RATES, neurokit2_ecg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="new corpus folder")
    parser.add_argument("--n", type=int, default=10, help="records per heart rate")
    args = parser.parse_args()

    import neurokit2 as nk

    from elm_desktop.signals.ecg import STANDARD_LEADS
    from elm_desktop.synth.ecg.writers import write_wfdb

    args.out.mkdir(parents=True, exist_ok=False)
    entries = []
    for truth, rate in RATES.items():
        for seed in range(args.n):
            samples = neurokit2_ecg(rate, seed)
            name = f"nk-{rate}-{seed}"
            write_wfdb(args.out / name, samples, 500, STANDARD_LEADS, dt.datetime(2020, 1, 1))
            entries.append(
                {"id": name, "split": "external", "modality": "ecg", "wfdb": f"{name}.hea",
                 "sfreq": 500, "duration_s": 10.0, "rhythm": truth}
            )  # fmt: skip
    with (args.out / "manifest.jsonl").open("w", encoding="utf-8") as stream:
        stream.writelines(json.dumps(entry) + "\n" for entry in entries)
    print(f"{len(entries)} records (neurokit2 {nk.__version__}) in {args.out}")


if __name__ == "__main__":
    main()
