"""The ECG model on 12-lead ECGs it has never seen the like of: neurokit2's simulator.

neurokit2's ``ecg_simulate(method="multileads")`` (ECGSYN-style dynamical model, a separate
code base from the project's cardiac-dipole generator; neurokit2 is not a dependency) makes
normal sinus rhythm at a chosen heart rate. Its twelve leads are not tied by the Einthoven and
Goldberger relations (each lead is simulated with its own parameters: III - (II - I) has about
the RMS of III itself), which the reader's swap check does not flag (it names a lead that fits
another lead's relation, and here none does). Each record is written as WFDB with the project's writer and analysed
with the ECG bundle as ``elm-desktop analyze`` would; the script prints, per heart rate, the mean
probability of the rhythm findings and of "normal", how the rate classes rank, and what the
drafts state (the findings asserted and the rhythm sentence).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ecg_external_check.py [--n 10] [--model DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

RATES = {"sinus_bradycardia": 48, "sinus_rhythm": 75, "sinus_tachycardia": 120}
SHOWN = ("normal", "sinus_rhythm", "sinus_bradycardia", "sinus_tachycardia", "atrial_fibrillation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="records per heart rate")
    parser.add_argument("--model", type=Path, default=None, help="ECG bundle folder")
    args = parser.parse_args()

    import neurokit2 as nk

    from elm_desktop.analysis_ecg import analyze_ecg
    from elm_desktop.clinical.metrics import auroc
    from elm_desktop.paths import default_ecg_bundle
    from elm_desktop.runtime import Engine
    from elm_desktop.signals.ecg import STANDARD_LEADS, read_ecg
    from elm_desktop.synth.ecg.writers import write_wfdb

    os.environ.setdefault("ELM_DESKTOP_DATA", tempfile.mkdtemp(prefix="ecg-external-data-"))
    bundle = args.model or default_ecg_bundle()
    engine = Engine(bundle, device="cpu")
    folder = Path(tempfile.mkdtemp(prefix="ecg-external-"))
    rows, stated, warned = [], [], 0
    for truth, rate in RATES.items():
        for seed in range(args.n):
            samples = neurokit2_ecg(rate, seed)
            header = write_wfdb(
                folder / f"nk-{rate}-{seed}", samples, 500, STANDARD_LEADS, dt.datetime(2020, 1, 1)
            )
            result = analyze_ecg(header, engine)
            warned += bool(read_ecg(header).misplaced)  # exchanged labels or reversed arms
            rows.append((truth, {f.finding_id: f.probability for f in result.findings}))
            stated.append((truth, result.draft.asserted, _rhythm_line(result.draft)))
    print(f"model: {engine.bundle.name} {engine.bundle.version} ({bundle})")
    print(f"records: {len(rows)} (neurokit2 {nk.__version__}, {args.n} per rate, 10 s, 500 Hz)")
    print(f"reader named misplaced limb leads on {warned} of {len(rows)}")
    print("mean probability  " + "  ".join(f"{name[:18]:>18}" for name in SHOWN))
    for truth, rate in RATES.items():
        mine = [p for t, p in rows if t == truth]
        means = [np.mean([p[name] for p in mine]) for name in SHOWN]
        print(f"{rate:>4} bpm ({truth[:17]:<17})" + "  ".join(f"{m:18.3f}" for m in means))
    for name in RATES:
        labels = [t == name for t, _ in rows]
        scores = [p[name] for _, p in rows]
        print(f"AUROC of {name} against the other two rates: {auroc(labels, scores):.3f}")
    print("what the drafts state (findings; rhythm sentence), records per rate:")
    for truth, rate in RATES.items():
        mine = [(a, r) for t, a, r in stated if t == truth]
        findings = Counter(f for a, _ in mine for f in a)
        rhythms = Counter(r for _, r in mine)
        print(f"{rate:>4} bpm: findings {dict(findings)}; rhythm {dict(rhythms)}")


def neurokit2_ecg(rate: float, seed: int) -> np.ndarray:
    """neurokit2's 10 s 12-lead sinus rhythm at ``rate`` bpm, 500 Hz, in the standard lead order."""
    import neurokit2 as nk

    from elm_desktop.signals.ecg import STANDARD_LEADS

    frame = nk.ecg_simulate(
        duration=10, sampling_rate=500, heart_rate=rate, method="multileads", random_state=seed
    )
    return np.stack([frame[lead].to_numpy() for lead in STANDARD_LEADS])


def _rhythm_line(draft) -> str:
    """The draft's RHYTHM sentence; "(withheld)" when the model's findings were withheld."""
    rhythm = [sec for sec in draft.sections if sec.title == "RHYTHM"]
    return " ".join(s.text for s in rhythm[0].sentences) if rhythm else "(withheld)"


if __name__ == "__main__":
    main()
