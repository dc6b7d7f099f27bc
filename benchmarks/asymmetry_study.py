"""A focal finding over its threshold: does the recording show an asymmetry?

A study for the draft rule of ``clinical.localise.without_asymmetry``. For every recording of a
synthetic corpus, analysed as the program analyses it (``analysis.analyze`` with the demo
bundle), the finding's score (focal attenuation by default, ``--finding focal_slowing``) and
whether the localiser names a side in the finding's own bands (fast ones for attenuation, slow
ones for slowing), in all bands, and in either, against the truth. A rule that holds the
finding where no side is named should drop false statements and keep true ones.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/asymmetry_study.py [--finding ID] \
        data/wave-atoms-test-150 data/dipole-spectral-test-150 \
        data/neural-mass-test-150 data/filtered-noise-test-150

One line per corpus on stdout (``benchmarks/results/wave-atoms-transfer/attenuation-asymmetry.txt``
and ``focal-slowing-asymmetry.txt`` keep one run each).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from elm_desktop.analysis import analyze
from elm_desktop.cli.analyze import load_engine
from elm_desktop.clinical.localise import ASYMMETRIES, BANDS, localise
from elm_desktop.signals.montages import ELM_CHANNELS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="folders with manifest.jsonl")
    parser.add_argument("--finding", choices=ASYMMETRIES, default="focal_attenuation")
    args = parser.parse_args()
    engine = load_engine(None, "cpu")
    every_band = tuple(name for name, _, _ in BANDS)
    for corpus in args.corpus:
        rows = []
        for line in (Path(corpus) / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            result = analyze(Path(corpus) / entry["edf"], engine)
            score = next(s for s in result.findings if s.finding_id == args.finding)
            own = localise(score, result.band_power, ELM_CHANNELS)
            broad = localise(score, result.band_power, ELM_CHANNELS, every_band)
            truth = any(f["name"] == args.finding for f in entry["findings"])
            rows.append((truth, score.present, bool(own.side), bool(broad.side)))
        truth, present, own_side, broad_side = np.array(rows, bool).T
        kept = {
            name: f"{(present & side).sum()} ({(present & side & truth).sum()})"
            for name, side in (
                ("own", own_side),
                ("all", broad_side),
                ("either", own_side | broad_side),
            )
        }
        print(
            f"{corpus}: truth {truth.sum()}, over threshold {present.sum()} "
            f"({(present & truth).sum()} true); kept with a side in its own bands "
            f"{kept['own']}, in all bands {kept['all']}, in either {kept['either']}; "
            f"true ones with a side in all bands {(truth & broad_side).sum()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
